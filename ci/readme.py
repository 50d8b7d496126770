#!/usr/bin/env python3
"""Runs the README's "One curl per status" block as written, against a mock it starts on
127.0.0.1:3000 (the address the README uses), and checks each curl's status against the number
its comment begins with. Exits 1 on any difference, printing the command."""
import pathlib
import re
import subprocess
import sys
import time

root = pathlib.Path(__file__).resolve().parent.parent
readme = (root / "README.md").read_text()
block = readme.split("## One curl per status", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
lines = block.replace("\\\n", " ").splitlines()
setup = [l for l in lines if re.match(r"^[A-Z]=", l)]
cases = [l for l in lines if l.startswith("curl ")]
binary = root / "target" / "debug" / "livechat-mock"
mock = subprocess.Popen([str(binary), "--port", "3000"], stdout=subprocess.PIPE,
                        stderr=subprocess.DEVNULL, text=True)
try:
    line = mock.stdout.readline()
    if not line.startswith("listening on http://127.0.0.1:3000"):
        sys.exit(f"the mock did not start on port 3000: {line!r}")
    failed = 0
    for case in cases:
        command, _, comment = case.partition("#")
        expected = comment.strip().split()[0]
        probe = command.replace("curl -i", "curl -s -o /dev/null -w '%{http_code}'", 1)
        script = "\n".join(setup + [probe])
        got = subprocess.run(["bash", "-c", script], capture_output=True, text=True).stdout.strip()
        mark = "ok" if got == expected else "FAILED"
        failed += got != expected
        print(f"{mark}: {got} (README says {expected}): {command.strip()}")
    if not cases:
        sys.exit("no curl found in the README's status block")
    print(f"readme: {len(cases) - failed} of {len(cases)} curls answered as the README says")
    sys.exit(1 if failed else 0)
finally:
    mock.terminate()
    mock.wait(timeout=10)
