#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# check-kernel.sh [RUN...] : `make check-kernel`.  For each run: a KHO kernel (built, or taken
# from the cache), an initramfs, a QEMU boot driven by the guest's /init (dumps before the
# kexec, at the jump and after it), then check-run.py holds khoinspect's answers against the
# kernel's own records.  Runs (default: all of them, or $KI_KERNEL_RUNS):
#   x86        x86_64, 1 GiB, test_kho 2 MiB, two reserve_mem regions, two memfds, one kexec
#   x86-more   x86_64, 1 GiB, default test_kho size, four reserve_mem regions, five memfds
#              (up to 6 MiB), two kexecs in a row
#   x86-mini   x86_64, 160 MiB, test_kho 64 KiB, no kexec, busybox and luokeep only: the smallest booted-guest
#              dumps
#   arm64-16k  arm64, 16 KiB pages, one kexec (khoinspect is not run in the guest)
#   arm64-64k  arm64, 64 KiB pages, 4 GiB (three 512 MiB scratch areas), one kexec
#   x86-7.2    as x86, on Linux 7.2 (Debian linux-source-7.2): not in the default list, which
#              keeps a cold CI run to three kernel builds; `KI_KERNEL_RUNS=x86-7.2 make check-kernel`
# Environment: KI_RUNS (where the runs are kept, default /var/cache/khoinspect/runs),
# KI_KCACHE (kernel cache, default /var/cache/khoinspect/kernel), KI_QEMU_ACCEL (auto, kvm, tcg),
# KI_BIN (the khoinspect under test, default build/khoinspect).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
RUNS=${KI_RUNS:-/var/cache/khoinspect/runs}
export KI_BIN=${KI_BIN:-$TOP/build/khoinspect}
PY=/usr/bin/python3
T0=$(date +%s)
passed=0 failed=0
say() { echo "check-kernel: [$(( $(date +%s) - T0 ))s] $*"; }

run_params() { # NAME: sets ARCH PAGE MEM APPEND KSRC
	local con=ttyS0 tk=2097152 rm="reserve_mem=8M:4096:trace reserve_mem=20M:2M:khoins"
	local memfds=0xa001:0x103000,0xa002:0x10000 kexecs=1 scr=32M,128M,64M
	MEM=1G MINI= KSRC=${KI_KSRC_VER:-7.3}
	case $1 in
	x86) ARCH=x86_64 PAGE=4 ;;
	x86-7.2) ARCH=x86_64 PAGE=4 KSRC=7.2 ;;
	x86-more) ARCH=x86_64 PAGE=4 tk= kexecs=2
		rm="reserve_mem=4M:4096:trace reserve_mem=16M:2M:khoins reserve_mem=2M:2M:small reserve_mem=12M:1M:mid"
		memfds=0xb001:0x600000,0xb002:0x200000,0xb003:0x1000,0xb004:0x412000,0xb005:0x3000 ;;
	x86-mini) ARCH=x86_64 PAGE=4 kexecs=0 MEM=160M scr=8M,40M,8M MINI=1 tk=65536
		rm="reserve_mem=4M:4096:trace" memfds=0xc001:0x5000 ;;
	arm64-16k) ARCH=arm64 PAGE=16 con=ttyAMA0 rm="reserve_mem=8M:16384:trace reserve_mem=20M:2M:khoins" ;;
	# 64 KiB pages: each scratch area is rounded up to 512 MiB (a pageblock), so three
	# of them fit in neither 1 GiB nor 2 GiB (KHO: Failed to reserve ... scratch buffer)
	arm64-64k) ARCH=arm64 PAGE=64 con=ttyAMA0 MEM=4G rm="reserve_mem=8M:65536:trace reserve_mem=20M:2M:khoins" ;;
	*) return 1 ;;
	esac
	APPEND="console=$con printk.time=1 log_buf_len=1M kho=on kho_scratch=$scr liveupdate=on $rm"
	[ -n "$tk" ] && APPEND+=" test_kho.max_mem=$tk"
	APPEND+=" ki.memfds=$memfds ki.kexecs=$kexecs"
}

one_run() {
	local name=$1 t kernel out=$RUNS/$1 initrd
	if ! run_params "$name"; then say "$name: no such run"; failed=$((failed + 1)); return; fi
	say "=== run $name: $ARCH, ${PAGE} KiB pages, $MEM, append: $APPEND"
	t=$(date +%s)
	if ! kernel=$(KI_KSRC_VER=$KSRC "$HERE/kbuild.sh" "$ARCH" "$PAGE" 2> >(sed 's/^/  /' >&2)); then
		echo "FAIL $name: kernel build"; failed=$((failed + 1)); return
	fi
	say "$name: kernel $kernel ($(( $(date +%s) - t ))s)"
	rm -rf "$out"; mkdir -p "$out"
	initrd=$out/initramfs.cpio
	if ! KI_MINI=$MINI "$HERE/initramfs.sh" "$ARCH" "$kernel" "$initrd"; then
		echo "FAIL $name: initramfs"; failed=$((failed + 1)); return
	fi
	printf 'arch=%s\npage_kib=%s\nmem=%s\nappend=%s\nkernel=%s\n' "$ARCH" "$PAGE" "$MEM" "$APPEND" \
		"$kernel" > "$out/params.txt"
	t=$(date +%s)
	if $PY "$HERE/qemu-run.py" --arch "$ARCH" --kernel "$kernel" --initrd "$initrd" \
		--append "$APPEND" --mem "$MEM" --out "$out" 2>&1 | tee "$out/driver.log" | sed 's/^/  /'; then
		echo "PASS $name: boots, kexecs and dumps ($(( $(date +%s) - t ))s)"; passed=$((passed + 1))
	else
		echo "FAIL $name: boots, kexecs and dumps (see $out/driver.log, console.log)"
		failed=$((failed + 1))
	fi
	rm -f "$initrd"
	t=$(date +%s)
	$PY "$HERE/check-run.py" "$out" "$KI_BIN" 2>&1 | tee "$out/check.log"
	local p f
	p=$(grep -c '^PASS' "$out/check.log"); f=$(grep -c '^FAIL' "$out/check.log")
	passed=$((passed + p)); failed=$((failed + f))
	say "$name: checks took $(( $(date +%s) - t ))s"
}

[ -x "$KI_BIN" ] || { echo "check-kernel: $KI_BIN: build khoinspect first (make)" >&2; exit 2; }
runs=("$@")
[ ${#runs[@]} -gt 0 ] || read -ra runs <<< "${KI_KERNEL_RUNS:-x86 x86-more x86-mini arm64-16k arm64-64k}"
for r in "${runs[@]}"; do one_run "$r"; done
say "all runs took $(( $(date +%s) - T0 ))s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
