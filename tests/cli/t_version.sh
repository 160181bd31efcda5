# SPDX-License-Identifier: GPL-2.0-or-later
# --version names the version and, for a build from a git tree, the commit
# (`git describe --always --dirty`, asked here of git itself); the version is
# the same in the man page (t_docs.sh), debian/changelog and NEWS.

ver_root=$(cd "$TESTS/../.." && pwd)
ki --version
expect_rc "version: --version exits 0" 0
ver_line=$(cat "$T/out")
ver_num=$(sed -n 's/^khoinspect \([0-9][0-9.]*\)\( (git [^ ]*)\)\{0,1\}$/\1/p' "$T/out")
if [ -n "$ver_num" ] && [ "$(wc -l <"$T/out")" -eq 1 ]; then
	ok "version: one line \"khoinspect X.Y.Z[ (git DESCRIBE)]\""
else
	bad "version: one line \"khoinspect X.Y.Z[ (git DESCRIBE)]\"" "got \"$ver_line\""
fi
if [ -e "$ver_root/.git" ] && ver_git=$(git -C "$ver_root" describe --always --dirty 2>/dev/null); then
	if [ "$ver_line" = "khoinspect $ver_num (git $ver_git)" ]; then
		ok "version: names the commit (git $ver_git)"
	else
		bad "version: names the commit (git $ver_git)" "got \"$ver_line\" (a binary older than the tree? make rebuilds it)"
	fi
else
	if [ "$ver_line" = "khoinspect $ver_num" ]; then
		ok "version: no commit outside git"
	else
		bad "version: no commit outside git" "got \"$ver_line\""
	fi
fi
ver_deb=$(sed -n '1s/^khoinspect (\([^)]*\)).*/\1/p' "$ver_root/debian/changelog" 2>/dev/null)
if [ "$ver_deb" = "$ver_num" ]; then
	ok "version: debian/changelog is $ver_num"
else
	bad "version: debian/changelog is $ver_num" "its first entry is \"$ver_deb\""
fi
if grep -qE "^(khoinspect )?$ver_num( |\$)" "$ver_root/NEWS" 2>/dev/null; then
	ok "version: NEWS has a $ver_num entry"
else
	bad "version: NEWS has a $ver_num entry" "no heading line \"$ver_num ...\" in NEWS"
fi
