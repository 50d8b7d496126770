#!/usr/bin/env bash
# A Postman user's path from the served OpenAPI document: convert it with openapi-to-postmanv2
# (Postman's own importer, npm, pinned) with its default options, run the API requests with
# newman, and require that the imported requests work against the bundled fixtures: the base URL
# from `servers`, the headers and parameters from the examples.
set -euo pipefail
cd "$(dirname "$0")/.."
source ci/lib.sh

prefix=target/ci-node
if [ ! -x "$prefix/node_modules/.bin/openapi2postmanv2" ] || [ ! -x "$prefix/node_modules/.bin/newman" ]; then
  npm install --silent --no-audit --no-fund --prefix "$prefix" newman@6.2.2 openapi-to-postmanv2@4.25.0
fi

start_mock
work=$(mktemp -d)
curl -sf "$MOCK_URL/_mock/openapi.json" > "$work/openapi.json"
"$prefix/node_modules/.bin/openapi2postmanv2" -s "$work/openapi.json" -o "$work/collection.json" \
  -O folderStrategy=Tags > /dev/null
"$prefix/node_modules/.bin/newman" run "$work/collection.json" --folder "Authentication" --folder "Omnichannel Visitors" \
  --color off --reporters cli,json --reporter-json-export "$work/run.json" > "$work/newman.log"
python3 - "$work/run.json" "$work/collection.json" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))["run"]
collection = json.load(open(sys.argv[2]))
folders = [item["name"] for item in collection["item"]]
assert "Not routed (404, documentation only)" in folders, folders
assert "Mock control (changes the mock's state)" in folders, folders
seen = {}
for execution in run["executions"]:
    name = execution["item"]["name"]
    seen.setdefault(name, execution["response"]["code"])
    print(f"{execution['request']['method']:7} {name}: {execution['response']['code']}")
for name in (
    "Login with Username and Password (or resume with an auth token)",
    "Get Visitor Information by ID",
    "As GET, without the body",
    "Register Livechat Visitor (an existing token updates that visitor)",
    "Get a Livechat visitor by token",
):
    assert seen.get(name) == 200, f"{name}: {seen.get(name)} (want 200)"
assert 401 not in seen.values(), seen
print(f"postman import: {len(seen)} requests run, every one answered 200")
assert set(seen.values()) == {200}, seen
PY
