"""Checks the installed PyTorch stack against the pinned ranges (requirements.txt) without importing
it, so `divtune train --backend torch` can name what is missing and the one command that installs it.

Run: python -m divtune_torch.stack   → prints {"ok": bool, "problems": [...], "install": "…"} and exits 0.
"""
import json
import os
import re
import sys
from importlib import metadata

REQUIREMENTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "requirements.txt")


def requirements():
    """(name, [(operator, version)]) of each pinned package."""
    found = []
    with open(REQUIREMENTS) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            name = re.match(r"[A-Za-z0-9_.-]+", line).group(0)
            found.append((name, re.findall(r"(>=|<=|==|<|>)\s*([0-9][0-9A-Za-z.]*)", line[len(name):])))
    return found


def version_tuple(text):
    return tuple(int(part) for part in re.findall(r"\d+", text.split("+")[0])[:3])


def satisfied(version, bounds):
    v = version_tuple(version)
    for op, bound in bounds:
        b = version_tuple(bound)
        n = len(b)
        vv = v[:n] if op == "<" else v   # 5.23.1 is inside "<5.24"; compare on the bound's precision
        ok = {">=": v >= b, "<=": v[:n] <= b, "==": v[:n] == b, "<": vv < b, ">": v > b}[op]
        if not ok:
            return False
    return True


def check():
    problems = []
    for name, bounds in requirements():
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            problems.append(f"{name} is not installed")
            continue
        if not satisfied(version, bounds):
            wanted = ",".join(op + b for op, b in bounds)
            problems.append(f"{name} {version} is installed, DivTune needs {wanted}")
    pins = " ".join("'" + name + ",".join(op + b for op, b in bounds) + "'" for name, bounds in requirements())
    install = (f"{sys.executable} -m pip install {pins}")
    return {"ok": not problems, "problems": problems, "install": install, "python": sys.executable}


if __name__ == "__main__":
    print(json.dumps(check()))
