#!/bin/bash
# End-to-end benchmark: the dumb_mmap selftest (tools/testing/selftests/
# drivers/gpu/dumb_mmap) in QEMU with real DRM drivers, the tree's base
# (tag "base") against its series: on 7.3, qxl (TTM) and bochs (GEM shmem
# there, the neighbour to beat) on x86_64; on 6.12, bochs and qxl (both TTM)
# on x86_64 and bochs on arm64.
#
# Environment: BENCH_ARCHES (default "x86_64 arm64"), BENCH_DEVICES_x86_64
# and BENCH_DEVICES_arm64 (the full mode's devices), BENCH_QUICK_DEVICE
# (the quick mode's x86_64 device, bochs-display by default), BENCH_BASE
# (the base's name in the report), BENCH_SIZES, BENCH_MEASURE_ONLY (devices
# measured with -e none: drivers that track writes through write faults,
# such as GEM shmem's pfn_mkwrite, take two faults for a page's first store
# by design).
#
#   bench.sh full  TREE OUT RESULTS   every kernel, device and size; table,
#                                     TSV and plot into RESULTS
#   bench.sh quick TREE OUT           the series' kernels only, a few sizes,
#                                     fault counts asserted (below)
#   bench.sh build TREE OUT           build what full needs, run nothing
#
# Times: the full mode boots each kernel and device twice, once with the
# host's clock (wall time under TCG, which moves with the host's load and
# with the code layout of each build by 10-20%), once with -icount shift=0
# (the guest's clock advances 1 ns per guest instruction: the same number
# for the same work in every run). The table has both: µs/MiB, and the
# icount run's µs/MiB as thousands of instructions per MiB.
#
# Kernels: tinyconfig + workflow/bench/<arch>.config + the selftest's config
# fragment, the same files for base (a worktree of TREE at tag "base") and
# series (TREE's HEAD). Build folders OUT/bench/<arch>-<base|series> stay
# for incremental rebuilds. Runs: QEMU TCG, 2 CPUs, 2 GiB, the program and
# a small /init in an initramfs; each run's console is kept in
# OUT/bench/logs/.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
if [ $# -lt 3 ] || { [ "$1" != full ] && [ "$1" != quick ] && [ "$1" != build ]; }; then
	echo "usage: bench.sh full|quick|build TREE OUT [RESULTS]" >&2
	exit 2
fi
mode=$1
tree=$(cd "$2" && pwd)
mkdir -p "$3/bench/logs"
out=$(cd "$3" && pwd)
bench=$out/bench
results=${4:-}
jobs=${JOBS:-2}
sel=tools/testing/selftests/drivers/gpu/dumb_mmap

if [ -d /usr/lib/ccache ]; then
	export PATH=/usr/lib/ccache:$PATH
	export CCACHE_DIR=${CCACHE_DIR:-$out/ccache}
	export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
fi

read -ra arches <<<"${BENCH_ARCHES:-x86_64 arm64}"
read -ra devs_x86_64 <<<"${BENCH_DEVICES_x86_64:-bochs-display qxl}"
read -ra devs_arm64 <<<"${BENCH_DEVICES_arm64:-bochs-display}"
quick_dev=${BENCH_QUICK_DEVICE:-bochs-display}
case $mode in
full|build)
	kinds=(base series)
	sizes=${BENCH_SIZES:-2,4,8,16,32,64,128,256}
	;;
quick)
	kinds=(series)
	sizes=${BENCH_SIZES:-1,2,8,64}
	;;
esac

status=0
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "bench: ok   $*"; }
bad() { fail=$((fail + 1)); status=1; echo "bench: FAIL $*"; }

cross() { [ "$1" = arm64 ] && echo aarch64-linux-gnu-; }
image() { [ "$1" = arm64 ] && echo arch/arm64/boot/Image || echo arch/x86/boot/bzImage; }

# The base: a worktree of its own (shared with the static checks).
srctree() {
	if [ "$1" = series ]; then
		echo "$tree"
		return
	fi
	local b=$out/base-tree
	if [ ! -e "$b/.git" ]; then
		git -C "$tree" worktree prune
		git -C "$tree" worktree add -q --detach "$b" base >&2
	fi
	git -C "$b" checkout -q --detach base
	echo "$b"
}

# build_kernel ARCH KIND: configure (when a fragment changed) and build
build_kernel() {
	local arch=$1 kind=$2 src bdir frags want start
	src=$(srctree "$kind")
	bdir=$bench/$arch-$kind
	frags=("$here/$arch.config" "$tree/$sel/config")
	mkdir -p "$bdir"
	want=$(cat "${frags[@]}" | md5sum | cut -d' ' -f1)
	if [ ! -f "$bdir/.config" ] || [ "$(cat "$bdir/.frags" 2>/dev/null)" != "$want" ]; then
		make -C "$src" O="$bdir" ARCH="$arch" -s tinyconfig >/dev/null &&
			(cd "$src" && ARCH=$arch scripts/kconfig/merge_config.sh -m -O "$bdir" \
				"$bdir/.config" "${frags[@]}" >/dev/null) &&
			make -C "$src" O="$bdir" ARCH="$arch" -s olddefconfig >/dev/null ||
			{ bad "$arch $kind: configuration"; return 1; }
		echo "$want" > "$bdir/.frags"
	fi
	# every option the fragments ask for, except where the arch lacks it
	while IFS= read -r l; do
		case $l in CONFIG_*=*) ;; *) continue ;; esac
		if [ "${l#*=}" = n ]; then
			grep -qE "^${l%%=*}=[ym]" "$bdir/.config" || continue
		else
			grep -qx "$l" "$bdir/.config" && continue
		fi
		bad "$arch $kind: $l not in the configuration"
		return 1
	done < <(cat "${frags[@]}")
	start=$(date +%s)
	if make -C "$src" O="$bdir" ARCH="$arch" CROSS_COMPILE="$(cross "$arch")" \
		-j"$jobs" -s "$(basename "$(image "$arch")")" > "$bench/logs/build-$arch-$kind.log" 2>&1; then
		ok "$arch $kind kernel built ($(( $(date +%s) - start ))s): $(git -C "$src" describe --always --tags)"
	else
		bad "$arch $kind kernel does not build"
		tail -n 20 "$bench/logs/build-$arch-$kind.log"
		return 1
	fi
}

# build_initramfs ARCH: the program and /init, static, in a cpio archive
build_initramfs() {
	local arch=$1 hdr=$bench/hdr-$arch prog=$bench/prog-$arch cc
	cc=$(cross "$arch")gcc
	mkdir -p "$prog"
	make -C "$tree" O="$hdr" ARCH="$arch" -s headers > "$bench/logs/headers-$arch.log" 2>&1 &&
		make -C "$tree/$sel" -s OUTPUT="$prog" CC="$cc" USERLDFLAGS=-static \
			KHDR_INCLUDES="-isystem $hdr/usr/include" > "$bench/logs/prog-$arch.log" 2>&1 &&
		$cc -O2 -Wall -static -o "$prog/init" "$here/init.c" >> "$bench/logs/prog-$arch.log" 2>&1 ||
		{ bad "$arch: dumb_mmap or /init does not build"; cat "$bench/logs/prog-$arch.log"; return 1; }
	if grep -q 'warning:' "$bench/logs/prog-$arch.log"; then
		bad "$arch: warnings building dumb_mmap"
		grep 'warning:' "$bench/logs/prog-$arch.log"
	fi
	[ -x "$bench/gen_init_cpio" ] || gcc -O2 -o "$bench/gen_init_cpio" "$tree/usr/gen_init_cpio.c" ||
		{ bad "gen_init_cpio does not build"; return 1; }
	cat > "$prog/initramfs.list" <<-EOF
	dir /dev 0755 0 0
	nod /dev/console 0600 0 0 c 5 1
	file /init $prog/init 0755 0 0
	file /dumb_mmap $prog/dumb_mmap 0755 0 0
	EOF
	"$bench/gen_init_cpio" "$prog/initramfs.list" > "$prog/initramfs.cpio" ||
		{ bad "$arch: initramfs"; return 1; }
	ok "$arch: dumb_mmap and initramfs built"
}

# run ARCH KIND CPU DEVICE SIZES EXPECT WANT [CMDLINE [LABEL]]: one boot;
# dumb_mmap must exit with WANT and report every size (no skip). The
# "# result" lines of a run without CMDLINE, or with a LABEL, go to
# results.txt, under the device name, or the device name and LABEL, with
# clock=wall, or clock=icount where ICOUNT=1 (the boot under -icount).
run() {
	local arch=$1 kind=$2 cpu=$3 dev=$4 sz=$5 expect=$6 want=$7 extra=${8:-}
	local label=${9:-} log qemu append rc what n try clock=wall
	[ "${ICOUNT:-0}" = 1 ] && clock=icount
	what="$arch $cpu $kind $dev${extra:+ $extra} (sizes $sz${expect:+, -e $expect}, $clock)"
	log=$bench/logs/$arch-$cpu-$kind-$dev${extra:+-${extra//[ =]/-}}-$clock.log
	append="panic=-1 $extra DUMB_SIZES=$sz${expect:+ DUMB_EXPECT=$expect}"
	if [ "$arch" = arm64 ]; then
		qemu=(qemu-system-aarch64 -M virt -cpu "$cpu" -kernel "$bench/$arch-$kind/$(image arm64)"
			-append "console=ttyAMA0 $append")
	else
		# TCG's timer interrupts come late, so the clocksource watchdog
		# would replace the TSC by jiffies (4 ms steps); the TSC is fine
		qemu=(qemu-system-x86_64 -M pc -cpu "$cpu" -vga none
			-kernel "$bench/$arch-$kind/$(image x86_64)"
			-append "console=ttyS0 tsc=reliable $append")
	fi
	[ "$clock" = icount ] && qemu+=(-icount shift=0,sleep=off)
	# TSC calibration against the PIT can fail under TCG (no ACPI, so no
	# HPET or PM timer to fall back on): the times then move in 4 ms
	# steps. Such a boot is made again with the TSC frequency that an
	# earlier boot measured (TCG's TSC is the host's), up to three times.
	for try in 1 2 3; do
		timeout 900 "${qemu[@]}" -smp 2 -m 2G -display none -monitor none -serial stdio \
			-no-reboot -device "$dev" -initrd "$bench/prog-$arch/initramfs.cpio" \
			< /dev/null > "$log" 2>&1
		if [ "$arch" = x86_64 ] && [ -z "$tsc_khz" ]; then
			tsc_khz=$(sed -n 's/^tsc: Detected \([0-9]*\)\.\([0-9]*\) MHz.*/\1\2/p' "$log" | head -n1)
		fi
		grep -q '^# clocksource: .*jiffies' "$log" || break
		echo "bench: note: $what: clocksource jiffies, boot $try of 3${tsc_khz:+ (next with tsc_early_khz=$tsc_khz)}"
		[ -n "$tsc_khz" ] && [ "$arch" = x86_64 ] &&
			qemu=("${qemu[@]/#console=ttyS0 tsc=reliable /console=ttyS0 tsc=reliable tsc_early_khz=$tsc_khz }")
	done
	rc=$(sed -n 's/^bench: dumb_mmap exit status \([0-9]*\).*/\1/p' "$log" | tr -d '\r' | tail -n1)
	if [ -z "$extra" ] || [ -n "$label" ]; then
		sed -n 's/^# result //p' "$log" | tr -d '\r' |
			sed "s|^|arch=$arch cpu=$cpu kernel=$kind device=$dev${label:+,$label} clock=$clock |" \
			>> "$bench/results.txt"
	fi
	grep -E '^(ok|not ok) ' "$log" | tr -d '\r' | sed "s|^|bench: $arch $cpu $kind $dev${extra:+ $extra}: |"
	if grep -qE 'WARNING:|BUG:|Oops|Call Trace|lockdep|KASAN' "$log"; then
		bad "$what: kernel warning in $log"
		grep -E -A5 'WARNING:|BUG:|Oops|Call Trace' "$log" | head -n 30
	fi
	if grep -q '^# clocksource: .*jiffies' "$log"; then
		echo "bench: note: $what: clocksource jiffies, times in 4 ms steps"
	fi
	# every size measured: a skipped or lost size must not pass
	n=$(grep -c '^# result ' "$log")
	if [ "$n" -ne "$(tr , '\n' <<<"$sz" | grep -c .)" ] || grep -q '# SKIP' "$log"; then
		bad "$what: $n results for sizes $sz, or a size skipped (see $log)"
		return
	fi
	if [ -z "$rc" ]; then
		bad "$what: no exit status (see $log)"
		tail -n 20 "$log"
	elif [ "$rc" = "$want" ]; then
		ok "$what: exit status $rc as expected"
	else
		bad "$what: dumb_mmap exit status $rc, expected $want (see $log)"
	fi
}

# the TSC frequency in kHz that an x86_64 boot measured, for the next ones
tsc_khz=
: > "$bench/results.txt"
for arch in "${arches[@]}"; do
	build_initramfs "$arch" || continue
	for kind in "${kinds[@]}"; do
		build_kernel "$arch" "$kind" || continue
		[ "$mode" = build ] && continue
		if [ "$mode" = quick ]; then
			# One fault per PMD entry (per page below 2 MiB). With
			# mappings one page off a PMD boundary (-u), TTM falls
			# back to PTEs: on x86_64 -e huge must then fail, which
			# shows that the check can; on arm64 without hardware
			# dirty bits, at most one fault per page (the mkwrite
			# patches; v6.12 takes 17 per 16 pages).
			if [ "$arch" = x86_64 ]; then
				run x86_64 "$kind" max "$quick_dev" "$sizes" huge 0
				run x86_64 "$kind" max "$quick_dev" 2,8 huge 1 DUMB_MISALIGN=1
				run x86_64 "$kind" max "$quick_dev" "$sizes" page 0
			else
				run arm64 "$kind" cortex-a57 bochs-display "$sizes" huge 0
				run arm64 "$kind" cortex-a57 bochs-display 2,8 page 0 DUMB_MISALIGN=1
			fi
			continue
		fi
		# the series at its limit; the base at the program's default
		# (-e page on 7.3, measured only on 6.12). Mappings
		# one page off a PMD boundary (-u) measure the PTE path of
		# both, with the huge faults that fall back on the series.
		e=$([ "$kind" = series ] && echo huge)
		if [ "$arch" = x86_64 ]; then
			for dev in "${devs_x86_64[@]}"; do
				e2=$e u=
				if [[ " ${BENCH_MEASURE_ONLY:-} " == *" $dev "* ]]; then
					e2=none u=none
				fi
				run x86_64 "$kind" max "$dev" "$sizes" "$e2" 0
				run x86_64 "$kind" max "$dev" "$sizes" "$u" 0 \
					DUMB_MISALIGN=1 unaligned
				ICOUNT=1 run x86_64 "$kind" max "$dev" "$sizes" none 0
				ICOUNT=1 run x86_64 "$kind" max "$dev" "$sizes" none 0 \
					DUMB_MISALIGN=1 unaligned
			done
		else
			for dev in "${devs_arm64[@]}"; do
				run arm64 "$kind" max "$dev" "$sizes" "$e" 0
				run arm64 "$kind" cortex-a57 "$dev" "$sizes" "$e" 0
			done
		fi
	done
done

if [ "$mode" = full ] && [ -n "$results" ]; then
	mkdir -p "$results"
	python3 "$here/report.py" "$bench/results.txt" "$results" || bad "report"
fi

echo "bench: $pass passed, $fail failed"
exit $status
