// SPDX-License-Identifier: GPL-2.0-only
/*
 * Page faults and time to touch a mapped DRM dumb buffer.
 *
 * For each size, a dumb buffer is created and mapped three times through
 * the device file, and every page of the mapping is touched:
 *
 *   populate    write one word per page of a fresh mapping: the first
 *               fault also allocates the buffer's pages
 *   read        read every page of a second fresh mapping (and check what
 *               the first pass wrote), then
 *   write       write every page of the same mapping again: the faults a
 *               write takes after a read fault mapped the page read-only
 *   write2      write every page of a third fresh mapping: the steady
 *               state, the buffer's pages already allocated; repeated
 *               (-r, 5 times by default) on a new mapping each time, for
 *               the median time and the most faults
 *
 * Faults are counted by the software page-fault event of perf (every fault
 * exception from user mode, including retried ones), with the minor-fault
 * count of getrusage() as well; without perf, by the minor-fault count
 * alone, which leaves out faults that were retried. The "# result" line
 * says which (counter=perf or counter=minflt). Whether huge entries are used is judged from the
 * fault count: a mapping whose start is aligned to the PMD size and that
 * takes at most one fault per PMD-sized block was mapped by huge entries.
 *
 * The counts are checked against a limit, and a size that misses it fails:
 *   -e page  (the default) at most one fault per page in every pass: no
 *            second fault for a write to a page that is already mapped,
 *            also where the CPU does not set dirty bits by itself. A driver
 *            that tracks writes through write faults (the GEM shmem
 *            helpers, with their pfn_mkwrite handler) takes that second
 *            fault by design: measure it with -e none
 *   -e huge  for a buffer of at least the PMD size, at most one fault per
 *            PMD-sized block in every pass, and the mapping's start
 *            PMD-aligned (a kernel with TTM huge faults); for a smaller one
 *            the limit of -e page. A size whose memory is not in aligned,
 *            physically contiguous PMD-sized blocks (a fragmented page pool)
 *            cannot be mapped huge: it is checked against the limit of
 *            -e page and skipped, with the reason, if it keeps that one. The
 *            blocks are read from /proc/self/pagemap, which shows pfns to
 *            CAP_SYS_ADMIN only, and nothing for a VM_PFNMAP mapping (TTM
 *            drivers'); without them, the size is judged as if its memory
 *            were contiguous
 *   -e none  measure only
 *
 * With -u, every mapping starts one page past a PMD boundary, so that no
 * huge entry can be used: the PTE path of a kernel that has huge faults.
 *
 * Output is KTAP: one test per size, named "buffer_<size>MiB" whatever the
 * measurements (they are on the "# result" line before it, which scripts
 * can parse, and the reason for a failure or a skip on a "#" line), and
 * not starting with a digit, which TAP readers may take for a number. Exit
 * code 4 (skip) when there is no DRM device with dumb buffers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include <drm/drm.h>
#include <drm/drm_mode.h>

#include "../../../kselftest.h"

#define MIB		(1024UL * 1024UL)
#define MAX_SIZES	32
#define MAX_MIB		65536UL
#define MAX_REPS	15

enum expect { EXPECT_NONE, EXPECT_HUGE, EXPECT_PAGE };

struct pass {
	long faults;		/* perf page-fault events, -1 without perf */
	long minflt;		/* getrusage() minor faults */
	double us;		/* wall time of the pass */
};

static int perf_fd = -1;
static int reps = 5;
static bool misalign;
static unsigned long page_size;
static unsigned long pmd_size;

static long minflt_now(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

static long perf_now(void)
{
	uint64_t val;

	if (perf_fd < 0 || read(perf_fd, &val, sizeof(val)) != sizeof(val))
		return -1;
	return (long)val;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void open_perf(void)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_PAGE_FAULTS,
		.exclude_kernel = 1,
	};

	perf_fd = syscall(__NR_perf_event_open, &attr, 0, -1, -1, 0);
	if (perf_fd < 0)
		ksft_print_msg("no perf page-fault event (%s): counting minor faults\n",
			       strerror(errno));
}

static unsigned long read_ulong(const char *path, unsigned long dflt)
{
	unsigned long val;
	FILE *f = fopen(path, "r");

	if (!f)
		return dflt;
	if (fscanf(f, "%lu", &val) != 1)
		val = dflt;
	fclose(f);
	return val;
}

static void print_file(const char *what, const char *path)
{
	char line[256] = "";
	FILE *f = fopen(path, "r");

	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
		fclose(f);
	}
	line[strcspn(line, "\n")] = '\0';
	ksft_print_msg("%s: %s\n", what, f ? line : "(not available)");
}

/* The first card that does dumb buffers, or the one named. */
static int open_device(const char *name, char *path, size_t len)
{
	int i, fd;

	for (i = 0; i < 16; i++) {
		if (name)
			snprintf(path, len, "%s", name);
		else
			snprintf(path, len, "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			struct drm_get_cap gc = { .capability = DRM_CAP_DUMB_BUFFER };

			if (!ioctl(fd, DRM_IOCTL_GET_CAP, &gc) && gc.value)
				return fd;
			close(fd);
			errno = EOPNOTSUPP;
		}
		if (name)
			return -1;
	}
	return -1;
}

static void driver_name(int fd, char *name, size_t len)
{
	struct drm_version v = { .name = name, .name_len = len - 1 };

	memset(name, 0, len);
	if (ioctl(fd, DRM_IOCTL_VERSION, &v))
		snprintf(name, len, "unknown");
}

/*
 * Touch one word in every page: write the page's tag or check it. The
 * relaxed atomics only make sure that every access is made, in order.
 */
static int touch(uint64_t *p, unsigned long size, int mode, uint64_t seed,
		 struct pass *res)
{
	unsigned long i, n = size / page_size, step = page_size / sizeof(*p);
	long f0, m0, bad = 0;
	double t0;

	m0 = minflt_now();
	f0 = perf_now();
	t0 = now_us();
	for (i = 0; i < n; i++) {
		if (mode == 'w')
			__atomic_store_n(&p[i * step], seed ^ i, __ATOMIC_RELAXED);
		else if (__atomic_load_n(&p[i * step], __ATOMIC_RELAXED) != (seed ^ i))
			bad++;
	}
	res->us = now_us() - t0;
	res->faults = perf_now();
	res->faults = f0 < 0 || res->faults < f0 ? -1 : res->faults - f0;
	res->minflt = minflt_now() - m0;
	return bad ? -1 : 0;
}

/*
 * With -u, ask for an address one page past a PMD boundary: a hint, which
 * the kernel takes when the range is free and which keeps TTM from placing
 * the mapping for huge entries, so that the faults take the PTE path.
 */
static void *map(int fd, uint64_t offset, unsigned long size)
{
	char *hint = NULL;

	if (misalign) {
		hint = mmap(NULL, size + 2 * pmd_size, PROT_NONE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (hint == MAP_FAILED)
			return hint;
		munmap(hint, size + 2 * pmd_size);
		hint = (char *)(((unsigned long)hint + pmd_size - 1) &
				~(pmd_size - 1)) + page_size;
	}
	return mmap(hint, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);
}

static long faults(const struct pass *p)
{
	return p->faults >= 0 ? p->faults : p->minflt;
}

static int cmp_us(const void *a, const void *b)
{
	const struct pass *x = a, *y = b;

	return (x->us > y->us) - (x->us < y->us);
}

/* "NAME_faults=N NAME_us=T" of one pass */
static const char *show(const char *name, const struct pass *p, char *buf,
			size_t len)
{
	snprintf(buf, len, "%s_faults=%ld %s_us=%.0f", name, faults(p), name, p->us);
	return buf;
}

/* /proc/self/pagemap: bits 0-54 are the pfn, bit 63 says present */
#define PM_PFN_MASK	((1ULL << 55) - 1)
#define PM_PRESENT	0x8000000000000000ULL

/*
 * Is the memory behind every whole PMD-sized block of the mapping at @p
 * physically contiguous and aligned to the PMD size, so that it can be
 * mapped by huge entries? 1 if so, 0 if not, -1 if the pfns cannot be seen
 * (no CAP_SYS_ADMIN: pagemap shows them as 0; a VM_PFNMAP mapping: the page
 * walker skips it) or not all pages are mapped.
 */
static int blocks_contiguous(const void *p, unsigned long size)
{
	unsigned long nr = pmd_size / page_size, i, j;
	uint64_t *ent;
	int fd, ret = 1;
	ssize_t len;

	if (size < pmd_size)
		return 1;
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ent = malloc(nr * sizeof(*ent));
	if (!ent) {
		close(fd);
		return -1;
	}
	for (i = 0; i + pmd_size <= size && ret == 1; i += pmd_size) {
		off_t off = ((unsigned long)p + i) / page_size * sizeof(*ent);

		len = pread(fd, ent, nr * sizeof(*ent), off);
		if (len != (ssize_t)(nr * sizeof(*ent))) {
			ret = -1;
			break;
		}
		for (j = 0; j < nr; j++) {
			if (!(ent[j] & PM_PRESENT) || !(ent[j] & PM_PFN_MASK)) {
				ret = -1;
				break;
			}
			if ((ent[j] & PM_PFN_MASK) != (ent[0] & PM_PFN_MASK) + j) {
				ret = 0;
				break;
			}
		}
		if (ret == 1 && (ent[0] & PM_PFN_MASK) % nr)
			ret = 0;
	}
	free(ent);
	close(fd);
	return ret;
}

/* The first pass whose faults exceed @limit, or NULL. */
static const char *over_limit(const struct pass *pop, const struct pass *rd,
			      const struct pass *wr, const struct pass *wr2,
			      unsigned long limit)
{
	if (faults(pop) > (long)limit)
		return "populate";
	if (faults(rd) > (long)limit)
		return "read";
	if (faults(wr) > (long)limit)
		return "write after read";
	if (faults(wr2) > (long)limit)
		return "write";
	return NULL;
}

static void run_size(int fd, const char *drv, unsigned long mib,
		     enum expect expect, bool first)
{
	struct drm_mode_create_dumb create = {
		.width = page_size / 4,
		.bpp = 32,
	};
	struct drm_mode_destroy_dumb destroy = { 0 };
	struct drm_mode_map_dumb mapd = { 0 };
	unsigned long size = mib * MIB, limit = 0;
	struct pass pop, rd, wr, wr2, runs[MAX_REPS];
	char b[5][64], all[5 * 64 + 8];
	const char *why = NULL;
	char name[32], msg[160] = "";
	bool aligned, huge;
	void *p = MAP_FAILED;
	int err, r, contig;

	snprintf(name, sizeof(name), "buffer_%luMiB", mib);

	create.height = size / page_size;
	if (ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create)) {
		err = errno;
		if (!first && (err == ENOMEM || err == ENOSPC || err == EINVAL)) {
			ksft_test_result_code(KSFT_SKIP, name,
					      "no dumb buffer this large: %s",
					      strerror(err));
		} else {
			ksft_print_msg("%s: DRM_IOCTL_MODE_CREATE_DUMB: %s\n",
				       name, strerror(err));
			ksft_test_result_code(KSFT_FAIL, name, NULL);
		}
		return;
	}
	destroy.handle = create.handle;
	mapd.handle = create.handle;
	if (create.size < size) {
		snprintf(msg, sizeof(msg), "buffer of %llu bytes, asked for %lu",
			 (unsigned long long)create.size, size);
		goto fail;
	}
	if (ioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &mapd)) {
		snprintf(msg, sizeof(msg), "DRM_IOCTL_MODE_MAP_DUMB: %s",
			 strerror(errno));
		goto fail;
	}

	p = map(fd, mapd.offset, size);
	if (p == MAP_FAILED)
		goto fail_mmap;
	aligned = !((unsigned long)p & (pmd_size - 1));
	touch(p, size, 'w', mib, &pop);
	/* where the first pass put the buffer's memory */
	contig = blocks_contiguous(p, size);
	munmap(p, size);

	p = map(fd, mapd.offset, size);
	if (p == MAP_FAILED)
		goto fail_mmap;
	aligned &= !((unsigned long)p & (pmd_size - 1));
	if (touch(p, size, 'r', mib, &rd)) {
		snprintf(msg, sizeof(msg), "data of the first pass not read back");
		goto fail;
	}
	touch(p, size, 'w', ~(uint64_t)mib, &wr);
	munmap(p, size);

	/* the steady state: the median time and the most faults of reps */
	for (r = 0; r < reps; r++) {
		p = map(fd, mapd.offset, size);
		if (p == MAP_FAILED)
			goto fail_mmap;
		aligned &= !((unsigned long)p & (pmd_size - 1));
		touch(p, size, 'w', mib, &runs[r]);
		munmap(p, size);
		p = MAP_FAILED;
	}
	ioctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
	qsort(runs, reps, sizeof(runs[0]), cmp_us);
	wr2 = runs[reps / 2];
	for (r = 0; r < reps; r++) {
		wr2.faults = runs[r].faults > wr2.faults ? runs[r].faults : wr2.faults;
		wr2.minflt = runs[r].minflt > wr2.minflt ? runs[r].minflt : wr2.minflt;
	}

	huge = aligned && size >= pmd_size &&
	       faults(&wr2) <= (long)((size + pmd_size - 1) / pmd_size);
	snprintf(b[4], sizeof(b[4]), "write2_minflt=%ld us_per_mib=%.2f counter=%s",
		 wr2.minflt, wr2.us / mib, wr2.faults < 0 ? "minflt" : "perf");
	snprintf(all, sizeof(all), "%s %s %s %s %s",
		 show("populate", &pop, b[0], sizeof(b[0])),
		 show("read", &rd, b[1], sizeof(b[1])),
		 show("write", &wr, b[2], sizeof(b[2])),
		 show("write2", &wr2, b[3], sizeof(b[3])), b[4]);
	ksft_print_msg("result driver=%s size_mib=%lu aligned=%d huge=%d contiguous=%d %s\n",
		       drv, mib, aligned, huge, contig, all);

	if (misalign && aligned) {
		ksft_print_msg("%s: -u: the kernel did not take the misaligned hint\n",
			       name);
		ksft_test_result_code(KSFT_FAIL, name, NULL);
		return;
	}
	/* fragmented memory cannot be mapped huge: judged by pages, skipped */
	if (expect == EXPECT_HUGE && size >= pmd_size && contig == 0) {
		why = over_limit(&pop, &rd, &wr, &wr2, size / page_size);
		if (!why) {
			ksft_test_result_code(KSFT_SKIP, name,
					      "memory not in aligned %lu KiB blocks (fragmented pool): no huge entries possible",
					      pmd_size / 1024);
			return;
		}
		limit = size / page_size;
	} else if (expect == EXPECT_HUGE && size >= pmd_size) {
		/* a tail short of a PMD: up to one fault per page */
		limit = size / pmd_size + (size % pmd_size) / page_size;
		why = over_limit(&pop, &rd, &wr, &wr2, limit);
		if (!why && !aligned)
			why = "mapping not PMD-aligned";
	} else if (expect != EXPECT_NONE) {
		limit = size / page_size;
		why = over_limit(&pop, &rd, &wr, &wr2, limit);
	}
	if (why) {
		ksft_print_msg("%s: %s: faults %ld/%ld/%ld/%ld, limit %lu\n",
			       name, why, faults(&pop), faults(&rd),
			       faults(&wr), faults(&wr2), limit);
		ksft_test_result_code(KSFT_FAIL, name, NULL);
		return;
	}
	ksft_print_msg("%s: %ld fault%s, %.1f us per MiB%s\n", name,
		       faults(&wr2), faults(&wr2) == 1 ? "" : "s", wr2.us / mib,
		       huge ? ", huge entries" : "");
	ksft_test_result_code(KSFT_PASS, name, NULL);
	return;

fail_mmap:
	snprintf(msg, sizeof(msg), "mmap: %s", strerror(errno));
fail:
	if (p != MAP_FAILED)
		munmap(p, size);
	ioctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
	ksft_print_msg("%s: %s\n", name, msg);
	ksft_test_result_code(KSFT_FAIL, name, NULL);
}

static void help(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-d /dev/dri/cardN] [-s MiB,...] [-r N] [-u] [-e page|huge|none]\n"
		"  -d  the DRM device (default: the first card with dumb buffers)\n"
		"  -s  up to 32 buffer sizes in MiB, at most 65536 (default: 2,4,...,256)\n"
		"  -r  repetitions of the steady-state write pass, 1 to 15 (5)\n"
		"  -u  map one page past a PMD boundary (no huge entries)\n"
		"  -e  fail a size whose fault counts miss the limit:\n"
		"      page: one fault per page (the default)\n"
		"      huge: one fault per PMD-sized block and a PMD-aligned\n"
		"            mapping (smaller buffers, and memory not in aligned\n"
		"            contiguous blocks: one fault per page, the latter\n"
		"            skipped)\n"
		"      none: measure only\n", prog);
	exit(KSFT_FAIL);
}

int main(int argc, char **argv)
{
	unsigned long sizes[MAX_SIZES] = { 2, 4, 8, 16, 32, 64, 128, 256 };
	enum expect expect = EXPECT_PAGE;
	struct pass warm;
	int nsizes = 8, opt, fd, i;
	const char *dev = NULL;
	char path[64], drv[64];
	char *s, *tok, *end;

	page_size = sysconf(_SC_PAGESIZE);
	pmd_size = read_ulong("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size",
			      page_size * (page_size / 8));

	while ((opt = getopt(argc, argv, "d:s:e:r:uh")) != -1) {
		switch (opt) {
		case 'u':
			misalign = true;
			break;
		case 'r':
			reps = strtoul(optarg, &end, 10);
			if (*end || reps < 1 || reps > MAX_REPS)
				help(argv[0]);
			break;
		case 'd':
			dev = optarg;
			break;
		case 's':
			nsizes = 0;
			s = optarg;
			while ((tok = strsep(&s, ","))) {
				if (nsizes == MAX_SIZES)
					help(argv[0]);
				sizes[nsizes] = strtoul(tok, &end, 10);
				if (*end || !sizes[nsizes] || sizes[nsizes] > MAX_MIB)
					help(argv[0]);
				nsizes++;
			}
			break;
		case 'e':
			if (!strcmp(optarg, "huge"))
				expect = EXPECT_HUGE;
			else if (!strcmp(optarg, "page"))
				expect = EXPECT_PAGE;
			else if (!strcmp(optarg, "none"))
				expect = EXPECT_NONE;
			else
				help(argv[0]);
			break;
		default:
			help(argv[0]);
		}
	}
	if (!nsizes || optind != argc)
		help(argv[0]);

	ksft_print_header();

	fd = open_device(dev, path, sizeof(path));
	if (fd < 0 && dev)
		ksft_exit_fail_msg("%s: no DRM device with dumb buffers: %s\n",
				   dev, strerror(errno));
	if (fd < 0)
		ksft_exit_skip("no DRM device with dumb buffers (/dev/dri/card*: %s)\n",
			       strerror(errno));
	driver_name(fd, drv, sizeof(drv));
	ksft_print_msg("device %s, driver %s, page %lu, PMD %lu, expect %s\n",
		       path, drv, page_size, pmd_size,
		       expect == EXPECT_HUGE ? "huge" :
		       expect == EXPECT_PAGE ? "page" : "nothing");
	print_file("transparent_hugepage", "/sys/kernel/mm/transparent_hugepage/enabled");
	print_file("clocksource",
		   "/sys/devices/system/clocksource/clocksource0/current_clocksource");
	open_perf();

	/*
	 * Fault in the program's own pages now, so that the passes count
	 * only the faults on the buffers: lock what is mapped, and run the
	 * measuring code once on nothing.
	 */
	if (mlockall(MCL_CURRENT))
		ksft_print_msg("mlockall: %s\n", strerror(errno));
	touch(NULL, 0, 'w', 0, &warm);

	ksft_set_plan(nsizes);
	for (i = 0; i < nsizes; i++)
		run_size(fd, drv, sizes[i], expect, i == 0);
	close(fd);
	ksft_finished();
}
