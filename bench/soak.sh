#!/usr/bin/env bash
# The soak test: one million requests at 256 connections across every outcome that answers
# (all but reset and hang, which drop connections by design), every response checked for its
# exact body; RSS sampled through the run (growth from the first to the last 100k under 5%);
# the journal within its bound. Then graceful shutdown under load: SIGTERM mid-run, every
# response received is whole and right, the port is freed, exit 0.
#
# Usage: bench/soak.sh   (SOAK_TOTAL=1000000 to change)
set -euo pipefail
cd "$(dirname "$0")/.."
total=${SOAK_TOTAL:-1000000}
export SOAK_TOTAL=$total
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet --bin livechat-mock
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"

RUST_LOG=warn taskset -c 0 target/release/livechat-mock --port "$port" --max-connections 512 >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
until curl -fs -o /dev/null "$url/_mock/health"; do sleep 0.05; done

rss_log=$(mktemp)
( while kill -0 "$pid" 2>/dev/null; do
    echo "$(date +%s.%N) $(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null)" >>"$rss_log"; sleep 0.05
  done ) &
sampler=$!

start=$(date +%s.%N)
result=$(mktemp)
SOAK_OUT=$result taskset -c 1 wrk -t1 -c256 -d600s -s bench/soak.lua "$url" >/dev/null
end=$(date +%s.%N)
out=$(cat "$result"); rm -f "$result"
echo "$(awk -v s="$start" -v e="$end" -v n="$total" 'BEGIN { printf "%d requests in %.1f s: %.0f req/s", n, e - s, n / (e - s) }')"
kill "$sampler" 2>/dev/null || true
responses=$(awk '/^responses/ {print $2}' <<<"$out")
wrong=$(awk '/^responses/ {print $4}' <<<"$out")
journal=$(curl -fs "$url/_mock/health" | python3 -c 'import json,sys; print(json.load(sys.stdin)["journal"])')

# RSS by tenths of the run (about 100k requests each for a million). The first tenth is the
# warm-up (256 connections opening, the journal ring and the allocator's pools filling): growth
# is judged from the second tenth to the last, and the warm-up step is printed beside it.
read -r warm first last <<<"$(awk -v s="$start" -v e="$end" '
  { t = $1; r = $2; if (r == "") next; f = (t - s) / (e - s);
    if (f >= 0 && f < 0.1) { w += r; nw++ }
    if (f >= 0.1 && f < 0.2) { a += r; na++ } if (f >= 0.9 && f <= 1.0) { b += r; nb++ } }
  END { printf "%d %d %d\n", (nw ? w / nw : 0), (na ? a / na : 0), (nb ? b / nb : 0) }' "$rss_log")"
growth=$(awk -v a="$first" -v b="$last" 'BEGIN { printf "%.2f", (a ? (b - a) / a * 100 : 0) }')
rm -f "$rss_log"
echo "responses: $responses, wrong: $wrong, journal entries: $journal (bound 1000)"
echo "RSS warm-up (first 100k): $((warm / 1024)) MiB; second 100k: $((first / 1024)) MiB; last 100k: $((last / 1024)) MiB; growth second to last: $growth%"
kill "$pid"; wait "$pid" 2>/dev/null || true

# Graceful shutdown under load: every request is slowed so some are always in flight.
RUST_LOG=warn taskset -c 0 target/release/livechat-mock --port "$port" --latency 100 >/dev/null 2>&1 &
pid=$!
until curl -fs -o /dev/null "$url/_mock/health"; do sleep 0.05; done
SOAK_TOTAL=100000000 taskset -c 1 wrk -t1 -c256 -d4s -s bench/soak.lua "$url" >"$rss_log.wrk" 2>&1 &
wrk_pid=$!
sleep 2
kill -TERM "$pid"
set +e; wait "$pid"; code=$?; set -e
wait "$wrk_pid" || true
shutdown_wrong=$(awk '/^responses/ {print $4}' "$rss_log.wrk")
shutdown_seen=$(awk '/^responses/ {print $2}' "$rss_log.wrk")
rm -f "$rss_log.wrk"
freed=no
python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', $port))" 2>/dev/null && freed=yes
echo "graceful shutdown under load: exit $code, responses $shutdown_seen, wrong $shutdown_wrong, port freed: $freed"

ok=1
[ "$responses" -ge "$total" ] || ok=0
[ "$wrong" -eq 0 ] || ok=0
[ "$journal" -le 1000 ] || ok=0
awk -v g="$growth" 'BEGIN { exit !(g < 5) }' || ok=0
[ "$code" -eq 0 ] && [ "$shutdown_wrong" -eq 0 ] && [ "$freed" = yes ] || ok=0
if [ "$ok" = 1 ]; then echo "soak: 1 passed, 0 failed"; else echo "soak: 0 passed, 1 failed"; exit 1; fi
