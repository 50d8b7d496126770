#!/usr/bin/env python3
"""Checks the layering of src/: each folder may import only the folders above it in LAYERS
(and itself), never one below; so there is no import cycle between folders. Test-only code
(`#[cfg(test)] mod tests`) counts too. Prints each violation and exits 1 if there is any."""
import pathlib
import re
import sys

LAYERS = ["base", "data", "run", "api", "control", "http", "server"]
rank = {name: i for i, name in enumerate(LAYERS)}
root = pathlib.Path(__file__).resolve().parent.parent / "src"
bad = []
for path in sorted(root.rglob("*.rs")):
    folder = path.relative_to(root).parts[0]
    if folder not in rank:
        continue
    for number, line in enumerate(path.read_text().splitlines(), 1):
        for used in re.findall(r"crate::(\w+)::", line):
            if used in rank and rank[used] > rank[folder]:
                bad.append(f"{path.relative_to(root.parent)}:{number}: {folder} imports {used}, a layer below it: {line.strip()}")
for line in bad:
    print(line)
print(f"layers: {len(bad)} upward imports" if bad else "layers: no upward import, no cycle between folders")
sys.exit(1 if bad else 0)
