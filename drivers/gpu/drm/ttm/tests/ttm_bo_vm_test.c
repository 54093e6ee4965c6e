// SPDX-License-Identifier: GPL-2.0 AND MIT
/*
 * KUnit tests for the TTM fault path, ttm_bo_vm_ops.
 *
 * A buffer object is mapped the way drivers map it: ttm_bo_mmap_obj() on a
 * file whose address_space is the DRM device's, so that
 * ttm_bo_unmap_virtual() and drm_dev_unplug() reach the mapping. The mapping
 * lives in an mm attached to the test thread. Faults are taken for real, by
 * user-copy accesses from the test thread, or injected with
 * handle_mm_fault(); the tests then read the page table.
 *
 * Two memory types: TTM_PL_SYSTEM, backed by ttm_tt pages with the caching
 * a test asks for, and TTM_PL_VRAM, a mock manager whose resources are
 * backed by pages the test owns and handed to TTM as write-combined I/O
 * memory, as a driver describes its VRAM aperture.
 */
#include <linux/anon_inodes.h>
#include <linux/completion.h>
#include <linux/file.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pgtable.h>
#include <linux/sched.h>
#include <linux/scatterlist.h>
#include <linux/set_memory.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#ifdef CONFIG_ARM64
#include <asm/sysreg.h>
#endif

#include <drm/drm_drv.h>
#include <drm/drm_gem.h>
#include <drm/drm_vma_manager.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_tt.h>

#include <kunit/test.h>

#include "ttm_kunit_helpers.h"
#include "ttm_mock_manager.h"

/* Four prefault windows. */
#define TBV_BO_PAGES		(4 * TTM_BO_VM_NUM_PREFAULT)
/* Room for two buffer objects of TBV_BO_PAGES in the mock VRAM. */
#define TBV_VRAM_ORDER		(ilog2(TBV_BO_PAGES) + 1)
#define TBV_VRAM_PAGES		BIT(TBV_VRAM_ORDER)
#define TBV_STRESS_PAGES	4
#define TBV_STRESS_ITERATIONS	10000
/* Give up on the stress case after this long, rather than hit KUnit's timeout. */
#define TBV_STRESS_DEADLINE	(120 * HZ)

/* vm_fault_t is __bitwise: compare the values, and print them on failure. */
#define TBV_EXPECT_FAULT(test, ret, want)				\
	KUNIT_EXPECT_EQ(test, (__force unsigned int)(ret),		\
			(__force unsigned int)(want))

struct tbv_test {
	struct kunit *test;
	struct ttm_test_devices *devs;
	struct ttm_device bdev;
	bool bdev_ready;
	bool vram_ready;
	/* caching of the ttm_tt of the next buffer object */
	enum ttm_caching tt_caching;
	struct page *vram;
	bool vram_memtype;
	struct ttm_buffer_object *bo;
	/* what the last fault of a wrapping handler got from TTM */
	vm_fault_t last_ret;
	/* a reference to the DRM device is held */
	bool drm_ref;
	/* completed when the buffer object is destroyed */
	struct completion bo_gone;
	struct file *file;
	/* vm_ops for the next mapping; NULL: TTM's own */
	const struct vm_operations_struct *vm_ops;
	unsigned long uaddr;
	unsigned long len;
	atomic_t pfn_mkwrite_calls;
};

static struct tbv_test *tbv_from_bdev(struct ttm_device *bdev)
{
	return container_of(bdev, struct tbv_test, bdev);
}

static const struct ttm_place tbv_sys_place = {
	.mem_type = TTM_PL_SYSTEM,
};

static const struct ttm_place tbv_vram_place = {
	.mem_type = TTM_PL_VRAM,
	.flags = TTM_PL_FLAG_CONTIGUOUS,
};

static struct ttm_placement tbv_sys_placement = {
	.num_placement = 1,
	.placement = &tbv_sys_place,
};

static struct ttm_placement tbv_vram_placement = {
	.num_placement = 1,
	.placement = &tbv_vram_place,
};

static struct ttm_placement *tbv_placement(u32 mem_type)
{
	return mem_type == TTM_PL_VRAM ? &tbv_vram_placement :
					 &tbv_sys_placement;
}

static struct ttm_tt *tbv_tt_create(struct ttm_buffer_object *bo,
				    u32 page_flags)
{
	struct ttm_tt *tt;

	tt = kzalloc_obj(*tt, GFP_KERNEL);
	if (!tt)
		return NULL;
	if (ttm_tt_init(tt, bo, page_flags,
			tbv_from_bdev(bo->bdev)->tt_caching, 0)) {
		kfree(tt);
		return NULL;
	}
	return tt;
}

static void tbv_tt_destroy(struct ttm_device *bdev, struct ttm_tt *tt)
{
	ttm_tt_fini(tt);
	kfree(tt);
}

/* Byte offset of a mock VRAM resource; the placement makes it contiguous. */
static u64 tbv_vram_offset(struct ttm_resource *res)
{
	struct ttm_mock_resource *mres =
		container_of(res, struct ttm_mock_resource, base);
	struct gpu_buddy_block *block;

	block = list_first_entry(&mres->blocks, struct gpu_buddy_block, link);
	return gpu_buddy_block_offset(block);
}

static int tbv_io_mem_reserve(struct ttm_device *bdev,
			      struct ttm_resource *res)
{
	struct tbv_test *t = tbv_from_bdev(bdev);
	struct ttm_mock_resource *mres;
	u64 offset;

	if (res->mem_type != TTM_PL_VRAM)
		return 0;

	/* Buffer objects here are a power of two in size: one block. */
	mres = container_of(res, struct ttm_mock_resource, base);
	if (!list_is_singular(&mres->blocks))
		return -EINVAL;

	offset = tbv_vram_offset(res);
	res->bus.offset = page_to_phys(t->vram) + offset;
	res->bus.addr = page_address(t->vram) + offset;
	res->bus.is_iomem = true;
	res->bus.caching = ttm_write_combined;
	return 0;
}

static int tbv_move(struct ttm_buffer_object *bo, bool evict,
		    struct ttm_operation_ctx *ctx,
		    struct ttm_resource *new_mem, struct ttm_place *hop)
{
	struct ttm_resource *old_mem = bo->resource;

	if (!old_mem || (old_mem->mem_type == TTM_PL_SYSTEM && !bo->ttm)) {
		ttm_bo_move_null(bo, new_mem);
		return 0;
	}
	return ttm_bo_move_memcpy(bo, ctx, new_mem);
}

static void tbv_evict_flags(struct ttm_buffer_object *bo,
			    struct ttm_placement *placement)
{
	*placement = tbv_sys_placement;
}

static const struct ttm_device_funcs tbv_funcs = {
	.ttm_tt_create = tbv_tt_create,
	.ttm_tt_destroy = tbv_tt_destroy,
	.io_mem_reserve = tbv_io_mem_reserve,
	.move = tbv_move,
	.eviction_valuable = ttm_bo_eviction_valuable,
	.evict_flags = tbv_evict_flags,
};

static int tbv_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct tbv_test *t = file->private_data;

	/* As drm_gem_mmap_obj() does before it calls into TTM. */
	vma->vm_ops = t->vm_ops;
	return ttm_bo_mmap_obj(vma, t->bo);
}

static const struct file_operations tbv_fops = {
	.owner = THIS_MODULE,
	.mmap = tbv_mmap,
};

/*
 * A driver fault handler that passes its own pgprot to TTM, as vmwgfx's
 * does.
 */
static vm_fault_t tbv_fault_prot(struct vm_fault *vmf, pgprot_t prot,
				 pgoff_t num_prefault)
{
	struct ttm_buffer_object *bo = vmf->vma->vm_private_data;
	vm_fault_t ret;

	ret = ttm_bo_vm_reserve(bo, vmf);
	if (ret)
		return ret;
	ret = ttm_bo_vm_fault_reserved(vmf, prot, num_prefault);
	if (ret == VM_FAULT_RETRY && !(vmf->flags & FAULT_FLAG_RETRY_NOWAIT))
		return ret;
	dma_resv_unlock(bo->base.resv);
	return ret;
}

/*
 * vmwgfx's page-table dirty tracking: the pgprot the vma's flags give,
 * vm_get_page_prot(vma->vm_flags), writable on a shared writable mapping
 * (vma->vm_page_prot is write-protected by the core for a vma with a
 * pfn_mkwrite handler; vmwgfx does not use it).
 */
static vm_fault_t tbv_tracking_fault(struct vm_fault *vmf)
{
	return tbv_fault_prot(vmf, vm_get_page_prot(vmf->vma->vm_flags),
			      TTM_BO_VM_NUM_PREFAULT);
}

/* A driver that tracks writes through write faults, like vmwgfx. */
static vm_fault_t tbv_pfn_mkwrite(struct vm_fault *vmf)
{
	struct ttm_buffer_object *bo = vmf->vma->vm_private_data;

	atomic_inc(&tbv_from_bdev(bo->bdev)->pfn_mkwrite_calls);
	return 0;
}

static const struct vm_operations_struct tbv_tracking_vm_ops = {
	.fault = ttm_bo_vm_fault,
	.open = ttm_bo_vm_open,
	.close = ttm_bo_vm_close,
	.pfn_mkwrite = tbv_pfn_mkwrite,
};

/* vmwgfx's page-table dirty tracking, with its pgprot. */
static const struct vm_operations_struct tbv_pagetable_vm_ops = {
	.fault = tbv_tracking_fault,
	.open = ttm_bo_vm_open,
	.close = ttm_bo_vm_close,
	.pfn_mkwrite = tbv_pfn_mkwrite,
};

static void tbv_fput(void *file)
{
	fput(file);
}

static int tbv_init(struct kunit *test)
{
	struct drm_device *drm;
	struct tbv_test *t;
	int err;

	/*
	 * The previous case's file and mapping may still be on their way out
	 * (KUnit runs each case in its own kernel thread, and fput() from a
	 * kernel thread is deferred).
	 */
	flush_delayed_fput();

	/*
	 * Not KUnit-managed: if the buffer object outlives the case (see
	 * tbv_exit()), its release still finds the device in here.
	 */
	t = kzalloc_obj(*t, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	t->test = test;
	t->tt_caching = ttm_cached;
	init_completion(&t->bo_gone);
	test->priv = t;

	t->devs = ttm_test_devices_basic(test);
	drm = t->devs->drm;
	/* Held until the buffer object is gone, for its GEM release. */
	drm_dev_get(drm);
	t->drm_ref = true;

	t->vram = alloc_pages(GFP_KERNEL | __GFP_ZERO, TBV_VRAM_ORDER);
	KUNIT_ASSERT_NOT_NULL(test, t->vram);
#ifdef CONFIG_X86
	/*
	 * With PAT, the entry's memory type follows the one recorded for a
	 * RAM page: record the write-combined type of the mock aperture.
	 */
	err = set_memory_wc((unsigned long)page_address(t->vram),
			    TBV_VRAM_PAGES);
	KUNIT_ASSERT_EQ(test, err, 0);
	t->vram_memtype = true;
#endif

	err = ttm_device_init(&t->bdev, &tbv_funcs, drm->dev,
			      drm->anon_inode->i_mapping,
			      drm->vma_offset_manager, 0);
	KUNIT_ASSERT_EQ(test, err, 0);
	t->bdev_ready = true;

	err = ttm_mock_manager_init(&t->bdev, TTM_PL_VRAM,
				    TBV_VRAM_PAGES * PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, err, 0);
	/* I/O memory: no ttm_tt behind it. */
	ttm_manager_type(&t->bdev, TTM_PL_VRAM)->use_tt = false;
	t->vram_ready = true;

	t->file = anon_inode_getfile("[ttm_bo_vm_test]", &tbv_fops, t,
				     O_RDWR);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t->file));
	err = kunit_add_action_or_reset(test, tbv_fput, t->file);
	KUNIT_ASSERT_EQ(test, err, 0);
	/* As drm_open() does: ttm_bo_unmap_virtual() zaps this mapping. */
	t->file->f_mapping = drm->anon_inode->i_mapping;
	return 0;
}

static void tbv_exit(struct kunit *test)
{
	struct tbv_test *t = test->priv;

	if (!t)
		return;
	if (t->bo) {
		drm_gem_object_put(&t->bo->base);
		/*
		 * A case that failed an assertion left its mapping, which
		 * holds a reference, to the teardown of the test thread's mm:
		 * wait for the last reference rather than pull the device and
		 * the memory from under it.
		 */
		if (!wait_for_completion_timeout(&t->bo_gone, 10 * HZ)) {
			/*
			 * Leak the test state, the TTM device and a reference
			 * to the DRM device, so that the late release of the
			 * object writes to none of them freed.
			 */
			KUNIT_FAIL(test, "buffer object mapped 10 s on: leaked");
			return;
		}
	}
	if (t->vram_ready)
		ttm_mock_manager_fini(&t->bdev, TTM_PL_VRAM);
	if (t->bdev_ready)
		ttm_device_fini(&t->bdev);
	if (t->vram) {
#ifdef CONFIG_X86
		if (t->vram_memtype)
			set_memory_wb((unsigned long)page_address(t->vram),
				      TBV_VRAM_PAGES);
#endif
		__free_pages(t->vram, TBV_VRAM_ORDER);
	}
	if (t->drm_ref)
		drm_dev_put(t->devs->drm);
	if (t->devs)
		ttm_test_devices_put(test, t->devs);
	kfree(t);
	test->priv = NULL;
}

static void tbv_bo_destroy(struct ttm_buffer_object *bo)
{
	struct tbv_test *t = tbv_from_bdev(bo->bdev);

	drm_gem_object_release(&bo->base);
	kfree(bo);
	complete(&t->bo_gone);
}

/*
 * The GEM reference count owns the buffer object, as in the drivers: the
 * mapping holds a GEM reference, and the last put finishes the object.
 */
static void tbv_gem_free(struct drm_gem_object *obj)
{
	ttm_bo_fini(container_of(obj, struct ttm_buffer_object, base));
}

static const struct drm_gem_object_funcs tbv_gem_funcs = {
	.free = tbv_gem_free,
};

static void tbv_bo_create_type(struct tbv_test *t, enum ttm_bo_type type,
			       u32 mem_type, unsigned long pages,
			       struct sg_table *sg)
{
	struct ttm_operation_ctx ctx = { };
	struct kunit *test = t->test;
	struct ttm_buffer_object *bo;
	int err;

	bo = kzalloc_obj(*bo, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bo);
	drm_gem_private_object_init(t->devs->drm, &bo->base,
				    pages << PAGE_SHIFT);
	bo->base.funcs = &tbv_gem_funcs;
	err = ttm_bo_init_reserved(&t->bdev, bo, type,
				   tbv_placement(mem_type), 0, &ctx, sg, NULL,
				   tbv_bo_destroy);
	KUNIT_ASSERT_EQ(test, err, 0);
	dma_resv_unlock(bo->base.resv);
	t->bo = bo;
}

static void tbv_bo_create(struct tbv_test *t, u32 mem_type,
			  unsigned long pages)
{
	tbv_bo_create_type(t, ttm_bo_type_device, mem_type, pages, NULL);
}

static unsigned long tbv_mmap_flags(struct tbv_test *t, unsigned long pages,
				    unsigned long flags)
{
	return kunit_vm_mmap(t->test, t->file, 0, pages << PAGE_SHIFT,
			     PROT_READ | PROT_WRITE, flags,
			     drm_vma_node_offset_addr(&t->bo->base.vma_node));
}

/* Map @pages pages of the buffer object, shared and writable. */
static void tbv_map(struct tbv_test *t, unsigned long pages)
{
	unsigned long addr = tbv_mmap_flags(t, pages, MAP_SHARED);

	KUNIT_ASSERT_FALSE_MSG(t->test, IS_ERR_VALUE(addr), "mmap: %ld",
			       (long)addr);
	KUNIT_ASSERT_NE(t->test, addr, 0);
	t->uaddr = addr;
	t->len = pages << PAGE_SHIFT;
}

/*
 * Unmap in the test thread: KUnit tears the mm down only after the case
 * has ended, possibly after ->exit() has dropped the device.
 */
static void tbv_unmap(struct tbv_test *t)
{
	if (t->uaddr)
		KUNIT_EXPECT_EQ(t->test, vm_munmap(t->uaddr, t->len), 0);
	t->uaddr = 0;
}

static int tbv_move_to(struct tbv_test *t, u32 mem_type)
{
	struct ttm_operation_ctx ctx = { };
	int err;

	dma_resv_lock(t->bo->base.resv, NULL);
	err = ttm_bo_validate(t->bo, tbv_placement(mem_type), &ctx);
	dma_resv_unlock(t->bo->base.resv);
	return err;
}

/* The pfn backing page @i of the buffer object now, or 0. */
static unsigned long tbv_bo_pfn(struct tbv_test *t, unsigned long i)
{
	struct ttm_buffer_object *bo = t->bo;

	if (!bo->resource)
		return 0;
	if (bo->resource->mem_type == TTM_PL_VRAM)
		return page_to_pfn(t->vram) +
		       PHYS_PFN(tbv_vram_offset(bo->resource)) + i;
	if (!bo->ttm || !ttm_tt_is_populated(bo->ttm) || !bo->ttm->pages[i])
		return 0;
	return page_to_pfn(bo->ttm->pages[i]);
}

static int tbv_copy_pte(pte_t *ptep, unsigned long addr, void *data)
{
	*(pte_t *)data = ptep_get(ptep);
	return 0;
}

/* Read the PTE mapping @addr, if there is one; mmap lock held. */
static bool tbv_read_pte_locked(struct mm_struct *mm, unsigned long addr,
				pte_t *out)
{
	pgd_t *pgd;
	p4d_t *p4d;
	pud_t *pud;
	pmd_t *pmd;

	*out = __pte(0);
	pgd = pgd_offset(mm, addr);
	if (pgd_none(*pgd) || pgd_bad(*pgd))
		return false;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(*p4d) || p4d_bad(*p4d))
		return false;
	pud = pud_offset(p4d, addr);
	if (pud_none(pudp_get(pud)) || pud_leaf(pudp_get(pud)))
		return false;
	pmd = pmd_offset(pud, addr);
	if (pmd_none(pmdp_get(pmd)) || pmd_leaf(pmdp_get(pmd)))
		return false;
	/* The last level under the PTE lock. */
	if (apply_to_existing_page_range(mm, addr & PAGE_MASK, PAGE_SIZE,
					 tbv_copy_pte, out))
		return false;
	return pte_present(*out);
}

static bool tbv_read_pte(struct tbv_test *t, unsigned long i, pte_t *out)
{
	struct mm_struct *mm = current->mm;
	bool found;

	mmap_read_lock(mm);
	found = tbv_read_pte_locked(mm, t->uaddr + i * PAGE_SIZE, out);
	mmap_read_unlock(mm);
	return found;
}

static unsigned long tbv_count_mapped(struct tbv_test *t, unsigned long from,
				      unsigned long to)
{
	unsigned long i, n = 0;
	pte_t pte;

	for (i = from; i < to; i++)
		n += tbv_read_pte(t, i, &pte);
	return n;
}

/* The bits of a pgprot that select the memory type. */
static unsigned long tbv_cache_bits(pgprot_t prot)
{
#if defined(CONFIG_X86)
	return pgprot_val(prot) & _PAGE_CACHE_MASK;
#elif defined(CONFIG_ARM64)
	return pgprot_val(prot) & PTE_ATTRINDX_MASK;
#else
	/*
	 * No memory type in the PTE that this test knows of (um): the
	 * caching parameters check nothing more than the cached one there.
	 */
	return 0;
#endif
}

static pgprot_t tbv_caching_prot(enum ttm_caching caching, pgprot_t prot)
{
	switch (caching) {
	case ttm_write_combined:
		return pgprot_writecombine(prot);
	case ttm_uncached:
		return pgprot_noncached(prot);
	default:
		return prot;
	}
}

/*
 * Page @i must be mapped to the pfn backing it now, with the memory type
 * of its placement; returns the PTE.
 */
static pte_t tbv_expect_mapped(struct tbv_test *t, unsigned long i)
{
	pgprot_t shared = vm_get_page_prot(VM_READ | VM_WRITE | VM_SHARED);
	struct ttm_resource *res = t->bo->resource;
	struct kunit *test = t->test;
	enum ttm_caching caching;
	pte_t pte;

	KUNIT_ASSERT_TRUE_MSG(test, tbv_read_pte(t, i, &pte),
			      "no PTE for page %lu", i);
	KUNIT_EXPECT_EQ_MSG(test, pte_pfn(pte), tbv_bo_pfn(t, i),
			    "page %lu", i);
	if (IS_ENABLED(CONFIG_ARCH_HAS_PTE_SPECIAL))
		KUNIT_EXPECT_TRUE(test, pte_special(pte));
	caching = res->mem_type == TTM_PL_VRAM ? ttm_write_combined :
						 t->bo->ttm->caching;
	KUNIT_EXPECT_EQ_MSG(test, tbv_cache_bits(pte_pgprot(pte)),
			    tbv_cache_bits(tbv_caching_prot(caching, shared)),
			    "page %lu", i);
	return pte;
}

static void tbv_expect_state(struct tbv_test *t, unsigned long i,
			     bool dirty, bool write)
{
	pte_t pte = tbv_expect_mapped(t, i);

	KUNIT_EXPECT_EQ_MSG(t->test, !!pte_dirty(pte), dirty, "page %lu", i);
	KUNIT_EXPECT_EQ_MSG(t->test, !!pte_write(pte), write, "page %lu", i);
	if (dirty)
		KUNIT_EXPECT_TRUE_MSG(t->test, pte_young(pte), "page %lu", i);
}

static unsigned long tbv_fault_count(void)
{
	return current->min_flt + current->maj_flt;
}

/*
 * Does a store through a clean writable entry fault again, only for the
 * core to mark the entry dirty? On arm64 without hardware dirty-bit
 * management it does.
 */
static bool tbv_clean_write_faults(void)
{
#ifdef CONFIG_ARM64
	return !(read_sysreg(tcr_el1) & TCR_HD);
#else
	return false;
#endif
}

static u32 __user *tbv_user(struct tbv_test *t, unsigned long i)
{
	return (u32 __user *)(t->uaddr + i * PAGE_SIZE);
}

static u32 tbv_pattern(unsigned long i, u32 gen)
{
	return 0x7b0f0000 ^ (gen << 8) ^ i;
}

/* Read page @i through the mapping; returns the faults it took. */
static unsigned long tbv_read(struct tbv_test *t, unsigned long i, u32 *val)
{
	unsigned long before = tbv_fault_count();

	KUNIT_ASSERT_EQ_MSG(t->test, get_user(*val, tbv_user(t, i)), 0,
			    "page %lu", i);
	return tbv_fault_count() - before;
}

/* Write page @i through the mapping; returns the faults it took. */
static unsigned long tbv_write(struct tbv_test *t, unsigned long i, u32 val)
{
	unsigned long before = tbv_fault_count();

	KUNIT_ASSERT_EQ_MSG(t->test, put_user(val, tbv_user(t, i)), 0,
			    "page %lu", i);
	return tbv_fault_count() - before;
}

/* Inject a fault with @flags at page @i without touching memory. */
static vm_fault_t tbv_inject(struct tbv_test *t, unsigned long i,
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

struct tbv_caching_param {
	enum ttm_caching caching;
	const char *name;
};

static const struct tbv_caching_param tbv_caching_params[] = {
	{ ttm_cached, "cached" },
	{ ttm_write_combined, "write-combined" },
	{ ttm_uncached, "uncached" },
};

static void tbv_caching_desc(const struct tbv_caching_param *p, char *desc)
{
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(tbv_caching, tbv_caching_params, tbv_caching_desc);

static void tbv_set_caching(struct tbv_test *t)
{
	const struct tbv_caching_param *p = t->test->param_value;

	t->tt_caching = p->caching;
}

/*
 * A read fault on a buffer object in system memory populates its ttm_tt and
 * maps TTM_BO_VM_NUM_PREFAULT pages from the faulting one, each to its page,
 * with the caching of the ttm_tt, clean.
 */
static void ttm_bo_vm_system_read_fault(struct kunit *test)
{
	struct tbv_test *t = test->priv;
	unsigned long i;
	u32 val;

	tbv_set_caching(t);
	tbv_bo_create(t, TTM_PL_SYSTEM, TBV_BO_PAGES);
	tbv_map(t, TBV_BO_PAGES);
	KUNIT_EXPECT_FALSE(test, ttm_tt_is_populated(t->bo->ttm));

	KUNIT_EXPECT_EQ(test, tbv_read(t, 0, &val), 1);
	KUNIT_ASSERT_TRUE(test, ttm_tt_is_populated(t->bo->ttm));
	KUNIT_EXPECT_EQ(test, t->bo->ttm->caching, t->tt_caching);
	KUNIT_EXPECT_EQ(test, tbv_count_mapped(t, 0, TBV_BO_PAGES),
			TTM_BO_VM_NUM_PREFAULT);
	for (i = 0; i < TTM_BO_VM_NUM_PREFAULT; i++)
		KUNIT_EXPECT_FALSE(test, pte_dirty(tbv_expect_mapped(t, i)));

	/* A fault in the middle maps from there on, up to the end. */
	KUNIT_EXPECT_EQ(test, tbv_read(t, TBV_BO_PAGES - 4, &val), 1);
	KUNIT_EXPECT_EQ(test, tbv_count_mapped(t, TTM_BO_VM_NUM_PREFAULT,
					       TBV_BO_PAGES), 4);
	for (i = TBV_BO_PAGES - 4; i < TBV_BO_PAGES; i++)
		tbv_expect_mapped(t, i);

	/* The prefaulted pages fault no more. */
	for (i = 1; i < TTM_BO_VM_NUM_PREFAULT; i++)
		KUNIT_EXPECT_EQ(test, tbv_read(t, i, &val), 0);
	tbv_unmap(t);
}

/*
 * A write fault installs young, dirty and writable entries at once, for
 * the faulting page and the prefaulted ones; a read fault installs clean
 * entries.
 */
static void ttm_bo_vm_write_fault_dirty(struct kunit *test)
{
	struct tbv_test *t = test->priv;
	unsigned long i, expect;
	vm_fault_t ret;

	tbv_set_caching(t);
	tbv_bo_create(t, TTM_PL_SYSTEM, TBV_BO_PAGES);
	tbv_map(t, TBV_BO_PAGES);

	ret = tbv_inject(t, 0, FAULT_FLAG_WRITE);
	TBV_EXPECT_FAULT(test, ret, VM_FAULT_NOPAGE);
	for (i = 0; i < TTM_BO_VM_NUM_PREFAULT; i++)
		tbv_expect_state(t, i, true, true);

	ret = tbv_inject(t, 2 * TTM_BO_VM_NUM_PREFAULT, 0);
	TBV_EXPECT_FAULT(test, ret, VM_FAULT_NOPAGE);
	for (i = 2 * TTM_BO_VM_NUM_PREFAULT; i < 3 * TTM_BO_VM_NUM_PREFAULT; i++)
		KUNIT_EXPECT_FALSE(test, pte_dirty(tbv_expect_mapped(t, i)));
	KUNIT_EXPECT_EQ(test, tbv_count_mapped(t, 0, TBV_BO_PAGES),
			2 * TTM_BO_VM_NUM_PREFAULT);

	/*
	 * A store to a page a read fault mapped is the core's business, as
	 * before: one more fault where the hardware does not set the dirty
	 * bit.
	 */
	i = 2 * TTM_BO_VM_NUM_PREFAULT + 1;
	migrate_disable();
	expect = tbv_clean_write_faults();
	KUNIT_EXPECT_EQ(test, tbv_write(t, i, 1), expect);
	migrate_enable();
	/* UML's user copies check pte_write() and set no dirty bit. */
	tbv_expect_state(t, i, !IS_ENABLED(CONFIG_UML), true);

	/*
	 * So is a write fault on an entry that is there: the core marks it
	 * dirty without calling TTM, and its neighbours stay clean.
	 */
	i = 2 * TTM_BO_VM_NUM_PREFAULT + 2;
	ret = tbv_inject(t, i, FAULT_FLAG_WRITE);
	TBV_EXPECT_FAULT(test, ret, 0);
	tbv_expect_state(t, i, true, true);
	KUNIT_EXPECT_FALSE(test, pte_dirty(tbv_expect_mapped(t, i + 1)));

	/*
	 * A write fault whose prefault window covers clean entries, mapped
	 * by an earlier read fault, makes them dirty and writable too.
	 */
	i = 3 * TTM_BO_VM_NUM_PREFAULT;
	TBV_EXPECT_FAULT(test, tbv_inject(t, i + 4, 0), VM_FAULT_NOPAGE);
	KUNIT_EXPECT_FALSE(test, pte_dirty(tbv_expect_mapped(t, i + 4)));
	TBV_EXPECT_FAULT(test, tbv_inject(t, i, FAULT_FLAG_WRITE),
			 VM_FAULT_NOPAGE);
	for (; i < TBV_BO_PAGES; i++)
		tbv_expect_state(t, i, true, true);
	tbv_unmap(t);
}

struct tbv_mem_param {
	u32 mem_type;
	const char *name;
};

static const struct tbv_mem_param tbv_mem_params[] = {
	{ TTM_PL_SYSTEM, "system" },
	{ TTM_PL_VRAM, "vram" },
};

static void tbv_mem_desc(const struct tbv_mem_param *p, char *desc)
{
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(tbv_mem, tbv_mem_params, tbv_mem_desc);

/*
 * Write-touching every page of a buffer object takes one fault per prefault
 * window, also where the hardware does not set the dirty bit (arm64 without
 * FEAT_HAFDBS: there a clean entry costs a second fault per page). Reading
 * it back takes none.
 */
static void ttm_bo_vm_write_touch_faults(struct kunit *test)
{
	const struct tbv_mem_param *p = test->param_value;
	struct tbv_test *t = test->priv;
	unsigned long i, faults = 0;
	u32 val;

	tbv_bo_create(t, p->mem_type, TBV_BO_PAGES);
	tbv_map(t, TBV_BO_PAGES);

	migrate_disable();
	kunit_info(test, "%s, dirty bit set by %s\n", p->name,
		   tbv_clean_write_faults() ? "software" : "hardware");
	for (i = 0; i < TBV_BO_PAGES; i++)
		faults += tbv_write(t, i, tbv_pattern(i, 1));
	migrate_enable();
	kunit_info(test, "write-touching %lu pages took %lu faults\n",
		   (unsigned long)TBV_BO_PAGES, faults);
	KUNIT_EXPECT_EQ(test, faults, TBV_BO_PAGES / TTM_BO_VM_NUM_PREFAULT);

	for (i = 0; i < TBV_BO_PAGES; i++) {
		tbv_expect_state(t, i, true, true);
		KUNIT_EXPECT_EQ(test, tbv_read(t, i, &val), 0);
		KUNIT_EXPECT_EQ(test, val, tbv_pattern(i, 1));
	}
	tbv_unmap(t);
}

/*
 * A driver that tracks dirtiness through write faults (a pfn_mkwrite
 * handler, like vmwgfx's MKWRITE method, here with the vma's pgprot, which
 * the core write-protects for such a vma) keeps today's behaviour: a write
 * fault installs write-protected clean entries, and the first store to
 * each page calls pfn_mkwrite.
 */
static void ttm_bo_vm_pfn_mkwrite_unchanged(struct kunit *test)
{
	struct tbv_test *t = test->priv;
	unsigned long i;
	vm_fault_t ret;

	tbv_bo_create(t, TTM_PL_SYSTEM, TBV_BO_PAGES);
	t->vm_ops = &tbv_tracking_vm_ops;
	tbv_map(t, TBV_BO_PAGES);

	ret = tbv_inject(t, 0, FAULT_FLAG_WRITE);
	TBV_EXPECT_FAULT(test, ret, VM_FAULT_NOPAGE);
	for (i = 0; i < TTM_BO_VM_NUM_PREFAULT; i++)
		tbv_expect_state(t, i, false, false);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->pfn_mkwrite_calls), 0);

	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, tbv_write(t, i, tbv_pattern(i, 1)), 1);
		KUNIT_EXPECT_EQ(test, atomic_read(&t->pfn_mkwrite_calls),
				i + 1);
		tbv_expect_state(t, i, true, true);
	}
	/* Not written yet: still write-protected. */
	tbv_expect_state(t, 3, false, false);
	tbv_unmap(t);
}

/*
 * vmwgfx's PAGETABLE method: a pfn_mkwrite handler, and the writable
 * pgprot of the vma's flags; the dirty bits of the entries say which pages
 * were written (mapping_dirty_helpers). Today's behaviour stays: a write
 * fault installs writable, clean entries, the faulting page's too, so
 * that only the pages stored to become dirty. Dirty entries from the
 * fault would report every prefaulted page as written.
 */
static void ttm_bo_vm_pfn_mkwrite_pagetable_clean(struct kunit *test)
{
	struct tbv_test *t = test->priv;
	unsigned long i;
	vm_fault_t ret;

	tbv_bo_create(t, TTM_PL_SYSTEM, TBV_BO_PAGES);
	t->vm_ops = &tbv_pagetable_vm_ops;
	tbv_map(t, TBV_BO_PAGES);

	ret = tbv_inject(t, 0, FAULT_FLAG_WRITE);
	TBV_EXPECT_FAULT(test, ret, VM_FAULT_NOPAGE);
	for (i = 0; i < TTM_BO_VM_NUM_PREFAULT; i++)
		tbv_expect_state(t, i, false, true);

	/*
	 * Who sets the dirty bit on a store is the architecture's business
	 * (the CPU, or the core on a second fault; UML does neither for a
	 * PFN entry); no store reaches pfn_mkwrite, and a page not stored
	 * to stays clean.
	 */
	for (i = 0; i < 3; i++)
		tbv_write(t, i, tbv_pattern(i, 1));
	tbv_expect_state(t, 3, false, true);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->pfn_mkwrite_calls), 0);
	tbv_unmap(t);
}

/*
 * A driver's fault handler that passes a write-protected pgprot (vmwgfx's
 * MKWRITE dirty tracking).
 */
static vm_fault_t tbv_readonly_fault(struct vm_fault *vmf)
{
	return tbv_fault_prot(vmf,
			      vm_get_page_prot(vmf->vma->vm_flags & ~VM_SHARED),
			      TTM_BO_VM_NUM_PREFAULT);
}

static const struct vm_operations_struct tbv_readonly_vm_ops = {
	.fault = tbv_readonly_fault,
	.open = ttm_bo_vm_open,
	.close = ttm_bo_vm_close,
};

/*
 * So does a driver that passes a write-protected pgprot (or one the core
 * write-protected, for soft-dirty tracking): a write fault installs clean,
 * write-protected entries, and the store then takes the core's write
 * fault, as before.
 */
static void ttm_bo_vm_readonly_prot_unchanged(struct kunit *test)
{
	struct tbv_test *t = test->priv;
	unsigned long i;
	vm_fault_t ret;

	tbv_bo_create(t, TTM_PL_SYSTEM, TBV_BO_PAGES);
	t->vm_ops = &tbv_readonly_vm_ops;
	tbv_map(t, TBV_BO_PAGES);

	ret = tbv_inject(t, 0, FAULT_FLAG_WRITE);
	TBV_EXPECT_FAULT(test, ret, VM_FAULT_NOPAGE);
	for (i = 0; i < TTM_BO_VM_NUM_PREFAULT; i++)
		tbv_expect_state(t, i, false, false);

	KUNIT_EXPECT_EQ(test, tbv_write(t, 1, tbv_pattern(1, 1)), 1);
	tbv_expect_state(t, 1, true, true);
	tbv_expect_state(t, 2, false, false);
	tbv_unmap(t);
}

/*
 * A driver that asks for no prefaulting (num_prefault 0, as a fault handler
 * for random access might). What ttm_bo_vm_fault_reserved() returns is
 * recorded; a 0, which would send the core on to a page that was never
 * set, is turned into SIGBUS here so that the case fails instead.
 */
static vm_fault_t tbv_noprefault_fault(struct vm_fault *vmf)
{
	struct ttm_buffer_object *bo = vmf->vma->vm_private_data;
	struct tbv_test *t = tbv_from_bdev(bo->bdev);
	vm_fault_t ret;

	ret = tbv_fault_prot(vmf, vmf->vma->vm_page_prot, 0);
	t->last_ret = ret;
	return ret ? ret : VM_FAULT_SIGBUS;
}

static const struct vm_operations_struct tbv_noprefault_vm_ops = {
	.fault = tbv_noprefault_fault,
	.open = ttm_bo_vm_open,
	.close = ttm_bo_vm_close,
};

/* num_prefault 0 still maps the faulting page, and only that one. */
static void ttm_bo_vm_no_prefault(struct kunit *test)
{
	struct tbv_test *t = test->priv;
	vm_fault_t ret;
	pte_t pte;

	tbv_bo_create(t, TTM_PL_SYSTEM, TBV_BO_PAGES);
	t->vm_ops = &tbv_noprefault_vm_ops;
	tbv_map(t, TBV_BO_PAGES);

	ret = tbv_inject(t, 3, 0);
	TBV_EXPECT_FAULT(test, ret, VM_FAULT_NOPAGE);
	TBV_EXPECT_FAULT(test, t->last_ret, VM_FAULT_NOPAGE);
	KUNIT_EXPECT_TRUE(test, tbv_read_pte(t, 3, &pte));
	KUNIT_EXPECT_FALSE(test, tbv_read_pte(t, 4, &pte));
	tbv_unmap(t);
}

/*
 * A move zaps the mapping before the placement changes; the next fault maps
 * the new placement's pfns with its caching, and the data moved with them.
 */
static void ttm_bo_vm_move_zaps(struct kunit *test)
{
	struct tbv_test *t = test->priv;
	const unsigned long n = TTM_BO_VM_NUM_PREFAULT;
	unsigned long i;
	u32 val;

	tbv_set_caching(t);
	tbv_bo_create(t, TTM_PL_SYSTEM, n);
	tbv_map(t, n);

	for (i = 0; i < n; i++)
		tbv_write(t, i, tbv_pattern(i, 1));
	for (i = 0; i < n; i++)
		tbv_expect_mapped(t, i);

	KUNIT_ASSERT_EQ(test, tbv_move_to(t, TTM_PL_VRAM), 0);
	KUNIT_ASSERT_EQ(test, t->bo->resource->mem_type, TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, tbv_count_mapped(t, 0, n), 0);
	KUNIT_EXPECT_EQ(test, tbv_read(t, 0, &val), 1);
	for (i = 0; i < n; i++) {
		tbv_expect_state(t, i, false, true);
		KUNIT_EXPECT_EQ(test, tbv_read(t, i, &val), 0);
		KUNIT_EXPECT_EQ(test, val, tbv_pattern(i, 1));
		tbv_write(t, i, tbv_pattern(i, 2));
	}

	KUNIT_ASSERT_EQ(test, tbv_move_to(t, TTM_PL_SYSTEM), 0);
	KUNIT_ASSERT_EQ(test, t->bo->resource->mem_type, TTM_PL_SYSTEM);
	KUNIT_EXPECT_EQ(test, tbv_count_mapped(t, 0, n), 0);
	for (i = 0; i < n; i++) {
		tbv_read(t, i, &val);
		KUNIT_EXPECT_EQ(test, val, tbv_pattern(i, 2));
		tbv_expect_mapped(t, i);
	}
	tbv_unmap(t);
}

/*
 * Purging a buffer object (a validate with no placement, or an eviction
 * with nowhere to go) zaps the mapping before the backing store is freed,
 * and a fault then gets SIGBUS. Given backing store again, the object is
 * mapped again; in system memory it reads as cleared.
 */
static void ttm_bo_vm_purge_zaps(struct kunit *test)
{
	const struct tbv_mem_param *p = test->param_value;
	struct tbv_test *t = test->priv;
	const unsigned long n = TTM_BO_VM_NUM_PREFAULT;
	struct ttm_operation_ctx ctx = { };
	struct ttm_placement none = { };
	unsigned long i;
	vm_fault_t ret;
	u32 val;
	int err;

	tbv_bo_create(t, p->mem_type, n);
	tbv_map(t, n);
	for (i = 0; i < n; i++)
		tbv_write(t, i, tbv_pattern(i, 1));
	KUNIT_EXPECT_EQ(test, tbv_count_mapped(t, 0, n), n);

	dma_resv_lock(t->bo->base.resv, NULL);
	err = ttm_bo_validate(t->bo, &none, &ctx);
	dma_resv_unlock(t->bo->base.resv);
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_EXPECT_NULL(test, t->bo->resource);
	KUNIT_EXPECT_EQ(test, tbv_count_mapped(t, 0, n), 0);

	ret = tbv_inject(t, 0, 0);
	TBV_EXPECT_FAULT(test, ret, VM_FAULT_SIGBUS);
	KUNIT_EXPECT_NE(test, copy_from_user(&val, tbv_user(t, 1),
					     sizeof(val)), 0);
	KUNIT_EXPECT_EQ(test, tbv_count_mapped(t, 0, n), 0);

	KUNIT_ASSERT_EQ(test, tbv_move_to(t, p->mem_type), 0);
	for (i = 0; i < n; i++) {
		tbv_read(t, i, &val);
		if (p->mem_type == TTM_PL_SYSTEM)
			KUNIT_EXPECT_EQ(test, val, 0);
		tbv_expect_mapped(t, i);
	}
	tbv_unmap(t);
}

/* ttm_bo_mmap_obj() refuses a private, copy-on-write mapping. */
static void ttm_bo_vm_cow_refused(struct kunit *test)
{
	struct tbv_test *t = test->priv;
	unsigned long addr;

	tbv_bo_create(t, TTM_PL_SYSTEM, TTM_BO_VM_NUM_PREFAULT);
	addr = tbv_mmap_flags(t, TTM_BO_VM_NUM_PREFAULT, MAP_PRIVATE);
	KUNIT_EXPECT_EQ(test, (long)addr, -EINVAL);
	if (!IS_ERR_VALUE(addr) && addr)
		vm_munmap(addr, TTM_BO_VM_NUM_PREFAULT << PAGE_SHIFT);
}

/*
 * A fault past the end of the buffer object gets SIGBUS, and a fault near
 * its end prefaults nothing past it. drm_gem_mmap() never creates such a
 * mapping; the fault handler must not rely on that.
 */
static void ttm_bo_vm_past_end_sigbus(struct kunit *test)
{
	const struct tbv_mem_param *p = test->param_value;
	struct tbv_test *t = test->priv;
	const unsigned long n = TTM_BO_VM_NUM_PREFAULT;
	vm_fault_t ret;
	u32 val;

	tbv_bo_create(t, p->mem_type, n);
	tbv_map(t, 2 * n);

	ret = tbv_inject(t, n, 0);
	TBV_EXPECT_FAULT(test, ret, VM_FAULT_SIGBUS);
	KUNIT_EXPECT_NE(test, copy_from_user(&val, tbv_user(t, n + 3),
					     sizeof(val)), 0);
	KUNIT_EXPECT_EQ(test, tbv_count_mapped(t, 0, 2 * n), 0);

	ret = tbv_inject(t, n - 2, FAULT_FLAG_WRITE);
	TBV_EXPECT_FAULT(test, ret, VM_FAULT_NOPAGE);
	KUNIT_EXPECT_EQ(test, tbv_count_mapped(t, 0, 2 * n), 2);
	tbv_expect_state(t, n - 2, true, true);
	tbv_expect_state(t, n - 1, true, true);
	tbv_unmap(t);
}

/*
 * An imported buffer object is not mapped through TTM: SIGBUS, and nothing
 * is mapped. Marked mappable, it is.
 */
static void ttm_bo_vm_imported_sigbus(struct kunit *test)
{
	struct tbv_test *t = test->priv;
	struct sg_table *sgt;
	vm_fault_t ret;
	u32 val;

	sgt = kunit_kzalloc(test, sizeof(*sgt), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sgt);
	tbv_bo_create_type(t, ttm_bo_type_sg, TTM_PL_SYSTEM,
			   TTM_BO_VM_NUM_PREFAULT, sgt);
	KUNIT_ASSERT_NOT_NULL(test, t->bo->ttm);
	KUNIT_ASSERT_TRUE(test, t->bo->ttm->page_flags & TTM_TT_FLAG_EXTERNAL);
	tbv_map(t, TTM_BO_VM_NUM_PREFAULT);

	ret = tbv_inject(t, 0, 0);
	TBV_EXPECT_FAULT(test, ret, VM_FAULT_SIGBUS);
	KUNIT_EXPECT_NE(test, copy_from_user(&val, tbv_user(t, 1),
					     sizeof(val)), 0);
	KUNIT_EXPECT_EQ(test, tbv_count_mapped(t, 0, TTM_BO_VM_NUM_PREFAULT), 0);

	/* The control: the same object, marked mappable by its "exporter". */
	t->bo->ttm->page_flags |= TTM_TT_FLAG_EXTERNAL_MAPPABLE;
	ret = tbv_inject(t, 0, 0);
	TBV_EXPECT_FAULT(test, ret, VM_FAULT_NOPAGE);
	tbv_expect_mapped(t, 0);
	tbv_unmap(t);
}

/*
 * After drm_dev_unplug() the mapping is zapped, and the next fault maps one
 * zeroed dummy page over the whole vma.
 */
static void ttm_bo_vm_unplug_dummy_page(struct kunit *test)
{
	struct tbv_test *t = test->priv;
	const unsigned long n = TTM_BO_VM_NUM_PREFAULT;
	unsigned long i, dummy;
	pte_t pte;
	u32 val;

	tbv_bo_create(t, TTM_PL_SYSTEM, n);
	tbv_map(t, n);
	for (i = 0; i < n; i++)
		tbv_write(t, i, tbv_pattern(i, 1));
	KUNIT_EXPECT_EQ(test, tbv_count_mapped(t, 0, n), n);

	drm_dev_unplug(t->devs->drm);
	KUNIT_EXPECT_EQ(test, tbv_count_mapped(t, 0, n), 0);

	KUNIT_EXPECT_EQ(test, tbv_read(t, 3, &val), 1);
	KUNIT_EXPECT_EQ(test, val, 0);
	KUNIT_ASSERT_TRUE(test, tbv_read_pte(t, 0, &pte));
	dummy = pte_pfn(pte);
	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_TRUE(test, tbv_read_pte(t, i, &pte));
		KUNIT_EXPECT_EQ(test, pte_pfn(pte), dummy);
		KUNIT_EXPECT_NE(test, pte_pfn(pte), tbv_bo_pfn(t, i));
		KUNIT_EXPECT_EQ(test, tbv_read(t, i, &val), 0);
		KUNIT_EXPECT_EQ(test, val, 0);
	}
	tbv_unmap(t);
}

struct tbv_mover {
	struct tbv_test *t;
	struct completion done;
	/* the faulting thread's accesses, and a wait for the next one */
	atomic_long_t accesses;
	wait_queue_head_t wq;
	atomic_t stop;
	unsigned long moves;
	unsigned long evictions;
	int err;
};

/* Move the buffer object back and forth, or evict it, until told to stop. */
static int tbv_mover_fn(void *data)
{
	struct tbv_mover *m = data;
	struct tbv_test *t = m->t;
	struct ttm_resource_manager *vram;
	long seen;
	bool in_vram;
	int err = 0;

	vram = ttm_manager_type(&t->bdev, TTM_PL_VRAM);
	while (!atomic_read(&m->stop)) {
		seen = atomic_long_read(&m->accesses);
		/* Unlocked: only this thread changes the placement. */
		in_vram = READ_ONCE(t->bo->resource->mem_type) == TTM_PL_VRAM;
		if (in_vram && m->moves % 3 == 2) {
			err = ttm_resource_manager_evict_all(&t->bdev, vram);
			m->evictions++;
		} else {
			err = tbv_move_to(t, in_vram ? TTM_PL_SYSTEM :
						       TTM_PL_VRAM);
		}
		if (err)
			break;
		WRITE_ONCE(m->moves, m->moves + 1);
		wake_up(&m->wq);
		/* Let at least one access in between two moves. */
		wait_event_timeout(m->wq, atomic_long_read(&m->accesses) != seen ||
				   atomic_read(&m->stop), HZ);
	}
	m->err = err;
	complete(&m->done);
	return 0;
}

/*
 * Under the reservation, every present entry of the mapping points into the
 * current placement. Lock order as in the fault path: mmap lock, then the
 * reservation.
 */
static bool tbv_no_stale_entry(struct tbv_test *t, unsigned long npages,
			       unsigned long *present)
{
	struct mm_struct *mm = current->mm;
	unsigned long i, pfn;
	bool ok = true;
	pte_t pte;

	mmap_read_lock(mm);
	dma_resv_lock(t->bo->base.resv, NULL);
	for (i = 0; i < npages; i++) {
		if (!tbv_read_pte_locked(mm, t->uaddr + i * PAGE_SIZE, &pte))
			continue;
		(*present)++;
		pfn = pte_pfn(pte);
		if (pfn != tbv_bo_pfn(t, i)) {
			KUNIT_FAIL(t->test,
				   "page %lu maps pfn %#lx, the object is at %#lx",
				   i, pfn, tbv_bo_pfn(t, i));
			ok = false;
		}
	}
	dma_resv_unlock(t->bo->base.resv);
	mmap_read_unlock(mm);
	return ok;
}

/*
 * Faults and stores from this thread while another one moves the buffer
 * object between VRAM and system memory, or evicts it: every access sees
 * the data, and no entry ever points to a placement the object has left.
 */
static void ttm_bo_vm_fault_move_stress(struct kunit *test)
{
	struct tbv_test *t = test->priv;
	const unsigned long n = TBV_STRESS_PAGES;
	unsigned long iter = 0, faults = 0, present = 0;
	struct tbv_mover m = { .t = t };
	struct task_struct *mover;
	unsigned long i, before, moves, deadline;
	bool ok = true;
	u32 val;
	int err;

	tbv_bo_create(t, TTM_PL_SYSTEM, n);
	tbv_map(t, n);
	for (i = 0; i < n; i++)
		tbv_write(t, i, tbv_pattern(i, 1));

	init_completion(&m.done);
	init_waitqueue_head(&m.wq);
	mover = kthread_run(tbv_mover_fn, &m, "ttm_bo_vm_mover");
	KUNIT_ASSERT_FALSE(test, IS_ERR(mover));

	/* Run until both sides have done their share. */
	deadline = jiffies + TBV_STRESS_DEADLINE;
	while (ok && (iter < TBV_STRESS_ITERATIONS ||
		      READ_ONCE(m.moves) < TBV_STRESS_ITERATIONS) &&
	       !completion_done(&m.done)) {
		if (time_after(jiffies, deadline)) {
			KUNIT_FAIL(test, "not done after %u s",
				   TBV_STRESS_DEADLINE / HZ);
			break;
		}
		i = iter % n;
		moves = READ_ONCE(m.moves);
		before = tbv_fault_count();
		if (iter & 1) {
			err = put_user(tbv_pattern(i, 1), tbv_user(t, i));
		} else {
			err = get_user(val, tbv_user(t, i));
			if (!err && val != tbv_pattern(i, 1)) {
				KUNIT_FAIL(test, "page %lu reads %#x, not %#x",
					   i, val, tbv_pattern(i, 1));
				ok = false;
			}
		}
		if (err) {
			KUNIT_FAIL(test, "access to page %lu: %d", i, err);
			ok = false;
		}
		faults += tbv_fault_count() - before;
		if (!tbv_no_stale_entry(t, n, &present))
			ok = false;
		atomic_long_inc(&m.accesses);
		wake_up(&m.wq);
		/*
		 * With more than one CPU the two threads run concurrently. On
		 * one CPU without preemption, let them alternate.
		 */
		if (num_online_cpus() == 1)
			wait_event_timeout(m.wq, READ_ONCE(m.moves) != moves ||
					   completion_done(&m.done), HZ);
		iter++;
		cond_resched();
	}
	atomic_set(&m.stop, 1);
	wait_for_completion(&m.done);

	kunit_info(test, "%lu accesses, %lu faults, %lu entries checked; %lu moves, %lu evictions\n",
		   iter, faults, present, m.moves, m.evictions);
	KUNIT_EXPECT_EQ(test, m.err, 0);
	KUNIT_EXPECT_GE(test, iter, TBV_STRESS_ITERATIONS);
	KUNIT_EXPECT_GE(test, m.moves, TBV_STRESS_ITERATIONS);
	KUNIT_EXPECT_GT(test, m.evictions, 0);
	/*
	 * The two sides did meet: accesses found the mapping zapped after
	 * at least every tenth move, and found entries to check.
	 */
	KUNIT_EXPECT_GE(test, faults, m.moves / 10);
	KUNIT_EXPECT_GT(test, present, 0);
	tbv_unmap(t);
}

static struct kunit_case ttm_bo_vm_test_cases[] = {
	KUNIT_CASE_PARAM(ttm_bo_vm_system_read_fault, tbv_caching_gen_params),
	KUNIT_CASE_PARAM(ttm_bo_vm_write_fault_dirty, tbv_caching_gen_params),
	KUNIT_CASE_PARAM(ttm_bo_vm_write_touch_faults, tbv_mem_gen_params),
	KUNIT_CASE(ttm_bo_vm_pfn_mkwrite_unchanged),
	KUNIT_CASE(ttm_bo_vm_pfn_mkwrite_pagetable_clean),
	KUNIT_CASE(ttm_bo_vm_readonly_prot_unchanged),
	KUNIT_CASE(ttm_bo_vm_no_prefault),
	KUNIT_CASE_PARAM(ttm_bo_vm_move_zaps, tbv_caching_gen_params),
	KUNIT_CASE_PARAM(ttm_bo_vm_purge_zaps, tbv_mem_gen_params),
	KUNIT_CASE(ttm_bo_vm_cow_refused),
	KUNIT_CASE_PARAM(ttm_bo_vm_past_end_sigbus, tbv_mem_gen_params),
	KUNIT_CASE(ttm_bo_vm_imported_sigbus),
	KUNIT_CASE(ttm_bo_vm_unplug_dummy_page),
	KUNIT_CASE_SLOW(ttm_bo_vm_fault_move_stress),
	{}
};

static struct kunit_suite ttm_bo_vm_test_suite = {
	.name = "ttm_bo_vm",
	.init = tbv_init,
	.exit = tbv_exit,
	.test_cases = ttm_bo_vm_test_cases,
};

kunit_test_suites(&ttm_bo_vm_test_suite);

MODULE_DESCRIPTION("KUnit tests for the TTM fault path");
MODULE_LICENSE("GPL and additional rights");
