// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fast layer: kernel/vim_range.c (usable IOVA ranges) built on the
 * host against tests/unit/host/ and checked case by case, then against a
 * bitmap model with random cuts.  PASS/FAIL lines, then the total.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNIT_NAME "ranges"
#include "unit.h"
#include "../../kernel/vim_range.h"

int unit_alloc_fail_in;
int unit_pass, unit_fail;

/* Everything usable: one range [0, U64_MAX]. */
static void all(struct vim_ranges *rs)
{
	rs->nr = 0;
	vim_ranges_grow(rs);
	rs->r[0].start = 0;
	rs->r[0].end = U64_MAX;
	rs->nr = 1;
}

/* The ranges are exactly the pairs given (start, end, ...). */
static int is(struct vim_ranges *rs, unsigned int n, const u64 *want)
{
	unsigned int i;

	if (rs->nr != n)
		return 0;
	for (i = 0; i < n; i++)
		if (rs->r[i].start != want[2 * i] || rs->r[i].end != want[2 * i + 1])
			return 0;
	return 1;
}

/* Random cuts on [0, 255] against a bitmap of usable addresses. */
static int model(unsigned int seed, int cuts)
{
	struct vim_ranges rs = { 0 };
	unsigned char ok[256];
	unsigned int i, a, b, r;
	int good;

	srand(seed);
	memset(ok, 1, sizeof(ok));
	rs.nr = 0;
	vim_ranges_grow(&rs);
	rs.r[0].start = 0;
	rs.r[0].end = 255;
	rs.nr = 1;
	while (cuts--) {
		a = rand() % 256;
		b = a + rand() % 16;
		if (b > 255)
			b = 255;
		if (vim_ranges_cut(&rs, a, b)) {
			vim_ranges_free(&rs);
			return 0;
		}
		memset(ok + a, 0, b - a + 1);
	}
	/* ascending, disjoint, not touching, and exactly the model's set */
	good = 1;
	for (r = 0; r < rs.nr; r++) {
		if (rs.r[r].start > rs.r[r].end)
			good = 0;
		if (r && rs.r[r].start <= rs.r[r - 1].end + 1)
			good = 0;
	}
	for (i = 0; i < 256; i++) {
		int in = 0;

		for (r = 0; r < rs.nr; r++)
			in |= i >= rs.r[r].start && i <= rs.r[r].end;
		if (in != ok[i] || vim_ranges_contain(&rs, i, i) != ok[i])
			good = 0;
	}
	vim_ranges_free(&rs);
	return good;
}

int main(void)
{
	struct vim_ranges rs = { 0 };
	unsigned int i;
	int ok;

	setvbuf(stdout, NULL, _IOLBF, 0);
	all(&rs);
	vim_ranges_cut(&rs, 0, 0xfff);
	CHECK("a cut at the bottom moves the start",
	      is(&rs, 1, (u64[]){ 0x1000, U64_MAX }));
	vim_ranges_cut(&rs, 0xfee00000, 0xfeefffff);
	CHECK("a cut in the middle splits the range",
	      is(&rs, 2, (u64[]){ 0x1000, 0xfedfffff, 0xfef00000, U64_MAX }));
	vim_ranges_cut(&rs, 1ULL << 48, U64_MAX);
	CHECK("a cut to U64_MAX ends the last range below it",
	      is(&rs, 2, (u64[]){ 0x1000, 0xfedfffff, 0xfef00000,
				  (1ULL << 48) - 1 }));
	vim_ranges_cut(&rs, 0xfee00000, 0xfeefffff);
	CHECK("cutting what is already gone changes nothing",
	      is(&rs, 2, (u64[]){ 0x1000, 0xfedfffff, 0xfef00000,
				  (1ULL << 48) - 1 }));
	vim_ranges_cut(&rs, 0x1000, 0xfedfffff);
	CHECK("a cut of exactly one range removes it",
	      is(&rs, 1, (u64[]){ 0xfef00000, (1ULL << 48) - 1 }));
	CHECK("contain: inside, at both edges",
	      vim_ranges_contain(&rs, 0xfef00000, (1ULL << 48) - 1));
	CHECK("contain: one past the end is refused",
	      !vim_ranges_contain(&rs, 0xfef00000, 1ULL << 48));
	CHECK("contain: one below the start is refused",
	      !vim_ranges_contain(&rs, 0xfeefffff, 0xfef00000));
	vim_ranges_cut(&rs, 0, U64_MAX);
	CHECK("a cut of everything leaves nothing, nothing contained",
	      rs.nr == 0 && !vim_ranges_contain(&rs, 0, 0));

	all(&rs);
	for (i = 0; i < 40; i++)
		vim_ranges_cut(&rs, 0x10000ULL * (i + 1), 0x10000ULL * (i + 1) + 0xfff);
	ok = rs.nr == 41 && rs.cap >= 41;
	for (i = 0; ok && i < 40; i++)
		ok = rs.r[i + 1].start == 0x10000ULL * (i + 1) + 0x1000;
	CHECK("40 holes: the array grows past its first 8 entries, in order", ok);
	vim_ranges_free(&rs);

	all(&rs);
	while (rs.nr < rs.cap)
		vim_ranges_cut(&rs, 0x1000ULL * (2 * rs.nr + 1), 0x1000ULL * (2 * rs.nr + 1));
	unit_alloc_fail_in = 1;
	i = rs.nr;
	ok = vim_ranges_cut(&rs, 0x1000ULL * 1000, 0x1000ULL * 1000) == -ENOMEM;
	CHECK("a split that cannot grow the array fails with ENOMEM, ranges kept",
	      ok && rs.nr == i && rs.r[rs.nr - 1].end == U64_MAX);
	unit_alloc_fail_in = 0;
	vim_ranges_free(&rs);
	CHECK("free leaves an empty set", rs.nr == 0 && rs.cap == 0 && !rs.r);

	ok = 1;
	for (i = 1; ok && i <= 200; i++)
		ok = model(i, 1 + i % 40);
	CHECK("200 random cut sequences match a bitmap model", ok);

	printf("%d passed, %d failed\n", unit_pass, unit_fail);
	return unit_fail != 0;
}
