# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the FDBox VM harness scripts (sourced, not run).

FDBOX_CACHE=${FDBOX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fdbox}
FDBOX_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

say() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { printf '%s: error: %s\n' "${0##*/}" "$*" >&2; exit 1; }

# now_ms: wall clock in milliseconds (for build and run timings)
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
