#!/bin/bash
# Install everything the workflow needs from Debian's packages.  Needs root
# (or sudo).  The kernel bases are not installed: fetch-base.sh downloads
# them through a private apt configuration under the build folder.
set -euo pipefail

pkgs=(
	build-essential bc bison flex libelf-dev libssl-dev dwarves
	python3 python3-ply python3-git xz-utils cpio kmod rsync git perl
	ccache sparse coccinelle
	qemu-system-x86 qemu-system-arm
	gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross
	gnuplot-nox
	python3-sphinx python3-sphinx-rtd-theme python3-yaml
)

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo

missing=()
for p in "${pkgs[@]}"; do
	name=${p%%=*}
	want=${p#*=}
	have=$(dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null || true)
	case $have in
	"install ok installed "*)
		[ "$name" = "$p" ] || [ "${have##* }" = "$want" ] || missing+=("$p")
		;;
	*)
		missing+=("$p")
		;;
	esac
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "setup: all packages present"
else
	echo "setup: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -q
	if ! $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"; then
		echo "setup: apt-get install failed" >&2
		exit 1
	fi
fi
echo "setup: $(gcc --version | head -n1); $(aarch64-linux-gnu-gcc --version | head -n1)"
echo "setup: $(qemu-system-x86_64 --version | head -n1); sparse $(sparse --version); $(spatch --version 2>/dev/null | head -n1)"
