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

source ci/lib.sh
start_mock
url=$MOCK_URL

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
