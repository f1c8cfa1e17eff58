// SPDX-License-Identifier: GPL-2.0-only
/* vt: one static binary that runs one test case: vt SUITE.CASE ARGS... */
#include <stdlib.h>

#include "../lib/vt.h"

static const struct {
	const char *name;
	const struct vt_case *cases;
} suites[] = {
	{ "stock", stock_cases },
	{ "mdev", mdev_cases },
	{ "backend", backend_cases },
	{ "bench", bench_cases },
	{ "race", race_cases },
	{ "robust", robust_cases },
	{ "hotplug", hotplug_cases },
	{ "fuzz", fuzz_cases },
	{ "iommufd", iommufd_cases },
	{ "ifuzz", ifuzz_cases },
	{ "p2p", p2p_cases },
	{ "vaddr", vaddr_cases },
	{ "dirty", dirty_cases },
};

int main(int argc, char **argv)
{
	size_t i, n;
	const struct vt_case *c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; argc > 1 && i < sizeof(suites) / sizeof(suites[0]); i++) {
		n = strlen(suites[i].name);
		if (strncmp(argv[1], suites[i].name, n) || argv[1][n] != '.')
			continue;
		for (c = suites[i].cases; c->name; c++)
			if (!strcmp(argv[1] + n + 1, c->name))
				return c->fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "usage: vt SUITE.CASE ARGS...\n");
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		for (c = suites[i].cases; c->name; c++)
			fprintf(stderr, "  %s.%s %s\n", suites[i].name,
				c->name, c->usage);
	return 2;
}
