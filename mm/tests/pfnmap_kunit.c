// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for inserting PFNs into user mappings from a fault handler.
 *
 * The harness maps a file whose ->mmap() sets VM_PFNMAP, like a driver that
 * maps device memory, into an mm attached to the test thread. The mapping is
 * backed by pages the test owns, or for 1 GiB entries by a physical range
 * reserved at boot. Faults are taken for real, through the architecture's
 * fault handler, by user-copy accesses from the test thread, or injected
 * with handle_mm_fault(). The test then reads the page table.
 *
 * The fault_split suite uses the same harness, and anonymous, tmpfs and
 * hugetlb mappings, for faults with FAULT_FLAG_SPLIT_HUGE.
 */
#include <kunit/test.h>
#include <linux/anon_inodes.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/hugetlb.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/moduleparam.h>
#include <linux/pgtable.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/set_memory.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/string_choices.h>
#include <linux/uaccess.h>
#include <linux/vmstat.h>
#ifdef CONFIG_ARM64
#include <asm/sysreg.h>
#endif
#ifdef CONFIG_X86
#include <asm/memtype.h>
#endif
#include <asm/tlb.h>

/* move_page_tables(), as mremap() and exec's relocate_vma_down() use it */
#include "../internal.h"

#define PFNMAP_TEST_ORDER	4
#define PFNMAP_TEST_PAGES	BIT(PFNMAP_TEST_ORDER)
/* Two PMD-sized ranges: one PMD entry, and room to misalign it by a page. */
#define PFNMAP_PMD_BACKING	(PMD_ORDER + 1)

/*
 * Physical base of a 1 GiB range that is not System RAM, for the PUD cases:
 * reserve it on the kernel command line, e.g. on x86-64 QEMU with 4 GiB
 *   memmap=1G$0x80000000 pfnmap_kunit.pud_base=0x80000000
 */
static unsigned long long pud_base;
module_param(pud_base, ullong, 0444);
MODULE_PARM_DESC(pud_base,
		 "physical base of a reserved, 1 GiB aligned range for the PUD cases");

/* How the harness' ->fault() inserts the pfn. */
enum pfnmap_insert {
	/* vmf_insert_pfn_prot(), what every driver does today */
	PFNMAP_INSERT_PLAIN,
	/* vmf_insert_pfn_prot_mkwrite() for write faults only */
	PFNMAP_INSERT_MKWRITE_ON_WRITE,
	/* vmf_insert_pfn_prot_mkwrite() for every fault */
	PFNMAP_INSERT_MKWRITE_ALWAYS,
};

enum pfnmap_cache {
	PFNMAP_CACHED,
	PFNMAP_WC,
	PFNMAP_UC,
	/* x86 only: the types that use the PAT bit */
	PFNMAP_WT,
	PFNMAP_WP,
};

/*
 * One per test case. It belongs to the file: the vma holds a reference to
 * it, and ->release() frees the backing pages only after the last unmap,
 * even when a failed assertion ends the test thread with the mapping still
 * in place and the mm is torn down after KUnit's cleanup ran.
 */
struct pfnmap_test {
	struct kunit *test;
	/* the backing: pages allocated with @order, or a reserved range */
	unsigned long base_pfn;
	unsigned int order;
	bool iomem;
	bool memtype_reserved;
	/* pages of backing; pages the fault handlers serve */
	unsigned long nr_pages;
	unsigned long backed;
	/* page @i of the file maps page @i + @pfn_offset of the backing */
	unsigned long pfn_offset;
	enum pfnmap_insert insert;
	enum pfnmap_cache cache;
	/* compare data through a kernel mapping of the backing */
	bool check_data;
	/*
	 * Build the pgprot as vmwgfx does, from vm_get_page_prot() of the
	 * vma's flags, and give the vma a ->pfn_mkwrite handler.
	 */
	bool pfn_mkwrite;
	/* Insert with a read-only pgprot on a writable vma. */
	bool ro_prot;
	unsigned int pfn_mkwrite_calls;
	/* ->fault() calls, and the last return value */
	unsigned int fault_calls;
	vm_fault_t last_ret;
	/*
	 * ->huge_fault(): the orders it maps (others fall back), whether it
	 * uses vmf_insert_pfn_pmd()/pud() instead of the _prot variants, and
	 * per level (0: PMD, 1: PUD) the calls and the last return value.
	 */
	unsigned int huge_orders;
	bool huge_plain;
	/* the order of the entries a pfnmap_pmd or pfnmap_pud case tests */
	unsigned int level_order;
	unsigned int huge_calls[2];
	vm_fault_t huge_ret[2];
	/* user address alignment for new mappings; allow MAP_PRIVATE */
	unsigned long map_align;
	bool allow_cow;
	/* VM_MIXEDMAP instead of VM_PFNMAP | VM_IO (huge faults only) */
	bool mixedmap;
	/* ->fault() maps no base page, as device DAX with 2M alignment */
	bool huge_only;
	/* pfnmap_clean_write_faults() on the CPU of the last access */
	bool clean_write_faults;
	struct file *file;
	unsigned long uaddr;
	unsigned long len;
};

static pgprot_t pfnmap_test_prot(enum pfnmap_cache cache, pgprot_t prot)
{
	switch (cache) {
	case PFNMAP_WC:
		return pgprot_writecombine(prot);
	case PFNMAP_UC:
		return pgprot_noncached(prot);
#ifdef CONFIG_X86
	case PFNMAP_WT:
		return pgprot_writethrough(prot);
	case PFNMAP_WP:
		return __pgprot((pgprot_val(prot) & ~_PAGE_CACHE_MASK) |
				cachemode2protval(_PAGE_CACHE_MODE_WP));
#endif
	default:
		return prot;
	}
}

/* The bits of a pgprot that select the memory type. */
static unsigned long pfnmap_cache_bits(pgprot_t prot)
{
#if defined(CONFIG_X86)
	return pgprot_val(prot) & _PAGE_CACHE_MASK;
#elif defined(CONFIG_ARM64)
	return pgprot_val(prot) & PTE_ATTRINDX_MASK;
#else
	/* No memory type in the PTE that this test knows of. */
	return 0;
#endif
}

/*
 * Does the first store through a writable but clean entry fault again, only
 * for the core to mark the entry dirty? On arm64 it does unless this CPU
 * manages the dirty state in hardware (FEAT_HAFDBS, enabled per CPU in
 * TCR_EL1.HD; callers keep the access on the same CPU). x86 sets the dirty
 * bit in hardware, and UML's user-copy routines check pte_write() only.
 */
static bool pfnmap_clean_write_faults(void)
{
#ifdef CONFIG_ARM64
	return !(read_sysreg(tcr_el1) & TCR_HD);
#else
	return false;
#endif
}

/*
 * Does the first access through an old (not young) entry fault, only for
 * the core to make it young? On arm64 without hardware access flag
 * management (TCR_EL1.HA) it does.
 */
static bool pfnmap_old_faults(void)
{
#ifdef CONFIG_ARM64
	return !(read_sysreg(tcr_el1) & TCR_HA);
#else
	return false;
#endif
}

static unsigned long pfnmap_fault_count(void)
{
	return current->min_flt + current->maj_flt;
}

static vm_fault_t pfnmap_test_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct pfnmap_test *t = vma->vm_private_data;
	unsigned long pfn;
	pgprot_t prot;
	bool mkwrite;

	t->fault_calls++;
	/* Backing pages are RAM, which PFN PTEs may not map in VM_MIXEDMAP. */
	if (t->mixedmap || t->huge_only ||
	    vmf->pgoff + t->pfn_offset >= t->backed) {
		t->last_ret = VM_FAULT_SIGBUS;
		return VM_FAULT_SIGBUS;
	}

	pfn = t->base_pfn + t->pfn_offset + vmf->pgoff;
	if (t->pfn_mkwrite)
		prot = vm_get_page_prot(vma->vm_flags);
	else if (t->ro_prot)
		prot = vm_get_page_prot(VM_READ | VM_SHARED);
	else
		prot = vma->vm_page_prot;
	prot = pfnmap_test_prot(t->cache, prot);
	mkwrite = t->insert == PFNMAP_INSERT_MKWRITE_ALWAYS ||
		  (t->insert == PFNMAP_INSERT_MKWRITE_ON_WRITE &&
		   (vmf->flags & FAULT_FLAG_WRITE));
	if (mkwrite)
		t->last_ret = vmf_insert_pfn_prot_mkwrite(vma, vmf->address,
							  pfn, prot);
	else
		t->last_ret = vmf_insert_pfn_prot(vma, vmf->address, pfn, prot);
	return t->last_ret;
}

/* The huge insert function under test, where this kernel has one. */
static vm_fault_t pfnmap_insert_huge(struct vm_fault *vmf, unsigned int order,
				     unsigned long pfn, pgprot_t prot,
				     bool write,
				     bool plain)
{
	if (IS_ENABLED(CONFIG_ARCH_SUPPORTS_PMD_PFNMAP) && order == PMD_ORDER)
		return plain ? vmf_insert_pfn_pmd(vmf, pfn, write) :
		       vmf_insert_pfn_pmd_prot(vmf, pfn, prot, write);
	if (IS_ENABLED(CONFIG_ARCH_SUPPORTS_PUD_PFNMAP) && order == PUD_ORDER)
		return plain ? vmf_insert_pfn_pud(vmf, pfn, write) :
		       vmf_insert_pfn_pud_prot(vmf, pfn, prot, write);
	return VM_FAULT_FALLBACK;
}

/*
 * Like a driver: map the naturally aligned range around the fault if the
 * backing covers it, and leave every other check (alignment of the pfn,
 * the range against the vma) to vmf_insert_pfn_pmd_prot() and
 * vmf_insert_pfn_pud_prot().
 */
static vm_fault_t pfnmap_test_huge_fault(struct vm_fault *vmf,
					 unsigned int order)
{
	struct vm_area_struct *vma = vmf->vma;
	struct pfnmap_test *t = vma->vm_private_data;
	unsigned long nr = 1UL << order;
	unsigned int level = order == PUD_ORDER;
	unsigned long pgoff;
	vm_fault_t ret = VM_FAULT_FALLBACK;
	unsigned long pfn;

	if (order != PMD_ORDER && order != PUD_ORDER)
		return VM_FAULT_FALLBACK;
	t->huge_calls[level]++;

	/* File offset of the first page of the range; wraps below pgoff 0. */
	pgoff = vmf->pgoff - ((vmf->address >> PAGE_SHIFT) & (nr - 1));
	if (!(t->huge_orders & BIT(order)) || pgoff > vmf->pgoff ||
	    pgoff + t->pfn_offset + nr > t->backed)
		goto out;

	pfn = t->base_pfn + t->pfn_offset + pgoff;
	ret = pfnmap_insert_huge(vmf, order, pfn,
				 pfnmap_test_prot(t->cache, vma->vm_page_prot),
				 vmf->flags & FAULT_FLAG_WRITE, t->huge_plain);
out:
	t->huge_ret[level] = ret;
	return ret;
}

static vm_fault_t pfnmap_test_pfn_mkwrite(struct vm_fault *vmf)
{
	struct pfnmap_test *t = vmf->vma->vm_private_data;

	t->pfn_mkwrite_calls++;
	return 0;
}

static const struct vm_operations_struct pfnmap_test_vm_ops = {
	.fault = pfnmap_test_fault,
	.huge_fault = pfnmap_test_huge_fault,
};

/* Write-notify on PFN mappings, as vmwgfx uses it for dirty tracking. */
static const struct vm_operations_struct pfnmap_test_notify_vm_ops = {
	.fault = pfnmap_test_fault,
	.pfn_mkwrite = pfnmap_test_pfn_mkwrite,
};

static int pfnmap_test_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct pfnmap_test *t = file->private_data;

	/* Like a driver mapping device memory: no private COW mappings. */
	if (vma_is_cow_mapping(vma) && !t->allow_cow)
		return -EINVAL;

	/* VM_HUGEPAGE: the THP setting applies to VM_MIXEDMAP (madvise). */
	if (t->mixedmap)
		vm_flags_set(vma, VM_MIXEDMAP | VM_HUGEPAGE | VM_DONTEXPAND |
			     VM_DONTDUMP);
	else
		vm_flags_set(vma, VM_PFNMAP | VM_IO | VM_DONTEXPAND |
			     VM_DONTDUMP);
	vma->vm_ops = t->pfn_mkwrite ? &pfnmap_test_notify_vm_ops :
				       &pfnmap_test_vm_ops;
	vma->vm_private_data = t;
	return 0;
}

/*
 * Place new mappings so that the user address and the file offset agree
 * modulo the test's alignment, as a driver offering huge entries does:
 * look for a range one alignment unit larger and move into it.
 */
static unsigned long pfnmap_test_get_unmapped_area(struct file *file,
						   unsigned long addr,
						   unsigned long len,
						   unsigned long pgoff,
						   unsigned long flags)
{
	struct pfnmap_test *t = file->private_data;
	unsigned long align = t->map_align;
	unsigned long ret;

	if (!align || addr || (flags & MAP_FIXED) || len + align < len)
		return mm_get_unmapped_area(file, addr, len, pgoff, flags);

	ret = mm_get_unmapped_area(file, 0, len + align, pgoff, flags);
	if (IS_ERR_VALUE(ret))
		return ret;
	return ret + (((pgoff << PAGE_SHIFT) - ret) & (align - 1));
}

/* Backing page @j in the linear map; only for backing pages. */
static void *pfnmap_kaddr(struct pfnmap_test *t, unsigned long j)
{
	return page_address(pfn_to_page(t->base_pfn + j));
}

static void pfnmap_test_free(struct pfnmap_test *t)
{
	if (t->iomem) {
		if (t->memtype_reserved)
			arch_io_free_memtype_wc(PFN_PHYS(t->base_pfn),
						PFN_PHYS(t->nr_pages));
	} else if (t->nr_pages) {
#ifdef CONFIG_X86
		if (t->cache != PFNMAP_CACHED)
			set_memory_wb((unsigned long)pfnmap_kaddr(t, 0),
				      t->nr_pages);
#endif
		__free_pages(pfn_to_page(t->base_pfn), t->order);
	}
	kfree(t);
}

static int pfnmap_test_release(struct inode *inode, struct file *file)
{
	pfnmap_test_free(file->private_data);
	return 0;
}

static const struct file_operations pfnmap_test_fops = {
	.mmap = pfnmap_test_mmap,
	.get_unmapped_area = pfnmap_test_get_unmapped_area,
	.release = pfnmap_test_release,
};

/*
 * Word @word of backing page @j, through a kernel mapping: the linear map
 * for pages, a temporary mapping of the page's memory type for a range.
 */
static u32 pfnmap_kread(struct pfnmap_test *t, unsigned long j,
			unsigned int word)
{
	void __iomem *io;
	u32 val;

	if (!t->iomem)
		return READ_ONCE(((u32 *)pfnmap_kaddr(t, j))[word]);

	io = t->cache == PFNMAP_WC ?
		ioremap_wc(PFN_PHYS(t->base_pfn + j), PAGE_SIZE) :
		ioremap(PFN_PHYS(t->base_pfn + j), PAGE_SIZE);
	if (!io)
		return 0;
	val = readl(io + word * sizeof(u32));
	iounmap(io);
	return val;
}

static void pfnmap_kwrite(struct pfnmap_test *t, unsigned long j,
			  unsigned int word, u32 val)
{
	void __iomem *io;

	if (!t->iomem) {
		WRITE_ONCE(((u32 *)pfnmap_kaddr(t, j))[word], val);
		return;
	}

	io = t->cache == PFNMAP_WC ?
		ioremap_wc(PFN_PHYS(t->base_pfn + j), PAGE_SIZE) :
		ioremap(PFN_PHYS(t->base_pfn + j), PAGE_SIZE);
	if (!io)
		return;
	writel(val, io + word * sizeof(u32));
	iounmap(io);
}

static u32 pfnmap_test_pattern(unsigned long j)
{
	return 0x5a000000 | j;
}

static void pfnmap_test_set_cache(struct pfnmap_test *t, enum pfnmap_cache cache)
{
	t->cache = cache;
	if (t->iomem) {
		/*
		 * As a driver does for its write-combined aperture. With PAT
		 * the memory type of a range that is not RAM and has no
		 * reservation is uncached-minus, what pgprot_noncached()
		 * asks for.
		 */
		if (cache == PFNMAP_WC) {
			KUNIT_ASSERT_EQ(t->test,
					arch_io_reserve_memtype_wc(PFN_PHYS(t->base_pfn),
								   PFN_PHYS(t->nr_pages)),
					0);
			t->memtype_reserved = true;
		}
		return;
	}
#ifdef CONFIG_X86
	/*
	 * With PAT, pfnmap_setup_cachemode_pfn() makes the entry's memory type agree
	 * with the one recorded for the RAM page, so give the pages the type
	 * first, as TTM's pool does with set_pages_array_wc()/uc(). That
	 * changes the kernel's linear map as well, so data still compares.
	 */
	if (cache == PFNMAP_WC)
		KUNIT_ASSERT_EQ(t->test, set_memory_wc((unsigned long)
			pfnmap_kaddr(t, 0), t->nr_pages), 0);
	else if (cache == PFNMAP_UC)
		KUNIT_ASSERT_EQ(t->test, set_memory_uc((unsigned long)
			pfnmap_kaddr(t, 0), t->nr_pages), 0);
#else
	/*
	 * Elsewhere the linear map stays cacheable: comparing data written
	 * through it with data read through a non-cacheable user mapping is
	 * only coherent on an emulated CPU without caches.
	 */
	t->check_data = cache == PFNMAP_CACHED;
#endif
}

static void pfnmap_test_fput(void *data)
{
	fput(data);
}

/*
 * Set up a test file backed by 2^@order pages, or, for @order PUD_ORDER,
 * by the range at pud_base if there is one (@order 0: no backing).
 */
static int pfnmap_test_setup(struct kunit *test, unsigned int order)
{
	struct pfnmap_test *t;
	struct page *pages;
	unsigned long i;
	int ret;

	/*
	 * The previous case's file is released from a work item (KUnit runs
	 * cases in kernel threads): let it return its memory and memory type
	 * reservation before this case takes them again.
	 */
	flush_delayed_fput();

	t = kzalloc_obj(*t);
	if (!t)
		return -ENOMEM;
	t->test = test;
	t->check_data = true;
	if (order == PUD_ORDER) {
		/*
		 * Nobody reserved a memory type for the range yet: with PAT
		 * that makes it uncached-minus, what pgprot_noncached() asks.
		 */
		t->cache = PFNMAP_UC;
		t->iomem = true;
		t->base_pfn = PHYS_PFN(pud_base);
		t->nr_pages = pud_base ? 1UL << order : 0;
	} else if (order) {
		pages = alloc_pages(GFP_KERNEL | __GFP_NOWARN, order);
		if (!pages) {
			kfree(t);
			return -ENOMEM;
		}
		t->order = order;
		t->base_pfn = page_to_pfn(pages);
		t->nr_pages = 1UL << order;
		/* Each page starts with its index, so that data can be checked. */
		for (i = 0; i < t->nr_pages; i++) {
			u32 *p = page_address(pages + i);

			memset(p, 0, PAGE_SIZE);
			p[0] = pfnmap_test_pattern(i);
		}
	}
	t->backed = t->nr_pages;

	t->file = anon_inode_getfile("[pfnmap_kunit]", &pfnmap_test_fops, t,
				     O_RDWR);
	if (IS_ERR(t->file)) {
		ret = PTR_ERR(t->file);
		pfnmap_test_free(t);
		return ret;
	}
	/* The last reference, the vma's or this one, frees @t. */
	ret = kunit_add_action_or_reset(test, pfnmap_test_fput, t->file);
	if (ret)
		return ret;

	test->priv = t;
	return 0;
}

static int pfnmap_test_init(struct kunit *test)
{
	return pfnmap_test_setup(test, PFNMAP_TEST_ORDER);
}

/*
 * Map @npages of the test file. The test unmaps it again with
 * pfnmap_test_unmap() from the test thread, which owns the mm.
 */
static unsigned long pfnmap_test_map_flags(struct pfnmap_test *t,
					   unsigned long prot,
					   unsigned long npages,
					   unsigned long flags)
{
	unsigned long uaddr;

	t->len = npages * PAGE_SIZE;
	uaddr = kunit_vm_mmap(t->test, t->file, 0, t->len, prot, flags, 0);
	KUNIT_ASSERT_FALSE_MSG(t->test, !uaddr || IS_ERR_VALUE(uaddr),
			       "mmap of the pfnmap test file failed: %ld",
			       (long)uaddr);
	t->uaddr = uaddr;
	return uaddr;
}

static unsigned long pfnmap_test_map(struct pfnmap_test *t, unsigned long prot,
				     unsigned long npages)
{
	return pfnmap_test_map_flags(t, prot, npages, MAP_SHARED);
}

static void pfnmap_test_unmap(struct pfnmap_test *t)
{
	KUNIT_EXPECT_EQ(t->test, vm_munmap(t->uaddr, t->len), 0);
}

static unsigned long pfnmap_test_pfn(struct pfnmap_test *t, unsigned long i)
{
	return t->base_pfn + t->pfn_offset + i;
}

static int pfnmap_copy_pte(pte_t *ptep, unsigned long addr, void *data)
{
	*(pte_t *)data = ptep_get(ptep);
	return 0;
}

/* Read the PTE that maps @addr; false when there is none. */
static bool pfnmap_read_pte(struct mm_struct *mm, unsigned long addr,
			    pte_t *out)
{
	bool found = false;
	pgd_t *pgd;
	p4d_t *p4d;
	pud_t *pud;
	pmd_t *pmd;

	*out = __pte(0);
	mmap_read_lock(mm);
	pgd = pgd_offset(mm, addr);
	if (pgd_none(*pgd) || pgd_bad(*pgd))
		goto out;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(*p4d) || p4d_bad(*p4d))
		goto out;
	pud = pud_offset(p4d, addr);
	if (pud_none(pudp_get(pud)) || pud_leaf(pudp_get(pud)))
		goto out;
	pmd = pmd_offset(pud, addr);
	if (pmd_none(pmdp_get(pmd)) || pmd_leaf(pmdp_get(pmd)))
		goto out;
	/* The last level, under the PTE lock. */
	if (!apply_to_existing_page_range(mm, addr & PAGE_MASK, PAGE_SIZE,
					  pfnmap_copy_pte, out))
		found = pte_present(*out);
out:
	mmap_read_unlock(mm);
	return found;
}

/* The PTE for page @i of the mapping must exist and map the right pfn. */
static pte_t pfnmap_expect_pte(struct pfnmap_test *t, unsigned long i)
{
	pgprot_t shared = vm_get_page_prot(VM_READ | VM_WRITE | VM_SHARED);
	struct kunit *test = t->test;
	pte_t pte = __pte(0);

	KUNIT_ASSERT_TRUE_MSG(test,
			      pfnmap_read_pte(current->mm,
					      t->uaddr + i * PAGE_SIZE, &pte),
			      "no PTE for page %lu", i);
	KUNIT_EXPECT_EQ(test, pte_pfn(pte), pfnmap_test_pfn(t, i));
	if (IS_ENABLED(CONFIG_ARCH_HAS_PTE_SPECIAL))
		KUNIT_EXPECT_TRUE(test, pte_special(pte));
	KUNIT_EXPECT_EQ(test, pfnmap_cache_bits(pte_pgprot(pte)),
			pfnmap_cache_bits(pfnmap_test_prot(t->cache, shared)));
	return pte;
}

/*
 * Page @i must be mapped for the right pfn, dirty and writable as given; a
 * dirty entry must also be young.
 */
static void pfnmap_expect_mapped(struct pfnmap_test *t, unsigned long i,
				 bool dirty, bool write)
{
	pte_t pte = pfnmap_expect_pte(t, i);

	KUNIT_EXPECT_EQ_MSG(t->test, !!pte_dirty(pte), dirty, "page %lu", i);
	KUNIT_EXPECT_EQ_MSG(t->test, !!pte_write(pte), write, "page %lu", i);
	if (dirty)
		KUNIT_EXPECT_TRUE_MSG(t->test, pte_young(pte), "page %lu", i);
}

static u32 __user *pfnmap_test_user(struct pfnmap_test *t, unsigned long i)
{
	return (u32 __user *)(t->uaddr + i * PAGE_SIZE);
}

/* Fault page @i in through a real read access; return the faults taken. */
static unsigned long pfnmap_test_read(struct pfnmap_test *t, unsigned long i)
{
	unsigned long before = pfnmap_fault_count();
	u32 val = 0;
	int ret;

	unsigned long j = t->pfn_offset + i;

	/* A reserved range is not filled up front: 1 GiB is a lot to touch. */
	if (t->iomem && t->check_data)
		pfnmap_kwrite(t, j, 0, pfnmap_test_pattern(j));
	migrate_disable();
	t->clean_write_faults = pfnmap_clean_write_faults();
	ret = get_user(val, pfnmap_test_user(t, i));
	migrate_enable();
	KUNIT_ASSERT_EQ(t->test, ret, 0);
	if (t->check_data)
		KUNIT_EXPECT_EQ(t->test, val, pfnmap_test_pattern(j));
	return pfnmap_fault_count() - before;
}

/* Fault page @i in through a real write access; return the faults taken. */
static unsigned long pfnmap_test_write(struct pfnmap_test *t, unsigned long i,
				       u32 val)
{
	unsigned long before = pfnmap_fault_count();
	int ret;

	migrate_disable();
	t->clean_write_faults = pfnmap_clean_write_faults();
	ret = put_user(val, pfnmap_test_user(t, i) + 1);
	migrate_enable();
	KUNIT_ASSERT_EQ(t->test, ret, 0);
	if (t->check_data)
		KUNIT_EXPECT_EQ(t->test, pfnmap_kread(t, t->pfn_offset + i, 1),
				val);
	return pfnmap_fault_count() - before;
}

/*
 * Inject a fault with @flags at user address @addr without touching memory,
 * under the mmap_lock, or like an architecture's fault handler under the
 * vma's own lock where the kernel has per-VMA locks (@vma_lock).
 */
static vm_fault_t pfnmap_inject_at(unsigned long addr, unsigned int flags,
				   bool vma_lock)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	vm_fault_t ret;

#ifdef CONFIG_PER_VMA_LOCK
	if (vma_lock) {
		vma = lock_vma_under_rcu(mm, addr);
		if (!vma)
			return VM_FAULT_SIGSEGV;
		ret = handle_mm_fault(vma, addr, flags | FAULT_FLAG_VMA_LOCK,
				      NULL);
		if (!(ret & (VM_FAULT_RETRY | VM_FAULT_COMPLETED)))
			vma_end_read(vma);
		return ret;
	}
#endif
	mmap_read_lock(mm);
	vma = vma_lookup(mm, addr);
	ret = vma ? handle_mm_fault(vma, addr, flags, NULL) : VM_FAULT_SIGSEGV;
	mmap_read_unlock(mm);
	return ret;
}

/* Inject a fault with @flags at page @i without touching memory. */
static vm_fault_t pfnmap_test_inject(struct pfnmap_test *t, unsigned long i,
				     unsigned int flags)
{
	return pfnmap_inject_at(t->uaddr + i * PAGE_SIZE, flags, false);
}

static void pfnmap_read_fault_is_clean(struct kunit *test)
{
	struct pfnmap_test *t = test->priv;
	pte_t pte;

	t->insert = PFNMAP_INSERT_MKWRITE_ON_WRITE;
	pfnmap_test_map(t, PROT_READ | PROT_WRITE, t->nr_pages);

	KUNIT_EXPECT_EQ(test, pfnmap_test_read(t, 0), 1);
	KUNIT_EXPECT_EQ(test, t->fault_calls, 1);
	KUNIT_EXPECT_TRUE(test, t->last_ret == VM_FAULT_NOPAGE);

	pfnmap_expect_mapped(t, 0, false, true);

	/* Nothing was inserted around the faulting address. */
	KUNIT_EXPECT_FALSE(test, pfnmap_read_pte(current->mm,
						 t->uaddr + PAGE_SIZE, &pte));
	pfnmap_test_unmap(t);
}

static void pfnmap_write_fault_mkwrite(struct kunit *test)
{
	struct pfnmap_test *t = test->priv;
	unsigned long faults;

	t->insert = PFNMAP_INSERT_MKWRITE_ON_WRITE;
	pfnmap_test_map(t, PROT_READ | PROT_WRITE, t->nr_pages);

	faults = pfnmap_test_write(t, 0, 0xc0ffee);
	kunit_info(test, "first store to a new page: %lu fault(s), %u ->fault call(s), clean-write faults %s\n",
		   faults, t->fault_calls,
		   str_yes_no(t->clean_write_faults));
	KUNIT_EXPECT_EQ(test, faults, 1);
	KUNIT_EXPECT_EQ(test, t->fault_calls, 1);

	pfnmap_expect_mapped(t, 0, true, true);
	pfnmap_test_unmap(t);
}

/*
 * The same, without a store the hardware could mark dirty on its own: a
 * write fault injected through handle_mm_fault() must leave a dirty PTE on
 * every architecture.
 */
static void pfnmap_injected_write_fault(struct kunit *test)
{
	struct pfnmap_test *t = test->priv;

	t->insert = PFNMAP_INSERT_MKWRITE_ON_WRITE;
	pfnmap_test_map(t, PROT_READ | PROT_WRITE, t->nr_pages);

	KUNIT_EXPECT_TRUE(test, pfnmap_test_inject(t, 0, FAULT_FLAG_WRITE) ==
				VM_FAULT_NOPAGE);
	pfnmap_expect_mapped(t, 0, true, true);

	/* The same fault with vmf_insert_pfn_prot(): clean, as before. */
	t->insert = PFNMAP_INSERT_PLAIN;
	KUNIT_EXPECT_TRUE(test, pfnmap_test_inject(t, 1, FAULT_FLAG_WRITE) ==
				VM_FAULT_NOPAGE);
	pfnmap_expect_mapped(t, 1, false, true);
	KUNIT_EXPECT_EQ(test, t->fault_calls, 2);
	pfnmap_test_unmap(t);
}

/*
 * Without the mkwrite helper, a store to a page that a read fault mapped
 * costs one more fault where clean entries are write-protected in hardware.
 * The helper cannot change that: the entry was mapped for a read.
 */
static void pfnmap_read_then_write(struct kunit *test)
{
	struct pfnmap_test *t = test->priv;
	unsigned long faults, extra;

	t->insert = PFNMAP_INSERT_PLAIN;
	pfnmap_test_map(t, PROT_READ | PROT_WRITE, t->nr_pages);

	KUNIT_EXPECT_EQ(test, pfnmap_test_read(t, 0), 1);
	faults = pfnmap_test_write(t, 0, 0x1234);
	extra = t->clean_write_faults ? 1 : 0;
	kunit_info(test, "store after a read fault: %lu more fault(s)\n",
		   faults);
	KUNIT_EXPECT_EQ(test, faults, extra);
	/* Only the read went to the driver; the core made the PTE dirty. */
	KUNIT_EXPECT_EQ(test, t->fault_calls, 1);
	if (extra)
		KUNIT_EXPECT_TRUE(test, pte_dirty(pfnmap_expect_pte(t, 0)));

	/* A first store without the helper: the same extra fault. */
	faults = pfnmap_test_write(t, 1, 0x5678);
	kunit_info(test, "first store without mkwrite: %lu fault(s)\n",
		   faults);
	KUNIT_EXPECT_EQ(test, faults, t->clean_write_faults ? 2 : 1);
	KUNIT_EXPECT_EQ(test, t->fault_calls, 2);
	pfnmap_test_unmap(t);
}

/* Write-touch every page; each page must cost exactly one fault. */
static void pfnmap_write_touch_all(struct kunit *test)
{
	struct pfnmap_test *t = test->priv;
	unsigned long i, plain = 0, mkwrite = 0, expect = 0;

	t->insert = PFNMAP_INSERT_PLAIN;
	pfnmap_test_map(t, PROT_READ | PROT_WRITE, t->nr_pages);
	for (i = 0; i < t->nr_pages; i++) {
		plain += pfnmap_test_write(t, i, i);
		expect += t->clean_write_faults ? 2 : 1;
	}
	pfnmap_test_unmap(t);

	t->insert = PFNMAP_INSERT_MKWRITE_ON_WRITE;
	pfnmap_test_map(t, PROT_READ | PROT_WRITE, t->nr_pages);
	for (i = 0; i < t->nr_pages; i++)
		mkwrite += pfnmap_test_write(t, i, ~i);
	for (i = 0; i < t->nr_pages; i++)
		KUNIT_EXPECT_TRUE(test, pte_dirty(pfnmap_expect_pte(t, i)));
	pfnmap_test_unmap(t);

	kunit_info(test, "write-touching %lu pages: %lu faults with vmf_insert_pfn_prot(), %lu with vmf_insert_pfn_prot_mkwrite()\n",
		   t->nr_pages, plain, mkwrite);
	KUNIT_EXPECT_EQ(test, mkwrite, t->nr_pages);
	KUNIT_EXPECT_EQ(test, plain, expect);
	KUNIT_EXPECT_EQ(test, t->fault_calls, 2 * t->nr_pages);
}

/* A mapping without VM_WRITE never gets a writable or dirty entry. */
static void pfnmap_mkwrite_readonly_vma(struct kunit *test)
{
	struct pfnmap_test *t = test->priv;

	t->insert = PFNMAP_INSERT_MKWRITE_ALWAYS;
	pfnmap_test_map(t, PROT_READ, t->nr_pages);

	KUNIT_EXPECT_EQ(test, pfnmap_test_read(t, 0), 1);
	KUNIT_EXPECT_EQ(test, t->fault_calls, 1);
	pfnmap_expect_mapped(t, 0, false, false);

	/* A store is refused and changes neither the entry nor the data. */
	KUNIT_EXPECT_EQ(test, put_user(0xdead, pfnmap_test_user(t, 0) + 1),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, pfnmap_kread(t, 0, 1), 0);
	pfnmap_expect_mapped(t, 0, false, false);
	pfnmap_test_unmap(t);
}

/*
 * The helper does not look at the fault: it is for the caller to use it
 * for write faults only. Used for a read fault, it still maps the page
 * dirty and writable, and the next store costs nothing.
 */
static void pfnmap_mkwrite_on_read_fault(struct kunit *test)
{
	struct pfnmap_test *t = test->priv;

	t->insert = PFNMAP_INSERT_MKWRITE_ALWAYS;
	pfnmap_test_map(t, PROT_READ | PROT_WRITE, t->nr_pages);

	KUNIT_EXPECT_EQ(test, pfnmap_test_read(t, 0), 1);
	pfnmap_expect_mapped(t, 0, true, true);
	KUNIT_EXPECT_EQ(test, pfnmap_test_write(t, 0, 0x42), 0);
	KUNIT_EXPECT_EQ(test, t->fault_calls, 1);
	pfnmap_test_unmap(t);
}

/*
 * A present entry for the same pfn is upgraded by the helper, and left as
 * it is by vmf_insert_pfn_prot().
 */
static void pfnmap_mkwrite_upgrades_present(struct kunit *test)
{
	struct pfnmap_test *t = test->priv;
	unsigned long pfn = pfnmap_test_pfn(t, 0);
	struct vm_area_struct *vma;
	struct mm_struct *mm;
	vm_fault_t ret;
	pgprot_t prot;

	t->insert = PFNMAP_INSERT_PLAIN;
	pfnmap_test_map(t, PROT_READ | PROT_WRITE, t->nr_pages);
	mm = current->mm;
	KUNIT_EXPECT_EQ(test, pfnmap_test_read(t, 0), 1);
	KUNIT_EXPECT_FALSE(test, pte_dirty(pfnmap_expect_pte(t, 0)));

	/* Never assert with the mmap lock held: the test thread would exit. */
	mmap_read_lock(mm);
	vma = vma_lookup(mm, t->uaddr);
	ret = VM_FAULT_SIGSEGV;
	if (vma) {
		prot = pfnmap_test_prot(t->cache, vma->vm_page_prot);
		ret = vmf_insert_pfn_prot(vma, t->uaddr, pfn, prot);
	}
	mmap_read_unlock(mm);
	KUNIT_EXPECT_TRUE(test, ret == VM_FAULT_NOPAGE);
	KUNIT_EXPECT_FALSE(test, pte_dirty(pfnmap_expect_pte(t, 0)));

	mmap_read_lock(mm);
	vma = vma_lookup(mm, t->uaddr);
	ret = VM_FAULT_SIGSEGV;
	if (vma) {
		prot = pfnmap_test_prot(t->cache, vma->vm_page_prot);
		ret = vmf_insert_pfn_prot_mkwrite(vma, t->uaddr, pfn, prot);
	}
	mmap_read_unlock(mm);
	KUNIT_EXPECT_TRUE(test, ret == VM_FAULT_NOPAGE);
	pfnmap_expect_mapped(t, 0, true, true);

	/* No fault needed for the store now, on any architecture. */
	KUNIT_EXPECT_EQ(test, pfnmap_test_write(t, 0, 0xabcd), 0);
	pfnmap_test_unmap(t);
}

/* Addresses outside the vma get VM_FAULT_SIGBUS and no entry. */
static void pfnmap_mkwrite_outside_vma(struct kunit *test)
{
	struct pfnmap_test *t = test->priv;
	unsigned long pfn = pfnmap_test_pfn(t, 0);
	struct vm_area_struct *vma;
	vm_fault_t below, above;
	struct mm_struct *mm;
	pte_t pte;

	pfnmap_test_map(t, PROT_READ | PROT_WRITE, t->nr_pages);
	mm = current->mm;
	below = VM_FAULT_SIGSEGV;
	above = VM_FAULT_SIGSEGV;
	mmap_read_lock(mm);
	vma = vma_lookup(mm, t->uaddr);
	if (vma) {
		below = vmf_insert_pfn_prot_mkwrite(vma,
						    vma->vm_start - PAGE_SIZE,
						    pfn, vma->vm_page_prot);
		above = vmf_insert_pfn_prot_mkwrite(vma, vma->vm_end, pfn,
						    vma->vm_page_prot);
	}
	mmap_read_unlock(mm);

	KUNIT_EXPECT_TRUE(test, below == VM_FAULT_SIGBUS);
	KUNIT_EXPECT_TRUE(test, above == VM_FAULT_SIGBUS);
	KUNIT_EXPECT_FALSE(test, pfnmap_read_pte(mm, t->uaddr - PAGE_SIZE,
						 &pte));
	KUNIT_EXPECT_FALSE(test, pfnmap_read_pte(mm, t->uaddr + t->len, &pte));

	/* And the driver's own SIGBUS past its backing reaches the access. */
	pfnmap_test_unmap(t);
	t->backed = t->nr_pages / 4;
	pfnmap_test_map(t, PROT_READ | PROT_WRITE, t->nr_pages / 2);
	KUNIT_EXPECT_EQ(test, put_user(1, pfnmap_test_user(t, t->backed)),
			-EFAULT);
	KUNIT_EXPECT_TRUE(test, t->last_ret == VM_FAULT_SIGBUS);
	KUNIT_EXPECT_FALSE(test, pfnmap_read_pte(mm, t->uaddr +
						 t->backed * PAGE_SIZE, &pte));
	pfnmap_test_unmap(t);
}

/*
 * A vma with ->pfn_mkwrite wants to see writes, and vmwgfx builds its
 * pgprot as vm_get_page_prot(vma->vm_flags), which is writable, when it is
 * not tracking dirtiness at that moment: the helper must still install a
 * clean entry there, exactly what vmf_insert_pfn_prot() installs.
 */
static void pfnmap_mkwrite_pfn_mkwrite_vma(struct kunit *test)
{
	struct pfnmap_test *t = test->priv;

	t->pfn_mkwrite = true;
	t->insert = PFNMAP_INSERT_MKWRITE_ON_WRITE;
	pfnmap_test_map(t, PROT_READ | PROT_WRITE, t->nr_pages);

	KUNIT_EXPECT_TRUE(test, pfnmap_test_inject(t, 0, FAULT_FLAG_WRITE) ==
				VM_FAULT_NOPAGE);
	KUNIT_EXPECT_EQ(test, t->fault_calls, 1);
	/* Clean, but as writable as the driver's pgprot: today's entry. */
	pfnmap_expect_mapped(t, 0, false, true);

	/*
	 * A real store to a new page costs what it costs with
	 * vmf_insert_pfn_prot(): one more fault where clean entries are
	 * write-protected in hardware.  The entry is writable, so the core
	 * only marks it dirty and ->pfn_mkwrite is not involved.
	 */
	KUNIT_EXPECT_EQ(test, pfnmap_test_write(t, 1, 0x99),
			t->clean_write_faults ? 2 : 1);
	KUNIT_EXPECT_EQ(test, t->fault_calls, 2);
	KUNIT_EXPECT_EQ(test, t->pfn_mkwrite_calls, 0);
	pfnmap_test_unmap(t);
}

/*
 * A pgprot that is read-only on a shared writable vma write-protects on
 * purpose: the helper installs it as given, clean and read-only.
 */
static void pfnmap_mkwrite_readonly_pgprot(struct kunit *test)
{
	struct pfnmap_test *t = test->priv;
	pte_t pte;

	t->ro_prot = true;
	t->insert = PFNMAP_INSERT_MKWRITE_ON_WRITE;
	pfnmap_test_map(t, PROT_READ | PROT_WRITE, t->nr_pages);

	KUNIT_EXPECT_TRUE(test, pfnmap_test_inject(t, 0, FAULT_FLAG_WRITE) ==
				VM_FAULT_NOPAGE);
	pte = pfnmap_expect_pte(t, 0);
	KUNIT_EXPECT_FALSE_MSG(test, pte_write(pte),
			       "read-only pgprot made writable");
	KUNIT_EXPECT_FALSE_MSG(test, pte_dirty(pte),
			       "read-only pgprot made dirty");
	pfnmap_test_unmap(t);
}

struct pfnmap_cache_param {
	enum pfnmap_cache cache;
	enum pfnmap_insert insert;
	const char *desc;
};

static const struct pfnmap_cache_param pfnmap_cache_params[] = {
	{ PFNMAP_WC, PFNMAP_INSERT_PLAIN, "write-combined, vmf_insert_pfn_prot" },
	{ PFNMAP_WC, PFNMAP_INSERT_MKWRITE_ON_WRITE, "write-combined, mkwrite" },
	{ PFNMAP_UC, PFNMAP_INSERT_PLAIN, "uncached, vmf_insert_pfn_prot" },
	{ PFNMAP_UC, PFNMAP_INSERT_MKWRITE_ON_WRITE, "uncached, mkwrite" },
};

static void pfnmap_cache_param_desc(const struct pfnmap_cache_param *p,
				    char *desc)
{
	strscpy(desc, p->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(pfnmap_cache, pfnmap_cache_params, pfnmap_cache_param_desc);

/*
 * The memory-type bits of the caller's pgprot are kept exactly, for reads
 * and writes, with and without the helper.
 */
static void pfnmap_caching_kept(struct kunit *test)
{
	const struct pfnmap_cache_param *p = test->param_value;
	struct pfnmap_test *t = test->priv;
	pgprot_t shared = vm_get_page_prot(VM_READ | VM_WRITE | VM_SHARED);
	unsigned long faults;

	if (pfnmap_cache_bits(pfnmap_test_prot(p->cache, shared)) ==
	    pfnmap_cache_bits(shared))
		kunit_skip(test,
			   "no memory type in this architecture's PTEs: pgprot_writecombine() and pgprot_noncached() change nothing");

	pfnmap_test_set_cache(t, p->cache);
	t->insert = p->insert;
	pfnmap_test_map(t, PROT_READ | PROT_WRITE, t->nr_pages);

	KUNIT_EXPECT_EQ(test, pfnmap_test_read(t, 0), 1);
	pfnmap_expect_mapped(t, 0, false, true);

	/* After a store the entry is dirty, whoever marked it so. */
	faults = pfnmap_test_write(t, 1, 0x77);
	KUNIT_EXPECT_EQ(test, faults, 1 + (p->insert == PFNMAP_INSERT_PLAIN &&
					   t->clean_write_faults));
	pfnmap_expect_mapped(t, 1, true, true);
	pfnmap_test_unmap(t);
}

/*
 * mprotect() of the test's vma to @prot, through mprotect_fixup() as exec's
 * setup_arg_pages() calls it.
 */
static int pfnmap_mprotect(struct pfnmap_test *t, unsigned long prot)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma, *prev = NULL;
	struct mmu_gather tlb;
	int ret = -ENOENT;

	mmap_write_lock(mm);
	vma = vma_lookup(mm, t->uaddr);
	if (vma) {
		VMA_ITERATOR(vmi, mm, vma->vm_start);
		vm_flags_t flags = vma->vm_flags & ~(VM_READ | VM_WRITE |
						     VM_EXEC);

		flags |= calc_vm_prot_bits(prot, 0);
		tlb_gather_mmu(&tlb, mm);
		ret = mprotect_fixup(&vmi, &tlb, vma, &prev, vma->vm_start,
				     vma->vm_end, flags);
		tlb_finish_mmu(&tlb);
	}
	mmap_write_unlock(mm);
	return ret;
}

/*
 * mprotect() changes access permissions, not the memory type a driver
 * chose for an entry: read-only, read-write, read-exec, present entries
 * keep it.
 */
static void pfnmap_mprotect_keeps_type(struct kunit *test)
{
	const struct pfnmap_cache_param *p = test->param_value;
	struct pfnmap_test *t = test->priv;
	pgprot_t shared = vm_get_page_prot(VM_READ | VM_WRITE | VM_SHARED);
	pte_t pte;

	if (pfnmap_cache_bits(pfnmap_test_prot(p->cache, shared)) ==
	    pfnmap_cache_bits(shared))
		kunit_skip(test,
			   "no memory type in this architecture's PTEs: pgprot_writecombine() and pgprot_noncached() change nothing");

	pfnmap_test_set_cache(t, p->cache);
	t->insert = p->insert;
	pfnmap_test_map(t, PROT_READ | PROT_WRITE, t->nr_pages);
	KUNIT_EXPECT_EQ(test, pfnmap_test_write(t, 1, 0x99), 1 +
			(p->insert == PFNMAP_INSERT_PLAIN &&
			 t->clean_write_faults));

	KUNIT_ASSERT_EQ(test, pfnmap_mprotect(t, PROT_READ), 0);
	pte = pfnmap_expect_pte(t, 1);
	KUNIT_EXPECT_FALSE(test, pte_write(pte));

	KUNIT_ASSERT_EQ(test, pfnmap_mprotect(t, PROT_READ | PROT_WRITE), 0);
	pte = pfnmap_expect_pte(t, 1);
	KUNIT_EXPECT_TRUE(test, pte_write(pte));

	KUNIT_ASSERT_EQ(test, pfnmap_mprotect(t, PROT_READ | PROT_EXEC), 0);
	pfnmap_expect_pte(t, 1);
	KUNIT_EXPECT_EQ(test, pfnmap_test_read(t, 1), 0);
	pfnmap_test_unmap(t);
}

static struct kunit_case pfnmap_pte_cases[] = {
	KUNIT_CASE(pfnmap_read_fault_is_clean),
	KUNIT_CASE(pfnmap_write_fault_mkwrite),
	KUNIT_CASE(pfnmap_injected_write_fault),
	KUNIT_CASE(pfnmap_read_then_write),
	KUNIT_CASE(pfnmap_write_touch_all),
	KUNIT_CASE(pfnmap_mkwrite_readonly_vma),
	KUNIT_CASE(pfnmap_mkwrite_on_read_fault),
	KUNIT_CASE(pfnmap_mkwrite_upgrades_present),
	KUNIT_CASE(pfnmap_mkwrite_outside_vma),
	KUNIT_CASE(pfnmap_mkwrite_pfn_mkwrite_vma),
	KUNIT_CASE(pfnmap_mkwrite_readonly_pgprot),
	KUNIT_CASE_PARAM(pfnmap_caching_kept, pfnmap_cache_gen_params),
	KUNIT_CASE_PARAM(pfnmap_mprotect_keeps_type, pfnmap_cache_gen_params),
	{}
};

static struct kunit_suite pfnmap_pte_suite = {
	.name = "pfnmap_pte",
	.init = pfnmap_test_init,
	.test_cases = pfnmap_pte_cases,
};

/*
 * Huge entries: vmf_insert_pfn_pmd_prot() and vmf_insert_pfn_pud_prot()
 * from ->huge_fault(), on PMD-aligned pages and on a 1 GiB range.
 */

/* The order of the entries the suite of this case tests. */
static unsigned int pfnmap_level_order(struct kunit *test)
{
	return ((struct pfnmap_test *)test->priv)->level_order;
}

/* Skip unless entries of @order can be tested here; then allow them. */
static void pfnmap_require(struct kunit *test, unsigned int order)
{
	struct pfnmap_test *t = test->priv;

	if (order == PMD_ORDER && !IS_ENABLED(CONFIG_ARCH_SUPPORTS_PMD_PFNMAP))
		kunit_skip(test,
			   "no PMD-sized PFN mappings here: CONFIG_ARCH_SUPPORTS_PMD_PFNMAP is off (no THP, or the architecture has no special bit in PMDs)");
	if (order == PMD_ORDER && !t->nr_pages)
		kunit_skip(test,
			   "two PMDs of contiguous pages are more than MAX_PAGE_ORDER allows with this page size");
	if (order == PUD_ORDER) {
		if (!IS_ENABLED(CONFIG_ARCH_SUPPORTS_PUD_PFNMAP))
			kunit_skip(test,
				   "no PUD-sized PFN mappings on this architecture: CONFIG_ARCH_SUPPORTS_PUD_PFNMAP is off");
#ifdef CONFIG_X86
		if (!boot_cpu_has(X86_FEATURE_GBPAGES))
			kunit_skip(test, "the CPU has no 1 GiB pages (pdpe1gb)");
#endif
		if (!t->nr_pages)
			kunit_skip(test,
				   "no 1 GiB range to map: boot with memmap=1G$<base> pfnmap_kunit.pud_base=<base>");
		KUNIT_ASSERT_TRUE_MSG(test, IS_ALIGNED(pud_base, PUD_SIZE) &&
				      region_intersects(pud_base, PUD_SIZE,
							IORESOURCE_SYSTEM_RAM,
							IORES_DESC_NONE) ==
				      REGION_DISJOINT,
				      "pfnmap_kunit.pud_base=%#llx is not a 1 GiB aligned range outside System RAM",
				      pud_base);
	}
	t->huge_orders = BIT(order);
	if (order == PUD_ORDER)
		t->huge_orders |= BIT(PMD_ORDER);
	t->map_align = PAGE_SIZE << order;
}

/* The memory-type bits of a PMD or PUD leaf's pgprot. */
static unsigned long __maybe_unused pfnmap_huge_cache_bits(pgprot_t prot)
{
#ifdef CONFIG_X86
	/* Leaves have PSE where PTEs have the PAT bit. */
	return pfnmap_cache_bits(pgprot_large_2_4k(prot));
#else
	return pfnmap_cache_bits(prot);
#endif
}

static unsigned long pfnmap_expected_cache_bits(struct pfnmap_test *t)
{
	pgprot_t shared = vm_get_page_prot(VM_READ | VM_WRITE | VM_SHARED);

	return pfnmap_cache_bits(pfnmap_test_prot(t->cache, shared));
}

/* Read the PMD for @addr; true if it is a present leaf. */
static bool pfnmap_read_pmd(struct mm_struct *mm, unsigned long addr,
			    pmd_t *out)
{
	bool found = false;
	spinlock_t *ptl;	/* the PMD's page table lock */
	pgd_t *pgd;
	p4d_t *p4d;
	pud_t *pud;
	pmd_t *pmd;

	*out = __pmd(0);
	mmap_read_lock(mm);
	pgd = pgd_offset(mm, addr);
	if (pgd_none(*pgd) || pgd_bad(*pgd))
		goto out;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(*p4d) || p4d_bad(*p4d))
		goto out;
	pud = pud_offset(p4d, addr);
	if (pud_none(pudp_get(pud)) || pud_leaf(pudp_get(pud)))
		goto out;
	pmd = pmd_offset(pud, addr);
	ptl = pmd_lock(mm, pmd);
	*out = pmdp_get(pmd);
	spin_unlock(ptl);
	found = pmd_present(*out) && pmd_leaf(*out);
out:
	mmap_read_unlock(mm);
	return found;
}

/* Read the PUD for @addr; true if it is a present leaf. */
static bool pfnmap_read_pud(struct mm_struct *mm, unsigned long addr,
			    pud_t *out)
{
	bool found = false;
	spinlock_t *ptl;	/* the PUD's page table lock */
	pgd_t *pgd;
	p4d_t *p4d;
	pud_t *pud;

	*out = __pud(0);
	mmap_read_lock(mm);
	pgd = pgd_offset(mm, addr);
	if (pgd_none(*pgd) || pgd_bad(*pgd))
		goto out;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(*p4d) || p4d_bad(*p4d))
		goto out;
	pud = pud_offset(p4d, addr);
	ptl = pud_lock(mm, pud);
	*out = pudp_get(pud);
	spin_unlock(ptl);
	found = pud_present(*out) && pud_leaf(*out);
out:
	mmap_read_unlock(mm);
	return found;
}

/*
 * Page @i of the mapping must be mapped by a special PMD leaf for the
 * aligned pfn, with the test's memory type, dirty and writable as given; a
 * dirty entry must also be young.
 */
#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
static void pfnmap_expect_pmd(struct pfnmap_test *t, unsigned long i,
			      bool dirty, bool write)
{
	unsigned long first = round_down(i, 1UL << PMD_ORDER);
	struct kunit *test = t->test;
	pmd_t pmd;

	KUNIT_ASSERT_TRUE_MSG(test, pfnmap_read_pmd(current->mm,
						    t->uaddr + i * PAGE_SIZE,
						    &pmd),
			      "no PMD leaf for page %lu", i);
	KUNIT_EXPECT_EQ(test, pmd_pfn(pmd), pfnmap_test_pfn(t, first));
	KUNIT_EXPECT_TRUE(test, pmd_special(pmd));
	KUNIT_EXPECT_EQ(test, pfnmap_huge_cache_bits(pmd_pgprot(pmd)),
			pfnmap_expected_cache_bits(t));
	KUNIT_EXPECT_EQ_MSG(test, !!pmd_dirty(pmd), dirty, "page %lu", i);
	KUNIT_EXPECT_EQ_MSG(test, !!pmd_write(pmd), write, "page %lu", i);
	if (dirty)
		KUNIT_EXPECT_TRUE_MSG(test, pmd_young(pmd), "page %lu", i);
}
#else
static void pfnmap_expect_pmd(struct pfnmap_test *t, unsigned long i,
			      bool dirty, bool write)
{
	KUNIT_FAIL(t->test, "no PMD leaves on this architecture");
}
#endif

#ifdef CONFIG_ARCH_SUPPORTS_PUD_PFNMAP
static void pfnmap_expect_pud(struct pfnmap_test *t, unsigned long i,
			      bool dirty, bool write)
{
	unsigned long first = round_down(i, 1UL << PUD_ORDER);
	struct kunit *test = t->test;
	pud_t pud;

	KUNIT_ASSERT_TRUE_MSG(test, pfnmap_read_pud(current->mm,
						    t->uaddr + i * PAGE_SIZE,
						    &pud),
			      "no PUD leaf for page %lu", i);
	KUNIT_EXPECT_EQ(test, pud_pfn(pud), pfnmap_test_pfn(t, first));
	KUNIT_EXPECT_TRUE(test, pud_special(pud));
	KUNIT_EXPECT_EQ(test, pfnmap_huge_cache_bits(pud_pgprot(pud)),
			pfnmap_expected_cache_bits(t));
	KUNIT_EXPECT_EQ_MSG(test, !!pud_dirty(pud), dirty, "page %lu", i);
	KUNIT_EXPECT_EQ_MSG(test, !!pud_write(pud), write, "page %lu", i);
	if (dirty)
		KUNIT_EXPECT_TRUE_MSG(test, pud_young(pud), "page %lu", i);
}
#else
static void pfnmap_expect_pud(struct pfnmap_test *t, unsigned long i,
			      bool dirty, bool write)
{
	KUNIT_FAIL(t->test, "no PUD leaves on this architecture");
}
#endif

/* Expect a leaf of @order for page @i. */
static void pfnmap_expect_huge(struct pfnmap_test *t, unsigned int order,
			       unsigned long i, bool dirty, bool write)
{
	if (order == PUD_ORDER)
		pfnmap_expect_pud(t, i, dirty, write);
	else
		pfnmap_expect_pmd(t, i, dirty, write);
}

/* No leaf of @order maps page @i. */
static bool pfnmap_no_huge(struct pfnmap_test *t, unsigned int order,
			   unsigned long i)
{
	unsigned long addr = t->uaddr + i * PAGE_SIZE;
	pmd_t pmd;
	pud_t pud;

	if (order == PUD_ORDER)
		return !pfnmap_read_pud(current->mm, addr, &pud);
	return !pfnmap_read_pmd(current->mm, addr, &pmd);
}

struct pfnmap_huge_param {
	enum pfnmap_cache cache;
	/* vmf_insert_pfn_pmd()/pud() rather than the _prot variants */
	bool plain;
	const char *desc;
};

static const struct pfnmap_huge_param pfnmap_huge_params[] = {
	{ PFNMAP_WC, false, "write-combined" },
	{ PFNMAP_UC, false, "uncached" },
	{ PFNMAP_WC, true, "write-combined range, vm_page_prot" },
};

static void pfnmap_huge_param_desc(const struct pfnmap_huge_param *p,
				   char *desc)
{
	strscpy(desc, p->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(pfnmap_huge, pfnmap_huge_params, pfnmap_huge_param_desc);

/*
 * One entry maps the whole aligned range with the caller's memory type: a
 * write fault leaves it young, dirty and writable; a read fault leaves it
 * clean, and a store makes it dirty without another ->huge_fault() call.
 */
static void pfnmap_huge_caching(struct kunit *test)
{
	unsigned int order = pfnmap_level_order(test);
	const struct pfnmap_huge_param *p = test->param_value;
	struct pfnmap_test *t = test->priv;
	unsigned long nr = 1UL << order, last = nr - 1;
	unsigned int level = order == PUD_ORDER;

	pfnmap_require(test, order);
	if (p->plain) {
		/* Only PAT makes vm_page_prot take the range's memory type. */
#ifdef CONFIG_X86_PAT
		if (!pat_enabled())
#endif
			kunit_skip(test,
				   "no PAT: vmf_insert_pfn_pmd()/pud() map with vm_page_prot, whatever the range");
		t->huge_plain = true;
	}
	pfnmap_test_set_cache(t, p->cache);
	pfnmap_test_map(t, PROT_READ | PROT_WRITE, nr);

	KUNIT_EXPECT_EQ(test, pfnmap_test_write(t, 1, 0xfeed), 1);
	KUNIT_EXPECT_EQ(test, t->huge_calls[level], 1);
	KUNIT_EXPECT_TRUE(test, t->huge_ret[level] == VM_FAULT_NOPAGE);
	KUNIT_EXPECT_EQ(test, t->fault_calls, 0);
	pfnmap_expect_huge(t, order, 1, true, true);
	/* The last page is mapped by the same entry. */
	KUNIT_EXPECT_EQ(test, pfnmap_test_read(t, last), 0);
	pfnmap_test_unmap(t);

	pfnmap_test_map(t, PROT_READ | PROT_WRITE, nr);
	KUNIT_EXPECT_EQ(test, pfnmap_test_read(t, last), 1);
	KUNIT_EXPECT_EQ(test, t->huge_calls[level], 2);
	pfnmap_expect_huge(t, order, 0, false, true);
	KUNIT_EXPECT_EQ(test, pfnmap_test_write(t, 0, 0xbeef),
			t->clean_write_faults ? 1 : 0);
	KUNIT_EXPECT_EQ(test, t->huge_calls[level], 2);
	KUNIT_EXPECT_EQ(test, t->fault_calls, 0);
	pfnmap_expect_huge(t, order, 0, true, true);
	pfnmap_test_unmap(t);
}

/*
 * A pfn that is not aligned to the entry size: the insert function falls
 * back and the next level maps the same data.
 */
static void pfnmap_huge_misaligned_pfn(struct kunit *test)
{
	unsigned int order = pfnmap_level_order(test);
	struct pfnmap_test *t = test->priv;
	unsigned long nr = 1UL << order;
	unsigned int level = order == PUD_ORDER;
	pte_t pte;

	pfnmap_require(test, order);
	t->insert = PFNMAP_INSERT_MKWRITE_ON_WRITE;
	t->pfn_offset = 1;
	if (order == PUD_ORDER) {
		/*
		 * Misaligned for a PUD, aligned for a PMD. Let the handler
		 * pass the pfn on, but only touch pages inside the range.
		 */
		t->pfn_offset = 1UL << PMD_ORDER;
		t->backed += t->pfn_offset;
	}
	pfnmap_test_set_cache(t, PFNMAP_WC);
	pfnmap_test_map(t, PROT_READ | PROT_WRITE, nr);

	KUNIT_EXPECT_EQ(test, pfnmap_test_read(t, 2), 1);
	KUNIT_EXPECT_EQ(test, t->huge_calls[level], 1);
	KUNIT_EXPECT_TRUE(test, t->huge_ret[level] == VM_FAULT_FALLBACK);
	KUNIT_EXPECT_TRUE(test, pfnmap_no_huge(t, order, 2));
	if (order == PUD_ORDER) {
		/* The PMD-aligned pfn is mapped by a PMD. */
		KUNIT_EXPECT_TRUE(test, t->huge_ret[0] == VM_FAULT_NOPAGE);
		pfnmap_expect_pmd(t, 2, false, true);
		KUNIT_EXPECT_EQ(test, t->fault_calls, 0);
	} else {
		KUNIT_EXPECT_EQ(test, t->fault_calls, 1);
		pfnmap_expect_mapped(t, 2, false, true);
		KUNIT_EXPECT_EQ(test, pfnmap_test_write(t, nr - 1, 0x99), 1);
		KUNIT_EXPECT_TRUE(test, pfnmap_read_pte(current->mm,
							t->uaddr + (nr - 1) *
							PAGE_SIZE, &pte));
		KUNIT_EXPECT_EQ(test, pte_pfn(pte), pfnmap_test_pfn(t, nr - 1));
	}
	pfnmap_test_unmap(t);
}

/*
 * A mapping that ends inside an aligned range: that range falls back, the
 * ranges before it still get a leaf.
 */
static void pfnmap_huge_past_vma(struct kunit *test)
{
	unsigned int order = pfnmap_level_order(test);
	struct pfnmap_test *t = test->priv;
	unsigned long nr = 1UL << order, half = nr / 2;
	unsigned int level = order == PUD_ORDER;

	pfnmap_require(test, order);
	pfnmap_test_set_cache(t, PFNMAP_UC);
	/* Half a range past the first one; the PMD backing has two ranges. */
	if (order == PUD_ORDER) {
		/* Only one 1 GiB range: map half of it, at a PUD boundary. */
		pfnmap_test_map(t, PROT_READ | PROT_WRITE, half);
		KUNIT_EXPECT_EQ(test, pfnmap_test_read(t, half - 1), 1);
		KUNIT_EXPECT_TRUE(test,
				  t->huge_ret[level] == VM_FAULT_FALLBACK);
		KUNIT_EXPECT_TRUE(test, pfnmap_no_huge(t, order, half - 1));
		pfnmap_expect_pmd(t, half - 1, false, true);
		pfnmap_test_unmap(t);
		return;
	}
	pfnmap_test_map(t, PROT_READ | PROT_WRITE, nr + half);
	KUNIT_EXPECT_EQ(test, pfnmap_test_read(t, 0), 1);
	KUNIT_EXPECT_TRUE(test, t->huge_ret[level] == VM_FAULT_NOPAGE);
	pfnmap_expect_pmd(t, 0, false, true);

	KUNIT_EXPECT_EQ(test, pfnmap_test_read(t, nr + half - 1), 1);
	KUNIT_EXPECT_EQ(test, t->huge_calls[level], 2);
	KUNIT_EXPECT_TRUE(test, t->huge_ret[level] == VM_FAULT_FALLBACK);
	KUNIT_EXPECT_TRUE(test, pfnmap_no_huge(t, order, nr + half - 1));
	pfnmap_expect_mapped(t, nr + half - 1, false, true);
	KUNIT_EXPECT_EQ(test, t->fault_calls, 1);
	pfnmap_test_unmap(t);
}

/*
 * Neither fast GUP nor GUP may take a reference through a huge pfn entry:
 * the pfns are the driver's, with or without a struct page.
 */
static void pfnmap_huge_gup_fails(struct kunit *test)
{
	unsigned int order = pfnmap_level_order(test);
	struct pfnmap_test *t = test->priv;
	unsigned long nr = 1UL << order;
	struct page *page = NULL, *backing = NULL;
	unsigned long addr;
	int refs = 0, ret;

	pfnmap_require(test, order);
	pfnmap_test_map(t, PROT_READ | PROT_WRITE, nr);
	KUNIT_EXPECT_EQ(test, pfnmap_test_read(t, 0), 1);
	pfnmap_expect_huge(t, order, 0, false, true);

	addr = t->uaddr + (nr / 2) * PAGE_SIZE;
	if (pfn_valid(pfnmap_test_pfn(t, nr / 2))) {
		backing = pfn_to_page(pfnmap_test_pfn(t, nr / 2));
		refs = page_ref_count(backing);
	}

	ret = get_user_pages_fast_only(addr, 1, 0, &page);
	KUNIT_EXPECT_EQ(test, ret, 0);
	if (ret > 0)
		put_page(page);
	ret = get_user_pages_fast(addr, 1, 0, &page);
	KUNIT_EXPECT_EQ(test, ret, -EFAULT);
	if (ret > 0)
		put_page(page);
	ret = pin_user_pages_fast(addr, 1, FOLL_WRITE | FOLL_LONGTERM, &page);
	KUNIT_EXPECT_EQ(test, ret, -EFAULT);
	if (ret > 0)
		unpin_user_page(page);
	if (backing)
		KUNIT_EXPECT_EQ(test, page_ref_count(backing), refs);

	/* Nothing changed: the entry is still there. */
	pfnmap_expect_huge(t, order, 0, false, true);
	pfnmap_test_unmap(t);
}

/*
 * Map @nr pages write-combined, for entries of @order, and write @val to
 * page @i: one fault, and a dirty writable leaf at page 0.
 */
static void pfnmap_huge_map_written(struct pfnmap_test *t, unsigned int order,
				    unsigned long nr, unsigned long i, u32 val)
{
	pfnmap_require(t->test, order);
	pfnmap_test_set_cache(t, PFNMAP_WC);
	pfnmap_test_map(t, PROT_READ | PROT_WRITE, nr);
	KUNIT_EXPECT_EQ(t->test, pfnmap_test_write(t, i, val), 1);
	pfnmap_expect_huge(t, order, 0, true, true);
}

/*
 * Unmapping part of a huge entry zaps all of it, and the next faults map
 * what is left with smaller entries of the same memory type.
 */
static void pfnmap_huge_partial_munmap(struct kunit *test)
{
	unsigned int order = pfnmap_level_order(test);
	struct pfnmap_test *t = test->priv;
	unsigned long nr = 1UL << order;
	unsigned long hole = order == PUD_ORDER ? 1UL << PMD_ORDER : 1;
	u32 val = 0;

	pfnmap_huge_map_written(t, order, nr, 0, 0x2222);

	/* Punch a hole of one page, or of one PMD in a PUD. */
	KUNIT_ASSERT_EQ(test, vm_munmap(t->uaddr + hole * PAGE_SIZE,
					hole * PAGE_SIZE), 0);
	KUNIT_EXPECT_TRUE(test, pfnmap_no_huge(t, order, 0));
	KUNIT_EXPECT_TRUE(test, pfnmap_no_huge(t, order, 2 * hole));

	/* Nothing stale: the data written before reads back after refault. */
	KUNIT_EXPECT_EQ(test, pfnmap_test_read(t, 0), 1);
	KUNIT_EXPECT_EQ(test, get_user(val, pfnmap_test_user(t, 0) + 1), 0);
	KUNIT_EXPECT_EQ(test, val, 0x2222);
	if (order == PUD_ORDER) {
		pfnmap_expect_pmd(t, 0, false, true);
	} else {
		pfnmap_expect_mapped(t, 0, false, true);
		KUNIT_EXPECT_EQ(test, t->fault_calls, 1);
	}
	KUNIT_EXPECT_EQ(test, pfnmap_test_read(t, nr - 1), 1);
	if (order == PUD_ORDER)
		pfnmap_expect_pmd(t, nr - 1, false, true);
	else
		pfnmap_expect_mapped(t, nr - 1, false, true);
	pfnmap_test_unmap(t);
}

struct pfnmap_fork {
	struct pfnmap_test *t;
	unsigned int order;
	/* what the child saw */
	bool huge;
	unsigned long pfn;
	unsigned long cache_bits;
	int ret;
	u32 val;
	unsigned long faults;
	bool old_faults;
};

/* The child: look at the copied page table, read and write through it. */
static int pfnmap_fork_child(void *data)
{
	struct pfnmap_fork *f = data;
	struct pfnmap_test *t = f->t;
	u32 __user *p = pfnmap_test_user(t, 2);
	pmd_t __maybe_unused pmd;
	pud_t __maybe_unused pud;

#ifdef CONFIG_ARCH_SUPPORTS_PUD_PFNMAP
	if (f->order == PUD_ORDER) {
		f->huge = pfnmap_read_pud(current->mm, t->uaddr, &pud);
		f->pfn = pud_pfn(pud);
		f->cache_bits = pfnmap_huge_cache_bits(pud_pgprot(pud));
	}
#endif
#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
	if (f->order == PMD_ORDER) {
		f->huge = pfnmap_read_pmd(current->mm, t->uaddr, &pmd);
		f->pfn = pmd_pfn(pmd);
		f->cache_bits = pfnmap_huge_cache_bits(pmd_pgprot(pmd));
	}
#endif
	migrate_disable();
	f->old_faults = pfnmap_old_faults();
	f->ret = get_user(f->val, p + 1);
	if (!f->ret)
		f->ret = put_user(0x6666, p + 2);
	migrate_enable();
	f->faults = pfnmap_fault_count();
	do_exit(0);
}

/* fork() with pfnmap_fork_child() as the child; back once it is gone. */
static void pfnmap_fork_run(struct kunit *test, struct pfnmap_fork *f)
{
	struct kernel_clone_args args = {
		.flags = CLONE_VFORK | CLONE_UNTRACED,
		.exit_signal = SIGCHLD,
		.fn = pfnmap_fork_child,
		.fn_arg = f,
	};

	KUNIT_ASSERT_GT(test, kernel_clone(&args), 0);
}

/*
 * fork() copies the huge entries of a shared pfn mapping as they are, but
 * old: the child uses them without a fault (but for the access flag where
 * hardware does not set it), and its stores reach the same memory.
 */
static void pfnmap_huge_fork(struct kunit *test)
{
	unsigned int order = pfnmap_level_order(test);
	struct pfnmap_test *t = test->priv;
	unsigned long nr = 1UL << order;
	struct pfnmap_fork f = { .t = t, .order = order, .ret = -EINVAL };

	pfnmap_huge_map_written(t, order, nr, 2, 0x5555);
	pfnmap_fork_run(test, &f);

	KUNIT_EXPECT_TRUE(test, f.huge);
	KUNIT_EXPECT_EQ(test, f.pfn, pfnmap_test_pfn(t, 0));
	KUNIT_EXPECT_EQ(test, f.cache_bits, pfnmap_expected_cache_bits(t));
	KUNIT_EXPECT_EQ(test, f.ret, 0);
	KUNIT_EXPECT_EQ(test, f.val, 0x5555);
	KUNIT_EXPECT_EQ(test, f.faults, f.old_faults ? 1 : 0);
	KUNIT_EXPECT_EQ(test, pfnmap_kread(t, t->pfn_offset + 2, 2), 0x6666);
	/* The parent's entry is untouched. */
	pfnmap_expect_huge(t, order, 0, true, true);
	KUNIT_EXPECT_EQ(test, t->huge_calls[order == PUD_ORDER], 1);
	pfnmap_test_unmap(t);
}

/* Move page tables within the test's vma, as relocate_vma_down() does. */
static unsigned long pfnmap_move_tables(struct pfnmap_test *t,
					unsigned long from, unsigned long to,
					unsigned long len)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	unsigned long moved = 0;

	mmap_write_lock(mm);
	vma = vma_lookup(mm, from);
	if (vma) {
		PAGETABLE_MOVE(pmc, vma, vma, from, to, len);

		vma_start_write(vma);
		moved = move_page_tables(&pmc);
	}
	mmap_write_unlock(mm);
	return moved;
}

/* The pfn and memory type of the leaf of @order at @addr, if there is one. */
static bool pfnmap_read_huge(struct pfnmap_test *t, unsigned int order,
			     unsigned long addr, unsigned long *pfn,
			     unsigned long *cache_bits)
{
	bool found = false;
	pmd_t __maybe_unused pmd;
	pud_t __maybe_unused pud;

#ifdef CONFIG_ARCH_SUPPORTS_PUD_PFNMAP
	if (order == PUD_ORDER && pfnmap_read_pud(current->mm, addr, &pud)) {
		*pfn = pud_pfn(pud);
		*cache_bits = pfnmap_huge_cache_bits(pud_pgprot(pud));
		found = true;
	}
#endif
#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
	if (order == PMD_ORDER && pfnmap_read_pmd(current->mm, addr, &pmd)) {
		*pfn = pmd_pfn(pmd);
		*cache_bits = pfnmap_huge_cache_bits(pmd_pgprot(pmd));
		found = true;
	}
#endif
	return found;
}

/*
 * Page tables moved as mremap() moves them (move_page_tables()): a leaf
 * whose old and new place are aligned moves whole, with its pfn and memory
 * type, and is used there without a fault; a leaf that cannot move whole
 * is split (zapped), never cleared as a bad entry or read as a table.
 */
static void pfnmap_huge_move(struct kunit *test)
{
	unsigned int order = pfnmap_level_order(test);
	struct pfnmap_test *t = test->priv;
	unsigned long nr = 1UL << order;
	unsigned long size = nr << PAGE_SHIFT;
	/* a misalignment at this level: a PMD in a PUD, a page in a PMD */
	unsigned long skew = order == PUD_ORDER ? 1UL << PMD_ORDER : 1;
	/* the range, moved by its size, then by its size and the skew */
	unsigned long total = 3 * nr + skew;
	unsigned long pfn = 0, cache_bits = 0;
	unsigned int huge_calls;
	u32 val = 0;

	pfnmap_huge_map_written(t, order, total, 2, 0x7777);
	huge_calls = t->huge_calls[order == PUD_ORDER];

	KUNIT_EXPECT_EQ(test, pfnmap_move_tables(t, t->uaddr, t->uaddr + size,
						 size), size);
	KUNIT_EXPECT_TRUE(test, pfnmap_no_huge(t, order, 0));
	KUNIT_EXPECT_TRUE_MSG(test, pfnmap_read_huge(t, order, t->uaddr + size,
						     &pfn, &cache_bits),
			      "the leaf did not move");
	KUNIT_EXPECT_EQ(test, pfn, pfnmap_test_pfn(t, 0));
	KUNIT_EXPECT_EQ(test, cache_bits, pfnmap_expected_cache_bits(t));
	KUNIT_EXPECT_EQ(test, get_user(val, pfnmap_test_user(t, nr + 2) + 1), 0);
	KUNIT_EXPECT_EQ(test, val, 0x7777);
	KUNIT_EXPECT_EQ(test, t->huge_calls[order == PUD_ORDER], huge_calls);

	/* Misaligned: split, nothing left at either place. */
	KUNIT_EXPECT_EQ(test, pfnmap_move_tables(t, t->uaddr + size,
						 t->uaddr + 2 * size +
						 skew * PAGE_SIZE, size),
			size);
	KUNIT_EXPECT_TRUE(test, pfnmap_no_huge(t, order, nr));
	KUNIT_EXPECT_TRUE(test, pfnmap_no_huge(t, order, 2 * nr + skew));
	KUNIT_EXPECT_TRUE(test, pfnmap_no_huge(t, order, 3 * nr));
	pfnmap_test_unmap(t);
}

/*
 * madvise() of part of a huge entry splits the vma, and the entry with it
 * (zapped, as a split of a PFN leaf is): fork() finds nothing larger than
 * the vma to copy, and the child maps what it touches by itself, inside
 * its vma. Without the PUD split, fork() copies the whole leaf into the
 * smaller vma.
 */
static void pfnmap_huge_dontfork(struct kunit *test)
{
	unsigned int order = pfnmap_level_order(test);
	struct pfnmap_test *t = test->priv;
	unsigned long nr = 1UL << order;
	/* one page of a PMD; one PMD of a PUD: page 2 stays outside it */
	unsigned long hole = order == PUD_ORDER ? 1UL << PMD_ORDER : 1;
	unsigned long start = order == PUD_ORDER ? hole : 3;
	struct pfnmap_fork f = { .t = t, .order = order, .ret = -EINVAL };

	pfnmap_huge_map_written(t, order, nr, 2, 0x5555);
	KUNIT_ASSERT_EQ(test, do_madvise(current->mm,
					 t->uaddr + start * PAGE_SIZE,
					 hole * PAGE_SIZE, MADV_DONTFORK), 0);
	KUNIT_EXPECT_TRUE(test, pfnmap_no_huge(t, order, 0));
	KUNIT_EXPECT_TRUE(test, pfnmap_no_huge(t, order, nr - 1));

	pfnmap_fork_run(test, &f);

	/* Nothing was copied; the child faulted page 2 in, with its data. */
	KUNIT_EXPECT_FALSE_MSG(test, f.huge,
			       "fork() copied a leaf larger than the vma");
	KUNIT_EXPECT_EQ(test, f.ret, 0);
	KUNIT_EXPECT_EQ(test, f.val, 0x5555);
	KUNIT_EXPECT_GE(test, f.faults, 1);
	KUNIT_EXPECT_EQ(test, pfnmap_kread(t, t->pfn_offset + 2, 2), 0x6666);
	pfnmap_test_unmap(t);
}

/*
 * A huge insert for a write fault finds a page table where the fault found
 * the entry empty: a fault in the same range fell back to smaller entries
 * in between. The table stays, with its PTEs, the insert returns
 * VM_FAULT_NOPAGE for the access to be retried, and nothing warns.
 */
static void pfnmap_huge_insert_over_table(struct kunit *test)
{
	unsigned int order = pfnmap_level_order(test);
	struct pfnmap_test *t = test->priv;
	unsigned long nr = 1UL << order;
	struct vm_area_struct *vma;
	struct mm_struct *mm;
	vm_fault_t ret = 0;
	pte_t pte;

	pfnmap_require(test, order);
	/* The range is mapped by PTEs first. */
	t->huge_orders = 0;
	pfnmap_test_map(t, PROT_READ | PROT_WRITE, nr);
	KUNIT_EXPECT_EQ(test, pfnmap_test_read(t, 2), 1);
	mm = current->mm;
	KUNIT_ASSERT_TRUE(test, pfnmap_read_pte(mm, t->uaddr + 2 * PAGE_SIZE,
						&pte));

	mmap_read_lock(mm);
	vma = vma_lookup(mm, t->uaddr);
	kunit_warning_suppress(test) {
		struct vm_fault vmf = {
			.vma = vma,
			.address = t->uaddr,
			.flags = FAULT_FLAG_WRITE,
		};
		pgd_t *pgd = pgd_offset(mm, t->uaddr);
		p4d_t *p4d = p4d_offset(pgd, t->uaddr);

		vmf.pud = pud_offset(p4d, t->uaddr);
		vmf.pmd = pmd_offset(vmf.pud, t->uaddr);
		if (vma)
			ret = pfnmap_insert_huge(&vmf, order,
						 pfnmap_test_pfn(t, 0),
						 vma->vm_page_prot, true,
						 false);
		KUNIT_EXPECT_SUPPRESSED_WARNING_COUNT(test, 0);
	}
	mmap_read_unlock(mm);
	KUNIT_EXPECT_TRUE(test, ret == VM_FAULT_NOPAGE);
	KUNIT_EXPECT_TRUE(test, pfnmap_no_huge(t, order, 0));
	KUNIT_EXPECT_TRUE(test, pfnmap_read_pte(mm, t->uaddr + 2 * PAGE_SIZE,
						&pte));
	KUNIT_EXPECT_EQ(test, pte_pfn(pte), pfnmap_test_pfn(t, 2));
	pfnmap_test_unmap(t);
}

#ifdef CONFIG_X86
/*
 * x86 without 1 GiB pages: a PUD leaf would be a reserved-bit fault for
 * the CPU, so vmf_insert_pfn_pud_prot() falls back, and the range is
 * mapped by PMD leaves.
 */
static void pfnmap_huge_no_gbpages(struct kunit *test)
{
	struct pfnmap_test *t = test->priv;
	unsigned long nr = 1UL << PUD_ORDER;

	if (!IS_ENABLED(CONFIG_ARCH_SUPPORTS_PUD_PFNMAP))
		kunit_skip(test,
			   "no PUD-sized PFN mappings here: CONFIG_ARCH_SUPPORTS_PUD_PFNMAP is off");
	if (boot_cpu_has(X86_FEATURE_GBPAGES))
		kunit_skip(test,
			   "the CPU has 1 GiB pages: the matrix runs this case on a qemu64 CPU (variant x86_64-nogb)");
	if (!t->nr_pages)
		kunit_skip(test,
			   "no 1 GiB range to map: boot with memmap=1G$<base> pfnmap_kunit.pud_base=<base>");

	/* What pfnmap_require() sets up; it skips on such a CPU. */
	t->huge_orders = BIT(PUD_ORDER) | BIT(PMD_ORDER);
	t->map_align = PUD_SIZE;
	pfnmap_test_set_cache(t, PFNMAP_UC);
	pfnmap_test_map(t, PROT_READ | PROT_WRITE, nr);
	KUNIT_EXPECT_EQ(test, pfnmap_test_read(t, nr - 5), 1);
	KUNIT_EXPECT_EQ(test, t->huge_calls[1], 1);
	KUNIT_EXPECT_TRUE(test, t->huge_ret[1] == VM_FAULT_FALLBACK);
	KUNIT_EXPECT_EQ(test, t->huge_calls[0], 1);
	KUNIT_EXPECT_TRUE(test, pfnmap_no_huge(t, PUD_ORDER, nr - 5));
	pfnmap_expect_pmd(t, nr - 5, false, true);
	KUNIT_EXPECT_EQ(test, t->fault_calls, 0);
	pfnmap_test_unmap(t);
}
#else
static void pfnmap_huge_no_gbpages(struct kunit *test)
{
	kunit_skip(test,
		   "x86 only: elsewhere a CPU with PUD-sized PFN mappings can walk PUD leaves");
}
#endif

/*
 * Bad input gets an error code, never a crash and never an entry: a vma
 * without VM_PFNMAP, a private (COW) mapping, an address outside the vma.
 */
static void pfnmap_huge_bad_input(struct kunit *test)
{
	unsigned int order = pfnmap_level_order(test);
	struct pfnmap_test *t = test->priv;
	unsigned long nr = 1UL << order;
	vm_fault_t anon_ret = 0, outside_ret = 0;
	struct mm_struct *mm;
	struct vm_area_struct *vma;
	unsigned long anon;
	unsigned long pfn;
	u32 val;

	pfnmap_require(test, order);
	pfn = pfnmap_test_pfn(t, 0);

	/* An anonymous vma: huge enough, but no VM_PFNMAP. */
	anon = kunit_vm_mmap(test, NULL, 0, 2 * (nr << PAGE_SHIFT),
			     PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_FALSE(test, !anon || IS_ERR_VALUE(anon));
	anon = ALIGN(anon, nr << PAGE_SHIFT);

	pfnmap_test_map(t, PROT_READ | PROT_WRITE, nr);
	/* kunit_vm_mmap() gave the test thread an mm. */
	mm = current->mm;
	mmap_read_lock(mm);
	vma = vma_lookup(mm, anon);
	if (vma) {
		struct vm_fault vmf = {
			.vma = vma,
			.address = anon,
			.flags = FAULT_FLAG_WRITE,
		};

		anon_ret = pfnmap_insert_huge(&vmf, order, pfn,
					      vma->vm_page_prot, true, false);
	}
	vma = vma_lookup(mm, t->uaddr);
	if (vma) {
		struct vm_fault vmf = {
			.vma = vma,
			.address = vma->vm_end,
		};

		outside_ret = pfnmap_insert_huge(&vmf, order, pfn,
						 vma->vm_page_prot, false,
						 false);
	}
	mmap_read_unlock(mm);
	KUNIT_EXPECT_TRUE(test, anon_ret == VM_FAULT_SIGBUS);
	KUNIT_EXPECT_TRUE(test, pfnmap_no_huge(t, order,
					       (anon - t->uaddr) >> PAGE_SHIFT));
	KUNIT_EXPECT_TRUE(test, outside_ret == VM_FAULT_SIGBUS);
	KUNIT_EXPECT_TRUE(test, pfnmap_no_huge(t, order, nr));
	KUNIT_EXPECT_TRUE(test, pfnmap_no_huge(t, order, 0));
	pfnmap_test_unmap(t);

	/* A private mapping of a pfnmap: the fault fails with SIGBUS. */
	t->allow_cow = true;
	pfnmap_test_map_flags(t, PROT_READ | PROT_WRITE, nr, MAP_PRIVATE);
	KUNIT_EXPECT_EQ(test, get_user(val, pfnmap_test_user(t, 0)), -EFAULT);
	KUNIT_EXPECT_EQ(test, val, 0);
	KUNIT_EXPECT_TRUE(test, t->huge_ret[order == PUD_ORDER] ==
				VM_FAULT_SIGBUS);
	KUNIT_EXPECT_TRUE(test, pfnmap_no_huge(t, order, 0));
	KUNIT_EXPECT_EQ(test, t->fault_calls, 0);
	pfnmap_test_unmap(t);
}

struct pfnmap_pat_param {
	enum pfnmap_cache cache;
	const char *desc;
};

static const struct pfnmap_pat_param pfnmap_pat_params[] = {
	{ PFNMAP_WT, "write-through" },
	{ PFNMAP_WP, "write-protect" },
};

static void pfnmap_pat_param_desc(const struct pfnmap_pat_param *p,
				  char *desc)
{
	strscpy(desc, p->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(pfnmap_pat, pfnmap_pat_params, pfnmap_pat_param_desc);

/*
 * The memory types whose PAT index has the PAT bit set (write-through and
 * write-protect in Linux's PAT layout): in a PMD or PUD leaf that bit is
 * bit 12, while bit 7, where PTEs have it, is PSE.  The leaf must carry the
 * type the range has, not the type the other two bits alone select
 * (write-through became uncached, write-protect became write-combined).
 * The range must be outside RAM (RAM pages cannot be write-protect), so
 * both levels use the range at pud_base.
 */
static void pfnmap_huge_pat_types(struct kunit *test)
{
#ifdef CONFIG_X86
	const struct pfnmap_pat_param *p = test->param_value;
	unsigned int order = pfnmap_level_order(test);
	enum page_cache_mode want, got;
	unsigned long nr = 1UL << order;
	struct pfnmap_test *t;

	want = p->cache == PFNMAP_WT ? _PAGE_CACHE_MODE_WT :
				       _PAGE_CACHE_MODE_WP;
	if (!pat_enabled())
		kunit_skip(test, "PAT is off: no write-through or write-protect memory type");
	if (!pud_base)
		kunit_skip(test,
			   "no range outside RAM: boot with memmap=1G$<base> pfnmap_kunit.pud_base=<base>");
	if (order == PMD_ORDER) {
		/* A test of its own on the range, instead of pages. */
		KUNIT_ASSERT_EQ(test, pfnmap_test_setup(test, PUD_ORDER), 0);
		pfnmap_require(test, PUD_ORDER);
		t = test->priv;
		t->huge_orders = BIT(PMD_ORDER);
		t->map_align = PMD_SIZE;
	} else {
		pfnmap_require(test, order);
		t = test->priv;
	}
	KUNIT_ASSERT_EQ(test, memtype_reserve(PFN_PHYS(t->base_pfn),
					      PFN_PHYS(t->base_pfn + t->nr_pages),
					      want, &got), 0);
	t->memtype_reserved = true;
	KUNIT_ASSERT_EQ(test, got, want);
	t->cache = p->cache;
	t->check_data = false;

	pfnmap_test_map(t, PROT_READ | PROT_WRITE, nr);
	KUNIT_EXPECT_TRUE(test, pfnmap_test_inject(t, 1, FAULT_FLAG_WRITE) ==
				VM_FAULT_NOPAGE);
	KUNIT_EXPECT_TRUE(test, t->huge_ret[order == PUD_ORDER] ==
				VM_FAULT_NOPAGE);
	pfnmap_expect_huge(t, order, 1, true, true);
	KUNIT_EXPECT_EQ(test, t->fault_calls, 0);
	pfnmap_test_unmap(t);
#else
	kunit_skip(test, "write-through and write-protect are x86 PAT memory types");
#endif
}

/*
 * A huge PFN entry in a VM_MIXEDMAP vma: GUP must refuse it as it refuses
 * a PFN PTE there (a special PTE has no page for vm_normal_page()), and
 * take no reference on what the pfn points at.  Fast GUP refuses special
 * leaves; slow GUP used to take the page of any leaf.
 */
static void pfnmap_huge_gup_mixedmap(struct kunit *test)
{
	unsigned int order = pfnmap_level_order(test);
	struct pfnmap_test *t = test->priv;
	unsigned long nr = 1UL << order;
	struct page *page = NULL, *backing = NULL;
	unsigned long addr;
	int refs = 0, ret;
	vm_fault_t fret;

	pfnmap_require(test, order);
	t->mixedmap = true;
	pfnmap_test_map(t, PROT_READ | PROT_WRITE, nr);
	/* Through ->huge_fault() only: ->fault() fails for VM_MIXEDMAP. */
	fret = pfnmap_test_inject(t, 0, FAULT_FLAG_WRITE);
	if (!t->huge_calls[order == PUD_ORDER])
		kunit_skip(test,
			   "no huge faults in a VM_MIXEDMAP vma: THP is disabled (transparent_hugepage=never)");
	KUNIT_ASSERT_TRUE(test, fret == VM_FAULT_NOPAGE);
	pfnmap_expect_huge(t, order, 0, true, true);
	KUNIT_EXPECT_EQ(test, t->fault_calls, 0);

	/*
	 * The first page: where the backing has struct pages, it is the one
	 * with a reference count of its own, so that GUP without the fix
	 * succeeds here instead of warning about a tail page.
	 */
	addr = t->uaddr;
	if (pfn_valid(pfnmap_test_pfn(t, 0))) {
		backing = pfn_to_page(pfnmap_test_pfn(t, 0));
		refs = page_ref_count(backing);
	}
	/* -EEXIST, as for a PFN PTE: the walk found the leaf, and refused. */
	ret = get_user_pages_fast(addr, 1, 0, &page);
	KUNIT_EXPECT_EQ_MSG(test, ret, -EEXIST, "GUP took a page of a PFN leaf");
	if (ret > 0)
		put_page(page);
	ret = pin_user_pages_fast(addr, 1, FOLL_WRITE | FOLL_LONGTERM, &page);
	KUNIT_EXPECT_EQ_MSG(test, ret, -EEXIST, "GUP pinned a page of a PFN leaf");
	if (ret > 0)
		unpin_user_page(page);
	if (backing)
		KUNIT_EXPECT_EQ(test, page_ref_count(backing), refs);
	pfnmap_expect_huge(t, order, 0, true, true);
	pfnmap_test_unmap(t);
}

/*
 * Both suites run the same cases, from arrays of their own: KUnit keeps a
 * case's result in its struct kunit_case.
 */
static struct kunit_case pfnmap_pmd_cases[] = {
	KUNIT_CASE_PARAM(pfnmap_huge_caching, pfnmap_huge_gen_params),
	KUNIT_CASE(pfnmap_huge_misaligned_pfn),
	KUNIT_CASE(pfnmap_huge_past_vma),
	KUNIT_CASE(pfnmap_huge_gup_fails),
	KUNIT_CASE(pfnmap_huge_gup_mixedmap),
	KUNIT_CASE_PARAM(pfnmap_huge_pat_types, pfnmap_pat_gen_params),
	KUNIT_CASE(pfnmap_huge_partial_munmap),
	KUNIT_CASE(pfnmap_huge_fork),
	KUNIT_CASE(pfnmap_huge_move),
	KUNIT_CASE(pfnmap_huge_dontfork),
	KUNIT_CASE(pfnmap_huge_insert_over_table),
	KUNIT_CASE(pfnmap_huge_bad_input),
	{}
};

static struct kunit_case pfnmap_pud_cases[] = {
	KUNIT_CASE_PARAM(pfnmap_huge_caching, pfnmap_huge_gen_params),
	KUNIT_CASE(pfnmap_huge_misaligned_pfn),
	KUNIT_CASE(pfnmap_huge_past_vma),
	KUNIT_CASE(pfnmap_huge_gup_fails),
	KUNIT_CASE(pfnmap_huge_gup_mixedmap),
	KUNIT_CASE_PARAM(pfnmap_huge_pat_types, pfnmap_pat_gen_params),
	KUNIT_CASE(pfnmap_huge_partial_munmap),
	KUNIT_CASE(pfnmap_huge_fork),
	KUNIT_CASE(pfnmap_huge_move),
	KUNIT_CASE(pfnmap_huge_dontfork),
	KUNIT_CASE(pfnmap_huge_insert_over_table),
	KUNIT_CASE(pfnmap_huge_bad_input),
	KUNIT_CASE(pfnmap_huge_no_gbpages),
	{}
};

static int pfnmap_pmd_init(struct kunit *test)
{
	int ret = pfnmap_test_setup(test, PFNMAP_PMD_BACKING <= MAX_PAGE_ORDER ?
					  PFNMAP_PMD_BACKING : 0);

	if (!ret)
		((struct pfnmap_test *)test->priv)->level_order = PMD_ORDER;
	return ret;
}

static int pfnmap_pud_init(struct kunit *test)
{
	int ret = pfnmap_test_setup(test, PUD_ORDER);

	if (!ret)
		((struct pfnmap_test *)test->priv)->level_order = PUD_ORDER;
	return ret;
}

static struct kunit_suite pfnmap_pmd_suite = {
	.name = "pfnmap_pmd",
	.init = pfnmap_pmd_init,
	.test_cases = pfnmap_pmd_cases,
};

static struct kunit_suite pfnmap_pud_suite = {
	.name = "pfnmap_pud",
	.init = pfnmap_pud_init,
	.test_cases = pfnmap_pud_cases,
};

/*
 * FAULT_FLAG_SPLIT_HUGE: a fault that must leave the address mapped by a
 * PTE, as x86 asks for after an RMP violation through a huge mapping.
 */

#define FAULT_SPLIT_PAGE	37
#define FAULT_SPLIT_PMD_PAGES	(PMD_SIZE >> PAGE_SHIFT)

/* The sum over all CPUs of vm event @item (0 without event counters). */
static unsigned long __maybe_unused
fault_split_events(struct kunit *test, enum vm_event_item item)
{
	unsigned long *ev;

	ev = kunit_kcalloc(test, NR_VM_EVENT_ITEMS, sizeof(*ev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ev);
	all_vm_events(ev);
	return ev[item];
}

/* @len of private anonymous memory, PMD aligned, THP asked for or not. */
static unsigned long __maybe_unused
fault_split_map_anon(struct kunit *test, unsigned long len, bool thp)
{
	unsigned long addr;

	addr = kunit_vm_mmap(test, NULL, 0, len + PMD_SIZE,
			     PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_FALSE(test, !addr || IS_ERR_VALUE(addr));
	addr = ALIGN(addr, PMD_SIZE);
	KUNIT_ASSERT_EQ(test, do_madvise(current->mm, addr, len,
					 thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE),
			0);
	return addr;
}

/*
 * An anonymous THP mapped by a PMD: the fault splits the PMD into a page
 * table of PTEs to the same pages, the data stays, and the split is
 * counted. A fault with the flag where a THP could be mapped maps a
 * single page instead.
 */
static void fault_split_anon_thp(struct kunit *test)
{
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	unsigned long addr, head, i, before, bad_pfn = 0, bad_data = 0;
	struct mm_struct *mm;
	vm_fault_t ret;
	pmd_t pmd;
	pte_t pte;
	u32 val;

	addr = fault_split_map_anon(test, PMD_SIZE, true);
	mm = current->mm;
	for (i = 0; i < FAULT_SPLIT_PMD_PAGES; i++)
		KUNIT_ASSERT_EQ(test, put_user(pfnmap_test_pattern(i),
					       (u32 __user *)(addr + i * PAGE_SIZE)),
				0);
	KUNIT_ASSERT_TRUE_MSG(test, pfnmap_read_pmd(mm, addr, &pmd),
			      "the stores did not map a THP");
	KUNIT_ASSERT_TRUE(test, pmd_trans_huge(pmd));
	head = pmd_pfn(pmd);

	before = fault_split_events(test, THP_SPLIT_PMD);
	ret = pfnmap_inject_at(addr + FAULT_SPLIT_PAGE * PAGE_SIZE,
			       FAULT_FLAG_WRITE | FAULT_FLAG_SPLIT_HUGE, false);
	KUNIT_EXPECT_TRUE(test, ret == 0);
	if (IS_ENABLED(CONFIG_VM_EVENT_COUNTERS))
		KUNIT_EXPECT_GE(test, fault_split_events(test, THP_SPLIT_PMD),
				before + 1);
	KUNIT_EXPECT_FALSE(test, pfnmap_read_pmd(mm, addr, &pmd));
	for (i = 0; i < FAULT_SPLIT_PMD_PAGES; i++) {
		unsigned long uaddr = addr + i * PAGE_SIZE;

		KUNIT_ASSERT_TRUE_MSG(test, pfnmap_read_pte(mm, uaddr, &pte),
				      "no PTE for page %lu after the split", i);
		if (pte_pfn(pte) != head + i && !bad_pfn++)
			KUNIT_FAIL(test, "page %lu: pfn %#lx, not %#lx", i,
				   (unsigned long)pte_pfn(pte), head + i);
		KUNIT_ASSERT_EQ(test, get_user(val, (u32 __user *)uaddr), 0);
		if (val != pfnmap_test_pattern(i) && !bad_data++)
			KUNIT_FAIL(test, "page %lu holds %#x", i, val);
	}
	KUNIT_EXPECT_EQ(test, bad_pfn, 0);
	KUNIT_EXPECT_EQ(test, bad_data, 0);

	/* Nothing mapped yet, THP allowed: the flag maps one page. */
	addr = fault_split_map_anon(test, PMD_SIZE, true);
	ret = pfnmap_inject_at(addr + FAULT_SPLIT_PAGE * PAGE_SIZE,
			       FAULT_FLAG_WRITE | FAULT_FLAG_SPLIT_HUGE, false);
	KUNIT_EXPECT_TRUE(test, ret == 0);
	KUNIT_EXPECT_FALSE(test, pfnmap_read_pmd(mm, addr, &pmd));
	KUNIT_EXPECT_TRUE(test, pfnmap_read_pte(mm, addr + FAULT_SPLIT_PAGE *
						PAGE_SIZE, &pte));
	KUNIT_EXPECT_FALSE(test, pfnmap_read_pte(mm, addr, &pte));
#else
	kunit_skip(test, "no THP: CONFIG_TRANSPARENT_HUGEPAGE is off");
#endif
}

#if defined(CONFIG_TRANSPARENT_HUGEPAGE) && defined(CONFIG_TMPFS)
static void fault_split_kern_unmount(void *mnt)
{
	kern_unmount(mnt);
}
#endif

/*
 * A file THP: a page of a tmpfs mounted with huge=always, mapped by a PMD.
 * The fault zaps the PMD, and although the page cache still holds a
 * PMD-sized folio, it maps the page by a PTE, not the folio by a PMD
 * again: do_set_pmd() refuses under the flag.
 */
static void fault_split_file_thp(struct kunit *test)
{
#if defined(CONFIG_TRANSPARENT_HUGEPAGE) && defined(CONFIG_TMPFS)
	char opts[] = "huge=always";
	struct file_system_type *type;
	unsigned long addr, head, before;
	struct vfsmount *mnt;
	struct file *file;
	vm_fault_t fault;
	pmd_t pmd;
	pte_t pte;
	int ret;
	u32 val;

	type = get_fs_type("tmpfs");
	KUNIT_ASSERT_NOT_NULL(test, type);
	mnt = vfs_kern_mount(type, SB_KERNMOUNT, type->name, opts);
	put_filesystem(type);
	KUNIT_ASSERT_FALSE(test, IS_ERR(mnt));
	ret = kunit_add_action_or_reset(test, fault_split_kern_unmount, mnt);
	KUNIT_ASSERT_EQ(test, ret, 0);
	file = shmem_file_setup_with_mnt(mnt, "fault_split", PMD_SIZE,
					 EMPTY_VMA_FLAGS);
	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, pfnmap_test_fput,
							file), 0);
	addr = kunit_vm_mmap(test, file, 0, PMD_SIZE, PROT_READ | PROT_WRITE,
			     MAP_SHARED, 0);
	KUNIT_ASSERT_FALSE(test, !addr || IS_ERR_VALUE(addr));
	KUNIT_ASSERT_TRUE_MSG(test, IS_ALIGNED(addr, PMD_SIZE),
			      "tmpfs did not align the mapping: %#lx", addr);
	KUNIT_ASSERT_EQ(test, put_user(pfnmap_test_pattern(FAULT_SPLIT_PAGE),
				       (u32 __user *)(addr + FAULT_SPLIT_PAGE *
						      PAGE_SIZE)), 0);
	KUNIT_ASSERT_TRUE_MSG(test, pfnmap_read_pmd(current->mm, addr, &pmd),
			      "the store did not map a file THP by a PMD");
	head = pmd_pfn(pmd);

	before = fault_split_events(test, THP_SPLIT_PMD);
	fault = pfnmap_inject_at(addr + FAULT_SPLIT_PAGE * PAGE_SIZE,
				 FAULT_FLAG_WRITE | FAULT_FLAG_SPLIT_HUGE, false);
	KUNIT_EXPECT_FALSE(test, fault & VM_FAULT_ERROR);
	if (IS_ENABLED(CONFIG_VM_EVENT_COUNTERS))
		KUNIT_EXPECT_GE(test, fault_split_events(test, THP_SPLIT_PMD),
				before + 1);
	KUNIT_EXPECT_FALSE(test, pfnmap_read_pmd(current->mm, addr, &pmd));
	KUNIT_ASSERT_TRUE(test, pfnmap_read_pte(current->mm, addr +
						FAULT_SPLIT_PAGE * PAGE_SIZE,
						&pte));
	KUNIT_EXPECT_EQ(test, (unsigned long)pte_pfn(pte),
			head + FAULT_SPLIT_PAGE);
	KUNIT_ASSERT_EQ(test, get_user(val, (u32 __user *)(addr +
				       FAULT_SPLIT_PAGE * PAGE_SIZE)), 0);
	KUNIT_EXPECT_EQ(test, val, pfnmap_test_pattern(FAULT_SPLIT_PAGE));
#else
	kunit_skip(test, "no huge=always tmpfs: no CONFIG_TRANSPARENT_HUGEPAGE or CONFIG_TMPFS");
#endif
}

/*
 * The pfnmap harness set up for entries of @order; skips where there are
 * none (pfnmap_require()).
 */
static struct pfnmap_test *fault_split_setup(struct kunit *test,
					     unsigned int order)
{
	KUNIT_ASSERT_EQ(test, order == PUD_ORDER ? pfnmap_pud_init(test) :
			pfnmap_pmd_init(test), 0);
	pfnmap_require(test, order);
	return test->priv;
}

static const bool fault_split_vma_lock[] = { false, true };

static void fault_split_lock_desc(const bool *vma_lock, char *desc)
{
	strscpy(desc, *vma_lock ? "per-VMA lock" : "mmap_lock",
		KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(fault_split_lock, fault_split_vma_lock,
		  fault_split_lock_desc);

/*
 * A special (PFN) PMD: zapped, and the same fault maps the page by a PTE
 * through ->fault() with the memory type the driver asks for, without
 * asking ->huge_fault() again. Other pages of the range are not mapped
 * until they fault, and then by PTEs too.
 */
static void fault_split_special_pmd(struct kunit *test)
{
	const bool *vma_lock = test->param_value;
	unsigned long __maybe_unused before = 0;
	struct pfnmap_test *t;
	vm_fault_t ret;
	pte_t pte;

	if (*vma_lock && !IS_ENABLED(CONFIG_PER_VMA_LOCK))
		kunit_skip(test, "no per-VMA locks: CONFIG_PER_VMA_LOCK is off");
	t = fault_split_setup(test, PMD_ORDER);
	pfnmap_test_set_cache(t, PFNMAP_WC);
	pfnmap_test_map(t, PROT_READ | PROT_WRITE, FAULT_SPLIT_PMD_PAGES);
	KUNIT_EXPECT_GE(test, pfnmap_test_read(t, FAULT_SPLIT_PAGE), 1);
	pfnmap_expect_pmd(t, FAULT_SPLIT_PAGE, false, true);
	KUNIT_EXPECT_EQ(test, t->huge_calls[0], 1);

#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	before = fault_split_events(test, THP_SPLIT_PMD);
#endif
	if (*vma_lock) {
		/*
		 * Under the per-VMA lock the PMD is zapped, and since
		 * ->fault() is only called under the mmap_lock (the vma
		 * has no ->map_pages()), the fault asks to be retried,
		 * which the architecture does with the same flags.
		 */
		ret = pfnmap_inject_at(t->uaddr + FAULT_SPLIT_PAGE * PAGE_SIZE,
				       FAULT_FLAG_WRITE | FAULT_FLAG_SPLIT_HUGE,
				       true);
		KUNIT_EXPECT_TRUE(test, ret == VM_FAULT_RETRY);
		KUNIT_EXPECT_TRUE(test, pfnmap_no_huge(t, PMD_ORDER,
						       FAULT_SPLIT_PAGE));
		KUNIT_EXPECT_EQ(test, t->fault_calls, 0);
	}
	ret = pfnmap_inject_at(t->uaddr + FAULT_SPLIT_PAGE * PAGE_SIZE,
			       FAULT_FLAG_WRITE | FAULT_FLAG_SPLIT_HUGE, false);
	KUNIT_EXPECT_TRUE(test, ret == VM_FAULT_NOPAGE);
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	if (IS_ENABLED(CONFIG_VM_EVENT_COUNTERS))
		KUNIT_EXPECT_GE(test, fault_split_events(test, THP_SPLIT_PMD),
				before + 1);
#endif
	KUNIT_EXPECT_TRUE(test, pfnmap_no_huge(t, PMD_ORDER, FAULT_SPLIT_PAGE));
	pfnmap_expect_pte(t, FAULT_SPLIT_PAGE);
	KUNIT_EXPECT_EQ(test, t->fault_calls, 1);
	KUNIT_EXPECT_EQ(test, t->huge_calls[0], 1);
	KUNIT_EXPECT_FALSE(test, pfnmap_read_pte(current->mm, t->uaddr +
			   (FAULT_SPLIT_PAGE + 1) * PAGE_SIZE, &pte));

	KUNIT_EXPECT_GE(test, pfnmap_test_read(t, FAULT_SPLIT_PAGE + 1), 1);
	pfnmap_expect_pte(t, FAULT_SPLIT_PAGE + 1);
	KUNIT_EXPECT_EQ(test, t->fault_calls, 2);
	KUNIT_EXPECT_EQ(test, t->huge_calls[0], 1);
	pfnmap_test_unmap(t);
}

/*
 * A special PUD: zapped, and the fault maps the page by a PTE, not by a
 * PMD either.
 */
static void fault_split_special_pud(struct kunit *test)
{
	unsigned long __maybe_unused before = 0;
	struct pfnmap_test *t;
	vm_fault_t ret;

	t = fault_split_setup(test, PUD_ORDER);
	pfnmap_test_map(t, PROT_READ | PROT_WRITE, 1UL << PUD_ORDER);
	KUNIT_EXPECT_GE(test, pfnmap_test_read(t, FAULT_SPLIT_PAGE), 1);
	pfnmap_expect_pud(t, FAULT_SPLIT_PAGE, false, true);

#if defined(CONFIG_TRANSPARENT_HUGEPAGE) && defined(CONFIG_HAVE_ARCH_TRANSPARENT_HUGEPAGE_PUD)
	before = fault_split_events(test, THP_SPLIT_PUD);
#endif
	ret = pfnmap_test_inject(t, FAULT_SPLIT_PAGE,
				 FAULT_FLAG_WRITE | FAULT_FLAG_SPLIT_HUGE);
	KUNIT_EXPECT_TRUE(test, ret == VM_FAULT_NOPAGE);
#if defined(CONFIG_TRANSPARENT_HUGEPAGE) && defined(CONFIG_HAVE_ARCH_TRANSPARENT_HUGEPAGE_PUD)
	if (IS_ENABLED(CONFIG_VM_EVENT_COUNTERS))
		KUNIT_EXPECT_GE(test, fault_split_events(test, THP_SPLIT_PUD),
				before + 1);
#endif
	KUNIT_EXPECT_TRUE(test, pfnmap_no_huge(t, PUD_ORDER, FAULT_SPLIT_PAGE));
	KUNIT_EXPECT_TRUE(test, pfnmap_no_huge(t, PMD_ORDER, FAULT_SPLIT_PAGE));
	pfnmap_expect_pte(t, FAULT_SPLIT_PAGE);
	KUNIT_EXPECT_EQ(test, t->fault_calls, 1);
	KUNIT_EXPECT_EQ(test, t->huge_calls[1], 1);
	KUNIT_EXPECT_EQ(test, t->huge_calls[0], 0);
	pfnmap_test_unmap(t);
}

/*
 * A driver whose ->fault() cannot map a base page, as device DAX with a
 * 2M alignment: the fault zaps the PMD and fails with VM_FAULT_SIGBUS
 * from ->fault(). The PMD is left none, not pointing to an empty page
 * table, so that the next ordinary fault maps the range huge again
 * instead of failing at PTE level for as long as the mapping lives.
 */
static void fault_split_pte_refused(struct kunit *test)
{
	unsigned long addr;
	struct pfnmap_test *t;
	vm_fault_t ret;
	pmd_t pmd;

	t = fault_split_setup(test, PMD_ORDER);
	pfnmap_test_map(t, PROT_READ | PROT_WRITE, FAULT_SPLIT_PMD_PAGES);
	addr = t->uaddr + FAULT_SPLIT_PAGE * PAGE_SIZE;
	KUNIT_EXPECT_GE(test, pfnmap_test_read(t, FAULT_SPLIT_PAGE), 1);
	pfnmap_expect_pmd(t, FAULT_SPLIT_PAGE, false, true);

	t->huge_only = true;
	ret = pfnmap_test_inject(t, FAULT_SPLIT_PAGE,
				 FAULT_FLAG_WRITE | FAULT_FLAG_SPLIT_HUGE);
	KUNIT_EXPECT_TRUE(test, ret == VM_FAULT_SIGBUS);
	KUNIT_EXPECT_EQ(test, t->fault_calls, 1);
	KUNIT_EXPECT_FALSE(test, pfnmap_read_pmd(current->mm, addr, &pmd));
	KUNIT_EXPECT_TRUE_MSG(test, pmd_none(pmd),
			      "PMD %#llx after the failed split fault, not none: no huge fault can map the range again",
			      (unsigned long long)pmd_val(pmd));

	KUNIT_EXPECT_GE(test, pfnmap_test_read(t, FAULT_SPLIT_PAGE), 1);
	pfnmap_expect_pmd(t, FAULT_SPLIT_PAGE, false, true);
	KUNIT_EXPECT_EQ(test, t->huge_calls[0], 2);
	KUNIT_EXPECT_EQ(test, t->fault_calls, 1);
	pfnmap_test_unmap(t);
}

/*
 * A hugetlb page cannot be mapped by smaller entries: VM_FAULT_SIGBUS,
 * and the mapping stays as it was.
 */
static void fault_split_hugetlb(struct kunit *test)
{
#ifdef CONFIG_HUGETLBFS
	struct hstate *h = &default_hstate;
	unsigned long addr, size;
	struct file *file;
	vm_fault_t ret;
	pmd_t pmd, after;
	u32 val = 0;

	if (!hugepages_supported())
		kunit_skip(test, "this CPU has no huge pages for hugetlbfs");
	if (huge_page_size(h) != PMD_SIZE)
		kunit_skip(test, "the default huge page size is not PMD_SIZE");
	size = huge_page_size(h);
	file = hugetlb_file_setup(HUGETLB_ANON_FILE, size, EMPTY_VMA_FLAGS,
				  HUGETLB_ANONHUGE_INODE, 0);
	if (IS_ERR(file))
		kunit_skip(test, "no hugetlb file (%ld)", PTR_ERR(file));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, pfnmap_test_fput,
							file), 0);
	addr = kunit_vm_mmap(test, file, 0, size, PROT_READ | PROT_WRITE,
			     MAP_SHARED, 0);
	if (!addr || IS_ERR_VALUE(addr))
		kunit_skip(test,
			   "no free huge page to map (%ld): boot with hugepages=2",
			   (long)addr);
	KUNIT_ASSERT_EQ(test, put_user(pfnmap_test_pattern(3),
				       (u32 __user *)(addr + 3 * PAGE_SIZE)),
			0);
	KUNIT_ASSERT_TRUE_MSG(test, pfnmap_read_pmd(current->mm, addr, &pmd),
			      "the store did not map the huge page by a PMD");

	ret = pfnmap_inject_at(addr + 3 * PAGE_SIZE,
			       FAULT_FLAG_WRITE | FAULT_FLAG_SPLIT_HUGE, false);
	KUNIT_EXPECT_TRUE(test, ret == VM_FAULT_SIGBUS);
	KUNIT_EXPECT_TRUE(test, pfnmap_read_pmd(current->mm, addr, &after));
	KUNIT_EXPECT_EQ(test, pmd_val(after), pmd_val(pmd));
	KUNIT_EXPECT_EQ(test, get_user(val, (u32 __user *)(addr + 3 * PAGE_SIZE)),
			0);
	KUNIT_EXPECT_EQ(test, val, pfnmap_test_pattern(3));
#else
	kunit_skip(test, "no hugetlbfs: CONFIG_HUGETLBFS is off");
#endif
}

/* Already mapped by a PTE: the fault with the flag changes nothing. */
static void fault_split_already_4k(struct kunit *test)
{
	struct pfnmap_test *t;
	unsigned int calls, huge_calls;
	pte_t before, after;
	vm_fault_t ret;

	KUNIT_ASSERT_EQ(test, pfnmap_test_setup(test, PFNMAP_TEST_ORDER), 0);
	t = test->priv;
	pfnmap_test_map(t, PROT_READ | PROT_WRITE, PFNMAP_TEST_PAGES);
	KUNIT_EXPECT_GE(test, pfnmap_test_read(t, 3), 1);
	before = pfnmap_expect_pte(t, 3);
	calls = t->fault_calls;
	huge_calls = t->huge_calls[0];

	ret = pfnmap_test_inject(t, 3, FAULT_FLAG_SPLIT_HUGE);
	KUNIT_EXPECT_TRUE(test, ret == 0);
	after = pfnmap_expect_pte(t, 3);
	KUNIT_EXPECT_EQ(test, pte_val(after), pte_val(before));
	KUNIT_EXPECT_EQ(test, t->fault_calls, calls);
	KUNIT_EXPECT_EQ(test, t->huge_calls[0], huge_calls);
	pfnmap_test_unmap(t);
}

/*
 * Nothing mapped yet, on a vma whose ->huge_fault() would map a PMD: the
 * fault with the flag maps the page by a PTE through ->fault(), while a
 * fault without it on a fresh mapping gets the PMD.
 */
static void fault_split_no_entry(struct kunit *test)
{
	bool huge = IS_ENABLED(CONFIG_ARCH_SUPPORTS_PMD_PFNMAP);
	struct pfnmap_test *t;
	unsigned long nr, i;
	vm_fault_t ret;

	KUNIT_ASSERT_EQ(test, huge ? pfnmap_pmd_init(test) :
			pfnmap_test_init(test), 0);
	t = test->priv;
	/* Without PMD backing (MAX_PAGE_ORDER), the PTE case only. */
	huge = huge && t->nr_pages;
	nr = huge ? FAULT_SPLIT_PMD_PAGES : PFNMAP_TEST_PAGES;
	i = huge ? FAULT_SPLIT_PAGE : 7;
	if (huge) {
		t->huge_orders = BIT(PMD_ORDER);
		t->map_align = PMD_SIZE;
	}
	pfnmap_test_map(t, PROT_READ | PROT_WRITE, nr);
	ret = pfnmap_test_inject(t, i, FAULT_FLAG_SPLIT_HUGE);
	KUNIT_EXPECT_TRUE(test, ret == VM_FAULT_NOPAGE);
	pfnmap_expect_pte(t, i);
	KUNIT_EXPECT_TRUE(test, pfnmap_no_huge(t, PMD_ORDER, i));
	KUNIT_EXPECT_EQ(test, t->fault_calls, 1);
	KUNIT_EXPECT_EQ(test, t->huge_calls[0], 0);
	pfnmap_test_unmap(t);

	if (!huge)
		return;
	pfnmap_test_map(t, PROT_READ | PROT_WRITE, nr);
	KUNIT_EXPECT_EQ(test, pfnmap_test_read(t, i), 1);
	KUNIT_EXPECT_EQ(test, t->huge_calls[0], 1);
	pfnmap_expect_pmd(t, i, false, true);
	pfnmap_test_unmap(t);
}

static struct kunit_case fault_split_cases[] = {
	KUNIT_CASE(fault_split_anon_thp),
	KUNIT_CASE(fault_split_file_thp),
	KUNIT_CASE_PARAM(fault_split_special_pmd, fault_split_lock_gen_params),
	KUNIT_CASE(fault_split_special_pud),
	KUNIT_CASE(fault_split_pte_refused),
	KUNIT_CASE(fault_split_hugetlb),
	KUNIT_CASE(fault_split_already_4k),
	KUNIT_CASE(fault_split_no_entry),
	{}
};

static struct kunit_suite fault_split_suite = {
	.name = "fault_split",
	.test_cases = fault_split_cases,
};

kunit_test_suites(&pfnmap_pte_suite, &pfnmap_pmd_suite, &pfnmap_pud_suite,
		  &fault_split_suite);

MODULE_DESCRIPTION("KUnit tests for PFN insertion into user mappings");
MODULE_LICENSE("GPL");
