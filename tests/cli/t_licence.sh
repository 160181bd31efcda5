# SPDX-License-Identifier: GPL-2.0-or-later
# The licence: COPYING states GPL-2.0-or-later and holds the GPL-2.0 text;
# every source file (C, headers, shell, Makefile, man page, debian/rules,
# the completion generator) carries the SPDX tag that says the same.

lic_root=$(cd "$TESTS/../.." && pwd)
lic_copying="$lic_root/COPYING"
if grep -q 'either version 2 of the License, or' "$lic_copying" 2>/dev/null &&
   grep -q '(at your option) any later version' "$lic_copying"; then
	ok "licence: COPYING says version 2 or any later version"
else
	bad "licence: COPYING says version 2 or any later version" "no GPL-2.0-or-later notice in COPYING"
fi
# The full text, as Debian ships it (when it is there to compare with).
if [ -r /usr/share/common-licenses/GPL-2 ]; then
	lic_n=$(wc -l </usr/share/common-licenses/GPL-2)
	if tail -n "$lic_n" "$lic_copying" | cmp -s - /usr/share/common-licenses/GPL-2; then
		ok "licence: COPYING ends with the GPL-2.0 text"
	else
		bad "licence: COPYING ends with the GPL-2.0 text" "its last $lic_n lines differ from /usr/share/common-licenses/GPL-2"
	fi
fi
# Source files: tracked ones when in git, else what find sees.
if [ -e "$lic_root/.git" ] && git -C "$lic_root" ls-files >"$T/lic.files" 2>/dev/null; then :; else
	(cd "$lic_root" && find . -path ./build -prune -o -path './build-*' -prune -o -type f -print |
		sed 's|^\./||') >"$T/lic.files"
fi
grep -E '(\.(c|h|sh|py|1)$|^Makefile$|^\.ci/run$|^debian/rules$|^debian/tests/(golden|library)$)' "$T/lic.files" | LC_ALL=C sort >"$T/lic.src"
lic_missing=""
while read -r lic_f; do
	[ -f "$lic_root/$lic_f" ] || continue
	head -n 3 "$lic_root/$lic_f" | grep -q 'SPDX-License-Identifier: GPL-2.0-or-later' ||
		lic_missing="$lic_missing $lic_f"
done <"$T/lic.src"
if [ -s "$T/lic.src" ] && [ -z "$lic_missing" ]; then
	ok "licence: $(wc -l <"$T/lic.src") source files carry SPDX GPL-2.0-or-later"
else
	: >"$T/err"
	bad "licence: every source file carries SPDX GPL-2.0-or-later" "missing in:$lic_missing"
fi
