#!/bin/bash
# Make a git kernel tree from a Debian linux-source tarball (fetched by
# fetch-base.sh) and apply a series with git am, or apply the series onto a
# user's own git tree of the same base.
#
#   mktree.sh KBASE TREE              tree from the Debian tarball (base tagged)
#   mktree.sh KBASE TREE USER_TREE    clone USER_TREE (a git tree) instead
#
# KBASE 7.3 applies patches/, KBASE 6.12 the backport in backport/6.12/.
#
# The tree gets two tags: "debian-base" (the tarball exactly as shipped) and
# "base" (the same with the Debian packaging block of .gitignore removed, so
# that new files of the series are visible to git). The series is applied
# on top of "base" on branch "series".
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
kbase=$1
tree=$2
user_tree=${3:-}
# shellcheck source=workflow/bases.sh
. "$here/workflow/bases.sh"
base_vars "$kbase"
series=$BASE_SERIES
tarball=${TARBALL:-$here/build/base/linux-source-$kbase.tar.xz}

gitc() { git -C "$tree" -c user.name="Series Builder" -c user.email="builder@localhost" "$@"; }
# Fixed dates make the base commits' ids the same on every machine.
export GIT_AUTHOR_DATE="2026-01-01 00:00:00 +0000" GIT_COMMITTER_DATE="2026-01-01 00:00:00 +0000"

if [ -d "$tree/.git" ]; then
	echo "mktree: $tree exists; reusing it (make distclean-tree to start over)"
else
	mkdir -p "$(dirname "$tree")"
	if [ -n "$user_tree" ]; then
		git clone -q "$user_tree" "$tree"
		# the user's HEAD is the base; tags of ours it may carry are not
		git -C "$tree" tag -d series-applied >/dev/null 2>&1 || true
		gitc tag -f base HEAD >/dev/null
	else
		[ -f "$tarball" ] || bash "$here/workflow/fetch-base.sh" "$kbase" "$(dirname "$tarball")"
		tmp=$tree.tmp
		rm -rf "$tmp"
		mkdir -p "$tmp"
		echo "mktree: extracting $tarball"
		tar -xf "$tarball" -C "$tmp"
		mv "$tmp/linux-source-$kbase" "$tree"
		rmdir "$tmp"
		git -C "$tree" init -q -b series
		git -C "$tree" config gc.auto 0
		git -C "$tree" config core.preloadIndex true
		echo "mktree: committing the pristine tarball"
		git -C "$tree" add -f -A .
		gitc commit -q -m "Debian $BASE_PKG $(cat "$tarball.version" 2>/dev/null || echo unknown), as shipped"
		gitc tag -f debian-base >/dev/null
		# The tarball's .gitignore ends with a Debian block that ignores
		# every top-level entry; drop it so new files are not hidden.
		n=$(grep -n '^# Debian packaging: ignore everything at the top level' "$tree/.gitignore" | cut -d: -f1)
		[ -n "$n" ] || { echo "mktree: Debian ignore block not found" >&2; exit 1; }
		# keep everything before the block's opening "#" line and the blank line before it
		head -n $((n - 3)) "$tree/.gitignore" > "$tree/.gitignore.new"
		mv "$tree/.gitignore.new" "$tree/.gitignore"
		gitc commit -q -a -m "tree setup: drop the Debian top-level ignore block"
		gitc tag -f base >/dev/null
	fi
fi

git -C "$tree" config gc.auto 0
shopt -s nullglob
patches=("$series"/0*.patch)
todo=()
for p in "${patches[@]}"; do
	case "$(basename "$p")" in 0000-cover-letter.patch) continue ;; esac
	todo+=("$p")
done
stamp=$(cat /dev/null "${todo[@]}" | sha1sum | cut -d' ' -f1)

# Leave a tree that already has this series alone (its build folders stay
# incremental), and never throw away work that is not in the series yet.
applied=$(git -C "$tree" rev-parse -q --verify series-applied || true)
if [ -n "$applied" ] && [ "$(git -C "$tree" rev-parse HEAD)" = "$applied" ] &&
   [ "$(git -C "$tree" config series.stamp || true)" = "$stamp" ] &&
   [ -z "$(git -C "$tree" status --porcelain --untracked-files=no)" ]; then
	echo "mktree: $tree already has the series of $series"
	exit 0
fi
if [ -z "${FORCE:-}" ] && [ -n "$applied" ]; then
	if [ -n "$(git -C "$tree" status --porcelain --untracked-files=no)" ] ||
	   [ "$(git -C "$tree" rev-parse HEAD)" != "$applied" ]; then
		echo "mktree: $tree has changes or commits that are not in the series;" >&2
		echo "mktree: run 'make export' to keep them, or FORCE=1 to discard them" >&2
		exit 1
	fi
fi

gitc checkout -q -f -B series base
if [ ${#todo[@]} -gt 0 ]; then
	echo "mktree: applying ${#todo[@]} patches with git am"
	gitc am -q --3way "${todo[@]}"
else
	echo "mktree: no patches to apply"
fi
gitc tag -f series-applied >/dev/null
git -C "$tree" config series.stamp "$stamp"
if [ -f "$series/0000-cover-letter.patch" ]; then
	git -C "$tree" config branch.series.description \
		"$(python3 "$here/workflow/cover.py" read "$series/0000-cover-letter.patch")"
fi
git -C "$tree" log --oneline base..HEAD
