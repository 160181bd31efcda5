# SPDX-License-Identifier: GPL-2.0-or-later
# make install / make uninstall from the tree, into a DESTDIR: exactly the
# files listed here, with their modes (links are 777); the installed binary runs; uninstall
# leaves nothing (the directories install made under DESTDIR go too).
# The binary under test is the one installed: B= names its build directory,
# so nothing is rebuilt. And the Debian package's Build-Depends cover what
# tools/deps.sh installs for make check (the package build installs nothing).

inst_root=$(cd "$TESTS/../.." && pwd)
inst_b=$(dirname "$KI")
# inst_make ARGS...: make in the tree, not as a child of the make running us.
inst_make() {
	(cd "$inst_root" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		make -s --no-print-directory B="$inst_b" "$@") >"$T/out" 2>"$T/err"
	RC=$?
}
# inst_files DIR: every file and link under DIR with its mode, relative.
inst_files() {
	(cd "$1" && find . \( -type f -o -type l \) -printf '%m %P\n' | LC_ALL=C sort)
}

# The Python module's file name, and python3's version for /usr/local's directory.
inst_pyext=$(/usr/bin/python3 -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
inst_pyver=$(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')

# Only a binary this tree's make built can be installed without building:
# B= is its directory (build/, build-san/, build-tsan/).
case "$inst_b" in
"$inst_root"/build|"$inst_root"/build-*) inst_ok=1 ;;
*) inst_ok=""; echo "     (install: skipped: $KI is not in $inst_root/build*)" ;;
esac
if [ -n "$inst_ok" ]; then
	inst_d="$T/destdir"
	mkdir -p "$inst_d"
	inst_make install DESTDIR="$inst_d" PREFIX=/usr
	expect_rc "install: make install DESTDIR PREFIX=/usr exits 0" 0
	cat >"$T/inst.want" <<-'EOW'
	644 usr/include/khoinspect.h
	644 usr/lib/libkhoinspect.a
	644 usr/lib/pkgconfig/khoinspect.pc
	644 usr/lib/libkhoinspect.so.0.1.0
	644 usr/share/bash-completion/completions/khoinspect
	644 usr/share/man/man1/khoinspect.1
	644 usr/share/man/man3/libkhoinspect.3
	644 usr/share/zsh/site-functions/_khoinspect
	755 usr/bin/khoinspect
	777 usr/lib/libkhoinspect.so
	777 usr/lib/libkhoinspect.so.0
	EOW
	echo "644 usr/lib/python3/dist-packages/khoinspect$inst_pyext" >>"$T/inst.want"
	inst_files "$inst_d" | LC_ALL=C sort >"$T/inst.got"
	LC_ALL=C sort -o "$T/inst.want" "$T/inst.want"
	expect_same "install: exactly the listed files, with their modes" "$T/inst.want" "$T/inst.got"
	# the installed Python module imports from where Debian's python3 looks,
	# alone (the static library is inside: no LD_LIBRARY_PATH), and is the
	# binary's version; a sanitizer build's needs its runtime loaded first
	inst_pyenv=""
	ldd "$inst_b/python/khoinspect$inst_pyext" 2>/dev/null | grep -q libasan &&
		inst_pyenv="LD_PRELOAD=$(${CC:-cc} -print-file-name=libasan.so):$(${CC:-cc} -print-file-name=libubsan.so) ASAN_OPTIONS=detect_leaks=0"
	if env $inst_pyenv PYTHONPATH="$inst_d/usr/lib/python3/dist-packages" /usr/bin/python3 -c \
		'import khoinspect, sys; sys.exit(not khoinspect.__file__.startswith(sys.argv[1]) or khoinspect.__version__ != sys.argv[2])' \
		"$inst_d/usr/lib/python3/dist-packages" "$("$KI" --version | awk '{print $2}')" 2>"$T/err"; then
		ok "install: the installed Python module imports, the binary's version"
	else
		bad "install: the installed Python module imports, the binary's version" "import failed"
	fi
	expect_same "install: the header is the tree's" "$inst_root/include/khoinspect.h" "$inst_d/usr/include/khoinspect.h"
	expect_same "install: libkhoinspect.3 is the tree's" "$inst_root/man/libkhoinspect.3" "$inst_d/usr/share/man/man3/libkhoinspect.3"
	printf '%s\n' libkhoinspect.so.0.1.0 libkhoinspect.so.0 >"$T/inst.lwant"
	readlink "$inst_d/usr/lib/libkhoinspect.so.0" >"$T/inst.lgot"
	readlink "$inst_d/usr/lib/libkhoinspect.so" >>"$T/inst.lgot"
	expect_same "install: .so.0 and .so link to the library" "$T/inst.lwant" "$T/inst.lgot"
	if grep -qx 'libdir=/usr/lib' "$inst_d/usr/lib/pkgconfig/khoinspect.pc" &&
	   grep -qx 'includedir=/usr/include' "$inst_d/usr/lib/pkgconfig/khoinspect.pc"; then
		ok "install: khoinspect.pc names PREFIX's directories"
	else
		bad "install: khoinspect.pc names PREFIX's directories" "$(grep dir= "$inst_d/usr/lib/pkgconfig/khoinspect.pc" | tr '\n' ' ')"
	fi
	"$inst_d/usr/bin/khoinspect" --version >"$T/inst.ver" 2>"$T/err"
	"$KI" --version >"$T/inst.ver.want"
	expect_same "install: the installed binary runs (--version)" "$T/inst.ver.want" "$T/inst.ver"
	expect_same "install: the man page is the tree's" "$inst_root/man/khoinspect.1" "$inst_d/usr/share/man/man1/khoinspect.1"
	if grep -q '^complete -F _khoinspect khoinspect' "$inst_d/usr/share/bash-completion/completions/khoinspect" ||
	   grep -q 'complete -F _khoinspect khoinspect' "$inst_d/usr/share/bash-completion/completions/khoinspect"; then
		ok "install: the bash completion registers khoinspect"
	else
		bad "install: the bash completion registers khoinspect" "no complete -F line"
	fi
	inst_make uninstall DESTDIR="$inst_d" PREFIX=/usr
	expect_rc "install: make uninstall exits 0" 0
	if [ -z "$(find "$inst_d" -mindepth 1 | head -3)" ]; then
		ok "install: make uninstall leaves nothing (no files, no directories)"
	else
		bad "install: make uninstall leaves nothing (no files, no directories)" "left: $(find "$inst_d" -mindepth 1 | sed "s|^$inst_d/||" | head -3 | tr '\n' ' ')"
	fi

	# The other GNU variables, and the /usr/local default.
	inst_make install DESTDIR="$inst_d" BINDIR=/opt/k/sbin MANDIR=/opt/k/man \
		BASHCOMPDIR=/etc/bash_completion.d ZSHCOMPDIR=/usr/share/zsh/vendor-completions \
		PYTHONDIR=/opt/k/py
	expect_rc "install: BINDIR, MANDIR, BASHCOMPDIR, ZSHCOMPDIR, PYTHONDIR exit 0" 0
	cat >"$T/inst.want" <<-'EOW'
	644 etc/bash_completion.d/khoinspect
	644 opt/k/man/man1/khoinspect.1
	644 opt/k/man/man3/libkhoinspect.3
	644 usr/local/include/khoinspect.h
	644 usr/local/lib/libkhoinspect.a
	644 usr/local/lib/libkhoinspect.so.0.1.0
	644 usr/local/lib/pkgconfig/khoinspect.pc
	644 usr/share/zsh/vendor-completions/_khoinspect
	755 opt/k/sbin/khoinspect
	777 usr/local/lib/libkhoinspect.so
	777 usr/local/lib/libkhoinspect.so.0
	EOW
	echo "644 opt/k/py/khoinspect$inst_pyext" >>"$T/inst.want"
	LC_ALL=C sort -o "$T/inst.want" "$T/inst.want"
	inst_files "$inst_d" | LC_ALL=C sort >"$T/inst.got"
	expect_same "install: BINDIR, MANDIR, BASHCOMPDIR, ZSHCOMPDIR, PYTHONDIR are obeyed" "$T/inst.want" "$T/inst.got"
	inst_make uninstall DESTDIR="$inst_d" BINDIR=/opt/k/sbin MANDIR=/opt/k/man \
		BASHCOMPDIR=/etc/bash_completion.d ZSHCOMPDIR=/usr/share/zsh/vendor-completions \
		PYTHONDIR=/opt/k/py
	if [ -z "$(find "$inst_d" -mindepth 1 | head -1)" ]; then ok "install: and uninstall with them"; else
		bad "install: and uninstall with them" "left: $(find "$inst_d" -mindepth 1 | head -3 | tr '\n' ' ')"; fi
	inst_make install DESTDIR="$inst_d"
	sed 's| usr/| usr/local/|' <<-'EOW' | LC_ALL=C sort >"$T/inst.want"
	644 usr/include/khoinspect.h
	644 usr/lib/libkhoinspect.a
	644 usr/lib/libkhoinspect.so.0.1.0
	644 usr/lib/pkgconfig/khoinspect.pc
	644 usr/share/bash-completion/completions/khoinspect
	644 usr/share/man/man1/khoinspect.1
	644 usr/share/man/man3/libkhoinspect.3
	644 usr/share/zsh/site-functions/_khoinspect
	755 usr/bin/khoinspect
	777 usr/lib/libkhoinspect.so
	777 usr/lib/libkhoinspect.so.0
	EOW
	echo "644 usr/local/lib/python$inst_pyver/dist-packages/khoinspect$inst_pyext" >>"$T/inst.want"
	LC_ALL=C sort -o "$T/inst.want" "$T/inst.want"
	inst_files "$inst_d" | LC_ALL=C sort >"$T/inst.got"
	expect_same "install: PREFIX is /usr/local by default" "$T/inst.want" "$T/inst.got"
	inst_make uninstall DESTDIR="$inst_d"
	rm -rf "$inst_d"
fi

# Build-Depends (debian/control) cover tools/deps.sh's packages, but for the
# build-essential ones (gcc, make), which Debian does not let a package list.
if [ -r "$inst_root/debian/control" ]; then
	sed -n 's/^PKGS="[^"]*\$\* \([^"]*\)"$/\1/p' "$inst_root/tools/deps.sh" | tr ' ' '\n' |
		grep -vx -e gcc -e make -e '' | LC_ALL=C sort >"$T/inst.deps"
	sed -n '/^Build-Depends:/,/^[A-Z]/p' "$inst_root/debian/control" |
		sed -n 's/^ \([a-z0-9][a-z0-9.+-]*\).*/\1/p' | LC_ALL=C sort >"$T/inst.bdeps"
	inst_miss=$(LC_ALL=C comm -23 "$T/inst.deps" "$T/inst.bdeps" | tr '\n' ' ')
	if [ -s "$T/inst.deps" ] && [ -z "$inst_miss" ]; then
		ok "install: debian/control Build-Depends cover tools/deps.sh"
	else
		: >"$T/err"
		bad "install: debian/control Build-Depends cover tools/deps.sh" "missing: ${inst_miss:-(no packages read from tools/deps.sh)}"
	fi
fi
