#!/usr/bin/env python3
"""Exact accounting of a garbage flood (tests/e2e/flood.sh, issue 10).

  flood_account.py snapshot --mid-ns NS --src-ns NS --mid-sock SOCK --ainctl PATH
                            --src-if IF --mid-if IF
      One JSON object of every counter the accounting needs, read until two
      consecutive readings agree (a keepalive arriving between two reads
      would otherwise skew them by one).
  flood_account.py check BEFORE AFTER FLOOD...
      Prints the accounting and exits 1 unless it is exact.

The garbage carries DSCP 45 (garbage_flood --tos 0xb4); nftables counters
(table inet ainet_flood, made by flood.sh) count it leaving the sender's
namespace (g_out) and arriving at the flooded AIN's (g_ipsec, g_udp), and
count the real AH/ESP arriving there (r_ipsec).

What must hold between the two snapshots (all deltas):
  (1) sender:  garbage_flood's sent count == g_out (nothing lost in the sender's stack)
  (2) link:    g_out - (g_ipsec + g_udp) <= the veth pair's drop counters
               (the kernel's drops on the way; they also count real packets)
  (3) aind:    packets aind read (engine packets_in + io_recv drops)
               == real packets it accepted (cells on its ANTs + PVT packets in)
                  + its drop counters (every reason but io_send / io_tun, which
                  are outbound)
               i.e. every packet aind read that was not authentic is counted.
  (4) socket:  g_ipsec + r_ipsec == packets aind read + raw-socket drops
               (/proc/net/raw "drops" of the flooded namespace): whatever
               arrived went to aind or is in the kernel's socket drop counter.
  (5) udp:     g_udp == the kernel's Udp NoPorts + InErrors (nobody listens
               on the ports the flood picks on the ip carrier).
From (3) and (4): garbage counted by aind = its drops; garbage the kernel
dropped at the socket = socket drops - real packets the socket dropped
(r_ipsec - real accepted), which must be >= 0.
"""
import json
import subprocess
import sys


def run(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def nsx(ns, *cmd):
    return run("ip", "netns", "exec", ns, *cmd)


def nft_counters(ns):
    out = {}
    try:
        j = json.loads(nsx(ns, "nft", "-j", "list", "counters", "table", "inet", "ainet_flood"))
    except subprocess.CalledProcessError:
        return out
    for item in j.get("nftables", []):
        c = item.get("counter")
        if c:
            out[c["name"]] = c["packets"]
    return out


def socket_drops(ns, table):
    total = 0
    for line in nsx(ns, "cat", "/proc/net/" + table).splitlines()[1:]:
        f = line.split()
        if len(f) >= 13:
            total += int(f[12])
    return total


def udp_snmp(ns):
    lines = [l.split() for l in nsx(ns, "cat", "/proc/net/snmp").splitlines() if l.startswith("Udp:")]
    d = dict(zip(lines[0][1:], map(int, lines[1][1:])))
    return {"NoPorts": d["NoPorts"], "InErrors": d["InErrors"]}


def link_drops(ns, ifname):
    j = json.loads(nsx(ns, "ip", "-s", "-j", "link", "show", "dev", ifname))[0]["stats64"]
    return j["rx"]["dropped"] + j["tx"]["dropped"]


def ainctl(path, sock, cmd):
    return json.loads(run(path, "--socket", sock, "--json", cmd))


def reading(a):
    st = ainctl(a.ainctl, a.mid_sock, "status")
    ants = ainctl(a.ainctl, a.mid_sock, "ants")["ants"]
    pvts = ainctl(a.ainctl, a.mid_sock, "pvts")["pvts"]
    drops = st.get("drops", {})
    return {
        "carrier": a.carrier,
        "packets_in": st["packets_in"],
        "io_recv": drops.get("io_recv", 0),
        "drops_in": sum(v for k, v in drops.items() if k not in ("io_send", "io_tun")),
        "drops": drops,
        "real_cells": sum(x["packets_fwd"] + x["packets_bwd"] for x in ants),
        "ant_handles": sorted(x["handle"] for x in ants),
        "pvt_in": sum(p["packets_in"] for p in pvts),
        "raw_drops": socket_drops(a.mid_ns, "raw" if a.carrier == "ip" else "udp"),
        "udp": udp_snmp(a.mid_ns),
        "nft_mid": nft_counters(a.mid_ns),
        "nft_src": nft_counters(a.src_ns),
        "link_drops": link_drops(a.src_ns, a.src_if) + link_drops(a.mid_ns, a.mid_if),
    }


def snapshot(argv):
    import argparse
    p = argparse.ArgumentParser()
    for k in ("--mid-ns", "--src-ns", "--mid-sock", "--ainctl", "--src-if", "--mid-if"):
        p.add_argument(k, required=True)
    p.add_argument("--carrier", choices=["ip", "udp"], default="ip")
    a = p.parse_args(argv)
    prev = reading(a)
    for i in range(50):  # bounded; keepalives arrive about twice a second
        cur = reading(a)
        if cur == prev:
            print("flood_account: counters settled after %d readings" % (i + 2), file=sys.stderr)
            print(json.dumps(cur))
            return 0
        prev = cur
    print("flood_account: counters did not settle", file=sys.stderr)
    print(json.dumps(cur))
    return 1


def check(before_f, after_f, *flood_fs):
    b, a = json.load(open(before_f)), json.load(open(after_f))
    fl = {"sent": 0, "send_errors": 0, "classes": {}}
    for f in flood_fs:  # several floods between the two snapshots: their sums
        x = json.load(open(f))
        fl["sent"] += x["sent"]
        fl["send_errors"] += x["send_errors"]
        for k, v in x["classes"].items():
            fl["classes"][k] = fl["classes"].get(k, 0) + v
    if b["ant_handles"] != a["ant_handles"]:
        print("an ANT of the flooded AIN came or went during the flood; the cell counts do not compare")
        return 1

    def d(k, sub=None):
        return (a[k][sub] - b[k].get(sub, 0)) if sub else a[k] - b[k]

    sent = fl["sent"]
    g_out = d("nft_src", "g_out")
    # g_ipsec / r_ipsec: garbage / real packets to aind's carrier sockets
    # (AH and ESP on the ip carrier, UDP port 4500 on the udp carrier);
    # g_udp: garbage UDP to closed ports (ip carrier only).
    g_ipsec, g_udp, r_ipsec = d("nft_mid", "g_ipsec"), d("nft_mid", "g_udp"), d("nft_mid", "r_ipsec")
    udp_carrier = a.get("carrier") == "udp"
    read = d("packets_in") + d("io_recv")
    real = d("real_cells") + d("pvt_in")
    counted = d("drops_in")
    sock = d("raw_drops")
    link = d("link_drops")
    # On the udp carrier, InErrors also counts the carrier socket's own
    # drops (already in "sock"); closed ports show in NoPorts alone.
    udp_kernel = d("udp", "NoPorts") + (0 if udp_carrier else d("udp", "InErrors"))
    real_sock = r_ipsec - real
    garbage_sock = sock - real_sock
    rows = [
        ("garbage packets sent (garbage_flood)", sent),
        ("  per class", json.dumps(fl["classes"])),
        ("  send calls refused by the kernel (not sent)", fl["send_errors"]),
        ("garbage leaving the sender's namespace (nft)", g_out),
        ("garbage arriving at the flooded AIN's carrier sockets (nft)", g_ipsec),
        ("garbage arriving at the flooded AIN: UDP, closed ports (nft)", g_udp),
        ("  lost on the veth (kernel; veth drop counters %d)" % link, g_out - g_ipsec - g_udp),
        ("packets aind read", read),
        ("  real packets it accepted (ANT cells + PVT)", real),
        ("  counted in its drop counters", counted),
        ("  drop counters moved", json.dumps({k: v - b["drops"].get(k, 0) for k, v in a["drops"].items()
                                               if v != b["drops"].get(k, 0)})),
        ("carrier-socket drops (kernel, /proc/net/%s)" % ("udp" if udp_carrier else "raw"), sock),
        ("  of them real packets (real arrived %d - accepted %d)" % (r_ipsec, real), real_sock),
        ("  of them garbage", garbage_sock),
        ("UDP garbage counted by the kernel (NoPorts+InErrors)", udp_kernel),
        ("garbage accounted: aind drops + socket + veth + UDP", counted + garbage_sock + (g_out - g_ipsec - g_udp) + udp_kernel),
    ]
    for k, v in rows:
        print("  %-58s %s" % (k, v))
    bad = []
    if sent != g_out:
        bad.append("(1) sent %d != left the sender's namespace %d" % (sent, g_out))
    if g_out - g_ipsec - g_udp > link or g_out < g_ipsec + g_udp:
        bad.append("(2) lost on the veth %d, veth drop counters %d" % (g_out - g_ipsec - g_udp, link))
    if read != real + counted:
        bad.append("(3) aind read %d != real %d + counted drops %d (difference %d)" % (read, real, counted, read - real - counted))
    if g_ipsec + r_ipsec != read + sock:
        bad.append("(4) arrived %d != read by aind %d + socket drops %d" % (g_ipsec + r_ipsec, read, sock))
    if g_udp != udp_kernel:
        bad.append("(5) UDP garbage arrived %d != kernel NoPorts+InErrors %d" % (g_udp, udp_kernel))
    if garbage_sock < 0 or real_sock < 0:
        bad.append("negative socket-drop split: garbage %d real %d" % (garbage_sock, real_sock))
    if sent == 0 or counted == 0:
        bad.append("no garbage sent or none counted: the test shows nothing")
    if sent != counted + garbage_sock + (g_out - g_ipsec - g_udp) + udp_kernel:
        bad.append("garbage sent %d != accounted %d" % (sent, counted + garbage_sock + (g_out - g_ipsec - g_udp) + udp_kernel))
    for x in bad:
        print("  MISMATCH " + x)
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "snapshot":
        sys.exit(snapshot(sys.argv[2:]))
    if len(sys.argv) >= 5 and sys.argv[1] == "check":
        sys.exit(check(*sys.argv[2:]))
    print(__doc__, file=sys.stderr)
    sys.exit(2)
