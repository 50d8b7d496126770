#!/usr/bin/env bash
# Drives headless Chromium (Debian's package) against examples/browser/ served from another
# origin than the mock, and asserts the rendered page and the preflight the browser sent.
set -euo pipefail
cd "$(dirname "$0")/../.."
source ci/lib.sh

if ! command -v chromium >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

start_mock
# The page, from its own origin (another port).
page_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$page_port" --bind 127.0.0.1 --directory examples/browser >/dev/null 2>&1 &
page_pid=$!
trap 'kill $MOCK_PID $page_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$page_port/index.html" && break; sleep 0.05; done

profile=$(mktemp -d)
dom=$(timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --virtual-time-budget=10000 --dump-dom \
  "http://127.0.0.1:$page_port/index.html?mock=$MOCK_URL" 2>/dev/null)
rm -rf "$profile"

failures=0
expect() {
  if grep -qF "$1" <<<"$dom"; then echo "ok: $2"; else echo "FAILED: $2 (no '$1' in the page)"; failures=$((failures + 1)); fi
}
expect 'data-state="loaded"' "the visitor loaded across origins"
expect '<dd>Lucía Fernández</dd>' "the visitor's name is rendered"
expect '<dd>guest-11</dd>' "the username is rendered"
expect '<dd>lucia.fernandez@example.es</dd>' "the e-mail is rendered"
expect '<dd>no</dd>' "no token is shown"
expect '401: You must be logged in to do this.' "the 401 is readable cross-origin"

# The preflight the browser sent, from the mock's journal.
journal=$(curl -fsS "$MOCK_URL/_mock/requests")
if python3 - "$journal" "$page_port" <<'PY'
import json, sys
entries = json.loads(sys.argv[1])["requests"]
origin = "http://127.0.0.1:" + sys.argv[2]
pre = [e for e in entries if e["method"] == "OPTIONS"]
assert pre, "no preflight in the journal"
headers = dict(pre[0]["headers"])
assert headers.get("origin") == origin, headers
assert headers.get("access-control-request-method") == "GET", headers
assert "x-auth-token" in headers.get("access-control-request-headers", ""), headers
assert pre[0]["status"] == 200, pre[0]
gets = [e for e in entries if e["method"] == "GET" and e["path"] == "/api/v1/livechat/visitors.info"]
assert [e["status"] for e in gets] == [200, 401], gets
PY
then echo "ok: the browser sent the preflight and both GETs"; else echo "FAILED: the preflight"; failures=$((failures + 1)); fi

echo "browser: $((7 - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
