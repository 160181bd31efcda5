#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Run the CLI tests: sh tests/cli/run.sh KHOINSPECT KHOGEN
# Ends with "N passed, N failed"; exit status 1 when anything failed.
set -u
KI=$(realpath "$1")
GEN=$(realpath "$2")
TESTS=$(cd "$(dirname "$0")" && pwd)
FIX="$TESTS/../fixtures"
T=$(mktemp -d "${TMPDIR:-/tmp}/khoinspect-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
# Sanitizer builds: any report is fatal and visible (leaks included).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:exitcode=99}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:exitcode=99}"
# Every JSON document the tests make (ki in lib.sh) is validated against
# its command's schema (schema/) at the end, in one python3 process;
# KI_VALIDATE_JSON=0 turns that off.
KI_JSON_SPOOL=""
if [ "${KI_VALIDATE_JSON:-1}" != 0 ]; then
	KI_JSON_SPOOL="$T/json-spool"
	mkdir "$KI_JSON_SPOOL"
fi
. "$TESTS/lib.sh"
for t in "$TESTS"/t_*.sh; do
	[ -n "${KI_TEST_ONLY:-}" ] && case "$t" in *"$KI_TEST_ONLY"*) ;; *) continue ;; esac
	ki_test=$(basename "$t" .sh)
	echo "== $ki_test.sh"
	. "$t"
done
if [ -n "$KI_JSON_SPOOL" ]; then
	echo "== JSON documents against schema/"
	# jsonschema is Debian's python3-jsonschema: the system python3
	if /usr/bin/python3 "$TESTS/validate_json.py" "$TESTS/../../schema" --spool "$KI_JSON_SPOOL" >"$T/schema.out" 2>&1; then
		ok "every JSON document validates against its schema"
	else
		bad "JSON documents against schema/" "see the FAIL schema lines"
	fi
	cat "$T/schema.out"
fi
echo "cli: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
