#!/bin/bash
# Run the KUnit matrix of workflow/matrix.txt with tools/testing/kunit/kunit.py
# in the kernel tree, and check each run with check-kunit.py.
#
#   kunit-matrix.sh TREE OUT [VARIANT ...]     (default: every variant)
#
# Build folders are OUT/<arch> and stay for incremental rebuilds; the raw
# kernel log of each variant is kept as OUT/logs/<variant>.log.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
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

jobs=${JOBS:-2}
variants=("$@")
if [ ${#variants[@]} -eq 0 ]; then
	mapfile -t variants < <(grep -v '^#' "$here/matrix.txt" | awk 'NF {print $1}')
fi

status=0
tp=0 tf=0 ts=0
summary=()

for v in "${variants[@]}"; do
	row=$(grep -v '^#' "$here/matrix.txt" | awk -v v="$v" '$1 == v')
	if [ -z "$row" ]; then
		echo "kunit-matrix: unknown variant $v" >&2
		exit 2
	fi
	read -r _ dirs suites <<<"$row"
	kargs=()
	IFS=, read -ra dl <<<"$dirs"
	for d in "${dl[@]}"; do kargs+=(--kunitconfig="$d"); done

	case $v in
	um)
		arch=um
		args=(run --arch=um "${kargs[@]}" --kunitconfig="$here/kunit/debug-um.config")
		;;
	x86_64)
		# 4 GiB, of which 1 GiB at 2 GiB is reserved for the PUD cases
		# of pfnmap_pud, and a CPU with 1 GiB pages.
		arch=x86_64
		args=(run --arch=x86_64 "${kargs[@]}" --kunitconfig="$here/kunit/debug-x86_64.config"
		      --qemu_args='-m 4G -cpu qemu64,pdpe1gb=on'
		      --kernel_args='memmap=1G$0x80000000'
		      --kernel_args='pfnmap_kunit.pud_base=0x80000000')
		;;
	arm64)
		arch=arm64
		args=(run --arch=arm64 --cross_compile=aarch64-linux-gnu- "${kargs[@]}"
		      --kunitconfig="$here/kunit/debug-arm64.config")
		;;
	arm64-nodbm)
		# The arm64 kernel again, on a CPU without hardware dirty-bit
		# management; QEMU takes the last -cpu given.
		arch=arm64
		args=(exec --arch=arm64 --qemu_args='-cpu cortex-a57')
		;;
	*)
		echo "kunit-matrix: no recipe for variant $v" >&2
		exit 2
		;;
	esac

	# kunit.py exec takes no --jobs
	[ "${args[0]}" = exec ] || args+=(--jobs="$jobs")
	start=$(date +%s)
	echo "=== kunit $v: kunit.py ${args[*]}"
	# never judge a stale log
	rm -f "$out/$arch/test.log" "$out/logs/$v.log"
	(cd "$tree" && ./tools/testing/kunit/kunit.py "${args[@]}" \
		--build_dir="$out/$arch" --timeout=900) \
		> "$out/logs/$v.kunit.txt" 2>&1
	rc=$?
	grep -E '^\[..:..:..\] (Testing complete|Elapsed time|=+ |\[(PASSED|FAILED|SKIPPED|CRASHED)\] )' \
		"$out/logs/$v.kunit.txt" | grep -vE '\[PASSED\] ' | tail -n 40
	tail -n 3 "$out/logs/$v.kunit.txt"
	cp "$out/$arch/test.log" "$out/logs/$v.log" 2>/dev/null || : > "$out/logs/$v.log"
	if [ $rc -ne 0 ]; then
		echo "kunit-matrix: kunit.py failed for $v (exit $rc); see $out/logs/$v.kunit.txt"
		tail -n 60 "$out/logs/$v.kunit.txt"
		status=1
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
