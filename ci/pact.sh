#!/usr/bin/env bash
# Pact's own verifier (the static `pact` binary of @pact-foundation/pact-cli, pinned in
# examples/pact/package-lock.json) against a started mock, with provider states: the example
# pact must pass, and a pact with one wrong expectation must fail with the verifier's message.
set -euo pipefail
cd "$(dirname "$0")/.."
source ci/lib.sh
export PACT_DO_NOT_TRACK=true
(cd examples/pact && npm ci --no-audit --no-fund --loglevel=error)
pact=examples/pact/node_modules/@pact-foundation/pact-cli-linux-x64/standalone/pact
start_mock
port=${MOCK_URL##*:}
verify() {
  "$pact" verifier -f "$1" -h 127.0.0.1 -p "$port" \
    --state-change-url "$MOCK_URL/_mock/provider-states" --state-change-teardown
}
echo "-- the example pact (visitors.info 200, 400 both kinds, 401, 403, 429; registration; by token)"
verify examples/pact/consumer-livechat-mock.json > target/pact-good.log 2>&1 || {
  cat target/pact-good.log
  echo "FAILED: the example pact did not verify"
  exit 1
}
grep -c "OK" target/pact-good.log | sed 's/^/checks OK: /'
echo "-- a pact with one wrong expectation (404 for an unknown visitor; the server answers 400)"
set +e
verify examples/pact/broken-expects-404.json > target/pact-broken.log 2>&1
code=$?
set -e
if [ "$code" -eq 0 ]; then
  cat target/pact-broken.log
  echo "FAILED: the broken pact verified"
  exit 1
fi
sed 's/\x1b\[[0-9;]*m//g' target/pact-broken.log | grep -q "expected 404 but was 400" || {
  cat target/pact-broken.log
  echo "FAILED: the verifier's message is not the expected one"
  exit 1
}
echo "pact: the example pact verified; the broken one failed with exit $code: expected 404 but was 400"

echo "-- a pact exported from the journal (--journal-responses), fed back to the verifier"
kill "$MOCK_PID"
start_mock --journal-responses
port=${MOCK_URL##*:}
agent=(-H 'X-User-Id: rbAXPnMktTFbNpwtJ' -H 'X-Auth-Token: RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f')
for q in "visitorId=6a22b1765528fa64dd29de70" "" "visitorId=000000000000000000000000" "visitorId=6a22b1765528fa64dd29de70&count=1"; do
  curl -s -o /dev/null "${agent[@]}" "$MOCK_URL/api/v1/livechat/visitors.info?$q"
done
curl -sS --fail-with-body "$MOCK_URL/_mock/pact?consumer=recorded-widget&provider=livechat-mock" > target/pact-exported.json
# The journal cut the token: the real one is supplied at verification time.
"$pact" verifier -f target/pact-exported.json -h 127.0.0.1 -p "$port" \
  --header "X-Auth-Token=RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f" > target/pact-exported.log 2>&1 || {
  cat target/pact-exported.log
  echo "FAILED: the exported pact did not verify"
  exit 1
}
echo "pact: the exported pact ($(python3 -c 'import json; print(len(json.load(open("target/pact-exported.json"))["interactions"]))') interactions) verified against the mock"
