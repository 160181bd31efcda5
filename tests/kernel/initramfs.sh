#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# initramfs.sh ARCH KERNEL OUT.cpio : the check-kernel initramfs (an uncompressed newc cpio, so
# the memory dumps that hold it still compress).  It carries busybox-static, luokeep, the
# kernel image itself (/boot/kernel, for kexec -s), guest-init.sh as /init, and:
#   x86_64: the freshly built khoinspect and kexec-tools' kexec, with their shared libraries;
#   (KI_MINI=1: neither, nor the kernel: the smallest guest that preserves memfds)
#   arm64:  busybox-static:arm64 unpacked from Debian's package (dpkg -x) and kexecfile (a
#           static kexec_file_load + reboot), as khoinspect is not cross-built.
# Environment: KI_BIN (khoinspect binary), KI_KCACHE (where arm64 packages are kept).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ARCH=$1 KERNEL=$2 OUT=$3
CACHE=${KI_KCACHE:-/var/cache/khoinspect/kernel}
ROOT=$(mktemp -d "${TMPDIR:-/tmp}/ki-initramfs.XXXXXX")
trap 'rm -rf "$ROOT"' EXIT
mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,boot,proc,sys,dev,tmp,carry}
mknod -m 600 "$ROOT/dev/console" c 5 1
cp "$HERE/guest-init.sh" "$ROOT/init"; chmod 755 "$ROOT/init"
cp "$KERNEL" "$ROOT/boot/kernel"

# with-libs FILE DEST: copy a dynamic executable and the libraries ldd names
with_libs() {
	cp "$1" "$ROOT/$2"
	for l in $(ldd "$1" | grep -o '/[^ ]*'); do
		mkdir -p "$ROOT/$(dirname "$l")"
		cp -L "$l" "$ROOT/$l"
	done
}

case $ARCH in
x86_64)
	cp /bin/busybox "$ROOT/bin/busybox"
	gcc -O2 -static -Wall -o "$ROOT/bin/luokeep" "$HERE/luokeep.c"
	# KI_MINI=1: busybox and luokeep only, for small dumps of a booted guest (no kexec)
	if [ -n "${KI_MINI:-}" ]; then
		rm "$ROOT/boot/kernel"
	else
		with_libs "$(command -v kexec || echo /usr/sbin/kexec)" usr/sbin/kexec
		with_libs "${KI_BIN:?KI_BIN: the khoinspect to put in the guest}" usr/bin/khoinspect
		strip "$ROOT/usr/bin/khoinspect"
	fi
	;;
arm64)
	bb=$("$HERE/arm64-pkgs.sh" busybox)
	cp "$bb" "$ROOT/bin/busybox"
	aarch64-linux-gnu-gcc -O2 -static -Wall -o "$ROOT/bin/luokeep" "$HERE/luokeep.c"
	aarch64-linux-gnu-gcc -O2 -static -Wall -o "$ROOT/usr/sbin/kexec" "$HERE/kexecfile.c"
	;;
*) echo "initramfs.sh: no initramfs recipe for $ARCH" >&2; exit 2 ;;
esac
(cd "$ROOT" && find . | cpio -o -H newc --quiet) > "$OUT"
echo "initramfs: $OUT, $(( $(stat -c %s "$OUT") >> 10 )) KiB ($ARCH)" >&2
