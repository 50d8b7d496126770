#!/usr/bin/env bash
# The npm distribution, end to end without a registry publish: packs the platform package and the
# wrapper (npm/build.sh), installs both tarballs into a fresh project, runs the `livechat-mock`
# command (start, health, SIGTERM, exit code; a killed binary's signal; the missing-platform
# error), then the node:test example through the JavaScript API and the MSW example.
#   bash ci/npm.sh                      (from the repository root)
#   LIVECHAT_MOCK_NPM_MSW=0 bash ci/npm.sh   skips the MSW example (it installs msw from the registry)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if [ ! -x target/release/livechat-mock ]; then
  echo "== cargo build --release (no release binary yet)"
  cargo build --release
fi

echo "== npm/build.sh"
bash npm/build.sh
version=$(node -p 'require("./npm/livechat-mock/package.json").version')
platform_tgz="$root/target/npm/livechat-mock-linux-x64-gnu-$version.tgz"
wrapper_tgz="$root/target/npm/livechat-mock-$version.tgz"

project=$(mktemp -d)
mock_pid=
cleanup() {
  if [ -n "$mock_pid" ]; then kill "$mock_pid" 2>/dev/null || true; fi
  rm -rf "$project"
}
trap cleanup EXIT
cd "$project"

echo "== install both tarballs into $project"
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error "$platform_tgz"
npm install --no-audit --no-fund --loglevel=error "$wrapper_tgz"
test -x node_modules/@livechat-mock/linux-x64-gnu/bin/livechat-mock
test "$(npx --no-install livechat-mock --version)" = "livechat-mock $version"

# Starts `$@` in the background, in its own process group (job control on), with stdout in
# $project/out; waits for the listening line; sets mock_pid (also the group id) and mock_url.
start_bg() {
  : >"$project/out"
  set -m
  "$@" >"$project/out" 2>"$project/err" &
  mock_pid=$!
  set +m
  mock_url=
  for _ in $(seq 200); do
    mock_url=$(sed -n 's/^listening on //p' "$project/out")
    [ -n "$mock_url" ] && break
    kill -0 "$mock_pid" 2>/dev/null || break
    sleep 0.05
  done
  if [ -z "$mock_url" ]; then
    echo "FAIL: no 'listening on' line from: $*"
    cat "$project/err"
    exit 1
  fi
}

# Waits for $mock_pid and checks its exit code is one of "$@".
expect_exit() {
  local rc=0 want
  wait "$mock_pid" || rc=$?
  mock_pid=
  for want in "$@"; do
    [ "$rc" = "$want" ] && return 0
  done
  echo "FAIL: exit code $rc, expected $*"
  cat "$project/err"
  exit 1
}

# The binary logs this last when it stopped gracefully (in-flight requests done).
expect_graceful() {
  grep -q 'all connections closed' "$project/err" || { echo "FAIL: no graceful stop"; cat "$project/err"; exit 1; }
}

expect_gone() {
  if curl -fsS --max-time 2 "$1/_mock/health" >/dev/null 2>&1; then
    echo "FAIL: the binary still answers at $1"
    exit 1
  fi
}

echo "== npx livechat-mock --port 0: listening, health, a request, SIGTERM to its process group"
start_bg npx --no-install livechat-mock --port 0
echo "   $mock_url"
curl -fsS "$mock_url/_mock/health" | grep -q '"status":"ok"'
curl -fsS -H X-User-Id:rbAXPnMktTFbNpwtJ -H X-Auth-Token:RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f \
  "$mock_url/api/v1/livechat/visitors.info?visitorId=6a22b1765528fa64dd29de70" | grep -q '"success":true'
# npx runs the bin through `sh -c`, and dash does not forward signals: a SIGTERM to npx's pid
# alone would orphan the binary. A terminal's Ctrl-C (and this) signals the whole group; npm
# then exits 143 when its `sh` died of the signal (dash), 0 when `sh` exec'd the bin (bash).
url=$mock_url
kill -TERM -- "-$mock_pid"
expect_exit 143 0
expect_graceful
expect_gone "$url"

echo "== the bin script itself: SIGTERM and SIGINT forwarded → exit 0"
for signal in TERM INT; do
  start_bg node_modules/.bin/livechat-mock --port 0
  url=$mock_url
  kill "-$signal" "$mock_pid"   # the wrapper's pid only: it must forward
  expect_exit 0
  expect_graceful
  expect_gone "$url"
done

echo "== the bin script: SIGHUP forwarded (the binary reloads its fixtures and keeps serving)"
start_bg node_modules/.bin/livechat-mock --port 0
kill -HUP "$mock_pid"
sleep 0.3
curl -fsS "$mock_url/_mock/health" | grep -q '"status":"ok"'
grep -qi 'reload' "$project/err" || { echo "FAIL: no reload logged"; cat "$project/err"; exit 1; }
kill -TERM "$mock_pid"
expect_exit 0

echo "== the bin script: the binary killed by SIGKILL → the wrapper dies of it too (137)"
start_bg node_modules/.bin/livechat-mock --port 0
child=$(pgrep -P "$mock_pid" -x livechat-mock)
kill -KILL "$child"
expect_exit 137

echo "== the bin script: exit codes pass through (a bad flag → 2)"
rc=0
node_modules/.bin/livechat-mock --no-such-flag 2>/dev/null || rc=$?
[ "$rc" = 2 ] || { echo "FAIL: rc=$rc for a bad flag"; exit 1; }

echo "== no platform package: a clear error, exit 1"
mv node_modules/@livechat-mock "$project/aside"
rc=0
node_modules/.bin/livechat-mock --version 2>"$project/err" || rc=$?
mv "$project/aside" node_modules/@livechat-mock
if [ "$rc" != 1 ] || ! grep -q '@livechat-mock/linux-x64-gnu is not installed' "$project/err"; then
  echo "FAIL: rc=$rc"; cat "$project/err"; exit 1
fi

echo "== node --test mock.test.mjs (the JavaScript API)"
cp "$root/npm/examples/mock.test.mjs" .
node --test mock.test.mjs

if [ "${LIVECHAT_MOCK_NPM_MSW:-1}" != 0 ]; then
  echo "== node --test msw.test.mjs (the MSW bridge, msw@^2 from the registry)"
  npm install --no-audit --no-fund --loglevel=error 'msw@^2'
  cp "$root/npm/examples/msw.test.mjs" .
  node --test msw.test.mjs
fi

echo "== npm: ok ($version)"
