#!/usr/bin/env bash
# scripts/exit-nat.sh: the kernel side of an exit AIN's local delivery
# (docs/protocol.md "Exit delivery"). aind writes every datagram leaving an
# ANT into its TUN with a source from its exit pool, one pool address per ANT;
# this script routes the pool into that TUN and lets the kernel carry the
# datagrams on to the ordinary Internet with nftables masquerade, so replies
# come back through conntrack to the pool address and aind puts each into the
# ANT that owns the address.
#
#   exit-nat.sh up   --out IFACE [--tun ain0] [--pool PREFIX]... [--table NAME]
#   exit-nat.sh down [--tun ain0] [--pool PREFIX]... [--table NAME]
#   exit-nat.sh show [--table NAME]
#
#   --out IFACE   the interface towards the Internet (masquerade to its address)
#   --tun NAME    aind's TUN ([network] tun_name; default ain0)
#   --pool P      an exit pool prefix ([network] exit_pool), IPv4 or IPv6;
#                 repeat for each; default 100.64.0.0/16 and fd00:64::/96
#                 (the example config's)
#   --table NAME  the nftables table (family inet) this script owns; default
#                 ainet_exit. `down` deletes exactly this table.
#
# `up` is idempotent (it replaces its table and routes); it turns on IPv4
# and IPv6 forwarding (sysctl) and says so; `down` leaves forwarding as it is
# (other services may need it). Run `up` after aind has created its TUN (e.g.
# systemd ExecStartPost=) and `down` after aind stops (ExecStopPost=).
# Example: exit-nat.sh up --out eth0 --pool 100.64.0.0/16 --pool fd00:64::/96
set -euo pipefail

die() { echo "exit-nat: $*" >&2; exit 2; }

cmd=${1:-}
[ -n "$cmd" ] || die "usage: exit-nat.sh up|down|show [--out IFACE] [--tun NAME] [--pool PREFIX]... [--table NAME]"
shift
out="" tun=ain0 table=ainet_exit
declare -a pools=()
while [ $# -gt 0 ]; do
  case $1 in
    --out) out=${2:?--out needs an interface}; shift 2 ;;
    --tun) tun=${2:?--tun needs a name}; shift 2 ;;
    --pool) pools+=("${2:?--pool needs a prefix}"); shift 2 ;;
    --table) table=${2:?--table needs a name}; shift 2 ;;
    *) die "unknown argument '$1'" ;;
  esac
done
[ ${#pools[@]} -gt 0 ] || pools=(100.64.0.0/16 fd00:64::/96)
[[ $table =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "--table: '$table' is not a valid nftables name"

# Classify each pool prefix; refuse anything else before touching the system.
declare -a v4=() v6=()
for p in "${pools[@]}"; do
  if [[ $p =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+/[0-9]+$ ]]; then v4+=("$p")
  elif [[ $p =~ ^[0-9A-Fa-f:]+/[0-9]+$ ]]; then v6+=("$p")
  else die "--pool: '$p' is not an IPv4 or IPv6 prefix"; fi
done

case $cmd in
  up)
    [ -n "$out" ] || die "up needs --out IFACE (the interface towards the Internet)"
    ip link show dev "$out" >/dev/null 2>&1 || die "--out: no interface '$out'"
    ip link show dev "$tun" >/dev/null 2>&1 || die "--tun: no interface '$tun' (start aind first)"
    ip link set dev "$tun" up
    for p in "${v4[@]}"; do ip -4 route replace "$p" dev "$tun"; done
    for p in "${v6[@]}"; do ip -6 route replace "$p" dev "$tun"; done
    sysctl -q -w net.ipv4.ip_forward=1
    [ ${#v6[@]} -eq 0 ] || sysctl -q -w net.ipv6.conf.all.forwarding=1
    # One table, replaced as a whole: masquerade the pool out of --out, and
    # nothing else. The counters show whether traffic uses it.
    {
      echo "table inet $table"
      echo "delete table inet $table"
      echo "table inet $table {"
      echo "  chain postrouting {"
      echo "    type nat hook postrouting priority srcnat; policy accept;"
      for p in "${v4[@]}"; do echo "    oifname \"$out\" ip saddr $p counter masquerade"; done
      for p in "${v6[@]}"; do echo "    oifname \"$out\" ip6 saddr $p counter masquerade"; done
      echo "  }"
      echo "}"
    } | nft -f -
    echo "exit-nat: ${pools[*]} -> $tun; masquerade out of $out (nftables table inet $table); forwarding on"
    ;;
  down)
    if nft list table inet "$table" >/dev/null 2>&1; then nft delete table inet "$table"; fi
    for p in "${v4[@]}"; do ip -4 route del "$p" dev "$tun" 2>/dev/null || true; done
    for p in "${v6[@]}"; do ip -6 route del "$p" dev "$tun" 2>/dev/null || true; done
    echo "exit-nat: table inet $table and pool routes removed (forwarding left as it is)"
    ;;
  show)
    nft list table inet "$table"
    ;;
  *) die "unknown command '$cmd' (up, down or show)" ;;
esac
