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
 *
 * The huge-fault suite, ttm_bo_vm_huge, maps through a DRM file of its own
 * mock driver instead (mock_drm_getfile(), DEFINE_DRM_GEM_FOPS()), so that
 * mmap(NULL) is placed by drm_gem_get_unmapped_area() and the mapping made
 * by drm_gem_mmap(), as for a driver's buffer objects; the file is granted
 * access to each object by a GEM handle. Its mock VRAM is two PMDs of
 * pages, and for the PUD case it adds TTM_PL_PRIV, 1 GiB of physical memory
 * outside System RAM given by ttm_bo_vm_test.pud_base.
 */
#include <linux/anon_inodes.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/dma-fence.h>
#include <linux/dma-resv.h>
#include <linux/file.h>
#include <linux/io.h>
#include <linux/ioport.h>
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
#include <asm/syscall.h>
#include <asm/unistd.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_ttm_helper.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_vma_manager.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_pool.h>
#include <drm/ttm/ttm_tt.h>

#include <kunit/test.h>

#include "ttm_kunit_helpers.h"
#include "ttm_mock_manager.h"

/* Four prefault windows. */
#define TBV_BO_PAGES		(4 * TTM_BO_VM_NUM_PREFAULT)
/* Room for two buffer objects of TBV_BO_PAGES in the mock VRAM. */
#define TBV_VRAM_ORDER		(ilog2(TBV_BO_PAGES) + 1)
#define TBV_STRESS_PAGES	4
#define TBV_STRESS_ITERATIONS	10000
/*
 * Stop a stress case after this long, rather than hit KUnit's timeout (300 s
 * by default). An idle machine does all iterations well within it under TCG;
 * a loaded one may not (7648 of 10000 moves on arm64 -cpu max while another
 * kernel built): a stopped case must then have done a tenth of its share.
 */
#define TBV_STRESS_DEADLINE	(240 * HZ)

/*
 * A 1 GiB range of physical memory outside System RAM for the PUD case of
 * the huge-fault suite, e.g. reserved by booting with
 *   memmap=1G$0x80000000 ttm_bo_vm_test.pud_base=0x80000000
 */
static unsigned long long pud_base;
module_param(pud_base, ullong, 0444);
MODULE_PARM_DESC(pud_base,
		 "physical address of 1 GiB outside System RAM for PUD entries (0: none)");

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
	bool priv_ready;
	bool priv_memtype;
	/* the mock VRAM: pages from page vram_skew of 2^vram_order pages */
	unsigned int vram_order;
	unsigned long vram_skew;
	/* swap pages 1 and 2 of each ttm_tt: not physically contiguous */
	bool scramble;
	/*
	 * The GEM object gets a shmem file it is never mapped through, as
	 * drm_gem_object_init() gives the buffer objects of the VRAM helpers,
	 * qxl and loongson.
	 */
	bool shmem_gem;
	/* caching of the ttm_tt of the next buffer object */
	enum ttm_caching tt_caching;
	struct page *vram;
	bool vram_memtype;
	struct ttm_buffer_object *bo;
	/* huge-fault suite: the DRM file, and the object's handle in it */
	struct drm_file *drm_priv;
	u32 handle;
	/* what the last fault of a wrapping handler got from TTM */
	vm_fault_t last_ret;
	/* a reference to the DRM device is held */
	bool drm_ref;
	/* completed when the buffer object is destroyed */
	struct completion bo_gone;
	/* the file tbv_map() maps: the DRM file in the huge-fault suite */
	struct file *file;
	/* a file whose mmap is ttm_bo_mmap_obj(), without DRM's checks */
	struct file *ttm_file;
	/* vm_ops for the next mapping; NULL: TTM's own */
	const struct vm_operations_struct *vm_ops;
	unsigned long uaddr;
	unsigned long len;
	/* the object's page that page 0 of the mapping maps */
	unsigned long pgoff;
	atomic_t pfn_mkwrite_calls;
	/* calls of the mock driver's preparation, by the PTE and huge paths */
	atomic_t driver_pte_calls;
	atomic_t driver_huge_calls;
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

static const struct ttm_place tbv_priv_place = {
	.mem_type = TTM_PL_PRIV,
	.flags = TTM_PL_FLAG_CONTIGUOUS,
};

static struct ttm_placement tbv_priv_placement = {
	.num_placement = 1,
	.placement = &tbv_priv_place,
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
	if (mem_type == TTM_PL_PRIV)
		return &tbv_priv_placement;
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

/* The pool's pages; with t->scramble, pages 1 and 2 swapped. */
static int tbv_tt_populate(struct ttm_device *bdev, struct ttm_tt *tt,
			   struct ttm_operation_ctx *ctx)
{
	int err = ttm_pool_alloc(&bdev->pool, tt, ctx);

	if (!err && tbv_from_bdev(bdev)->scramble && tt->num_pages > 2)
		swap(tt->pages[1], tt->pages[2]);
	return err;
}

static void tbv_tt_unpopulate(struct ttm_device *bdev, struct ttm_tt *tt)
{
	if (tbv_from_bdev(bdev)->scramble && tt->num_pages > 2)
		swap(tt->pages[1], tt->pages[2]);
	ttm_pool_free(&bdev->pool, tt);
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

	if (res->mem_type != TTM_PL_VRAM && res->mem_type != TTM_PL_PRIV)
		return 0;

	/* Buffer objects here are a power of two in size: one block. */
	mres = container_of(res, struct ttm_mock_resource, base);
	if (!list_is_singular(&mres->blocks))
		return -EINVAL;

	offset = tbv_vram_offset(res);
	if (res->mem_type == TTM_PL_PRIV) {
		/* Not RAM: TTM ioremaps it where it needs a kernel mapping. */
		res->bus.offset = pud_base + offset;
	} else {
		offset += t->vram_skew << PAGE_SHIFT;
		res->bus.offset = page_to_phys(t->vram) + offset;
		res->bus.addr = page_address(t->vram) + offset;
	}
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
	.ttm_tt_populate = tbv_tt_populate,
	.ttm_tt_unpopulate = tbv_tt_unpopulate,
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

/*
 * The DRM device: the KUnit helpers' with @driver, or with no more than
 * DRIVER_GEM.
 */
static struct ttm_test_devices *tbv_devices(struct kunit *test,
					    const struct drm_driver *driver)
{
	struct ttm_test_devices *devs;

	if (!driver)
		return ttm_test_devices_basic(test);

	devs = kunit_kzalloc(test, sizeof(*devs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, devs);
	devs->dev = drm_kunit_helper_alloc_device(test);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, devs->dev);
	devs->dev->coherent_dma_mask = -1;
	devs->drm = __drm_kunit_helper_alloc_drm_device_with_driver(test,
								    devs->dev,
								    sizeof(*devs->drm),
								    0, driver);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, devs->drm);
	return devs;
}

static int __tbv_init(struct kunit *test, unsigned int vram_order,
		      const struct drm_driver *driver)
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

	t->devs = tbv_devices(test, driver);
	drm = t->devs->drm;
	/* Held until the buffer object is gone, for its GEM release. */
	drm_dev_get(drm);
	t->drm_ref = true;

	t->vram = alloc_pages(GFP_KERNEL | __GFP_ZERO, vram_order);
	KUNIT_ASSERT_NOT_NULL(test, t->vram);
	t->vram_order = vram_order;
#ifdef CONFIG_X86
	/*
	 * With PAT, the entry's memory type follows the one recorded for a
	 * RAM page: record the write-combined type of the mock aperture.
	 */
	err = set_memory_wc((unsigned long)page_address(t->vram),
			    1 << vram_order);
	KUNIT_ASSERT_EQ(test, err, 0);
	t->vram_memtype = true;
#endif

	err = ttm_device_init(&t->bdev, &tbv_funcs, drm->dev,
			      drm->anon_inode->i_mapping,
			      drm->vma_offset_manager, 0);
	KUNIT_ASSERT_EQ(test, err, 0);
	t->bdev_ready = true;

	err = ttm_mock_manager_init(&t->bdev, TTM_PL_VRAM,
				    PAGE_SIZE << vram_order);
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
	t->ttm_file = t->file;
	return 0;
}

static int tbv_init(struct kunit *test)
{
	return __tbv_init(test, TBV_VRAM_ORDER, NULL);
}

static void tbv_exit(struct kunit *test)
{
	struct tbv_test *t = test->priv;

	if (!t)
		return;
	if (t->bo) {
		if (t->handle)
			drm_gem_handle_delete(t->drm_priv, t->handle);
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
	if (t->priv_ready)
		ttm_mock_manager_fini(&t->bdev, TTM_PL_PRIV);
	if (t->priv_memtype)
		arch_io_free_memtype_wc(pud_base, PUD_SIZE);
	if (t->vram_ready)
		ttm_mock_manager_fini(&t->bdev, TTM_PL_VRAM);
	if (t->bdev_ready)
		ttm_device_fini(&t->bdev);
	if (t->vram) {
#ifdef CONFIG_X86
		if (t->vram_memtype)
			set_memory_wb((unsigned long)page_address(t->vram),
				      1 << t->vram_order);
#endif
		__free_pages(t->vram, t->vram_order);
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

/*
 * Mapped through drm_gem_mmap() (the huge-fault suite's DRM file), as
 * drm_gem_ttm_mmap() maps: drm_gem_mmap_obj() took a GEM reference for the
 * mapping, ttm_bo_mmap_obj() takes TTM's. The case's vm_operations, if it
 * has any, as drivers with their own set them.
 */
static int tbv_gem_mmap(struct drm_gem_object *obj, struct vm_area_struct *vma)
{
	struct ttm_buffer_object *bo =
		container_of(obj, struct ttm_buffer_object, base);
	struct tbv_test *t = tbv_from_bdev(bo->bdev);
	int err;

	if (t->vm_ops)
		vma->vm_ops = t->vm_ops;
	err = ttm_bo_mmap_obj(vma, bo);
	if (err)
		return err;
	drm_gem_object_put(obj);
	return 0;
}

static const struct drm_gem_object_funcs tbv_gem_funcs = {
	.free = tbv_gem_free,
	.mmap = tbv_gem_mmap,
	.mapping_order = drm_gem_ttm_mapping_order,
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
	if (t->shmem_gem) {
		err = drm_gem_object_init(t->devs->drm, &bo->base,
					  pages << PAGE_SHIFT);
		if (err)
			kfree(bo);
		KUNIT_ASSERT_EQ(test, err, 0);
	} else {
		drm_gem_private_object_init(t->devs->drm, &bo->base,
					    pages << PAGE_SHIFT);
	}
	bo->base.funcs = &tbv_gem_funcs;
	err = ttm_bo_init_reserved(&t->bdev, bo, type,
				   tbv_placement(mem_type), 0, &ctx, sg, NULL,
				   tbv_bo_destroy);
	KUNIT_ASSERT_EQ(test, err, 0);
	dma_resv_unlock(bo->base.resv);
	t->bo = bo;
	if (t->drm_priv) {
		/* As a driver's create ioctl does: the file may map it. */
		err = drm_gem_handle_create(t->drm_priv, &bo->base, &t->handle);
		KUNIT_ASSERT_EQ(test, err, 0);
	}
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

/*
 * Map @pages pages of the buffer object through @file at @addr with @flags
 * (0: where get_unmapped_area puts it).
 */
static void tbv_map_file(struct tbv_test *t, struct file *file,
			 unsigned long addr, unsigned long pages,
			 unsigned long flags)
{
	unsigned long ret;

	ret = kunit_vm_mmap(t->test, file, addr, pages << PAGE_SHIFT,
			    PROT_READ | PROT_WRITE, MAP_SHARED | flags,
			    drm_vma_node_offset_addr(&t->bo->base.vma_node));
	KUNIT_ASSERT_FALSE_MSG(t->test, IS_ERR_VALUE(ret), "mmap: %ld",
			       (long)ret);
	KUNIT_ASSERT_NE(t->test, ret, 0);
	if (flags & MAP_FIXED)
		KUNIT_ASSERT_EQ(t->test, ret, addr);
	t->uaddr = ret;
	t->len = pages << PAGE_SHIFT;
}

/* A PMD-aligned address with @pages pages free from it. */
static unsigned long tbv_aligned_hole(struct tbv_test *t, unsigned long pages)
{
	unsigned long len = pages << PAGE_SHIFT;
	unsigned long hole;

	hole = kunit_vm_mmap(t->test, NULL, 0, len + PMD_SIZE, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_FALSE_MSG(t->test, !hole || IS_ERR_VALUE(hole),
			       "mmap: %ld", (long)hole);
	KUNIT_ASSERT_EQ(t->test, vm_munmap(hole, len + PMD_SIZE), 0);
	return ALIGN(hole, PMD_SIZE);
}

/*
 * Map @pages pages of the buffer object, shared and writable, from a
 * PMD-aligned address. In a vma with a huge_fault handler, the prefault
 * window and the dummy page's range end at a PMD boundary: what the cases
 * count must not depend on where mmap() would have placed the mapping.
 */
static void tbv_map(struct tbv_test *t, unsigned long pages)
{
	tbv_map_file(t, t->file, tbv_aligned_hole(t, pages), pages, MAP_FIXED);
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
		return page_to_pfn(t->vram) + t->vram_skew +
		       PHYS_PFN(tbv_vram_offset(bo->resource)) + i;
	if (bo->resource->mem_type == TTM_PL_PRIV)
		return PHYS_PFN(pud_base + tbv_vram_offset(bo->resource)) + i;
	if (!bo->ttm || !ttm_tt_is_populated(bo->ttm) || !bo->ttm->pages[i])
		return 0;
	return page_to_pfn(bo->ttm->pages[i]);
}

static int tbv_copy_pte(pte_t *ptep, unsigned long addr, void *data)
{
	*(pte_t *)data = ptep_get(ptep);
	return 0;
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

/* The memory-type bits of a PMD or PUD leaf's pgprot, as a PTE's. */
static unsigned long __maybe_unused tbv_huge_cache_bits(pgprot_t prot)
{
#ifdef CONFIG_X86
	/* Leaves have PSE where PTEs have the PAT bit. */
	return tbv_cache_bits(pgprot_large_2_4k(prot));
#else
	return tbv_cache_bits(prot);
#endif
}

/*
 * The entry that maps a user address: a PTE, or a PMD or PUD leaf, each
 * a mapping of the address as much as the other. @pfn is the pfn of the
 * page at the address (for a leaf, its first pfn plus the offset into it).
 */
struct tbv_entry {
	pte_t pte;
	unsigned long pfn;
	unsigned long cache_bits;
	bool special, dirty, write, young;
};

/*
 * Read the entry mapping @addr, under the page table lock of its level as
 * the core takes it; mmap lock held. Returns its order (0 for a PTE), or
 * -1 where nothing is mapped. A present leaf is never taken for an empty
 * entry: where this build cannot decode one, it is returned with a pfn of
 * 0, which no page of a buffer object has.
 */
static int tbv_read_entry_locked(struct mm_struct *mm, unsigned long addr,
				 struct tbv_entry *e)
{
	spinlock_t *ptl;	/* the page table lock of a leaf */
	pud_t *pudp, pud;
	pmd_t *pmdp, pmd;
	pgd_t *pgd;
	p4d_t *p4d;
	pte_t pte;

	memset(e, 0, sizeof(*e));
	pgd = pgd_offset(mm, addr);
	if (pgd_none(*pgd) || pgd_bad(*pgd))
		return -1;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(*p4d) || p4d_bad(*p4d))
		return -1;
	pudp = pud_offset(p4d, addr);
	ptl = pud_lock(mm, pudp);
	pud = pudp_get(pudp);
	spin_unlock(ptl);
	if (pud_none(pud))
		return -1;
	if (pud_leaf(pud)) {
#ifdef CONFIG_ARCH_SUPPORTS_PUD_PFNMAP
		e->pfn = pud_pfn(pud) + ((addr & ~PUD_MASK) >> PAGE_SHIFT);
		e->cache_bits = tbv_huge_cache_bits(pud_pgprot(pud));
		e->special = pud_special(pud);
		e->dirty = pud_dirty(pud);
		e->write = pud_write(pud);
		e->young = pud_young(pud);
#endif
		return PUD_ORDER;
	}
	pmdp = pmd_offset(pudp, addr);
	ptl = pmd_lock(mm, pmdp);
	pmd = pmdp_get(pmdp);
	spin_unlock(ptl);
	if (pmd_none(pmd))
		return -1;
	if (pmd_leaf(pmd)) {
#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
		e->pfn = pmd_pfn(pmd) + ((addr & ~PMD_MASK) >> PAGE_SHIFT);
		e->cache_bits = tbv_huge_cache_bits(pmd_pgprot(pmd));
		e->special = pmd_special(pmd);
		e->dirty = pmd_dirty(pmd);
		e->write = pmd_write(pmd);
		e->young = pmd_young(pmd);
#endif
		return PMD_ORDER;
	}
	/* The last level under the PTE lock. */
	pte = __pte(0);
	if (apply_to_existing_page_range(mm, addr & PAGE_MASK, PAGE_SIZE,
					 tbv_copy_pte, &pte) ||
	    !pte_present(pte))
		return -1;
	e->pte = pte;
	e->pfn = pte_pfn(pte);
	e->cache_bits = tbv_cache_bits(pte_pgprot(pte));
	e->special = pte_special(pte);
	e->dirty = pte_dirty(pte);
	e->write = pte_write(pte);
	e->young = pte_young(pte);
	return 0;
}

static int tbv_read_entry(struct tbv_test *t, unsigned long i,
			  struct tbv_entry *e)
{
	struct mm_struct *mm = current->mm;
	int order;

	mmap_read_lock(mm);
	order = tbv_read_entry_locked(mm, t->uaddr + i * PAGE_SIZE, e);
	mmap_read_unlock(mm);
	return order;
}

/* The number of pages from page @i to the end of an entry of @order there. */
static unsigned long tbv_entry_pages(struct tbv_test *t, unsigned long i,
				     int order)
{
	unsigned long addr = t->uaddr + i * PAGE_SIZE;

	if (order <= 0)
		return 1;
	return (ALIGN(addr + 1, PAGE_SIZE << order) - addr) >> PAGE_SHIFT;
}

/* Read the PTE mapping page @i, if a PTE maps it. */
static bool tbv_read_pte(struct tbv_test *t, unsigned long i, pte_t *out)
{
	struct tbv_entry e;
	bool found = tbv_read_entry(t, i, &e) == 0;

	*out = e.pte;
	return found;
}

/*
 * The pages from @from to @to mapped by entries of @order, or by any entry
 * for an @order below 0.
 */
static unsigned long tbv_count_entries(struct tbv_test *t, unsigned long from,
				       unsigned long to, int order)
{
	unsigned long i, next, n = 0;
	struct tbv_entry e;
	int found;

	for (i = from; i < to; i = next) {
		found = tbv_read_entry(t, i, &e);
		next = min(to, i + tbv_entry_pages(t, i, found));
		if (found >= 0 && (order < 0 || found == order))
			n += next - i;
	}
	return n;
}

/* The pages from @from to @to that are mapped, by PTEs or leaves. */
static unsigned long tbv_count_mapped(struct tbv_test *t, unsigned long from,
				      unsigned long to)
{
	return tbv_count_entries(t, from, to, -1);
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

/* The memory-type bits that entries for the current placement must have. */
static unsigned long tbv_expected_cache_bits(struct tbv_test *t)
{
	pgprot_t shared = vm_get_page_prot(VM_READ | VM_WRITE | VM_SHARED);
	enum ttm_caching caching;

	caching = t->bo->resource->mem_type == TTM_PL_SYSTEM ?
		  t->bo->ttm->caching : ttm_write_combined;
	return tbv_cache_bits(tbv_caching_prot(caching, shared));
}

/*
 * Page @i must be mapped by a PTE to the pfn backing it now, with the
 * memory type of its placement; returns the PTE.
 */
static pte_t tbv_expect_mapped(struct tbv_test *t, unsigned long i)
{
	struct kunit *test = t->test;
	struct tbv_entry e;

	KUNIT_ASSERT_EQ_MSG(test, tbv_read_entry(t, i, &e), 0,
			    "no PTE for page %lu (order of the entry; -1: none)",
			    i);
	KUNIT_EXPECT_EQ_MSG(test, e.pfn, tbv_bo_pfn(t, t->pgoff + i),
			    "page %lu", i);
	if (IS_ENABLED(CONFIG_ARCH_HAS_PTE_SPECIAL))
		KUNIT_EXPECT_TRUE(test, e.special);
	KUNIT_EXPECT_EQ_MSG(test, e.cache_bits, tbv_expected_cache_bits(t),
			    "page %lu", i);
	return e.pte;
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

/*
 * Inject a fault with @flags at page @i without touching memory, under the
 * mmap_lock. With FAULT_FLAG_ALLOW_RETRY, a fault that returns
 * VM_FAULT_RETRY (or VM_FAULT_COMPLETED) has released the mmap_lock.
 */
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
	if (!(ret & VM_FAULT_COMPLETED) &&
	    (!(ret & VM_FAULT_RETRY) || (flags & FAULT_FLAG_RETRY_NOWAIT)))
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
 * with the caching of the ttm_tt, ready for stores: the mapping is shared and
 * writable, so the entries are young, dirty and writable.
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
		tbv_expect_state(t, i, true, true);

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
 * the faulting page and the prefaulted ones, and so does a read fault: the
 * mapping is shared and writable. A store to a page a read fault mapped then
 * takes no fault, also where the hardware does not set the dirty bit, and a
 * write fault on an entry that is there is the core's business, as before.
 */
static void ttm_bo_vm_write_fault_dirty(struct kunit *test)
{
	struct tbv_test *t = test->priv;
	unsigned long i;
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
		tbv_expect_state(t, i, true, true);
	KUNIT_EXPECT_EQ(test, tbv_count_mapped(t, 0, TBV_BO_PAGES),
			2 * TTM_BO_VM_NUM_PREFAULT);

	i = 2 * TTM_BO_VM_NUM_PREFAULT + 1;
	migrate_disable();
	KUNIT_EXPECT_EQ(test, tbv_write(t, i, 1), 0);
	migrate_enable();
	tbv_expect_state(t, i, true, true);

	/* The core finds the entry ready and does not call TTM. */
	i = 2 * TTM_BO_VM_NUM_PREFAULT + 2;
	ret = tbv_inject(t, i, FAULT_FLAG_WRITE);
	TBV_EXPECT_FAULT(test, ret, 0);
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
 * Reading every page of a buffer object and then writing every page takes one
 * fault per prefault window for the reads and none for the writes, also where
 * the hardware does not set the dirty bit (arm64 without FEAT_HAFDBS, where a
 * clean entry would cost a fault per page on its first store). A mapping
 * that is not writable gets clean, read-only entries.
 */
static void ttm_bo_vm_write_after_read(struct kunit *test)
{
	const struct tbv_mem_param *p = test->param_value;
	struct tbv_test *t = test->priv;
	unsigned long i, addr, read_faults = 0, write_faults = 0;
	u32 val;

	tbv_bo_create(t, p->mem_type, TBV_BO_PAGES);
	tbv_map(t, TBV_BO_PAGES);

	migrate_disable();
	for (i = 0; i < TBV_BO_PAGES; i++)
		read_faults += tbv_read(t, i, &val);
	for (i = 0; i < TBV_BO_PAGES; i++)
		write_faults += tbv_write(t, i, tbv_pattern(i, 1));
	migrate_enable();
	kunit_info(test, "%s, dirty bit set by %s: %lu faults to read %lu pages, %lu to write them then\n",
		   p->name, tbv_clean_write_faults() ? "software" : "hardware",
		   read_faults, (unsigned long)TBV_BO_PAGES, write_faults);
	KUNIT_EXPECT_EQ(test, read_faults,
			TBV_BO_PAGES / TTM_BO_VM_NUM_PREFAULT);
	KUNIT_EXPECT_EQ(test, write_faults, 0);
	for (i = 0; i < TBV_BO_PAGES; i++)
		tbv_expect_state(t, i, true, true);
	tbv_unmap(t);

	addr = kunit_vm_mmap(test, t->file, 0, TBV_BO_PAGES << PAGE_SHIFT,
			     PROT_READ, MAP_SHARED,
			     drm_vma_node_offset_addr(&t->bo->base.vma_node));
	KUNIT_ASSERT_FALSE(test, !addr || IS_ERR_VALUE(addr));
	t->uaddr = addr;
	t->len = TBV_BO_PAGES << PAGE_SHIFT;
	KUNIT_EXPECT_EQ(test, tbv_read(t, 0, &val), 1);
	KUNIT_EXPECT_EQ(test, val, tbv_pattern(0, 1));
	for (i = 0; i < TTM_BO_VM_NUM_PREFAULT; i++)
		tbv_expect_state(t, i, false, false);
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
		tbv_expect_state(t, i, true, true);
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
 * zeroed dummy page over the part of the vma in the PMD-sized range of the
 * fault: here the whole vma.
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
 * current placement: a PTE to the page it maps, a PMD or PUD leaf to the
 * pages of all the range it maps, which are all checked (a present leaf is
 * as much a mapping as a PTE). Lock order as in the fault path: mmap lock,
 * then the reservation. Counts the pages found mapped, and of those the
 * pages mapped by leaves.
 */
static bool tbv_no_stale_entry(struct tbv_test *t, unsigned long npages,
			       unsigned long *present, unsigned long *huge)
{
	struct mm_struct *mm = current->mm;
	unsigned long i, j, end;
	struct tbv_entry e;
	bool ok = true;
	int order;

	mmap_read_lock(mm);
	dma_resv_lock(t->bo->base.resv, NULL);
	for (i = 0; i < npages && ok; i = end) {
		order = tbv_read_entry_locked(mm, t->uaddr + i * PAGE_SIZE, &e);
		end = min(npages, i + tbv_entry_pages(t, i, order));
		if (order < 0)
			continue;
		*present += end - i;
		if (order > 0)
			*huge += end - i;
		for (j = i; j < end; j++) {
			if (e.pfn + (j - i) == tbv_bo_pfn(t, j))
				continue;
			KUNIT_FAIL(t->test,
				   "page %lu maps pfn %#lx (entry of order %d), the object is at %#lx",
				   j, e.pfn + (j - i), order, tbv_bo_pfn(t, j));
			ok = false;
			break;
		}
	}
	dma_resv_unlock(t->bo->base.resv);
	mmap_read_unlock(mm);
	return ok;
}

/*
 * Faults and stores from this thread to pages @stride apart of the @n
 * mapped pages while another thread moves the buffer object between VRAM
 * and system memory, or evicts it: every access sees the data, and no
 * entry ever points to a placement the object has left. Returns the pages
 * the checks found mapped by leaves.
 */
static unsigned long tbv_fault_move_stress(struct tbv_test *t, unsigned long n,
					   unsigned long iterations,
					   unsigned long stride)
{
	unsigned long iter = 0, faults = 0, present = 0, huge = 0;
	struct tbv_mover m = { .t = t };
	unsigned long i, before, moves, deadline, want = iterations;
	struct kunit *test = t->test;
	struct task_struct *mover;
	bool ok = true;
	u32 val;
	int err;

	for (i = 0; i < n; i++)
		tbv_write(t, i, tbv_pattern(i, 1));

	init_completion(&m.done);
	init_waitqueue_head(&m.wq);
	mover = kthread_run(tbv_mover_fn, &m, "ttm_bo_vm_mover");
	KUNIT_ASSERT_FALSE(test, IS_ERR(mover));

	/* Run until both sides have done their share. */
	deadline = jiffies + TBV_STRESS_DEADLINE;
	while (ok && (iter < iterations || READ_ONCE(m.moves) < iterations) &&
	       !completion_done(&m.done)) {
		if (time_after(jiffies, deadline)) {
			kunit_info(test, "stopped after %u s: a slow machine, a tenth of the iterations required\n",
				   TBV_STRESS_DEADLINE / HZ);
			want = iterations / 10;
			break;
		}
		i = (iter * stride) % n;
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
		if (!tbv_no_stale_entry(t, n, &present, &huge))
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

	kunit_info(test, "%lu accesses, %lu faults, %lu mapped pages checked (%lu under leaves); %lu moves, %lu evictions\n",
		   iter, faults, present, huge, m.moves, m.evictions);
	KUNIT_EXPECT_EQ(test, m.err, 0);
	KUNIT_EXPECT_GE(test, iter, want);
	KUNIT_EXPECT_GE(test, m.moves, want);
	KUNIT_EXPECT_GT(test, m.evictions, 0);
	/*
	 * The two sides did meet: accesses found the mapping zapped after
	 * at least every tenth move, and found entries to check.
	 */
	KUNIT_EXPECT_GE(test, faults, m.moves / 10);
	KUNIT_EXPECT_GT(test, present, 0);
	return huge;
}

static void ttm_bo_vm_fault_move_stress(struct kunit *test)
{
	struct tbv_test *t = test->priv;

	tbv_bo_create(t, TTM_PL_SYSTEM, TBV_STRESS_PAGES);
	tbv_map(t, TBV_STRESS_PAGES);
	tbv_fault_move_stress(t, TBV_STRESS_PAGES, TBV_STRESS_ITERATIONS, 1);
	tbv_unmap(t);
}

static struct kunit_case ttm_bo_vm_test_cases[] = {
	KUNIT_CASE_PARAM(ttm_bo_vm_system_read_fault, tbv_caching_gen_params),
	KUNIT_CASE_PARAM(ttm_bo_vm_write_fault_dirty, tbv_caching_gen_params),
	KUNIT_CASE_PARAM(ttm_bo_vm_write_touch_faults, tbv_mem_gen_params),
	KUNIT_CASE_PARAM(ttm_bo_vm_write_after_read, tbv_mem_gen_params),
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

/*
 * The huge-fault suite: ttm_bo_vm_huge_fault(), with mappings placed by
 * drm_gem_get_unmapped_area() and made by drm_gem_mmap(). Its mock VRAM is
 * two PMD-sized entries of pages.
 */
#define TBV_PMD_PAGES		BIT(PMD_ORDER)
#define TBV_NO_2M_BLOCK \
	"memory too fragmented: the pool gave no aligned 2 MiB block"
/* How long a helper thread keeps a buffer object busy at most. */
#define TBV_BUSY_TIMEOUT	(5 * HZ)
#define TBV_HUGE_STRESS_ITERATIONS	200

/* The DRM file operations of a GEM driver, drm_gem_get_unmapped_area() too. */
DEFINE_DRM_GEM_FOPS(tbv_drm_fops);

static const struct drm_driver tbv_drm_driver = {
	.driver_features = DRIVER_GEM,
	.fops = &tbv_drm_fops,
};

static int tbv_huge_init(struct kunit *test)
{
	struct file *file;
	struct tbv_test *t;
	int err;

	if (!IS_ENABLED(CONFIG_ARCH_SUPPORTS_PMD_PFNMAP))
		kunit_skip(test,
			   "no huge PFN mappings on this architecture: CONFIG_ARCH_SUPPORTS_PMD_PFNMAP is off");
	if (PMD_ORDER + 1 > MAX_PAGE_ORDER)
		kunit_skip(test,
			   "two PMDs of contiguous pages are more than MAX_PAGE_ORDER allows with this page size");
	err = __tbv_init(test, PMD_ORDER + 1, &tbv_drm_driver);
	if (err)
		return err;
	t = test->priv;

	/*
	 * A file of the DRM device, as open() of its node gives (sharing the
	 * device's address_space): mmap() of it goes through
	 * drm_gem_get_unmapped_area() and drm_gem_mmap().
	 */
	file = mock_drm_getfile(t->devs->drm->primary, O_RDWR);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(file), "mock_drm_getfile: %ld",
			       PTR_ERR(file));
	err = kunit_add_action_or_reset(test, tbv_fput, file);
	KUNIT_ASSERT_EQ(test, err, 0);
	t->file = file;
	t->drm_priv = file->private_data;
	return 0;
}

/*
 * Page @i must be mapped by a special entry of @order for the current
 * placement: the pfn backing page @i, the placement's memory type, and
 * dirty and writable as given (a dirty entry young too).
 */
static void tbv_expect_leaf(struct tbv_test *t, unsigned long i, int order,
			    bool dirty, bool write)
{
	struct kunit *test = t->test;
	struct tbv_entry e;

	KUNIT_ASSERT_EQ_MSG(test, tbv_read_entry(t, i, &e), order,
			    "order of the entry for page %lu", i);
	KUNIT_EXPECT_EQ_MSG(test, e.pfn, tbv_bo_pfn(t, t->pgoff + i),
			    "page %lu", i);
	if (order || IS_ENABLED(CONFIG_ARCH_HAS_PTE_SPECIAL))
		KUNIT_EXPECT_TRUE_MSG(test, e.special, "page %lu", i);
	KUNIT_EXPECT_EQ_MSG(test, e.cache_bits, tbv_expected_cache_bits(t),
			    "page %lu", i);
	KUNIT_EXPECT_EQ_MSG(test, e.dirty, dirty, "page %lu", i);
	KUNIT_EXPECT_EQ_MSG(test, e.write, write, "page %lu", i);
	if (dirty)
		KUNIT_EXPECT_TRUE_MSG(test, e.young, "page %lu", i);
}

/* Page @i must be mapped by a PTE for its pfn, or not at all. */
static void tbv_expect_small(struct tbv_test *t, unsigned long i)
{
	struct tbv_entry e;
	int order = tbv_read_entry(t, i, &e);

	KUNIT_EXPECT_LE_MSG(t->test, order, 0, "page %lu mapped huge", i);
	if (!order)
		tbv_expect_mapped(t, i);
}

/*
 * The first pfn of @nr pages of the buffer object from page @i if they are
 * contiguous and aligned to @nr, else 0.
 */
static unsigned long tbv_contiguous(struct tbv_test *t, unsigned long i,
				    unsigned long nr)
{
	unsigned long j, pfn = tbv_bo_pfn(t, i);

	if (!pfn || !IS_ALIGNED(pfn, nr))
		return 0;
	for (j = 1; j < nr; j++)
		if (tbv_bo_pfn(t, i + j) != pfn + j)
			return 0;
	return pfn;
}

/* mmap(NULL) of @pages pages through the DRM file. */
static void tbv_huge_map(struct tbv_test *t, unsigned long pages)
{
	tbv_map_file(t, t->file, 0, pages, 0);
}

/*
 * Make the mock VRAM @pages pages from page @skew of its backing, before
 * anything is placed there: a placement at offset 0 then starts @skew pages
 * past the aligned start of the backing.
 */
static void tbv_vram_reinit(struct tbv_test *t, unsigned long skew,
			    unsigned long pages)
{
	struct kunit *test = t->test;
	int err;

	KUNIT_ASSERT_LE(test, skew + pages, BIT(t->vram_order));
	t->vram_ready = false;
	ttm_mock_manager_fini(&t->bdev, TTM_PL_VRAM);
	t->vram_skew = skew;
	err = ttm_mock_manager_init(&t->bdev, TTM_PL_VRAM, pages << PAGE_SHIFT);
	KUNIT_ASSERT_EQ(test, err, 0);
	ttm_manager_type(&t->bdev, TTM_PL_VRAM)->use_tt = false;
	t->vram_ready = true;
}

struct tbv_huge_param {
	u32 mem_type;
	enum ttm_caching caching;
	const char *name;
};

static const struct tbv_huge_param tbv_huge_params[] = {
	{ TTM_PL_VRAM, ttm_write_combined, "vram" },
	{ TTM_PL_SYSTEM, ttm_cached, "system-cached" },
	{ TTM_PL_SYSTEM, ttm_write_combined, "system-write-combined" },
};

static void tbv_huge_desc(const struct tbv_huge_param *p, char *desc)
{
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(tbv_huge, tbv_huge_params, tbv_huge_desc);

/*
 * A buffer object of two PMDs, in VRAM or in system memory, populated; the
 * case skips where the pool gave no aligned, contiguous PMD of pages (the
 * first PMD is not looked at where the case scrambles it on purpose).
 */
static void tbv_huge_bo(struct tbv_test *t, u32 mem_type,
			enum ttm_caching caching)
{
	struct ttm_operation_ctx ctx = { };
	struct kunit *test = t->test;
	unsigned long i;
	int err;

	t->tt_caching = caching;
	tbv_bo_create(t, mem_type, 2 * TBV_PMD_PAGES);
	if (mem_type == TTM_PL_SYSTEM) {
		dma_resv_lock(t->bo->base.resv, NULL);
		err = ttm_bo_populate(t->bo, &ctx);
		dma_resv_unlock(t->bo->base.resv);
		KUNIT_ASSERT_EQ(test, err, 0);
	}
	for (i = t->scramble ? TBV_PMD_PAGES : 0; i < 2 * TBV_PMD_PAGES;
	     i += TBV_PMD_PAGES)
		if (!tbv_contiguous(t, i, TBV_PMD_PAGES))
			kunit_skip(test, TBV_NO_2M_BLOCK);
}

/*
 * mmap(NULL) through the DRM file is placed PMD-aligned by
 * drm_gem_get_unmapped_area(), and one fault maps each PMD of a contiguous
 * buffer object by a special leaf with the placement's memory type. A
 * write fault makes it young, dirty and writable, and so does a read fault,
 * the mapping being shared and writable: a store after a read costs no
 * fault, also where the hardware does not set dirty bits. No PTE is left.
 */
static void ttm_bo_vm_huge_pmd_map(struct kunit *test)
{
	const struct tbv_huge_param *p = test->param_value;
	const unsigned long n = TBV_PMD_PAGES;
	struct tbv_test *t = test->priv;
	unsigned long i, faults = 0;
	u32 val;

	tbv_huge_bo(t, p->mem_type, p->caching);
	tbv_huge_map(t, 2 * n);
	KUNIT_ASSERT_TRUE_MSG(test, IS_ALIGNED(t->uaddr, PMD_SIZE),
			      "mmap(NULL) returned %#lx", t->uaddr);

	KUNIT_EXPECT_EQ(test, tbv_write(t, 5, tbv_pattern(5, 1)), 1);
	tbv_expect_leaf(t, 0, PMD_ORDER, true, true);
	tbv_expect_leaf(t, n - 1, PMD_ORDER, true, true);
	for (i = 0; i < n; i++)
		faults += tbv_write(t, i, tbv_pattern(i, 1));
	KUNIT_EXPECT_EQ(test, faults, 0);

	KUNIT_EXPECT_EQ(test, tbv_read(t, n + 7, &val), 1);
	tbv_expect_leaf(t, n, PMD_ORDER, true, true);
	migrate_disable();
	KUNIT_EXPECT_EQ(test, tbv_write(t, n + 8, tbv_pattern(n + 8, 1)), 0);
	migrate_enable();
	tbv_expect_leaf(t, 2 * n - 1, PMD_ORDER, true, true);

	for (i = 0, faults = 0; i < 2 * n; i++) {
		if (i >= n)
			faults += tbv_write(t, i, tbv_pattern(i, 1));
		faults += tbv_read(t, i, &val);
		KUNIT_EXPECT_EQ(test, val, tbv_pattern(i, 1));
	}
	KUNIT_EXPECT_EQ(test, faults, 0);
	KUNIT_EXPECT_EQ(test, tbv_count_entries(t, 0, 2 * n, PMD_ORDER),
			2 * n);
	KUNIT_EXPECT_EQ(test, tbv_count_entries(t, 0, 2 * n, 0), 0);
	tbv_unmap(t);
}

/*
 * Where no entry of PMD size fits, the range is mapped by PTEs as before,
 * to the right pfns, and nothing is mapped huge.
 */
enum tbv_fallback {
	TBV_FB_ADDR_MISALIGNED,	/* MAP_FIXED one page off */
	TBV_FB_PFN_MISALIGNED,	/* VRAM at a pfn not aligned to a PMD */
	TBV_FB_BO_SMALLER,	/* half a PMD of buffer object in a PMD of vma */
	TBV_FB_VMA_ENDS_INSIDE,	/* the vma ends inside the second PMD */
	TBV_FB_NOT_CONTIGUOUS,	/* system pages out of order */
	TBV_FB_PFN_MKWRITE,	/* a driver that tracks writes */
	TBV_FB_SPLIT_HUGE,	/* FAULT_FLAG_SPLIT_HUGE (RMP violation) */
};

struct tbv_fallback_param {
	enum tbv_fallback kind;
	u32 mem_type;
	/* TBV_FB_PFN_MISALIGNED: off by half a PMD of pages, not by one */
	bool half_pmd;
	const char *name;
};

static const struct tbv_fallback_param tbv_fallback_params[] = {
	{ TBV_FB_ADDR_MISALIGNED, TTM_PL_VRAM, false, "address-misaligned" },
	{ TBV_FB_PFN_MISALIGNED, TTM_PL_VRAM, false, "vram-pfn-one-page-off" },
	{ TBV_FB_PFN_MISALIGNED, TTM_PL_VRAM, true, "vram-pfn-half-pmd-off" },
	{ TBV_FB_BO_SMALLER, TTM_PL_VRAM, false, "bo-smaller-than-pmd" },
	{ TBV_FB_VMA_ENDS_INSIDE, TTM_PL_VRAM, false, "vma-ends-inside" },
	{ TBV_FB_NOT_CONTIGUOUS, TTM_PL_SYSTEM, false, "system-not-contiguous" },
	{ TBV_FB_PFN_MKWRITE, TTM_PL_SYSTEM, false, "pfn-mkwrite" },
	{ TBV_FB_SPLIT_HUGE, TTM_PL_VRAM, false, "split-huge-vram" },
	{ TBV_FB_SPLIT_HUGE, TTM_PL_SYSTEM, false, "split-huge-system" },
};

static void tbv_fallback_desc(const struct tbv_fallback_param *p, char *desc)
{
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(tbv_fallback, tbv_fallback_params, tbv_fallback_desc);

static const struct vm_operations_struct tbv_tracking_huge_vm_ops = {
	.fault = ttm_bo_vm_fault,
	.huge_fault = ttm_bo_vm_huge_fault,
	.open = ttm_bo_vm_open,
	.close = ttm_bo_vm_close,
	.pfn_mkwrite = tbv_pfn_mkwrite,
};

static void ttm_bo_vm_huge_fallback(struct kunit *test)
{
	const struct tbv_fallback_param *p = test->param_value;
	const unsigned long n = TBV_PMD_PAGES;
	struct tbv_test *t = test->priv;
	unsigned long i, pages = 2 * n, addr, first, skew;
	struct file *file = t->file;
	bool dirty = true, write = true;
	vm_fault_t ret;
	u32 val;

	t->scramble = p->kind == TBV_FB_NOT_CONTIGUOUS;
	if (p->kind == TBV_FB_PFN_MISALIGNED) {
		/* One PMD of buffer object, at a pfn that many pages off. */
		skew = p->half_pmd ? n / 2 : 1;
		tbv_vram_reinit(t, skew, n);
		tbv_bo_create(t, TTM_PL_VRAM, n);
		KUNIT_ASSERT_EQ_MSG(test, tbv_bo_pfn(t, 0) & (n - 1), skew,
				    "buffer object at pfn %#lx",
				    tbv_bo_pfn(t, 0));
		pages = n;
	} else if (p->kind == TBV_FB_BO_SMALLER) {
		/*
		 * Half a PMD of buffer object, at an aligned pfn, so that only
		 * its size is in the way, in a vma of a PMD. drm_gem_mmap()
		 * never maps past the end of a GEM object; the fault handler
		 * must not rely on it, so this maps through ttm_bo_mmap_obj()
		 * alone.
		 */
		tbv_vram_reinit(t, 0, n / 2);
		tbv_bo_create(t, TTM_PL_VRAM, n / 2);
		KUNIT_ASSERT_TRUE_MSG(test, IS_ALIGNED(tbv_bo_pfn(t, 0), n),
				      "buffer object at pfn %#lx",
				      tbv_bo_pfn(t, 0));
		file = t->ttm_file;
		pages = n;
	} else {
		tbv_huge_bo(t, p->mem_type, ttm_cached);
	}
	if (p->kind == TBV_FB_PFN_MKWRITE)
		t->vm_ops = &tbv_tracking_huge_vm_ops;
	if (p->kind == TBV_FB_VMA_ENDS_INSIDE)
		pages = n + n / 2;

	addr = tbv_aligned_hole(t, pages + 1);
	if (p->kind == TBV_FB_ADDR_MISALIGNED)
		addr += PAGE_SIZE;
	tbv_map_file(t, file, addr, pages, MAP_FIXED);

	if (p->kind == TBV_FB_NOT_CONTIGUOUS)
		KUNIT_EXPECT_EQ(test, tbv_contiguous(t, 0, n), 0);

	if (p->kind == TBV_FB_SPLIT_HUGE) {
		/* Mapped huge, then an RMP violation at page 37. */
		KUNIT_EXPECT_EQ(test, tbv_write(t, 0, tbv_pattern(0, 1)), 1);
		tbv_expect_leaf(t, 0, PMD_ORDER, true, true);
		ret = tbv_inject(t, 37, FAULT_FLAG_WRITE | FAULT_FLAG_SPLIT_HUGE);
		TBV_EXPECT_FAULT(test, ret, VM_FAULT_NOPAGE);
		tbv_expect_leaf(t, 37, 0, true, true);
		KUNIT_EXPECT_EQ(test, tbv_count_mapped(t, 0, n),
				TTM_BO_VM_NUM_PREFAULT);
		KUNIT_EXPECT_EQ(test, tbv_read(t, 0, &val), 1);
		KUNIT_EXPECT_EQ(test, val, tbv_pattern(0, 1));
		/* The other half was never mapped: huge. */
		KUNIT_EXPECT_EQ(test, tbv_read(t, n, &val), 1);
		tbv_expect_leaf(t, n, PMD_ORDER, true, true);
		tbv_unmap(t);
		return;
	}

	/* The first PMD falls back, but where the vma ends inside the second. */
	first = p->kind == TBV_FB_VMA_ENDS_INSIDE ? n : 0;
	ret = tbv_inject(t, first, FAULT_FLAG_WRITE);
	TBV_EXPECT_FAULT(test, ret, VM_FAULT_NOPAGE);
	if (p->kind == TBV_FB_PFN_MKWRITE) {
		/* Write-protected and clean, as without huge faults. */
		dirty = false;
		write = false;
	}
	for (i = first; i < first + TTM_BO_VM_NUM_PREFAULT; i++)
		tbv_expect_leaf(t, i, 0, dirty, write);
	for (i = first; i < min(first + n, pages); i += 61)
		tbv_expect_small(t, i);
	if (p->kind == TBV_FB_PFN_MKWRITE) {
		KUNIT_EXPECT_EQ(test, tbv_write(t, 3, 7), 1);
		KUNIT_EXPECT_EQ(test, atomic_read(&t->pfn_mkwrite_calls), 1);
		tbv_expect_leaf(t, 3, 0, true, true);
	}

	if (p->kind == TBV_FB_PFN_MISALIGNED) {
		/* The rest of the PMD faults by prefault windows too. */
		KUNIT_EXPECT_EQ(test, tbv_write(t, n - 1, tbv_pattern(n - 1, 1)),
				1);
		tbv_expect_leaf(t, n - 1, 0, true, true);
	}
	if (p->kind == TBV_FB_ADDR_MISALIGNED) {
		/*
		 * The vma covers the next PMD-sized range whole, but the
		 * pages there are one page off the alignment of the range.
		 */
		ret = tbv_inject(t, n + 10, 0);
		TBV_EXPECT_FAULT(test, ret, VM_FAULT_NOPAGE);
		tbv_expect_leaf(t, n + 10, 0, true, true);
	}
	KUNIT_EXPECT_EQ(test, tbv_count_entries(t, first,
						min(first + n, pages),
						PMD_ORDER), 0);
	if (p->kind == TBV_FB_BO_SMALLER || p->kind == TBV_FB_PFN_MISALIGNED) {
		tbv_unmap(t);
		return;
	}
	/*
	 * The other PMD: the whole first one is inside a vma that ends
	 * inside the second; only the first two pages are out of order.
	 */
	i = first ? 0 : pages - 1;
	ret = tbv_inject(t, i, 0);
	TBV_EXPECT_FAULT(test, ret, VM_FAULT_NOPAGE);
	if (p->kind == TBV_FB_VMA_ENDS_INSIDE ||
	    p->kind == TBV_FB_NOT_CONTIGUOUS)
		tbv_expect_leaf(t, i, PMD_ORDER, true, true);
	else
		tbv_expect_leaf(t, i, 0, dirty, write);

	if (p->kind == TBV_FB_NOT_CONTIGUOUS) {
		/* Prefaulting stops before the leaf that follows. */
		ret = tbv_inject(t, n - 2, FAULT_FLAG_WRITE);
		TBV_EXPECT_FAULT(test, ret, VM_FAULT_NOPAGE);
		tbv_expect_leaf(t, n - 2, 0, true, true);
		tbv_expect_leaf(t, n - 1, 0, true, true);
		tbv_expect_leaf(t, n, PMD_ORDER, true, true);
	}
	tbv_unmap(t);
}

/*
 * The VRAM helpers, qxl and loongson create their buffer objects with
 * drm_gem_object_init(), which gives each a shmem file that nothing maps
 * through: drm_gem_get_unmapped_area() must place their mappings by
 * &drm_gem_object_funcs.mapping_order as well, not by shmem, which leaves
 * them where they fall. Four mappings, each after a page of anonymous
 * memory, so that none is aligned by chance; one fault then maps 2 MiB.
 */
static void ttm_bo_vm_huge_shmem_file(struct kunit *test)
{
	const unsigned long n = TBV_PMD_PAGES;
	struct tbv_test *t = test->priv;
	unsigned long addr[4], spacer;
	int i;

	t->shmem_gem = true;
	tbv_huge_bo(t, TTM_PL_VRAM, ttm_write_combined);
	KUNIT_ASSERT_NOT_NULL(test, t->bo->base.filp);
	for (i = 0; i < ARRAY_SIZE(addr); i++) {
		spacer = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, PROT_READ,
				       MAP_PRIVATE | MAP_ANONYMOUS, 0);
		KUNIT_ASSERT_FALSE(test, !spacer || IS_ERR_VALUE(spacer));
		tbv_huge_map(t, 2 * n);
		addr[i] = t->uaddr;
		KUNIT_EXPECT_TRUE_MSG(test, IS_ALIGNED(addr[i], PMD_SIZE),
				      "mapping %d: mmap(NULL) returned %#lx", i,
				      addr[i]);
	}
	if (IS_ALIGNED(t->uaddr, PMD_SIZE)) {
		KUNIT_EXPECT_EQ(test, tbv_write(t, 3, tbv_pattern(3, 1)), 1);
		tbv_expect_leaf(t, 0, PMD_ORDER, true, true);
	}
	for (i = 0; i < ARRAY_SIZE(addr); i++)
		KUNIT_EXPECT_EQ(test, vm_munmap(addr[i], t->len), 0);
	t->uaddr = 0;
}

/*
 * drm_gem_mmap() maps a GEM object from its start only, which is what
 * drm_gem_get_unmapped_area() aligns a mapping for: a mapping from page 1
 * is refused. munmap() of part of a huge entry splits it: the rest of its
 * range refaults by PTEs, and the other entries stay.
 */
static void ttm_bo_vm_huge_partial(struct kunit *test)
{
	const unsigned long n = TBV_PMD_PAGES;
	struct tbv_test *t = test->priv;
	unsigned long i, base, addr;
	u32 val;

	tbv_huge_bo(t, TTM_PL_VRAM, ttm_write_combined);
	addr = kunit_vm_mmap(test, t->file, 0, (2 * n - 1) << PAGE_SHIFT,
			     PROT_READ | PROT_WRITE, MAP_SHARED,
			     drm_vma_node_offset_addr(&t->bo->base.vma_node) +
			     PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, (long)addr, -EINVAL);
	if (addr && !IS_ERR_VALUE(addr))
		vm_munmap(addr, (2 * n - 1) << PAGE_SHIFT);

	/* Both PMDs mapped huge, then a hole punched into the first. */
	tbv_huge_map(t, 2 * n);
	for (i = 0; i < 2 * n; i += n)
		KUNIT_EXPECT_EQ(test, tbv_write(t, i, tbv_pattern(i, 1)), 1);
	tbv_expect_leaf(t, 0, PMD_ORDER, true, true);
	base = t->uaddr;
	KUNIT_ASSERT_EQ(test, vm_munmap(base + (n / 2) * PAGE_SIZE,
					(n / 2) * PAGE_SIZE), 0);
	/* Split: the rest of the first PMD faults again, by PTEs. */
	t->len = (n / 2) * PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, tbv_read_entry(t, 0, &(struct tbv_entry){}), -1);
	KUNIT_EXPECT_EQ(test, tbv_read(t, 0, &val), 1);
	KUNIT_EXPECT_EQ(test, val, tbv_pattern(0, 1));
	tbv_expect_leaf(t, 0, 0, true, true);
	KUNIT_EXPECT_NE(test, copy_from_user(&val, tbv_user(t, n / 2),
					     sizeof(val)), 0);
	/* The second PMD is untouched. */
	tbv_expect_leaf(t, n, PMD_ORDER, true, true);
	KUNIT_EXPECT_EQ(test, tbv_read(t, n, &val), 0);
	KUNIT_EXPECT_EQ(test, val, tbv_pattern(n, 1));
	tbv_unmap(t);
	KUNIT_EXPECT_EQ(test, vm_munmap(base + n * PAGE_SIZE, n * PAGE_SIZE), 0);
}

/*
 * mprotect() and mremap() from the test thread. The kernel has no entry
 * point for them but the system calls, through the architecture's table,
 * which is not exported: a modular build of the suite skips those cases.
 */
static long tbv_syscall(unsigned int nr, unsigned long a0, unsigned long a1,
			unsigned long a2, unsigned long a3, unsigned long a4)
{
#if IS_BUILTIN(CONFIG_DRM_TTM_KUNIT_TEST) && defined(CONFIG_X86_64) && \
	!defined(CONFIG_UML)
	struct pt_regs regs = {
		.di = a0, .si = a1, .dx = a2, .r10 = a3, .r8 = a4,
	};

	return sys_call_table[nr](&regs);
#elif IS_BUILTIN(CONFIG_DRM_TTM_KUNIT_TEST) && defined(CONFIG_ARM64)
	struct pt_regs regs = { };

	/* The wrappers take the first argument from orig_x0. */
	regs.orig_x0 = a0;
	regs.regs[0] = a0;
	regs.regs[1] = a1;
	regs.regs[2] = a2;
	regs.regs[3] = a3;
	regs.regs[4] = a4;
	return sys_call_table[nr](&regs);
#else
	return -EOPNOTSUPP;
#endif
}

#define TBV_NO_SYSCALLS \
	"mprotect() and mremap() need the suite built in, on x86_64 or arm64"

/*
 * mprotect() keeps a huge entry and its memory type, and changes only its
 * access bits. Made writable again, the entry, dirty since its read fault,
 * is writable at once (or, where the core leaves it read-only, upgraded by
 * one fault through ->huge_fault()), and splits nothing. A range that covers
 * part of an entry splits it; the parts refault by PTEs with their vma's
 * protection: clean and read-only where the vma is read-only.
 */
static void ttm_bo_vm_huge_mprotect(struct kunit *test)
{
	const unsigned long n = TBV_PMD_PAGES;
	struct tbv_test *t = test->priv;
	unsigned long expect;
	struct tbv_entry e;
	long ret;
	u32 val;

	tbv_huge_bo(t, TTM_PL_VRAM, ttm_write_combined);
	tbv_huge_map(t, 2 * n);
	KUNIT_EXPECT_EQ(test, tbv_read(t, 0, &val), 1);
	tbv_expect_leaf(t, 0, PMD_ORDER, true, true);

	ret = tbv_syscall(__NR_mprotect, t->uaddr, t->len, PROT_READ, 0, 0);
	if (ret == -EOPNOTSUPP)
		kunit_skip(test, TBV_NO_SYSCALLS);
	KUNIT_ASSERT_EQ(test, ret, 0);
	tbv_expect_leaf(t, 0, PMD_ORDER, true, false);
	KUNIT_EXPECT_EQ(test, put_user(1, tbv_user(t, 3)), -EFAULT);

	ret = tbv_syscall(__NR_mprotect, t->uaddr, t->len,
			  PROT_READ | PROT_WRITE, 0, 0);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_ASSERT_EQ(test, tbv_read_entry(t, 0, &e), PMD_ORDER);
	KUNIT_EXPECT_TRUE(test, e.dirty);
	migrate_disable();
	if (e.write) {
		/* Writable and dirty. */
		expect = 0;
	} else {
		/* Upgraded through ->huge_fault(). */
		expect = 1;
	}
	KUNIT_EXPECT_EQ(test, tbv_write(t, 3, tbv_pattern(3, 1)), expect);
	migrate_enable();
	tbv_expect_leaf(t, 0, PMD_ORDER, true, true);
	KUNIT_EXPECT_EQ(test, tbv_read(t, 3, &val), 0);
	KUNIT_EXPECT_EQ(test, val, tbv_pattern(3, 1));

	/* Half of the second entry read-only: split. */
	KUNIT_EXPECT_EQ(test, tbv_write(t, n, tbv_pattern(n, 1)), 1);
	tbv_expect_leaf(t, n, PMD_ORDER, true, true);
	ret = tbv_syscall(__NR_mprotect, t->uaddr + n * PAGE_SIZE,
			  (n / 2) * PAGE_SIZE, PROT_READ, 0, 0);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, tbv_read_entry(t, n, &(struct tbv_entry){}), -1);
	KUNIT_EXPECT_EQ(test, tbv_read(t, n, &val), 1);
	KUNIT_EXPECT_EQ(test, val, tbv_pattern(n, 1));
	tbv_expect_leaf(t, n, 0, false, false);
	KUNIT_EXPECT_EQ(test, tbv_write(t, n + n / 2, 5), 1);
	tbv_expect_leaf(t, n + n / 2, 0, true, true);
	/* The first entry is untouched. */
	tbv_expect_leaf(t, 0, PMD_ORDER, true, true);
	tbv_unmap(t);
}

/*
 * mremap() to an aligned address moves the huge entries as they are; to
 * one that is not aligned for them, they are zapped and the moved range
 * refaults by PTEs, at the same pfns with the same memory type.
 */
static void ttm_bo_vm_huge_mremap(struct kunit *test)
{
	const unsigned long n = TBV_PMD_PAGES;
	struct tbv_test *t = test->priv;
	unsigned long area, aligned, dst;
	long ret;
	u32 val;

	tbv_huge_bo(t, TTM_PL_VRAM, ttm_write_combined);
	tbv_huge_map(t, 2 * n);
	KUNIT_EXPECT_EQ(test, tbv_write(t, 1, tbv_pattern(1, 1)), 1);
	KUNIT_EXPECT_EQ(test, tbv_write(t, n + 1, tbv_pattern(n + 1, 1)), 1);

	/* Free room to move to: an aligned address, and one page past one. */
	area = kunit_vm_mmap(test, NULL, 0, 3 * t->len, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_FALSE(test, !area || IS_ERR_VALUE(area));
	aligned = ALIGN(area, PMD_SIZE);
	dst = aligned + t->len + PAGE_SIZE;

	ret = tbv_syscall(__NR_mremap, t->uaddr, t->len, t->len,
			  MREMAP_MAYMOVE | MREMAP_FIXED, aligned);
	if (ret == -EOPNOTSUPP)
		kunit_skip(test, TBV_NO_SYSCALLS);
	KUNIT_ASSERT_EQ(test, ret, (long)aligned);
	t->uaddr = aligned;
	tbv_expect_leaf(t, 0, PMD_ORDER, true, true);
	tbv_expect_leaf(t, n, PMD_ORDER, true, true);
	KUNIT_EXPECT_EQ(test, tbv_read(t, n + 1, &val), 0);
	KUNIT_EXPECT_EQ(test, val, tbv_pattern(n + 1, 1));

	ret = tbv_syscall(__NR_mremap, t->uaddr, t->len, t->len,
			  MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	KUNIT_ASSERT_EQ(test, ret, (long)dst);
	t->uaddr = dst;
	KUNIT_EXPECT_EQ(test, tbv_read_entry(t, 0, &(struct tbv_entry){}), -1);
	KUNIT_EXPECT_EQ(test, tbv_read(t, 1, &val), 1);
	KUNIT_EXPECT_EQ(test, val, tbv_pattern(1, 1));
	tbv_expect_leaf(t, 1, 0, true, true);
	KUNIT_EXPECT_EQ(test, tbv_read(t, n + 1, &val), 1);
	KUNIT_EXPECT_EQ(test, val, tbv_pattern(n + 1, 1));
	tbv_expect_leaf(t, n + 1, 0, true, true);
	tbv_unmap(t);
}

/*
 * Neither fast nor slow GUP takes a reference to the pages behind a huge
 * PFN entry: they fail, and the refcounts stay as they were.
 */
static void ttm_bo_vm_huge_gup_fails(struct kunit *test)
{
	const struct tbv_huge_param *p = test->param_value;
	struct tbv_test *t = test->priv;
	struct page *pages[4] = { };
	struct page *backing;
	int ref, ret;

	tbv_huge_bo(t, p->mem_type, p->caching);
	tbv_huge_map(t, 2 * TBV_PMD_PAGES);
	KUNIT_EXPECT_EQ(test, tbv_write(t, 0, 1), 1);
	tbv_expect_leaf(t, 0, PMD_ORDER, true, true);
	backing = pfn_to_page(tbv_bo_pfn(t, 0));
	ref = page_ref_count(backing);

	ret = get_user_pages_fast(t->uaddr, 4, FOLL_WRITE, pages);
	KUNIT_EXPECT_LE(test, ret, 0);
	ret = pin_user_pages_fast(t->uaddr, 4, FOLL_WRITE | FOLL_LONGTERM,
				  pages);
	KUNIT_EXPECT_LE(test, ret, 0);
	ret = get_user_pages_fast(t->uaddr + PAGE_SIZE, 1, 0, pages);
	KUNIT_EXPECT_LE(test, ret, 0);
	KUNIT_EXPECT_EQ(test, page_ref_count(backing), ref);
	KUNIT_EXPECT_NULL(test, pages[0]);
	tbv_expect_leaf(t, 0, PMD_ORDER, true, true);
	tbv_unmap(t);
}

/*
 * A move zaps the huge entries; the next fault maps the new placement at
 * the size it allows, with its memory type, and the data moved along.
 */
static void ttm_bo_vm_huge_move(struct kunit *test)
{
	const unsigned long n = TBV_PMD_PAGES;
	struct tbv_test *t = test->priv;
	unsigned long i;
	int order;
	u32 val;

	tbv_huge_bo(t, TTM_PL_VRAM, ttm_write_combined);
	tbv_huge_map(t, 2 * n);
	for (i = 0; i < 2 * n; i += 97)
		tbv_write(t, i, tbv_pattern(i, 1));
	tbv_expect_leaf(t, 0, PMD_ORDER, true, true);
	tbv_expect_leaf(t, n, PMD_ORDER, true, true);

	KUNIT_ASSERT_EQ(test, tbv_move_to(t, TTM_PL_SYSTEM), 0);
	KUNIT_EXPECT_EQ(test, tbv_count_mapped(t, 0, 2 * n), 0);
	KUNIT_EXPECT_EQ(test, tbv_read(t, 0, &val), 1);
	KUNIT_EXPECT_EQ(test, val, tbv_pattern(0, 1));
	/*
	 * The pool's pages may not be contiguous; a range mapped by PTEs
	 * keeps its page table, and stays at PTE level after the next move.
	 */
	order = tbv_contiguous(t, 0, n) ? PMD_ORDER : 0;
	tbv_expect_leaf(t, 0, order, true, true);
	for (i = 0; i < 2 * n; i += 97) {
		tbv_read(t, i, &val);
		KUNIT_EXPECT_EQ(test, val, tbv_pattern(i, 1));
		tbv_write(t, i, tbv_pattern(i, 2));
	}

	KUNIT_ASSERT_EQ(test, tbv_move_to(t, TTM_PL_VRAM), 0);
	KUNIT_EXPECT_EQ(test, tbv_count_mapped(t, 0, 2 * n), 0);
	KUNIT_EXPECT_EQ(test, tbv_write(t, 1, 0), 1);
	tbv_expect_leaf(t, 1, order, true, true);
	for (i = 0; i < 2 * n; i += 97) {
		tbv_read(t, i, &val);
		if (i != 1)
			KUNIT_EXPECT_EQ(test, val, tbv_pattern(i, 2));
	}
	tbv_unmap(t);
}

/*
 * A driver with its own fault hooks, as amdgpu's: under the reservation,
 * before the buffer object is mapped, it is made CPU-visible, which moves it
 * to VRAM; then TTM maps the placement as it is now, by PTEs through
 * ttm_bo_vm_fault_reserved() or by a leaf through
 * ttm_bo_vm_huge_fault_reserved(). The mock device is never unplugged while
 * these hooks map, so they leave out drm_dev_enter() and the dummy page.
 */
static vm_fault_t tbv_driver_prepare(struct ttm_buffer_object *bo)
{
	struct ttm_operation_ctx ctx = { };

	dma_resv_assert_held(bo->base.resv);
	if (bo->resource->mem_type == TTM_PL_VRAM)
		return 0;
	return ttm_bo_validate(bo, tbv_placement(TTM_PL_VRAM), &ctx) ?
	       VM_FAULT_SIGBUS : 0;
}

static vm_fault_t tbv_driver_fault(struct vm_fault *vmf)
{
	struct ttm_buffer_object *bo = vmf->vma->vm_private_data;
	vm_fault_t ret;

	ret = ttm_bo_vm_reserve(bo, vmf);
	if (ret)
		return ret;
	atomic_inc(&tbv_from_bdev(bo->bdev)->driver_pte_calls);
	ret = tbv_driver_prepare(bo);
	if (!ret)
		ret = ttm_bo_vm_fault_reserved(vmf, vmf->vma->vm_page_prot,
					       TTM_BO_VM_NUM_PREFAULT);
	if (ret == VM_FAULT_RETRY && !(vmf->flags & FAULT_FLAG_RETRY_NOWAIT))
		return ret;
	dma_resv_unlock(bo->base.resv);
	return ret;
}

static vm_fault_t tbv_driver_huge_fault(struct vm_fault *vmf,
					unsigned int order)
{
	struct ttm_buffer_object *bo = vmf->vma->vm_private_data;
	vm_fault_t ret;

	if (!ttm_bo_vm_huge_fits(vmf, order))
		return VM_FAULT_FALLBACK;
	ret = ttm_bo_vm_reserve(bo, vmf);
	if (ret)
		return ret;
	atomic_inc(&tbv_from_bdev(bo->bdev)->driver_huge_calls);
	ret = tbv_driver_prepare(bo);
	if (!ret)
		ret = ttm_bo_vm_huge_fault_reserved(vmf, vmf->vma->vm_page_prot,
						    order);
	if (ret == VM_FAULT_RETRY && !(vmf->flags & FAULT_FLAG_RETRY_NOWAIT))
		return ret;
	dma_resv_unlock(bo->base.resv);
	return ret;
}

static const struct vm_operations_struct tbv_driver_vm_ops = {
	.fault = tbv_driver_fault,
	.huge_fault = tbv_driver_huge_fault,
	.open = ttm_bo_vm_open,
	.close = ttm_bo_vm_close,
};

/*
 * The reserved helpers map what the driver's hook made of the placement:
 * a buffer object in system memory, moved to VRAM by the hook of the fault
 * that maps it, is mapped by a leaf to the VRAM pfns with VRAM's memory
 * type, one fault per PMD; moved back behind the mapping (zapped), the next
 * fault moves it to VRAM again and maps it there, with its data. In a
 * mapping one page off a PMD boundary, a range that fits no leaf takes the
 * PTE path through the same hook, and one that fits a leaf but whose pfns
 * are a page off their alignment goes through the huge hook (the object
 * prepared), falls back, and is mapped by PTEs. Had the driver set
 * .huge_fault = ttm_bo_vm_huge_fault, the hook would be bypassed and the
 * object left in system memory.
 */
static void ttm_bo_vm_huge_driver_hooks(struct kunit *test)
{
	const unsigned long n = TBV_PMD_PAGES;
	struct tbv_test *t = test->priv;
	unsigned long addr;
	int huge_calls;
	u32 val;

	t->vm_ops = &tbv_driver_vm_ops;
	tbv_bo_create(t, TTM_PL_SYSTEM, 2 * n);
	tbv_huge_map(t, 2 * n);
	KUNIT_ASSERT_TRUE_MSG(test, IS_ALIGNED(t->uaddr, PMD_SIZE),
			      "mmap(NULL) returned %#lx", t->uaddr);

	KUNIT_EXPECT_EQ(test, tbv_read(t, 5, &val), 1);
	KUNIT_ASSERT_EQ(test, t->bo->resource->mem_type, TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->driver_huge_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->driver_pte_calls), 0);
	tbv_expect_leaf(t, 0, PMD_ORDER, true, true);
	tbv_expect_leaf(t, n - 1, PMD_ORDER, true, true);
	KUNIT_EXPECT_EQ(test, tbv_write(t, n - 1, tbv_pattern(n - 1, 1)), 0);

	KUNIT_ASSERT_EQ(test, tbv_move_to(t, TTM_PL_SYSTEM), 0);
	KUNIT_EXPECT_EQ(test, tbv_count_mapped(t, 0, 2 * n), 0);
	KUNIT_EXPECT_EQ(test, tbv_write(t, n + 3, tbv_pattern(n + 3, 1)), 1);
	KUNIT_ASSERT_EQ(test, t->bo->resource->mem_type, TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->driver_huge_calls), 2);
	tbv_expect_leaf(t, n, PMD_ORDER, true, true);
	KUNIT_EXPECT_EQ(test, tbv_count_mapped(t, 0, n), 0);
	KUNIT_EXPECT_EQ(test, tbv_read(t, n - 1, &val), 1);
	KUNIT_EXPECT_EQ(test, val, tbv_pattern(n - 1, 1));
	tbv_unmap(t);

	KUNIT_ASSERT_EQ(test, tbv_move_to(t, TTM_PL_SYSTEM), 0);
	addr = tbv_aligned_hole(t, 2 * n + 1) + PAGE_SIZE;
	tbv_map_file(t, t->file, addr, 2 * n, MAP_FIXED);
	KUNIT_EXPECT_EQ(test, tbv_read(t, 7, &val), 1);
	KUNIT_ASSERT_EQ(test, t->bo->resource->mem_type, TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->driver_pte_calls), 1);
	tbv_expect_leaf(t, 7, 0, true, true);
	/* Pages n - 1 to 2n - 2 fill a PMD of the vma, a page off the pfns. */
	huge_calls = atomic_read(&t->driver_huge_calls);
	KUNIT_EXPECT_EQ(test, tbv_read(t, n - 1, &val), 1);
	KUNIT_EXPECT_GT(test, atomic_read(&t->driver_huge_calls), huge_calls);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->driver_pte_calls), 2);
	tbv_expect_leaf(t, n - 1, 0, true, true);
	KUNIT_EXPECT_EQ(test, tbv_count_entries(t, 0, 2 * n, PMD_ORDER), 0);
	tbv_unmap(t);
}

/*
 * Write-protect the PMD leaf mapping page @i behind the core's back, for
 * the one path that reaches ->huge_fault() with a leaf in place: a write
 * fault on a read-only leaf (wp_huge_pmd()). mprotect() back to writable
 * makes the (dirty) leaves of these vmas writable again. No TLB flush: only
 * injected faults follow.
 */
static void tbv_wrprotect_pmd(struct tbv_test *t, unsigned long i)
{
#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
	unsigned long addr = (t->uaddr + i * PAGE_SIZE) & PMD_MASK;
	struct mm_struct *mm = current->mm;
	spinlock_t *ptl;	/* the PMD's page table lock */
	pmd_t *pmd;

	mmap_read_lock(mm);
	pmd = pmd_offset(pud_offset(p4d_offset(pgd_offset(mm, addr), addr),
				    addr), addr);
	ptl = pmd_lock(mm, pmd);
	if (pmd_leaf(pmdp_get(pmd)))
		pmdp_set_wrprotect(mm, addr, pmd);
	spin_unlock(ptl);
	mmap_read_unlock(mm);
#endif
}

/*
 * The read locks held on @vma: with CONFIG_PER_VMA_LOCK an attached vma's
 * reference count is one, and each read lock holds one more.
 */
static int tbv_vma_readers(struct vm_area_struct *vma)
{
#ifdef CONFIG_PER_VMA_LOCK
	return refcount_read(&vma->vm_refcnt) - 1;
#else
	return 0;
#endif
}

/*
 * Inject a fault at page @i as an architecture's fault handler first
 * tries it: under the per-VMA lock (lock_vma_under_rcu()), without the
 * mmap_lock, and the VMA lock released afterwards unless the fault did.
 */
static vm_fault_t tbv_inject_vma_locked(struct tbv_test *t, unsigned long i,
					unsigned int flags)
{
	unsigned long addr = t->uaddr + i * PAGE_SIZE;
	struct vm_area_struct *vma;
	vm_fault_t ret;

	vma = lock_vma_under_rcu(current->mm, addr);
	if (!vma) {
		KUNIT_FAIL(t->test, "no VMA lock for page %lu", i);
		return VM_FAULT_SIGSEGV;
	}
	ret = handle_mm_fault(vma, addr, flags | FAULT_FLAG_VMA_LOCK, NULL);
	if (!(ret & (VM_FAULT_RETRY | VM_FAULT_COMPLETED)))
		vma_end_read(vma);
	return ret;
}

/*
 * Under the per-VMA lock, without the mmap_lock: an idle buffer object is
 * mapped huge by write and read faults, and a write fault on a read-only
 * leaf is resolved by ->huge_fault() in place (wp_huge_pmd()), dirty and
 * writable.
 */
static void ttm_bo_vm_huge_vma_lock(struct kunit *test)
{
	const unsigned long n = TBV_PMD_PAGES;
	struct tbv_test *t = test->priv;
	vm_fault_t ret;

	if (!IS_ENABLED(CONFIG_PER_VMA_LOCK))
		kunit_skip(test, "no per-VMA locks: CONFIG_PER_VMA_LOCK is off");

	tbv_huge_bo(t, TTM_PL_VRAM, ttm_write_combined);
	tbv_huge_map(t, 2 * n);

	ret = tbv_inject_vma_locked(t, 3, FAULT_FLAG_DEFAULT | FAULT_FLAG_WRITE);
	TBV_EXPECT_FAULT(test, ret, VM_FAULT_NOPAGE);
	tbv_expect_leaf(t, 0, PMD_ORDER, true, true);
	ret = tbv_inject_vma_locked(t, n + 3, FAULT_FLAG_DEFAULT);
	TBV_EXPECT_FAULT(test, ret, VM_FAULT_NOPAGE);
	tbv_expect_leaf(t, n, PMD_ORDER, true, true);

	/* A write fault on a read-only leaf upgrades it in place. */
	tbv_wrprotect_pmd(t, n);
	tbv_expect_leaf(t, n, PMD_ORDER, true, false);
	ret = tbv_inject_vma_locked(t, n + 5,
				    FAULT_FLAG_DEFAULT | FAULT_FLAG_WRITE);
	TBV_EXPECT_FAULT(test, ret, VM_FAULT_NOPAGE);
	tbv_expect_leaf(t, n, PMD_ORDER, true, true);
	KUNIT_EXPECT_EQ(test, tbv_count_entries(t, 0, 2 * n, 0), 0);
	tbv_unmap(t);
}

/*
 * An imported object (TTM_TT_FLAG_EXTERNAL) that its exporter does not let
 * map: faults under the per-VMA lock get VM_FAULT_SIGBUS from the huge path
 * as from the PTE path, with the reservation released and the VMA lock left
 * to the core (released once here, as the architecture's handler does:
 * released twice it underflows, kept it blocks the munmap()), and nothing
 * mapped. Once the exporter marks it mappable, the same fault maps it.
 */
static void ttm_bo_vm_huge_vma_lock_imported(struct kunit *test)
{
	const unsigned long n = TBV_PMD_PAGES;
	struct tbv_test *t = test->priv;
	struct sg_table *sgt;
	vm_fault_t ret;

	if (!IS_ENABLED(CONFIG_PER_VMA_LOCK))
		kunit_skip(test, "no per-VMA locks: CONFIG_PER_VMA_LOCK is off");

	sgt = kunit_kzalloc(test, sizeof(*sgt), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sgt);
	tbv_bo_create_type(t, ttm_bo_type_sg, TTM_PL_SYSTEM, 2 * n, sgt);
	KUNIT_ASSERT_NOT_NULL(test, t->bo->ttm);
	KUNIT_ASSERT_TRUE(test, t->bo->ttm->page_flags & TTM_TT_FLAG_EXTERNAL);
	tbv_huge_map(t, 2 * n);

	ret = tbv_inject_vma_locked(t, 3, FAULT_FLAG_DEFAULT | FAULT_FLAG_WRITE);
	TBV_EXPECT_FAULT(test, ret, VM_FAULT_SIGBUS);
	ret = tbv_inject_vma_locked(t, n + 3, FAULT_FLAG_DEFAULT);
	TBV_EXPECT_FAULT(test, ret, VM_FAULT_SIGBUS);
	if (dma_resv_trylock(t->bo->base.resv))
		dma_resv_unlock(t->bo->base.resv);
	else
		KUNIT_FAIL(test, "reservation still held after VM_FAULT_SIGBUS");
	KUNIT_EXPECT_EQ(test, tbv_count_mapped(t, 0, 2 * n), 0);

	/* The control: the same object, marked mappable by its "exporter". */
	t->bo->ttm->page_flags |= TTM_TT_FLAG_EXTERNAL_MAPPABLE;
	ret = tbv_inject_vma_locked(t, 3, FAULT_FLAG_DEFAULT | FAULT_FLAG_WRITE);
	TBV_EXPECT_FAULT(test, ret, VM_FAULT_NOPAGE);
	KUNIT_EXPECT_GT(test, tbv_count_mapped(t, 0, n), 0);
	tbv_unmap(t);
}

enum tbv_busy_kind {
	TBV_BUSY_RESERVED,	/* reserved by another thread */
	TBV_BUSY_FENCE,		/* an unsignaled fence, DMA_RESV_USAGE_KERNEL */
};

/* A buffer object kept busy by a helper thread while a fault takes it. */
struct tbv_busy {
	struct tbv_test *t;
	enum tbv_busy_kind kind;
	/* the vma the faulting thread read-locks */
	struct vm_area_struct *vma;
	struct dma_fence *fence;
	struct completion ready;
	/* TBV_BUSY_FENCE: something started to wait for the fence */
	struct completion waiting;
	struct completion done;
	atomic_t fault_returned;
	/* read locks on the vma when the fault let the object be, or -1 */
	int readers;
};

struct tbv_fence {
	/* first: the last put frees the struct with dma_fence_free() */
	struct dma_fence base;
	struct tbv_busy *busy;
};

static const char *tbv_fence_name(struct dma_fence *fence)
{
	return "ttm_bo_vm_test";
}

/*
 * A waiter enables signaling before it sleeps: here the fault, in
 * ttm_bo_vm_fault_idle(), which must have released the VMA lock first.
 */
static bool tbv_fence_enable_signaling(struct dma_fence *fence)
{
	struct tbv_busy *b = container_of(fence, struct tbv_fence, base)->busy;

	WRITE_ONCE(b->readers, tbv_vma_readers(b->vma));
	complete(&b->waiting);
	return true;
}

static const struct dma_fence_ops tbv_fence_ops = {
	.get_driver_name = tbv_fence_name,
	.get_timeline_name = tbv_fence_name,
	.enable_signaling = tbv_fence_enable_signaling,
};

/*
 * Keep the buffer object reserved, or its fence unsignaled, until the
 * faulting thread waits for it without the VMA lock, or the fault has
 * returned, or TBV_BUSY_TIMEOUT has passed (so that a fault that waits with
 * the VMA lock held fails the case rather than hang it).
 */
static int tbv_blocker_fn(void *data)
{
	struct tbv_busy *b = data;
	struct dma_resv *resv = b->t->bo->base.resv;
	unsigned long deadline = jiffies + TBV_BUSY_TIMEOUT;

	if (b->kind == TBV_BUSY_RESERVED)
		dma_resv_lock(resv, NULL);
	complete(&b->ready);

	if (b->kind == TBV_BUSY_FENCE) {
		while (!wait_for_completion_timeout(&b->waiting, 1) &&
		       !atomic_read(&b->fault_returned) &&
		       time_before(jiffies, deadline))
			;
		dma_fence_signal(b->fence);
	} else {
		while (tbv_vma_readers(b->vma) > 0 &&
		       !atomic_read(&b->fault_returned) &&
		       time_before(jiffies, deadline))
			usleep_range(1000, 2000);
		WRITE_ONCE(b->readers, tbv_vma_readers(b->vma));
		/* Let the fault get to its wait for the reservation. */
		msleep(20);
		dma_resv_unlock(resv);
	}
	complete(&b->done);
	return 0;
}

struct tbv_busy_param {
	enum tbv_busy_kind kind;
	const char *name;
};

static const struct tbv_busy_param tbv_busy_params[] = {
	{ TBV_BUSY_RESERVED, "reserved" },
	{ TBV_BUSY_FENCE, "busy-kernel-fence" },
};

static void tbv_busy_desc(const struct tbv_busy_param *p, char *desc)
{
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(tbv_busy, tbv_busy_params, tbv_busy_desc);

/* An unsignaled fence in the reservation object, DMA_RESV_USAGE_KERNEL. */
static void tbv_add_fence(struct tbv_test *t, struct tbv_busy *b)
{
	struct dma_resv *resv = t->bo->base.resv;
	struct kunit *test = t->test;
	struct tbv_fence *tf;
	int err;

	tf = kzalloc_obj(*tf, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tf);
	dma_fence_init(&tf->base, &tbv_fence_ops, NULL,
		       dma_fence_context_alloc(1), 1);
	tf->busy = b;
	dma_resv_lock(resv, NULL);
	err = dma_resv_reserve_fences(resv, 1);
	if (!err)
		dma_resv_add_fence(resv, &tf->base, DMA_RESV_USAGE_KERNEL);
	dma_resv_unlock(resv);
	if (err)
		dma_fence_put(&tf->base);
	KUNIT_ASSERT_EQ(test, err, 0);
	b->fence = &tf->base;
}

/*
 * A fault under the per-VMA lock on a buffer object that is reserved by
 * another thread, or busy (an unsignaled fence, DMA_RESV_USAGE_KERNEL):
 * the fault waits, if it does, only with the VMA lock released, and
 * returns VM_FAULT_RETRY with the VMA lock released; the retry under the
 * mmap_lock, as the architecture makes it, maps the object huge once the
 * reservation is free or the fence has signaled.
 */
static void ttm_bo_vm_huge_vma_lock_retry(struct kunit *test)
{
	const struct tbv_busy_param *p = test->param_value;
	struct tbv_test *t = test->priv;
	struct tbv_busy b = { .t = t, .kind = p->kind, .readers = -1 };
	struct task_struct *blocker;
	struct mm_struct *mm;
	struct vm_area_struct *vma;
	unsigned long addr;
	vm_fault_t ret;
	int readers;

	if (!IS_ENABLED(CONFIG_PER_VMA_LOCK))
		kunit_skip(test, "no per-VMA locks: CONFIG_PER_VMA_LOCK is off");

	tbv_huge_bo(t, TTM_PL_VRAM, ttm_write_combined);
	tbv_huge_map(t, 2 * TBV_PMD_PAGES);
	/* The mapping attached the test's mm to this thread. */
	mm = current->mm;
	addr = t->uaddr + 3 * PAGE_SIZE;
	init_completion(&b.ready);
	init_completion(&b.waiting);
	init_completion(&b.done);
	if (p->kind == TBV_BUSY_FENCE)
		tbv_add_fence(t, &b);

	/* As the architecture's fault handler: the VMA lock, no mmap_lock. */
	vma = lock_vma_under_rcu(mm, addr);
	b.vma = vma;
	blocker = vma ? kthread_run(tbv_blocker_fn, &b, "ttm_bo_vm_blocker") :
			ERR_PTR(-EINVAL);
	if (IS_ERR(blocker)) {
		if (vma)
			vma_end_read(vma);
		if (b.fence) {
			dma_fence_signal(b.fence);
			dma_fence_put(b.fence);
		}
		KUNIT_FAIL(test, "no VMA lock, or no helper thread: %ld",
			   PTR_ERR(blocker));
		return;
	}
	wait_for_completion(&b.ready);
	ret = handle_mm_fault(vma, addr, FAULT_FLAG_DEFAULT | FAULT_FLAG_VMA_LOCK,
			      NULL);
	atomic_set(&b.fault_returned, 1);
	wait_for_completion(&b.done);

	/* Nobody else read-locks this vma: any read lock left is the fault's. */
	mmap_read_lock(mm);
	readers = tbv_vma_readers(vma);
	mmap_read_unlock(mm);
	if (readers > 0)
		vma_end_read(vma);
	TBV_EXPECT_FAULT(test, ret, VM_FAULT_RETRY);
	KUNIT_EXPECT_EQ_MSG(test, readers, 0,
			    "VMA lock still held after the fault returned");
	if (p->kind == TBV_BUSY_RESERVED) {
		KUNIT_EXPECT_EQ_MSG(test, READ_ONCE(b.readers), 0,
				    "VMA lock held while the reservation was");
	} else {
		kunit_info(test, "the fault %s for the fence\n",
			   READ_ONCE(b.readers) < 0 ? "did not wait" : "waited");
		if (READ_ONCE(b.readers) >= 0)
			KUNIT_EXPECT_EQ_MSG(test, READ_ONCE(b.readers), 0,
					    "waited for the fence with the VMA lock held");
		KUNIT_EXPECT_TRUE(test, dma_fence_is_signaled(b.fence));
		dma_fence_put(b.fence);
	}
	KUNIT_EXPECT_EQ(test, tbv_count_mapped(t, 0, 2 * TBV_PMD_PAGES), 0);

	ret = tbv_inject(t, 3, FAULT_FLAG_DEFAULT);
	TBV_EXPECT_FAULT(test, ret, VM_FAULT_NOPAGE);
	tbv_expect_leaf(t, 0, PMD_ORDER, true, true);
	tbv_unmap(t);
}

struct tbv_unplug_param {
	/* the PMD of the vma that is mapped by a leaf */
	unsigned long leaf;
	const char *name;
};

static const struct tbv_unplug_param tbv_unplug_params[] = {
	{ 0, "leaf-in-first-pmd" },
	{ 1, "leaf-in-second-pmd" },
};

static void tbv_unplug_desc(const struct tbv_unplug_param *p, char *desc)
{
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(tbv_unplug, tbv_unplug_params, tbv_unplug_desc);

/*
 * An unplugged device with a huge leaf in one PMD of a vma: a fault in the
 * other PMD maps the dummy page over the part of the vma in its own
 * PMD-sized range, and walks into no leaf (mapping the dummy page over the
 * whole vma did: a kernel BUG in walk_to_pmd()). drm_dev_unplug() marks
 * the device unplugged, then zaps the mappings; the fault is taken in
 * between, where the leaf is still there, and must be left as it is. The
 * zap then removes the leaf and the dummy page, and a fault where the leaf
 * was maps the dummy page in that PMD alone.
 */
static void ttm_bo_vm_unplug_huge(struct kunit *test)
{
	const struct tbv_unplug_param *p = test->param_value;
	const unsigned long n = TBV_PMD_PAGES;
	const unsigned long leaf = p->leaf * n, other = (1 - p->leaf) * n;
	struct tbv_test *t = test->priv;
	struct drm_device *drm = t->devs->drm;
	unsigned long i, dummy;
	struct tbv_entry e;
	u32 val;

	tbv_huge_bo(t, TTM_PL_VRAM, ttm_write_combined);
	tbv_huge_map(t, 2 * n);
	KUNIT_ASSERT_TRUE_MSG(test, IS_ALIGNED(t->uaddr, PMD_SIZE),
			      "mmap(NULL) returned %#lx", t->uaddr);
	KUNIT_EXPECT_EQ(test, tbv_write(t, leaf + 1, tbv_pattern(leaf + 1, 1)),
			1);
	tbv_expect_leaf(t, leaf, PMD_ORDER, true, true);

	/* drm_dev_unplug() up to its zap: drm_dev_enter() fails. */
	WRITE_ONCE(drm->unplugged, true);
	KUNIT_EXPECT_EQ(test, tbv_read(t, other + 3, &val), 1);
	KUNIT_EXPECT_EQ(test, val, 0);
	KUNIT_ASSERT_EQ(test, tbv_read_entry(t, other + 3, &e), 0);
	dummy = e.pfn;
	KUNIT_EXPECT_NE(test, dummy, tbv_bo_pfn(t, other + 3));
	KUNIT_EXPECT_EQ(test, tbv_count_entries(t, other, other + n, 0), n);
	for (i = other; i < other + n; i += 61) {
		KUNIT_ASSERT_EQ(test, tbv_read_entry(t, i, &e), 0);
		KUNIT_EXPECT_EQ_MSG(test, e.pfn, dummy, "page %lu", i);
	}
	/* The leaf is untouched, and the data behind it. */
	tbv_expect_leaf(t, leaf, PMD_ORDER, true, true);
	tbv_expect_leaf(t, leaf + n - 1, PMD_ORDER, true, true);
	KUNIT_EXPECT_EQ(test, tbv_read(t, leaf + 1, &val), 0);
	KUNIT_EXPECT_EQ(test, val, tbv_pattern(leaf + 1, 1));

	/* The rest of the unplug zaps the leaf and the dummy page alike. */
	drm_dev_unplug(drm);
	KUNIT_EXPECT_EQ(test, tbv_count_mapped(t, 0, 2 * n), 0);
	KUNIT_EXPECT_EQ(test, tbv_read(t, leaf + 5, &val), 1);
	KUNIT_EXPECT_EQ(test, val, 0);
	KUNIT_EXPECT_EQ(test, tbv_count_entries(t, leaf, leaf + n, 0), n);
	KUNIT_EXPECT_EQ(test, tbv_count_mapped(t, other, other + n), 0);
	KUNIT_ASSERT_EQ(test, tbv_read_entry(t, leaf + 5, &e), 0);
	KUNIT_EXPECT_NE(test, e.pfn, tbv_bo_pfn(t, leaf + 5));
	tbv_unmap(t);
}

/*
 * ->fault called for a PMD that a huge fault of another thread has made a
 * leaf since the core found it empty: the core walks to the PMD and calls
 * ->fault without the page table lock. TTM must see the leaf under the
 * reservation and let the access retry, not walk into it to insert PTEs
 * (VM_BUG_ON() in walk_to_pmd()), on the mapping path and, after
 * drm_dev_unplug() marked the device gone, on the dummy page path. The
 * race is made deterministic by calling ->fault with the vm_fault the core
 * had built before the leaf was there.
 */
static vm_fault_t tbv_fault_over_leaf(struct tbv_test *t, unsigned long i)
{
	unsigned long addr = t->uaddr + i * PAGE_SIZE;
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	vm_fault_t ret;
	pgd_t *pgd;
	p4d_t *p4d;
	pud_t *pud;

	mmap_read_lock(mm);
	vma = vma_lookup(mm, addr);
	if (!vma) {
		mmap_read_unlock(mm);
		return VM_FAULT_SIGSEGV;
	}
	pgd = pgd_offset(mm, addr);
	p4d = p4d_offset(pgd, addr);
	pud = pud_offset(p4d, addr);
	{
		struct vm_fault vmf = {
			.vma = vma,
			.address = addr,
			.real_address = addr,
			.pgoff = linear_page_index(vma, addr),
			.gfp_mask = GFP_KERNEL,
			.flags = FAULT_FLAG_WRITE | FAULT_FLAG_ALLOW_RETRY |
				 FAULT_FLAG_KILLABLE,
			.pud = pud,
			.pmd = pmd_offset(pud, addr),
		};

		ret = vma->vm_ops->fault(&vmf);
	}
	if (!(ret & VM_FAULT_RETRY))
		mmap_read_unlock(mm);
	return ret;
}

static void ttm_bo_vm_huge_fault_meets_leaf(struct kunit *test)
{
	const unsigned long n = TBV_PMD_PAGES;
	struct tbv_test *t = test->priv;
	u32 val;

	tbv_huge_bo(t, TTM_PL_VRAM, ttm_write_combined);
	tbv_huge_map(t, 2 * n);
	KUNIT_EXPECT_EQ(test, tbv_write(t, 1, tbv_pattern(1, 1)), 1);
	tbv_expect_leaf(t, 0, PMD_ORDER, true, true);

	TBV_EXPECT_FAULT(test, tbv_fault_over_leaf(t, 5), VM_FAULT_NOPAGE);
	tbv_expect_leaf(t, 0, PMD_ORDER, true, true);
	KUNIT_EXPECT_EQ(test, tbv_read(t, 1, &val), 0);
	KUNIT_EXPECT_EQ(test, val, tbv_pattern(1, 1));

	/* drm_dev_unplug() up to its zap: ->fault maps the dummy page. */
	WRITE_ONCE(t->devs->drm->unplugged, true);
	TBV_EXPECT_FAULT(test, tbv_fault_over_leaf(t, 5), VM_FAULT_NOPAGE);
	tbv_expect_leaf(t, 0, PMD_ORDER, true, true);
	drm_dev_unplug(t->devs->drm);
	KUNIT_EXPECT_EQ(test, tbv_read_entry(t, 0, &(struct tbv_entry){}), -1);
	tbv_unmap(t);
}

/*
 * Write-touching every page of a 64 MiB buffer object in system memory:
 * one fault per PMD, against one per prefault window by PTEs (the same
 * vm_operations without huge_fault). Reports both.
 */
static const struct vm_operations_struct tbv_pte_vm_ops = {
	.fault = ttm_bo_vm_fault,
	.open = ttm_bo_vm_open,
	.close = ttm_bo_vm_close,
};

static void ttm_bo_vm_huge_write_touch_64m(struct kunit *test)
{
	const unsigned long pages = SZ_64M >> PAGE_SHIFT;
	struct tbv_test *t = test->priv;
	unsigned long i, pte_faults = 0, huge_faults = 0;

	tbv_bo_create(t, TTM_PL_SYSTEM, pages);
	t->vm_ops = &tbv_pte_vm_ops;
	tbv_huge_map(t, pages);
	migrate_disable();
	for (i = 0; i < pages; i++)
		pte_faults += tbv_write(t, i, tbv_pattern(i, 1));
	migrate_enable();
	tbv_unmap(t);

	t->vm_ops = NULL;
	tbv_huge_map(t, pages);
	KUNIT_ASSERT_TRUE(test, IS_ALIGNED(t->uaddr, PMD_SIZE));
	for (i = 0; i < pages; i += TBV_PMD_PAGES)
		if (!tbv_contiguous(t, i, TBV_PMD_PAGES))
			kunit_skip(test, TBV_NO_2M_BLOCK);
	for (i = 0; i < pages; i++)
		huge_faults += tbv_write(t, i, tbv_pattern(i, 2));
	kunit_info(test, "write-touching 64 MiB: %lu faults by PTEs, %lu with huge faults\n",
		   pte_faults, huge_faults);
	KUNIT_EXPECT_EQ(test, pte_faults, pages / TTM_BO_VM_NUM_PREFAULT);
	KUNIT_EXPECT_EQ(test, huge_faults, pages / TBV_PMD_PAGES);
	for (i = 0; i < pages; i += TBV_PMD_PAGES)
		tbv_expect_leaf(t, i, PMD_ORDER, true, true);
	tbv_unmap(t);
}

/* Pages of ttm_bo_vm_huge_crossing_faults()'s mapping before a boundary */
#define TBV_CROSSING_BEFORE	(7 * TTM_BO_VM_NUM_PREFAULT + 8)

struct tbv_crossing_param {
	u32 mem_type;
	unsigned long pages;
	/* the object's page at the start of the mapping */
	unsigned long pgoff;
	/* can the range behind the boundary take a PMD leaf? */
	bool leaf;
	const char *name;
};

static const struct tbv_crossing_param tbv_crossing_params[] = {
	{ TTM_PL_SYSTEM, SZ_1M >> PAGE_SHIFT, 0, false, "1M-system" },
	{ TTM_PL_VRAM, SZ_1M >> PAGE_SHIFT, 0, false, "1M-vram" },
	{ TTM_PL_SYSTEM, 2 * TBV_PMD_PAGES, 0, false, "2pmd-system-misaligned" },
	{ TTM_PL_VRAM, 2 * TBV_PMD_PAGES, 0, false, "2pmd-vram-misaligned" },
	{ TTM_PL_SYSTEM, 2 * TBV_PMD_PAGES, TBV_PMD_PAGES - TBV_CROSSING_BEFORE,
	  true, "2pmd-system-leaf" },
	{ TTM_PL_VRAM, 2 * TBV_PMD_PAGES, TBV_PMD_PAGES - TBV_CROSSING_BEFORE,
	  true, "2pmd-vram-leaf" },
};

static void tbv_crossing_desc(const struct tbv_crossing_param *p, char *desc)
{
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(tbv_crossing, tbv_crossing_params, tbv_crossing_desc);

/*
 * The prefault window stops at a PMD boundary only where the range behind it
 * takes a leaf. 1 MiB of a mapping is write-touched from its first page, 120
 * pages before a boundary, which the windows of 16 pages do not meet on their
 * edge. Where the range behind the boundary can take no leaf (the object is
 * smaller than a PMD, or its pfns there are 120 pages off the alignment of
 * the addresses), the windows cross the boundary and it takes one fault per
 * window, as without huge faults; every page is mapped by a PTE. Where the
 * range can (the object's page 512 at the boundary), the window stops there,
 * the range behind is mapped by a huge fault: 8 faults by PTEs, 1 for the
 * leaf. A window that crossed would leave a page table where the leaf goes:
 * one fault per 16 pages for good.
 */
static void ttm_bo_vm_huge_crossing_faults(struct kunit *test)
{
	const struct tbv_crossing_param *p = test->param_value;
	const unsigned long touch = SZ_1M >> PAGE_SHIFT;
	const unsigned long before = TBV_CROSSING_BEFORE;
	struct tbv_test *t = test->priv;
	unsigned long i, hole, faults = 0;
	struct tbv_entry e;

	if (p->pages < TBV_PMD_PAGES)
		tbv_bo_create(t, p->mem_type, p->pages);
	else
		tbv_huge_bo(t, p->mem_type, ttm_cached);
	hole = tbv_aligned_hole(t, 3 * TBV_PMD_PAGES);
	hole += PMD_SIZE - (before + p->pgoff) * PAGE_SIZE;
	tbv_map_file(t, t->file, hole, p->pages, MAP_FIXED);
	if (p->pgoff) {
		/*
		 * drm_gem_mmap() maps an object from its first page only;
		 * a partial munmap() leaves a vma that starts further in.
		 */
		KUNIT_ASSERT_EQ(test, vm_munmap(hole, p->pgoff << PAGE_SHIFT),
				0);
		t->uaddr += p->pgoff << PAGE_SHIFT;
		t->len -= p->pgoff << PAGE_SHIFT;
		t->pgoff = p->pgoff;
	}
	migrate_disable();
	for (i = 0; i < touch; i++)
		faults += tbv_write(t, i, tbv_pattern(i, 1));
	migrate_enable();
	kunit_info(test, "write-touching %lu pages across a PMD boundary took %lu faults\n",
		   touch, faults);
	if (p->leaf) {
		KUNIT_EXPECT_EQ(test, faults,
				DIV_ROUND_UP(before, TTM_BO_VM_NUM_PREFAULT) + 1);
		for (i = before; i < touch; i += TBV_PMD_PAGES)
			tbv_expect_leaf(t, i, PMD_ORDER, true, true);
	} else {
		KUNIT_EXPECT_EQ(test, faults, touch / TTM_BO_VM_NUM_PREFAULT);
	}
	for (i = 0; i < (p->leaf ? before : touch); i++) {
		KUNIT_ASSERT_EQ_MSG(test, tbv_read_entry(t, i, &e), 0,
				    "page %lu", i);
		tbv_expect_state(t, i, true, true);
	}
	tbv_unmap(t);
}

/*
 * vm_page_prot changes without a zap: clear_refs' soft-dirty reset has
 * vma_set_page_prot() write-protect it on a shared writable vma and leaves
 * PFN entries, leaves too, where they are. Huge faults then fall back, and a
 * prefault window that reaches the PMD boundary before a leaf must still stop
 * there: had it asked whether the vma can take a leaf now, it would have
 * walked into the leaf (walk_to_pmd()'s VM_BUG_ON).
 */
static void ttm_bo_vm_huge_wp_prot_keeps_leaf(struct kunit *test)
{
	const unsigned long first = TBV_PMD_PAGES - 12;
	struct tbv_test *t = test->priv;
	struct vm_area_struct *vma;
	struct mm_struct *mm;
	struct tbv_entry e;
	unsigned long i;
	u32 val;

	tbv_huge_bo(t, TTM_PL_VRAM, ttm_write_combined);
	tbv_huge_map(t, 2 * TBV_PMD_PAGES);
	KUNIT_ASSERT_TRUE(test, IS_ALIGNED(t->uaddr, PMD_SIZE));
	KUNIT_EXPECT_EQ(test, tbv_write(t, TBV_PMD_PAGES, 1), 1);
	tbv_expect_leaf(t, TBV_PMD_PAGES, PMD_ORDER, true, true);

	/* What vma_set_page_prot() does when it wants write notification. */
	mm = current->mm;	/* the test thread's, since the first mmap */
	mmap_write_lock(mm);
	vma = vma_lookup(mm, t->uaddr);
	KUNIT_ASSERT_NOT_NULL(test, vma);
	vma_start_write(vma);
	WRITE_ONCE(vma->vm_page_prot,
		   vm_get_page_prot(vma->vm_flags & ~VM_SHARED));
	mmap_write_unlock(mm);

	for (i = first; i < TBV_PMD_PAGES; i++)
		tbv_read(t, i, &val);
	for (i = first; i < TBV_PMD_PAGES; i++)
		KUNIT_EXPECT_EQ_MSG(test, tbv_read_entry(t, i, &e), 0,
				    "page %lu", i);
	tbv_expect_leaf(t, TBV_PMD_PAGES, PMD_ORDER, true, true);
	tbv_unmap(t);
}

/*
 * The move stress of the ttm_bo_vm suite on two PMDs of buffer object,
 * mapped huge where the placement allows: the check that no entry points
 * to a placement the object has left covers the pages under leaves.
 */
static void ttm_bo_vm_huge_move_stress(struct kunit *test)
{
	const unsigned long n = 2 * TBV_PMD_PAGES;
	struct tbv_test *t = test->priv;
	unsigned long huge;

	tbv_huge_bo(t, TTM_PL_VRAM, ttm_cached);
	tbv_huge_map(t, n);
	huge = tbv_fault_move_stress(t, n, TBV_HUGE_STRESS_ITERATIONS, 97);
	KUNIT_EXPECT_GT(test, huge, 0);
	tbv_unmap(t);
}

/*
 * 1 GiB outside System RAM as a write-combined aperture: mmap(NULL) is
 * placed PUD-aligned, and one fault maps it all by a PUD leaf with the
 * write-combined type; on a CPU without 1 GiB pages, one fault per 2 MiB
 * maps it by PMD leaves. An RMP violation splits the entry: the faulting
 * page is then mapped by a PTE, the rest refaults by PMDs.
 */
static void ttm_bo_vm_huge_pud(struct kunit *test)
{
	const unsigned long pages = PUD_SIZE >> PAGE_SHIFT;
	struct tbv_test *t = test->priv;
	unsigned long i, faults = 0, expect;
	int order = PUD_ORDER;
	vm_fault_t ret;
	u32 val;
	int err;

	if (!IS_ENABLED(CONFIG_ARCH_SUPPORTS_PUD_PFNMAP))
		kunit_skip(test,
			   "no PUD-sized PFN mappings on this architecture: CONFIG_ARCH_SUPPORTS_PUD_PFNMAP is off");
#ifdef CONFIG_X86
	if (!boot_cpu_has(X86_FEATURE_GBPAGES)) {
		kunit_info(test, "no 1 GiB pages: expecting PMD leaves\n");
		order = PMD_ORDER;
	}
#endif
	if (!pud_base)
		kunit_skip(test,
			   "no 1 GiB range to map: boot with memmap=1G$<base> ttm_bo_vm_test.pud_base=<base>");
	KUNIT_ASSERT_TRUE_MSG(test, IS_ALIGNED(pud_base, PUD_SIZE) &&
			      region_intersects(pud_base, PUD_SIZE,
						IORESOURCE_SYSTEM_RAM,
						IORES_DESC_NONE) == REGION_DISJOINT,
			      "ttm_bo_vm_test.pud_base=%#llx is not a 1 GiB aligned range outside System RAM",
			      pud_base);

	/* As a driver does for its write-combined aperture. */
	err = arch_io_reserve_memtype_wc(pud_base, PUD_SIZE);
	KUNIT_ASSERT_EQ(test, err, 0);
	t->priv_memtype = true;
	err = ttm_mock_manager_init(&t->bdev, TTM_PL_PRIV, PUD_SIZE);
	KUNIT_ASSERT_EQ(test, err, 0);
	ttm_manager_type(&t->bdev, TTM_PL_PRIV)->use_tt = false;
	t->priv_ready = true;

	tbv_bo_create(t, TTM_PL_PRIV, pages);
	tbv_huge_map(t, pages);
	KUNIT_ASSERT_TRUE_MSG(test, IS_ALIGNED(t->uaddr, PUD_SIZE),
			      "mmap(NULL) returned %#lx", t->uaddr);
	/* 64 stores, 16 MiB apart, each in its own PMD. */
	for (i = 0; i < pages; i += 4099)
		faults += tbv_write(t, i, tbv_pattern(i, 1));
	expect = order == PUD_ORDER ? 1 : DIV_ROUND_UP(pages, 4099);
	KUNIT_EXPECT_EQ(test, faults, expect);
	tbv_expect_leaf(t, 0, order, true, true);
	tbv_expect_leaf(t, 4099 * (expect - 1), order, true, true);

	ret = tbv_inject(t, 37, FAULT_FLAG_SPLIT_HUGE);
	TBV_EXPECT_FAULT(test, ret, VM_FAULT_NOPAGE);
	tbv_expect_leaf(t, 37, 0, true, true);
	KUNIT_EXPECT_EQ(test, tbv_read_entry(t, 0, &(struct tbv_entry){}), -1);
	for (i = 0, faults = 0; i < pages; i += 4099) {
		faults += tbv_read(t, i, &val);
		KUNIT_EXPECT_EQ(test, val, tbv_pattern(i, 1));
	}
	/* The rest is refaulted by PMDs: 1 GiB has 512. */
	KUNIT_EXPECT_LE(test, faults, PTRS_PER_PMD);
	KUNIT_EXPECT_EQ(test, tbv_read(t, pages - 1, &val), 1);
	tbv_expect_leaf(t, pages - 1, PMD_ORDER, true, true);
	tbv_unmap(t);
}

static struct kunit_case ttm_bo_vm_huge_test_cases[] = {
	KUNIT_CASE_PARAM(ttm_bo_vm_huge_pmd_map, tbv_huge_gen_params),
	KUNIT_CASE_PARAM(ttm_bo_vm_huge_fallback, tbv_fallback_gen_params),
	KUNIT_CASE(ttm_bo_vm_huge_shmem_file),
	KUNIT_CASE(ttm_bo_vm_huge_partial),
	KUNIT_CASE(ttm_bo_vm_huge_mprotect),
	KUNIT_CASE(ttm_bo_vm_huge_mremap),
	KUNIT_CASE_PARAM(ttm_bo_vm_huge_gup_fails, tbv_huge_gen_params),
	KUNIT_CASE(ttm_bo_vm_huge_move),
	KUNIT_CASE(ttm_bo_vm_huge_driver_hooks),
	KUNIT_CASE(ttm_bo_vm_huge_vma_lock),
	KUNIT_CASE(ttm_bo_vm_huge_vma_lock_imported),
	KUNIT_CASE_PARAM(ttm_bo_vm_huge_vma_lock_retry, tbv_busy_gen_params),
	KUNIT_CASE_PARAM(ttm_bo_vm_unplug_huge, tbv_unplug_gen_params),
	KUNIT_CASE(ttm_bo_vm_huge_fault_meets_leaf),
	KUNIT_CASE_SLOW(ttm_bo_vm_huge_write_touch_64m),
	KUNIT_CASE_PARAM(ttm_bo_vm_huge_crossing_faults,
			 tbv_crossing_gen_params),
	KUNIT_CASE(ttm_bo_vm_huge_wp_prot_keeps_leaf),
	KUNIT_CASE_SLOW(ttm_bo_vm_huge_move_stress),
	KUNIT_CASE(ttm_bo_vm_huge_pud),
	{}
};

static struct kunit_suite ttm_bo_vm_huge_test_suite = {
	.name = "ttm_bo_vm_huge",
	.init = tbv_huge_init,
	.exit = tbv_exit,
	.test_cases = ttm_bo_vm_huge_test_cases,
};

kunit_test_suites(&ttm_bo_vm_test_suite, &ttm_bo_vm_huge_test_suite);

MODULE_DESCRIPTION("KUnit tests for the TTM fault path");
MODULE_LICENSE("GPL and additional rights");
