#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Write khoinspect's shell completion from the binary itself:
#   sh tools/completion.sh bash|zsh|table KHOINSPECT >FILE
#
# Nothing here names a command or an option. They come from the built
# binary, so the scripts cannot drift from it (or from the man page, which
# tests/cli/t_docs.sh holds to the same texts):
#  - the commands and their summaries: the "Commands:" block of --help;
#  - the options of each command (and the global ones): the option lines of
#    `khoinspect CMD --help` ("  -o, --output FILE  text", "      --blocks
#    text", "      --color=WHEN text"); an option takes an argument when an
#    upper-case metavariable follows its name; a command's "Also here: the
#    global options …" line adds those global ones to it;
#  - the values of an option whose argument is one of a list: its usage
#    error, asked with a value no option accepts. The commands word them
#    "--OPT takes A, B or C, not "X"" (cmd_input.c, khoinspect.c); a list
#    of single words is a value list, anything else ("a number of levels
#    from 2 to 8") a free argument;
#  - FILE and MANIFEST arguments complete file names; the INPUT, A and B of
#    a usage line complete file names and "live"; help completes commands.
# `table` prints the intermediate table (tab-separated) the two scripts are
# written from:
#   C  CMD  SUMMARY
#   O  CMD  LONG  SHORT  META  KIND  VALUES  DESCRIPTION   (CMD "-": global)
#   P  CMD  KIND                                           (positionals)
# KIND of an option: none, file, values, free; of positionals: input,
# command, none. The probes run with no input, in an empty directory:
# usage errors stop them before anything is opened or written.
set -eu
LC_ALL=C
export LC_ALL

usage() { echo "usage: sh tools/completion.sh bash|zsh|table KHOINSPECT" >&2; exit 2; }
[ $# -eq 2 ] || usage
mode=$1
case "$mode" in bash|zsh|table) ;; *) usage ;; esac
case "$2" in /*) KI=$2 ;; *) KI=$(pwd)/$2 ;; esac
[ -x "$KI" ] || { echo "completion.sh: $KI: not an executable" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/khoinspect-completion.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir "$tmp/cwd"
# A sanitizer build may be the binary: its reports are not usage errors.
ASAN_OPTIONS=detect_leaks=0
export ASAN_OPTIONS
TAB=$(printf '\t')
US=$(printf '\037')  # a field separator read(1) does not merge

ki() { (cd "$tmp/cwd" && "$KI" "$@" </dev/null); }

# Option lines of a --help text: LONG US SHORT US META US DESCRIPTION.
# An option line is indented by at most 6 spaces; the deeper-indented lines
# after it continue its description.
help_options() {
	awk -v tab="$US" '
	function flush() { if (have) print long tab short tab meta tab desc; have = 0 }
	{ match($0, /^ */); indent = RLENGTH }
	/^ +-/ && indent <= 6 {
		flush()
		s = $0; sub(/^ +/, "", s)
		short = ""; long = ""; meta = ""
		if (s ~ /^-[A-Za-z0-9]([, ]|$)/) {
			short = substr(s, 1, 2); s = substr(s, 3)
			if (s ~ /^, /) s = substr(s, 3)
		}
		if (s ~ /^--[a-z0-9]/) {
			match(s, /^--[a-z0-9][a-z0-9-]*/)
			long = substr(s, 1, RLENGTH); s = substr(s, RLENGTH + 1)
		}
		if (short == "" && long == "") next
		if (s ~ /^[= ][A-Z]/) {
			t = substr(s, 2); match(t, /^[^ ]+/)
			tok = substr(t, 1, RLENGTH)
			if (tok !~ /[a-z]/) { meta = tok; s = substr(t, RLENGTH + 1) }
		}
		sub(/^ +/, "", s); desc = s; have = 1
		next
	}
	have && indent > 6 && NF {
		s = $0; sub(/^ +/, "", s); desc = desc (desc == "" ? "" : " ") s
		next
	}
	{ flush() }
	END { flush() }'
}

# The value list of OPTION of CMD ("-": global) from its usage error, one
# line of space-separated words, or nothing.
probe_values() {
	if [ "$1" = - ]; then
		ki "$2=@@" >/dev/null 2>"$tmp/probe" || :
	else
		ki "$1" "$2=@@" >/dev/null 2>"$tmp/probe" || :
	fi
	grep -F -- "$2 takes " "$tmp/probe" | grep -F 'not "@@"' | head -n 1 |
		sed 's/.* takes \(.*\), not "@@".*/\1/' |
		awk '{
			n = split($0, w, /, | or /); out = ""
			for (i = 1; i <= n; i++) {
				if (w[i] !~ /^[A-Za-z0-9._+\/-]+$/) exit
				out = out (i > 1 ? " " : "") w[i]
			}
			if (n > 0) print out
		}'
}

# The table.
ki --help >"$tmp/help.-"
sed -n '/^Commands:/,/^$/p' "$tmp/help.-" |
	awk -v tab="$TAB" 'NR > 1 && NF { n = $1; $1 = ""; sub(/^ +/, ""); print "C" tab n tab $0 }' \
	>"$tmp/table"
cmds=$(awk -F "$TAB" '{ print $2 }' "$tmp/table")
[ -n "$cmds" ] || { echo "completion.sh: no Commands: block in \`$KI --help\`" >&2; exit 2; }
for c in - $cmds; do
	if [ "$c" != - ]; then
		ki "$c" --help >"$tmp/help.$c" || {
			echo "completion.sh: \`khoinspect $c --help\` failed" >&2; exit 2; }
		# Positionals: the usage line after the command's name.
		use=$(sed -n "s/^Usage: khoinspect\(.*[] ]\)\{0,1\} $c //p" "$tmp/help.$c" | head -n 1 |
			sed -e 's/\[-[^]]*\]//g' -e 's/\[OPTIONS\]//g')
		case "$use" in
		*COMMAND*) kind=command ;;
		*[A-Z]*) kind=input ;;
		*) kind=none ;;
		esac
		printf 'P\t%s\t%s\n' "$c" "$kind" >>"$tmp/table"
	fi
	help_options <"$tmp/help.$c" >"$tmp/opts"
	while IFS="$US" read -r long short meta desc; do
		values=""
		if [ -z "$meta" ]; then
			kind=none
		else
			case "$meta" in
			*FILE*|*MANIFEST*) kind=file ;;
			*)
				values=$(probe_values "$c" "${long:-$short}")
				if [ -n "$values" ]; then kind=values; else kind=free; fi
				;;
			esac
		fi
		printf 'O\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$long" "$short" "$meta" "$kind" "$values" "$desc" \
			>>"$tmp/table"
	done <"$tmp/opts"
done
# A command's --help may add global options it takes too: "Also here: the
# global options -q, -v and --color (khoinspect --help)." Each named one
# gets the global row, under the command.
for c in $cmds; do
	sed -n 's/^Also here: the global options \(.*\) (khoinspect --help)\.$/\1/p' "$tmp/help.$c" |
		sed 's/, / /g; s/ and / /g' | tr ' ' '\n' | sed '/^$/d; s/=.*//' >"$tmp/here.$c"
	[ -s "$tmp/here.$c" ] || continue
	awk -F "$TAB" -v OFS="$TAB" -v c="$c" 'NR == FNR { want[$0] = 1; next }
		$1 == "O" && $2 == "-" && (($3 in want) || ($4 != "" && ($4 in want))) { $2 = c; print }' \
		"$tmp/here.$c" "$tmp/table" >>"$tmp/table.here"
done
[ -f "$tmp/table.here" ] && cat "$tmp/table.here" >>"$tmp/table"
version=$(ki --version | awk '{ print $1, $2; exit }')

case "$mode" in
table)
	cat "$tmp/table"
	;;
bash)
	awk -F "$TAB" -v version="$version" '
	function q(s) { gsub(/\047/, "\047\\\047\047", s); return "\047" s "\047" }
	$1 == "C" { cmds = cmds (cmds == "" ? "" : " ") $2; order[++nc] = $2 }
	$1 == "P" { pos[$2] = $3 }
	$1 == "O" {
		c = ($2 == "-") ? "" : $2
		if ($3 != "") opts[c] = opts[c] (opts[c] == "" ? "" : " ") $3
		if ($4 != "") opts[c] = opts[c] (opts[c] == "" ? "" : " ") $4
		if ($6 == "none") next
		a = ($6 == "values") ? "=" $7 : ($6 == "file") ? "<" : "."
		if ($3 != "") arg[++na] = q(c " " $3) ") REPLY=" q(a) " ;;"
		if ($4 != "") arg[++na] = q(c " " $4) ") REPLY=" q(a) " ;;"
	}
	END {
		print "# bash completion for khoinspect                          -*- shell-script -*-"
		print "# SPDX-License-Identifier: GPL-2.0-or-later"
		print "# Written by tools/completion.sh from the --help texts and usage errors of"
		print "# " version ". Do not edit: change the command table and rebuild."
		print ""
		print "_khoinspect_commands=" q(cmds)
		print ""
		print "# _khoinspect_options CMD: the options of CMD (\"\": the global ones)."
		print "_khoinspect_options()"
		print "{"
		print "    case $1 in"
		print "    \047\047) REPLY=" q(opts[""]) " ;;"
		for (i = 1; i <= nc; i++) print "    " order[i] ") REPLY=" q(opts[order[i]]) " ;;"
		print "    *) REPLY=\047\047 ;;"
		print "    esac"
		print "}"
		print ""
		print "# _khoinspect_arg CMD OPTION: what the argument of OPTION is: \"=\" and its"
		print "# values, \"<\" a file, \".\" anything; \"\" when OPTION takes no argument."
		print "_khoinspect_arg()"
		print "{"
		print "    case \"$1 $2\" in"
		for (i = 1; i <= na; i++) print "    " arg[i]
		print "    *) REPLY=\047\047 ;;"
		print "    esac"
		print "}"
		print ""
		print "# _khoinspect_positional CMD: input (files and live), command, or none."
		print "_khoinspect_positional()"
		print "{"
		print "    case $1 in"
		for (i = 1; i <= nc; i++) print "    " order[i] ") REPLY=" pos[order[i]] " ;;"
		print "    *) REPLY=none ;;"
		print "    esac"
		print "}"
	}' "$tmp/table"
	cat <<'EOF'

_khoinspect()
{
    local cur prev words cword split=false
    if declare -F _init_completion >/dev/null; then
        _init_completion -s || return
    else
        # Without bash-completion: no --opt=value splitting.
        words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
        cur=${words[cword]} prev=${words[cword - 1]}
    fi

    # The command is the first word that is not an option or an option's
    # argument; count the positionals after it.
    local i w cmd='' npos=0 REPLY
    for ((i = 1; i < cword; i++)); do
        w=${words[i]}
        if [[ $w == -?* ]]; then
            _khoinspect_arg "$cmd" "${w%%=*}"
            [[ -z $cmd && -z $REPLY ]] && _khoinspect_arg '' "${w%%=*}"
            [[ -n $REPLY && $w != *=* ]] && ((i++))
        elif [[ -z $cmd ]]; then
            cmd=$w
        else
            ((npos++))
        fi
    done

    # The argument of an option.
    if [[ $prev == -?* ]]; then
        _khoinspect_arg "$cmd" "$prev"
        case $REPLY in
        =*) COMPREPLY=($(compgen -W "${REPLY#=}" -- "$cur")); return ;;
        '<')
            if declare -F _filedir >/dev/null; then _filedir; else COMPREPLY=($(compgen -f -- "$cur")); fi
            return ;;
        .) return ;;
        esac
    fi
    [[ $split == true ]] && return

    if [[ $cur == -* ]]; then
        _khoinspect_options "$cmd"
        COMPREPLY=($(compgen -W "$REPLY" -- "$cur"))
        return
    fi
    if [[ -z $cmd ]]; then
        COMPREPLY=($(compgen -W "$_khoinspect_commands" -- "$cur"))
        return
    fi
    _khoinspect_positional "$cmd"
    case $REPLY in
    command)
        ((npos == 0)) && COMPREPLY=($(compgen -W "$_khoinspect_commands" -- "$cur")) ;;
    input)
        if declare -F _filedir >/dev/null; then _filedir; else COMPREPLY=($(compgen -f -- "$cur")); fi
        COMPREPLY+=($(compgen -W live -- "$cur")) ;;
    esac
} &&
    complete -F _khoinspect khoinspect

# ex: filetype=sh
EOF
	;;
zsh)
	awk -F "$TAB" -v version="$version" '
	function q(s) { gsub(/\047/, "\047\\\047\047", s); return "\047" s "\047" }
	# the [description] of an _arguments spec
	function d(s) { gsub(/\\/, "\\\\", s); gsub(/\[/, "(", s); gsub(/\]/, ")", s); return s }
	# a message or action of an _arguments spec
	function m(s) { gsub(/\\/, "\\\\", s); gsub(/:/, "\\:", s); return s }
	function spec(name, eq, kind, meta, values, desc,   s) {
		s = name
		if (kind != "none") s = s eq
		s = s "[" d(desc) "]"
		if (kind == "values") s = s ":" m(meta) ":(" values ")"
		else if (kind == "file") s = s ":" m(meta) ":_files"
		else if (kind == "free") s = s ":" m(meta) ": "
		return q(s)
	}
	$1 == "C" { order[++nc] = $2; summary[$2] = $3 }
	$1 == "P" { pos[$2] = $3 }
	$1 == "O" {
		c = $2
		if ($4 != "") specs[c] = specs[c] " \\\n      " spec($4, "+", $6, $5, $7, $8)
		if ($3 != "") specs[c] = specs[c] " \\\n      " spec($3, "=", $6, $5, $7, $8)
	}
	END {
		print "#compdef khoinspect"
		print "# SPDX-License-Identifier: GPL-2.0-or-later"
		print "# zsh completion for khoinspect, written by tools/completion.sh from the"
		print "# --help texts and usage errors of " version "."
		print "# Do not edit: change the command table and rebuild."
		print ""
		print "_khoinspect_commands() {"
		print "  local -a cmds"
		print "  cmds=("
		for (i = 1; i <= nc; i++) print "    " q(order[i] ":" summary[order[i]])
		print "  )"
		print "  _describe -t commands \047khoinspect command\047 cmds"
		print "}"
		print ""
		print "_khoinspect_input() {"
		print "  _alternative \047files:file:_files\047 \047live:live system:(live)\047"
		print "}"
		print ""
		print "_khoinspect() {"
		print "  local curcontext=$curcontext state line ret=1"
		print "  typeset -A opt_args"
		print "  _arguments -C" specs["-"] " \\"
		print "      \0471: :_khoinspect_commands\047 \\"
		print "      \047*:: :->command\047 && ret=0"
		print "  case $state in"
		print "  command)"
		print "    curcontext=${curcontext%:*:*}:khoinspect-$words[1]:"
		print "    case $words[1] in"
		for (i = 1; i <= nc; i++) {
			c = order[i]
			p = (pos[c] == "input") ? " \\\n      \047*:input:_khoinspect_input\047" : \
			    (pos[c] == "command") ? " \\\n      \0471:command:_khoinspect_commands\047" : ""
			print "    " c ")"
			print "      _arguments" specs[c] p " && ret=0"
			print "      ;;"
		}
		print "    esac"
		print "    ;;"
		print "  esac"
		print "  return ret"
		print "}"
		print ""
		print "if [[ $funcstack[1] == _khoinspect ]]; then"
		print "  _khoinspect \"$@\""
		print "else"
		print "  compdef _khoinspect khoinspect"
		print "fi"
	}' "$tmp/table"
	;;
esac
