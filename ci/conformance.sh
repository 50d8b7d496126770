#!/usr/bin/env bash
# Rocket.Chat's own published code as the oracle (conformance/): the differential suite (every
# emulated release's rest-typings validator, its qs, Hono; 20,000 seeded adversarial queries per
# release, exact bytes), the core-typings field check, and Rocket.Chat's REST client
# (@rocket.chat/api-client) driving the mock at each release. Needs the release binary.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$PWD/target/release/livechat-mock"
[ -x "$bin" ] || cargo build --release --quiet

echo "-- conformance/oracle (npm ci, then the differential run)"
(cd conformance/oracle && npm ci --no-audit --no-fund --loglevel=error && node run.mjs --bin "$bin" --count 20000 --seed "${ORACLE_SEED:-1}")

echo "-- conformance/client (core-typings fields, api-client flows)"
(cd conformance/client && npm ci --no-audit --no-fund --loglevel=error && node fields.mjs && LIVECHAT_MOCK_BIN="$bin" node client.mjs)
