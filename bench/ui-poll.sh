#!/usr/bin/env bash
# What the /_mock/ui dashboard costs the emulated endpoint: visitors.info at default flags
# (server on core 0, wrk on core 1), with the page closed and with it open, in interleaved
# rounds. "Open" is what the page does: GET /_mock/requests?after=N, /_mock/coverage,
# /_mock/outcome and /_mock/health once a second (a poller standing in for the browser, so the
# browser's own CPU does not count; it runs on wrk's core, so its own few curls a second are
# charged to the load side, not the server). Prints the median of same-round ratios.
#
#   ROUNDS=3 DURATION=5s bash bench/ui-poll.sh
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-3}
duration=${DURATION:-5s}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet --bin livechat-mock
work=$(mktemp -d)
taskset -c 0 target/release/livechat-mock --port 0 > "$work/out" 2> "$work/log" &
mock=$!
poller=
trap 'kill $mock ${poller:-} 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 200); do grep -q '^listening on ' "$work/out" && break; sleep 0.05; done
url=$(sed -n 's/^listening on //p' "$work/out")
path="/api/v1/livechat/visitors.info?visitorId=6a22b1765528fa64dd29de70"
rps() {
  taskset -c 1 wrk -t1 -c32 -d"$duration" -H "X-User-Id: rbAXPnMktTFbNpwtJ" \
    -H "X-Auth-Token: RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f" "$url$path" |
    awk '/^Requests\/sec/ { print $2 }'
}
ratios=()
for round in $(seq "$rounds"); do
  closed=$(rps)
  taskset -c 1 python3 bench/ui-poller.py "$url" > /dev/null 2>&1 &
  poller=$!
  open=$(rps)
  kill "$poller"; wait "$poller" 2>/dev/null || true; poller=
  r=$(awk -v o="$open" -v c="$closed" 'BEGIN { printf "%.3f", o / c }')
  ratios+=("$r")
  echo "round $round: page closed $closed req/s, page open and polling $open req/s, ratio $r"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
echo "the dashboard open costs visitors.info: median of same-round ratios (open / closed) = $median"
