#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# arm64-pkgs.sh busybox : print the path of an arm64 busybox (static), unpacked with dpkg -x
# from Debian's busybox-static:arm64, downloaded once into $KI_KCACHE/arm64/ (apt-get download).
# If dpkg does not know the arm64 architecture yet, it is added for the download (and
# `apt-get update` run) and removed again after, so running this twice changes nothing.
set -euo pipefail
CACHE=${KI_KCACHE:-/var/cache/khoinspect/kernel}/arm64
mkdir -p "$CACHE"
case ${1:-} in
busybox) pkg=busybox-static file=bin/busybox ;;
*) echo "usage: arm64-pkgs.sh busybox" >&2; exit 2 ;;
esac
if [ -x "$CACHE/$pkg/$file" ]; then echo "$CACHE/$pkg/$file"; exit 0; fi
deb=$(ls "$CACHE"/"$pkg"_*_arm64.deb 2>/dev/null | tail -1 || true)
if [ -z "$deb" ]; then
	added=0
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		echo "arm64-pkgs: dpkg --add-architecture arm64 (removed after the download)" >&2
		dpkg --add-architecture arm64; added=1
		trap 'dpkg --remove-architecture arm64; apt-get update -qq || true' EXIT
	fi
	apt-get update -qq >&2
	(cd "$CACHE" && apt-get download "$pkg:arm64" >&2)
	if [ $added = 1 ]; then dpkg --remove-architecture arm64; apt-get update -qq >&2; trap - EXIT; fi
	deb=$(ls "$CACHE"/"$pkg"_*_arm64.deb | tail -1)
fi
rm -rf "$CACHE/$pkg"; dpkg -x "$deb" "$CACHE/$pkg"
echo "$CACHE/$pkg/$file"
