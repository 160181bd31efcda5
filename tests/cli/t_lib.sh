# SPDX-License-Identifier: GPL-2.0-or-later
# libkhoinspect as a user gets it: `make install DESTDIR PREFIX=/usr`, then
# a C client (tests/lib/klist.c) built with nothing but
# `pkg-config --cflags --libs khoinspect` lists every golden image, by path
# and through its own read callback (ELF program headers or a raw image
# read with pread, the FDT found by a scan of its ranges or given), and
# tests/lib/check_blocks.py holds each listing against the image's
# truth.json. The .so exports khoinspect_* only, every function of
# khoinspect.h is exported and in libkhoinspect(3), and bad arguments are
# errors with the right code, never a crash.

lib_root=$(cd "$TESTS/../.." && pwd)
lib_b=$(dirname "$KI")
case "$lib_b" in
"$lib_root"/build|"$lib_root"/build-*) lib_ok=1 ;;
*) lib_ok=""; echo "     (lib: skipped: $KI is not in $lib_root/build*)" ;;
esac
if [ -n "$lib_ok" ]; then
	lib_d="$T/libroot"
	(cd "$lib_root" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		make -s --no-print-directory B="$lib_b" install-lib DESTDIR="$lib_d" PREFIX=/usr) \
		>"$T/out" 2>"$T/err"
	RC=$?
	expect_rc "lib: make install-lib DESTDIR PREFIX=/usr exits 0" 0
	# the sanitizer builds' library needs its runtime in the client too
	case "$lib_b" in
	*/build-san) lib_san="-fsanitize=address,undefined -fno-sanitize-recover=all" ;;
	*) lib_san="" ;;
	esac
	lib_pc() {
		PKG_CONFIG_SYSROOT_DIR="$lib_d" PKG_CONFIG_PATH="$lib_d/usr/lib/pkgconfig" \
			pkg-config "$@"
	}
	lib_cflags=$(lib_pc --cflags khoinspect) && lib_libs=$(lib_pc --libs khoinspect)
	RC=$?
	expect_rc "lib: pkg-config finds khoinspect in the installed tree" 0
	# shellcheck disable=SC2086
	cc $lib_san -o "$T/klist" "$TESTS/../lib/klist.c" $lib_cflags $lib_libs >"$T/out" 2>"$T/err"
	RC=$?
	expect_rc "lib: klist.c builds with pkg-config's flags alone" 0
	lib_run() { LD_LIBRARY_PATH="$lib_d/usr/lib" "$T/klist" "$@" >"$T/out" 2>"$T/err"; RC=$?; }
	# lib_check NAME TRUTH: the last listing against the truth
	lib_check() {
		if [ "$RC" = 0 ] && python3 "$TESTS/../lib/check_blocks.py" "$2" "$T/out" >"$T/chk" 2>&1; then
			ok "$1"
		else
			bad "$1" "exit $RC; $(head -3 "$T/chk" | tr '\n' ' ')"
		fi
	}

	G="$FIX/golden"
	for v in v1-x86_64-4k-512 v1-x86_64-4k-page v2-x86_64-4k v3-x86_64-4k v4-aarch64-64k v3-aarch64-16k; do
		truth="$G/$v.truth.json"
		ps=$(jq -r .page_size "$truth")
		fdt=$(jq -r .fdt_phys "$truth")
		if [ -e "$G/$v.elf.xz" ]; then
			img="$T/$v.elf"; base=0
			xz -dc "$G/$v.elf.xz" >"$img"
			lib_run "$img"
		else
			img="$T/$v.raw"; base=0x80000000
			xz -dc "$G/$v.raw.xz" >"$img"
			lib_run --raw "$img" $base
		fi
		lib_check "lib: $v by path = truth" "$truth"
		lib_run --reader-scan "$img" $base "$ps"
		lib_check "lib: $v through a read callback, FDT found by a scan of its ranges = truth" "$truth"
		if grep -qx 'container reader' "$T/out"; then ok "lib: $v: container reader"; else bad "lib: $v: container reader" "$(grep container "$T/out")"; fi
		lib_run --reader-fdt "$img" $base "$ps" "$fdt"
		lib_check "lib: $v through a read callback at the FDT's address = truth" "$truth"
		rm -f "$img"
	done

	# Bad arguments and bad readers: the codes of khoinspect.h
	# (1 OS, 4 NODATA, 7 USAGE), the FDT page the reader refuses named.
	xz -dc "$G/v3-x86_64-4k.elf.xz" >"$T/v3.elf"
	lib_run --errors "$T/v3.elf" 0x100608000 4096
	expect_rc "lib: error cases run to the end (no crash)" 0
	cat >"$T/lib.want" <<-'EOW'
	missing-file 1
	null-path 7
	null-ret 7
	bad-format 7
	small-size 7
	null-reader 7
	reader-no-read 7
	reader-no-fdt-no-ranges 7
	reader-bad-page-size 7
	reader-fdt-nodata 4 phys 0x100608000
	reader-ok 0
	ranges-null-fn 7
	ranges-bad-order 7
	ranges-bad-flags 7
	ranges-stopped 0
	stopped 7
	verify-null-ret 7
	verify 0
	verify-result 0
	ranges-null-h 7
	verify-null-h 7
	findings-null-h 7
	null-accessors 1 1 1 1
	version 0.1.0
	EOW
	expect_same "lib: error codes and addresses as khoinspect.h says" "$T/lib.want" "$T/out"

	# verify, and verify --against a manifest (made by khoinspect
	# snapshot): the same image passes where both hold it, and is
	# incomplete where the sparse image lacks blocks; one byte changed
	# in the order-0 block at 0x10002c000 (file offset 0x801000 + 0x2c000
	# by the image's second PT_LOAD) fails, naming that block.
	lib_run --verify "$T/v3.elf"
	printf 'has_map 1\nresult 0\n' >"$T/lib.want"
	expect_same "lib: khoinspect_verify passes the golden image" "$T/lib.want" "$T/out"
	# a debugfs copy without memory: no map, so not a pass unless FDT_ONLY
	lib_run --verify "$G/debugfs/v3-x86_64-4k"
	printf 'has_map 0\nresult 2\n' >"$T/lib.want"
	expect_same "lib: khoinspect_verify without memory: incomplete" "$T/lib.want" "$T/out"
	lib_run --verify-fdt "$G/debugfs/v3-x86_64-4k"
	printf 'has_map 0\nresult 0\n' >"$T/lib.want"
	expect_same "lib: khoinspect_verify without memory, FDT_ONLY: pass" "$T/lib.want" "$T/out"
	lib_run "$G/debugfs/v3-x86_64-4k"
	expect_rc "lib: ranges without a map: an error, exit 2" 2
	expect_grep "lib: ranges without a map: says there is no map" "$T/err" 'no preserved-memory map'
	lib_run --mem "$T/v3.elf" "$G/debugfs/v3-x86_64-4k"
	lib_check "lib: the debugfs copy with its memory (mem option) = truth" "$G/v3-x86_64-4k.truth.json"
	expect_grep "lib: the debugfs copy: container debugfs" "$T/out" '^container debugfs$'
	lib_run --verify "$G/debugfs/v3-x86_64-4k/nonexistent"
	expect_rc "lib: a path that is not there: exit 2" 2
	ki snapshot "$T/v3.elf" -o "$T/v3.manifest"
	lib_run --against-present "$T/v3.manifest" "$T/v3.elf"
	printf 'result 0\n' >"$T/lib.want"
	expect_same "lib: verify_against PRESENT_ONLY: the same image passes" "$T/lib.want" "$T/out"
	lib_run --against "$T/v3.manifest" "$T/v3.elf"
	printf 'result 2\n' >"$T/lib.want"
	expect_same "lib: verify_against: blocks the image lacks make it incomplete" "$T/lib.want" "$T/out"
	cp "$T/v3.elf" "$T/v3b.elf"
	printf 'Z' | dd of="$T/v3b.elf" bs=1 seek=$((0x82d100)) conv=notrunc 2>/dev/null
	lib_run --against-present "$T/v3.manifest" "$T/v3b.elf"
	printf 'result 1\nfinding range-changed 2 0x10002c000\n' >"$T/lib.want"
	expect_same "lib: verify_against: a changed byte fails, naming its block" "$T/lib.want" "$T/out"
	# snapshot through the library: the sparse image lacks blocks, so the
	# manifest is written and the call says INCOMPLETE (9); against it the
	# same image passes where both hold it and the changed one fails.
	lib_run --snapshot "$T/v3.elf" "$T/v3.api.manifest"
	printf 'snapshot 9\n' >"$T/lib.want"
	expect_same "lib: khoinspect_snapshot of a sparse image: written, incomplete" "$T/lib.want" "$T/out"
	lib_run --against-present "$T/v3.api.manifest" "$T/v3.elf"
	printf 'result 0\n' >"$T/lib.want"
	expect_same "lib: verify_against the library's own manifest: the image passes" "$T/lib.want" "$T/out"
	lib_run --against-present "$T/v3.api.manifest" "$T/v3b.elf"
	printf 'result 1\nfinding range-changed 2 0x10002c000\n' >"$T/lib.want"
	expect_same "lib: verify_against the library's own manifest: the change fails" "$T/lib.want" "$T/out"
	# diff (PRESENT_ONLY = 2): the one changed block, between two dumps, a
	# manifest and a dump, and two open hand-overs
	printf '! 0x10002c000 0x10002d000 0 1\nresult 1\n' >"$T/lib.want"
	lib_run --diff "$T/v3.elf" "$T/v3b.elf" 2
	expect_same "lib: khoinspect_diff of two dumps: the changed block" "$T/lib.want" "$T/out"
	lib_run --diff "$T/v3.api.manifest" "$T/v3b.elf" 2
	expect_same "lib: khoinspect_diff of a manifest and a dump: the changed block" "$T/lib.want" "$T/out"
	lib_run --diff-handovers "$T/v3.elf" "$T/v3b.elf" 2
	expect_same "lib: khoinspect_diff_handovers: the changed block" "$T/lib.want" "$T/out"
	lib_run --diff "$T/v3.elf" "$T/v3.elf" 2
	printf 'result 0\n' >"$T/lib.want"
	expect_same "lib: khoinspect_diff of an image with itself: the same" "$T/lib.want" "$T/out"
	# v2 against v3 (NO_HASH = 1): '-' and '+' are exactly the blocks only
	# one truth has
	xz -dc "$G/v2-x86_64-4k.elf.xz" >"$T/v2.elf"
	lib_run --diff "$T/v2.elf" "$T/v3.elf" 1
	if [ "$RC" = 0 ] && python3 "$TESTS/../lib/check_blocks.py" --diff "$G/v2-x86_64-4k.truth.json" \
		"$G/v3-x86_64-4k.truth.json" "$T/out" >"$T/chk" 2>&1; then
		ok "lib: khoinspect_diff v2 v3: exactly the blocks one truth has and the other lacks"
	else
		bad "lib: khoinspect_diff v2 v3: exactly the blocks one truth has and the other lacks" \
			"exit $RC; $(head -3 "$T/chk" | tr '\n' ' ')"
	fi
	lib_run --diff "$T/v3.elf" "$T/nonexistent" 0
	expect_rc "lib: khoinspect_diff with a missing side: exit 2" 2
	rm -f "$T/v3b.elf" "$T/v3.manifest" "$T/v3.api.manifest" "$T/v2.elf"

	# The static library links too (pkg-config --static for its needs).
	# shellcheck disable=SC2086
	cc $lib_san -o "$T/klist-static" "$TESTS/../lib/klist.c" $lib_cflags "$lib_d/usr/lib/libkhoinspect.a" \
		$(lib_pc --static --libs khoinspect | sed 's/-lkhoinspect//') >"$T/out" 2>"$T/err"
	RC=$?
	expect_rc "lib: klist.c links libkhoinspect.a" 0
	"$T/klist-static" "$T/v3.elf" >"$T/out" 2>"$T/err"
	RC=$?
	lib_check "lib: v3-x86_64-4k with the static library = truth" "$G/v3-x86_64-4k.truth.json"
	rm -f "$T/v3.elf" "$T/klist-static"

	# Exports: khoinspect_* and the version node only; every function of
	# the header exported and named in libkhoinspect(3).
	lib_so="$lib_d/usr/lib/libkhoinspect.so.0.1.0"
	nm -D --defined-only "$lib_so" | awk '{sub(/@.*/, "", $NF); print $NF}' | LC_ALL=C sort >"$T/lib.syms"
	lib_extra=$(grep -v -e '^khoinspect_' -e '^KHOINSPECT_0$' "$T/lib.syms" | head -5 | tr '\n' ' ')
	if [ -s "$T/lib.syms" ] && [ -z "$lib_extra" ]; then ok "lib: nm -D shows only khoinspect_* names"; else
		: >"$T/err"; bad "lib: nm -D shows only khoinspect_* names" "also: $lib_extra"; fi
	sed -n 's/.*[ *]\(khoinspect_[a-z_]*\)(.*/\1/p' "$lib_root/include/khoinspect.h" | LC_ALL=C sort -u >"$T/lib.decl"
	grep '^khoinspect_' "$T/lib.syms" >"$T/lib.exp"
	expect_same "lib: every function of khoinspect.h is exported, nothing else" "$T/lib.decl" "$T/lib.exp"
	lib_undoc=$(while read -r f; do grep -q "$f" "$lib_root/man/libkhoinspect.3" || echo "$f"; done <"$T/lib.decl" | tr '\n' ' ')
	if [ -z "$lib_undoc" ]; then ok "lib: libkhoinspect(3) names every function"; else
		: >"$T/err"; bad "lib: libkhoinspect(3) names every function" "missing: $lib_undoc"; fi
	if readelf -d "$lib_so" | grep -q 'SONAME.*\[libkhoinspect\.so\.0\]'; then ok "lib: soname libkhoinspect.so.0"; else
		: >"$T/err"; bad "lib: soname libkhoinspect.so.0" "$(readelf -d "$lib_so" | grep SONAME)"; fi
	rm -rf "$lib_d" "$T/klist"
fi
