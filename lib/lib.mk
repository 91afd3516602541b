# SPDX-License-Identifier: LGPL-2.1-or-later
# libfdbox: included by the top-level Makefile (paths relative to the top;
# BUILD and CC come from there). Builds into $(BUILD)/lib/:
#   libfdbox.so.$(FDBOX_VERSION) (SONAME libfdbox.so.0) and its links,
#   libfdbox.a, fdbox.pc
# and installs them with the headers (target install, see tools/tools.mk).

FDBOX_VERSION := 0.1.0
FDBOX_SOVERSION := 0

# Installation directories (DESTDIR is honoured by install).
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
UDEVRULESDIR ?= $(PREFIX)/lib/udev/rules.d
MODULESLOADDIR ?= $(PREFIX)/lib/modules-load.d
DKMSSRCDIR ?= $(PREFIX)/src/fdbox-$(FDBOX_VERSION)

# CFLAGS, CPPFLAGS and LDFLAGS are the builder's (dpkg-buildflags puts the
# hardening flags there); what the code needs is added to them.
CFLAGS ?= -O2 -g
FDBOX_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror=implicit \
	-Iinclude/uapi -Ilib -DFDBOX_VERSION=\"$(FDBOX_VERSION)\" -MMD -MP \
	$(CPPFLAGS) $(CFLAGS)

LIBFDBOX_SRCS := lib/libfdbox.c lib/copy.c
LIBFDBOX_OBJS := $(patsubst lib/%.c,$(BUILD)/lib/obj/%.o,$(LIBFDBOX_SRCS))
LIBFDBOX_SO := $(BUILD)/lib/libfdbox.so.$(FDBOX_VERSION)
LIBFDBOX_SONAME := libfdbox.so.$(FDBOX_SOVERSION)
LIBFDBOX_A := $(BUILD)/lib/libfdbox.a
LIBFDBOX_PC := $(BUILD)/lib/fdbox.pc
LIBFDBOX_ALL := $(LIBFDBOX_SO) $(BUILD)/lib/$(LIBFDBOX_SONAME) \
	$(BUILD)/lib/libfdbox.so $(LIBFDBOX_A) $(LIBFDBOX_PC)

.PHONY: libfdbox
libfdbox: $(LIBFDBOX_ALL)

# One set of objects, position independent, only public symbols visible:
# good for the shared library and for static linking alike.
$(BUILD)/lib/obj/%.o: lib/%.c lib/lib.mk
	@mkdir -p $(dir $@)
	$(CC) $(FDBOX_CFLAGS) -fPIC -fvisibility=hidden -c -o $@ $<

$(LIBFDBOX_SO): $(LIBFDBOX_OBJS) lib/libfdbox.map
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,-soname,$(LIBFDBOX_SONAME) \
		-Wl,--version-script=lib/libfdbox.map -Wl,--no-undefined \
		-o $@ $(LIBFDBOX_OBJS)

$(BUILD)/lib/$(LIBFDBOX_SONAME) $(BUILD)/lib/libfdbox.so: $(LIBFDBOX_SO)
	ln -sf $(notdir $<) $@

$(LIBFDBOX_A): $(LIBFDBOX_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(LIBFDBOX_PC): lib/fdbox.pc.in lib/lib.mk
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
		-e 's|@VERSION@|$(FDBOX_VERSION)|' $< > $@

-include $(LIBFDBOX_OBJS:.o=.d)
