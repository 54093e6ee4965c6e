#!/bin/bash
# Install everything the workflow needs from Debian's packages, the pinned
# kernel base (linux-source-6.12) included. Needs root (or sudo).
set -euo pipefail

base_version=${BASE_VERSION:-6.12.117-1~deb12u1}
pkgs=(
	"linux-source-6.12=$base_version"
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
		echo "setup: apt-get install failed; is linux-source-6.12=$base_version still in the archive?" >&2
		echo "setup: apt-cache policy linux-source-6.12 lists what is offered; set BASE_VERSION to choose." >&2
		exit 1
	fi
fi
echo "setup: base $(dpkg-query -W -f='${Package} ${Version}' linux-source-6.12)"
echo "setup: $(gcc --version | head -n1); $(aarch64-linux-gnu-gcc --version | head -n1)"
echo "setup: $(qemu-system-x86_64 --version | head -n1); sparse $(sparse --version); $(spatch --version 2>/dev/null | head -n1)"
