// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the handling of RMP violations on user addresses, as an
 * SEV-SNP host takes them: the decision of rmp_pf_decide() in every
 * branch, rmp_pf_action() on real page tables of an mm of the test's own,
 * and do_user_addr_fault() itself, entered by a real fault of a user
 * access from the test thread. KUnit static stubs replace the RMP table
 * lookup and, for the wiring cases, make chosen faults of the test thread
 * look like RMP violations, so no SNP hardware is needed. A third one
 * stands for a fatal signal, so that the test thread need not be killed.
 */
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/file.h>
#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pgtable.h>
#include <linux/uaccess.h>
#include <asm/pgtable_types.h>
#include <asm/trap_pf.h>

#include "mm_internal.h"

MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");

/* The ASID of the guest that assigned pages belong to; 0 is the firmware. */
#define RMP_GUEST_ASID	5

/*
 * The RMP entry the fake lookup reports, what it was asked, and for the
 * wiring cases which faults are RMP violations and what the lookup does
 * to the mapping meanwhile.
 */
struct rmp_fake {
	int ret;
	bool assigned;
	u32 asid;
	int level;
	unsigned int calls;
	u64 pfn;		/* the first pfn looked up */
	/* lookups after the first @release_after see the page shared (0: none) */
	unsigned int release_after;
	/* only this pfn has the entry above, every other one is shared (0: all) */
	u64 only_pfn;
	/* and this one is a guest's (0: none) */
	u64 guest_pfn;
	/* faults at [start, end) are RMP violations, the first @rmp_faults */
	unsigned long start, end;
	unsigned int rmp_faults;
	unsigned int checks;
	/* the lookup zaps the page at this user address (0: none) */
	unsigned long zap;
	/* ... at this lookup only (0: at every one) */
	unsigned int zap_call;
	/* what rmp_pf_fatal_pending() says, and how often it was asked */
	bool fatal;
	unsigned int fatal_checks;
};

static struct rmp_fake *rmp_fake(struct kunit *test)
{
	return test->priv;
}

static int rmp_fake_lookup(u64 pfn, bool *assigned, u32 *asid, int *level)
{
	struct kunit *test = kunit_get_current_test();
	struct rmp_fake *f = rmp_fake(test);

	/* The page hit is looked up first, then a 2M range's pages. */
	if (!f->calls++)
		f->pfn = pfn;
	/* A racing zap between the walk and the lookup. */
	if (f->zap && (!f->zap_call || f->calls == f->zap_call))
		KUNIT_EXPECT_EQ(test, do_madvise(current->mm, f->zap, PAGE_SIZE,
						 MADV_DONTNEED), 0);
	if (f->ret)
		return f->ret;
	*assigned = f->assigned;
	*asid = f->asid;
	*level = f->level;
	/* The firmware gave the page back after the fault was raised. */
	if ((f->release_after && f->calls > f->release_after) ||
	    (f->only_pfn && pfn != f->only_pfn)) {
		*assigned = false;
		*asid = 0;
	}
	if (f->guest_pfn && pfn == f->guest_pfn) {
		*assigned = true;
		*asid = RMP_GUEST_ASID;
	}
	return 0;
}

static bool rmp_fake_check(unsigned long error_code, unsigned long address)
{
	struct rmp_fake *f = rmp_fake(kunit_get_current_test());

	f->checks++;
	if (address < f->start || address >= f->end || !f->rmp_faults)
		return false;
	f->rmp_faults--;
	return true;
}

static bool rmp_fake_fatal(void)
{
	struct rmp_fake *f = rmp_fake(kunit_get_current_test());

	f->fatal_checks++;
	return f->fatal;
}

/* Assigned pages belong to a guest; rmp_fake_firmware() makes them the PSP's. */
static void rmp_fake_set(struct kunit *test, int ret, bool assigned, int level)
{
	struct rmp_fake *f = rmp_fake(test);

	f->ret = ret;
	f->assigned = assigned;
	f->asid = assigned ? RMP_GUEST_ASID : 0;
	f->level = level;
	f->calls = 0;
	f->pfn = 0;
	f->release_after = 0;
	f->only_pfn = 0;
	f->guest_pfn = 0;
	f->zap = 0;
	f->zap_call = 0;
}

/* An assigned page owned by the firmware (ASID 0), as for a command. */
static void rmp_fake_firmware(struct kunit *test, int level)
{
	rmp_fake_set(test, 0, true, level);
	rmp_fake(test)->asid = 0;
}

/* The next @n faults of the test thread at [@start, @start + @len). */
static void rmp_fake_faults(struct kunit *test, unsigned long start,
			    unsigned long len, unsigned int n)
{
	struct rmp_fake *f = rmp_fake(test);

	f->start = start;
	f->end = start + len;
	f->rmp_faults = n;
	f->checks = 0;
	f->fatal_checks = 0;
	kunit_activate_static_stub(test, rmp_pf_check, rmp_fake_check);
}

static int rmp_fault_init(struct kunit *test)
{
	test->priv = kunit_kzalloc(test, sizeof(struct rmp_fake), GFP_KERNEL);
	if (!test->priv)
		return -ENOMEM;
	kunit_activate_static_stub(test, rmp_pf_lookup, rmp_fake_lookup);
	kunit_activate_static_stub(test, rmp_pf_fatal_pending, rmp_fake_fatal);
	return 0;
}

struct rmp_decide_param {
	enum pg_level host_level;
	bool changed;
	int lookup_ret;
	bool assigned;
	u32 asid;
	int rmp_level;
	bool user;
	enum rmp_pf_action action;
	const char *desc;
};

static const struct rmp_decide_param rmp_decide_params[] = {
	{ PG_LEVEL_4K, false, 0, false, 0, PG_LEVEL_4K, true, RMP_PF_RETRY,
	  "user, 4K mapping, shared 4K entry: retry" },
	{ PG_LEVEL_4K, false, 0, false, 0, PG_LEVEL_2M, true, RMP_PF_RETRY,
	  "user, 4K mapping, shared 2M entry: retry" },
	{ PG_LEVEL_2M, false, 0, false, 0, PG_LEVEL_2M, true, RMP_PF_RETRY,
	  "user, 2M mapping, shared 2M entry: retry" },
	{ PG_LEVEL_4K, false, 0, false, 0, PG_LEVEL_4K, false, RMP_PF_WAIT,
	  "kernel, 4K mapping, shared 4K entry: wait, no spurious fixup" },
	{ PG_LEVEL_2M, false, 0, false, 0, PG_LEVEL_2M, false, RMP_PF_WAIT,
	  "kernel, 2M mapping, shared 2M entry: wait, no spurious fixup" },
	{ PG_LEVEL_2M, false, 0, false, 0, PG_LEVEL_4K, true, RMP_PF_SPLIT,
	  "user, 2M mapping, shared 4K entry: split, if the range says so" },
	{ PG_LEVEL_2M, false, 0, false, 0, PG_LEVEL_4K, false, RMP_PF_SPLIT,
	  "kernel, 2M mapping, shared 4K entry: split, if the range says so" },
	{ PG_LEVEL_1G, false, 0, false, 0, PG_LEVEL_2M, true, RMP_PF_SPLIT,
	  "user, 1G mapping, shared 2M entry: split, if the range says so" },
	{ PG_LEVEL_1G, false, 0, false, 0, PG_LEVEL_4K, true, RMP_PF_SPLIT,
	  "user, 1G mapping, shared 4K entry: split, if the range says so" },
	{ PG_LEVEL_4K, false, 0, true, RMP_GUEST_ASID, PG_LEVEL_4K, true, RMP_PF_SIGBUS,
	  "user, 4K mapping, guest-assigned page: SIGBUS" },
	{ PG_LEVEL_2M, false, 0, true, RMP_GUEST_ASID, PG_LEVEL_4K, true, RMP_PF_SIGBUS,
	  "user, 2M mapping, guest-assigned 4K page: SIGBUS, not split" },
	{ PG_LEVEL_2M, false, -EFAULT, false, 0, PG_LEVEL_NONE, true,
	  RMP_PF_SIGBUS, "user, 2M mapping, RMP lookup fails: SIGBUS" },
	{ PG_LEVEL_NONE, false, 0, false, 0, PG_LEVEL_NONE, true, RMP_PF_RETRY,
	  "user, no host mapping: retry" },
	{ PG_LEVEL_NONE, false, 0, false, 0, PG_LEVEL_NONE, false, RMP_PF_RETRY,
	  "kernel, no host mapping: retry (an ordinary fault follows)" },
	{ PG_LEVEL_4K, true, 0, true, RMP_GUEST_ASID, PG_LEVEL_4K, true, RMP_PF_RETRY,
	  "user, mapping changed during the lookup: retry, not SIGBUS" },
	{ PG_LEVEL_2M, true, -EFAULT, false, 0, PG_LEVEL_NONE, false,
	  RMP_PF_RETRY, "kernel, mapping changed, lookup fails: retry" },
	{ PG_LEVEL_4K, false, 0, true, 0, PG_LEVEL_4K, true, RMP_PF_WAIT,
	  "user, 4K mapping, firmware-owned page: wait" },
	{ PG_LEVEL_2M, false, 0, true, 0, PG_LEVEL_4K, false, RMP_PF_WAIT,
	  "kernel, 2M mapping, firmware-owned page: wait, not SIGBUS" },
	{ PG_LEVEL_2M, false, -EFAULT, true, 0, PG_LEVEL_4K, true,
	  RMP_PF_SIGBUS, "user, firmware-owned page, lookup fails: SIGBUS" },
};

static void rmp_decide_desc(const struct rmp_decide_param *p, char *desc)
{
	strscpy(desc, p->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(rmp_decide, rmp_decide_params, rmp_decide_desc);

/* Every branch of the decision. */
static void rmp_fault_decide(struct kunit *test)
{
	const struct rmp_decide_param *p = test->param_value;

	KUNIT_EXPECT_EQ(test, rmp_pf_decide(p->host_level, p->changed,
					    p->lookup_ret, p->assigned, p->asid,
					    p->rmp_level, p->user),
			p->action);
}

/* Map @len of anonymous memory, @align aligned, THP allowed or not. */
static unsigned long rmp_map_anon(struct kunit *test, unsigned long len,
				  unsigned long align, bool thp)
{
	unsigned long addr;

	addr = kunit_vm_mmap(test, NULL, 0, len + align,
			     PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_FALSE(test, !addr || IS_ERR_VALUE(addr));
	addr = ALIGN(addr, align);
	KUNIT_ASSERT_EQ(test, do_madvise(current->mm, addr, len,
					 thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE),
			0);
	return addr;
}

/* The pfn that user address @addr maps, through GUP. */
static unsigned long rmp_user_pfn(struct kunit *test, unsigned long addr)
{
	struct page *page;
	unsigned long pfn;

	KUNIT_ASSERT_EQ(test, get_user_pages_fast(addr, 1, 0, &page), 1);
	pfn = page_to_pfn(page);
	put_page(page);
	return pfn;
}

/*
 * The level of the entry that maps user address @addr (PG_LEVEL_NONE if
 * none) and the pfn of the page there, read from the page table: GUP would
 * not take the zero pages the wiring cases use.
 */
static unsigned int rmp_user_map(unsigned long addr, unsigned long *pfn)
{
	unsigned int level = PG_LEVEL_NONE;
	pte_t *ptep;

	*pfn = 0;
	ptep = lookup_address_in_pgd(pgd_offset(current->mm, addr), addr,
				     &level);
	if (!ptep || !pte_present(*ptep))
		return PG_LEVEL_NONE;
	if (level == PG_LEVEL_2M)
		*pfn = pmd_pfn(*(pmd_t *)ptep);
	else if (level == PG_LEVEL_1G)
		*pfn = pud_pfn(*(pud_t *)ptep);
	else
		*pfn = pte_pfn(*ptep);
	*pfn += (addr & ~page_level_mask(level)) >> PAGE_SHIFT;
	return level;
}

static unsigned int rmp_user_level(unsigned long addr)
{
	unsigned long pfn;

	return rmp_user_map(addr, &pfn);
}

static unsigned long rmp_mapped_pfn(unsigned long addr)
{
	unsigned long pfn;

	rmp_user_map(addr, &pfn);
	return pfn;
}

/*
 * A 4K mapping: the page at the address is looked up; shared means retry
 * for a user access and wait for a kernel one, guest-assigned and a failed
 * lookup SIGBUS, firmware-owned wait.
 */
static void rmp_fault_4k(struct kunit *test)
{
	struct mm_struct *mm;
	unsigned long addr, pfn;

	addr = rmp_map_anon(test, PAGE_SIZE, PAGE_SIZE, false);
	KUNIT_ASSERT_EQ(test, put_user(1, (u32 __user *)addr), 0);
	pfn = rmp_user_pfn(test, addr);
	mm = current->mm;

	rmp_fake_set(test, 0, false, PG_LEVEL_4K);
	KUNIT_EXPECT_EQ(test, rmp_pf_action(mm, addr + 0x7f8, true),
			RMP_PF_RETRY);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->calls, 1);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->pfn, pfn);
	KUNIT_EXPECT_EQ(test, rmp_pf_action(mm, addr + 0x7f8, false),
			RMP_PF_WAIT);

	rmp_fake_set(test, 0, true, PG_LEVEL_4K);
	KUNIT_EXPECT_EQ(test, rmp_pf_action(mm, addr, true), RMP_PF_SIGBUS);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->pfn, pfn);

	/* The firmware's for now: wait, from user and kernel mode. */
	rmp_fake_firmware(test, PG_LEVEL_4K);
	KUNIT_EXPECT_EQ(test, rmp_pf_action(mm, addr, true), RMP_PF_WAIT);
	KUNIT_EXPECT_EQ(test, rmp_pf_action(mm, addr, false), RMP_PF_WAIT);

	rmp_fake_set(test, -EINVAL, false, PG_LEVEL_4K);
	KUNIT_EXPECT_EQ(test, rmp_pf_action(mm, addr, true), RMP_PF_SIGBUS);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->calls, 1);
}

/*
 * Nothing mapped at the address (never touched, or unmapped meanwhile):
 * retry, without a lookup.
 */
static void rmp_fault_unmapped(struct kunit *test)
{
	unsigned long addr = rmp_map_anon(test, PAGE_SIZE, PAGE_SIZE, false);

	rmp_fake_set(test, 0, true, PG_LEVEL_4K);
	KUNIT_EXPECT_EQ(test, rmp_pf_action(current->mm, addr, true),
			RMP_PF_RETRY);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->calls, 0);
}

/*
 * The page is zapped between the walk and the lookup: the guest-assigned
 * page the lookup reports is no longer mapped there, so retry, not SIGBUS.
 */
static void rmp_fault_zapped_during_lookup(struct kunit *test)
{
	unsigned long addr = rmp_map_anon(test, PAGE_SIZE, PAGE_SIZE, false);

	KUNIT_ASSERT_EQ(test, put_user(1, (u32 __user *)addr), 0);
	rmp_fake_set(test, 0, true, PG_LEVEL_4K);
	rmp_fake(test)->zap = addr;
	KUNIT_EXPECT_EQ(test, rmp_pf_action(current->mm, addr, true),
			RMP_PF_RETRY);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->calls, 1);
	KUNIT_EXPECT_EQ(test, rmp_user_level(addr), PG_LEVEL_NONE);
}

/* A 2M THP, mapped by a store: its address, and its head pfn in @head. */
static unsigned long rmp_map_thp(struct kunit *test, unsigned long *head)
{
	unsigned long addr;

	if (!IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE))
		kunit_skip(test, "no 2M user mappings: CONFIG_TRANSPARENT_HUGEPAGE is off");

	addr = rmp_map_anon(test, PMD_SIZE, PMD_SIZE, true);
	KUNIT_ASSERT_EQ(test, put_user(1, (u32 __user *)addr), 0);
	KUNIT_ASSERT_EQ_MSG(test, rmp_user_level(addr),
			    (unsigned int)PG_LEVEL_2M,
			    "the first store did not map a THP");
	*head = rmp_user_pfn(test, addr);
	return addr;
}

/*
 * A 2M THP mapping over 4K RMP entries: the page inside the huge entry is
 * looked up, then every page of the 2M range. A guest's page there means
 * split, only the firmware's wait, none assigned retry (a kernel access
 * waits): the fault is stale, and a 2M mapping over shared pages is
 * allowed. After the fault core has handled FAULT_FLAG_SPLIT_HUGE the same
 * address maps the same page by a PTE, and the decision is retry without a
 * scan: the split resolved the violation.
 */
static void rmp_fault_thp_split(struct kunit *test)
{
	const unsigned long off = 37 * PAGE_SIZE + 0x124;
	struct vm_area_struct *vma;
	struct mm_struct *mm;
	unsigned long addr, head;
	vm_fault_t ret = VM_FAULT_SIGSEGV;

	addr = rmp_map_thp(test, &head);
	mm = current->mm;
	KUNIT_ASSERT_EQ(test, rmp_user_pfn(test, addr + off),
			head + (off >> PAGE_SHIFT));

	/* 4K RMP entries, none assigned: a stale fault, no split. */
	rmp_fake_set(test, 0, false, PG_LEVEL_4K);
	KUNIT_EXPECT_EQ(test, rmp_pf_action(mm, addr + off, true),
			RMP_PF_RETRY);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->calls, 1 + HPAGE_PMD_NR);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->pfn, head + (off >> PAGE_SHIFT));
	KUNIT_EXPECT_EQ(test, rmp_pf_action(mm, addr + off, false),
			RMP_PF_WAIT);

	/* A 2M RMP entry covers the mapping: retry, without a scan. */
	rmp_fake_set(test, 0, false, PG_LEVEL_2M);
	KUNIT_EXPECT_EQ(test, rmp_pf_action(mm, addr + off, true),
			RMP_PF_RETRY);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->calls, 1);

	/* Guest-assigned: no split helps. */
	rmp_fake_set(test, 0, true, PG_LEVEL_4K);
	KUNIT_EXPECT_EQ(test, rmp_pf_action(mm, addr + off, true),
			RMP_PF_SIGBUS);

	/*
	 * The page hit is shared; another page of the 2M range is the
	 * firmware's, for a command: wait, after looking up every page of
	 * the range. If the firmware gives it back during the scan: retry.
	 * A guest's instead: split, the scan stopping there.
	 */
	rmp_fake_firmware(test, PG_LEVEL_4K);
	rmp_fake(test)->only_pfn = head + 5;
	KUNIT_EXPECT_EQ(test, rmp_pf_action(mm, addr + off, true),
			RMP_PF_WAIT);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->calls, 1 + HPAGE_PMD_NR);
	KUNIT_EXPECT_EQ(test, rmp_pf_action(mm, addr + off, false),
			RMP_PF_WAIT);
	rmp_fake_firmware(test, PG_LEVEL_4K);
	rmp_fake(test)->only_pfn = head + 5;
	rmp_fake(test)->release_after = 3;
	KUNIT_EXPECT_EQ(test, rmp_pf_action(mm, addr + off, true),
			RMP_PF_RETRY);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->calls, 1 + HPAGE_PMD_NR);
	rmp_fake_set(test, 0, true, PG_LEVEL_4K);
	rmp_fake(test)->only_pfn = head + 5;
	KUNIT_EXPECT_EQ(test, rmp_pf_action(mm, addr + off, true),
			RMP_PF_SPLIT);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->calls, 1 + 6);
	/* The firmware's at 5, a guest's at the last page: split. */
	rmp_fake_firmware(test, PG_LEVEL_4K);
	rmp_fake(test)->only_pfn = head + 5;
	rmp_fake(test)->guest_pfn = head + HPAGE_PMD_NR - 1;
	KUNIT_EXPECT_EQ(test, rmp_pf_action(mm, addr + off, true),
			RMP_PF_SPLIT);

	/* What do_user_addr_fault() does with RMP_PF_SPLIT. */
	mmap_read_lock(mm);
	vma = vma_lookup(mm, addr + off);
	if (vma)
		ret = handle_mm_fault(vma, addr + off,
				      FAULT_FLAG_WRITE | FAULT_FLAG_SPLIT_HUGE,
				      NULL);
	mmap_read_unlock(mm);
	KUNIT_ASSERT_TRUE(test, ret == 0);

	KUNIT_EXPECT_EQ(test, rmp_user_level(addr + off),
			(unsigned int)PG_LEVEL_4K);
	rmp_fake_set(test, 0, false, PG_LEVEL_4K);
	KUNIT_EXPECT_EQ(test, rmp_pf_action(mm, addr + off, true),
			RMP_PF_RETRY);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->calls, 1);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->pfn, head + (off >> PAGE_SHIFT));
}

/*
 * The THP is zapped at the address while the last page of its range, a
 * guest's, is looked up: the scan says split, but the address no longer
 * maps the range it scanned, so retry.
 */
static void rmp_fault_scan_changed(struct kunit *test)
{
	const unsigned long off = 37 * PAGE_SIZE;
	unsigned long addr, head;

	addr = rmp_map_thp(test, &head);
	rmp_fake_set(test, 0, false, PG_LEVEL_4K);
	rmp_fake(test)->guest_pfn = head + HPAGE_PMD_NR - 1;
	rmp_fake(test)->zap = addr + off;
	rmp_fake(test)->zap_call = 1 + HPAGE_PMD_NR;
	KUNIT_EXPECT_EQ(test, rmp_pf_action(current->mm, addr + off, true),
			RMP_PF_RETRY);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->calls, 1 + HPAGE_PMD_NR);
	KUNIT_EXPECT_EQ(test, rmp_user_level(addr + off),
			(unsigned int)PG_LEVEL_NONE);
}

/*
 * The range scan of a 1G mapping (a PFN or DAX PUD, a 1G hugetlb page), on
 * the RMP table alone: a 2M RMP entry stands for its 512 pages, so a range
 * of 2M entries takes 512 lookups, one of 4K entries 262144. None assigned:
 * retry (a kernel access waits); only the firmware's: wait; a guest's, or
 * a failed lookup: split, the scan stopping there.
 */
static void rmp_fault_scan_1g(struct kunit *test)
{
	const unsigned long nr = PUD_SIZE >> PAGE_SHIFT;
	const u64 first = 3 * nr, pfn = first + 1234;
	struct rmp_fake *f = rmp_fake(test);

	rmp_fake_set(test, 0, false, PG_LEVEL_2M);
	KUNIT_EXPECT_EQ(test, rmp_pf_scan(pfn, PG_LEVEL_1G, true), RMP_PF_RETRY);
	KUNIT_EXPECT_EQ(test, f->calls, PTRS_PER_PMD);
	KUNIT_EXPECT_EQ(test, f->pfn, first);
	KUNIT_EXPECT_EQ(test, rmp_pf_scan(pfn, PG_LEVEL_1G, false), RMP_PF_WAIT);

	rmp_fake_firmware(test, PG_LEVEL_2M);
	f->only_pfn = first + 5 * PTRS_PER_PMD;
	KUNIT_EXPECT_EQ(test, rmp_pf_scan(pfn, PG_LEVEL_1G, true), RMP_PF_WAIT);
	KUNIT_EXPECT_EQ(test, f->calls, PTRS_PER_PMD);

	rmp_fake_set(test, 0, true, PG_LEVEL_2M);
	f->only_pfn = first + 7 * PTRS_PER_PMD;
	KUNIT_EXPECT_EQ(test, rmp_pf_scan(pfn, PG_LEVEL_1G, true), RMP_PF_SPLIT);
	KUNIT_EXPECT_EQ(test, f->calls, 8);

	rmp_fake_set(test, 0, false, PG_LEVEL_4K);
	KUNIT_EXPECT_EQ(test, rmp_pf_scan(pfn, PG_LEVEL_1G, true), RMP_PF_RETRY);
	KUNIT_EXPECT_EQ(test, f->calls, nr);

	rmp_fake_firmware(test, PG_LEVEL_4K);
	f->only_pfn = first + nr - 1;
	KUNIT_EXPECT_EQ(test, rmp_pf_scan(pfn, PG_LEVEL_1G, true), RMP_PF_WAIT);
	KUNIT_EXPECT_EQ(test, f->calls, nr);

	rmp_fake_set(test, -EFAULT, false, PG_LEVEL_4K);
	KUNIT_EXPECT_EQ(test, rmp_pf_scan(pfn, PG_LEVEL_1G, true), RMP_PF_SPLIT);
	KUNIT_EXPECT_EQ(test, f->calls, 1);
}

/* A store by put_user(): 0 or -EFAULT. */
static int rmp_store(unsigned long addr, u32 val)
{
	return put_user(val, (u32 __user *)addr);
}

/*
 * The wiring cases: a store by put_user() from the test thread takes a
 * real page fault, which do_user_addr_fault() handles as an RMP violation
 * because the static stub of rmp_pf_check() says so for the test's
 * address. The store hits the zero page, mapped read-only by a read
 * before, so that the fault would otherwise be an ordinary write fault.
 */
static unsigned long rmp_map_zero_page(struct kunit *test)
{
	unsigned long addr = rmp_map_anon(test, PAGE_SIZE, PAGE_SIZE, false);
	u32 val;

	KUNIT_ASSERT_EQ(test, get_user(val, (u32 __user *)addr), 0);
	KUNIT_ASSERT_EQ(test, val, 0);
	KUNIT_ASSERT_EQ_MSG(test, rmp_mapped_pfn(addr), zero_pfn(addr),
			    "a read did not map the zero page");
	return addr;
}

/*
 * A guest-assigned page: the kernel's user access gets -EFAULT from the
 * exception fixup, after one lookup, and the mapping is left alone.
 */
static void rmp_fault_uaccess_sigbus(struct kunit *test)
{
	unsigned long addr = rmp_map_zero_page(test);

	rmp_fake_set(test, 0, true, PG_LEVEL_4K);
	rmp_fake_faults(test, addr, PAGE_SIZE, 1);
	KUNIT_EXPECT_EQ(test, rmp_store(addr, 7), -EFAULT);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->calls, 1);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->pfn, zero_pfn(addr));
	KUNIT_EXPECT_EQ(test, rmp_mapped_pfn(addr), zero_pfn(addr));

	/* Without the violation the same store is an ordinary COW fault. */
	KUNIT_EXPECT_EQ(test, rmp_store(addr, 7), 0);
	KUNIT_EXPECT_NE(test, rmp_mapped_pfn(addr), zero_pfn(addr));
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->calls, 1);
}

/*
 * The firmware holds the page for a command (legacy SEV on an SNP host)
 * during three faults, then gives it back: the kernel's user access waits
 * instead of failing, and the store lands.
 */
static void rmp_fault_uaccess_firmware(struct kunit *test)
{
	unsigned long addr = rmp_map_zero_page(test);
	u32 val = 0;

	rmp_fake_firmware(test, PG_LEVEL_4K);
	rmp_fake_faults(test, addr, PAGE_SIZE, 3);
	KUNIT_EXPECT_EQ(test, rmp_store(addr, 7), 0);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->calls, 3);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->checks, 4);
	KUNIT_EXPECT_EQ(test, get_user(val, (u32 __user *)addr), 0);
	KUNIT_EXPECT_EQ(test, val, 7);
}

/*
 * A violation the table does not explain (a shared page mapped at its RMP
 * level), five times: the kernel access waits through them, as it does for
 * a page the firmware holds, and the store lands.
 */
static void rmp_fault_uaccess_unexplained(struct kunit *test)
{
	unsigned long addr = rmp_map_zero_page(test);
	u32 val = 0;

	rmp_fake_set(test, 0, false, PG_LEVEL_4K);
	rmp_fake_faults(test, addr, PAGE_SIZE, 5);
	KUNIT_EXPECT_EQ(test, rmp_store(addr, 7), 0);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->calls, 5);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->checks, 6);
	KUNIT_EXPECT_EQ(test, get_user(val, (u32 __user *)addr), 0);
	KUNIT_EXPECT_EQ(test, val, 7);
}

/*
 * The firmware gives the page back between the third fault and its
 * lookup, which then finds the page shared and mapped at its level: the
 * kernel access tries again and succeeds, instead of getting -EFAULT at
 * the end of the wait.
 */
static void rmp_fault_uaccess_released(struct kunit *test)
{
	unsigned long addr = rmp_map_zero_page(test);
	u32 val = 0;

	rmp_fake_firmware(test, PG_LEVEL_4K);
	rmp_fake(test)->release_after = 2;
	rmp_fake_faults(test, addr, PAGE_SIZE, 3);
	KUNIT_EXPECT_EQ(test, rmp_store(addr, 7), 0);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->calls, 3);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->checks, 4);
	KUNIT_EXPECT_EQ(test, get_user(val, (u32 __user *)addr), 0);
	KUNIT_EXPECT_EQ(test, val, 7);
}

/*
 * A fatal signal is pending (the stub of rmp_pf_fatal_pending() says so,
 * so that the test thread is not killed): a kernel access that would wait
 * gets -EFAULT at its first fault, for a firmware-owned page and for a
 * violation the table does not explain, and the mapping is left alone. A
 * retry is not a wait: a mapping that changed during the lookup sends the
 * access round again without asking, and it lands. Without the signal, the
 * access waits again and lands.
 */
static void rmp_fault_uaccess_killed(struct kunit *test)
{
	unsigned long addr = rmp_map_zero_page(test);
	unsigned long other = rmp_map_zero_page(test);
	struct rmp_fake *f = rmp_fake(test);

	f->fatal = true;
	rmp_fake_firmware(test, PG_LEVEL_4K);
	rmp_fake_faults(test, addr, PAGE_SIZE, 3);
	KUNIT_EXPECT_EQ(test, rmp_store(addr, 7), -EFAULT);
	KUNIT_EXPECT_EQ(test, f->calls, 1);
	KUNIT_EXPECT_EQ(test, f->checks, 1);
	KUNIT_EXPECT_EQ(test, f->fatal_checks, 1);

	rmp_fake_set(test, 0, false, PG_LEVEL_4K);
	rmp_fake_faults(test, addr, PAGE_SIZE, 3);
	KUNIT_EXPECT_EQ(test, rmp_store(addr, 7), -EFAULT);
	KUNIT_EXPECT_EQ(test, f->calls, 1);
	KUNIT_EXPECT_EQ(test, f->checks, 1);
	KUNIT_EXPECT_EQ(test, f->fatal_checks, 1);
	KUNIT_EXPECT_EQ(test, rmp_mapped_pfn(addr), zero_pfn(addr));

	rmp_fake_set(test, 0, true, PG_LEVEL_4K);
	f->zap = other;
	rmp_fake_faults(test, other, PAGE_SIZE, 1);
	KUNIT_EXPECT_EQ(test, rmp_store(other, 7), 0);
	KUNIT_EXPECT_EQ(test, f->calls, 1);
	KUNIT_EXPECT_EQ(test, f->checks, 2);
	KUNIT_EXPECT_EQ(test, f->fatal_checks, 0);
	f->zap = 0;

	f->fatal = false;
	rmp_fake_firmware(test, PG_LEVEL_4K);
	rmp_fake_faults(test, addr, PAGE_SIZE, 2);
	KUNIT_EXPECT_EQ(test, rmp_store(addr, 7), 0);
	KUNIT_EXPECT_EQ(test, f->calls, 2);
	KUNIT_EXPECT_EQ(test, f->checks, 3);
	KUNIT_EXPECT_EQ(test, f->fatal_checks, 2);
}

/*
 * The page is zapped while its RMP entry is looked up, and the lookup says
 * guest-assigned: do_user_addr_fault() returns, the store faults again (an
 * ordinary fault on the now empty address) and succeeds.
 */
static void rmp_fault_uaccess_retry(struct kunit *test)
{
	unsigned long addr = rmp_map_zero_page(test);
	u32 val = 0;

	rmp_fake_set(test, 0, true, PG_LEVEL_4K);
	rmp_fake(test)->zap = addr;
	rmp_fake_faults(test, addr, PAGE_SIZE, 1);
	KUNIT_EXPECT_EQ(test, rmp_store(addr, 7), 0);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->calls, 1);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->checks, 2);
	rmp_fake(test)->zap = 0;
	KUNIT_EXPECT_EQ(test, get_user(val, (u32 __user *)addr), 0);
	KUNIT_EXPECT_EQ(test, val, 7);
}

/*
 * A 2M mapping of the huge zero page over 4K RMP entries, page 5 of the
 * range a guest's: the store is handled with FAULT_FLAG_SPLIT_HUGE, which
 * splits the PMD and maps the address by a PTE to a new page. Without the
 * flag the same store would replace the huge zero page by a THP, mapped by
 * a PMD again.
 */
static void rmp_fault_uaccess_split(struct kunit *test)
{
	const unsigned long off = 37 * PAGE_SIZE;
	unsigned long addr, head;
	u32 val = 0;

	if (!IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE))
		kunit_skip(test, "no 2M user mappings: CONFIG_TRANSPARENT_HUGEPAGE is off");
	addr = rmp_map_anon(test, PMD_SIZE, PMD_SIZE, true);
	KUNIT_ASSERT_EQ(test, get_user(val, (u32 __user *)(addr + off)), 0);
	if (rmp_user_level(addr) != PG_LEVEL_2M ||
	    !is_huge_zero_pfn(rmp_mapped_pfn(addr)))
		kunit_skip(test, "a read did not map the huge zero page (use_zero_page off?)");

	head = rmp_mapped_pfn(addr);

	rmp_fake_set(test, 0, false, PG_LEVEL_4K);
	rmp_fake(test)->guest_pfn = head + 5;
	rmp_fake_faults(test, addr, PMD_SIZE, 1);
	KUNIT_EXPECT_EQ(test, rmp_store(addr + off, 7), 0);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->calls, 1 + 6);
	KUNIT_EXPECT_TRUE(test, is_huge_zero_pfn(rmp_fake(test)->pfn));
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->pfn & (HPAGE_PMD_NR - 1),
			off >> PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, rmp_user_level(addr + off),
			(unsigned int)PG_LEVEL_4K);
	KUNIT_EXPECT_FALSE(test, is_huge_zero_pfn(rmp_mapped_pfn(addr + off)));
	KUNIT_EXPECT_EQ(test, get_user(val, (u32 __user *)(addr + off)), 0);
	KUNIT_EXPECT_EQ(test, val, 7);
}

/*
 * The same mapping, no page of its range assigned by the time the fault is
 * looked at (the firmware gave its page back): the fault is stale, and the
 * store tries again, as an ordinary write fault that replaces the huge zero
 * page by a THP, mapped by a PMD. A split would have mapped a PTE.
 */
static void rmp_fault_uaccess_stale_2m(struct kunit *test)
{
	const unsigned long off = 37 * PAGE_SIZE;
	unsigned long addr;
	u32 val = 0;

	if (!IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE))
		kunit_skip(test, "no 2M user mappings: CONFIG_TRANSPARENT_HUGEPAGE is off");
	addr = rmp_map_anon(test, PMD_SIZE, PMD_SIZE, true);
	KUNIT_ASSERT_EQ(test, get_user(val, (u32 __user *)(addr + off)), 0);
	if (rmp_user_level(addr) != PG_LEVEL_2M ||
	    !is_huge_zero_pfn(rmp_mapped_pfn(addr)))
		kunit_skip(test, "a read did not map the huge zero page (use_zero_page off?)");

	rmp_fake_set(test, 0, false, PG_LEVEL_4K);
	rmp_fake_faults(test, addr, PMD_SIZE, 1);
	KUNIT_EXPECT_EQ(test, rmp_store(addr + off, 7), 0);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->calls, 1 + HPAGE_PMD_NR);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->checks, 2);
	KUNIT_EXPECT_EQ_MSG(test, rmp_user_level(addr + off),
			    (unsigned int)PG_LEVEL_2M,
			    "split, or no THP for the write fault");
	KUNIT_EXPECT_FALSE(test, is_huge_zero_pfn(rmp_mapped_pfn(addr + off)));
	KUNIT_EXPECT_EQ(test, get_user(val, (u32 __user *)(addr + off)), 0);
	KUNIT_EXPECT_EQ(test, val, 7);
}

/*
 * The same mapping while the firmware holds another page of the 2M range
 * for two faults: the store waits instead of splitting (each fault looks
 * up the page hit and the 512 pages of the range), and lands once the
 * page is back. A split would have ended at the first fault. With a fatal
 * signal pending, the store gets -EFAULT at the first fault instead.
 */
static void rmp_fault_uaccess_wait_2m(struct kunit *test)
{
	const unsigned long off = 37 * PAGE_SIZE;
	unsigned long addr, head;
	u32 val = 0;

	if (!IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE))
		kunit_skip(test, "no 2M user mappings: CONFIG_TRANSPARENT_HUGEPAGE is off");
	addr = rmp_map_anon(test, PMD_SIZE, PMD_SIZE, true);
	KUNIT_ASSERT_EQ(test, get_user(val, (u32 __user *)(addr + off)), 0);
	if (rmp_user_level(addr) != PG_LEVEL_2M ||
	    !is_huge_zero_pfn(rmp_mapped_pfn(addr)))
		kunit_skip(test, "a read did not map the huge zero page (use_zero_page off?)");
	head = rmp_mapped_pfn(addr);

	/* With a fatal signal pending: -EFAULT at the first fault. */
	rmp_fake(test)->fatal = true;
	rmp_fake_firmware(test, PG_LEVEL_4K);
	rmp_fake(test)->only_pfn = head + 5;
	rmp_fake_faults(test, addr, PMD_SIZE, 2);
	KUNIT_EXPECT_EQ(test, rmp_store(addr + off, 7), -EFAULT);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->calls, 1 + HPAGE_PMD_NR);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->checks, 1);
	KUNIT_EXPECT_TRUE(test, is_huge_zero_pfn(rmp_mapped_pfn(addr + off)));
	rmp_fake(test)->fatal = false;

	rmp_fake_firmware(test, PG_LEVEL_4K);
	rmp_fake(test)->only_pfn = head + 5;
	rmp_fake_faults(test, addr, PMD_SIZE, 2);
	KUNIT_EXPECT_EQ(test, rmp_store(addr + off, 7), 0);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->calls, 2 * (1 + HPAGE_PMD_NR));
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->checks, 3);
	KUNIT_EXPECT_EQ(test, get_user(val, (u32 __user *)(addr + off)), 0);
	KUNIT_EXPECT_EQ(test, val, 7);
}

static void rmp_fput(void *file)
{
	fput(file);
}

/*
 * A private hugetlb mapping of one page of @size, 2M or 1G (the x86_64 runs
 * boot with hugepages=2 hugepagesz=1G hugepages=1), read once so that its
 * page is mapped read-only by a PMD or PUD and a store takes a write
 * fault. Its head pfn in @head. A hugetlb page cannot be split:
 * FAULT_FLAG_SPLIT_HUGE gets SIGBUS for it.
 */
static unsigned long rmp_map_hugetlb(struct kunit *test, unsigned long size,
				     unsigned long *head)
{
#ifdef CONFIG_HUGETLBFS
	struct file *file;
	unsigned long addr;
	u32 val;

	if (!hugepages_supported() || !size_to_hstate(size))
		kunit_skip(test,
			   "no %lu MiB pages for hugetlbfs: boot with hugepagesz=%luM",
			   size >> 20, size >> 20);
	/*
	 * No reservation for the file: it would last until the file is
	 * released after the case, as the test thread's mm does.
	 */
	file = hugetlb_file_setup(HUGETLB_ANON_FILE, size,
				  mk_vma_flags(VMA_NORESERVE_BIT),
				  HUGETLB_ANONHUGE_INODE, ilog2(size));
	if (IS_ERR(file))
		kunit_skip(test, "no hugetlb file (%ld)", PTR_ERR(file));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, rmp_fput, file),
			0);
	addr = kunit_vm_mmap(test, file, 0, size, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE, 0);
	if (!addr || IS_ERR_VALUE(addr))
		kunit_skip(test, "no free %lu MiB huge page to map (%ld)",
			   size >> 20, (long)addr);
	KUNIT_ASSERT_EQ(test, get_user(val, (u32 __user *)addr), 0);
	KUNIT_ASSERT_EQ(test, val, 0);
	KUNIT_ASSERT_EQ_MSG(test, rmp_user_level(addr),
			    size == PUD_SIZE ? (unsigned int)PG_LEVEL_1G :
			    (unsigned int)PG_LEVEL_2M,
			    "a read did not map the huge page by one entry");
	*head = rmp_mapped_pfn(addr);
	return addr;
#else
	kunit_skip(test, "no hugetlbfs: CONFIG_HUGETLBFS is off");
	return 0;
#endif
}

/*
 * Unmap it at the end of the case: the test thread's mm, and the huge page
 * and reservation with it, would only go when the thread has exited, after
 * the next case has asked for its own.
 */
static void rmp_unmap_hugetlb(struct kunit *test, unsigned long addr,
			      unsigned long size)
{
	KUNIT_EXPECT_EQ(test, vm_munmap(addr, size), 0);
}

/*
 * A 2M hugetlb mapping over 4K RMP entries, page 5 of its range a guest's:
 * the split the decision asks for cannot happen, the store gets -EFAULT
 * (SIGBUS from the fault core), and the mapping stays as it was.
 */
static void rmp_fault_uaccess_hugetlb_guest(struct kunit *test)
{
	const unsigned long off = 37 * PAGE_SIZE;
	unsigned long addr, head;

	addr = rmp_map_hugetlb(test, PMD_SIZE, &head);
	rmp_fake_set(test, 0, false, PG_LEVEL_4K);
	rmp_fake(test)->guest_pfn = head + 5;
	rmp_fake_faults(test, addr, PMD_SIZE, 1);
	KUNIT_EXPECT_EQ(test, rmp_store(addr + off, 7), -EFAULT);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->calls, 1 + 6);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->checks, 1);
	KUNIT_EXPECT_EQ(test, rmp_user_level(addr + off),
			(unsigned int)PG_LEVEL_2M);
	KUNIT_EXPECT_EQ(test, rmp_mapped_pfn(addr), head);
	rmp_unmap_hugetlb(test, addr, PMD_SIZE);
}

/*
 * The same, no page of the range assigned when the fault is looked at: the
 * fault is stale, the store tries again and lands by an ordinary write
 * fault, the huge page still mapped by its PMD. A split would have been
 * SIGBUS, -EFAULT here, for a fault that had already resolved itself.
 */
static void rmp_fault_uaccess_hugetlb_stale(struct kunit *test)
{
	const unsigned long off = 37 * PAGE_SIZE;
	unsigned long addr, head;
	u32 val = 0;

	addr = rmp_map_hugetlb(test, PMD_SIZE, &head);
	rmp_fake_set(test, 0, false, PG_LEVEL_4K);
	rmp_fake_faults(test, addr, PMD_SIZE, 1);
	KUNIT_EXPECT_EQ(test, rmp_store(addr + off, 7), 0);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->calls, 1 + HPAGE_PMD_NR);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->checks, 2);
	KUNIT_EXPECT_EQ(test, rmp_user_level(addr + off),
			(unsigned int)PG_LEVEL_2M);
	KUNIT_EXPECT_EQ(test, get_user(val, (u32 __user *)(addr + off)), 0);
	KUNIT_EXPECT_EQ(test, val, 7);
	rmp_unmap_hugetlb(test, addr, PMD_SIZE);
}

/*
 * The same, the firmware holding page 5 for two faults (a command on the
 * memory of a legacy SEV guest that its VMM maps by hugetlb pages): the
 * store waits and lands, where a split would have been SIGBUS.
 */
static void rmp_fault_uaccess_hugetlb_wait(struct kunit *test)
{
	const unsigned long off = 37 * PAGE_SIZE;
	unsigned long addr, head;
	u32 val = 0;

	addr = rmp_map_hugetlb(test, PMD_SIZE, &head);
	rmp_fake_firmware(test, PG_LEVEL_4K);
	rmp_fake(test)->only_pfn = head + 5;
	rmp_fake_faults(test, addr, PMD_SIZE, 2);
	KUNIT_EXPECT_EQ(test, rmp_store(addr + off, 7), 0);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->calls, 2 * (1 + HPAGE_PMD_NR));
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->checks, 3);
	KUNIT_EXPECT_EQ(test, rmp_user_level(addr + off),
			(unsigned int)PG_LEVEL_2M);
	KUNIT_EXPECT_EQ(test, get_user(val, (u32 __user *)(addr + off)), 0);
	KUNIT_EXPECT_EQ(test, val, 7);
	rmp_unmap_hugetlb(test, addr, PMD_SIZE);
}

/*
 * A 1G hugetlb mapping over 4K RMP entries, as a VMM backs a guest with 1G
 * pages: a guest's page in the range means split, which a hugetlb page
 * cannot do, so -EFAULT after a scan that stops at that page; the
 * firmware's page, for two faults, means wait, after a scan of all 262144
 * pages each time, and the store lands.
 */
static void rmp_fault_uaccess_hugetlb_1g(struct kunit *test)
{
	const unsigned long nr = PUD_SIZE >> PAGE_SHIFT;
	const unsigned long off = 3 * PMD_SIZE + 37 * PAGE_SIZE;
	unsigned long addr, head;
	u32 val = 0;

	addr = rmp_map_hugetlb(test, PUD_SIZE, &head);
	rmp_fake_set(test, 0, false, PG_LEVEL_4K);
	rmp_fake(test)->guest_pfn = head + 5 * PTRS_PER_PMD + 3;
	rmp_fake_faults(test, addr, PUD_SIZE, 1);
	KUNIT_EXPECT_EQ(test, rmp_store(addr + off, 7), -EFAULT);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->calls, 1 + 5 * PTRS_PER_PMD + 4);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->pfn, head + (off >> PAGE_SHIFT));
	KUNIT_EXPECT_EQ(test, rmp_user_level(addr + off),
			(unsigned int)PG_LEVEL_1G);

	rmp_fake_firmware(test, PG_LEVEL_4K);
	rmp_fake(test)->only_pfn = head + nr - 1;
	rmp_fake_faults(test, addr, PUD_SIZE, 2);
	KUNIT_EXPECT_EQ(test, rmp_store(addr + off, 7), 0);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->calls, 2 * (1 + nr));
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->checks, 3);
	KUNIT_EXPECT_EQ(test, rmp_user_level(addr + off),
			(unsigned int)PG_LEVEL_1G);
	KUNIT_EXPECT_EQ(test, get_user(val, (u32 __user *)(addr + off)), 0);
	KUNIT_EXPECT_EQ(test, val, 7);
	rmp_unmap_hugetlb(test, addr, PUD_SIZE);
}

static struct kunit_case rmp_fault_cases[] = {
	KUNIT_CASE_PARAM(rmp_fault_decide, rmp_decide_gen_params),
	KUNIT_CASE(rmp_fault_4k),
	KUNIT_CASE(rmp_fault_unmapped),
	KUNIT_CASE(rmp_fault_zapped_during_lookup),
	KUNIT_CASE(rmp_fault_thp_split),
	KUNIT_CASE(rmp_fault_scan_changed),
	KUNIT_CASE(rmp_fault_scan_1g),
	KUNIT_CASE(rmp_fault_uaccess_sigbus),
	KUNIT_CASE(rmp_fault_uaccess_firmware),
	KUNIT_CASE(rmp_fault_uaccess_unexplained),
	KUNIT_CASE(rmp_fault_uaccess_released),
	KUNIT_CASE(rmp_fault_uaccess_killed),
	KUNIT_CASE(rmp_fault_uaccess_retry),
	KUNIT_CASE(rmp_fault_uaccess_split),
	KUNIT_CASE(rmp_fault_uaccess_stale_2m),
	KUNIT_CASE(rmp_fault_uaccess_wait_2m),
	KUNIT_CASE(rmp_fault_uaccess_hugetlb_guest),
	KUNIT_CASE(rmp_fault_uaccess_hugetlb_stale),
	KUNIT_CASE(rmp_fault_uaccess_hugetlb_wait),
	KUNIT_CASE(rmp_fault_uaccess_hugetlb_1g),
	{}
};

static struct kunit_suite rmp_fault_suite = {
	.name = "x86_rmp_fault",
	.init = rmp_fault_init,
	.test_cases = rmp_fault_cases,
};

kunit_test_suite(rmp_fault_suite);

MODULE_DESCRIPTION("KUnit tests for RMP violations on user addresses");
MODULE_LICENSE("GPL");
