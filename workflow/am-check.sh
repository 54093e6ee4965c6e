#!/bin/bash
# Check that the 6.12 backport applies with git am to other 6.12.y versions
# of Debian's linux-source-6.12 than its base: download each version's package
# (apt-get download; no install), take the files the series touches out of
# its tarball, commit them to a scratch repository and apply patches/ with
# plain git am (no 3-way merge: the context must match as it is).
#
#   am-check.sh PATCHES WORK VERSION...
set -uo pipefail

pdir=$(cd "$1" && pwd)
work=$(mkdir -p "$2" && cd "$2" && pwd)
shift 2
[ $# -gt 0 ] || { echo "am-check: no version given" >&2; exit 2; }

mapfile -t patches < <(ls "$pdir"/0*.patch | grep -v '/0000-cover-letter.patch$')
# the paths the series touches (a/ side of every diff)
mapfile -t paths < <(sed -n 's|^diff --git a/\([^ ]*\) b/.*|\1|p' "${patches[@]}" | sort -u)

pass=0 fail=0
for v in "$@"; do
	dir=$work/am-$v
	rm -rf "$dir"
	mkdir -p "$dir/deb" "$dir/src"
	if ! (cd "$dir/deb" && apt-get download -q "linux-source-6.12=$v" >/dev/null 2>&1); then
		echo "am-check: FAIL linux-source-6.12=$v: apt-get download failed (apt-cache policy linux-source-6.12 lists what is offered)"
		fail=$((fail + 1))
		continue
	fi
	dpkg-deb --fsys-tarfile "$dir"/deb/*.deb | tar -x -C "$dir/deb" ./usr/src/linux-source-6.12.tar.xz
	# only the touched files that exist in this version
	mapfile -t have < <(tar -tJf "$dir/deb/usr/src/linux-source-6.12.tar.xz" |
		grep -Fx -f <(printf 'linux-source-6.12/%s\n' "${paths[@]}"))
	tar -xJf "$dir/deb/usr/src/linux-source-6.12.tar.xz" -C "$dir/src" "${have[@]}"
	rm -rf "$dir/deb"
	t=$dir/src/linux-source-6.12
	git -C "$t" init -q
	git -C "$t" add -f -A .
	git -C "$t" -c user.name=am-check -c user.email=am-check@localhost commit -q -m "linux-source-6.12 $v, files the series touches"
	if out=$(git -C "$t" -c user.name=am-check -c user.email=am-check@localhost am -q "${patches[@]}" 2>&1); then
		n=$(git -C "$t" rev-list --count HEAD~${#patches[@]}..HEAD)
		echo "am-check: ok   linux-source-6.12 $v: git am applied all $n patches ($(git -C "$t" log -1 --format=%s HEAD~$(( ${#patches[@]} - 1 )) | cut -c1-40)...)"
		pass=$((pass + 1))
	else
		echo "am-check: FAIL linux-source-6.12 $v: git am stopped"
		sed -n '1,15p' <<<"$out"
		fail=$((fail + 1))
	fi
done
echo "am-check: $pass passed, $fail failed"
[ $fail -eq 0 ]
