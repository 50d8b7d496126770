#!/usr/bin/env bash
# Drives the /_mock/ui dashboard in Debian's headless Chromium (examples/ui/test.mjs, with
# playwright-core pinned in package-lock.json; no browser is downloaded), twice: against an open
# control API, then against one started with --admin-token (the page must ask for the token).
#
#   bash examples/ui/test.sh [SCREENSHOT.png]     (default docs/ui.png; or env SCREENSHOT)
#
# Expects the mock built (target/debug/livechat-mock, or MOCK_BIN): it does not run cargo.
# A mock that does not serve /_mock/ui yet is put behind examples/ui/serve.mjs, which serves
# src/control/ui.html there and passes everything else on.
set -euo pipefail
cd "$(dirname "$0")/../.."

bin=${MOCK_BIN:-target/debug/livechat-mock}
if [ ! -x "$bin" ]; then
  echo "FAILED: $bin is not built (cargo build first, or set MOCK_BIN)"
  exit 1
fi
source ci/lib.sh
need_chromium

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# run_bg NAME COMMAND...: starts it, waits for its `listening on URL` line, sets URL.
run_bg() {
  local name=$1
  shift
  "$@" >"$work/$name.out" 2>"$work/$name.log" &
  pids+=($!)
  URL=""
  for _ in $(seq 200); do
    URL=$(sed -n 's/^listening on //p' "$work/$name.out")
    [ -n "$URL" ] && return 0
    sleep 0.05
  done
  echo "FAILED: $name did not start:"
  cat "$work/$name.log"
  exit 1
}

# page_url MOCK_URL NAME [TOKEN]: where the dashboard is, behind serve.mjs when the mock has no
# /_mock/ui (with a token the mock answers 401 before it routes: asked with the token, a 404
# says there is no such route).
page_url() {
  local code auth=()
  code=$(curl -s -o /dev/null -w '%{http_code}' "$1/_mock/ui")
  if [ "$code" = 401 ] && [ -n "${3:-}" ]; then
    auth=(-H "Authorization: Bearer $3")
    code=$(curl -s -o /dev/null -w '%{http_code}' "${auth[@]}" "$1/_mock/ui")
    if [ "$code" = 200 ]; then
      echo "FAILED: GET /_mock/ui answers 401 without the admin token; a browser cannot send it, so the page must be served without it"
      exit 1
    fi
  fi
  case "$code" in
    200) PAGE_URL=$1 ;;
    404)
      echo "note: $1 does not serve /_mock/ui yet; serving src/control/ui.html in front of it"
      run_bg "$2-proxy" node examples/ui/serve.mjs "$1"
      PAGE_URL=$URL
      ;;
    *)
      echo "FAILED: GET $1/_mock/ui answered $code"
      exit 1
      ;;
  esac
}

shot=${1:-${SCREENSHOT:-docs/ui.png}}

echo "== the dashboard, open control API"
run_bg mock "$bin" --port 0
page_url "$URL" open
MOCK_URL=$PAGE_URL node examples/ui/test.mjs "$shot"

echo "== the dashboard, control API behind --admin-token"
token="ui-test-$RANDOM$RANDOM"
run_bg mock-token "$bin" --port 0 --admin-token "$token"
page_url "$URL" token "$token"
MOCK_URL=$PAGE_URL ADMIN_TOKEN=$token node examples/ui/test.mjs "$work/ui-token.png"
