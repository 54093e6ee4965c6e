#!/bin/bash
# Export a kernel tree's series (base..HEAD) back to its patches folder and,
# for the mainline series, refresh the views of the files the series adds.
#
#   export.sh TREE PATCHES VIEWS     VIEWS: yes (patches/) or no (backport)
#
# The cover letter's subject and text are kept from the current
# PATCHES/0000-cover-letter.patch (mktree.sh stores them as the branch
# description); shortlog and diffstat are regenerated.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
tree=$(cd "$1" && pwd)
pdir=$(mkdir -p "$2" && cd "$2" && pwd)
views=${3:-yes}
g() { git -C "$tree" "$@"; }

branch=$(g symbolic-ref --short HEAD)
n=$(g rev-list --count base..HEAD)
[ "$n" -gt 0 ] || { echo "export: no commits on top of base" >&2; exit 1; }

desc=$(g config "branch.$branch.description" || true)
if [ -z "$desc" ]; then
	desc=$(python3 "$here/workflow/cover.py" read "$pdir/0000-cover-letter.patch" 2>/dev/null || true)
fi
[ -n "$desc" ] || desc=$'*** SUBJECT HERE ***\n\n*** BLURB HERE ***'
g config "branch.$branch.description" "$desc"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Fixed dates and zero commit ids keep the output stable from one export to
# the next; the patches' own Date: headers are the author dates.
# The cover letter is from the series' author (the first commit's).
an=$(g log --reverse --format=%an base..HEAD | sed -n 1p)
ae=$(g log --reverse --format=%ae base..HEAD | sed -n 1p)
GIT_COMMITTER_DATE="2026-01-01 00:00:00 +0000" \
g -c user.name="$an" -c user.email="$ae" format-patch -q --zero-commit --no-signature --cover-letter \
	--cover-from-description=subject --subject-prefix=PATCH \
	-o "$tmp" base..HEAD

rm -f "$pdir"/*.patch
cp "$tmp"/*.patch "$pdir/"

[ "$views" != yes ] || python3 "$here/workflow/views.py" write "$tree" base HEAD "$here"
# The tree now is what patches/ describes.
g tag -f series-applied HEAD >/dev/null
shopt -s nullglob
todo=()
for p in "$pdir"/0*.patch; do
	case "$(basename "$p")" in 0000-cover-letter.patch) continue ;; esac
	todo+=("$p")
done
g config series.stamp "$(cat /dev/null "${todo[@]}" | sha1sum | cut -d' ' -f1)"
echo "export: $n patches written to $pdir$([ "$views" != yes ] || echo ', views refreshed')"
ls "$pdir"
