#!/usr/bin/env bash
# User-space instructions per request, counted by valgrind (callgrind): a figure this VM's
# noise cannot move, for telling small changes apart. Not a substitute for bench/run.sh (it
# misses the kernel, caches and concurrency): a companion to it.
#
# Each server answers N sequential keep-alive requests for the spec page's visitor, twice
# (2,000 and 12,000), and the difference over 10,000 is the per-request count (start-up and
# shutdown cancel out).
#
# Usage: bench/instructions.sh   (prints floor, default flags, warn, warn without the journal)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; }
cargo build --release --quiet --bin livechat-mock --example floor
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# total ENV N CMD...: instructions for N requests (the command gets the port appended)
total() {
  local env=$1 n=$2; shift 2
  local port; port=$(free_port)
  local args=("$@")
  if [ "${args[0]}" = target/release/examples/floor ]; then args+=("$port"); else args+=(--port "$port"); fi
  env $env valgrind --tool=callgrind --callgrind-out-file="$out/cg" "${args[@]}" >/dev/null 2>"$out/log" &
  local pid=$!
  # any answer (even a 401) means it listens
  for _ in $(seq 600); do curl -s -o /dev/null "http://127.0.0.1:$port/api/v1/livechat/visitors.info" && break; sleep 0.1; done
  python3 - "$port" "$n" <<'PY'
import http.client, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
c = http.client.HTTPConnection("127.0.0.1", port)
h = {"X-User-Id": "rbAXPnMktTFbNpwtJ", "X-Auth-Token": "RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f"}
for _ in range(n):
    c.request("GET", "/api/v1/livechat/visitors.info?visitorId=6a22b1765528fa64dd29de70", headers=h)
    r = c.getresponse(); r.read()
    assert r.status == 200, r.status
PY
  kill -INT "$pid" 2>/dev/null || true
  sleep 1
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  awk '/^(summary|totals):/ { print $2; exit }' "$out/cg"
}

per_request() { # NAME ENV CMD...
  local name=$1 env=$2; shift 2
  local a b
  a=$(total "$env" 2000 "$@")
  b=$(total "$env" 12000 "$@")
  printf '%-22s %8d instructions/request\n' "$name" $(( (b - a) / 10000 ))
}

per_request floor "RUST_LOG=warn" target/release/examples/floor
per_request mock-defaults "-u RUST_LOG" target/release/livechat-mock
per_request mock "RUST_LOG=warn" target/release/livechat-mock
per_request mock-no-journal "RUST_LOG=warn" target/release/livechat-mock --journal-size 0
