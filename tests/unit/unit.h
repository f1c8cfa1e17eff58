/* SPDX-License-Identifier: GPL-2.0-only */
/* The fast layer's checks (tests/unit/ranges.c, caps.c): a line each. */
#ifndef UNIT_H
#define UNIT_H
#include <stdio.h>

extern int unit_pass, unit_fail;

#define CHECK(name, cond) do {						\
	if (cond) {							\
		printf("PASS  unit/%s: %s\n", UNIT_NAME, name);		\
		unit_pass++;						\
	} else {							\
		printf("FAIL  unit/%s: %s (%s:%d)\n", UNIT_NAME, name,	\
		       __FILE__, __LINE__);				\
		unit_fail++;						\
	}								\
} while (0)

#endif
