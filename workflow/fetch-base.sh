#!/bin/bash
# Fetch a pinned Debian linux-source package with apt-get download through a
# private apt configuration under the build folder (its own source list and
# lists folder; the machine's apt sources are never changed), and unpack its
# tarball.
#
#   fetch-base.sh KBASE DEST
#
# KBASE is 7.3 (the base of patches/) or 6.12 (the base of the backport);
# DEST/linux-source-KBASE.tar.xz is written, and DEST/linux-source-KBASE.tar.xz.version holds the
# package version.  The mirror is the one the machine's own apt
# configuration uses for Debian; only the suite is ours.
set -euo pipefail

kbase=$1
dest=$(mkdir -p "$2" && cd "$2" && pwd)
# shellcheck source=workflow/bases.sh
. "$(dirname "$0")/bases.sh"
base_vars "$kbase"

tarball=$dest/linux-source-$kbase.tar.xz
if [ -f "$tarball" ] && [ "$(cat "$tarball.version" 2>/dev/null)" = "$BASE_VERSION" ]; then
	echo "fetch-base: $BASE_PKG $BASE_VERSION already in $dest"
	exit 0
fi

uri=$(debian_mirror "$BASE_ARCHIVE")
[ -n "$uri" ] || { echo "fetch-base: no Debian mirror in the machine's apt configuration" >&2; exit 1; }

apt=$dest/apt-$BASE_SUITE
mkdir -p "$dest/dl"
echo "fetch-base: apt-get update for $BASE_SUITE (private lists in $apt)"
private_apt "$apt" "deb $uri $BASE_SUITE main"
opts=("${APT_OPTS[@]}")
rm -f "$dest"/dl/*.deb
if ! (cd "$dest/dl" && apt-get "${opts[@]}" download "$BASE_PKG=$BASE_VERSION" >/dev/null); then
	echo "fetch-base: $BASE_PKG=$BASE_VERSION is not offered by $BASE_SUITE; it offers:" >&2
	apt-cache "${opts[@]}" policy "$BASE_PKG" >&2 || true
	exit 1
fi
dpkg-deb --fsys-tarfile "$dest"/dl/*.deb | tar -x -O "./usr/src/linux-source-$kbase.tar.xz" > "$tarball.tmp"
mv "$tarball.tmp" "$tarball"
echo "$BASE_VERSION" > "$tarball.version"
rm -f "$dest"/dl/*.deb
echo "fetch-base: $BASE_PKG $BASE_VERSION -> $tarball"
