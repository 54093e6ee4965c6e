#!/bin/bash
# Build the drivers that use TTM or the mm interfaces the series touches,
# with allmodconfig (sanitizers and debug info off, CONFIG_WERROR on), for
# x86_64 and arm64. A warning is an error (W=0, -Werror), so "builds" means
# "builds without a warning"; the log is also searched for "warning:".
#
#   drivers.sh quick|full TREE OUT [ARCH...]
#
#   quick  the objects that use what the series changes: the TTM core, the
#          GEM TTM/VRAM helpers, the fault and mmap code of every TTM driver,
#          the drivers the 6.12 backport's patch 24 edits, and the users of
#          vmf_insert_pfn_pmd/pud (device DAX, fs/dax, vfio-pci); minutes
#   full   those drivers' whole directories (amdgpu, radeon, nouveau, i915,
#          xe, vmwgfx, qxl, bochs, hibmc, vboxvideo, loongson, ttm, vfio-pci,
#          dax); about 37 minutes for both arches on 2 cores (2026-12-01)
#
# An object whose Kconfig symbol an arch does not offer is reported as such,
# not built (e.g. i915 and xe on arm64).
set -uo pipefail

mode=$1
tree=$(cd "$2" && pwd)
out=$(mkdir -p "$3" && cd "$3" && pwd)
shift 3
archs=("$@")
[ ${#archs[@]} -gt 0 ] || archs=(x86_64 arm64)
jobs=${JOBS:-2}
logs=$out/logs/drivers
mkdir -p "$logs"

if [ -d /usr/lib/ccache ]; then
	export PATH=/usr/lib/ccache:$PATH
	export CCACHE_DIR=${CCACHE_DIR:-$out/ccache}
fi

# objects (quick) and directories (full), each with the Kconfig symbol that
# builds it
quick=(
	DRM_TTM:drivers/gpu/drm/ttm/ttm_bo_vm.o
	DRM_TTM:drivers/gpu/drm/ttm/ttm_bo_util.o
	DRM_TTM:drivers/gpu/drm/ttm/ttm_bo.o
	DRM_TTM_KUNIT_TEST:drivers/gpu/drm/ttm/tests/ttm_bo_vm_test.o
	DRM_TTM_HELPER:drivers/gpu/drm/drm_gem_ttm_helper.o
	DRM_VRAM_HELPER:drivers/gpu/drm/drm_gem_vram_helper.o
	DRM_BOCHS:drivers/gpu/drm/tiny/bochs.o
	DRM_QXL:drivers/gpu/drm/qxl/qxl_drv.o
	DRM_QXL:drivers/gpu/drm/qxl/qxl_ttm.o
	DRM_HISI_HIBMC:drivers/gpu/drm/hisilicon/hibmc/hibmc_drm_drv.o
	DRM_VBOXVIDEO:drivers/gpu/drm/vboxvideo/vbox_drv.o
	DRM_LOONGSON:drivers/gpu/drm/loongson/lsdc_drv.o
	DRM_AMDGPU:drivers/gpu/drm/amd/amdgpu/amdgpu_gem.o
	DRM_AMDGPU:drivers/gpu/drm/amd/amdgpu/amdgpu_ttm.o
	DRM_RADEON:drivers/gpu/drm/radeon/radeon_gem.o
	DRM_RADEON:drivers/gpu/drm/radeon/radeon_ttm.o
	DRM_NOUVEAU:drivers/gpu/drm/nouveau/nouveau_ttm.o
	DRM_NOUVEAU:drivers/gpu/drm/nouveau/nouveau_gem.o
	DRM_VMWGFX:drivers/gpu/drm/vmwgfx/vmwgfx_page_dirty.o
	DRM_VMWGFX:drivers/gpu/drm/vmwgfx/vmwgfx_gem.o
	DRM_XE:drivers/gpu/drm/xe/xe_bo.o
	DRM_I915:drivers/gpu/drm/i915/gem/i915_gem_ttm.o
	DEV_DAX:drivers/dax/device.o
	FS_DAX:fs/dax.o
	VFIO_PCI_CORE:drivers/vfio/pci/vfio_pci_core.o
)
full=(
	DRM_TTM:drivers/gpu/drm/ttm/
	DRM_TTM_HELPER:drivers/gpu/drm/drm_gem_ttm_helper.o
	DRM_VRAM_HELPER:drivers/gpu/drm/drm_gem_vram_helper.o
	DRM_BOCHS:drivers/gpu/drm/tiny/
	DRM_QXL:drivers/gpu/drm/qxl/
	DRM_HISI_HIBMC:drivers/gpu/drm/hisilicon/hibmc/
	DRM_VBOXVIDEO:drivers/gpu/drm/vboxvideo/
	DRM_LOONGSON:drivers/gpu/drm/loongson/
	DRM_AMDGPU:drivers/gpu/drm/amd/amdgpu/
	DRM_RADEON:drivers/gpu/drm/radeon/
	DRM_NOUVEAU:drivers/gpu/drm/nouveau/
	DRM_VMWGFX:drivers/gpu/drm/vmwgfx/
	DRM_XE:drivers/gpu/drm/xe/
	DRM_I915:drivers/gpu/drm/i915/
	DEV_DAX:drivers/dax/
	FS_DAX:fs/dax.o
	VFIO_PCI_CORE:drivers/vfio/pci/
)
case $mode in
quick) targets=("${quick[@]}") ;;
full) targets=("${full[@]}") ;;
*) echo "drivers: mode is quick or full" >&2; exit 2 ;;
esac

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "drivers: ok   $*"; }
bad() { fail=$((fail + 1)); echo "drivers: FAIL $*"; }

for arch in "${archs[@]}"; do
	case $arch in
	x86_64) cross= ;;
	arm64) cross=aarch64-linux-gnu- ;;
	*) echo "drivers: unknown arch $arch" >&2; exit 2 ;;
	esac
	bdir=$out/drivers-$arch
	mkdir -p "$bdir"
	kmake() { make -C "$tree" O="$bdir" ARCH="$arch" CROSS_COMPILE="$cross" -j"$jobs" "$@"; }
	frag=$bdir/allmod.frag
	cat > "$frag" <<-FRAG
	CONFIG_WERROR=y
	# CONFIG_KASAN is not set
	# CONFIG_KCSAN is not set
	# CONFIG_KMSAN is not set
	# CONFIG_UBSAN is not set
	# CONFIG_KCOV is not set
	# CONFIG_GCOV_KERNEL is not set
	# CONFIG_GCC_PLUGINS is not set
	# CONFIG_FORTIFY_SOURCE is not set
	CONFIG_DEBUG_INFO_NONE=y
	FRAG
	start=$(date +%s)
	if ! KCONFIG_ALLCONFIG=$frag kmake -s allmodconfig > "$logs/$arch-config.log" 2>&1 ||
	   ! kmake -s prepare > "$logs/$arch-prepare.log" 2>&1; then
		bad "$arch: allmodconfig/prepare"
		tail -n 20 "$logs/$arch-config.log" "$logs/$arch-prepare.log"
		continue
	fi
	grep -q '^CONFIG_WERROR=y' "$bdir/.config" || { bad "$arch: CONFIG_WERROR not set"; continue; }
	echo "drivers: $arch allmodconfig prepared ($(( $(date +%s) - start ))s)"
	for t in "${targets[@]}"; do
		sym=${t%%:*} path=${t#*:}
		if ! grep -qE "^CONFIG_$sym=(y|m)" "$bdir/.config"; then
			echo "drivers: --   $arch $path: CONFIG_$sym is not offered on $arch"
			continue
		fi
		key=$arch-$(tr / _ <<<"${path%/}")
		start=$(date +%s)
		case $path in
		*.o) rm -f "$bdir/$path" ;;
		esac
		kmake -s "$path" > "$logs/$key.log" 2>&1
		rc=$?
		nwarn=$(grep -cE '(warning|error):' "$logs/$key.log")
		if [ $rc -eq 0 ] && [ "$nwarn" -eq 0 ]; then
			ok "$arch $path builds, 0 warnings ($(( $(date +%s) - start ))s)"
		else
			bad "$arch $path: exit $rc, $nwarn warning/error lines"
			grep -E '(warning|error):' "$logs/$key.log" | head -n 20
		fi
	done
done
echo "drivers: $pass passed, $fail failed"
[ $fail -eq 0 ]
