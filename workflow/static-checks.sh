#!/bin/bash
# Static checks on the series in TREE (base..HEAD), x86_64:
#  - checkpatch.pl --strict on every patch of patches/: no error, warning or
#    check;
#  - every commit builds: with STATIC_FULL=1 the whole vmlinux at each
#    commit (incremental; a commit that changes a widely included header
#    costs a near-full rebuild), otherwise, as CI does, the objects the
#    series touches and the in-tree users of the APIs it changes
#    (workflow/static-objects.txt), at each commit; the KUnit matrix links
#    whole kernels at the series' head on three architectures;
#  - sparse (C=2) and W=1 on the .c files each commit touches that the
#    x86_64 KUnit config builds, compared with the same files at base: no
#    new warning. The checker is $SPARSE (setup builds Debian unstable's
#    sparse 0.6.5~rc1 into build/tools: Debian 12's 0.6.4 cannot parse
#    7.3, and kbuild then silently drops C=2); a checker that cannot parse
#    the tree is a failure;
#  - scripts/kernel-doc -Wall on the files each commit touches, compared with
#    base: no new warning.
#
#   static-checks.sh TREE OUT REPO
#
# OUT/x86_64 must hold a configured x86_64 build (the KUnit matrix's); its
# .config is restored afterwards.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
tree=$(cd "$1" && pwd)
out=$(cd "$2" && pwd)
repo=$(cd "$3" && pwd)
bdir=$out/x86_64
logs=$out/logs/static
mkdir -p "$logs"
jobs=${JOBS:-2}

if [ -d /usr/lib/ccache ]; then
	export PATH=/usr/lib/ccache:$PATH
	export CCACHE_DIR=${CCACHE_DIR:-$out/ccache}
fi

g() { git -C "$tree" "$@"; }
kmake() { make -C "$tree" O="$bdir" ARCH=x86_64 -j"$jobs" "$@"; }

[ -f "$bdir/.config" ] || { echo "static: $bdir has no .config; run the x86_64 KUnit variant first" >&2; exit 1; }
[ -z "$(g status --porcelain --untracked-files=no)" ] || { echo "static: $tree has uncommitted changes" >&2; exit 1; }

head=$(g symbolic-ref --short HEAD)
cp "$bdir/.config" "$out/static.config"
restore() {
	g checkout -q "$head"
	cp "$out/static.config" "$bdir/.config"
}
trap restore EXIT

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "static: ok   $*"; }
bad() { fail=$((fail + 1)); echo "static: FAIL $*"; }

# 1. checkpatch --strict on the patches as they will be sent. A warning or
# check is accepted only where the commit message says why, naming
# checkpatch and the message type (e.g. AVOID_BUG); errors never are.
for p in "$repo"/patches/0*.patch; do
	case $(basename "$p") in 0000-*) continue ;; esac
	# The tree has no history to check commit ids in; known-commits.txt
	# does that below.
	res=$(cd "$tree" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl --strict --show-types --no-color \
		--ignore UNKNOWN_COMMIT_ID "$p" 2>&1)
	total=$(grep -E '^total: ' <<<"$res" | tail -n1)
	msg=$(sed -n '/^Subject:/,/^---$/p' "$p")
	unexplained=()
	explained=()
	while read -r level type; do
		[ -n "$type" ] || continue
		if [ "$level" != ERROR ] && grep -q checkpatch <<<"$msg" && grep -qw "$type" <<<"$msg"; then
			explained+=("$type")
		else
			unexplained+=("$level:$type")
		fi
	done < <(grep -oE '^(ERROR|WARNING|CHECK):[A-Z_]+:' <<<"$res" | tr ':' ' ' | sort -u)
	if grep -q 'Traceback' <<<"$res"; then
		unexplained+=("checkpatch-helper-crashed")
	fi
	if [ ${#unexplained[@]} -eq 0 ]; then
		ok "checkpatch --strict $(basename "$p"): $total${explained:+ (explained in the commit message: ${explained[*]})}"
	else
		bad "checkpatch --strict $(basename "$p"): $total; not explained: ${unexplained[*]}"
		grep -E '^(ERROR|WARNING|CHECK):' -A3 <<<"$res" | head -n 40
		grep -A5 Traceback <<<"$res" | head -n 10
	fi
done

# Every commit the messages cite, as 'Fixes: id ("subject")' or
# 'id ("subject")', must be in known-commits.txt with that subject.
for p in "$repo"/patches/0*.patch; do
	case $(basename "$p") in 0000-*) continue ;; esac
	msg=$(sed -n '/^Subject:/,/^---$/p' "$p" | tr '\n' ' ' | sed 's/  */ /g')
	while read -r id subj; do
		[ -n "$id" ] || continue
		known=$(grep -v '^#' "$here/known-commits.txt" | awk -F'|' -v id="$id" '$1 == id { print $2 }')
		if [ -z "$known" ]; then
			bad "$(basename "$p"): cites $id (\"$subj\"), not in workflow/known-commits.txt"
		elif [ "$known" != "$subj" ]; then
			bad "$(basename "$p"): cites $id as \"$subj\"; upstream subject is \"$known\""
		else
			ok "$(basename "$p"): cites $id (\"$subj\"), a known upstream commit"
		fi
	done < <(grep -oE '\b[0-9a-f]{12,40} \("[^"]+"\)' <<<"$msg" |
		sed -E 's/^([0-9a-f]{12})[0-9a-f]* \("(.*)"\)$/\1 \2/' | sort -u)
done

# The base, for comparison: a worktree of its own with a build folder of its
# own, so that the series' tree never flips back and forth (which would make
# every bisect build a full one).
btree=$out/base-tree
bbdir=$out/x86_64-base
if [ ! -d "$btree/.git" ] && [ ! -f "$btree/.git" ]; then
	g worktree prune
	g worktree add -q --detach "$btree" base
fi
git -C "$btree" checkout -q --detach base
mkdir -p "$bbdir"
cp "$out/static.config" "$bbdir/.config"
make -C "$btree" O="$bbdir" ARCH=x86_64 -s olddefconfig >/dev/null
make -C "$btree" O="$bbdir" ARCH=x86_64 -j"$jobs" -s prepare > "$logs/base-prepare.log" 2>&1 ||
	{ bad "base tree does not prepare"; tail -n 20 "$logs/base-prepare.log"; }

# kbuild quietly drops C=2 when the checker cannot parse the tree's headers
# (7.3 needs __typeof_unqual__, which Debian's sparse 0.6.4 lacks): check
# the checker first, as kbuild does, and fail if it cannot.
sparse=${SPARSE:-sparse}
sparse_ok=1
if [ -f "$tree/scripts/checker-valid.sh" ]; then
	sparse_ok=$(cd "$tree" && sh scripts/checker-valid.sh "$sparse" --arch=x86_64 -mlittle-endian -m64 2>/dev/null || echo 0)
fi
if [ "$sparse_ok" = 1 ]; then
	wname="sparse+W=1"
	ok "sparse $sparse ($(cat "$(dirname "$sparse")/VERSION" 2>/dev/null || "$sparse" --version)) parses the tree"
else
	wname="W=1"
	bad "sparse $sparse cannot check this tree (scripts/checker-valid.sh fails): W=1 only"
fi

# Warnings of one object built with W=1 and sparse, without line numbers.
# warnings SRCTREE BUILDDIR FILE.c
warnings() {
	local t=$1 b=$2 src=$3 obj=${3%.c}.o
	[ -f "$t/$src" ] || return 0
	rm -f "$b/$obj"
	make -C "$t" O="$b" ARCH=x86_64 -j"$jobs" -s W=1 C=2 CHECK="$sparse" "$obj" 2>&1 |
		grep -E '(warning|error):' | sed -e "s|^$t/||" -e "s|^$b/||" |
		sed -E 's/^([^:]+):[0-9]+(:[0-9]+)?:/\1:/' | sort
}

# kernel-doc warnings of a file, without line numbers: kdoc SRCTREE FILE
kdoc() {
	[ -f "$1/$2" ] || return 0
	# both forms: "FILE:LINE: warning: ..." and "Warning: FILE:LINE ..."
	(cd "$1" && ./scripts/kernel-doc -none -Wall "$2" 2>&1) |
		sed -E -e 's/^(Warning: [^ :]+):[0-9]+ /\1 /' \
		       -e 's/^([^: ]+):[0-9]+:/\1:/' | sort -u
}

# Whether the x86_64 KUnit kernel's config builds object @1 (the matrix
# built it at the series' head): a file of another config, such as
# arch/x86/virt/svm/sev.c without CONFIG_KVM_AMD_SEV, cannot be built
# alone.
built() { [ -f "$bdir/$1" ]; }

commits=$(g rev-list --reverse base..HEAD)
declare -A based
n=0
for c in $commits; do
	n=$((n + 1))
	subj=$(g log -1 --format=%s "$c")
	g checkout -q "$c"
	cp "$out/static.config" "$bdir/.config"
	kmake -s olddefconfig >/dev/null
	start=$(date +%s)
	if [ "${STATIC_FULL:-0}" = 1 ]; then
		what=vmlinux
		targets=()
	else
		# the series' objects at this commit and the fixed list
		mapfile -t targets < <( { g diff --name-only base "$c" -- '*.c' |
			grep -v '^tools/'; grep -v '^#' "$here/static-objects.txt"; } |
			sed -n 's/\.c$/.o/p' | sort -u |
			while read -r o; do [ -f "$tree/${o%.o}.c" ] && built "$o" && echo "$o"; done)
		what="${#targets[@]} objects"
	fi
	if kmake -s "${targets[@]}" > "$logs/build-$n.log" 2>&1 &&
	   ! grep -q 'warning:' "$logs/build-$n.log"; then
		ok "commit $n builds ($what, no warning): $subj ($(( $(date +%s) - start ))s)"
	else
		bad "commit $n does not build: $subj"
		tail -n 30 "$logs/build-$n.log"
		continue
	fi
	mapfile -t files < <(g diff --name-only --diff-filter=AM "$c^" "$c" -- '*.c' '*.h')
	for f in "${files[@]}"; do
		case $f in
		tools/*)
			# user space: kbuild does not build it; bench-quick
			# builds it with -Wall and fails on any warning
			ok "commit $n $f: user-space selftest, built by bench-quick"
			continue
			;;
		esac
		key=$(tr / _ <<<"$f")
		if [ -z "${based[$f]+x}" ]; then
			case $f in
			*.c) warnings "$btree" "$bbdir" "$f" > "$logs/w-base-$key" ;;
			esac
			kdoc "$btree" "$f" > "$logs/k-base-$key"
			based[$f]=1
		fi
		case $f in
		*.c)
			if built "${f%.c}.o"; then
				warnings "$tree" "$bdir" "$f" > "$logs/w-$n-$key"
			else
				rm -f "$logs/w-$n-$key"
				ok "commit $n $f: not in the x86_64 KUnit kernel's config ($wname not run here)"
			fi
			;;
		esac
		kdoc "$tree" "$f" > "$logs/k-$n-$key"
		for kind in w k; do
			[ -f "$logs/$kind-$n-$key" ] || continue
			[ -f "$logs/$kind-base-$key" ] || : > "$logs/$kind-base-$key"
			new=$(comm -13 "$logs/$kind-base-$key" "$logs/$kind-$n-$key")
			what=$([ $kind = w ] && echo "$wname" || echo "kernel-doc")
			if [ -z "$new" ]; then
				ok "commit $n $what $f: no new warnings ($(wc -l < "$logs/$kind-$n-$key") at commit, $(wc -l < "$logs/$kind-base-$key") at base)"
			else
				bad "commit $n $what $f: new warnings"
				echo "$new" | head -n 20
			fi
		done
	done
done

echo "static: $pass passed, $fail failed"
[ $fail -eq 0 ]
