# SPDX-License-Identifier: GPL-2.0-or-later
# Shell completion (tools/completion.sh, written from the binary): in a bash
# with bash-completion loaded, what Tab offers is checked against the
# --help texts read here with t_docs.sh's own patterns (not the generator's)
# and against hand-written lists; every value offered for an option is one
# the binary accepts. zsh loads the script, sourced and from fpath, and
# completes the same lines in a pseudo-terminal.

comp_root=$(cd "$TESTS/../.." && pwd)
comp_bc=/usr/share/bash-completion/bash_completion
mkdir -p "$T/comp"
if sh "$comp_root/tools/completion.sh" bash "$KI" >"$T/comp/khoinspect" 2>"$T/err" &&
   sh "$comp_root/tools/completion.sh" zsh "$KI" >"$T/comp/_khoinspect" 2>>"$T/err"; then
	ok "completion: tools/completion.sh writes both scripts"
else
	bad "completion: tools/completion.sh writes both scripts" "exit status $?"
fi
# What the build made (and make install installs) is what the generator writes.
for comp_f in khoinspect _khoinspect; do
	comp_built="$(dirname "$KI")/completion/$comp_f"
	[ -f "$comp_built" ] || continue
	expect_same "completion: the built $comp_f is current" "$T/comp/$comp_f" "$comp_built"
done

# comp_run LINE: the words bash offers for LINE (the cursor at its end), one
# per line, sorted, in $T/comp.out; run in $T/comp/cwd.
cat >"$T/comp/run.bash" <<'EOS'
source "$1" || exit 3
source "$2" || exit 3
line=$3
read -ra COMP_WORDS <<<"$line"
[[ $line == *' ' ]] && COMP_WORDS+=('')
# readline breaks words at "=" (COMP_WORDBREAKS)
w=${COMP_WORDS[-1]}
if [[ $w == --*=* ]]; then
	unset 'COMP_WORDS[-1]'
	COMP_WORDS+=("${w%%=*}" '=' "${w#*=}")
fi
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE=$line COMP_POINT=${#line}
fn=$(complete -p khoinspect 2>/dev/null | sed -n 's/.* -F \([^ ]*\) .*/\1/p')
[[ -n $fn ]] || exit 4
"$fn" khoinspect "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort -u | sed '/^$/d'
EOS
mkdir -p "$T/comp/cwd/dumps"
: >"$T/comp/cwd/dump.elf"
: >"$T/comp/cwd/vmcore"
comp_run() {
	(cd "$T/comp/cwd" && bash --norc --noprofile "$T/comp/run.bash" "$comp_bc" "$T/comp/khoinspect" "$1") \
		>"$T/comp.out" 2>"$T/err"
}
# comp_expect LINE WORDS...: Tab after LINE offers exactly WORDS.
comp_expect() {
	comp_line=$1; shift
	printf '%s\n' "$@" | LC_ALL=C sort -u | sed '/^$/d' >"$T/comp.want"
	comp_run "$comp_line"
	expect_same "completion: \"$comp_line<TAB>\"" "$T/comp.want" "$T/comp.out"
}

# The long options of a --help text (t_docs.sh's pattern), with dashes.
comp_longs() {
	sed -n 's/^  *\(-[A-Za-z0-9], \)\{0,1\}--\([a-z0-9][a-z0-9-]*\).*/--\2/p' "$1" | sort -u
}
# comp_here HELP: the long names of the global options its "Also here:"
# line names (-q through the global help's "  -q, --quiet" line).
comp_here() {
	for _ch in $(sed -n 's/^Also here: the global options \(.*\) (khoinspect --help)\.$/\1/p' "$1" |
		grep -oE -- '--?[a-z][a-z0-9-]*'); do
		case $_ch in
		--*) echo "$_ch" ;;
		*) sed -n "s/^  *$_ch, \(--[a-z0-9-]*\).*/\1/p" "$T/comp.help" ;;
		esac
	done
}

if [ ! -r "$comp_bc" ]; then
	bad "completion: bash-completion is installed" "no $comp_bc (apt-get install bash-completion)"
else
	# Hand-written: what a user sees today.
	comp_expect "khoinspect l" list locate lookup
	comp_expect "khoinspect -j l" list locate lookup
	comp_expect "khoinspect --color=always l" list locate lookup
	comp_expect "khoinspect list --format " auto elf kdump raw
	comp_expect "khoinspect list --format=k" kdump
	comp_expect "khoinspect verify --page-size " 4096 16384 65536
	comp_expect "khoinspect snapshot --v1-bitmap " 512 page
	comp_expect "khoinspect --color=" auto never always
	comp_expect "khoinspect --color " auto never always
	comp_expect "khoinspect list --order "
	comp_expect "khoinspect list --base 0x1000 --blocks d" dump.elf dumps
	comp_expect "khoinspect list " dump.elf dumps live vmcore
	comp_expect "khoinspect diff dump.elf l" live
	comp_expect "khoinspect list --mem " dump.elf dumps vmcore
	comp_expect "khoinspect list --mem=v" vmcore
	comp_expect "khoinspect verify --against v" vmcore
	comp_expect "khoinspect snapshot -o d" dump.elf dumps
	comp_expect "khoinspect help lo" locate lookup
	comp_expect "khoinspect help list "

	# From the --help texts, parsed as t_docs.sh parses them.
	"$KI" --help >"$T/comp.help"
	sed -n '/^Commands:/,/^$/p' "$T/comp.help" | awk 'NR > 1 && NF { print $1 }' >"$T/comp.cmds"
	# shellcheck disable=SC2046
	comp_expect "khoinspect " $(cat "$T/comp.cmds")
	# shellcheck disable=SC2046
	comp_expect "khoinspect l" $(grep '^l' "$T/comp.cmds")
	# shellcheck disable=SC2046
	comp_expect "khoinspect --" $(comp_longs "$T/comp.help")
	for comp_c in $(cat "$T/comp.cmds"); do
		"$KI" "$comp_c" --help >"$T/comp.help.c"
		# shellcheck disable=SC2046
		comp_expect "khoinspect $comp_c --" $(comp_longs "$T/comp.help.c") $(comp_here "$T/comp.help.c")
	done
	comp_expect "khoinspect map --q" --quiet
	comp_expect "khoinspect lookup --color=" always auto never

	# Every value offered is one the binary takes, every other word is
	# refused (the usage error the generator read the list from).
	sh "$comp_root/tools/completion.sh" table "$KI" >"$T/comp.table"
	comp_nvalues=0
	awk -F '\t' '$1 == "O" && $6 == "values" { print $2, $3, $7 }' "$T/comp.table" >"$T/comp.values"
	while read -r comp_c comp_long comp_vals; do
		[ "$comp_c" = - ] && comp_c=""
		for comp_v in $comp_vals; do
			comp_nvalues=$((comp_nvalues + 1))
			# shellcheck disable=SC2086
			"$KI" $comp_c "$comp_long=$comp_v" "$T/comp-no-such-input" >/dev/null 2>"$T/err"
			if grep -q ' takes ' "$T/err"; then
				bad "completion: $comp_c $comp_long=$comp_v is accepted" "$(head -1 "$T/err")"
			else
				ok "completion: $comp_c $comp_long=$comp_v is accepted"
			fi
		done
		# shellcheck disable=SC2086
		"$KI" $comp_c "$comp_long=not-a-value" "$T/comp-no-such-input" >/dev/null 2>"$T/err"
		expect_grep "completion: $comp_c $comp_long=not-a-value is refused" "$T/err" "$comp_long takes "
	done <"$T/comp.values"
	if [ "$comp_nvalues" -ge 10 ]; then
		ok "completion: $comp_nvalues option values checked"
	else
		: >"$T/err"
		bad "completion: option values checked" "only $comp_nvalues values in the table"
	fi
fi

# zsh: the script loads without a word on stderr, sourced and autoloaded;
# then zsh itself completes, in a pseudo-terminal (zsh/zpty), with compadd
# wrapped to print what it is given.
cat >"$T/comp/cap.zsh" <<'EOS'
# zsh -f cap.zsh FUNCDIR DUMPFILE LINE: the matches zsh offers for LINE
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PROMPT='%% '; fpath=($1 \$fpath); autoload -U compinit; compinit -u -d $2"
zpty -w z 'compadd () {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return $?; fi
  typeset -a __hits
  builtin compadd -A __hits "$@"
  (( $#__hits )) && builtin print -rl -- "HIT:"${^__hits}
  builtin compadd -Q -U "" 2>/dev/null
}'
# The widget says when completion is over: input typed before that could
# make zle give up the completion (pending typeahead), so nothing more is
# written until ENDCOMP is read.
zpty -w z 'zle -C __capture_c complete-word _main_complete'
zpty -w z '__capture() { zle __capture_c; builtin print -rn -- $'"'"'\nEND''COMP\n'"'"' }; zle -N __capture; bindkey "^G" __capture'
zpty -w z "print -r -- READY"
while zpty -r z line; do [[ $line == READY* ]] && break; done
zpty -w -n z "$3"$'\C-g'
while zpty -r z line; do
  [[ $line == *HIT:* ]] && print -r -- ${line#*HIT:}
  [[ $line == *ENDCOMP* ]] && break
done
zpty -w z $'\C-u'"print -r -- DONE"
while zpty -r z line; do
  [[ $line == *DONE* && $line != *print* ]] && break
done
zpty -d z
EOS
# zcomp_expect LINE WORDS...: zsh offers exactly WORDS after LINE.
zcomp_expect() {
	zcomp_line=$1; shift
	printf '%s\n' "$@" | LC_ALL=C sort -u | sed '/^$/d' >"$T/comp.want"
	(cd "$T/comp/cwd" && HOME="$T/comp/zhome" timeout 60 zsh -f "$T/comp/cap.zsh" \
		"$T/comp/zfunc" "$T/comp/zcd3" "$zcomp_line") 2>"$T/err" |
		tr -d '\r' | LC_ALL=C sort -u | sed '/^$/d' >"$T/comp.out"
	expect_same "completion: zsh \"$zcomp_line<TAB>\"" "$T/comp.want" "$T/comp.out"
}
if command -v zsh >/dev/null 2>&1; then
	mkdir -p "$T/comp/zfunc" "$T/comp/zhome"
	cp "$T/comp/_khoinspect" "$T/comp/zfunc/"
	HOME="$T/comp/zhome" zsh -fc "autoload -U compinit; compinit -d '$T/comp/zcd1'; source '$T/comp/_khoinspect'; print -r -- \$_comps[khoinspect]" \
		>"$T/out" 2>"$T/err"
	if [ "$(cat "$T/out")" = _khoinspect ] && [ ! -s "$T/err" ]; then
		ok "completion: zsh sources _khoinspect"
	else
		bad "completion: zsh sources _khoinspect" "got \"$(cat "$T/out")\""
	fi
	HOME="$T/comp/zhome" zsh -fc "fpath=('$T/comp/zfunc' \$fpath); autoload -U compinit; compinit -d '$T/comp/zcd2'; print -r -- \$_comps[khoinspect]; autoload +X _khoinspect" \
		>"$T/out" 2>"$T/err"
	if [ "$(cat "$T/out")" = _khoinspect ] && [ ! -s "$T/err" ]; then
		ok "completion: zsh finds _khoinspect in its fpath"
	else
		bad "completion: zsh finds _khoinspect in its fpath" "got \"$(cat "$T/out")\""
	fi
	if zsh -fc 'zmodload zsh/zpty' 2>/dev/null; then
		zcomp_expect "khoinspect l" list locate lookup
		zcomp_expect "khoinspect -j l" list locate lookup
		zcomp_expect "khoinspect list --format " auto elf kdump raw
		zcomp_expect "khoinspect --color=" auto never always
		zcomp_expect "khoinspect snapshot --v1-bitmap " 512 page
		zcomp_expect "khoinspect help lo" locate lookup
		zcomp_expect "khoinspect list " dump.elf dumps live vmcore
		zcomp_expect "khoinspect list --mem v" vmcore
		for comp_c in list verify; do
			"$KI" "$comp_c" --help >"$T/comp.help.c"
			# shellcheck disable=SC2046
			zcomp_expect "khoinspect $comp_c --" $(comp_longs "$T/comp.help.c") $(comp_here "$T/comp.help.c")
		done
	fi
else
	: >"$T/err"
	bad "completion: zsh is installed" "no zsh (apt-get install zsh)"
fi
