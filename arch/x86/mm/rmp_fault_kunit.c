// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the handling of RMP violations on user addresses, as an
 * SEV-SNP host takes them: the decision of rmp_pf_decide() in every
 * branch, and rmp_pf_action() on real page tables of an mm of the test's
 * own, with the RMP table lookup replaced by the test's. No SNP hardware
 * is needed.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pgtable.h>
#include <linux/uaccess.h>
#include <asm/pgtable_types.h>

#include "mm_internal.h"

/* The RMP entry the fake lookup reports, and what it was asked. */
static struct {
	int ret;
	bool assigned;
	int level;
	unsigned int calls;
	u64 pfn;
} rmp_fake;

static int rmp_fake_lookup(u64 pfn, bool *assigned, int *level)
{
	rmp_fake.calls++;
	rmp_fake.pfn = pfn;
	if (rmp_fake.ret)
		return rmp_fake.ret;
	*assigned = rmp_fake.assigned;
	*level = rmp_fake.level;
	return 0;
}

static void rmp_fake_set(int ret, bool assigned, int level)
{
	rmp_fake.ret = ret;
	rmp_fake.assigned = assigned;
	rmp_fake.level = level;
	rmp_fake.calls = 0;
	rmp_fake.pfn = 0;
}

struct rmp_decide_param {
	enum pg_level host_level;
	int lookup_ret;
	bool assigned;
	int rmp_level;
	enum rmp_pf_action action;
	const char *desc;
};

static const struct rmp_decide_param rmp_decide_params[] = {
	{ PG_LEVEL_4K, 0, false, PG_LEVEL_4K, RMP_PF_RETRY,
	  "4K mapping, shared 4K entry: retry" },
	{ PG_LEVEL_4K, 0, false, PG_LEVEL_2M, RMP_PF_RETRY,
	  "4K mapping, shared 2M entry: retry" },
	{ PG_LEVEL_2M, 0, false, PG_LEVEL_2M, RMP_PF_RETRY,
	  "2M mapping, shared 2M entry: retry" },
	{ PG_LEVEL_2M, 0, false, PG_LEVEL_4K, RMP_PF_SPLIT,
	  "2M mapping, shared 4K entry: split" },
	{ PG_LEVEL_1G, 0, false, PG_LEVEL_2M, RMP_PF_SPLIT,
	  "1G mapping, shared 2M entry: split" },
	{ PG_LEVEL_1G, 0, false, PG_LEVEL_4K, RMP_PF_SPLIT,
	  "1G mapping, shared 4K entry: split" },
	{ PG_LEVEL_4K, 0, true, PG_LEVEL_4K, RMP_PF_SIGBUS,
	  "4K mapping, guest-assigned page: SIGBUS" },
	{ PG_LEVEL_2M, 0, true, PG_LEVEL_4K, RMP_PF_SIGBUS,
	  "2M mapping, guest-assigned 4K page: SIGBUS, not split" },
	{ PG_LEVEL_2M, -EFAULT, false, PG_LEVEL_NONE, RMP_PF_SIGBUS,
	  "2M mapping, RMP lookup fails: SIGBUS" },
	{ PG_LEVEL_NONE, 0, false, PG_LEVEL_NONE, RMP_PF_RETRY,
	  "no host mapping: retry" },
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

	KUNIT_EXPECT_EQ(test, rmp_pf_decide(p->host_level, p->lookup_ret,
					    p->assigned, p->rmp_level),
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
 * A 4K mapping: the page at the address is looked up; shared means retry,
 * guest-assigned SIGBUS, a failed lookup SIGBUS.
 */
static void rmp_fault_4k(struct kunit *test)
{
	struct mm_struct *mm;
	unsigned long addr, pfn;

	addr = rmp_map_anon(test, PAGE_SIZE, PAGE_SIZE, false);
	KUNIT_ASSERT_EQ(test, put_user(1, (u32 __user *)addr), 0);
	pfn = rmp_user_pfn(test, addr);
	mm = current->mm;

	rmp_fake_set(0, false, PG_LEVEL_4K);
	KUNIT_EXPECT_EQ(test, rmp_pf_action(mm, addr + 0x7f8, rmp_fake_lookup),
			RMP_PF_RETRY);
	KUNIT_EXPECT_EQ(test, rmp_fake.calls, 1);
	KUNIT_EXPECT_EQ(test, rmp_fake.pfn, pfn);

	rmp_fake_set(0, true, PG_LEVEL_4K);
	KUNIT_EXPECT_EQ(test, rmp_pf_action(mm, addr, rmp_fake_lookup),
			RMP_PF_SIGBUS);
	KUNIT_EXPECT_EQ(test, rmp_fake.pfn, pfn);

	rmp_fake_set(-EINVAL, false, PG_LEVEL_4K);
	KUNIT_EXPECT_EQ(test, rmp_pf_action(mm, addr, rmp_fake_lookup),
			RMP_PF_SIGBUS);
	KUNIT_EXPECT_EQ(test, rmp_fake.calls, 1);
}

/*
 * Nothing mapped at the address (never touched, or unmapped meanwhile):
 * retry, without a lookup.
 */
static void rmp_fault_unmapped(struct kunit *test)
{
	unsigned long addr = rmp_map_anon(test, PAGE_SIZE, PAGE_SIZE, false);

	rmp_fake_set(0, true, PG_LEVEL_4K);
	KUNIT_EXPECT_EQ(test, rmp_pf_action(current->mm, addr,
					    rmp_fake_lookup),
			RMP_PF_RETRY);
	KUNIT_EXPECT_EQ(test, rmp_fake.calls, 0);
}

/*
 * A 2M THP mapping over 4K RMP entries: the page inside the huge entry is
 * looked up, the decision is to split, and after the fault core has handled
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
	unsigned int level;
	pte_t *ptep;

	if (!IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE))
		kunit_skip(test, "no 2M user mappings: CONFIG_TRANSPARENT_HUGEPAGE is off");

	addr = rmp_map_anon(test, PMD_SIZE, PMD_SIZE, true);
	KUNIT_ASSERT_EQ(test, put_user(1, (u32 __user *)addr), 0);
	mm = current->mm;
	ptep = lookup_address_in_pgd(pgd_offset(mm, addr), addr, &level);
	KUNIT_ASSERT_NOT_NULL(test, ptep);
	KUNIT_ASSERT_EQ_MSG(test, level, (unsigned int)PG_LEVEL_2M,
			    "the first store did not map a THP");
	head = rmp_user_pfn(test, addr);
	KUNIT_ASSERT_EQ(test, rmp_user_pfn(test, addr + off),
			head + (off >> PAGE_SHIFT));

	/* 4K RMP entries, the one hit shared: split. */
	rmp_fake_set(0, false, PG_LEVEL_4K);
	KUNIT_EXPECT_EQ(test, rmp_pf_action(mm, addr + off, rmp_fake_lookup),
			RMP_PF_SPLIT);
	KUNIT_EXPECT_EQ(test, rmp_fake.pfn, head + (off >> PAGE_SHIFT));

	/* A 2M RMP entry covers the mapping: retry. */
	rmp_fake_set(0, false, PG_LEVEL_2M);
	KUNIT_EXPECT_EQ(test, rmp_pf_action(mm, addr + off, rmp_fake_lookup),
			RMP_PF_RETRY);

	/* Guest-assigned: no split helps. */
	rmp_fake_set(0, true, PG_LEVEL_4K);
	KUNIT_EXPECT_EQ(test, rmp_pf_action(mm, addr + off, rmp_fake_lookup),
			RMP_PF_SIGBUS);

	/* What do_user_addr_fault() does with RMP_PF_SPLIT. */
	mmap_read_lock(mm);
	vma = vma_lookup(mm, addr + off);
	if (vma)
		ret = handle_mm_fault(vma, addr + off,
				      FAULT_FLAG_WRITE | FAULT_FLAG_SPLIT_HUGE,
				      NULL);
	mmap_read_unlock(mm);
	KUNIT_ASSERT_TRUE(test, ret == 0);

	ptep = lookup_address_in_pgd(pgd_offset(mm, addr), addr + off, &level);
	KUNIT_ASSERT_NOT_NULL(test, ptep);
	KUNIT_EXPECT_EQ(test, level, (unsigned int)PG_LEVEL_4K);
	rmp_fake_set(0, false, PG_LEVEL_4K);
	KUNIT_EXPECT_EQ(test, rmp_pf_action(mm, addr + off, rmp_fake_lookup),
			RMP_PF_RETRY);
	KUNIT_EXPECT_EQ(test, rmp_fake.pfn, head + (off >> PAGE_SHIFT));
}

static struct kunit_case rmp_fault_cases[] = {
	KUNIT_CASE_PARAM(rmp_fault_decide, rmp_decide_gen_params),
	KUNIT_CASE(rmp_fault_4k),
	KUNIT_CASE(rmp_fault_unmapped),
	KUNIT_CASE(rmp_fault_thp_split),
	{}
};

static struct kunit_suite rmp_fault_suite = {
	.name = "x86_rmp_fault",
	.test_cases = rmp_fault_cases,
};

kunit_test_suite(rmp_fault_suite);

MODULE_DESCRIPTION("KUnit tests for RMP violations on user addresses");
MODULE_LICENSE("GPL");
