#!/usr/bin/env bash
# soak: the detector at saturation and the monitor at full packet rate, for SOAK_SECONDS
# (default 600), on release builds, everything measured in this one run.
#
#   detector  wrk (SOAK_CONNECTIONS, default 16, one per thread: 16 monitors posting as fast
#             as the detector answers) posts a different window every request
#             (soak.lua: random rates, random top sources, streams that restart, one scan
#             and one flood in 50), in SOAK_SEGMENT-second rounds (default 60) back to back;
#             it retrains every 60 s and saves its models each time.
#   monitor   XDP on the host end of a test namespace's veth; the namespace floods it with
#             UDP from random source addresses (hping3 --flood --rand-source, every packet a
#             new source for the kernel tables) and sends DNS tunnel queries (200/s) to it;
#             the monitor posts its windows to the same detector.
#
# Every 0.2 s: the RSS of both services (memory.py sample). Every 5 s: their open descriptors,
# the size of their /metrics and the entries the monitor's probe-horizon tracker holds.
# Output (key=value lines):
#   segment=N    req_s, p50_ms, p99_ms, errors of that wrk round; *_vs_first: against the first
#                round of the same run (the baseline)
#   rss          per service (memory.py trend): its RSS averaged over each 30 s after the
#                warm-up (SOAK_WARMUP, default 120 s), the first and last of these means, their
#                least-squares slope in MB/min, and each minute's mean, lowest and highest
#                reading. Single readings every few seconds would not do: the monitor's RSS
#                steps by 15 to 25 MB within every 1 s window (memory.py explains)
#   fds, metrics_bytes   per service: after the warm-up, at the end, their slope or ratio
#   horizon_tracker      the tracker's entries and sources at each minute mark (bounded: flat)
#   monitor      packets the interface received, packets the monitor counted and their ratio
#                (must be 1), the windows it closed under load and their mean length (1 s asked
#                for; longer when the saturated machine leaves the collecting thread no CPU at
#                a boundary: the window then simply lasts longer), post failures, dropped and
#                refused windows, ring-buffer and DNS-sample losses
#   verdict      PASS, or FAIL naming each criterion missed:
#                  the RSS slope of both services ≤ SOAK_MAX_SLOPE_MB_MIN (default 0.5 MB/min)
#                  no wrk error, every answer a 2xx, no failed or refused post, no dropped window
#                  counted / received = 1
#                  every round's p99 ≤ SOAK_MAX_P99_RATIO (default 3) × the first round's, and
#                  req/s ≥ 1 / SOAK_MAX_P99_RATIO × the first round's
#
# Traffic goes only to the host end of the test namespace's veth (198.18.X.1): the
# flood's random source addresses are never answered (a bound socket receives the flood, so
# no ICMP error leaves; rp_filter may drop them earlier, after XDP has counted them). The
# namespace, the link and both services are removed on exit, Ctrl-C included.
#
# Environment: SOAK_SECONDS, SOAK_SEGMENT, SOAK_WARMUP, SOAK_CONNECTIONS, SOAK_THREADS,
# SOAK_MAX_SLOPE_MB_MIN, SOAK_MAX_P99_RATIO, SOAK_BUILD (release; debug for a quick check
# of the script itself), SOAK_SAMPLES (a path: keep the 5 s samples there and the RSS samples
# in PATH.rss), SWIFT (swift).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/test-host.sh

[ "$(id -u)" -eq 0 ] || { echo "soak needs root (XDP, namespaces)" >&2; exit 1; }
SWIFT=${SWIFT:-swift}
total=${SOAK_SECONDS:-600}
segment=${SOAK_SEGMENT:-60}
warmup=${SOAK_WARMUP:-120}
connections=${SOAK_CONNECTIONS:-16}
threads=${SOAK_THREADS:-$connections}
max_slope=${SOAK_MAX_SLOPE_MB_MIN:-0.5}
max_ratio=${SOAK_MAX_P99_RATIO:-3}
build=${SOAK_BUILD:-release}
for tool in wrk hping3 curl python3; do
  command -v "$tool" >/dev/null || { echo "soak: $tool is missing (make setup installs it)" >&2; exit 1; }
done
[ "$segment" -ge 5 ] && [ "$total" -ge "$segment" ] || { echo "soak: SOAK_SECONDS must be ≥ SOAK_SEGMENT ≥ 5" >&2; exit 1; }
[ "$warmup" -lt "$total" ] || { echo "soak: SOAK_WARMUP must be shorter than SOAK_SECONDS" >&2; exit 1; }

echo "soak: building detector and monitor ($build)" >&2
"$SWIFT" build -c "$build" --product detector >&2
"$SWIFT" build -c "$build" --product monitor >&2
bin=".build/$build"

work=$(mktemp -d)
detector_pid="" monitor_pid="" sampler_pid="" rss_sampler_pid="" sink_pid=""
ns="" host=""
cleanup() {
  trap '' INT TERM                          # a second Ctrl-C must not cut cleanup short
  for pid in "$sampler_pid" "$rss_sampler_pid" "$monitor_pid" "$detector_pid" "$sink_pid"; do
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  done
  test_host_remove
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ready() {  # url pid log
  for _ in $(seq 1 600); do
    curl -sf "$1" >/dev/null && return 0
    kill -0 "$2" 2>/dev/null || { echo "soak: service exited:" >&2; cat "$3" >&2; exit 1; }
    sleep 0.1
  done
  echo "soak: $1 never answered:" >&2; cat "$3" >&2; exit 1
}

test_host_create nsk

# The flood's and the DNS queries' destination: bound sockets that never read, so the host
# sends no ICMP port-unreachable (not to the namespace, and never to a random source).
python3 - "$host_ip" "$((total + 120))" >"$work/sink.log" 2>&1 <<'PY' &
import socket, sys, time
sockets = []
for port in (9, 53):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((sys.argv[1], port))
    sockets.append(s)
time.sleep(float(sys.argv[2]))
PY
sink_pid=$!

detector_port=$(free_port)
monitor_port=$(free_port)
detector_url="http://127.0.0.1:$detector_port"
monitor_url="http://127.0.0.1:$monitor_port"
mkdir -p "$work/models"
"$bin/detector" --http-addr "127.0.0.1:$detector_port" --training-interval 60s --model-dir "$work/models" \
  --log-level warning >"$work/detector.log" 2>&1 &
detector_pid=$!
wait_ready "$detector_url/health" "$detector_pid" "$work/detector.log"
"$bin/monitor" --interface "$host" --require-xdp --stats-window 1s --ml-detector-url "$detector_url" \
  --http-addr "127.0.0.1:$monitor_port" --log-level warning >"$work/monitor.log" 2>&1 &
monitor_pid=$!
wait_ready "$monitor_url/ready" "$monitor_pid" "$work/monitor.log"

fds() { ls "/proc/$1/fd" | wc -l; }
metrics_bytes() { curl -sf "$1/metrics" | wc -c; }
# The monitor's /metrics size, then the entries and sources its probe-horizon tracker holds.
monitor_metrics_sample() {
  curl -sf "$monitor_url/metrics" | awk '{ bytes += length($0) + 1 }
    $1 == "ebpf_horizon_tracked_entries" { entries = $2 } $1 == "ebpf_horizon_tracked_sources" { sources = $2 }
    END { printf "%d %d %d", bytes, entries, sources }'
}
start=$(date +%s)
python3 Benchmarks/soak/memory.py sample "$start" "$detector_pid" "$monitor_pid" >"$work/rss" &
rss_sampler_pid=$!
(
  while true; do
    echo "$(( $(date +%s) - start )) $(fds "$detector_pid") $(fds "$monitor_pid") $(metrics_bytes "$detector_url") $(monitor_metrics_sample)"
    sleep 5
  done
) >"$work/samples" 2>/dev/null &
sampler_pid=$!

read -r received_before counted_before < <(test_host_counted_snapshot "$monitor_url")
windows_before=$(curl -sf "$monitor_url/metrics" | awk '$1 == "ebpf_windows_total" { printf "%d", $2 }')
load_start=$(( $(date +%s) - start ))
ip netns exec "$ns" timeout "$total" hping3 -q -n --flood --rand-source --udp -p 9 -d 18 "$host_ip" >/dev/null 2>&1 &
ip netns exec "$ns" timeout "$total" bash -c "while true; do python3 scripts/dns-queries.py $host_ip --tunnel --count 10000 --rate 200; done" \
  >/dev/null 2>&1 &

rounds=$((total / segment))
echo "soak: $rounds rounds of $segment s; detector $detector_url, monitor $monitor_url on $host" >&2
for round in $(seq 1 "$rounds"); do
  result=$(wrk -t"$threads" -c"$connections" -d"${segment}s" -s Benchmarks/soak/soak.lua "$detector_url/detect" | grep '^RESULT')
  echo "segment=$round ${result#RESULT }" | tee -a "$work/rounds" >&2
done
load_end=$(( $(date +%s) - start ))
windows_after=$(curl -sf "$monitor_url/metrics" | awk '$1 == "ebpf_windows_total" { printf "%d", $2 }')

# Traffic stops with the rounds (same timeouts); the snapshot waits until the interface is quiet.
read -r received_after counted_after < <(test_host_counted_snapshot "$monitor_url")
for pid in "$sampler_pid" "$rss_sampler_pid"; do kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; done
sampler_pid="" rss_sampler_pid=""
received=$(( received_after - received_before ))
counted=$(( counted_after - counted_before ))
monitor_metrics=$(curl -sf "$monitor_url/metrics")
detector_metrics=$(curl -sf "$detector_url/metrics")
sum() { awk -v name="$1" '$1 == name || index($1, name "{") == 1 { s += $2 } END { printf "%d", s }' <<<"$2"; }
post_failures=$(sum ebpf_ml_post_failures_total "$monitor_metrics")
dropped=$(sum ebpf_ml_post_dropped_windows_total "$monitor_metrics")
refused=$(sum ebpf_ml_post_rejected_windows_total "$monitor_metrics")
ringbuf_lost=$(sum ebpf_ringbuf_lost_events_total "$monitor_metrics")
dns_lost=$(sum ebpf_dns_samples_lost_total "$monitor_metrics")
dns_packets=$(sum ebpf_dns_packets_total "$monitor_metrics")
windows=$(( windows_after - windows_before ))
server_errors=$(awk '/^ml_detector_requests_total\{/ && /code="5/ { s += $2 } END { printf "%d", s }' <<<"$detector_metrics")
trainings=$(sum ml_detector_trainings_total "$detector_metrics")

# RSS: the trend of each service (columns 2 and 3 of memory.py's samples).
rss_lines=""
for service in 2:detector 3:monitor; do
  rss_lines+="rss service=${service#*:} $(python3 Benchmarks/soak/memory.py trend "$work/rss" "${service%%:*}" "$warmup" "$load_end")"$'\n'
done

awk -v warmup="$warmup" -v load_end="$load_end" -v max_slope="$max_slope" -v max_ratio="$max_ratio" \
    -v rss_lines="$rss_lines" \
    -v received="$received" -v counted="$counted" -v post_failures="$post_failures" -v dropped="$dropped" \
    -v refused="$refused" -v ringbuf_lost="$ringbuf_lost" -v dns_lost="$dns_lost" -v dns_packets="$dns_packets" \
    -v windows="$windows" -v load_start="$load_start" -v server_errors="$server_errors" -v trainings="$trainings" -v rounds_file="$work/rounds" '
  function field(line, key,   n, i, parts, kv) {
    n = split(line, parts, " ")
    for (i = 1; i <= n; i++) { split(parts[i], kv, "="); if (kv[1] == key) return kv[2] }
    return ""
  }
  # Least-squares slope of column c against time (minutes) over the samples after warm-up.
  function slope(c,   i, n, sx, sy, sxx, sxy, x, y) {
    n = 0; sx = sy = sxx = sxy = 0
    for (i = 1; i <= count; i++) if (t[i] >= warmup && t[i] <= load_end) {
      x = t[i] / 60; y = v[i, c]; n++; sx += x; sy += y; sxx += x * x; sxy += x * y
    }
    return (n > 1 && n * sxx != sx * sx) ? (n * sxy - sx * sy) / (n * sxx - sx * sx) : 0
  }
  function at_warmup(c,   i) { for (i = 1; i <= count; i++) if (t[i] >= warmup) return v[i, c]; return v[count, c] }
  # The last sample taken under load.
  function loaded(c,   i, last) { for (i = 1; i <= count; i++) if (t[i] <= load_end) last = v[i, c]; return last }
  # The value at each minute mark under load: a plateau and a growth look different here.
  function by_minute(c,   i, m, out) {
    out = ""
    for (m = 1; m * 60 <= load_end; m++) for (i = count; i >= 1; i--) if (t[i] <= m * 60) { out = out (out == "" ? "" : ",") sprintf("%d", v[i, c]); break }
    return out
  }
  { count++; t[count] = $1; for (c = 2; c <= NF; c++) v[count, c] = $c }
  END {
    fail = ""
    while ((getline line < rounds_file) > 0) {
      r++; rs[r] = field(line, "req_s"); p99[r] = field(line, "p99_ms"); p50[r] = field(line, "p50_ms")
      errs += field(line, "errors"); non2xx += field(line, "non2xx"); requests += field(line, "requests")
    }
    for (i = 1; i <= r; i++) {
      printf "segment=%d req_s=%d p50_ms=%.3f p99_ms=%.3f req_s_vs_first=%.3f p99_vs_first=%.3f\n", i, rs[i], p50[i], p99[i], rs[i] / rs[1], p99[i] / p99[1]
      if (p99[i] > max_ratio * p99[1] && index(fail, "latency") == 0) fail = fail " latency(p99 of round " i " is " sprintf("%.2f", p99[i] / p99[1]) "x the first)"
      if (rs[i] * max_ratio < rs[1] && index(fail, "throughput") == 0) fail = fail " throughput(round " i " at " sprintf("%.2f", rs[i] / rs[1]) "x the first)"
    }
    printf "%s", rss_lines
    n = split(rss_lines, rss, "\n")
    for (i = 1; i <= n; i++) if (rss[i] != "" && field(rss[i], "slope_mb_per_min") + 0 > max_slope + 0)
      fail = fail " rss(" field(rss[i], "service") " grows " field(rss[i], "slope_mb_per_min") " MB/min)"
    names[2] = "detector"; names[3] = "monitor"
    for (c = 2; c <= 3; c++) {
      printf "fds service=%s after_warmup=%d end=%d slope_per_min=%.3f\n", names[c], at_warmup(c), loaded(c), slope(c)
      printf "metrics_bytes service=%s after_warmup=%d end=%d end_vs_after_warmup=%.3f\n", names[c], at_warmup(c + 2), loaded(c + 2), loaded(c + 2) / at_warmup(c + 2)
    }
    printf "horizon_tracker entries_by_minute=%s sources_by_minute=%s\n", by_minute(6), by_minute(7)
    printf "detector requests=%d errors=%d non2xx=%d server_errors=%d trainings=%d samples=%d\n", requests, errs, non2xx, server_errors, trainings, count
    printf "monitor received=%d counted=%d ratio=%.6f windows=%d mean_window_s=%.2f post_failures=%d dropped_windows=%d refused_windows=%d ringbuf_lost=%d dns_packets=%d dns_samples_lost=%d\n", received, counted, (received ? counted / received : 0), windows, (windows ? (load_end - load_start) / windows : 0), post_failures, dropped, refused, ringbuf_lost, dns_packets, dns_lost
    if (errs + non2xx + server_errors > 0) fail = fail " errors(wrk " errs ", non-2xx " non2xx ", 5xx " server_errors ")"
    if (post_failures + dropped + refused > 0) fail = fail " posts(failed " post_failures ", dropped " dropped ", refused " refused ")"
    if (counted != received) fail = fail " counting(" counted " of " received ")"
    if (fail == "") print "verdict=PASS"; else { print "verdict=FAIL" fail; exit 1 }
  }' "$work/samples" || status=$?
if [ -n "${SOAK_SAMPLES:-}" ]; then
  cp "$work/rss" "$SOAK_SAMPLES.rss"; cp "$work/samples" "$SOAK_SAMPLES"
  echo "soak: samples kept in $SOAK_SAMPLES and $SOAK_SAMPLES.rss" >&2
fi
exit "${status:-0}"
