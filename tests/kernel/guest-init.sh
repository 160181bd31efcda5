#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-or-later
# /init of the check-kernel initramfs.  The whole scenario runs here; the host driver
# (qemu-run.py) only reads the console, takes memory dumps when asked and answers "go".
#
# Parameters come from the kernel command line (carried over kexecs by --reuse-cmdline):
#   ki.memfds=TOKEN:SIZE[,TOKEN:SIZE...]  memfds luokeep preserves in session ki.session
#   ki.kexecs=N                           KHO kexecs in a row (default 1; 0: none)
# Generation G (0 = first kernel) is carried in /carry/gen of the initramfs the kernel before
# built for the next one, with that kernel's snapshot (/carry/snap.json).
#
# Console protocol (lines starting with "@@KI "):
#   @@KI booted G VERSION | @@KI tar NAME begin ... end (base64 of a .tar.gz) |
#   @@KI dump NAME (host dumps memory, then writes "go") | @@KI kexec G | @@KI done
/bin/busybox mkdir -p /bin /sbin /usr/bin /usr/sbin /proc /sys /dev /tmp /carry
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
# kernel messages would land in the middle of the base64 on the console: keep them in dmesg
dmesg -n 1

GEN=0; [ -f /carry/gen ] && GEN=$(cat /carry/gen)
MEMFDS=; KEXECS=1; SESSION=khoinspect-test
for w in $(cat /proc/cmdline); do
	case $w in
	ki.memfds=*) MEMFDS=$(echo "${w#ki.memfds=}" | tr , ' ') ;;
	ki.kexecs=*) KEXECS=${w#ki.kexecs=} ;;
	ki.session=*) SESSION=${w#ki.session=} ;;
	esac
done
echo "@@KI booted $GEN $(uname -r)"

# ki NAME ARGS...: run khoinspect, keep stdout, stderr and the exit status
ki() {
	n=$1; shift
	command -v khoinspect > /dev/null || return 0
	khoinspect "$@" > "$OUT/ki/$n.out" 2> "$OUT/ki/$n.err"
	echo $? > "$OUT/ki/$n.rc"
	echo "khoinspect $* -> exit $(cat "$OUT/ki/$n.rc")" >> "$OUT/ki/commands.txt"
}

# facts NAME: the kernel's own view (debugfs, memblock, command line, log), then ship it all
facts() {
	cp -r /sys/kernel/debug/kho "$OUT/debugfs-kho" 2>/dev/null
	for f in memory reserved reserve_mem_param; do
		cat /sys/kernel/debug/memblock/$f > "$OUT/memblock-$f.txt" 2>/dev/null
	done
	cat /proc/cmdline > "$OUT/cmdline.txt"
	cat /proc/iomem > "$OUT/iomem.txt"
	cat /proc/meminfo > "$OUT/meminfo.txt"
	uname -r > "$OUT/uname.txt"
	dmesg > "$OUT/dmesg.txt"
}

ship() {
	echo "@@KI tar $1 begin"
	tar -c -C /tmp/ki "$1" | gzip -1 | base64
	echo "@@KI tar $1 end"
}

dump() {
	echo "@@KI dump $1"
	read -r answer
}

stage() { OUT=/tmp/ki/$1; mkdir -p "$OUT/ki"; }

if [ "$GEN" = 0 ]; then
	stage before
	luokeep preserve "$SESSION" $MEMFDS > /tmp/luokeep.log 2>&1 &
	i=0; while ! grep -q 'luokeep: ready' /tmp/luokeep.log && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
	cp /tmp/luokeep.log "$OUT/luokeep.txt"
else
	NAME=after; [ "$GEN" = 1 ] || NAME=after$GEN
	stage $NAME
	# the hand-over as the new kernel received it, before any client is asked for its files
	ki against -j verify --against /carry/snap.json live
fi
facts
ki list list live
ki list_kcore list /proc/kcore
ki verify verify live
ki fdt fdt live
ki blocks -j list --blocks --owners live
ki blocks_kcore -j list --blocks --owners /proc/kcore
if [ "$GEN" -lt "$KEXECS" ]; then
	if [ "$GEN" != 0 ]; then
		# take the files back and hand them over again (a chain of kexecs)
		luokeep again "$SESSION" $MEMFDS > /tmp/luokeep.log 2>&1 &
		i=0; while ! grep -q 'luokeep: ready' /tmp/luokeep.log && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
		cp /tmp/luokeep.log "$OUT/luokeep.txt"
		ki list_again list live
		ki blocks_again -j list --blocks --owners live
	fi
	ki snapshot snapshot live -o "$OUT/snap.json"
fi
ship "$(basename "$OUT")"
if [ "$GEN" = 0 ]; then dump before; else dump $NAME; fi

if [ "$GEN" != 0 ] && [ "$GEN" -ge "$KEXECS" ]; then
	# last kernel: the files come back, their clients free what was handed over
	stage restored
	luokeep retrieve "$SESSION" $MEMFDS > "$OUT/luokeep.txt" 2>&1
	echo $? > "$OUT/luokeep.rc"
	ki against -j verify --against /carry/snap.json live
	ki list list live
	facts
	ship restored
	echo "@@KI done"
	sync; poweroff -f
fi
if [ "$GEN" -ge "$KEXECS" ]; then echo "@@KI done"; poweroff -f; fi

# next kernel: this initramfs again, with the generation and this kernel's snapshot
echo $((GEN + 1)) > /carry/gen
[ -f "$OUT/snap.json" ] && cp "$OUT/snap.json" /carry/snap.json
# a bind mount of / shows the initramfs without what is mounted on it (/dev, /proc, /tmp...)
mkdir -p /tmp/root && mount --bind / /tmp/root
(cd /tmp/root && find . | cpio -o -H newc) > /tmp/next.cpio 2>/dev/null
umount /tmp/root
kexec -s -l /boot/kernel --initrd=/tmp/next.cpio --reuse-cmdline
echo "kexec -s -l exit $?" 
echo "@@KI kexec $GEN"
dmesg -n 8
kexec -e
echo "@@KI kexec failed"
