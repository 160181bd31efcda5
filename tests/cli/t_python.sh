# SPDX-License-Identifier: GPL-2.0-or-later
# The Python module (python/khoinspect.c, built beside the binary as
# $B/python/khoinspect*.so) under Debian's /usr/bin/python3: every golden
# image by path and through a Python read callback, against the truth files;
# error cases; the real-kernel dumps; the README's drgn session.
# The checks are in tests/cli/python_check.py (one "ok"/"FAIL" line each).

py_dir=$(dirname "$KI")/python
py_env="PYTHONPATH=$py_dir FIX=$FIX KI=$KI PYTHONDONTWRITEBYTECODE=1"
# A sanitizer build's module needs its runtime loaded first; Python itself
# leaks by design at exit, so leak checks stay with the binary's tests.
if [ -n "$(ls "$py_dir"/khoinspect*.so 2>/dev/null)" ] &&
   ldd "$py_dir"/khoinspect*.so 2>/dev/null | grep -q libasan; then
	py_env="$py_env LD_PRELOAD=$(${CC:-cc} -print-file-name=libasan.so):$(${CC:-cc} -print-file-name=libubsan.so) ASAN_OPTIONS=detect_leaks=0:exitcode=99"
fi

# py_run WHAT DIR: python_check.py's lines counted as ours; its exit status
# (an uncaught exception, a crash) is a failure of its own.
py_run() {
	env $py_env /usr/bin/python3 "$TESTS/python_check.py" "$1" "$2" >"$T/py.out" 2>"$T/py.err"
	_py_rc=$?
	: >"$T/err"
	while IFS= read -r _py_line; do
		case "$_py_line" in
		"ok "*) ok "python: ${_py_line#ok }" ;;
		"FAIL "*) _py_l=${_py_line#FAIL }; bad "python: ${_py_l%%	*}" "${_py_l#*	}" ;;
		"# "*) echo "     (python: ${_py_line#\# })" ;;
		esac
	done <"$T/py.out"
	if [ "$_py_rc" = 0 ] && ! grep -q -e 'ERROR: AddressSanitizer' -e 'runtime error:' "$T/py.err"; then
		ok "python: python_check.py $1 ran to its end"
	else
		bad "python: python_check.py $1 ran to its end" "exit status $_py_rc"
		sed 's/^/     /' "$T/py.err" | tail -15
	fi
}

if [ -z "$(ls "$py_dir"/khoinspect*.so 2>/dev/null)" ]; then
	bad "python: the module is built" "no $py_dir/khoinspect*.so (make python)"
else
	ok "python: the module is built"
	env $py_env /usr/bin/python3 -c 'import khoinspect, sys; sys.exit(khoinspect.__file__.find(sys.argv[1]) != 0)' "$py_dir" 2>"$T/err"
	if [ $? = 0 ]; then ok "python: import khoinspect finds the built module"; else bad "python: import khoinspect" "not from $py_dir"; fi

	# only one exported symbol: the library inside is hidden
	_py_syms=$(nm -D --defined-only "$py_dir"/khoinspect*.so | awk '$2 ~ /[TDBR]/ {print $3}' | tr '\n' ' ')
	if [ "$_py_syms" = "PyInit_khoinspect " ]; then ok "python: the module exports PyInit_khoinspect only"; else
		: >"$T/err"; bad "python: the module exports PyInit_khoinspect only" "exports: $(echo "$_py_syms" | cut -c1-200)"; fi

	mkdir -p "$T/py"
	for img in v1-x86_64-4k-512.elf v1-x86_64-4k-page.elf v2-x86_64-4k.elf v3-x86_64-4k.elf \
		v4-aarch64-64k.elf v3-aarch64-16k.raw; do
		xz -dc "$FIX/golden/$img.xz" >"$T/py/$img"
	done
	tar -xSJf "$FIX/qemu/q35-5g-v3.elf.tar.xz" -C "$T/py"
	xz -dc "$FIX/qemu/q35-5g-v3.kdump-zlib.xz" >"$T/py/q35-5g-v3.kdump"
	py_run golden "$T/py"
	py_run errors "$T/py"
	py_run drgn "$T/py"
	rm -f "$T/py/q35-5g-v3.elf"

	xz -dc "$FIX/realkernel-7.3/handover.kdump.xz" >"$T/py/handover.kdump"
	xz -dc "$FIX/realkernel-7.3-arm64/16k/handover.kdump.xz" >"$T/py/arm64-16k-handover.kdump"
	xz -dc "$FIX/realkernel-7.3-arm64/64k/handover.kdump.xz" >"$T/py/arm64-64k-handover.kdump"
	tar -xSJf "$FIX/realkernel-7.3/khodumps-elf.tar.xz" -C "$T/py" handover.elf
	py_run realkernel "$T/py"
	rm -rf "$T/py"
fi
