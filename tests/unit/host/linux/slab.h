/* SPDX-License-Identifier: GPL-2.0-only */
/* Host build: the allocator calls of pure kernel/ files, on libc. */
#ifndef UNIT_LINUX_SLAB_H
#define UNIT_LINUX_SLAB_H
#include <stdlib.h>

#define GFP_KERNEL 0

/* a failure injection point for the tests: fail the Nth call from now */
extern int unit_alloc_fail_in;

static inline void *krealloc_array(void *p, size_t n, size_t size, int gfp)
{
	(void)gfp;
	if (unit_alloc_fail_in > 0 && --unit_alloc_fail_in == 0)
		return NULL;
	return realloc(p, n * size);
}

static inline void *krealloc(void *p, size_t size, int gfp)
{
	return krealloc_array(p, 1, size, gfp);
}

static inline void kfree(const void *p)
{
	free((void *)p);
}
#endif
