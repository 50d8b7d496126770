#!/usr/bin/env bash
# The benchmark, in ONE run on 127.0.0.1: the server pinned to core 0, wrk to core 1.
#   - THE HEADLINE: livechat-mock with default flags, as users run it: info logs (one line per
#     request) with stderr to a file, journal on, gate on, bundled fixtures
#   - livechat-mock, a 200 for a fixture visitor, schema gate on (logs at warn, journal on)
#   - the same with the gate off (--bench-gate-off), to price the gate, and with no journal
#     (--journal-size 0), to price the journal
#   - default flags with a hand-made piece swapped for the stock one, to price each: the request
#     line through tracing-subscriber's own format (--bench-stock-log), request heads timed by
#     hyper's header_read_timeout (--bench-stock-header-timeout)
#   - default flags with the /_mock/ui dashboard open: a poller doing what the page does once a
#     second (GET /_mock/requests?after=N, /_mock/coverage, /_mock/outcome, /_mock/health) on
#     wrk's core during that server's measurement, so its own CPU is charged to the load side
#   - livechat-mock holding 1,000,000 generated visitors (requests/s must stay flat)
#   - the floor: bench/floor.rs, bare hyper answering the same bytes
#   - the peers: Stoplight Prism, WireMock, Mockoon CLI and json-server serving the same request
#     and body (bench/peers/)
# Prints requests/s and p50/p99 latency for each, each as a ratio to the floor, and each server's
# start-up time (launch to the first correct answer) and RSS after the load.
#
# Each server is measured ROUNDS times, the rounds interleaved, and the median kept: this
# machine is noisy, so only ratios from one run mean anything. The headline is the median of
# same-round ratios (default flags over the floor measured just before), the medians taken
# separately beside it.
#
# Usage: bench/run.sh   (DURATION=10s CONNECTIONS=32 ROUNDS=3 PEERS=1; PEERS=0 skips the peers)
#   COMPARE="before=/path/to/an/older/livechat-mock ..." adds each binary with default flags, as
#   mock-stock-NAME, to price a change in the same run (same-round ratios are printed).
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${DURATION:-10s}
rounds=${ROUNDS:-3}
connections=${CONNECTIONS:-32}
peers=${PEERS:-1}
server_core=0
load_core=1

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet --bin livechat-mock --example floor
if [ "$peers" = 1 ] && ! { [ -d target/bench-node/node_modules/@stoplight/prism-cli ] &&
  [ -d target/bench-node/node_modules/wiremock ] && [ -d target/bench-node/node_modules/@mockoon/cli ] &&
  [ -d target/bench-node/node_modules/json-server ]; }; then
  npm install --silent --no-audit --no-fund --prefix target/bench-node \
    @stoplight/prism-cli@5.14.2 wiremock@3.13.2 @mockoon/cli@9.9.0 json-server@0.17.4
fi

path='/api/v1/livechat/visitors.info?visitorId=6a22b1765528fa64dd29de70'
expected='{"visitor":{"_id":"6a22b1765528fa64dd29de70","username":"guest-10","status":"online","ts":"2026-06-05T11:22:30.664Z","_updatedAt":"2026-06-05T11:22:30.665Z","name":"Postman Test Visitor","phone":[{"phoneNumber":"+15551234567"}],"visitorEmails":[{"address":"postman-test@example.com"}]},"success":true}'
auth=(-H 'X-User-Id: rbAXPnMktTFbNpwtJ' -H 'X-Auth-Token: RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f')
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

pids=()
stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap stop_all EXIT

# start NAME PORT CMD...: starts a server on the server core and waits for the expected body.
# All servers run side by side (an idle server takes no CPU), so their measurements interleave.
declare -A ports server_pid startup_ms rss_mib
start() {
  local name=$1 port=$2; shift 2
  local launched
  launched=$(date +%s%N)
  if [[ $name == mock-defaults || $name == mock-stock-* || $name == mock-ui-* ]]; then
    # default flags: no RUST_LOG (info), stderr to a file as a user's redirect would
    env -u RUST_LOG taskset -c "$server_core" "$@" >/dev/null 2>"target/bench-${name#mock-}.log" &
  else
    RUST_LOG=warn taskset -c "$server_core" "$@" >/dev/null 2>&1 &
  fi
  pids+=($!)
  server_pid[$name]=$!
  ports[$name]=$port
  for _ in $(seq 6000); do
    body=$(curl -fs "${auth[@]}" "http://127.0.0.1:$port$path" 2>/dev/null || true)
    [ -n "$body" ] && break
    sleep 0.01
  done
  startup_ms[$name]=$(( ($(date +%s%N) - launched) / 1000000 ))
  if [ "$(echo "$body" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), separators=(",",":")))' 2>/dev/null)" != "$expected" ]; then
    echo "$name does not answer the expected body: $body" >&2
    exit 1
  fi
}

declare -A rps p50 p99 cpu
# CPU time the server process used (user + system, in clock ticks): a measure that the VM's
# stolen time does not inflate, unlike wall-clock throughput.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
tick_us=$(( 1000000 / $(getconf CLK_TCK) ))
to_ms() { # wrk latency like 123.45us, 1.20ms, 2.00s -> milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}
measure() { # measure NAME: one wrk run, appended to the server's samples
  local name=$1 port=${ports[$1]} out poller=
  if [ "$name" = mock-ui-open ]; then
    taskset -c "$load_core" python3 bench/ui-poller.py "http://127.0.0.1:$port" &
    poller=$!
  fi
  taskset -c "$load_core" wrk -t1 -c"$connections" -d2s "${auth[@]}" "http://127.0.0.1:$port$path" >/dev/null # warm-up
  local before after served
  before=$(cpu_ticks "${server_pid[$name]}")
  out=$(taskset -c "$load_core" wrk -t1 -c"$connections" -d"$duration" --latency "${auth[@]}" "http://127.0.0.1:$port$path")
  after=$(cpu_ticks "${server_pid[$name]}")
  if [ -n "$poller" ]; then kill "$poller" 2>/dev/null || true; wait "$poller" 2>/dev/null || true; fi
  served=$(awk '/requests in/ {print $1}' <<<"$out")
  cpu[$name]="${cpu[$name]:-} $(awk -v t=$((after - before)) -v us="$tick_us" -v n="$served" 'BEGIN { printf "%.3f", t * us / n }')"
  if grep -q "Non-2xx" <<<"$out"; then echo "$name: non-2xx responses" >&2; echo "$out" >&2; exit 1; fi
  rps[$name]="${rps[$name]:-} $(awk '/^Requests\/sec/ {print $2}' <<<"$out")"
  p50[$name]="${p50[$name]:-} $(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")"
  p99[$name]="${p99[$name]:-} $(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")"
  echo "round $round $name: $(awk '/^Requests\/sec/ {print $2}' <<<"$out") req/s" >&2
  # The default-flags server's log (about 150 MB a round) is written back to disk now, not by
  # the kernel's flusher during the next server's measurement.
  if [[ $name == mock-defaults || $name == mock-stock-* || $name == mock-ui-* ]]; then sync "target/bench-${name#mock-}.log"; fi
}
median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

names=(floor mock-defaults mock-ui-open mock-stock-log mock-stock-head mock mock-gate-off mock-no-journal mock-1M-visitors)
port=$(free_port); start floor "$port" target/release/examples/floor "$port"
port=$(free_port); start mock-defaults "$port" target/release/livechat-mock --port "$port"
port=$(free_port); start mock-ui-open "$port" target/release/livechat-mock --port "$port"
port=$(free_port); start mock-stock-log "$port" target/release/livechat-mock --port "$port" --bench-stock-log
port=$(free_port); start mock-stock-head "$port" target/release/livechat-mock --port "$port" --bench-stock-header-timeout
port=$(free_port); start mock "$port" target/release/livechat-mock --port "$port"
port=$(free_port); start mock-gate-off "$port" target/release/livechat-mock --port "$port" --bench-gate-off
port=$(free_port); start mock-no-journal "$port" target/release/livechat-mock --port "$port" --journal-size 0
port=$(free_port); start mock-1M-visitors "$port" target/release/livechat-mock --port "$port" --generate 1000000
for pair in ${COMPARE:-}; do
  other=${pair%%=*}
  names+=("mock-stock-$other")
  port=$(free_port); start "mock-stock-$other" "$port" "${pair#*=}" --port "$port"
done
if [ "$peers" = 1 ]; then
  names+=(prism wiremock)
  port=$(free_port); start prism "$port" node target/bench-node/node_modules/@stoplight/prism-cli/dist/index.js mock -p "$port" -h 127.0.0.1 bench/peers/prism.yaml
  jar=$(ls target/bench-node/node_modules/wiremock/build/wiremock-standalone-*.jar)
  port=$(free_port); start wiremock "$port" java -jar "$jar" --port "$port" --bind-address 127.0.0.1 --root-dir bench/peers/wiremock --disable-banner --no-request-journal --disable-request-logging
  names+=(mockoon json-server)
  port=$(free_port); start mockoon "$port" node target/bench-node/node_modules/@mockoon/cli/bin/run.js start --data bench/peers/mockoon.json --port "$port"
  port=$(free_port); start json-server "$port" node target/bench-node/node_modules/json-server/lib/cli/bin.js --port "$port" --host 127.0.0.1 --quiet --routes bench/peers/json-server/routes.json bench/peers/json-server/db.json
fi
for round in $(seq "$rounds"); do
  for name in "${names[@]}"; do measure "$name"; done
done
# Same-round ratios for the headline (each round's default-flags run over the floor's run just
# before it), kept before the medians replace the samples.
per_round() { # per_round SAMPLES_A SAMPLES_B INVERT -> "r1 r2 ..." (a/b, or b/a when INVERT=1)
  paste <(tr ' ' '\n' <<<"$1" | grep -v '^$') <(tr ' ' '\n' <<<"$2" | grep -v '^$') |
    awk -v inv="$3" '{ printf "%.3f ", (inv ? $2 / $1 : $1 / $2) }'
}
declare -A rps_rounds cpu_rounds
for name in "${names[@]}"; do rps_rounds[$name]=${rps[$name]:-}; cpu_rounds[$name]=${cpu[$name]:-}; done
headline_rps_rounds=$(per_round "${rps[mock-defaults]}" "${rps[floor]}" 0)
headline_cpu_rounds=$(per_round "${cpu[mock-defaults]}" "${cpu[floor]}" 1)
# What each hand-made piece buys: default flags over the same with the stock piece, per round.
log_gain_rounds=$(per_round "${rps[mock-defaults]}" "${rps[mock-stock-log]}" 0)
head_gain_rounds=$(per_round "${rps[mock-defaults]}" "${rps[mock-stock-head]}" 0)
log_cpu_rounds=$(per_round "${cpu[mock-defaults]}" "${cpu[mock-stock-log]}" 1)
head_cpu_rounds=$(per_round "${cpu[mock-defaults]}" "${cpu[mock-stock-head]}" 1)
for name in "${names[@]}"; do
  rss_mib[$name]=$(awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/${server_pid[$name]}/status" 2>/dev/null || echo "?")
  rps[$name]=$(median "${rps[$name]}"); p50[$name]=$(median "${p50[$name]}"); p99[$name]=$(median "${p99[$name]}"); cpu[$name]=$(median "${cpu[$name]}")
done

echo
echo "$(nproc) cores, $(date -u +%Y-%m-%d), wrk -t1 -c$connections -d$duration, median of $rounds interleaved rounds, server on core $server_core, wrk on core $load_core"
printf '%-18s %12s %10s %10s %10s %14s %12s %10s %9s\n' server "req/s" "p50 ms" "p99 ms" "x floor" "CPU us/req" "x floor CPU" "start ms" "RSS MiB"
for name in "${names[@]}"; do
  [ -n "${rps[$name]:-}" ] || continue
  printf '%-18s %12s %10s %10s %10s %14s %12s %10s %9s\n' "$name" "${rps[$name]}" "${p50[$name]}" "${p99[$name]}" \
    "$(awk -v a="${rps[$name]}" -v b="${rps[floor]}" 'BEGIN { printf "%.3f", a / b }')" "${cpu[$name]}" \
    "$(awk -v a="${cpu[$name]}" -v b="${cpu[floor]}" 'BEGIN { printf "%.3f", b / a }')" "${startup_ms[$name]}" "${rss_mib[$name]}"
done
echo "(x floor CPU: the floor's server CPU time per request over this one's, the capacity ratio that stolen time cannot skew)"
ratio() { awk -v a="${rps[$1]}" -v b="${rps[$2]}" 'BEGIN { printf "%.1f", a / b }'; }
echo
# The headline pairs each round's default-flags run with the floor's run just before it (this
# VM has slow phases of tens of seconds; a pair shares its phase, medians taken separately need
# not), and takes the median of those ratios. Both are printed.
echo "headline, default flags (info logs to a file, journal and gate on): $(median "$headline_cpu_rounds")x the floor by CPU per request, $(median "$headline_rps_rounds")x by req/s (medians of same-round ratios)"
echo "  same-round ratios by req/s: $headline_rps_rounds; by CPU: $headline_cpu_rounds"
echo "  medians taken separately: $(awk -v a="${cpu[mock-defaults]}" -v b="${cpu[floor]}" 'BEGIN { printf "%.3f", b / a }')x by CPU per request, $(awk -v a="${rps[mock-defaults]}" -v b="${rps[floor]}" 'BEGIN { printf "%.3f", a / b }')x by req/s"
echo "log lines written: $(wc -l < target/bench-defaults.log); dropped: $(grep -c 'log lines dropped' target/bench-defaults.log || true)"
pct() { awk -v r="$(median "$1")" 'BEGIN { printf "%+.1f%%", (r - 1) * 100 }'; }
echo "the request-line writer buys $(pct "$log_gain_rounds") req/s, $(pct "$log_cpu_rounds") capacity by CPU over tracing-subscriber's format (same-round ratios: $log_gain_rounds)"
ui_rounds=$(per_round "${rps_rounds[mock-ui-open]}" "${rps_rounds[mock-defaults]}" 0)
ui_cpu_rounds=$(per_round "${cpu_rounds[mock-ui-open]}" "${cpu_rounds[mock-defaults]}" 1)
echo "the dashboard open and polling: $(median "$ui_rounds")x the closed page's req/s, $(median "$ui_cpu_rounds")x its capacity by CPU (same-round ratios: $ui_rounds; by CPU: $ui_cpu_rounds)"
for pair in ${COMPARE:-}; do
  other=${pair%%=*}
  rounds_of=$(per_round "${rps_rounds[mock-defaults]}" "${rps_rounds[mock-stock-$other]}" 0)
  echo "default flags over $other (${pair#*=}): $(pct "$rounds_of") req/s (same-round ratios: $rounds_of)"
done
echo "the watchdog's header check buys $(pct "$head_gain_rounds") req/s, $(pct "$head_cpu_rounds") capacity by CPU over hyper's header_read_timeout (same-round ratios: $head_gain_rounds)"
echo "gate cost (CPU per request): $(awk -v a="${cpu[mock]}" -v b="${cpu[mock-gate-off]}" 'BEGIN { printf "%.1f%%", (a / b - 1) * 100 }')"
echo "gate cost: $(awk -v a="${rps[mock]}" -v b="${rps[mock-gate-off]}" 'BEGIN { printf "%.1f%%", (1 - a / b) * 100 }') of the gate-off requests/s"
echo "journal cost: $(awk -v a="${rps[mock]}" -v b="${rps[mock-no-journal]}" 'BEGIN { printf "%.1f%%", (1 - a / b) * 100 }') of the journal-off requests/s"
echo "1M visitors vs 7: $(awk -v a="${rps[mock-1M-visitors]}" -v b="${rps[mock]}" 'BEGIN { printf "%.3f", a / b }')x"
if [ "$peers" = 1 ]; then
  echo "default-flags mock vs Prism: $(ratio mock-defaults prism)x; vs WireMock: $(ratio mock-defaults wiremock)x; vs Mockoon: $(ratio mock-defaults mockoon)x; vs json-server: $(ratio mock-defaults json-server)x"
fi
