#!/usr/bin/env bash
# HTTPS end to end: a mock started with --tls auto, trusted through the CA it writes, by curl
# (--cacert), Node's fetch (NODE_EXTRA_CA_CERTS), newman (--ssl-extra-ca-certs) and
# `livechat-mock verify --ca-cert` and headless Chromium (--ignore-certificate-errors-spki-list);
# a plain-HTTP request to the HTTPS port is closed.
set -euo pipefail
cd "$(dirname "$0")/.."
source ci/lib.sh
ca=target/ci-ca.pem
rm -f "$ca"
start_mock --tls auto --tls-ca-out "$ca"
case "$MOCK_URL" in https://*) ;; *) echo "FAILED: not an https URL: $MOCK_URL"; exit 1 ;; esac
url=${MOCK_URL/127.0.0.1/localhost}
agent=(-H 'X-User-Id: rbAXPnMktTFbNpwtJ' -H 'X-Auth-Token: RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f')

echo "-- curl --cacert"
curl -sS --fail-with-body --cacert "$ca" "${agent[@]}" \
  "$url/api/v1/livechat/visitors.info?visitorId=6a22b1765528fa64dd29de70" | grep -q '"success":true'
cmp <(curl -sS --cacert "$ca" "$url/_mock/ca.pem") "$ca"
echo "ok: curl trusts the CA; /_mock/ca.pem is the written CA"

echo "-- Node fetch with NODE_EXTRA_CA_CERTS"
NODE_EXTRA_CA_CERTS="$ca" node -e '
fetch(process.argv[1] + "/api/v1/livechat/visitors.info?visitorId=6a22b1765528fa64dd29de70", {
  headers: { "X-User-Id": "rbAXPnMktTFbNpwtJ", "X-Auth-Token": "RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f" },
}).then(async (r) => { if (r.status !== 200) { console.error(r.status, await r.text()); process.exit(1); } console.log("ok: Node fetch", r.status); })
  .catch((e) => { console.error(e); process.exit(1); });' "$url"

echo "-- newman --ssl-extra-ca-certs"
prefix=target/ci-node
if [ ! -x "$prefix/node_modules/.bin/newman" ]; then
  npm install --silent --no-audit --no-fund --prefix "$prefix" newman@6.2.2
fi
"$prefix/node_modules/.bin/newman" run postman/livechat-mock.postman_collection.json \
  --env-var "baseUrl=$url" --ssl-extra-ca-certs "$ca" --color off > target/ci-newman-https.log \
  || { cat target/ci-newman-https.log; echo "FAILED: newman over HTTPS"; exit 1; }
echo "ok: newman over HTTPS"

echo "-- livechat-mock verify --ca-cert"
target/debug/livechat-mock verify --target "$url" --ca-cert "$ca" \
  --user-id rbAXPnMktTFbNpwtJ --auth-token RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f \
  --unprivileged-user-id D8hgkER8fq6g5jFbo --unprivileged-auth-token gb0aRSmCXnlFWXGyGuEFqrLWoxALCIgPD0Ituzb7lLM \
  --cors '*' --rate 200 > target/ci-verify-https.log \
  || { cat target/ci-verify-https.log; echo "FAILED: verify over HTTPS"; exit 1; }
echo "ok: verify over HTTPS matched"

echo "-- headless Chromium, trusting the CA by its SPKI hash"
need_chromium
MOCK_URL="$url" CA_PEM="$ca" node examples/ui/https.mjs

echo "-- plain HTTP to the HTTPS port"
set +e
out=$(curl -sS --max-time 5 "http://127.0.0.1:${MOCK_URL##*:}/" 2>&1)
code=$?
set -e
[ "$code" -ne 0 ] || { echo "FAILED: plain HTTP got an answer: $out"; exit 1; }
echo "ok: plain HTTP is closed (curl: $out)"
echo "https: curl, Node, newman, verify and Chromium all trusted the local CA"
