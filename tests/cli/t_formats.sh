# SPDX-License-Identifier: GPL-2.0-or-later
# docs/formats.md is what the source comments cite ("docs/formats.md §2.4"):
#  - every section cited anywhere in the tree (src/, include/, tests/, tools/)
#    is a heading of docs/formats.md ("## 2." or "### 2.4 ");
#  - no comment still cites the old notes (kho-formats.md, dump-formats.md),
#    which live outside the repository;
#  - the headings are numbered in order, without gaps or repeats, so that a
#    citation keeps pointing at the same text.
# Sourced by run.sh (POSIX sh): $TESTS, ok, bad.
# KI_FORMATS_DOC=FILE checks another copy of the document (to test this test).

fmt_top="$TESTS/../.."
fmt_doc=${KI_FORMATS_DOC:-"$fmt_top/docs/formats.md"}
fmt_dirs="src include tests tools"

if [ ! -r "$fmt_doc" ]; then
	: >"$T/err"; bad "formats: docs/formats.md" "$fmt_doc is missing"
else
	# headings as section numbers: "## 2. Title" -> 2, "### 2.4 Title" -> 2.4
	sed -n 's/^##* \([0-9][0-9.]*[0-9]\)\.\{0,1\} .*/\1/p; s/^##* \([0-9]\)\. .*/\1/p' "$fmt_doc" |
		sort -u >"$T/fmt.heads"
	# every citation, with the file it is in: "docs/formats.md §8.3, §8.6",
	# "docs/formats.md §2.1-§2.4" name two sections each
	(cd "$fmt_top" && grep -rnoIE 'docs/formats\.md §[0-9]+(\.[0-9]+)*((, |-|–)§[0-9]+(\.[0-9]+)*)*' \
		$fmt_dirs 2>/dev/null) |
		awk '{ f = $0; sub(/:.*/, "", f); s = $0
		       while (match(s, /§[0-9]+(\.[0-9]+)*/)) {
			       t = substr(s, RSTART, RLENGTH); sub(/^§/, "", t); print f, t
			       s = substr(s, RSTART + RLENGTH) } }' \
		>"$T/fmt.cites"
	fmt_n=0 fmt_missing=0
	while read -r fmt_file fmt_sec; do
		fmt_n=$((fmt_n + 1))
		if ! grep -qx "$fmt_sec" "$T/fmt.heads"; then
			: >"$T/err"; bad "formats: $fmt_file" "cites docs/formats.md §$fmt_sec, which has no such heading"
			fmt_missing=$((fmt_missing + 1))
		fi
	done <"$T/fmt.cites"
	if [ "$fmt_n" -lt 20 ]; then
		: >"$T/err"; bad "formats: citations" "only $fmt_n citations of docs/formats.md found in $fmt_dirs"
	elif [ "$fmt_missing" -eq 0 ]; then
		ok "formats: $fmt_n citations all name a heading"
	fi

	# the old notes outside the repository
	fmt_old=$(cd "$fmt_top" && grep -rlIE '(kho|dump)-formats\.md' $fmt_dirs 2>/dev/null | grep -v 't_formats\.sh$')
	if [ -n "$fmt_old" ]; then
		: >"$T/err"; bad "formats: old citations" "still citing kho-formats.md or dump-formats.md: $(echo $fmt_old)"
	else
		ok "formats: no citation of the notes outside the repository"
	fi

	# chapters 1, 2, 3, ... and sections N.1, N.2, ... in order
	fmt_order=$(sed -n 's/^## \([0-9][0-9]*\)\. .*/\1/p; s/^### \([0-9][0-9]*\.[0-9][0-9]*\) .*/\1/p' "$fmt_doc" |
		awk -F. '
			NF == 1 { if ($1 != ch + 1) { print "chapter " $1 " after " ch; exit } ch = $1; sec = 0; next }
			{ if ($1 != ch || $2 != sec + 1) { print "section " $0 " in chapter " ch " after " sec; exit } sec = $2 }')
	if [ -n "$fmt_order" ]; then
		: >"$T/err"; bad "formats: numbering" "$fmt_order"
	else
		ok "formats: sections numbered in order"
	fi
fi
