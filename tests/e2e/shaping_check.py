#!/usr/bin/env python3
"""tests/e2e/shaping_check.py RATE SA_TXT [L:]PCAP...: the wire checks of
constant shaping (docs/protocol.md "Shaping") on real captures, computed from
the packets alone:

  - every ainet packet on a link (AH/ESP on the ip carrier, ESP-in-UDP on
    port 4500 on the udp carrier) has one and the same length;
  - every TVT SPI and every customer-tunnel SPI (each direction) carries
    RATE packets per second within 5%, measured from its first to its last
    packet (a PVT's SPIs carry signaling, keepalives at 1/s, and are left out
    of the rate check but not of the length check).

A PCAP given as L:path gets the length check only (a link that carries no
shaped flow, only PVT keepalives). Prints one line per link and exits
non-zero on any failure. Reads classic
pcap files (dumpcap -P), Ethernet frames."""
import struct
import sys


def packets(path):
    """(time, ip_packet_bytes) of every IPv4/IPv6 frame in a pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        endian = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        endian = ">"
    else:
        raise SystemExit(f"{path}: not a classic pcap file")
    nano = magic in (0xA1B23C4D, 0x4D3CB2A1)
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack(endian + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        t = sec + frac / (1e9 if nano else 1e6)
        if linktype == 1:  # Ethernet
            if len(frame) < 14:
                continue
            etype = struct.unpack("!H", frame[12:14])[0]
            if etype not in (0x0800, 0x86DD):
                continue
            yield t, frame[14:]
        elif linktype == 101:  # raw IP
            yield t, frame


def ainet_packet(ip):
    """(spi, length) of an ainet IPsec packet, or None. Length: the IP
    packet's (ip carrier) or the UDP payload's (udp carrier)."""
    v = ip[0] >> 4
    if v == 4:
        hl = (ip[0] & 15) * 4
        proto, total = ip[9], struct.unpack("!H", ip[2:4])[0]
        payload = ip[hl:total]
    elif v == 6:
        proto, total = ip[6], 40 + struct.unpack("!H", ip[4:6])[0]
        payload = ip[40:total]
    else:
        return None
    if proto == 51 and len(payload) >= 8:  # AH: SPI after nh, len, reserved (RFC 4302 §2)
        return struct.unpack("!I", payload[4:8])[0], total
    if proto == 50 and len(payload) >= 4:  # ESP: SPI first (RFC 4303 §2)
        return struct.unpack("!I", payload[0:4])[0], total
    if proto == 17 and len(payload) >= 12:
        sport, dport = struct.unpack("!HH", payload[0:4])
        body = payload[8:]
        if 4500 in (sport, dport) and len(body) >= 8 and body[0:4] != b"\0\0\0\0":  # RFC 3948 §2.2
            return struct.unpack("!I", body[0:4])[0], len(body)
    return None


def main():
    rate = float(sys.argv[1])
    pvt_spis = set()
    for line in open(sys.argv[2]):
        f = dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
        if f.get("kind") == "pvt":
            pvt_spis.add(int(f["spi"], 16))
    failures = 0
    for arg in sys.argv[3:]:
        lengths_only = arg.startswith("L:")
        path = arg[2:] if lengths_only else arg
        lengths, by_spi = set(), {}
        for t, ip in packets(path):
            p = ainet_packet(ip)
            if p is None:
                continue
            spi, length = p
            lengths.add(length)
            by_spi.setdefault(spi, []).append(t)
        name = path.rsplit("/", 1)[-1]
        if not by_spi:
            print(f"FAIL {name}: no ainet packets")
            failures += 1
            continue
        rates = []
        for spi, times in sorted(by_spi.items()):
            # A length-only link, signaling, or too short to measure.
            if lengths_only or spi in pvt_spis or len(times) < 2 * rate:
                continue
            r = (len(times) - 1) / (times[-1] - times[0])
            rates.append(r)
            if abs(r - rate) > 0.05 * rate:
                print(f"FAIL {name}: SPI {spi:#010x} carried {r:.1f} packets/s, not {rate:g} within 5%"
                      f" ({len(times)} packets in {times[-1] - times[0]:.2f} s)")
                failures += 1
        if len(lengths) != 1:
            print(f"FAIL {name}: {len(lengths)} packet lengths: {sorted(lengths)}")
            failures += 1
        elif lengths_only:
            print(f"ok   {name}: {sum(len(v) for v in by_spi.values())} packets all {lengths.pop()} bytes")
        elif not rates:
            print(f"FAIL {name}: no shaped flow long enough to measure")
            failures += 1
        else:
            print(f"ok   {name}: {sum(len(v) for v in by_spi.values())} packets all {lengths.pop()} bytes; "
                  f"{len(rates)} shaped SPIs at {min(rates):.1f}..{max(rates):.1f} packets/s")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
