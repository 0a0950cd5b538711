#!/usr/bin/env bash
# Installs every Debian package the project needs (idempotent: only missing ones).
#   build:  libbpf, libelf, zlib (libbpf), libpcap (capture files), OpenBLAS (models),
#           pkg-config; the Swift toolchain's clang compiles the BPF program.
#   tests:  iproute2 (namespaces, veth), bpftool, hping3, nmap, tcpreplay, tshark,
#           iputils-ping, curl, util-linux (setpriv), procps (sysctl), prometheus
#           (promtool and a server the tests start on loopback), wrk (bench-detector),
#           python3 (the demo's web server and DNS queries, scripts/attack-scenario.sh),
#           iodine and dnsmasq-base (a real DNS tunnel through a resolver, DNSTunnelTests),
#           python3-yaml (scripts/check-prometheus-rules.sh), python3-venv (kubernetes-validate in
#           .venv-deploy, scripts/validate-kubernetes.sh), systemd (systemd-analyze for
#           scripts/check-systemd-units.sh; nothing is started), hydra (real SSH password guessing
#           against the tests' own sshd), medusa (a second guesser), openssh-client (ssh, ssh-keygen:
#           key logins and host keys for the tests' sshd) and libwrap0 (a library that sshd links).
#           systemd-journal-remote (journal files written from the tests' own messages, read back
#           through sd-journal).
#   build (auth): libsystemd-dev (sd-journal: the monitor reads sshd's messages from the journal).
#           kubectl (kustomize) is not in Debian 12 in a usable version: scripts/validate-kubernetes.sh
#           says how to get it.
#   sshd:   Debian's openssh-server package is downloaded and unpacked into
#           .build-tools/openssh-server (not installed: no system sshd is started or enabled); the
#           tests run that sshd with their own configuration, accounts and log file.
set -euo pipefail

packages=(
  libbpf-dev libelf-dev zlib1g-dev libpcap-dev libopenblas-dev pkg-config
  iproute2 bpftool hping3 nmap tcpreplay tshark iputils-ping curl util-linux procps
  prometheus wrk python3 iodine dnsmasq-base python3-yaml python3-venv systemd hydra libwrap0
  medusa openssh-client libsystemd-dev systemd-journal-remote
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} Debian packages are installed"
else
  echo "setup: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -q
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Debian's sshd for the tests, unpacked, not installed (see above).
sshd_dir="$(cd "$(dirname "$0")/.." && pwd)/.build-tools/openssh-server"
if [ ! -x "$sshd_dir/usr/sbin/sshd" ]; then
  download=$(mktemp -d)
  if ! (cd "$download" && apt-get download -q openssh-server >/dev/null 2>&1); then
    "${sudo_cmd[@]}" apt-get update -q
    (cd "$download" && apt-get download -q openssh-server)
  fi
  mkdir -p "$sshd_dir"
  dpkg-deb -x "$download"/openssh-server_*.deb "$sshd_dir"
  rm -rf "$download"
  echo "setup: unpacked $(basename "$sshd_dir") $("$sshd_dir/usr/sbin/sshd" -V 2>&1 | head -1) into $sshd_dir"
fi

command -v swift >/dev/null || { echo "setup: the Swift toolchain (swift) is not in PATH" >&2; exit 1; }
