#!/usr/bin/env bash
# Installs the monitor and the detector as systemd services (docs/deploy-systemd.md):
#   $DESTDIR$PREFIX/bin/{monitor,detector}                         from BIN_DIR, mode 0755
#   $DESTDIR$SYSTEMD_UNIT_DIR/{ebpf-monitor,ml-detector}.service   @BINDIR@, @SYSCONFDIR@ replaced
#   $DESTDIR$SYSCONFDIR/ebpf-security/{monitor,detector}.env       only where absent, mode 0600
# It never starts, enables or reloads anything, and never overwrites an existing env file.
#
# Variables (all optional):
#   PREFIX            /usr/local; the binaries go to $PREFIX/bin
#   DESTDIR           staging root prepended to every path written (packaging, tests); the
#                     paths inside the units are the final ones, without DESTDIR
#   BIN_DIR           where the built binaries are: .build/release (`make build`)
#   SYSCONFDIR        /etc; the env files go to $SYSCONFDIR/ebpf-security
#   SYSTEMD_UNIT_DIR  /usr/lib/systemd/system when PREFIX is /usr (a distribution package),
#                     /etc/systemd/system for any other PREFIX
#   GENERATE_TOKEN    1: when the installer creates both env files, it writes one newly generated
#                     DETECTOR_API_TOKEN (32 random bytes, hex) into both; 0: it leaves the
#                     examples' placeholder. Default 1 without DESTDIR, 0 with it (a package or
#                     image must not ship one secret to every host).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
units_src="$repo/deploy/systemd"

PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}
BIN_DIR=${BIN_DIR:-$repo/.build/release}
SYSCONFDIR=${SYSCONFDIR:-/etc}
if [ -z "${GENERATE_TOKEN:-}" ]; then
  if [ -z "$DESTDIR" ]; then GENERATE_TOKEN=1; else GENERATE_TOKEN=0; fi
fi
if [ -z "${SYSTEMD_UNIT_DIR:-}" ]; then
  if [ "$PREFIX" = /usr ]; then SYSTEMD_UNIT_DIR=/usr/lib/systemd/system; else SYSTEMD_UNIT_DIR=/etc/systemd/system; fi
fi
PREFIX=${PREFIX%/}
SYSCONFDIR=${SYSCONFDIR%/}
SYSTEMD_UNIT_DIR=${SYSTEMD_UNIT_DIR%/}
DESTDIR=${DESTDIR%/}

fail() { echo "install: $*" >&2; exit 1; }

# The units need absolute paths without spaces (ExecStart=, EnvironmentFile=), and sed below
# must not see its delimiter.
for name in PREFIX SYSCONFDIR SYSTEMD_UNIT_DIR; do
  value=${!name}
  case "$value" in
    /*) ;;
    *) fail "$name must be an absolute path, got '$value'" ;;
  esac
  case "$value" in
    *[[:space:]\|\&\\%\$]*) fail "$name must not contain spaces or any of | & \\ % \$, got '$value'" ;;
  esac
done
case "$GENERATE_TOKEN" in
  0 | 1) ;;
  *) fail "GENERATE_TOKEN must be 0 or 1, got '$GENERATE_TOKEN'" ;;
esac
if [ -n "$DESTDIR" ]; then
  case "$DESTDIR" in
    /*) ;;
    *) DESTDIR="$(pwd)/$DESTDIR" ;;
  esac
fi

for program in monitor detector; do
  if [ ! -f "$BIN_DIR/$program" ] || [ ! -x "$BIN_DIR/$program" ]; then
    fail "no executable $BIN_DIR/$program: build the release binaries first (make build), or set BIN_DIR"
  fi
done
for file in ebpf-monitor.service ml-detector.service monitor.env.example detector.env.example; do
  [ -f "$units_src/$file" ] || fail "missing $units_src/$file"
done

bindir="$PREFIX/bin"
confdir="$SYSCONFDIR/ebpf-security"
owner=()
[ "$(id -u)" -eq 0 ] && owner=(-o root -g root)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
umask 077

echo "install: PREFIX=$PREFIX SYSCONFDIR=$SYSCONFDIR SYSTEMD_UNIT_DIR=$SYSTEMD_UNIT_DIR${DESTDIR:+ DESTDIR=$DESTDIR}"

install -d -m 0755 "$DESTDIR$bindir" "$DESTDIR$SYSTEMD_UNIT_DIR" "$DESTDIR$confdir"

for program in monitor detector; do
  install -m 0755 "$BIN_DIR/$program" "$DESTDIR$bindir/$program"
  echo "  binary  $DESTDIR$bindir/$program  (from $BIN_DIR/$program)"
done

for unit in ebpf-monitor.service ml-detector.service; do
  sed -e "s|@BINDIR@|$bindir|g" -e "s|@SYSCONFDIR@|$SYSCONFDIR|g" "$units_src/$unit" >"$work/$unit"
  if grep -q '@[A-Z_]*@' "$work/$unit"; then fail "unreplaced placeholder in $unit: $(grep -o '@[A-Z_]*@' "$work/$unit" | head -1)"; fi
  install -m 0644 "$work/$unit" "$DESTDIR$SYSTEMD_UNIT_DIR/$unit"
  echo "  unit    $DESTDIR$SYSTEMD_UNIT_DIR/$unit"
done

# Env files: created from the examples only where absent; an operator's file is never touched.
create=()
for name in monitor detector; do
  if [ -e "$DESTDIR$confdir/$name.env" ] || [ -L "$DESTDIR$confdir/$name.env" ]; then
    echo "  kept    $DESTDIR$confdir/$name.env  (exists; not overwritten)"
  else
    create+=("$name")
  fi
done
token_placeholder=REPLACE_WITH_A_LONG_RANDOM_SECRET
token=""
if [ ${#create[@]} -eq 2 ] && [ "$GENERATE_TOKEN" = 1 ]; then
  token=$(head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n')
  [ ${#token} -eq 64 ] || fail "could not generate a token from /dev/urandom"
fi
for name in "${create[@]}"; do
  cp "$units_src/$name.env.example" "$work/$name.env"
  [ -z "$token" ] || sed -i "s|^DETECTOR_API_TOKEN=$token_placeholder\$|DETECTOR_API_TOKEN=$token|" "$work/$name.env"
  install -m 0600 "${owner[@]}" "$work/$name.env" "$DESTDIR$confdir/$name.env"
  echo "  env     $DESTDIR$confdir/$name.env  (new, mode 0600${token:+, generated DETECTOR_API_TOKEN})"
done

echo
echo "Next steps${DESTDIR:+ (on the target system, after the files are in place without DESTDIR)}:"
n=1
if grep -q '^INTERFACE=REPLACE_WITH' "$DESTDIR$confdir/monitor.env" 2>/dev/null; then
  echo "  $n. set INTERFACE in $confdir/monitor.env (ip -br link lists the interfaces)"
  n=$((n + 1))
fi
if grep -q "^DETECTOR_API_TOKEN=$token_placeholder" "$DESTDIR$confdir/monitor.env" "$DESTDIR$confdir/detector.env" 2>/dev/null; then
  echo "  $n. set the same DETECTOR_API_TOKEN in $confdir/monitor.env and $confdir/detector.env"
  n=$((n + 1))
fi
echo "  $n. systemctl daemon-reload"
echo "  $((n + 1)). systemctl enable --now ml-detector ebpf-monitor"
echo "  $((n + 2)). systemctl status ml-detector ebpf-monitor; curl -s localhost:8800/ready"
