#!/usr/bin/env bash
# aind + ainctl smoke test, in a fresh network namespace (needs root):
# keys -> signed directory -> config from examples/aind.toml -> aind --check
# -> aind running (udp carrier, TUN) -> ainctl status/pvts/reload over the
# control socket -> SIGTERM -> clean exit. Also: a config typo stops aind with
# one file:line: field message.
#   aind_smoke_test.sh AIND AINCTL SOURCE_DIR
set -euo pipefail
AIND=$(readlink -f "$1") AINCTL=$(readlink -f "$2") SRC=$(readlink -f "$3")
if [ "$(id -u)" != 0 ] || ! unshare -n true 2>/dev/null; then
  echo "SKIP: needs root and network namespaces"
  exit 77
fi
D=$(mktemp -d /tmp/aind-smoke-XXXXXX)
trap 'rm -rf "$D"' EXIT
cd "$D"

"$AINCTL" genkey --type ed25519 > auth.key
AUTH=$("$AINCTL" pubkey --type ed25519 < auth.key)
# Node 1's keys are the example config's.
ONION1=$(grep '^onion_key' "$SRC/examples/aind.toml" | cut -d'"' -f2 | "$AINCTL" pubkey)
ID1=$(grep '^identity_key' "$SRC/examples/aind.toml" | cut -d'"' -f2 | "$AINCTL" pubkey --type ed25519)
ONION2=$("$AINCTL" genkey | "$AINCTL" pubkey)
ID2=$("$AINCTL" genkey --type ed25519 | "$AINCTL" pubkey --type ed25519)
cat > body.toml <<EOT
version = 1
expires = 4102444800
[[ain]]
id = 1
name = "ain1"
address = "127.0.0.1"
identity_key = "$ID1"
onion_key = "$ONION1"
neighbours = [2]
exit_policy = ["0.0.0.0/0"]
[[ain]]
id = 2
name = "ain2"
address = "127.0.0.2"
identity_key = "$ID2"
onion_key = "$ONION2"
neighbours = [1]
exit_policy = []
EOT
"$AINCTL" directory sign --key auth.key body.toml > directory.toml
"$AINCTL" directory verify --authority "$AUTH" directory.toml | grep -q "good signature; version 1, 2 AINs (1 exits)"

SOCK="$D/run/aind.sock"
sed -e "s|/etc/ainet/directory.toml|directory.toml|" \
    -e "s|^authority_key = .*|authority_key = \"$AUTH\"|" \
    -e "s|^carrier = \"ip\"|carrier = \"udp\"|" \
    -e "s|/run/ainet/aind.sock|$SOCK|" "$SRC/examples/aind.toml" > aind.toml
"$AIND" -c aind.toml --check | grep -q "aind.toml: OK (node 1, 1 PVTs, 2 customers; directory 2 AINs)"

# A typo is refused with one message naming file, line and field.
sed -e "s|^cell_size|cel_size|" aind.toml > typo.toml
LINE=$(grep -n '^cel_size' typo.toml | cut -d: -f1)
if OUT=$("$AIND" -c typo.toml --check 2>&1); then echo "typo accepted"; exit 1; fi
[ "$OUT" = "aind: typo.toml:$LINE: ant.cel_size: unknown key" ] || { echo "unexpected: $OUT"; exit 1; }

# Run it for real inside a namespace; talk to it; stop it with SIGTERM.
unshare -n bash -euo pipefail -c '
  ip link set lo up
  "$0" -c aind.toml > aind.log 2>&1 &
  PID=$!
  for i in $(seq 100); do [ -S "$1" ] && break; sleep 0.1; done
  "$2" --socket "$1" --json status > status.json
  grep -q "\"node_id\": 1" status.json
  grep -q "\"carrier\": \"udp\"" status.json
  "$2" --socket "$1" pvts | grep -q "^2 .*127.0.0.2"
  "$2" --socket "$1" reload | grep -q "directory reloaded: 2 AINs"
  ip link show ain0 | grep -q "UP"
  kill -TERM $PID
  wait $PID
  grep -q "SIGTERM: destroying every ANT and stopping" aind.log
' "$AIND" "$SOCK" "$AINCTL" || { echo "--- aind.log"; cat aind.log 2>/dev/null; exit 1; }
echo "PASS"
