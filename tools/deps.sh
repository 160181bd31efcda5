#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Install the Debian (bookworm) packages khoinspect needs to build and test.
# Quiet and quick when everything is already there. Extra package names
# given as arguments are added (make bench: time python3-drgn). With
# KHOINSPECT_DEPS_NO_INSTALL set, missing packages are an error, not installed.
set -e
PKGS="$* gcc make pkg-config libfdt-dev libelf-dev libkdumpfile-dev libxxhash-dev xxhash libcriterion-dev jq groff-base xz-utils device-tree-compiler bash-completion zsh librsvg2-bin libxml2-utils python3 python3-jsonschema python3-dev python3-drgn"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
# Package builds (debian/rules) and other sandboxes: report, never install.
if [ -n "${KHOINSPECT_DEPS_NO_INSTALL:-}" ]; then
	echo "khoinspect: missing packages:$missing (not installed: KHOINSPECT_DEPS_NO_INSTALL is set)" >&2
	exit 1
fi
echo "khoinspect: installing missing packages:$missing"
SUDO=""
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	else
		echo "khoinspect: need root (or sudo) to install:$missing" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
