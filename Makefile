# Workflow for the series in patches/: make a kernel tree from the pinned
# Debian base with the series applied, run the KUnit matrix and the static
# checks, and export the tree's commits back to patches/.
#
#   make            setup, tree, then the KUnit suites on um (the main job)
#   make check      setup, tree, views check, the full KUnit matrix, static checks
#   make tree       the kernel tree (build/linux) with patches/ applied
#                   (USER_TREE=/path/to/6.12.y-git-tree to apply onto that instead)
#   make export     the tree's commits back to patches/ and the views
#   make views      check that patches/ reproduces the views byte for byte
#   make kunit      the KUnit matrix (workflow/matrix.txt); VARIANTS="um x86_64" for some
#   make static     checkpatch --strict, per-commit builds, sparse, W=1, kernel-doc
#   make bench      end-to-end benchmark: the dumb_mmap selftest under QEMU with
#                   bochs and qxl, base v6.12 against the series, x86_64 and
#                   arm64; table and plot into workflow/bench/results
#   make bench-quick  the series' kernels only, a few sizes, fault counts
#                   asserted (part of make check)
#   make docs       htmldocs for Documentation/mm and gpu: no warning in a
#                   touched file; kernel-doc for every new export
#   make am-check   git am onto older Debian 6.12.y sources (AM_VERSIONS)
#   make drivers    allmodconfig (-Werror) build of every driver using TTM or
#                   the touched mm APIs, x86_64 and arm64 (about 40 min)
#   make drivers-quick  the same for the objects that use what changed
#   make cocci      coccicheck report mode on the touched .c files
#   make clean      remove the build folders (keeps the tree)

WORK      ?= $(CURDIR)/build
TREE      ?= $(WORK)/linux
OUT       ?= $(WORK)/out
USER_TREE ?=
VARIANTS  ?=
JOBS      ?= 2
export JOBS

STAGES_MAIN  := setup tree kunit-um
STAGES_CHECK := setup tree views docs am-check kunit bench-quick static
AM_VERSIONS  ?= 6.12.115-2~deb12u1

.PHONY: all main check setup tree export views kunit kunit-um static bench bench-quick docs am-check drivers drivers-quick cocci clean distclean
.PHONY: $(addprefix do-,setup tree views kunit kunit-um static bench bench-quick docs am-check drivers drivers-quick cocci)

all: main

main:
	@mkdir -p $(WORK)
	@bash workflow/check.sh $(STAGES_MAIN)

check:
	@mkdir -p $(WORK)
	@bash workflow/check.sh $(STAGES_CHECK)

setup tree views kunit kunit-um static bench bench-quick docs am-check drivers drivers-quick cocci:
	@mkdir -p $(WORK)
	@bash workflow/check.sh $@

do-setup:
	bash workflow/setup.sh

do-tree:
	bash workflow/mktree.sh $(TREE) $(USER_TREE)

do-views:
	python3 workflow/views.py check $(TREE) base $(CURDIR)

do-kunit-um:
	bash workflow/kunit-matrix.sh $(TREE) $(OUT) um

do-kunit:
	bash workflow/kunit-matrix.sh $(TREE) $(OUT) $(VARIANTS)

do-static:
	bash workflow/static-checks.sh $(TREE) $(OUT) $(CURDIR)

do-bench:
	bash workflow/bench/bench.sh full $(TREE) $(OUT) $(CURDIR)/workflow/bench/results

do-bench-quick:
	bash workflow/bench/bench.sh quick $(TREE) $(OUT)

do-docs:
	bash workflow/docs-check.sh $(TREE) $(OUT)

do-am-check:
	bash workflow/am-check.sh $(CURDIR) $(OUT) $(AM_VERSIONS)

do-drivers:
	bash workflow/drivers.sh full $(TREE) $(OUT)

do-drivers-quick:
	bash workflow/drivers.sh quick $(TREE) $(OUT)

do-cocci:
	bash workflow/cocci-check.sh $(TREE)

export:
	bash workflow/export.sh $(TREE)

clean:
	rm -rf $(OUT)

distclean:
	rm -rf $(WORK)
