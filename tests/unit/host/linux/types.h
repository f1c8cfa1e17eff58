/* SPDX-License-Identifier: GPL-2.0-only */
/* Host build of pure kernel/ files (tests/unit/fast.sh): the types used. */
#ifndef UNIT_LINUX_TYPES_H
#define UNIT_LINUX_TYPES_H
#include_next <linux/types.h>	/* the uapi __u* types */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t u64;
typedef uint32_t u32;
typedef uint16_t u16;
#define U64_MAX UINT64_MAX
#endif
