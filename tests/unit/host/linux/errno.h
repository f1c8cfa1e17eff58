/* SPDX-License-Identifier: GPL-2.0-only */
/* Host build: the system's own errno values. */
#include_next <linux/errno.h>
