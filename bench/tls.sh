#!/usr/bin/env bash
# HTTPS in ONE run on 127.0.0.1 (server on core 0, wrk on core 1): the mock with --tls-cert and
# --tls-key at default flags against the TLS floor (bench/floor.rs with the same certificate:
# hyper over tokio-rustls answering fixed bytes), keep-alive and one full handshake per request
# (`Connection: close`), in interleaved rounds; prints requests/s and the mock's ratio to the
# floor for each, the median of same-round ratios.
#
#   ROUNDS=3 DURATION=5s bash bench/tls.sh
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-3}
duration=${DURATION:-5s}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet --bin livechat-mock --example floor
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
start() { # start NAME COMMAND...: sets URL
  taskset -c 0 "${@:2}" > "$work/$1.out" 2> "$work/$1.log" &
  pids+=($!)
  for _ in $(seq 200); do grep -q '^listening on ' "$work/$1.out" && break; sleep 0.05; done
  URL=$(sed -n 's/^listening on //p' "$work/$1.out")
}
start floor target/release/examples/floor 0 "$work/cert.pem" "$work/key.pem"; floor=$URL
start mock target/release/livechat-mock --port 0 --tls-cert "$work/cert.pem" --tls-key "$work/key.pem"; mock=$URL
path="/api/v1/livechat/visitors.info?visitorId=6a22b1765528fa64dd29de70"
auth=(-H "X-User-Id: rbAXPnMktTFbNpwtJ" -H "X-Auth-Token: RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f")
rps() { # rps URL [wrk args]: requests/s of one wrk run
  taskset -c 1 wrk -t1 -c32 -d"$duration" "${auth[@]}" "${@:2}" "$1$path" | awk '/^Requests\/sec/ { print $2 }'
}
for mode in keep-alive handshake; do
  extra=()
  [ "$mode" = handshake ] && extra=(-H "Connection: close")
  ratios=()
  for round in $(seq "$rounds"); do
    f=$(rps "$floor" "${extra[@]}"); m=$(rps "$mock" "${extra[@]}")
    r=$(awk -v m="$m" -v f="$f" 'BEGIN { printf "%.3f", m / f }')
    ratios+=("$r")
    echo "$mode round $round: floor $f req/s, mock $m req/s, ratio $r"
  done
  median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  echo "$mode: median of same-round ratios (mock / TLS floor) = $median"
done
