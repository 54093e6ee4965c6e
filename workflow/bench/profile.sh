#!/bin/bash
# Where the instructions of a dumb_mmap run go, base against series: boots
# the kernels that "bench.sh build" made (OUT/bench/x86_64-base and
# -series) once each with one CPU under -icount shift=0 and the TCG plugin
# tbprof.c, and prints the functions whose instruction counts differ most
# (profile.py). Default run: qxl, 256 MiB mapped one page off a PMD
# boundary (-u: the PTE path of both kernels).
#
#   profile.sh OUT [SIZES [DEVICE [MISALIGN]]]
#
# Output in OUT/bench/profile/: each run's console, its profile, and
# diff.txt.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bench=$(cd "$1" && pwd)/bench
sizes=${2:-256}
dev=${3:-qxl}
misalign=${4:-1}
prof=$bench/profile
mkdir -p "$prof"
gcc -O2 -Wall -shared -fPIC -o "$prof/tbprof.so" "$here/tbprof.c"
for kind in base series; do
	[ -f "$bench/x86_64-$kind/arch/x86/boot/bzImage" ] ||
		{ echo "profile: no $kind kernel; run bench.sh build first" >&2; exit 1; }
	timeout 1800 qemu-system-x86_64 -M pc -cpu max -vga none \
		-kernel "$bench/x86_64-$kind/arch/x86/boot/bzImage" \
		-append "console=ttyS0 tsc=reliable panic=-1 DUMB_SIZES=$sizes DUMB_MISALIGN=$misalign" \
		-smp 1 -m 2G -display none -monitor none -serial stdio -no-reboot \
		-device "$dev" -initrd "$bench/prog-x86_64/initramfs.cpio" \
		-icount shift=0,sleep=off \
		-plugin "$prof/tbprof.so,out=$prof/$kind.txt" < /dev/null > "$prof/$kind.log" 2>&1 &
done
wait
grep -h '^# result' "$prof/base.log" "$prof/series.log" | tr -d '\r'
python3 "$here/profile.py" "$bench/x86_64-base/System.map" "$prof/base.txt" \
	"$bench/x86_64-series/System.map" "$prof/series.txt" 30 | tee "$prof/diff.txt"
