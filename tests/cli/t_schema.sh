# SPDX-License-Identifier: GPL-2.0-or-later
# The JSON Schemas (schema/) and their validator (validate_json.py), which
# run.sh runs at the end on every JSON document the tests made. Here: the
# validator can fail (documents broken one member at a time, the old
# schema_version 1 shapes), every command that prints JSON has a schema,
# and map, which has none, refuses -j with an error document.

SCH="$TESTS/../../schema"
val() { /usr/bin/python3 "$TESTS/validate_json.py" "$SCH" "$@" >"$T/val" 2>&1; }
# sch_bad NAME SCHEMA JQ-FILTER MEMBER: the document $T/sch.good changed by
# FILTER fails SCHEMA's validation, naming MEMBER (a path such as input/memory).
sch_bad() {
	if ! jq -c "$3" "$T/sch.good" >"$T/sch.bad" 2>"$T/err"; then
		bad "schema rejects $1" "jq '$3' failed"
		return
	fi
	val --schema "$2" "$T/sch.bad"
	if [ $? = 1 ] && grep -q "^FAIL schema" "$T/val" && grep -qF -- "$4" "$T/val"; then
		ok "schema rejects $1"
	else
		bad "schema rejects $1" "validator said: $(tr '\n' ' ' <"$T/val" | cut -c1-300)"
	fi
}
# sch_good NAME SCHEMA FILE
sch_good() {
	if val --schema "$2" "$3"; then ok "schema accepts $1"; else
		bad "schema accepts $1" "$(tr '\n' ' ' <"$T/val" | cut -c1-400)"
	fi
}

sch_img="$T/sch-v3.elf"
if xz -dc "$FIX/golden/v3-x86_64-4k.elf.xz" >"$sch_img" 2>/dev/null; then
	# list: the valid document, then one member broken at a time
	ki -j list --owners "$sch_img"
	cp "$T/out" "$T/sch.good"
	sch_good "list -j" list "$T/sch.good"
	sch_bad "an address as a number" list '.kho.fdt_phys = 4297097216' "kho/fdt_phys"
	sch_bad "an address in upper case" list '.ranges[0].start |= ascii_upcase' "ranges/0/start"
	sch_bad "an address with leading zeros" list '.total.bytes = "0x04b29e000"' "total/bytes"
	sch_bad "schema_version 1" list '.schema_version = 1' "schema_version"
	sch_bad "a member it does not know" list '.ranges[1].colour = "red"' "ranges/1"
	sch_bad "a missing member" list 'del(.input.memory)' "memory"
	sch_bad "a severity it does not know" list '.findings += [{"id": "x-y", "severity": "fatal", "message": "m", "phys": null}]' "findings/0/severity"
	sch_bad "a page size that is not one" list '.input.page_size = 8192' "input/page_size"
	sch_bad "ranges and blocks together" list '.blocks = []' "(document)"
	sch_bad "a string where an object goes" list '.input = .input.path' "input"
	# a long array is checked in a sample, and every item of a shape the
	# sample lacks: one bad item among 5000 is found
	sch_bad "one bad range among 5000" list '.ranges = ([range(5000)] | map({"start": "0x1000", "end": "0x2000", "order": 0, "blocks": 1})) | .ranges[2500].start = 4096' "is not of type"
	sch_bad "one range with a member too many among 5000" list '.ranges = ([range(5000)] | map({"start": "0x1000", "end": "0x2000", "order": 0, "blocks": 1})) | .ranges[2501].x = 1' "was unexpected"

	# verify: result is an enum; --against has no kho
	ki -j verify "$sch_img"
	cp "$T/out" "$T/sch.good"
	sch_good "verify -j" verify "$T/sch.good"
	sch_bad "a verify result it does not know" verify '.summary.result = "ok"' "summary"
	ki snapshot "$sch_img" -o "$T/sch-m.json"
	ki -j verify --against "$T/sch-m.json" "$sch_img"
	cp "$T/out" "$T/sch.good"
	sch_good "verify -j --against" verify "$T/sch.good"
	sch_bad "verify --against with a kho object" verify '.kho = {"compatible": "kho-v3", "fdt_phys": null, "fdt_found_by": "x", "memory_map_phys": null}' "(document)"

	# fdt: the schema_version 1 shape (input a string, fdt_found_by at the top)
	ki -j fdt "$sch_img"
	cp "$T/out" "$T/sch.good"
	sch_good "fdt -j" fdt "$T/sch.good"
	sch_bad "the old fdt document" fdt '.input = .input.path | .fdt_found_by = .kho.fdt_found_by | .fdt_phys = .kho.fdt_phys | del(.kho)' "input"
	sch_bad "fdt: a property with two values" fdt '.tree.properties[0].u64 = "0x1"' "tree/properties/0"
	# lookup: the schema_version 1 shape (compatible and page_size at the top)
	ki -j lookup "$sch_img" 0x128000
	cp "$T/out" "$T/sch.good"
	sch_good "lookup -j" lookup "$T/sch.good"
	sch_bad "the old lookup document" lookup '.compatible = .kho.compatible | .page_size = .input.page_size' "(document)"
	sch_bad "lookup: preserved as a boolean" lookup '.lookups[0].preserved = true' "lookups/0/preserved"
	# a query that reaches the top of the address space has no end (null)
	ki -j lookup "$sch_img" 0xffffffffffffffff
	expect_jq "lookup -j: the last byte's end is null" '.lookups[0].end == null'

	# the manifest: its own version
	cp "$T/sch-m.json" "$T/sch.good"
	sch_good "the manifest" manifest "$T/sch.good"
	sch_bad "a manifest of version 4" manifest '.khoinspect_manifest = 4' "khoinspect_manifest"
	sch_bad "a hash of the wrong length" manifest '(.ranges[] | select(.xxh3 != null) | .xxh3) |= "abc" ' "ranges/"
	sch_bad "a hash without its chunks" manifest '(.ranges[] | select(.xxh3 != null)) |= del(.chunks_xxh3_64)' "ranges/"

	# the error document
	ki -j list "$T/sch-no-such-input"
	cp "$T/out" "$T/sch.good"
	sch_good "an error document" error "$T/sch.good"
	sch_bad "an error code it does not know" error '.errors[0].code = "oops"' "errors/0/code"
	sch_bad "an error list that is empty" error '.errors = []' "errors"
	sch_bad "a command member on a fatal error" error '.errors[0].command = "list"' "errors/0"

	# --spool: the schema follows from the command line, not the document
	mkdir -p "$T/sch-spool"
	ki -j list "$sch_img"
	cp "$T/out" "$T/sch-spool/a.json"
	printf '%s\n' t_schema -j verify "$sch_img" >"$T/sch-spool/a.args"
	/usr/bin/python3 "$TESTS/validate_json.py" "$SCH" --spool "$T/sch-spool" >"$T/val" 2>&1
	if [ $? = 1 ] && grep -q "verify.schema.json" "$T/val"; then ok "spool: a list document given by verify is invalid"; else
		bad "spool: a list document given by verify is invalid" "$(tr '\n' ' ' <"$T/val" | cut -c1-300)"
	fi
	printf '%s\n' t_schema --color never -j list "$sch_img" >"$T/sch-spool/a.args"
	if /usr/bin/python3 "$TESTS/validate_json.py" "$SCH" --spool "$T/sch-spool" >"$T/val" 2>&1 &&
	   grep -q "^schema: 1 documents validated" "$T/val"; then ok "spool: the command after global options"; else
		bad "spool: the command after global options" "$(tr '\n' ' ' <"$T/val" | cut -c1-300)"
	fi
	printf 'not json' >"$T/sch-spool/b.json"
	printf '%s\n' t_schema -j list x >"$T/sch-spool/b.args"
	/usr/bin/python3 "$TESTS/validate_json.py" "$SCH" --spool "$T/sch-spool" >"$T/val" 2>&1
	if [ $? = 1 ] && grep -q "not one JSON document" "$T/val"; then ok "spool: text where JSON was expected is invalid"; else
		bad "spool: text where JSON was expected is invalid" "$(tr '\n' ' ' <"$T/val" | cut -c1-300)"
	fi
	rm -rf "$T/sch-spool" "$T/sch-m.json"
else
	bad "schema: golden image" "cannot xz -dc $FIX/golden/v3-x86_64-4k.elf.xz"
fi
rm -f "$sch_img"

# a schema that is not valid JSON Schema stops the validator (exit 2)
mkdir -p "$T/sch-broken"
printf '{"$id": "https://khoinspect.invalid/schema/x.schema.json", "type": 7}\n' >"$T/sch-broken/x.schema.json"
/usr/bin/python3 "$TESTS/validate_json.py" "$T/sch-broken" --schema x "$T/sch.good" >"$T/val" 2>&1
if [ $? = 2 ]; then ok "an invalid schema is refused"; else bad "an invalid schema is refused" "$(cat "$T/val")"; fi
rm -rf "$T/sch-broken"

# snapshot -j: with -o FILE a fatal error is the error document; with the
# manifest on stdout, stdout stays empty (the message is on stderr)
ki -j snapshot "$T/sch-no-such-input" -o "$T/sch-x.json"
expect_rc "-j snapshot -o: exit 2" 2
expect_jq "-j snapshot -o: the error document" '.errors[0].code == "os" and (.errors[0].message | test("cannot open"))'
ki -j snapshot "$T/sch-no-such-input"
expect_rc "-j snapshot to stdout: exit 2" 2
if [ -s "$T/out" ]; then bad "-j snapshot to stdout: nothing on stdout" "$(head -c 100 "$T/out")"; else ok "-j snapshot to stdout: nothing on stdout"; fi
expect_grep "-j snapshot to stdout: the error on stderr" "$T/err" 'cannot open'

# every command that prints JSON has a schema; map has none and says so
"$KI" --help | awk '/^Commands:/ { on = 1; next } on && /^$/ { on = 0 } on { print $1 }' >"$T/sch.cmds"
if [ -s "$T/sch.cmds" ]; then ok "schema: the command table"; else bad "schema: the command table" "no Commands: in --help"; fi
while read -r sch_c; do
	case $sch_c in
	help | map) continue ;;
	snapshot) sch_f=manifest ;;
	*) sch_f=$sch_c ;;
	esac
	if [ -f "$SCH/$sch_f.schema.json" ]; then ok "schema for $sch_c"; else bad "schema for $sch_c" "no schema/$sch_f.schema.json"; fi
done <"$T/sch.cmds"
ki -j map "$T/sch-no-such-input"
expect_rc "-j map: a usage error" 2
expect_jq "-j map: the error document says why" '.errors[0].code == "usage" and .errors[0].command == "map" and (.errors[0].message | test("no JSON"))'
rm -f "$T/sch.good" "$T/sch.bad" "$T/sch.cmds" "$T/val"
