#!/usr/bin/env bash
# Checks the systemd deployment (deploy/systemd, scripts/install.sh) without a running systemd,
# e.g. as root in a Debian 12 container; needs systemd-analyze (Debian package `systemd`, >= 252
# for `security --offline`). Nothing is started, enabled or run: the binaries are only copied.
#
#   scripts/check-systemd-units.sh            # BIN_DIR=.build/debug (the test build)
#   BIN_DIR=.build/release scripts/check-systemd-units.sh
#
# 1. install.sh into a temporary DESTDIR (PREFIX=/usr/local), nothing outside it touched;
#    the token placeholder kept there, and one token generated with GENERATE_TOKEN=1;
# 2. `systemd-analyze verify --root=DESTDIR`: no message about our units (ExecStart= is resolved
#    inside DESTDIR; the root gets a copy of this host's unit directory for sysinit.target & co);
# 3. `systemd-analyze security --offline=yes`: exposure at most MONITOR_MAX_EXPOSURE /
#    DETECTOR_MAX_EXPOSURE;
# 4. the capabilities: the monitor exactly CAP_BPF CAP_NET_ADMIN CAP_PERFMON, the detector none;
#    every hardening setting of docs/deploy-systemd.md present;
# 5. install.sh again keeps env files an operator changed, and a missing binary fails clearly.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
BIN_DIR=${BIN_DIR:-$repo/.build/debug}
# Scores of the units as written, systemd 252 (docs/deploy-systemd.md): monitor 1.8, detector
# 1.0. Dropping SystemCallFilter=, RestrictNamespaces=, RestrictAddressFamilies= or DynamicUser=
# goes over these; most single settings move the score by 0.1 at most, so step 4 also requires
# each hardening setting by name.
MONITOR_MAX_EXPOSURE=${MONITOR_MAX_EXPOSURE:-2.0}
DETECTOR_MAX_EXPOSURE=${DETECTOR_MAX_EXPOSURE:-1.2}
units=(ebpf-monitor.service ml-detector.service)

passed=0
failed=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
die() { echo "check-systemd-units: $*" >&2; exit 1; }
indent() { sed "s/^/  | ${1:-}/"; }

command -v systemd-analyze >/dev/null || die "systemd-analyze not found: apt-get install systemd"
for program in monitor detector; do
  if [ ! -f "$BIN_DIR/$program" ] || [ ! -x "$BIN_DIR/$program" ]; then
    die "no executable $BIN_DIR/$program: build first (swift build --build-tests, or make build and BIN_DIR=.build/release)"
  fi
done
version=$(systemd-analyze --version | awk 'NR == 1 { print $2 }')
echo "systemd-analyze $version, BIN_DIR=$BIN_DIR"
[ "${version%%[!0-9]*}" -ge 252 ] || die "systemd $version: security --offline needs systemd >= 252"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root="$tmp/root"
unitdir=/etc/systemd/system
confdir=/etc/ebpf-security

# Real paths that install.sh must leave alone when DESTDIR is set.
real_paths=(/usr/local/bin/monitor /usr/local/bin/detector "$unitdir/ebpf-monitor.service"
  "$unitdir/ml-detector.service" "$confdir/monitor.env" "$confdir/detector.env")
fingerprint() {
  local path
  for path in "${real_paths[@]}"; do
    if [ -e "$path" ]; then echo "$path $(stat -c '%s %Y %a' "$path")"; else echo "$path absent"; fi
  done
}
before=$(fingerprint)

# --- 1. install -------------------------------------------------------------------------------
if DESTDIR="$root" PREFIX=/usr/local BIN_DIR="$BIN_DIR" "$repo/scripts/install.sh" >"$tmp/install1.log" 2>&1; then
  pass "install.sh into DESTDIR"
else
  cat "$tmp/install1.log"
  fail "install.sh into DESTDIR"
  echo "check-systemd-units: $passed passed, $failed failed"
  exit 1
fi
indent <"$tmp/install1.log"

problems=""
for program in monitor detector; do
  [ -x "$root/usr/local/bin/$program" ] || problems+=" bin/$program"
done
for unit in "${units[@]}"; do
  [ -f "$root$unitdir/$unit" ] || problems+=" $unit"
  ! grep -q '@[A-Z_]*@' "$root$unitdir/$unit" 2>/dev/null || problems+=" placeholder-left-in-$unit"
done
for name in monitor detector; do
  file="$root$confdir/$name.env"
  [ -f "$file" ] && [ "$(stat -c %a "$file")" = 600 ] || problems+=" $name.env-not-0600"
  [ "$(id -u)" -ne 0 ] || [ "$(stat -c %U:%G "$file")" = root:root ] || problems+=" $name.env-not-root-owned"
done
grep -qx 'ExecStart=/usr/local/bin/monitor --require-xdp' "$root$unitdir/ebpf-monitor.service" || problems+=" monitor-ExecStart"
grep -qx 'ExecStart=/usr/local/bin/detector' "$root$unitdir/ml-detector.service" || problems+=" detector-ExecStart"
grep -qx 'EnvironmentFile=-/etc/ebpf-security/monitor.env' "$root$unitdir/ebpf-monitor.service" || problems+=" monitor-EnvironmentFile"
grep -qx 'EnvironmentFile=-/etc/ebpf-security/detector.env' "$root$unitdir/ml-detector.service" || problems+=" detector-EnvironmentFile"
# With DESTDIR the token stays a placeholder (a staged tree must not carry one secret for every host).
grep -qx 'DETECTOR_API_TOKEN=REPLACE_WITH_A_LONG_RANDOM_SECRET' "$root$confdir/monitor.env" || problems+=" monitor.env-token-not-placeholder"
grep -qx 'DETECTOR_API_TOKEN=REPLACE_WITH_A_LONG_RANDOM_SECRET' "$root$confdir/detector.env" || problems+=" detector.env-token-not-placeholder"
if [ -z "$problems" ]; then
  pass "installed files: binaries 0755, units with paths substituted, env files 0600 with the token placeholder"
else
  fail "installed files:$problems"
fi

if [ "$(fingerprint)" = "$before" ]; then
  pass "nothing written outside DESTDIR (/usr/local/bin, $unitdir, $confdir unchanged)"
else
  fail "install.sh with DESTDIR changed real paths:"
  diff <(echo "$before") <(fingerprint) || true
fi

# --- 2. systemd-analyze verify ------------------------------------------------------------------
# verify --root needs the root to hold the units ours depend on (sysinit.target, basic.target,
# network-online.target, ...): copy this host's unit directory into it.
host_units=""
for dir in /usr/lib/systemd/system /lib/systemd/system; do
  [ -f "$dir/sysinit.target" ] && { host_units=$dir; break; }
done
[ -n "$host_units" ] || die "no systemd unit directory with sysinit.target on this host"
mkdir -p "$root/usr/lib/systemd"
cp -a "$host_units" "$root/usr/lib/systemd/system"

# A unit with an unknown key and a missing binary must be reported: proves this systemd-analyze
# checks what we rely on (and resolves ExecStart= inside the root).
cat >"$root$unitdir/check-selftest.service" <<'EOF'
[Service]
ExecStart=/usr/local/bin/check-selftest-missing
NoSuchOption=yes
EOF
set +e
selftest=$(systemd-analyze verify --root="$root" "$unitdir/check-selftest.service" 2>&1)
set -e
rm "$root$unitdir/check-selftest.service"
if grep -q "check-selftest-missing" <<<"$selftest" && grep -q "NoSuchOption" <<<"$selftest"; then
  pass "verify reports an unknown key and a missing ExecStart binary (self-test)"
else
  indent <<<"$selftest"
  fail "verify self-test: this systemd-analyze did not report a bad unit, so its silence proves nothing"
fi

set +e
output=$(systemd-analyze verify --root="$root" "$unitdir/ebpf-monitor.service" "$unitdir/ml-detector.service" 2>&1)
status=$?
set -e
ours=$(grep -E 'ebpf-monitor|ml-detector|/usr/local/bin/(monitor|detector)|ebpf-security' <<<"$output" || true)
if [ $status -eq 0 ] && [ -z "$ours" ]; then
  pass "systemd-analyze verify: no errors or warnings for ${units[*]}"
  [ -z "$output" ] || indent "(other units) " <<<"$output"
else
  indent <<<"$output"
  fail "systemd-analyze verify (exit $status)"
fi

# --- 3. systemd-analyze security --------------------------------------------------------------
for unit in "${units[@]}"; do
  case "$unit" in
    ebpf-monitor.service) limit=$MONITOR_MAX_EXPOSURE ;;
    *) limit=$DETECTOR_MAX_EXPOSURE ;;
  esac
  set +e
  report=$(systemd-analyze security --offline=yes --root="$root" --no-pager "$unit" 2>&1)
  set -e
  score=$(sed -n "s/.*Overall exposure level for $unit: \([0-9.]*\).*/\1/p" <<<"$report")
  if [ -z "$score" ]; then
    indent <<<"$report"
    fail "systemd-analyze security $unit: no exposure level in the output"
  elif awk -v s="$score" -v l="$limit" 'BEGIN { exit !(s <= l) }'; then
    pass "systemd-analyze security $unit: exposure $score (at most $limit)"
  else
    grep '✗' <<<"$report" | indent
    fail "systemd-analyze security $unit: exposure $score above $limit"
  fi
done

# --- 4. capabilities ----------------------------------------------------------------------------
# The effective value of a list setting: an empty assignment resets it, others add to it.
effective() {
  awk -v key="$2" '
    index($0, key "=") == 1 {
      value = substr($0, length(key) + 2)
      if (value == "") { split("", set); next }
      n = split(value, words, /[ \t]+/)
      for (i = 1; i <= n; i++) if (words[i] != "") set[words[i]] = 1
    }
    END { for (w in set) print w }' "$1" | sort | tr '\n' ' ' | sed 's/ $//'
}
monitor_unit="$root$unitdir/ebpf-monitor.service"
detector_unit="$root$unitdir/ml-detector.service"
expected="CAP_BPF CAP_NET_ADMIN CAP_PERFMON"
ambient=$(effective "$monitor_unit" AmbientCapabilities)
bounding=$(effective "$monitor_unit" CapabilityBoundingSet)
if [ "$ambient" = "$expected" ] && [ "$bounding" = "$expected" ]; then
  pass "monitor: AmbientCapabilities and CapabilityBoundingSet are exactly $expected"
else
  fail "monitor: AmbientCapabilities='$ambient' CapabilityBoundingSet='$bounding', expected '$expected'"
fi
ambient=$(effective "$detector_unit" AmbientCapabilities)
bounding=$(effective "$detector_unit" CapabilityBoundingSet)
if [ -z "$ambient" ] && [ -z "$bounding" ] && grep -qx 'CapabilityBoundingSet=' "$detector_unit"; then
  pass "detector: no ambient capabilities, empty CapabilityBoundingSet"
else
  fail "detector: AmbientCapabilities='$ambient' CapabilityBoundingSet='$bounding', expected none"
fi

# Every hardening setting, as the docs list it (a line of the unit, exactly).
common=(DynamicUser=yes NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes
  PrivateDevices=yes UMask=0077 ProtectKernelTunables=yes ProtectKernelModules=yes ProtectKernelLogs=yes
  ProtectControlGroups=yes ProtectClock=yes ProtectHostname=yes ProtectProc=invisible ProcSubset=pid
  PrivateIPC=yes PrivateMounts=yes RemoveIPC=yes SystemCallFilter=@system-service
  "SystemCallFilter=~@privileged @resources" SystemCallErrorNumber=EPERM SystemCallArchitectures=native
  RestrictNamespaces=yes LockPersonality=yes MemoryDenyWriteExecute=yes RestrictRealtime=yes
  RestrictSUIDSGID=yes Restart=on-failure KillSignal=SIGTERM)
monitor_only=("RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK" "SystemCallFilter=bpf mbind setpriority"
  "ExecStart=/usr/local/bin/monitor --require-xdp" "Wants=network-online.target ml-detector.service"
  "After=network-online.target ml-detector.service")
detector_only=("RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6" "SystemCallFilter=mbind setpriority"
  PrivateUsers=yes StateDirectory=ml-detector StateDirectoryMode=0700 IPAddressDeny=any IPAddressAllow=localhost
  Environment=HTTP_ADDR=127.0.0.1:5000 Environment=MODEL_DIR=/var/lib/ml-detector/models)
require() {
  local unit=$1 line missing=()
  shift
  for line in "$@"; do grep -qxF -- "$line" "$unit" || missing+=("$line"); done
  if [ ${#missing[@]} -eq 0 ]; then
    pass "$(basename "$unit"): all $# hardening and service settings present"
  else
    fail "$(basename "$unit"): missing$(printf ' [%s]' "${missing[@]}")"
  fi
}
require "$monitor_unit" "${common[@]}" "${monitor_only[@]}"
require "$detector_unit" "${common[@]}" "${detector_only[@]}"
for option in PrivateUsers PrivateNetwork; do
  ! grep -q "^$option=" "$monitor_unit" || fail "monitor: $option= set (it cannot work for an XDP sensor)"
done

# --- 5. token generation; reinstall keeps the operator's env files; a missing binary fails -------
rm "$root$confdir/monitor.env" "$root$confdir/detector.env"
if GENERATE_TOKEN=1 DESTDIR="$root" PREFIX=/usr/local BIN_DIR="$BIN_DIR" "$repo/scripts/install.sh" >"$tmp/install-token.log" 2>&1; then
  token_monitor=$(sed -n 's/^DETECTOR_API_TOKEN=//p' "$root$confdir/monitor.env")
  token_detector=$(sed -n 's/^DETECTOR_API_TOKEN=//p' "$root$confdir/detector.env")
  if [[ "$token_monitor" =~ ^[0-9a-f]{64}$ ]] && [ "$token_monitor" = "$token_detector" ] &&
    [ "$(stat -c %a "$root$confdir/monitor.env")" = 600 ] && [ "$(stat -c %a "$root$confdir/detector.env")" = 600 ]; then
    pass "GENERATE_TOKEN=1: one generated 64-hex-digit token in both env files (0600)"
  else
    fail "GENERATE_TOKEN=1: tokens '$token_monitor' / '$token_detector'"
  fi
else
  cat "$tmp/install-token.log"
  fail "install.sh GENERATE_TOKEN=1"
fi
echo "# operator's change $$" >>"$root$confdir/monitor.env"
sed -i 's/^DETECTOR_API_TOKEN=.*/DETECTOR_API_TOKEN=operator-token/' "$root$confdir/detector.env"
cp "$root$confdir/monitor.env" "$tmp/monitor.env.expected"
cp "$root$confdir/detector.env" "$tmp/detector.env.expected"
if DESTDIR="$root" PREFIX=/usr/local BIN_DIR="$BIN_DIR" "$repo/scripts/install.sh" >"$tmp/install2.log" 2>&1 &&
  cmp -s "$root$confdir/monitor.env" "$tmp/monitor.env.expected" &&
  cmp -s "$root$confdir/detector.env" "$tmp/detector.env.expected" &&
  [ "$(grep -c 'not overwritten' "$tmp/install2.log")" -eq 2 ]; then
  pass "second install.sh kept both modified env files"
else
  cat "$tmp/install2.log"
  fail "second install.sh overwrote an env file (or failed)"
fi

mkdir "$tmp/empty"
if DESTDIR="$tmp/root2" BIN_DIR="$tmp/empty" "$repo/scripts/install.sh" >"$tmp/install3.log" 2>&1; then
  fail "install.sh without binaries succeeded"
elif grep -q "make build" "$tmp/install3.log" && [ ! -e "$tmp/root2" ]; then
  pass "install.sh without binaries fails before writing anything: $(head -1 "$tmp/install3.log")"
else
  cat "$tmp/install3.log"
  fail "install.sh without binaries: unclear failure"
fi

echo "check-systemd-units: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
