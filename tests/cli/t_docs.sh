# SPDX-License-Identifier: GPL-2.0-or-later
# The man page is a tested artefact (STYLE.md §18), checked the way bpftool's
# test_bpftool_synctypes.py checks its docs against its sources:
#  - groff -man -ww -z prints nothing (it always exits 0: stderr is the lint);
#  - every command of `khoinspect --help` has a SYNOPSIS line and a COMMANDS
#    entry, and every COMMANDS entry is a real command;
#  - every option of `khoinspect --help` is under GLOBAL OPTIONS and every
#    option of `khoinspect CMD --help` under "CMD OPTIONS" (long and short);
#    every option tagged in those sections is one the --help text prints;
#  - every --option named anywhere in a --help text is in the man page, and
#    every --option named anywhere in the man page is in some --help text;
#  - the .TH version is the binary's;
#  - every JSON member the commands emit is named in JSON OUTPUT (manifest
#    members in MANIFEST FORMAT).
# Sourced by run.sh (POSIX sh): $KI, $T, $TESTS, $FIX, ki, ok, bad.
# KI_DOCS_MAN=FILE checks another copy of the page (to test this test).

docs_man=${KI_DOCS_MAN:-"$TESTS/../../man/khoinspect.1"}

# bad() also prints $T/err: keep it to what belongs to the failure.
docs_bad() { : >"$T/err"; bad "$1" "$2"; }

# Long option names (without dashes) of the option lines of a --help text:
# "  -j, --json ..." or "      --format FMT ...".
docs_help_longs() {
	sed -n 's/^  *\(-[A-Za-z0-9], \)\{0,1\}--\([a-z0-9][a-z0-9-]*\).*/\2/p' "$1" | sort -u
}
# Short options ("-j") of the option lines of a --help text.
docs_help_shorts() {
	sed -n 's/^  *\(-[A-Za-z0-9]\)[, ].*/\1/p' "$1" | sort -u
}
# Every --name anywhere in a file, without dashes.
docs_all_longs() {
	grep -o -- '--[a-z0-9][a-z0-9-]*' "$1" | sed 's/^--//' | sort -u
}
# Lines of the normalised page under ".SH NAME" (quotes optional), up to the
# next .SH.
docs_section() {
	awk -v want="$1" '
		/^\.SH/ { t = $0; sub(/^\.SH[ \t]*/, "", t); gsub(/"/, "", t); on = (t == want); next }
		on { print }' "$T/docs.man"
}
# The tag lines (the line after each .TP) of standard input.
docs_tags() {
	awk 'prev ~ /^\.TP/ { print } { prev = $0 }'
}
# Does FILE name the option OPT (-x or --name) as a whole word?
docs_has_opt() {
	grep -qE -- "(^|[^A-Za-z0-9-])$2([^A-Za-z0-9-]|\$)" "$1"
}

if [ ! -r "$docs_man" ]; then
	docs_bad "docs: man page is readable" "no $docs_man"
else
	ok "docs: man page is readable"

	# 1. groff lint: silent.
	groff -man -ww -z "$docs_man" >/dev/null 2>"$T/docs.groff"
	if [ -s "$T/docs.groff" ]; then
		cp "$T/docs.groff" "$T/err"
		bad "docs: groff -man -ww -z prints nothing" "$(wc -l <"$T/docs.groff") line(s) on stderr"
	else
		ok "docs: groff -man -ww -z prints nothing"
	fi

	# The page as plain text: comments dropped, \- is "-", font changes and
	# \& dropped.
	sed -e '/^\.\\"/d' -e 's/\\".*//' -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\&//g' \
		"$docs_man" >"$T/docs.man"

	# 2. Version.
	ki --version
	# "khoinspect 0.1.0", without the "(git …)" a git build adds
	docs_ver=$(awk '{ print $1, $2; exit }' "$T/out")
	if grep '^\.TH' "$T/docs.man" | grep -qF "\"$docs_ver\""; then
		ok "docs: .TH names \"$docs_ver\""
	else
		docs_bad "docs: .TH names \"$docs_ver\"" "$(grep '^\.TH' "$T/docs.man")"
	fi

	# 3. Commands.
	ki --help
	cp "$T/out" "$T/docs.help.GLOBAL"
	sed -n '/^Commands:/,/^$/p' "$T/docs.help.GLOBAL" | awk 'NR > 1 && NF { print $1 }' >"$T/docs.cmds"
	if [ -s "$T/docs.cmds" ]; then ok "docs: --help lists commands"; else docs_bad "docs: --help lists commands" "no Commands: block"; fi
	docs_section SYNOPSIS >"$T/docs.synopsis"
	docs_section COMMANDS | docs_tags | awk '{ print $1 }' | sort -u >"$T/docs.mancmds"
	for docs_c in $(cat "$T/docs.cmds"); do
		if grep -qx "\.B $docs_c" "$T/docs.synopsis"; then
			ok "docs: SYNOPSIS has $docs_c"
		else
			docs_bad "docs: SYNOPSIS has $docs_c" "no \".B $docs_c\" line under SYNOPSIS"
		fi
		if grep -qx -- "$docs_c" "$T/docs.mancmds"; then
			ok "docs: COMMANDS has $docs_c"
		else
			docs_bad "docs: COMMANDS has $docs_c" "no .TP entry \"$docs_c ...\" under COMMANDS"
		fi
	done
	for docs_c in $(cat "$T/docs.mancmds"); do
		if grep -qx -- "$docs_c" "$T/docs.cmds"; then
			ok "docs: man command $docs_c is in --help"
		else
			docs_bad "docs: man command $docs_c is in --help" "COMMANDS documents \"$docs_c\", --help does not list it"
		fi
	done

	# 4. Options, per section: GLOBAL OPTIONS <-> --help, CMD OPTIONS <-> CMD --help.
	echo GLOBAL >"$T/docs.sections"
	for docs_c in $(cat "$T/docs.cmds"); do
		ki "$docs_c" --help
		if [ "$RC" = 0 ] && [ -s "$T/out" ]; then
			ok "docs: $docs_c --help prints its help"
		else
			bad "docs: $docs_c --help prints its help" "exit status $RC"
			continue
		fi
		cp "$T/out" "$T/docs.help.$docs_c"
		ki help "$docs_c"
		if [ "$RC" = 0 ] && cmp -s "$T/out" "$T/docs.help.$docs_c"; then
			ok "docs: help $docs_c = $docs_c --help"
		else
			bad "docs: help $docs_c = $docs_c --help" "exit status $RC, or another text"
		fi
		# help has no options of its own to document.
		[ "$docs_c" = help ] || echo "$docs_c" >>"$T/docs.sections"
	done
	for docs_s in $(cat "$T/docs.sections"); do
		docs_h="$T/docs.help.$docs_s"
		docs_sec="$(printf '%s' "$docs_s" | tr '[:lower:]' '[:upper:]') OPTIONS"
		docs_section "$docs_sec" >"$T/docs.sec"
		if [ ! -s "$T/docs.sec" ]; then
			docs_bad "docs: man page has $docs_sec" "no .SH \"$docs_sec\" section"
			continue
		fi
		for docs_o in $(docs_help_longs "$docs_h"); do
			if docs_has_opt "$T/docs.sec" "--$docs_o"; then
				ok "docs: $docs_sec has --$docs_o"
			else
				docs_bad "docs: $docs_sec has --$docs_o" "$docs_s --help prints --$docs_o, the man page's $docs_sec does not"
			fi
		done
		for docs_o in $(docs_help_shorts "$docs_h"); do
			if docs_has_opt "$T/docs.sec" "$docs_o"; then
				ok "docs: $docs_sec has $docs_o"
			else
				docs_bad "docs: $docs_sec has $docs_o" "$docs_s --help prints $docs_o, the man page's $docs_sec does not"
			fi
		done
		docs_help_longs "$docs_h" >"$T/docs.hl"
		docs_help_shorts "$docs_h" >"$T/docs.hs"
		docs_tags <"$T/docs.sec" >"$T/docs.tags"
		for docs_o in $(docs_all_longs "$T/docs.tags"); do
			if grep -qx -- "$docs_o" "$T/docs.hl"; then
				ok "docs: $docs_sec option --$docs_o is in --help"
			else
				docs_bad "docs: $docs_sec option --$docs_o is in --help" "the man page documents --$docs_o under $docs_sec, $docs_s --help does not print it"
			fi
		done
		for docs_o in $(sed 's/--[a-z0-9][a-z0-9-]*//g' "$T/docs.tags" |
			   grep -oE -- '(^|[^A-Za-z0-9-])-[A-Za-z0-9]([^A-Za-z0-9-]|$)' |
			   sed 's/^[^-]*//' | cut -c1-2 | sort -u); do
			if grep -qx -- "$docs_o" "$T/docs.hs"; then
				ok "docs: $docs_sec option $docs_o is in --help"
			else
				docs_bad "docs: $docs_sec option $docs_o is in --help" "the man page documents $docs_o under $docs_sec, $docs_s --help does not print it"
			fi
		done
	done

	# 5. Any --option named anywhere, both ways.
	cat "$T"/docs.help.* >"$T/docs.allhelp"
	docs_all_longs "$T/docs.allhelp" >"$T/docs.helpopts"
	docs_all_longs "$T/docs.man" >"$T/docs.manopts"
	for docs_o in $(cat "$T/docs.helpopts"); do
		if grep -qx -- "$docs_o" "$T/docs.manopts"; then
			ok "docs: man page names --$docs_o"
		else
			docs_bad "docs: man page names --$docs_o" "a --help text names --$docs_o, the man page never does"
		fi
	done
	for docs_o in $(cat "$T/docs.manopts"); do
		if grep -qx -- "$docs_o" "$T/docs.helpopts"; then
			ok "docs: --help names --$docs_o"
		else
			docs_bad "docs: --help names --$docs_o" "the man page names --$docs_o, no --help text does"
		fi
	done

	# 6. JSON members: every key a command emits is named in the man page.
	docs_section "JSON OUTPUT" >"$T/docs.json.sec"
	docs_section "MANIFEST FORMAT" >"$T/docs.manifest.sec"
	# docs_keys NAME FILE TITLE: every key of the JSON document in $T/out is
	# named in FILE, the man page's section TITLE.
	docs_keys() {
		if ! jq -e . "$T/out" >/dev/null 2>&1; then
			docs_bad "docs: $1 gives JSON" "stdout is not one JSON document"
			return 0
		fi
		for docs_k in $(jq -r '[paths | .[] | strings] | unique | .[]' "$T/out"); do
			if grep -qw -- "$docs_k" "$2"; then
				ok "docs: $1: member $docs_k documented"
			else
				docs_bad "docs: $1: member $docs_k documented" "\"$docs_k\" is emitted, the man page's $3 never names it"
			fi
		done
	}
	docs_v3="$T/docs-v3.elf"
	docs_v1="$T/docs-v1.elf"
	if xz -dc "$FIX/golden/v3-x86_64-4k.elf.xz" >"$docs_v3" 2>/dev/null &&
	   xz -dc "$FIX/golden/v1-x86_64-4k-page.elf.xz" >"$docs_v1" 2>/dev/null; then
		ki -j list "$docs_v3";                          docs_keys "list -j" "$T/docs.json.sec" "JSON OUTPUT"
		ki -j list --blocks --order 9 "$docs_v3";       docs_keys "list -j --blocks" "$T/docs.json.sec" "JSON OUTPUT"
		ki -j list --summary "$docs_v1";                docs_keys "list -j (kho-v1)" "$T/docs.json.sec" "JSON OUTPUT"
		ki -j list "$FIX/golden/debugfs/v3-x86_64-4k";  docs_keys "list -j (debugfs)" "$T/docs.json.sec" "JSON OUTPUT"
		ki -j list "$T/docs-no-such-input";             docs_keys "list -j (error)" "$T/docs.json.sec" "JSON OUTPUT"
		ki -j verify "$docs_v3";                        docs_keys "verify -j" "$T/docs.json.sec" "JSON OUTPUT"
		ki -j locate "$docs_v3";                        docs_keys "locate -j" "$T/docs.json.sec" "JSON OUTPUT"
		ki -j lookup --scratch 0x400000:0x400000 "$docs_v3" 0x128000 0x500000
		docs_keys "lookup -j" "$T/docs.json.sec" "JSON OUTPUT"
		ki -j diff "$docs_v3" "$docs_v1";               docs_keys "diff -j" "$T/docs.json.sec" "JSON OUTPUT"
		ki snapshot "$docs_v3";                         docs_keys "snapshot" "$T/docs.manifest.sec" "MANIFEST FORMAT"
		cp "$T/out" "$T/docs-manifest.json"
		ki -j verify --against "$T/docs-manifest.json" "$docs_v3"
		docs_keys "verify -j --against" "$T/docs.json.sec" "JSON OUTPUT"
	else
		docs_bad "docs: golden images for the JSON checks" "cannot xz -dc $FIX/golden/*.xz"
	fi
	rm -f "$docs_v3" "$docs_v1" "$T/docs-manifest.json"
fi
