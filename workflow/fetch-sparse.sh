#!/bin/bash
# Build the sparse that the static checks use, from Debian's source package,
# pinned.  Debian 12's sparse (0.6.4) cannot parse Linux 7.3, whose headers
# use __typeof_unqual__ (scripts/checker-valid.sh fails, and kbuild then
# silently drops C=2); 0.6.5~rc1 from Debian unstable can.  Its binary
# package needs a newer libc than Debian 12 has, so the source package is
# downloaded with apt-get source through a private apt configuration under
# DEST (its own source list, lists and cache folders; the machine's apt
# sources are never changed) and built with the machine's gcc (Debian's
# patch names gcc-16), without LLVM, GTK, libxml or SQLite.
#
#   fetch-sparse.sh DEST
#
# DEST/sparse/sparse is the checker; DEST/sparse/VERSION holds the package
# version.  Nothing is done when that version is already built.
set -euo pipefail

dest=$(mkdir -p "$1" && cd "$1" && pwd)
# shellcheck source=workflow/bases.sh
. "$(dirname "$0")/bases.sh"

pkg=sparse
version=${SPARSE_VERSION:-0.6.5~rc1-2}
suite=unstable
out=$dest/sparse

if [ -x "$out/sparse" ] && [ "$(cat "$out/VERSION" 2>/dev/null)" = "$version" ]; then
	echo "fetch-sparse: $pkg $version already built in $out"
	exit 0
fi

uri=$(debian_mirror main)
[ -n "$uri" ] || { echo "fetch-sparse: no Debian mirror in the machine's apt configuration" >&2; exit 1; }

apt=$dest/apt-src-$suite
echo "fetch-sparse: apt-get update for $suite sources (private lists in $apt)"
private_apt "$apt" "deb-src $uri $suite main"
opts=("${APT_OPTS[@]}")

src=$dest/sparse-src
rm -rf "$src" "$out"
mkdir -p "$src"
# apt-get source checks the files against the signed Sources index.
if ! (cd "$src" && apt-get "${opts[@]}" source --download-only "$pkg=$version" >/dev/null); then
	echo "fetch-sparse: $pkg=$version is not offered by $suite; it offers:" >&2
	apt-cache "${opts[@]}" showsrc "$pkg" | grep '^Version:' >&2 || true
	exit 1
fi
(cd "$src" && dpkg-source --no-check -x ./*.dsc tree >/dev/null)
make -C "$src/tree" -j"${JOBS:-2}" -s sparse CC=gcc \
	HAVE_LLVM=no HAVE_GTK=no HAVE_LIBXML=no HAVE_SQLITE=no > "$dest/sparse-build.log" 2>&1 ||
	{ echo "fetch-sparse: build failed" >&2; tail -n 20 "$dest/sparse-build.log" >&2; exit 1; }
mkdir -p "$out"
cp "$src/tree/sparse" "$out/sparse"
echo "$version" > "$out/VERSION"
rm -rf "$src"
echo "fetch-sparse: $pkg $version -> $out/sparse"
