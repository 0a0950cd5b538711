#!/usr/bin/env bash
# Builds the libFuzzer targets of Fuzz/ (coverage-guided, with AddressSanitizer) and runs each:
# first on every saved regression input (Fuzz/Regressions/<target>/: inputs that once crashed,
# which must not any more), then from a seed corpus the target writes itself (frames from
# FrameBuilder, captures from PcapWriter, generated windows and events, saved ensembles, sshd and
# PAM log lines) for
# FUZZ_SECONDS. Fails on any crash, sanitizer report, broken invariant, timeout or memory blow-up;
# libFuzzer writes the input to Fuzz/.build-fuzz/artifacts/ and the log names it.
#
#   scripts/fuzz-targets.sh                         # make test: FUZZ_SECONDS=20 per target
#   FUZZ_SECONDS=600 scripts/fuzz-targets.sh        # make fuzz
#   FUZZ_TARGETS="fuzz-pcap" scripts/fuzz-targets.sh
#
# The corpus grown by a run stays in Fuzz/.build-fuzz/corpus/ and is reused by the next run on
# the same checkout. A crash found becomes a regression input (copy it to Fuzz/Regressions/) and
# a unit test of the library it is in.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${FUZZ_SECONDS:-20}"
targets=(${FUZZ_TARGETS:-fuzz-frames fuzz-pcap fuzz-detect-json fuzz-model-file fuzz-auth-log})
build="$root/Fuzz/.build-fuzz"

# One build of every target: debug, instrumented for libFuzzer and AddressSanitizer.
mkdir -p "$build"
if ! swift build --package-path "$root/Fuzz" --build-path "$build" -Xswiftc -sanitize=fuzzer,address >"$build/build.log" 2>&1; then
  grep -v "Cannot export local symbol" "$build/build.log" | tail -60 >&2
  echo "fuzz-targets: the build failed" >&2
  exit 1
fi
bin="$(swift build --package-path "$root/Fuzz" --build-path "$build" --show-bin-path)"

# Swift's own crash backtracer would run inside the sanitizer's report; libFuzzer prints enough.
export SWIFT_BACKTRACE=enable=no
# Leak reports would count the Swift runtime's caches (alive until exit); memory growth is caught
# by -rss_limit_mb and -malloc_limit_mb instead.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:${ASAN_OPTIONS:-}"
mkdir -p "$build/artifacts"
status=0
for target in "${targets[@]}"; do
  log="$build/$target.log"
  regressions="$root/Fuzz/Regressions/$target"
  if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
    if ! "$bin/$target" -runs=1 -timeout=30 "$regressions"/* >"$log.regressions" 2>&1; then
      tail -40 "$log.regressions" >&2
      echo "fuzz-targets: $target fails on a saved regression input ($regressions)" >&2
      status=1
      continue
    fi
    echo "fuzz-targets: $target: $(ls "$regressions" | wc -l) regression inputs pass"
  fi
  corpus="$build/corpus/$target"
  seeds="$build/seeds/$target"
  rm -rf "$seeds"
  "$bin/$target" --write-seeds "$seeds" >/dev/null
  mkdir -p "$corpus"
  if "$bin/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
      -print_final_stats=1 -artifact_prefix="$build/artifacts/$target-" \
      "$corpus" "$seeds" >"$log" 2>&1; then
    runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')"
    coverage="$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo '?')"
    echo "fuzz-targets: $target: $runs inputs in ${seconds}s, coverage $coverage edges, corpus $(ls "$corpus" | wc -l) files: no failure"
  else
    tail -60 "$log" >&2
    echo "fuzz-targets: $target FAILED; the input is in $build/artifacts/ (see $log)" >&2
    status=1
  fi
done
exit "$status"
