#!/usr/bin/env bash
# A page on another origin chooses outcomes by header in headless Chromium: allowed with
# --cors-mock-headers, refused by the browser without it (examples/ui/outcomes.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
source ci/lib.sh
need_chromium
start_mock --cors-mock-headers
MOCK_URL="$MOCK_URL" EXPECT=allowed node examples/ui/outcomes.mjs
kill "$MOCK_PID"
start_mock
MOCK_URL="$MOCK_URL" EXPECT=refused node examples/ui/outcomes.mjs
