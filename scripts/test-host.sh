# Sourced by scripts/demo.sh and the capture and soak benchmarks: a test host, i.e.
# a network namespace joined to this host by a veth pair, addresses in 198.18.X.0/24
# (X random and unused here), IPv6 off on both ends.
#
#   test_host_create PREFIX   sets ns (PREFIX-<pid>-<hex>), host, peer, host_ip, peer_ip
#   test_host_stop_processes  kills what runs in the namespace
#   test_host_remove          kills what runs in the namespace, deletes link and namespace
#   test_host_rx              packets the host end has received (its rx_packets counter)
#   test_host_counted_snapshot MONITOR_URL
#                             "received counted": the host end's rx_packets and the monitor's
#                             ebpf_packets_processed_total at one quiet instant
#
# Names carry a random suffix so parallel runs never collide; only what was created
# here is ever deleted.

test_host_create() {
  local suffix third
  suffix=$(printf '%06x' $((RANDOM * 32768 + RANDOM)))
  ns="$1-$$-$suffix"
  host="nmh$suffix"
  peer="nmp$suffix"
  third=$((RANDOM % 256))
  while ip -o -4 addr show | grep -q "198\.18\.$third\."; do third=$((RANDOM % 256)); done
  host_ip="198.18.$third.1"
  peer_ip="198.18.$third.2"

  ip netns add "$ns"
  ip link add "$host" type veth peer name "$peer"
  ip link set "$peer" netns "$ns"
  sysctl -qw "net.ipv6.conf.$host.disable_ipv6=1"
  ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$peer.disable_ipv6=1"
  ip addr add "$host_ip/24" dev "$host"
  ip link set "$host" up
  ip -n "$ns" addr add "$peer_ip/24" dev "$peer"
  ip -n "$ns" link set "$peer" up
  ip -n "$ns" link set lo up
}

test_host_stop_processes() {
  if [ -n "${ns:-}" ]; then
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
  fi
}

test_host_remove() {
  test_host_stop_processes
  if [ -n "${host:-}" ]; then ip link del "$host" 2>/dev/null || true; fi
  if [ -n "${ns:-}" ]; then ip netns del "$ns" 2>/dev/null || true; fi
}

test_host_rx() { cat "/sys/class/net/$host/statistics/rx_packets"; }

# The interface counter must not move while a window (1 s) closes, so the monitor's count
# covers exactly the same packets; under traffic this waits for a pause.
test_host_counted_snapshot() {
  local before after total
  while true; do
    before=$(test_host_rx); sleep 1.5
    total=$(curl -sf "$1/metrics" | awk '/^ebpf_packets_processed_total\{/ { sum += $2 } END { printf "%d", sum }')
    after=$(test_host_rx)
    [ "$before" = "$after" ] && { echo "$before $total"; return; }
  done
}
