// SPDX-License-Identifier: GPL-2.0
/*
 * FDBox handover of sealed boxes through Kexec HandOver (KHO).
 *
 * Not implemented yet: no box is handed over or found.
 */

#include "fdbox.h"

/**
 * fdbox_handover_init() - find the boxes the previous kernel handed over
 *
 * Context: Module init.
 * Return: 0.
 */
int fdbox_handover_init(void)
{
	return 0;
}

/**
 * fdbox_handover_exit() - undo fdbox_handover_init()
 *
 * Context: Module exit.
 */
void fdbox_handover_exit(void)
{
}
