#!/bin/bash
# The full test command: every stage in order, each timed; all stages run
# even when one fails, and the exit status says whether all passed.
#
#   check.sh STAGE...     stages: setup tree views kunit kunit-main static backport
#                         bp-tree bp-kunit bench-quick docs am-check bench drivers ...
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
make=${MAKE:-make}
t0=$(date +%s)
rows=()
status=0
for s in "$@"; do
	rm -f "$here/build/stage-$s.log"
done
for s in "$@"; do
	start=$(date +%s)
	echo
	echo "=== stage $s (started $(date -u +%H:%M:%S))"
	$make -C "$here" --no-print-directory "do-$s" 2>&1 | tee "$here/build/stage-$s.log"
	rc=${PIPESTATUS[0]}
	el=$(( $(date +%s) - start ))
	echo "=== stage $s: $([ "$rc" -eq 0 ] && echo ok || echo FAILED) in ${el}s"
	rows+=("$(printf '%-10s %-6s %5ds' "$s" "$([ "$rc" -eq 0 ] && echo ok || echo FAILED)" "$el")")
	if [ "$rc" -ne 0 ]; then
		status=1
		# without a tree nothing else can run
		case $s in setup|tree) break ;; esac
	fi
done
echo
echo "=== stages"
printf '%s\n' "${rows[@]}"
echo "total: $(( $(date +%s) - t0 ))s"
# one closing count over the test stages that ran
p=0 f=0 tests=0
for s in "$@"; do
	case $s in kunit*|static|bench*|docs|am-check|backport|bp-kunit) tests=1 ;; *) continue ;; esac
	l=$(grep -E '^(kunit|static|bench|docs|am-check): [0-9]+ passed, [0-9]+ failed' "$here/build/stage-$s.log" 2>/dev/null | tail -n1)
	[ -n "$l" ] || continue
	p=$((p + $(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$l")))
	f=$((f + $(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$l")))
done
[ $status -eq 0 ] || [ $f -gt 0 ] || f=1
[ $tests -eq 0 ] || echo "result: $p passed, $f failed"
exit $status
