#!/bin/bash
# Documentation checks on the series in TREE (base..HEAD):
#  - make SPHINXDIRS="mm gpu" htmldocs, from scratch: no warning may name a
#    file the series touches, but for references to documents outside
#    mm/ and gpu/ in files base has (which a partial build cannot resolve);
#  - the pages the series adds are built;
#  - every symbol the series exports has a kernel-doc comment.
#
#   docs-check.sh TREE OUT
set -uo pipefail

tree=$(cd "$1" && pwd)
out=$(mkdir -p "$2" && cd "$2" && pwd)
bdir=$out/docs
logs=$out/logs
mkdir -p "$logs"
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "docs: ok   $*"; }
bad() { fail=$((fail + 1)); echo "docs: FAIL $*"; }
g() { git -C "$tree" "$@"; }

mapfile -t touched < <(g diff --name-only --diff-filter=AM base HEAD)
rm -rf "$bdir"
start=$(date +%s)
make -C "$tree" O="$bdir" SPHINXDIRS="mm gpu" htmldocs > "$logs/docs.log" 2>&1 ||
	bad "make htmldocs failed (see $logs/docs.log)"
nw=$(grep -c 'WARNING' "$logs/docs.log")
# A partial build cannot resolve references to other directories; such
# warnings in files that base has too (index.rst) are the partial build's.
mapfile -t added < <(g diff --name-only --diff-filter=A base HEAD)
mine=$(grep 'WARNING' "$logs/docs.log" | grep -F -f <(printf '%s\n' "${touched[@]}") |
	while IFS= read -r l; do
		case $l in
		*"undefined label:"* | *"unknown document:"*)
			grep -qF -f <(printf '%s\n' "${added[@]}") <<<"$l" || continue ;;
		esac
		printf '%s\n' "$l"
	done)
if [ -z "$mine" ]; then
	ok "htmldocs mm gpu: of its $nw warnings none is in the ${#touched[@]} files the series touches (partial-build references aside) ($(( $(date +%s) - start ))s)"
else
	bad "htmldocs warnings in files the series touches:"
	echo "$mine" | head -n 20
fi
for f in $(g diff --name-only --diff-filter=A base HEAD -- 'Documentation/*.rst'); do
	h=$bdir/Documentation/output/${f#Documentation/}
	h=${h%.rst}.html
	if [ -s "$h" ]; then ok "$f built"; else bad "$f not built ($h)"; fi
done

# every new export has kernel-doc: "NAME - " or "NAME() - " after " * "
while read -r file sym; do
	if grep -qE "^ \* ${sym}(\(\))? - " "$tree/$file"; then
		ok "kernel-doc for exported $sym ($file)"
	else
		bad "exported $sym has no kernel-doc in $file"
	fi
done < <(g diff -U0 base HEAD -- '*.c' | awk '
	/^\+\+\+ b\// { file = substr($0, 7) }
	/^\+EXPORT_SYMBOL/ { s = $0; sub(/.*\(/, "", s); sub(/\).*/, "", s); print file, s }')
echo "docs: $pass passed, $fail failed"
[ $fail -eq 0 ]
