#!/usr/bin/env bash
# Runs the Postman collection with newman (npm, pinned) against a freshly started mock.
set -euo pipefail
cd "$(dirname "$0")/.."
source ci/lib.sh

prefix=target/ci-node
if [ ! -x "$prefix/node_modules/.bin/newman" ]; then
  npm install --silent --no-audit --no-fund --prefix "$prefix" newman@6.2.2
fi

start_mock
"$prefix/node_modules/.bin/newman" run postman/livechat-mock.postman_collection.json \
  --environment postman/livechat-mock.postman_environment.json \
  --env-var "baseUrl=$MOCK_URL" --color off

# The collection's own variables are enough: run it again without the environment file.
"$prefix/node_modules/.bin/newman" run postman/livechat-mock.postman_collection.json \
  --env-var "baseUrl=$MOCK_URL" --color off
