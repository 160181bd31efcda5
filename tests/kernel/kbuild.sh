#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# kbuild.sh ARCH [PAGE] : print the path of a KHO test kernel image, building it if the cache
# has none.  ARCH is x86_64 or arm64; PAGE is the page size in KiB (4 on x86_64; 16 or 64 on arm64).
# Environment: KI_KCACHE (cache root, default /var/cache/khoinspect/kernel), KI_KSRC_VER
# (Debian linux-source-X.Y package, default 7.3).  The source tree is only read (O= builds).
# The image is cached in $KI_KCACHE/build/<version>-<arch>-<page>k-<config hash>/.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ARCH=${1:?usage: kbuild.sh ARCH [PAGE]}
PAGE=${2:-4}
CACHE=${KI_KCACHE:-/var/cache/khoinspect/kernel}
VER=${KI_KSRC_VER:-7.3}
log() { echo "kbuild: $*" >&2; }

# --- the source: an extracted tree in the cache, else Debian's linux-source-$VER package
src_tree() {
	local t=$CACHE/src/linux-source-$VER deb
	if [ -f "$t/Makefile" ]; then echo "$t"; return; fi
	mkdir -p "$CACHE"
	deb=$(ls "$CACHE"/linux-source-"$VER"_*_all.deb 2>/dev/null | tail -1 || true)
	if [ -z "$deb" ]; then fetch_deb; deb=$(ls "$CACHE"/linux-source-"$VER"_*_all.deb | tail -1); fi
	log "unpacking $deb"
	local x; x=$(mktemp -d "$CACHE/unpack.XXXXXX")
	dpkg -x "$deb" "$x"
	mkdir -p "$CACHE/src"
	tar -xJf "$x"/usr/src/linux-source-"$VER".tar.xz -C "$CACHE/src"
	rm -rf "$x"
	echo "$t"
}

# Debian serves linux-source-7.x from trixie-backports (and sid) on the mirror this machine
# already uses.  The suites are added with pin priority 50 (never chosen for upgrades) for this
# one download and removed again, whatever happens.
fetch_deb() {
	local uri lst=/etc/apt/sources.list.d/zz-khoinspect-kernel.sources
	local pin=/etc/apt/preferences.d/zz-khoinspect-kernel
	uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
	uri=${uri:-http://deb.debian.org/debian}
	log "downloading linux-source-$VER from $uri (trixie-backports, sid; pin 50, removed after)"
	trap 'rm -f "$lst" "$pin"; apt-get update -qq || true' EXIT
	printf 'Types: deb\nURIs: %s\nSuites: trixie-backports sid\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$uri" > "$lst"
	printf 'Package: *\nPin: release n=trixie-backports\nPin-Priority: 50\n\nPackage: *\nPin: release n=sid\nPin-Priority: 50\n' > "$pin"
	apt-get update -qq
	(cd "$CACHE" && apt-get download "linux-source-$VER")
	rm -f "$lst" "$pin"; apt-get update -qq; trap - EXIT
}

case $ARCH/$PAGE in
x86_64/4) MK=(make ARCH=x86_64); IMG=arch/x86/boot/bzImage; TGT=bzImage; FRAG=kho-x86_64.config ;;
arm64/16|arm64/64) MK=(make ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
	IMG=arch/arm64/boot/Image; TGT=Image; FRAG=kho-arm64-${PAGE}k.config ;;
*) log "no kernel recipe for $ARCH with ${PAGE} KiB pages"; exit 2 ;;
esac

SRC=$(src_tree)
sv=$(awk '/^VERSION =/ {v=$3} /^PATCHLEVEL =/ {p=$3} /^SUBLEVEL =/ {s=$3} END {print v "." p "." s}' "$SRC/Makefile")
hash=$(cat "$HERE/kho.config" "$HERE/$FRAG" | sha256sum | cut -c1-12)
KEY=$sv-$ARCH-${PAGE}k-$hash
OUT=$CACHE/build/$KEY
# one build of a kernel at a time: a second check-kernel waits for the first
# instead of wiping the tree it is building in
mkdir -p "$CACHE/build"
exec 9>"$CACHE/build/$KEY.lock"
flock 9
if [ -f "$OUT/$IMG" ] && [ -f "$OUT/.built" ]; then
	log "kernel $KEY taken from the cache ($OUT/$IMG)"
	echo "$OUT/$IMG"; exit 0
fi
log "building kernel $KEY in $OUT (tinyconfig + kho.config + $FRAG, nice -n ${KI_KBUILD_NICE:-19} make -j2 $TGT)"
t0=$(date +%s)
rm -rf "$OUT"; mkdir -p "$OUT"
cat "$HERE/kho.config" "$HERE/$FRAG" > "$OUT/kho-fragment.config"
(
	cd "$SRC"
	"${MK[@]}" O="$OUT" tinyconfig
	scripts/kconfig/merge_config.sh -m -O "$OUT" "$OUT/.config" "$OUT/kho-fragment.config"
	"${MK[@]}" O="$OUT" olddefconfig
) > "$OUT/config.log" 2>&1
missing=0
for o in $(grep -o '^CONFIG_[A-Z0-9_]*' "$OUT/kho-fragment.config"); do
	grep -q "^$o=y" "$OUT/.config" || { log "$o did not end up =y in $OUT/.config"; missing=1; }
done
[ $missing = 0 ] || { log "configuration incomplete: see $OUT/config.log"; exit 2; }
if ! (cd "$SRC" && nice -n "${KI_KBUILD_NICE:-19}" "${MK[@]}" O="$OUT" -j2 "$TGT") > "$OUT/build.log" 2>&1; then
	log "build failed: tail of $OUT/build.log:"; tail -20 "$OUT/build.log" >&2; exit 2
fi
echo "$KEY" > "$OUT/.built"
log "built $KEY in $(( $(date +%s) - t0 ))s"
echo "$OUT/$IMG"
