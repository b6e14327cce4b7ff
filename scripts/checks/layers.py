#!/usr/bin/env python3
"""Checks that the README's layer diagram is the true one (run by `make test`).

The diagram (between the `layers:begin`/`layers:end` markers in README.md) lists the package's
targets in layers, top layer first, and below it a table of each target's dependencies. This
script fails when:
  - a target of Package.swift is missing from the diagram, or the diagram names one that is gone;
  - a target depends on (in Package.swift) or imports (in its sources) a target that is not in a
    lower layer;
  - a source file imports a package target its target does not declare (a hidden edge);
  - the dependency table differs from Package.swift (`--write` regenerates it).
Pure Python, no dependencies: python3 scripts/checks/layers.py [--write]
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
BEGIN, END = "<!-- layers:begin -->", "<!-- layers:end -->"
TABLE_BEGIN, TABLE_END = "<!-- layer-table:begin -->", "<!-- layer-table:end -->"


def calls(text, kinds):
    """(kind, argument text) of each `.kind(...)` call, with balanced parentheses."""
    for m in re.finditer(r"\.(%s)\(" % "|".join(kinds), text):
        depth, i = 1, m.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        yield m.group(1), text[m.end():i - 1]


# Targets whose sources are not in the default folder (Package.swift's `path:`).
PATHS = {}


def manifest():
    """{target: (kind, [target dependencies])} from Package.swift (products of other packages left out)."""
    text = (ROOT / "Package.swift").read_text()
    text = re.sub(r"//[^\n]*", "", text)
    variables = {}
    for name, body in re.findall(r"let (\w+): \[Target\.Dependency\] = (\[.*?\])\n", text):
        variables[name] = re.findall(r'\.target\(name: "(\w+)"', body)
    targets = {}
    for kind, args in calls(text, ["target", "executableTarget", "testTarget", "systemLibrary"]):
        name = re.match(r'\s*name: "(\w+)"', args)
        if not name:
            continue
        deps_text = args.split("dependencies:", 1)[1] if "dependencies:" in args else ""
        deps_text = re.split(r"\b(resources|linkerSettings|path|exclude|cSettings|swiftSettings):", deps_text)[0]
        deps_text = re.sub(r"\.product\([^)]*\)", "", deps_text)
        deps = re.findall(r'"(\w+)"', deps_text)
        for var, names in variables.items():
            if re.search(r"\b%s\b" % var, deps_text):
                deps += names
        targets[name.group(1)] = (kind, sorted(set(deps)))
        path = re.search(r'\bpath: "([^"]+)"', args)
        if path:
            PATHS[name.group(1)] = path.group(1)
    return targets


def diagram(readme):
    block = readme.split(BEGIN, 1)[1].split(END, 1)[0]
    rows = [line for line in block.splitlines() if line.strip() and not line.strip().startswith("```")]
    layers = {}
    for height, row in enumerate(reversed(rows)):
        for name in re.findall(r"[A-Za-z]\w*", row):
            if name in layers:
                sys.exit(f"README.md: {name} appears twice in the layer diagram")
            layers[name] = height
    return layers


def imports(target):
    found = {}
    folder = ROOT / ("Sources" if not target.endswith("Tests") else "Tests") / target
    if target in PATHS:
        folder = ROOT / PATHS[target]
    for path in folder.rglob("*.swift"):
        for m in re.finditer(r"^\s*(?:@testable |@_exported )?import (\w+)", path.read_text(), re.M):
            found.setdefault(m.group(1), path.relative_to(ROOT))
    return found


def render_table(targets, layers):
    rows = ["| module | depends on (Package.swift) |", "| --- | --- |"]
    for name in sorted((t for t, (k, _) in targets.items() if k != "testTarget"), key=lambda t: (-layers.get(t, -1), t)):
        rows.append(f"| {name} | {', '.join(targets[name][1]) or '—'} |")
    return "\n".join(rows)


def main():
    readme_path = ROOT / "README.md"
    readme = readme_path.read_text()
    targets = manifest()
    layers = diagram(readme)
    problems = []
    modules = {t for t, (k, _) in targets.items() if k != "testTarget"}
    for t in sorted(modules - layers.keys()):
        problems.append(f"{t} (Package.swift) is missing from the README's layer diagram")
    for t in sorted(layers.keys() - modules):
        problems.append(f"the README's layer diagram names {t}, which Package.swift does not define")
    for t, (kind, deps) in sorted(targets.items()):
        height = layers.get(t, 10**6) if kind != "testTarget" else 10**6
        for d in deps:
            if d in layers and layers[d] >= height:
                problems.append(f"Package.swift: {t} depends on {d}, which the diagram does not put below it")
        if kind == "systemLibrary":
            continue
        for module, path in sorted(imports(t).items()):
            if module not in modules or module == t:
                continue
            if kind != "testTarget" and layers.get(module, -1) >= height:
                problems.append(f"{path}: {t} imports {module}, which the diagram does not put below it")
            if module not in deps:
                problems.append(f"{path}: {t} imports {module} without declaring it in Package.swift")
    expected = render_table(targets, layers)
    current = readme.split(TABLE_BEGIN, 1)[1].split(TABLE_END, 1)[0].strip() if TABLE_BEGIN in readme else None
    if current != expected:
        if "--write" in sys.argv and current is not None:
            head, rest = readme.split(TABLE_BEGIN, 1)
            readme_path.write_text(head + TABLE_BEGIN + "\n" + expected + "\n" + TABLE_END + rest.split(TABLE_END, 1)[1])
            print("README.md: dependency table rewritten")
        else:
            problems.append("README.md: the dependency table differs from Package.swift (python3 scripts/checks/layers.py --write)")
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"layers: {len(modules)} modules, {len(targets) - len(modules)} test targets, no upward or hidden edges")


if __name__ == "__main__":
    main()
