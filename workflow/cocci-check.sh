#!/bin/bash
# coccicheck in report mode on the .c files the series touches (not the
# user-space selftest): every semantic patch of scripts/coccinelle with a
# report mode, run by spatch on those files directly (make coccicheck M=
# takes whole directories and stops at the first script that needs OCaml).
# Prints every report; compare a report with base by hand.
#
#   cocci-check.sh TREE
set -uo pipefail
cd "$1" || exit 2
mapfile -t files < <(git diff --name-only --diff-filter=AM base HEAD -- '*.c' | grep -v '^tools/')
inc=(-I ./arch/x86/include -I ./arch/x86/include/generated -I ./include
     -I ./arch/x86/include/uapi -I ./arch/x86/include/generated/uapi
     -I ./include/uapi -I ./include/generated/uapi
     --include ./include/linux/compiler-version.h --include ./include/linux/kconfig.h)
n=0
for s in $(find scripts/coccinelle -name '*.cocci' | sort); do
	grep -q '^virtual report' "$s" || continue
	n=$((n + 1))
	r=$(timeout 120 spatch -D report --no-show-diff --very-quiet --cocci-file "$s" \
		--no-includes --include-headers "${inc[@]}" "${files[@]}" 2>&1 |
		grep -E '^[^ ]+\.[ch]:[0-9]+' || true)
	[ -z "$r" ] || { echo "cocci: $s"; echo "$r"; }
done
echo "cocci: $n semantic patches on ${#files[@]} files"
