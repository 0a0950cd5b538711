#!/usr/bin/env bash
# Fuzzes the detector's HTTP API with schemathesis (PyPI) against docs/openapi.json: every
# operation, every check but one, deterministic generation so a run is reproducible. Left out:
# positive_data_acceptance, because some limits relate two fields (failed_attempts <=
# total_attempts, successful + failed <= total, packets_per_second x window_seconds <= 2^53)
# and cannot be stated in a JSON schema, so schema-valid bodies that break them rightly get a 400
# naming the fields. scripts/schemathesis.toml lists the statuses that count as a rejection. Fails on any 5xx, any response that breaks the document, any malformed
# body accepted, or a detector that crashed or stopped answering /health.
#
#   scripts/fuzz-api.sh                 # bounded: FUZZ_EXAMPLES=60 per operation (make test)
#   FUZZ_EXAMPLES=2000 scripts/fuzz-api.sh
#
# GET /detect/prom needs a Prometheus; it is excluded here (its 200, 502 and 503 are covered
# by the detector's Prometheus suites). The detector is the debug build (BIN_DIR), on loopback.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${BIN_DIR:-$root/.build/debug}/detector"
examples="${FUZZ_EXAMPLES:-60}"
[ -x "$bin" ] || { echo "fuzz-api: no detector at $bin (swift build first, or set BIN_DIR)" >&2; exit 1; }

venv="$root/.venv-fuzz"
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==4.32.5"
fi

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
token="fuzz-$RANDOM$RANDOM"
scratch="$(mktemp -d)"
DETECTOR_API_TOKEN="$token" LOG_LEVEL=warning "$bin" --http-addr "127.0.0.1:$port" >"$scratch/detector.log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT
for _ in $(seq 300); do
  curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$scratch/detector.log" >&2; echo "fuzz-api: the detector exited" >&2; exit 1; }
  sleep 0.5
done

status=0
(cd "$scratch" && "$venv/bin/schemathesis" --config-file "$root/scripts/schemathesis.toml" run "$root/docs/openapi.json" \
  --url "http://127.0.0.1:$port" -H "Authorization: Bearer $token" --checks all --exclude-checks positive_data_acceptance \
  --exclude-path /detect/prom --max-examples "$examples" --generation-deterministic --workers 1 \
  --no-color) >"$scratch/schemathesis.log" 2>&1 || status=$?
if ! kill -0 "$pid" 2>/dev/null; then
  cat "$scratch/detector.log" >&2
  echo "fuzz-api: the detector crashed during the run" >&2
  exit 1
fi
if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health")" != 200 ]; then
  echo "fuzz-api: the detector no longer answers /health with 200 after the run" >&2
  exit 1
fi
if [ "$status" -ne 0 ]; then
  cat "$scratch/schemathesis.log" >&2
  echo "fuzz-api: schemathesis found failures ($examples examples per operation; reproduce with the same FUZZ_EXAMPLES)" >&2
  exit 1
fi
summary="$(grep -E '[0-9]+ generated' "$scratch/schemathesis.log" | tail -1 | sed 's/^ *//')"
echo "fuzz-api: no failure (${summary:-see log}; $examples examples per operation; detector healthy after the run)"
