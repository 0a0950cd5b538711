#!/usr/bin/env bash
# Ordinary traffic of a small host for SECONDS seconds, from a test namespace towards the host end
# of its veth: the benign run of the tests (BenignRunTests) and of anyone measuring false alarms.
#
#   scripts/benign-traffic.sh NAMESPACE HOST_IP SECONDS
#
# Run as root in the host's namespace. Everything goes to HOST_IP only (a test host of
# 198.18.0.0/15): a web server (python3 http.server, a page and a 2 MB download), a DNS resolver
# (dnsmasq answering for example.test), a long-lived interactive TCP session (a shell-like
# exchange of a few bytes every second or two, standing in for ssh), pings, idle stretches and
# bursts (an application starting up: 12 page fetches at once). Prints one line per activity
# ("activity NAME TIME") and exits 0 when the time is up.
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 NAMESPACE HOST_IP SECONDS" >&2
  exit 2
fi
ns=$1 host_ip=$2 seconds=$3
here="$(cd "$(dirname "$0")" && pwd)"
in_ns() { ip netns exec "$ns" "$@"; }

work=$(mktemp -d)
pids=()
cleanup() {
  trap '' INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

printf '<html><body>monitored host</body></html>\n' > "$work/index.html"
head -c 2000000 /dev/urandom > "$work/download.bin"
python3 -m http.server 8080 --bind "$host_ip" --directory "$work" >/dev/null 2>&1 &
pids+=($!)
dnsmasq --no-daemon --no-resolv --no-hosts --bind-interfaces --listen-address="$host_ip" --port=53 \
  --address=/example.test/"$host_ip" --pid-file="$work/dnsmasq.pid" --user=root >/dev/null 2>&1 &
pids+=($!)
# The interactive session's server: echoes what it reads, like a remote shell answering keystrokes.
python3 - "$host_ip" >/dev/null 2>&1 <<'PY' &
import socket, sys, threading
server = socket.socket(); server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((sys.argv[1], 2222)); server.listen(4)
def serve(conn):
    with conn:
        while data := conn.recv(4096):
            conn.sendall(b"$ " + data)
while True:
    conn, _ = server.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
PY
pids+=($!)
for _ in $(seq 100); do
  in_ns curl -s -o /dev/null --max-time 1 "http://$host_ip:8080/" && break
  sleep 0.1
done

# The interactive session: a few keystrokes every 1-2 s for the whole run.
in_ns python3 - "$host_ip" "$seconds" >/dev/null 2>&1 <<'PY' &
import random, socket, sys, time
end = time.monotonic() + float(sys.argv[2])
with socket.create_connection((sys.argv[1], 2222), timeout=5) as session:
    while time.monotonic() < end:
        session.sendall(random.choice([b"ls\n", b"cd src\n", b"git status\n", b"vi notes.txt\n", b"q\n"]))
        session.recv(4096)
        time.sleep(random.uniform(1, 2))
PY
pids+=($!)

names=(www mail api docs wiki git ci intranet)
# A fixed cycle, so every kind of activity happens in every run; the parameters vary.
cycle=(page lookups page download ping lookups burst idle page lookups idle)
end=$(( $(date +%s) + seconds ))
step=0
while [ "$(date +%s)" -lt "$end" ]; do
  activity=${cycle[$((step % ${#cycle[@]}))]}
  step=$((step + 1))
  echo "activity $activity $(date +%s)"
  case $activity in
    page) in_ns curl -s -o /dev/null --max-time 5 "http://$host_ip:8080/" || true ;;
    download) in_ns curl -s -o /dev/null --max-time 30 "http://$host_ip:8080/download.bin" || true ;;
    lookups)
      for _ in 1 2 3; do
        name="${names[$((RANDOM % ${#names[@]}))]}.example.test"
        in_ns python3 "$here/dns-queries.py" "$host_ip" --count 1 --name "$name" >/dev/null 2>&1 || true
      done ;;
    burst)
      # An application starting up: a dozen requests at once.
      burst=()
      for _ in $(seq 12); do in_ns curl -s -o /dev/null --max-time 5 "http://$host_ip:8080/" & burst+=($!); done
      wait "${burst[@]}" || true ;;
    ping) in_ns ping -q -c 3 -i 0.5 -W 1 "$host_ip" >/dev/null 2>&1 || true ;;
    idle) sleep $((5 + RANDOM % 15)) ;;
  esac
  sleep "0.$((RANDOM % 9 + 1))"
done
