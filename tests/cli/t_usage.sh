# SPDX-License-Identifier: GPL-2.0-or-later
# Command line conventions: exit codes, help, version, usage errors.

ki --version
expect_rc "--version exits 0" 0
expect_grep "--version prints the version" "$T/out" '^khoinspect [0-9]+\.[0-9]+'
ki -V
expect_rc "-V exits 0" 0
ki --help
expect_rc "--help exits 0" 0
expect_grep "--help lists list" "$T/out" '^  list '
ki list --help
expect_rc "list --help exits 0" 0
cp "$T/out" "$T/list-help"
ki help list
expect_rc "help list exits 0" 0
expect_same "help list = list --help" "$T/list-help" "$T/out"
ki
expect_rc "no command exits 2" 2
ki frobnicate x
expect_rc "unknown command exits 2" 2
expect_grep "unknown command named" "$T/err" 'no command "frobnicate"'
ki lis x
expect_rc "no prefix matching" 2
ki --bogus list x
expect_rc "unknown global option exits 2" 2
ki list --bogus x
expect_rc "unknown list option exits 2" 2
ki list
expect_rc "list without input exits 2" 2
ki list a b
expect_rc "list with two inputs exits 2" 2
ki list --page-size 8192 x
expect_rc "bad --page-size exits 2" 2
expect_grep "bad --page-size explained" "$T/err" '4096, 16384 or 65536'
ki list --base zz x
expect_rc "bad --base exits 2" 2
ki list --order 64 x
expect_rc "bad --order exits 2" 2
ki list --blocks --summary x
expect_rc "--blocks with --summary exits 2" 2
ki help nosuch
expect_rc "help of unknown command exits 2" 2
# addresses: 0x… is hex, anything else decimal (not octal)
head -c 8192 /dev/zero >"$T/zeros"
ki -j list --base 010 "$T/zeros"
expect_jq "--base 010 is decimal ten (scan from 0x1000 to 0x200a)" '.errors[0].message | test("scanned 0x100a bytes")'
