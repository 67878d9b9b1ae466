#!/usr/bin/env bash
# Property-based API testing of `ledger serve` against Schemas/openapi.yaml
# with every check and every phase (examples, coverage, fuzzing, stateful): no 5xx, no
# response that violates the document, no valid request refused, no invalid one accepted.
# Loopback only.
#   Tools/schemathesis.sh [max-examples per operation, default 25]
# Needs `pip install schemathesis`; builds the debug `ledger`.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v schemathesis >/dev/null || pip install -q schemathesis
swift build --product ledger >/dev/null
folder=$(mktemp -d)
port=$((18000 + RANDOM % 1000))
LEDGER_KEYS="app:app-key-0123456789abcdef,admin:admin-key-0123456789abcdef,auditor:auditor-key-0123456789abcd" \
LEDGER_PROVIDER_REPLICATE_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw LEDGER_PORT=$port LEDGER_LOG_LEVEL=error \
  .build/debug/ledger serve --db "$folder/ledger.sqlite" > "$folder/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -s "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
# GET /v1/jobs/{id}?wait= holds the request by design (up to 60 s): the run gives each
# request 65 s, and that operation's slow answers are the intended wait, not a fault.
schemathesis run Schemas/openapi.yaml --url "http://127.0.0.1:$port" \
  -H "Authorization: Bearer admin-key-0123456789abcdef" \
  --checks all --phases examples,coverage,fuzzing,stateful \
  --request-timeout 65 -n "${1:-25}" "${@:2}"
