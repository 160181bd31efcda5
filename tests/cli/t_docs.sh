# The man page is a tested artefact: groff lint is silent, and every
# command and long option of --help is in it, and the other way round.

MAN="$TESTS/../../man/khoinspect.1"
groff -man -ww -z "$MAN" 2>"$T/groff.err"
if [ -s "$T/groff.err" ]; then bad "man page: groff -man -ww -z is silent" "$(head -3 "$T/groff.err")"; else ok "man page: groff -man -ww -z is silent"; fi

# commands listed by --help
ki --help
sed -n '/^Commands:/,/^$/p' "$T/out" | awk 'NR > 1 && NF {print $1}' >"$T/cmds"
[ -s "$T/cmds" ] || bad "docs: commands found in --help" "none"
for c in $(cat "$T/cmds"); do
	if grep -q "^\.B $c\$" "$MAN"; then ok "man page documents command $c"; else bad "man page documents command $c" "no '.B $c' entry"; fi
	ki "$c" --help
	expect_rc "$c --help exits 0" 0
	cp "$T/out" "$T/help-$c"
	ki help "$c"
	expect_same "help $c = $c --help" "$T/help-$c" "$T/out"
done

# long options: --help texts -> man page
ki --help
cat "$T/out" "$T"/help-* | grep -o -- '--[a-z][a-z0-9-]*' | sort -u >"$T/help-opts"
for o in $(cat "$T/help-opts"); do
	esc=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
	if grep -q -- "$esc" "$MAN"; then ok "man page has $o"; else bad "man page has $o" "not in man/khoinspect.1"; fi
done
# man page -> --help texts
sed 's/\\-/-/g' "$MAN" | grep -o -- '--[a-z][a-z0-9-]*' | sort -u >"$T/man-opts"
for o in $(cat "$T/man-opts"); do
	if grep -qx -- "$o" "$T/help-opts"; then ok "--help has $o"; else bad "--help has $o" "documented in the man page but in no --help"; fi
done
