# Workflow for the series in patches/ (Linux 7.3, Debian's linux-source-7.3)
# and its backport to 6.12 in backport/6.12/: make kernel trees from the
# pinned Debian bases with the series applied, run the KUnit matrix and the
# static checks, and export a tree's commits back to patches/.
#
#   make            setup, tree, then the KUnit matrix on x86_64 (the main
#                   job: where the suites execute)
#   make check      what CI runs: setup, tree, views, the full KUnit matrix,
#                   static checks, and the 6.12 backport (applies, um suites)
#   make tree       the 7.3 kernel tree (build/linux) with patches/ applied
#                   (USER_TREE=/path/to/a-7.3-git-tree to apply onto that)
#   make export     the tree's commits back to patches/ and the views
#   make views      check that patches/ reproduces the views byte for byte
#   make kunit      the KUnit matrix (workflow/matrix.txt); VARIANTS="um x86_64"
#   make static     checkpatch --strict, per-commit builds, sparse, W=1,
#                   kernel-doc
#   make backport   the 6.12 backport: tree build/linux-6.12 from Debian's
#                   6.12.117 with backport/6.12/patches applied, um suites
#   make bp-export  the 6.12 tree's commits back to backport/6.12/patches
#   make drivers    allmodconfig (-Werror) build of the TTM drivers and the
#                   other users of the touched mm APIs, x86_64 and arm64
#   make drivers-quick  the same for the objects that use what changed
#   make cocci      coccicheck report mode on the touched .c files
#   make am-check   git am of the backport onto older Debian 6.12.y sources
#   make bench      end-to-end benchmark on 7.3 (dumb_mmap under QEMU,
#                   x86_64, qxl (TTM) and bochs (GEM shmem), 7.3 against
#                   the series); results in workflow/bench/results-7.3
#   make bench-profile  per-function guest instructions of one dumb_mmap run,
#                   7.3 against the series (QEMU TCG plugin; after make bench)
#   make bp-bench   the same for the backport (bochs and qxl, v6.12
#                   against the backport, x86_64 and arm64)
#   make clean      remove the build folders (keeps the trees)

WORK      ?= $(CURDIR)/build
TREE      ?= $(WORK)/linux
OUT       ?= $(WORK)/out
BP_TREE   ?= $(WORK)/linux-6.12
BP_OUT    ?= $(WORK)/out-6.12
USER_TREE ?=
VARIANTS  ?=
JOBS      ?= 2
export JOBS

STAGES_MAIN  := setup tree kunit-main
STAGES_CHECK := setup tree views kunit static backport
AM_VERSIONS  ?= 6.12.115-2~deb12u1

STAGES := setup tree views kunit kunit-main static backport bp-tree bp-kunit \
	  bench bench-quick bp-bench docs am-check drivers drivers-quick cocci

.PHONY: all main check export bp-export bench-profile clean distclean $(STAGES) $(addprefix do-,$(STAGES))

all: main

main:
	@mkdir -p $(WORK)
	@bash workflow/check.sh $(STAGES_MAIN)

check:
	@mkdir -p $(WORK)
	@bash workflow/check.sh $(STAGES_CHECK)

$(STAGES):
	@mkdir -p $(WORK)
	@bash workflow/check.sh $@

do-setup:
	bash workflow/setup.sh
	bash workflow/fetch-base.sh 7.3 $(WORK)/base
	bash workflow/fetch-base.sh 6.12 $(WORK)/base
	bash workflow/fetch-sparse.sh $(WORK)/tools

do-tree:
	bash workflow/mktree.sh 7.3 $(TREE) $(USER_TREE)

do-views:
	python3 workflow/views.py check $(TREE) base $(CURDIR)

do-kunit:
	bash workflow/kunit-matrix.sh $(TREE) $(OUT) $(VARIANTS)

do-kunit-main:
	bash workflow/kunit-matrix.sh $(TREE) $(OUT) x86_64

do-static:
	SPARSE=$(WORK)/tools/sparse/sparse bash workflow/static-checks.sh $(TREE) $(OUT) $(CURDIR)

do-backport: do-bp-tree do-bp-kunit

do-bp-tree:
	bash workflow/mktree.sh 6.12 $(BP_TREE)

do-bp-kunit:
	MATRIX=$(CURDIR)/backport/6.12/matrix.txt KCONF_DIR=$(CURDIR)/backport/6.12/kunit \
		bash workflow/kunit-matrix.sh $(BP_TREE) $(BP_OUT) um

BENCH_OUT ?= $(WORK)/out-bench
BENCH_FULL_SIZES  := 1,2,4,8,16,32,64,128,256
BENCH_QUICK_SIZES := 1,2,8,64
BENCH_73  := BENCH_ARCHES=x86_64 BENCH_DEVICES_x86_64="qxl bochs-display" \
	     BENCH_MEASURE_ONLY=bochs-display BENCH_QUICK_DEVICE=qxl BENCH_BASE=7.3

do-bench:
	$(BENCH_73) BENCH_SIZES=$(or $(BENCH_SIZES),$(BENCH_FULL_SIZES)) \
		bash workflow/bench/bench.sh full $(TREE) $(BENCH_OUT) $(CURDIR)/workflow/bench/results-7.3

do-bench-quick:
	$(BENCH_73) BENCH_SIZES=$(or $(BENCH_SIZES),$(BENCH_QUICK_SIZES)) \
		bash workflow/bench/bench.sh quick $(TREE) $(BENCH_OUT)

bench-profile:
	bash workflow/bench/profile.sh $(BENCH_OUT)

do-bp-bench:
	bash workflow/bench/bench.sh full $(BP_TREE) $(BP_OUT) $(CURDIR)/workflow/bench/results

do-docs:
	bash workflow/docs-check.sh $(TREE) $(OUT)

do-am-check:
	bash workflow/am-check.sh $(CURDIR)/backport/6.12/patches $(BP_OUT) $(AM_VERSIONS)

do-drivers:
	bash workflow/drivers.sh full $(TREE) $(OUT)

do-drivers-quick:
	bash workflow/drivers.sh quick $(TREE) $(OUT)

do-cocci:
	bash workflow/cocci-check.sh $(TREE)

export:
	bash workflow/export.sh $(TREE) $(CURDIR)/patches yes

bp-export:
	bash workflow/export.sh $(BP_TREE) $(CURDIR)/backport/6.12/patches no

clean:
	rm -rf $(OUT) $(BP_OUT)

distclean:
	rm -rf $(WORK)
