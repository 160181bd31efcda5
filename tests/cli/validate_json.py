#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Validate khoinspect's JSON documents against schema/*.schema.json.

  validate_json.py SCHEMA_DIR --spool DIR
      every document the CLI tests spooled (DIR/*.json, each with a .args
      file: the test's name, then khoinspect's arguments one a line); the
      schema follows from the command in the arguments
  validate_json.py SCHEMA_DIR [--schema NAME] FILE...
      these files (NAME: list, verify, ..., error, manifest; without it the
      schema follows from the document: manifest, error, else unknown)

Prints one FAIL line per invalid document (where, which member, why) and
"schema: N documents validated (B bytes), M invalid"; exit 1 when any is
invalid or cannot be read, 2 on bad usage or a schema that is not valid
JSON Schema (draft 2020-12). Needs python3-jsonschema (Debian bookworm: 4.10).

Speed (jsonschema 4.10 checks 100-300 KB of these documents a second, and
the suite makes 80 MB): the same bytes under the same schema are checked
once, with the $refs inlined; an array longer than LONG items is checked
at its first and last LONG/3 items, LONG/3 items spread between, and every
other item whose shape none of those has. The shape is what the schemas
tell apart: members, types, whether a string is an "0x..." address or hex
digits and how many, short strings (enums), integers below 0, 0, 1, up to
63 and above. What a shape hides (a long string's words, an address's
value) can pass unseen in the items left out. The summary says how many
documents were sampled so.
"""
import glob
import hashlib
import re
import time
from urllib.parse import urldefrag, urljoin
import json
import os
import sys

import jsonschema
from jsonschema import Draft202012Validator

COMMANDS = ('list', 'verify', 'locate', 'lookup', 'fdt', 'diff')
# global options that take a value in the next argument
GLOBAL_WITH_VALUE = ('--color',)


def inline(node, base, store, stack):
    """node with every $ref replaced by what it names (jsonschema 4.10
    resolves a $ref slowly, and there is one per member); a $ref back into
    one being inlined (a tree's node, a decoded value) stays, made absolute,
    and is resolved from the store."""
    if isinstance(node, list):
        return [inline(x, base, store, stack) for x in node]
    if not isinstance(node, dict):
        return node
    rest = {k: inline(v, base, store, stack) for k, v in node.items()
            if k not in ('$ref', '$defs', '$id', '$schema', 'title', 'description')}
    if '$ref' not in node:
        return rest
    uri = urljoin(base, node['$ref'])
    if uri in stack:
        return dict(rest, **{'$ref': uri})
    url, frag = urldefrag(uri)
    target = store[url]
    for part in frag.split('/')[1:]:
        target = target[part.replace('~1', '/').replace('~0', '~')]
    stack.add(uri)
    target = inline(target, url, store, stack)
    stack.discard(uri)
    return dict(allOf=[target], **rest) if rest else target


def load_schemas(sdir):
    store, by_name = {}, {}
    for path in sorted(glob.glob(os.path.join(sdir, '*.schema.json'))):
        with open(path) as f:
            s = json.load(f)
        Draft202012Validator.check_schema(s)
        store[s['$id']] = s
        by_name[os.path.basename(path)[:-len('.schema.json')]] = s
    validators = {}
    for name, s in by_name.items():
        flat = inline(s, s['$id'], store, set())
        # under a name of its own: the store keeps the file for the $refs left
        resolver = jsonschema.RefResolver('urn:khoinspect:inlined:' + name, flat, store=store)
        validators[name] = Draft202012Validator(flat, resolver=resolver)
    return validators


def command_of(args):
    """The command of a khoinspect command line: the first word after the
    global options, or None."""
    skip = False
    for a in args:
        if skip:
            skip = False
            continue
        if a in GLOBAL_WITH_VALUE:
            skip = True
            continue
        if a.startswith('-'):
            continue
        return a
    return None


def schema_for(doc, command):
    if isinstance(doc, dict) and 'khoinspect_manifest' in doc:
        return 'manifest'
    if isinstance(doc, dict) and set(doc) == {'schema_version', 'errors'}:
        return 'error'
    if command == 'snapshot':
        return 'manifest'
    if command in COMMANDS:
        return command
    return None


LONG = 60


ADDR = re.compile(r'0x(0|[1-9a-f][0-9a-f]{0,15})')
HEXDIGITS = re.compile(r'[0-9a-f]+')


def shape(x):
    """What the schema could tell apart in x, short of an address's value."""
    if isinstance(x, dict):
        return tuple((k, shape(v)) for k, v in sorted(x.items()))
    if isinstance(x, list):
        return ('L', tuple(sorted({shape(v) for v in x}, key=repr)))
    if isinstance(x, str):
        if ADDR.fullmatch(x):
            return 'A'
        if HEXDIGITS.fullmatch(x):
            return ('X', len(x))
        return ('S', x if len(x) <= 12 else 'long')
    if isinstance(x, bool) or x is None:
        return x
    if isinstance(x, int):
        return ('I', 'negative' if x < 0 else x if x <= 1 else 'small' if x <= 63 else 'big')
    return ('?', type(x).__name__)


def thin(doc):
    """doc with every array of more than LONG items cut to a sample (see
    above); and whether anything was cut."""
    cut = False
    if isinstance(doc, list):
        if len(doc) > LONG:
            h = LONG // 3
            mid = doc[h:-h]
            step = -(-len(mid) // h)
            kept = doc[:h] + mid[::step] + doc[-h:]
            seen = {shape(x) for x in kept}
            for x in mid:
                k = shape(x)
                if k not in seen:
                    seen.add(k)
                    kept.append(x)
            doc, cut = kept, True
        out = []
        for x in doc:
            x, c = thin(x)
            out.append(x)
            cut |= c
        return out, cut
    if isinstance(doc, dict):
        out = {}
        for k, x in doc.items():
            out[k], c = thin(x)
            cut |= c
        return out, cut
    return doc, False


def where(path):
    return '/'.join(str(p) for p in path) or '(document)'


def deepest(e):
    """The error under e (anyOf, oneOf, allOf, ...) deepest in the document."""
    def leaves(x):
        if not x.context:
            yield x
        for c in x.context:
            yield from leaves(c)
    return max(leaves(e), key=lambda x: (len(x.absolute_path), x.validator != 'type'))


def check(validators, doc, name):
    """Error lines for one document (empty when valid)."""
    if name not in validators:
        return [f'no schema for this document (command {name!r})']
    errs = sorted(validators[name].iter_errors(doc), key=lambda e: list(e.absolute_path))
    out = []
    for e in errs[:5]:
        at = where(e.absolute_path)
        if e.context:
            # oneOf/anyOf: the branch that went deepest says what is wrong
            best = deepest(e)
            at, msg = where(best.absolute_path), f'{best.message[:200]} ({e.validator} at {at})'
        else:
            msg = e.message if len(e.message) < 200 else e.message[:200] + '...'
        out.append(f'{name}.schema.json: {at}: {msg}')
    if len(errs) > 5:
        out.append(f'... {len(errs) - 5} more')
    return out


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        validators = load_schemas(argv[1])
    except (OSError, ValueError, jsonschema.SchemaError) as e:
        print(f'validate_json: {argv[1]}: {e}', file=sys.stderr)
        return 2
    if not validators:
        print(f'validate_json: {argv[1]}: no *.schema.json', file=sys.stderr)
        return 2
    jobs = []  # (file, label, schema name or None, command)
    if argv[2] == '--spool':
        for path in sorted(glob.glob(os.path.join(argv[3], '*.json'))):
            try:
                with open(path[:-len('.json')] + '.args') as f:
                    lines = f.read().split('\n')[:-1]
            except OSError:
                lines = ['?']
            test, args = lines[0], lines[1:]
            jobs.append((path, f'{test}: khoinspect {" ".join(args)}', None, command_of(args)))
    else:
        forced, files = None, argv[2:]
        if files[0] == '--schema':
            forced, files = files[1], files[2:]
        for path in files:
            jobs.append((path, path, forced, None))
    nbytes = bad = sampled = 0
    seen = {}
    t0 = time.monotonic()
    for path, label, forced, command in jobs:
        try:
            with open(path, 'rb') as f:
                raw = f.read()
        except OSError as e:
            print(f'FAIL schema: {label}: {e}')
            bad += 1
            continue
        nbytes += len(raw)
        key = (hashlib.sha1(raw).digest(), forced, command)
        if key not in seen:
            try:
                doc = json.loads(raw)
            except ValueError as e:
                seen[key] = [f'not one JSON document: {e}']
            else:
                name = forced or schema_for(doc, command)
                doc, cut = thin(doc)
                sampled += cut
                seen[key] = check(validators, doc, name)
                if cut and seen[key]:
                    seen[key].append('(long arrays were sampled: an index is one of the sample)')
        errs = seen[key]
        if errs:
            bad += 1
            print(f'FAIL schema: {label}')
            for e in errs:
                print(f'     {e}')
    print(f'schema: {len(jobs)} documents validated ({nbytes} bytes; {len(jobs) - len(seen)} '
          f'repeated, {sampled} with arrays of over {LONG} items sampled; '
          f'{time.monotonic() - t0:.1f} s), {bad} invalid')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
