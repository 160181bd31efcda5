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
. "$TESTS/lib.sh"
for t in "$TESTS"/t_*.sh; do
	[ -n "${KI_TEST_ONLY:-}" ] && case "$t" in *"$KI_TEST_ONLY"*) ;; *) continue ;; esac
	echo "== $(basename "$t")"
	. "$t"
done
echo "cli: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
