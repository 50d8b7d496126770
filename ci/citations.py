#!/usr/bin/env python3
"""Checks that every test docs/FIDELITY.md cites (`file::test` in tests/api/, or
`module::tests::test` in src/) exists; `file::*` needs the file. Prints each missing one and
exits 1 if there is any."""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
doc = (root / "docs" / "FIDELITY.md").read_text()
tests = {}
for path in (root / "tests" / "api").glob("*.rs"):
    tests[path.stem] = set(re.findall(r"async fn (\w+)|fn (\w+)", path.read_text()))
src_tests = set()
for path in (root / "src").rglob("*.rs"):
    rel = ".".join(path.relative_to(root / "src").with_suffix("").parts).replace(".mod", "")
    for name in re.findall(r"fn (\w+)", path.read_text()):
        src_tests.add(f"{rel.replace('.', '::')}::tests::{name}")
        src_tests.add(f"{rel.replace('.', '::')}::tests::*")
flat = {k: {a or b for a, b in v} for k, v in tests.items()}
missing = []
NOT_TESTS = {"file::test", "module::tests", "http::Uri"}
for cited in sorted(set(re.findall(r"`((?:\w+::)+(?:\w+|\*))`", doc)) - NOT_TESTS):
    parts = cited.split("::")
    if "tests" in parts:
        if cited not in src_tests:
            missing.append(cited)
    elif len(parts) == 2 and parts[0] in flat:
        if parts[1] != "*" and parts[1] not in flat[parts[0]]:
            missing.append(cited)
    elif len(parts) == 2 and parts[0] not in flat and parts[0] in {"base", "api", "run", "data"}:
        continue
    elif len(parts) == 2:
        missing.append(cited)
for m in missing:
    print(f"docs/FIDELITY.md cites {m}, which is not a test here")
print(f"citations: {len(missing)} missing" if missing else "citations: every cited test exists")
sys.exit(1 if missing else 0)
