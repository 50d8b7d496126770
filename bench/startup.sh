#!/usr/bin/env bash
# Start-up time (process start to the first answered request) and memory (RSS), for the bundled
# fixtures and for generated visitors. Usage: bench/startup.sh [N ...]  (default: 0 100000 1000000)
# Each size runs 3 times; the median is printed. Builds the release binary first.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/livechat-mock
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(0 100000 1000000)

measure() { # $1 = generated visitors; prints "ms rss_kib"
  local out port start ms rss pid
  out=$(mktemp)
  start=$(date +%s%N)
  "$bin" --port 0 --generate "$1" >"$out" 2>/dev/null &
  pid=$!
  until grep -q '^listening on ' "$out"; do sleep 0.001; done
  url=$(sed -n 's/^listening on //p' "$out")
  until curl -fs -o /dev/null "$url/_mock/health"; do sleep 0.001; done
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -f "$out"
  echo "$ms $rss"
}

printf '%-12s %14s %12s %16s\n' visitors "first-answer" "RSS" "bytes/visitor"
base_rss=""
for n in "${sizes[@]}"; do
  runs=$(for _ in 1 2 3; do measure "$n"; done | sort -n)
  median=$(echo "$runs" | sed -n 2p)
  ms=${median% *}; rss=${median#* }
  [ -n "$base_rss" ] || base_rss=$rss
  per=""
  [ "$n" -gt 0 ] && per=$(( (rss - base_rss) * 1024 / n ))
  printf '%-12s %12s ms %9s MiB %16s\n' "$n" "$ms" "$(( rss / 1024 ))" "$per"
done
