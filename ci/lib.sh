# Shared by the CI scripts: start_mock [FLAGS...] builds the binary, starts it on a free port,
# sets MOCK_URL, and stops it when the calling script exits.
start_mock() {
  cargo build --quiet
  local out
  out=$(mktemp)
  target/debug/livechat-mock --port 0 "$@" >"$out" 2>"target/ci-mock-$$.log" &
  MOCK_PID=$!
  trap 'kill $MOCK_PID 2>/dev/null || true' EXIT
  for _ in $(seq 200); do
    grep -q '^listening on ' "$out" && break
    sleep 0.05
  done
  MOCK_URL=$(sed -n 's/^listening on //p' "$out")
  rm -f "$out"
  if [ -z "$MOCK_URL" ]; then
    echo "the mock did not start:"
    cat "target/ci-mock-$$.log"
    exit 1
  fi
}

# need_chromium: Debian's Chromium (installed if missing) and examples/ui's pinned
# playwright-core (npm ci; no browser is downloaded), for the scripts that drive a page.
need_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  (cd examples/ui && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
}
