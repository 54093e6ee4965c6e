// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the handling of RMP violations on user addresses, as an
 * SEV-SNP host takes them: the decision of rmp_pf_decide() in every
 * branch, rmp_pf_action() on real page tables of an mm of the test's own,
 * and do_user_addr_fault() itself, entered by a real fault of a user
 * access from the test thread. KUnit static stubs replace the RMP table
 * lookup and, for the wiring cases, make chosen faults of the test thread
 * look like RMP violations, so no SNP hardware is needed.
 */
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pgtable.h>
#include <linux/sched/signal.h>
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
	if (f->zap)
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
	kunit_activate_static_stub(test, rmp_pf_check, rmp_fake_check);
}

static int rmp_fault_init(struct kunit *test)
{
	test->priv = kunit_kzalloc(test, sizeof(struct rmp_fake), GFP_KERNEL);
	if (!test->priv)
		return -ENOMEM;
	kunit_activate_static_stub(test, rmp_pf_lookup, rmp_fake_lookup);
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
	  "user, 2M mapping, shared 4K entry: split" },
	{ PG_LEVEL_2M, false, 0, false, 0, PG_LEVEL_4K, false, RMP_PF_SPLIT,
	  "kernel, 2M mapping, shared 4K entry: split" },
	{ PG_LEVEL_1G, false, 0, false, 0, PG_LEVEL_2M, true, RMP_PF_SPLIT,
	  "user, 1G mapping, shared 2M entry: split" },
	{ PG_LEVEL_1G, false, 0, false, 0, PG_LEVEL_4K, true, RMP_PF_SPLIT,
	  "user, 1G mapping, shared 4K entry: split" },
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

/*
 * A 2M THP mapping over 4K RMP entries: the page inside the huge entry is
 * looked up, the decision is to split (wait while only the firmware holds
 * a page of the range), and after the fault core has handled
 * FAULT_FLAG_SPLIT_HUGE the same address maps the same page by a PTE, so
 * the decision becomes retry: the split resolved the violation.
 */
static void rmp_fault_thp_split(struct kunit *test)
{
	const unsigned long off = 37 * PAGE_SIZE + 0x124;
	struct vm_area_struct *vma;
	struct mm_struct *mm;
	unsigned long addr, head;
	vm_fault_t ret = VM_FAULT_SIGSEGV;

	if (!IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE))
		kunit_skip(test, "no 2M user mappings: CONFIG_TRANSPARENT_HUGEPAGE is off");

	addr = rmp_map_anon(test, PMD_SIZE, PMD_SIZE, true);
	KUNIT_ASSERT_EQ(test, put_user(1, (u32 __user *)addr), 0);
	mm = current->mm;
	KUNIT_ASSERT_EQ_MSG(test, rmp_user_level(addr),
			    (unsigned int)PG_LEVEL_2M,
			    "the first store did not map a THP");
	head = rmp_user_pfn(test, addr);
	KUNIT_ASSERT_EQ(test, rmp_user_pfn(test, addr + off),
			head + (off >> PAGE_SHIFT));

	/* 4K RMP entries, the one hit shared: split. */
	rmp_fake_set(test, 0, false, PG_LEVEL_4K);
	KUNIT_EXPECT_EQ(test, rmp_pf_action(mm, addr + off, true),
			RMP_PF_SPLIT);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->pfn, head + (off >> PAGE_SHIFT));

	/* A 2M RMP entry covers the mapping: retry. */
	rmp_fake_set(test, 0, false, PG_LEVEL_2M);
	KUNIT_EXPECT_EQ(test, rmp_pf_action(mm, addr + off, true),
			RMP_PF_RETRY);

	/* Guest-assigned: no split helps. */
	rmp_fake_set(test, 0, true, PG_LEVEL_4K);
	KUNIT_EXPECT_EQ(test, rmp_pf_action(mm, addr + off, true),
			RMP_PF_SIGBUS);

	/*
	 * The page hit is shared; another page of the 2M range is the
	 * firmware's, for a command: wait, after looking up every page of
	 * the range. A guest's instead: split, the scan stopping there.
	 */
	rmp_fake_firmware(test, PG_LEVEL_4K);
	rmp_fake(test)->only_pfn = head + 5;
	KUNIT_EXPECT_EQ(test, rmp_pf_action(mm, addr + off, true),
			RMP_PF_WAIT);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->calls, 1 + HPAGE_PMD_NR);
	KUNIT_EXPECT_EQ(test, rmp_pf_action(mm, addr + off, false),
			RMP_PF_WAIT);
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
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->pfn, head + (off >> PAGE_SHIFT));
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
 * The task is being killed (SIGKILL pending; the test thread, a kthread,
 * takes it as a signal of its own): a kernel access that would wait gets
 * -EFAULT at its first fault, for a firmware-owned page and for a
 * violation the table does not explain, and the mapping is left alone.
 * Once the signal is gone, the same access waits again and lands.
 */
static void rmp_fault_uaccess_killed(struct kunit *test)
{
	unsigned long addr = rmp_map_zero_page(test);
	int firmware, unexplained;
	unsigned int calls[2], checks[2];

	allow_signal(SIGKILL);
	KUNIT_ASSERT_EQ(test, send_sig(SIGKILL, current, 1), 0);
	if (!fatal_signal_pending(current)) {
		disallow_signal(SIGKILL);
		KUNIT_FAIL(test, "no fatal signal pending after SIGKILL");
		return;
	}

	rmp_fake_firmware(test, PG_LEVEL_4K);
	rmp_fake_faults(test, addr, PAGE_SIZE, 3);
	firmware = rmp_store(addr, 7);
	calls[0] = rmp_fake(test)->calls;
	checks[0] = rmp_fake(test)->checks;

	rmp_fake_set(test, 0, false, PG_LEVEL_4K);
	rmp_fake_faults(test, addr, PAGE_SIZE, 3);
	unexplained = rmp_store(addr, 7);
	calls[1] = rmp_fake(test)->calls;
	checks[1] = rmp_fake(test)->checks;

	flush_signals(current);
	disallow_signal(SIGKILL);

	KUNIT_EXPECT_EQ(test, firmware, -EFAULT);
	KUNIT_EXPECT_EQ(test, calls[0], 1);
	KUNIT_EXPECT_EQ(test, checks[0], 1);
	KUNIT_EXPECT_EQ(test, unexplained, -EFAULT);
	KUNIT_EXPECT_EQ(test, calls[1], 1);
	KUNIT_EXPECT_EQ(test, checks[1], 1);
	KUNIT_EXPECT_EQ(test, rmp_mapped_pfn(addr), zero_pfn(addr));

	rmp_fake_firmware(test, PG_LEVEL_4K);
	rmp_fake_faults(test, addr, PAGE_SIZE, 1);
	KUNIT_EXPECT_EQ(test, rmp_store(addr, 7), 0);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->calls, 1);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->checks, 2);
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
 * A 2M mapping of the huge zero page over 4K RMP entries: the store is
 * handled with FAULT_FLAG_SPLIT_HUGE, which splits the PMD and maps the
 * address by a PTE to a new page. Without the flag the same store would
 * replace the huge zero page by a THP, mapped by a PMD again.
 */
static void rmp_fault_uaccess_split(struct kunit *test)
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
 * The same mapping while the firmware holds another page of the 2M range
 * for two faults: the store waits instead of splitting (each fault looks
 * up the page hit and the 512 pages of the range), and lands once the
 * page is back. A split would have ended at the first fault.
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

	rmp_fake_firmware(test, PG_LEVEL_4K);
	rmp_fake(test)->only_pfn = head + 5;
	rmp_fake_faults(test, addr, PMD_SIZE, 2);
	KUNIT_EXPECT_EQ(test, rmp_store(addr + off, 7), 0);
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->calls, 2 * (1 + HPAGE_PMD_NR));
	KUNIT_EXPECT_EQ(test, rmp_fake(test)->checks, 3);
	KUNIT_EXPECT_EQ(test, get_user(val, (u32 __user *)(addr + off)), 0);
	KUNIT_EXPECT_EQ(test, val, 7);
}

static struct kunit_case rmp_fault_cases[] = {
	KUNIT_CASE_PARAM(rmp_fault_decide, rmp_decide_gen_params),
	KUNIT_CASE(rmp_fault_4k),
	KUNIT_CASE(rmp_fault_unmapped),
	KUNIT_CASE(rmp_fault_zapped_during_lookup),
	KUNIT_CASE(rmp_fault_thp_split),
	KUNIT_CASE(rmp_fault_uaccess_sigbus),
	KUNIT_CASE(rmp_fault_uaccess_firmware),
	KUNIT_CASE(rmp_fault_uaccess_unexplained),
	KUNIT_CASE(rmp_fault_uaccess_released),
	KUNIT_CASE(rmp_fault_uaccess_killed),
	KUNIT_CASE(rmp_fault_uaccess_retry),
	KUNIT_CASE(rmp_fault_uaccess_split),
	KUNIT_CASE(rmp_fault_uaccess_wait_2m),
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
