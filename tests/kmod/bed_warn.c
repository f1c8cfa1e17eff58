// SPDX-License-Identifier: GPL-2.0-only
/*
 * bed_warn: test-bed self-test only.  Loading it emits one WARN and fails
 * with -EAGAIN, so that the bed's self-test can prove that a WARN in the
 * guest kernel log fails a run.  Never loaded by a real suite.
 */
#include <linux/module.h>
#include <linux/bug.h>

static int __init bed_warn_init(void)
{
	WARN(1, "bed_warn: deliberate warning for the bed's self-test\n");
	return -EAGAIN;
}
module_init(bed_warn_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Test-bed self-test: emits one WARN");
