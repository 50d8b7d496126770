#!/usr/bin/env bash
# A page on another origin chooses outcomes by header in headless Chromium: allowed with
# --cors-mock-headers, refused by the browser without it (examples/ui/outcomes.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
source ci/lib.sh
if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
(cd examples/ui && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
start_mock --cors-mock-headers
MOCK_URL="$MOCK_URL" EXPECT=allowed node examples/ui/outcomes.mjs
kill "$MOCK_PID"
start_mock
MOCK_URL="$MOCK_URL" EXPECT=refused node examples/ui/outcomes.mjs
