#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Checks the source tree's layers from the objects a build made.

usage: layers.py BUILD_DIR [SOURCE_ROOT]

For every object of src/lib/<layer>/ and src/cli/ it reads the symbols it
defines and the ones it needs (nm), and fails when
  - a file calls into a higher layer (base < memory < source < format <
    model < check < api < cli),
  - files call each other in a circle (any cycle, in a layer or across),
  - a library file uses what only a program may: stdout, stderr, exit,
    getenv, printf and friends, or starts a thread outside base/pipe.c,
  - a file under src/lib/ #includes a header that lives in src/cli/ (read
    from the sources: the build refuses it too, less clearly).
SOURCE_ROOT (default: the tree this script is in) holds src/.
Prints one line per problem and exits 1, or a summary line and 0.
"""
import os
import subprocess
import sys

LAYERS = ["base", "memory", "source", "format", "model", "check", "api", "cli"]
FORBIDDEN = {"stdout", "stderr", "exit", "_exit", "getenv", "secure_getenv",
             "printf", "puts", "putchar", "perror", "vprintf", "abort"}
THREAD_OK = {"pipe"}


def objects(root, build):
    found = {}
    for layer in LAYERS:
        d = os.path.join(root, "src", "cli" if layer == "cli" else "lib/" + layer)
        for f in sorted(os.listdir(d)):
            if f.endswith(".c") and f != "fault.c":
                name = f[:-2]
                found[name] = (layer, os.path.join(build, name + ".o"))
    return found


def symbols(path):
    out = subprocess.run(["nm", path], check=True, capture_output=True, text=True).stdout
    defs, undefs = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U":
            undefs.add(parts[1])
        elif len(parts) == 3 and parts[1] in "TDRBCVWG":
            defs.add(parts[2])
    return defs, undefs


def cli_includes(root):
    """(file, header) for every #include "X" under src/lib/ of a header in src/cli/."""
    cli = {f for f in os.listdir(os.path.join(root, "src", "cli")) if f.endswith(".h")}
    lib = os.path.join(root, "src", "lib")
    found = []
    for d, _, files in sorted(os.walk(lib)):
        for f in sorted(files):
            if not f.endswith((".c", ".h")):
                continue
            path = os.path.join(d, f)
            with open(path, encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    t = line.strip()
                    if not t.startswith("#"):
                        continue
                    t = t[1:].strip()
                    if t.startswith("include") and '"' in t:
                        name = t.split('"')[1]
                        if os.path.basename(name) in cli:
                            found.append((os.path.relpath(path, root), name))
    return found


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    root = sys.argv[2] if len(sys.argv) == 3 else \
        os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    objs = objects(root, sys.argv[1])
    owner, needs = {}, {}
    for name, (layer, path) in objs.items():
        if not os.path.exists(path):
            print(f"layers.py: {path}: missing; build first", file=sys.stderr)
            return 2
        defs, undefs = symbols(path)
        for s in defs:
            owner[s] = name
        needs[name] = undefs
    problems = []
    edges = {n: set() for n in objs}
    for name, undefs in needs.items():
        layer = objs[name][0]
        rank = LAYERS.index(layer)
        for s in sorted(undefs):
            callee = owner.get(s)
            if callee and callee != name:
                edges[name].add(callee)
                if LAYERS.index(objs[callee][0]) > rank:
                    problems.append(f"{layer}/{name}.c calls up into "
                                    f"{objs[callee][0]}/{callee}.c ({s})")
            if layer != "cli":
                base = s.split("@")[0]
                if base in FORBIDDEN:
                    problems.append(f"{layer}/{name}.c uses {base}: a library "
                                    "never prints, exits or reads the environment")
                if base == "pthread_create" and name not in THREAD_OK:
                    problems.append(f"{layer}/{name}.c starts a thread")
    # cycles: Tarjan's strongly connected components
    index, low, stack, on, sccs = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    for comp in sccs:
        problems.append("files call each other in a circle: " + ", ".join(c + ".c" for c in comp))
    for path, name in cli_includes(root):
        problems.append(f"{path} includes the CLI header {name}: the library never "
                        "includes a header of src/cli/")
    for p in problems:
        print(p)
    if problems:
        return 1
    nedges = sum(len(e) for e in edges.values())
    print(f"layers: {len(objs)} files, {nedges} calls between files, no call upwards, "
          "no cycle, no CLI header in the library")
    return 0


if __name__ == "__main__":
    sys.exit(main())
