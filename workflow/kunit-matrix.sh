#!/bin/bash
# Run a KUnit matrix (MATRIX, default workflow/matrix.txt; KCONF_DIR holds
# its debug fragments, default workflow/kunit) with tools/testing/kunit/kunit.py
# in the kernel tree, and check each run with check-kunit.py.
#
#   kunit-matrix.sh TREE OUT [VARIANT ...]     (default: every variant)
#
# Each variant builds its kernel once (kunit.py build), then boots it once
# per suite of its row (kunit.py exec with the suite's name as filter; a
# suite given as NAME:runs=CASE, one case, boots with NAME.CASE).
# Build folders are OUT/<arch> and stay for incremental rebuilds; the raw
# kernel logs of each variant's boots are kept as OUT/logs/<variant>.log.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
matrix=${MATRIX:-$here/matrix.txt}
kconf=${KCONF_DIR:-$here/kunit}
tree=$(cd "$1" && pwd)
out=$2
shift 2
mkdir -p "$out/logs"
out=$(cd "$out" && pwd)

# ccache when it is there; the build never depends on it.
if [ -d /usr/lib/ccache ]; then
	export PATH=/usr/lib/ccache:$PATH
	export CCACHE_DIR=${CCACHE_DIR:-$out/ccache}
	export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
fi

# QEMU under TCG only, whatever /dev/kvm the machine has (see the script)
export PATH=$here/qemu-tcg:$PATH

jobs=${JOBS:-2}
variants=("$@")
if [ ${#variants[@]} -eq 0 ]; then
	mapfile -t variants < <(grep -v '^#' "$matrix" | awk 'NF {print $1}')
fi

status=0
tp=0 tf=0 ts=0
summary=()

for v in "${variants[@]}"; do
	row=$(grep -v '^#' "$matrix" | awk -v v="$v" '$1 == v')
	if [ -z "$row" ]; then
		echo "kunit-matrix: unknown variant $v" >&2
		exit 2
	fi
	read -r _ dirs suites <<<"$row"
	kargs=()
	IFS=, read -ra dl <<<"$dirs"
	for d in "${dl[@]}"; do kargs+=(--kunitconfig="$d"); done

	# build: kunit.py build arguments (none: reuse the arch's kernel);
	# boot: kunit.py exec arguments
	case $v in
	um)
		arch=um
		build=(--arch=um "${kargs[@]}" --kunitconfig="$kconf/debug-um.config")
		boot=(--arch=um)
		;;
	x86_64)
		# 5 GiB, of which 1 GiB at 2 GiB is reserved for the PUD cases
		# of pfnmap_pud and ttm_bo_vm_huge (one suite per boot, so they
		# share it), a CPU with 1 GiB pages, 2 CPUs, two free 2 MiB
		# huge pages for the hugetlb cases of fault_split and
		# x86_rmp_fault, and one 1 GiB huge page for x86_rmp_fault's
		# 1G hugetlb case (hugepages= before hugepagesz= is for the
		# default size, 2 MiB).
		arch=x86_64
		build=(--arch=x86_64 "${kargs[@]}" --kunitconfig="$kconf/debug-x86_64.config")
		boot=(--arch=x86_64 --qemu_args='-m 5G -cpu qemu64,pdpe1gb=on -smp 2'
		      --kernel_args='memmap=1G$0x80000000'
		      --kernel_args='pfnmap_kunit.pud_base=0x80000000'
		      --kernel_args='ttm_bo_vm_test.pud_base=0x80000000'
		      --kernel_args='hugepages=2'
		      --kernel_args='hugepagesz=1G' --kernel_args='hugepages=1')
		;;
	arm64)
		arch=arm64
		build=(--arch=arm64 --cross_compile=aarch64-linux-gnu- "${kargs[@]}"
		       --kunitconfig="$kconf/debug-arm64.config")
		boot=(--arch=arm64 --qemu_args='-smp 2' --kernel_args='hugepages=2')
		;;
	x86_64-nogb)
		# The x86_64 kernel again, on a CPU without 1 GiB pages (qemu64
		# has no pdpe1gb): PUD-sized PFN faults must fall back to PMDs.
		arch=x86_64
		build=()
		boot=(--arch=x86_64 --qemu_args='-m 4G -cpu qemu64 -smp 2'
		      --kernel_args='memmap=1G$0x80000000'
		      --kernel_args='pfnmap_kunit.pud_base=0x80000000'
		      --kernel_args='ttm_bo_vm_test.pud_base=0x80000000')
		;;
	arm64-nodbm)
		# The arm64 kernel again, on a CPU without hardware dirty-bit
		# management; QEMU takes the last -cpu given.
		arch=arm64
		build=()
		boot=(--arch=arm64 --qemu_args='-smp 2 -cpu cortex-a57'
		      --kernel_args='hugepages=2')
		;;
	*)
		echo "kunit-matrix: no recipe for variant $v" >&2
		exit 2
		;;
	esac

	start=$(date +%s)
	# never judge a stale log
	rm -f "$out/$arch/test.log" "$out/logs/$v.log"
	: > "$out/logs/$v.kunit.txt"
	: > "$out/logs/$v.log"
	rc=0
	if [ ${#build[@]} -gt 0 ]; then
		echo "=== kunit $v: kunit.py build ${build[*]}"
		(cd "$tree" && ./tools/testing/kunit/kunit.py build "${build[@]}" \
			--build_dir="$out/$arch" --jobs="$jobs") \
			>> "$out/logs/$v.kunit.txt" 2>&1 || rc=$?
		tail -n 1 "$out/logs/$v.kunit.txt"
	fi
	if [ $rc -ne 0 ]; then
		echo "kunit-matrix: kunit.py build failed for $v (exit $rc); see $out/logs/$v.kunit.txt"
		tail -n 60 "$out/logs/$v.kunit.txt"
		status=1
	else
		IFS=, read -ra sl <<<"$suites"
		for spec in "${sl[@]}"; do
			s=${spec%%:*}
			# NAME:runs=CASE (one case) boots for that case alone
			filter=$s
			case $spec in
			*:runs=*/*) ;;
			*:runs=*) filter="$s.${spec#*:runs=}" ;;
			esac
			echo "=== kunit $v: kunit.py exec ${boot[*]} $filter"
			rm -f "$out/$arch/test.log"
			(cd "$tree" && ./tools/testing/kunit/kunit.py exec "${boot[@]}" \
				--build_dir="$out/$arch" --timeout=900 "$filter") \
				> "$out/logs/$v.$s.txt" 2>&1
			src=$?
			cat "$out/logs/$v.$s.txt" >> "$out/logs/$v.kunit.txt"
			grep -E '^\[..:..:..\] (Testing complete|Elapsed time|\[(FAILED|SKIPPED|CRASHED)\] )' \
				"$out/logs/$v.$s.txt" | tail -n 20
			cat "$out/$arch/test.log" >> "$out/logs/$v.log" 2>/dev/null
			if [ $src -ne 0 ]; then
				echo "kunit-matrix: kunit.py exec failed for $v, $s (exit $src); see $out/logs/$v.$s.txt"
				tail -n 40 "$out/logs/$v.$s.txt"
				status=1
			fi
		done
	fi
	# shellcheck disable=SC2086
	res=$(python3 "$here/check-kunit.py" "$v" "$out/logs/$v.log" ${suites//,/ })
	crc=$?
	echo "$res"
	[ $crc -eq 0 ] || status=1
	last=$(tail -n 1 <<<"$res")
	read -r p f s <<<"$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped/\1 \2 \3/' <<<"$last")"
	tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
	summary+=("$(printf '%-12s %4d passed %3d failed %3d skipped  %4ds' "$v" "$p" "$f" "$s" $(( $(date +%s) - start )))")
done

echo "=== kunit matrix"
printf '%s\n' "${summary[@]}"
echo "kunit: $tp passed, $tf failed, $ts skipped"
exit $status
