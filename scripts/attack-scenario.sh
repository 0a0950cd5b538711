#!/usr/bin/env bash
# The scripted scenario of `make demo` and of the end-to-end test: benign traffic, then real
# attacks with Debian's tools, from a test namespace towards the host end of its veth, where the
# monitor's XDP program counts every packet.
#
#   scripts/attack-scenario.sh NAMESPACE HOST_IP PEER_IP
#
# NAMESPACE is a test namespace whose interface (PEER_IP/24) is joined by a veth to this host's
# HOST_IP (scripts/test-host.sh or the tests' TestNetwork make one). Run as root, from the host's
# namespace. Everything goes only to HOST_IP, or to one unused /24 of 198.18.0.0/15 that is routed
# through HOST_IP for the ping sweep and blackholed on this host for the duration. Every phase is
# bounded in packets and time; the whole scenario takes about 60 s (SCENARIO_BENIGN_SECONDS sets
# the length of each benign phase, default 8, the first one 10).
#
# Standard output is one line per phase boundary, for the demo's view and the test's checks:
#   phase <name> start <unix time>      name: benign, port_scan, syn_flood, udp_flood,
#   phase <name> end <unix time>              host_sweep, dns_tunnel
# Each attack phase line also names the attacker and the tool: `... attacker 198.18.7.2 tool nmap`.
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 NAMESPACE HOST_IP PEER_IP" >&2
  exit 2
fi
ns=$1 host_ip=$2 peer_ip=$3
benign_seconds=${SCENARIO_BENIGN_SECONDS:-8}
here="$(cd "$(dirname "$0")" && pwd)"

in_ns() { ip netns exec "$ns" "$@"; }
now() { date +%s.%N | cut -c1-14; }

# A /24 of 198.18.0.0/15 that nothing here uses, for the sweep's targets.
sweep_net=""
for _ in $(seq 50); do
  candidate="198.19.$((RANDOM % 256))"
  if ! ip -o -4 addr show | grep -q "$candidate\." && ! ip route show | grep -q "^$candidate\."; then
    sweep_net=$candidate
    break
  fi
done
[ -n "$sweep_net" ] || { echo "attack-scenario: no unused /24 in 198.19.0.0/16 for the sweep" >&2; exit 1; }

web_root=$(mktemp -d)
web_pid=""
blackhole=""
cleanup() {
  trap '' INT TERM
  if [ -n "$web_pid" ]; then kill "$web_pid" 2>/dev/null || true; wait "$web_pid" 2>/dev/null || true; fi
  if [ -n "$blackhole" ]; then ip route del blackhole "$blackhole" 2>/dev/null || true; fi
  ip netns exec "$ns" ip route del "$sweep_net.0/24" 2>/dev/null || true
  rm -rf "$web_root"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A web server on the host end for the benign phases, and the sweep's route: the namespace sends
# the sweep's echo requests to HOST_IP, this host drops them (blackhole) after XDP has counted them.
printf '<html><body>monitored host</body></html>\n' > "$web_root/index.html"
python3 -m http.server 8080 --bind "$host_ip" --directory "$web_root" >/dev/null 2>&1 &
web_pid=$!
ip route add blackhole "$sweep_net.0/24"
blackhole="$sweep_net.0/24"
in_ns ip route add "$sweep_net.0/24" via "$host_ip"
for _ in $(seq 50); do
  in_ns curl -s -o /dev/null --max-time 1 "http://$host_ip:8080/" && break
  sleep 0.1
done

# Benign: a page fetched every 0.5 s, a DNS lookup of an ordinary name every second, a ping every 2 s.
benign() {
  local seconds=$1 start end
  start=$(now)
  echo "phase benign start $start"
  end=$(( $(date +%s) + seconds ))
  local tick=0
  while [ "$(date +%s)" -lt "$end" ]; do
    in_ns curl -s -o /dev/null --max-time 1 "http://$host_ip:8080/" || true
    if [ $((tick % 2)) -eq 0 ]; then
      in_ns python3 "$here/dns-queries.py" "$host_ip" --count 1 --rate 1 >/dev/null 2>&1 || true
    fi
    if [ $((tick % 4)) -eq 0 ]; then in_ns ping -q -c 1 -W 1 "$host_ip" >/dev/null 2>&1 || true; fi
    tick=$((tick + 1))
    sleep 0.5
  done
  echo "phase benign end $(now)"
}

attack() {
  local name=$1 tool=$2
  shift 2
  echo "phase $name start $(now) attacker $peer_ip tool $tool"
  in_ns "$@" >/dev/null 2>&1 || true
  echo "phase $name end $(now)"
}

benign $((benign_seconds + 2))
# nmap SYN scan of ports 1-1000, at most 1000 probes/s, no retries: about 1000 SYNs in ~1-2 s.
attack port_scan nmap nmap -sS -Pn -n -p 1-1000 --max-retries 0 --min-rate 500 --max-rate 1000 "$host_ip"
benign "$benign_seconds"
# hping3 SYN flood at ~4000 SYN/s: 3000 SYNs to port 80 (closed: the host answers RST).
attack syn_flood hping3 hping3 -q -n -S -p 80 -i u250 -c 3000 "$host_ip"
benign "$benign_seconds"
# hping3 UDP flood from one source: 60000 datagrams of 200 bytes to port 9999, one every 10 µs at
# most (15-30 thousand/s depending on the machine and its load: 2-4 s). The rules call one source
# a UDP flood above 10000 datagrams/s (QUIC downloads stay below).
attack udp_flood hping3 hping3 -q -n --udp -p 9999 -d 200 -i u10 -c 60000 "$host_ip"
benign "$benign_seconds"
# nmap ping sweep (ICMP echo only) of the 254 addresses of the routed /24, at most 300 probes/s.
attack host_sweep nmap nmap -sn -PE -n --max-retries 0 --min-rate 100 --max-rate 300 "$sweep_net.1-254"
benign "$benign_seconds"
# DNS tunnel: 160 queries of ~250 bytes (long random labels) at 40/s.
attack dns_tunnel dns-queries.py python3 "$here/dns-queries.py" "$host_ip" --tunnel --count 160 --rate 40
benign "$benign_seconds"
