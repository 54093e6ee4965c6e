// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for inserting PFNs into user mappings from a fault handler.
 *
 * The harness maps a file whose ->mmap() sets VM_PFNMAP, like a driver that
 * maps device memory, into an mm attached to the test thread. The mapping is
 * backed by pages the test owns. Faults are taken for real, through the
 * architecture's fault handler, by user-copy accesses from the test thread,
 * or injected with handle_mm_fault(). The test then reads the page table.
 */
#include <kunit/test.h>
#include <linux/anon_inodes.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pgtable.h>
#include <linux/sched.h>
#include <linux/set_memory.h>
#include <linux/slab.h>
#include <linux/string_choices.h>
#include <linux/uaccess.h>
#ifdef CONFIG_ARM64
#include <asm/sysreg.h>
#endif

#define PFNMAP_TEST_ORDER	4
#define PFNMAP_TEST_PAGES	BIT(PFNMAP_TEST_ORDER)

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
};

/*
 * One per test case. It belongs to the file: the vma holds a reference to
 * it, and ->release() frees the backing pages only after the last unmap,
 * even when a failed assertion ends the test thread with the mapping still
 * in place and the mm is torn down after KUnit's cleanup ran.
 */
struct pfnmap_test {
	struct kunit *test;
	struct page *pages;
	/* pages allocated; pages the fault handler serves */
	unsigned long nr_pages;
	unsigned long backed;
	enum pfnmap_insert insert;
	enum pfnmap_cache cache;
	/* compare data through the kernel's linear map */
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
	if (vmf->pgoff >= t->backed) {
		t->last_ret = VM_FAULT_SIGBUS;
		return VM_FAULT_SIGBUS;
	}

	pfn = page_to_pfn(t->pages) + vmf->pgoff;
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

static vm_fault_t pfnmap_test_pfn_mkwrite(struct vm_fault *vmf)
{
	struct pfnmap_test *t = vmf->vma->vm_private_data;

	t->pfn_mkwrite_calls++;
	return 0;
}

static const struct vm_operations_struct pfnmap_test_vm_ops = {
	.fault = pfnmap_test_fault,
};

/* Write-notify on PFN mappings, as vmwgfx uses it for dirty tracking. */
static const struct vm_operations_struct pfnmap_test_notify_vm_ops = {
	.fault = pfnmap_test_fault,
	.pfn_mkwrite = pfnmap_test_pfn_mkwrite,
};

static int pfnmap_test_mmap(struct file *file, struct vm_area_struct *vma)
{
	/* Like a driver mapping device memory: no private COW mappings. */
	if (vma_is_cow_mapping(vma))
		return -EINVAL;

	vm_flags_set(vma, VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_private_data = file->private_data;
	vma->vm_ops = ((struct pfnmap_test *)file->private_data)->pfn_mkwrite ?
		&pfnmap_test_notify_vm_ops : &pfnmap_test_vm_ops;
	return 0;
}

static void pfnmap_test_free(struct pfnmap_test *t)
{
#ifdef CONFIG_X86
	if (t->cache != PFNMAP_CACHED)
		set_memory_wb((unsigned long)page_address(t->pages),
			      t->nr_pages);
#endif
	__free_pages(t->pages, PFNMAP_TEST_ORDER);
	kfree(t);
}

static int pfnmap_test_release(struct inode *inode, struct file *file)
{
	pfnmap_test_free(file->private_data);
	return 0;
}

static const struct file_operations pfnmap_test_fops = {
	.mmap = pfnmap_test_mmap,
	.release = pfnmap_test_release,
};

static void pfnmap_test_set_cache(struct pfnmap_test *t, enum pfnmap_cache cache)
{
	t->cache = cache;
#ifdef CONFIG_X86
	/*
	 * With PAT, pfnmap_setup_cachemode_pfn() makes the entry's memory type agree
	 * with the one recorded for the RAM page, so give the pages the type
	 * first, as TTM's pool does with set_pages_array_wc()/uc(). That
	 * changes the kernel's linear map as well, so data still compares.
	 */
	if (cache == PFNMAP_WC)
		KUNIT_ASSERT_EQ(t->test, set_memory_wc((unsigned long)
			page_address(t->pages), t->nr_pages), 0);
	else if (cache == PFNMAP_UC)
		KUNIT_ASSERT_EQ(t->test, set_memory_uc((unsigned long)
			page_address(t->pages), t->nr_pages), 0);
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

static int pfnmap_test_init(struct kunit *test)
{
	struct pfnmap_test *t;
	unsigned long i;
	int ret;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t->test = test;
	t->nr_pages = PFNMAP_TEST_PAGES;
	t->backed = t->nr_pages;
	t->check_data = true;
	t->pages = alloc_pages(GFP_KERNEL, PFNMAP_TEST_ORDER);
	if (!t->pages) {
		kfree(t);
		return -ENOMEM;
	}

	/* Each page starts with its index, so that data can be checked. */
	for (i = 0; i < t->nr_pages; i++) {
		u32 *p = page_address(t->pages + i);

		memset(p, 0, PAGE_SIZE);
		p[0] = 0x5a000000 | i;
	}

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

/*
 * Map @npages of the test file. The test unmaps it again with
 * pfnmap_test_unmap() from the test thread, which owns the mm.
 */
static unsigned long pfnmap_test_map(struct pfnmap_test *t, unsigned long prot,
				     unsigned long npages)
{
	unsigned long uaddr;

	t->len = npages * PAGE_SIZE;
	uaddr = kunit_vm_mmap(t->test, t->file, 0, t->len, prot, MAP_SHARED, 0);
	KUNIT_ASSERT_FALSE_MSG(t->test, !uaddr || IS_ERR_VALUE(uaddr),
			       "mmap of the pfnmap test file failed: %ld",
			       (long)uaddr);
	t->uaddr = uaddr;
	return uaddr;
}

static void pfnmap_test_unmap(struct pfnmap_test *t)
{
	KUNIT_EXPECT_EQ(t->test, vm_munmap(t->uaddr, t->len), 0);
}

static unsigned long pfnmap_test_pfn(struct pfnmap_test *t, unsigned long i)
{
	return page_to_pfn(t->pages) + i;
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

static u32 pfnmap_test_pattern(unsigned long i)
{
	return 0x5a000000 | i;
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

	migrate_disable();
	t->clean_write_faults = pfnmap_clean_write_faults();
	ret = get_user(val, pfnmap_test_user(t, i));
	migrate_enable();
	KUNIT_ASSERT_EQ(t->test, ret, 0);
	if (t->check_data)
		KUNIT_EXPECT_EQ(t->test, val, pfnmap_test_pattern(i));
	return pfnmap_fault_count() - before;
}

/* Fault page @i in through a real write access; return the faults taken. */
static unsigned long pfnmap_test_write(struct pfnmap_test *t, unsigned long i,
				       u32 val)
{
	unsigned long before = pfnmap_fault_count();
	u32 *kaddr = page_address(t->pages + i);
	int ret;

	migrate_disable();
	t->clean_write_faults = pfnmap_clean_write_faults();
	ret = put_user(val, pfnmap_test_user(t, i) + 1);
	migrate_enable();
	KUNIT_ASSERT_EQ(t->test, ret, 0);
	if (t->check_data)
		KUNIT_EXPECT_EQ(t->test, READ_ONCE(kaddr[1]), val);
	return pfnmap_fault_count() - before;
}

/* Inject a fault with @flags at page @i without touching memory. */
static vm_fault_t pfnmap_test_inject(struct pfnmap_test *t, unsigned long i,
				     unsigned int flags)
{
	struct mm_struct *mm = current->mm;
	unsigned long addr = t->uaddr + i * PAGE_SIZE;
	struct vm_area_struct *vma;
	vm_fault_t ret;

	mmap_read_lock(mm);
	vma = vma_lookup(mm, addr);
	ret = vma ? handle_mm_fault(vma, addr, flags, NULL) : VM_FAULT_SIGSEGV;
	mmap_read_unlock(mm);
	return ret;
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
	u32 *kaddr = page_address(t->pages);

	t->insert = PFNMAP_INSERT_MKWRITE_ALWAYS;
	pfnmap_test_map(t, PROT_READ, t->nr_pages);

	KUNIT_EXPECT_EQ(test, pfnmap_test_read(t, 0), 1);
	KUNIT_EXPECT_EQ(test, t->fault_calls, 1);
	pfnmap_expect_mapped(t, 0, false, false);

	/* A store is refused and changes neither the entry nor the data. */
	KUNIT_EXPECT_EQ(test, put_user(0xdead, pfnmap_test_user(t, 0) + 1),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, READ_ONCE(kaddr[1]), 0);
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
	{}
};

static struct kunit_suite pfnmap_pte_suite = {
	.name = "pfnmap_pte",
	.init = pfnmap_test_init,
	.test_cases = pfnmap_pte_cases,
};

kunit_test_suites(&pfnmap_pte_suite);

MODULE_DESCRIPTION("KUnit tests for PFN insertion into user mappings");
MODULE_LICENSE("GPL");
