#!/usr/bin/env bash
# bench-capture: the XDP program's cost and exactness under a UDP flood.
#
# A test namespace (198.18.X.2) floods UDP at the host end of a veth (198.18.X.1) with
# hping3 as fast as it can. Everything is measured in this one run, per attach mode:
#
#   sent, counted, ratio   BENCH_ROUNDS (default 3) floods of BENCH_SECONDS (default 5)
#                          with the monitor attached: packets the interface received
#                          (its own rx_packets counter) and packets the monitor counted
#                          (ebpf_packets_processed_total); the ratio must be exactly 1.
#   rate_vs_no_xdp         receive rate with the monitor attached / rate without any
#                          XDP program; rounds alternate the configurations, averaged.
#   rate_vs_empty_xdp      the same against an empty XDP program (return XDP_PASS)
#                          attached in the same mode: the program's own share, without
#                          what the attach mode itself costs (native XDP on veth does).
#   ns_per_packet          the program's run time per packet from the kernel's BPF run
#                          statistics (kernel.bpf_stats_enabled, on only for that phase).
#   stats_floor_ns         the same statistic for the empty program: what measuring
#                          costs on this machine (two clock reads per run).
#   program_ns_per_packet  ns_per_packet - stats_floor_ns.
#
# Output: key=value lines. Traffic goes only to the test namespace's peer; the
# namespace, link, programs and monitor are removed on exit, Ctrl-C included.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/test-host.sh

[ "$(id -u)" -eq 0 ] || { echo "bench-capture needs root (XDP, namespaces)" >&2; exit 1; }
MONITOR=${MONITOR:-.build/release/monitor}
FLOOD_SECONDS=${BENCH_SECONDS:-5}
ROUNDS=${BENCH_ROUNDS:-3}
CLANG=${BPF_CLANG:-clang}
[ -x "$MONITOR" ] || { echo "missing $MONITOR (make build)" >&2; exit 1; }
command -v hping3 >/dev/null || { echo "hping3 is missing (make setup)" >&2; exit 1; }

port=$((20000 + RANDOM % 20000))
work=$(mktemp -d)
monitor_pid=""
stats_before=$(cat /proc/sys/kernel/bpf_stats_enabled)

ns=""
host=""
cleanup() {
  trap '' INT TERM                          # a second Ctrl-C must not cut cleanup short
  if [ -n "$monitor_pid" ]; then kill "$monitor_pid" 2>/dev/null || true; wait "$monitor_pid" 2>/dev/null || true; fi
  test_host_remove
  sysctl -qw kernel.bpf_stats_enabled="$stats_before" || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The reference program: does nothing but pass the packet.
cat >"$work/empty.c" <<'EOF'
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
SEC("xdp") int empty(struct xdp_md *ctx) { return XDP_PASS; }
char LICENSE[] SEC("license") = "GPL";
EOF
"$CLANG" -O2 -g -target bpf -I"/usr/include/$(uname -m)-linux-gnu" -c "$work/empty.c" -o "$work/empty.o"

test_host_create nmb

flood() { ip netns exec "$ns" timeout "$1" hping3 -q -n --flood --udp -p 9 -d 18 "$host_ip" >/dev/null 2>&1 || true; }
rate() { local a b; a=$(test_host_rx); flood "$1"; b=$(test_host_rx); echo $(( (b - a) / $1 )); }
metrics() { curl -sf "http://127.0.0.1:$port/metrics"; }
metric() { metrics | awk -v name="$1" '$1 == name { print $2 }'; }
average() { awk '{ s += $1; n++ } END { printf "%d", (n ? s / n : 0) }'; }
snapshot() { test_host_counted_snapshot "http://127.0.0.1:$port"; }
ip_mode() { [ "$1" = native ] && echo xdpdrv || echo xdpgeneric; }

start_monitor() {
  "$MONITOR" --interface "$host" --stats-window 1s --ml-detector-url none --http-addr "127.0.0.1:$port" "$@" \
    >"$work/monitor.log" 2>&1 &
  monitor_pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && return 0; sleep 0.1; done
  echo "monitor did not become ready:" >&2; cat "$work/monitor.log" >&2; exit 1
}
stop_monitor() { kill "$monitor_pid"; wait "$monitor_pid" || true; monitor_pid=""; }

# Run statistics of the program attached to the interface, in ns per run.
attached_ns_per_run() {
  local id
  id=$(bpftool net show dev "$host" -j | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
  bpftool prog show id "$id" | awk '{ for (i = 1; i < NF; i++) { if ($i == "run_time_ns") t = $(i+1); if ($i == "run_cnt") n = $(i+1) } }
                                   END { if (n > 0) printf "%.1f", t / n; else print "nan" }'
}

for mode in native generic; do
  # Rounds alternate the three configurations, so drift of the machine's speed
  # affects them alike: no program, the empty program, the monitor.
  none=(); empty=(); attached=(); sent=0; got=0
  for _ in $(seq "$ROUNDS"); do
    none+=("$(rate "$FLOOD_SECONDS")")
    ip link set dev "$host" "$(ip_mode "$mode")" obj "$work/empty.o" sec xdp
    empty+=("$(rate "$FLOOD_SECONDS")")
    ip link set dev "$host" "$(ip_mode "$mode")" off

    start_monitor --xdp-mode "$mode"
    read -r r0 c0 < <(snapshot)
    start=$(test_host_rx); flood "$FLOOD_SECONDS"; flooded=$(test_host_rx)
    read -r r1 c1 < <(snapshot)
    stop_monitor
    attached+=($(( (flooded - start) / FLOOD_SECONDS )))
    sent=$((sent + r1 - r0)); got=$((got + c1 - c0))
  done

  # Cost per packet from the kernel's run statistics: the empty program (the floor),
  # then the monitor's program.
  sysctl -qw kernel.bpf_stats_enabled=1
  ip link set dev "$host" "$(ip_mode "$mode")" obj "$work/empty.o" sec xdp
  flood 3
  floor=$(attached_ns_per_run)
  ip link set dev "$host" "$(ip_mode "$mode")" off
  start_monitor --xdp-mode "$mode" --program-stats
  flood 3
  sleep 2.5
  runs=$(metric ebpf_program_runs_total); run_seconds=$(metric ebpf_program_run_seconds_total)
  stop_monitor
  sysctl -qw kernel.bpf_stats_enabled="$stats_before"

  none_rate=$(printf '%s\n' "${none[@]}" | average)
  empty_rate=$(printf '%s\n' "${empty[@]}" | average)
  attached_rate=$(printf '%s\n' "${attached[@]}" | average)
  awk -v mode="$mode" -v sent="$sent" -v got="$got" -v rate="$attached_rate" -v none="$none_rate" -v empty="$empty_rate" \
      -v runs="$runs" -v secs="$run_seconds" -v floor="$floor" -v nones="$(IFS=,; echo "${none[*]}")" \
      -v empties="$(IFS=,; echo "${empty[*]}")" -v attacheds="$(IFS=,; echo "${attached[*]}")" 'BEGIN {
    ns = (runs > 0) ? secs * 1e9 / runs : 0
    printf "mode=%s sent=%d counted=%d ratio=%.6f pps=%d no_xdp_pps=%d empty_xdp_pps=%d rate_vs_no_xdp=%.3f rate_vs_empty_xdp=%.3f ns_per_packet=%.1f stats_floor_ns=%s program_ns_per_packet=%.1f\n",
      mode, sent, got, (sent ? got / sent : 0), rate, none, empty, rate / none, rate / empty, ns, floor, ns - floor
    printf "mode=%s no_xdp_rounds=%s empty_xdp_rounds=%s monitor_rounds=%s\n", mode, nones, empties, attacheds
  }'
done
