#!/usr/bin/env bash
# Runs two shell blocks of the docs as written, taken from the Markdown so the docs and CI cannot
# drift: the release matrix of docs/testing-tools.md (all six releases pass the Postman
# collection; the table shown under it matches every column but the duration), and
# docs/getting-started.md's "In CI: start, wait, stop" (its placeholder line made a real
# visitors.info check; /_mock/verify answers 200; the mock exits 0 on kill).
set -euo pipefail
cd "$(dirname "$0")/.."

# block FILE HEADING LANG: the first ```LANG block in FILE's section "## HEADING".
block() {
  python3 - "$@" <<'PY'
import sys
path, heading, lang = sys.argv[1:]
text = open(path, encoding="utf-8").read()
if f"\n## {heading}\n" not in text:
    sys.exit(f"{path}: no section '## {heading}'")
section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
if f"```{lang}\n" not in section:
    sys.exit(f"{path}: no ```{lang} block under '## {heading}'")
print(section.split(f"```{lang}\n", 1)[1].split("```", 1)[0], end="")
PY
}

echo "-- docs/testing-tools.md: A release matrix"
matrix=$(block docs/testing-tools.md "A release matrix" sh)
shown=$(block docs/testing-tools.md "A release matrix" text)
printf '%s\n' "$matrix"
# Fetch the pinned newman once, so the runs at once do not each download it.
npx --yes newman@6.2.2 --version > /dev/null
out=target/ci-docs-matrix.out
if ! bash -euo pipefail -c "$matrix" > "$out"; then
  cat "$out"
  echo "FAILED: the release matrix of docs/testing-tools.md"
  exit 1
fi
cat "$out"
# The table as the docs show it, but for the duration (the third column).
columns() { awk 'NF { $3 = ""; print }'; }
got=$(sed -n '/^version /,/^$/p' "$out" | columns)
want=$(printf '%s\n' "$shown" | columns)
if [ "$got" != "$want" ]; then
  diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") || true
  echo "FAILED: docs/testing-tools.md shows another table than the matrix printed (< docs, > run)"
  exit 1
fi
echo "ok: the release matrix passed on every release, and printed the table the docs show"

echo "-- docs/getting-started.md: In CI: start, wait, stop"
snippet=$(block docs/getting-started.md "In CI: start, wait, stop" sh)
placeholder="# ... run the client's tests against \$MOCK_URL ..."
grep -qxF "$placeholder" <<<"$snippet" || { echo "FAILED: no '$placeholder' line"; exit 1; }
# In place of the client's tests: the spec page's visitor, read with the bundled agent.
check=$(cat <<'SH'
code=$(curl -sS -o visitor.json -w '%{http_code}' -H 'X-User-Id: rbAXPnMktTFbNpwtJ' \
  -H 'X-Auth-Token: RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f' \
  "$MOCK_URL/api/v1/livechat/visitors.info?visitorId=6a22b1765528fa64dd29de70")
[ "$code" = 200 ] || { echo "FAILED: visitors.info answered $code: $(cat visitor.json)"; exit 1; }
echo "ok: visitors.info answered 200"
SH
)
script=${snippet/"$placeholder"/"$check"}
printf '%s\n' "$script"
# A directory of its own for mock.out and mock.log, inside the repository (cargo finds its
# Cargo.toml above), whose target/release is the repository's.
mkdir -p target/release
dir=$(mktemp -d -p target ci-docs-getting-started.XXXXXX)
mkdir "$dir/target"
ln -s "$PWD/target/release" "$dir/target/release"
# Whatever happens, the mock it started does not outlive it (stopped and reaped); set -e makes
# a failed `wait $pid` (the mock's exit status) the block's.
prelude=$(cat <<'SH'
trap '[ -z "${pid:-}" ] || { kill "$pid" 2>/dev/null && { wait "$pid" || true; }; }' EXIT
trap 'exit 143' TERM
SH
)
if ! (cd "$dir" && timeout 120 bash -euo pipefail -c "$prelude"$'\n'"$script"); then
  cat "$dir/mock.log" 2>/dev/null || true
  echo "FAILED: docs/getting-started.md's CI block (its files: $dir)"
  exit 1
fi
rm -rf "$dir"
echo
echo "ok: started, checked, verified (200), stopped with exit 0"
echo "docs-snippets: both blocks ran as written"
