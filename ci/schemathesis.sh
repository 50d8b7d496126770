#!/usr/bin/env bash
# Drives Schemathesis (every check) against a freshly started mock, from the OpenAPI document the
# mock serves, after checking that document with openapi-spec-validator. Installs both from PyPI
# into a virtualenv under target/ on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/ci-venv
if [ ! -x "$venv/bin/schemathesis" ] || [ ! -x "$venv/bin/openapi-spec-validator" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "schemathesis==4.32.5" "openapi-spec-validator==0.9.0"
fi

cargo build --quiet
out=$(mktemp)
target/debug/livechat-mock --port 0 >"$out" 2>target/schemathesis-mock.log &
mock=$!
trap 'kill $mock 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 100); do
  grep -q '^listening on ' "$out" && break
  sleep 0.05
done
url=$(sed -n 's/^listening on //p' "$out")
[ -n "$url" ] || { echo "the mock did not start"; cat target/schemathesis-mock.log; exit 1; }

doc=target/openapi.json
curl -fsS "$url/_mock/openapi.json" -o "$doc"
"$venv/bin/openapi-spec-validator" "$doc"

run() {
  "$venv/bin/schemathesis" --config-file ci/schemathesis.toml run "$url/_mock/openapi.json" \
    --url "$url" --checks all --max-examples 150 --seed 20261127 --request-timeout 5 "$@"
}
# Rocket.Chat's API first, then the control API (whose overrides would change the answers of the
# first, so it runs on its own).
run --include-path-regex '^/api/'
run --include-path-regex '^/_mock/'
