#!/usr/bin/env python3
"""Writes the seed corpora in tests/fuzz/corpus/<target>/ (committed; rerun
after changing this file). Seeds are small valid packets built here by hand,
so the fuzzer starts past the length and checksum checks."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def csum(b: bytes) -> int:
    """RFC 1071 Internet checksum."""
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(proto, payload, opts=b"", tos=0, flags=0x4000, ttl=64,
         src=b"\xc0\x00\x02\x01", dst=b"\xc0\x00\x02\x02"):
    ihl = 5 + len(opts) // 4
    total = ihl * 4 + len(payload)
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos, total, 0x1234, flags, ttl, proto, 0, src, dst) + opts
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def ipv6(nh, payload, tc=0, flow=0, hop=64):
    src = bytes.fromhex("20010db8000000000000000000000001")
    dst = bytes.fromhex("20010db8000000000000000000000002")
    return struct.pack("!IHBB", (6 << 28) | (tc << 20) | flow, len(payload), nh, hop) + src + dst + payload


def ah(nh, spi, seq, icv_len, v6):
    align = 8 if v6 else 4
    total = -(-(12 + icv_len) // align) * align
    return struct.pack("!BBHII", nh, total // 4 - 2, 0, spi, seq) + b"\xaa" * icv_len + b"\0" * (total - 12 - icv_len)


def esp_plain(payload, nh, block=1):
    unit = 4 if block <= 4 else block
    pad = (-(len(payload) + 2)) % unit
    return payload + bytes(range(1, pad + 1)) + bytes([pad, nh])


UDP = struct.pack("!HHHH", 1234, 4500, 12, 0) + b"ping"
TCP = struct.pack("!HHIIBBHHH", 1234, 80, 1, 0, 0x50, 0x02, 1024, 0, 0)
HBH = bytes([60, 0, 0x05, 0x02, 0, 0, 0x3E, 0x00])          # RA + mutable empty option
DST = bytes([43, 0, 0x7F, 0x01, 0x99, 0x01, 0x01, 0x00])     # mutable option + PadN
RT = bytes([51, 0, 4, 0, 0x77, 0x77, 0x77, 0x77])            # routing, segments left 0
FRAG = bytes([6, 0, 0, 1, 1, 2, 3, 4])                        # first fragment, M=1

v4_udp = ipv4(17, UDP)
v4_opts = ipv4(51, ah(253, 0x1000, 7, 16, False) + b"\x55" * 8,
               opts=bytes.fromhex("01940400000707080a0b0c0d"), tos=0xB8)
v6_udp = ipv6(17, UDP, tc=0xB8, flow=0x12345)
v6_chain = ipv6(0, HBH + DST + RT + ah(253, 0x2000, 9, 16, True) + b"\x55" * 8)
v6_frag = ipv6(44, FRAG + TCP)
v4_ah = ipv4(51, ah(4, 0x1000, 1, 12, False) + v4_udp)
v6_ah = ipv6(51, ah(41, 0x1000, 1, 16, True) + v6_udp)
esp_pkt = struct.pack("!II", 0x01020304, 5) + b"\x10" * 8 + esp_plain(v4_udp, 4) + b"\xee" * 16

def ticket(issuer, slc, version=1):
    """docs/protocol.md "Tickets": version | reserved(3) | issuer | slice | nonce(32) | signature(256)."""
    return struct.pack("!B3xIQ", version, issuer, slc) + bytes(range(32)) + bytes((7 * i) & 0xFF for i in range(256))


SEEDS = {
    "fuzz_ipv4": [v4_udp, v4_opts, v4_ah, ipv4(4, v4_udp, tos=3)],
    "fuzz_ipv6": [v6_udp, v6_chain, v6_frag, v6_ah, ipv6(41, v6_udp), ipv6(59, b"")],
    # first byte: selector (IV/ICV/block sizes) or pad/next-header inputs
    "fuzz_esp": [b"\x05" + esp_pkt, b"\x00" + esp_plain(b"abc", 41, 16),
                 b"\x35" + struct.pack("!II", 0x1000, 1) + bytes(16) + esp_plain(v6_udp, 41, 16) + bytes(12),
                 b"\x01" + esp_plain(b"", 59)],
    # first byte: ICV length selector (0 -> 12, 1 -> 16) and the IPv6 flag (4)
    "fuzz_ah": [b"\x01" + v4_opts, b"\x05" + v6_chain, b"\x00" + v4_ah, b"\x05" + v6_ah],
    "fuzz_udp_encap": [b"\xff", b"\0\0\0\0" + b"ike-msg", esp_pkt, UDP,
                       struct.pack("!HHHH", 4500, 4500, 8 + len(esp_pkt), 0) + esp_pkt],
    # first byte: outer TOS for ECN propagation
    # issuer 1 has a key in the fuzz target's directory; 2 has none; 9 is unknown
    "fuzz_ticket": [ticket(1, 1_700_000_000 // 60), ticket(2, 1_700_000_000 // 60), ticket(9, 5),
                    bytes(304), ticket(1, 28333333, version=2), ticket(1, 28333333)[:200]],
    "fuzz_ip_packet": [b"\x03" + v4_udp, b"\x01" + v6_chain, b"\x03" + v6_frag,
                       b"\x00" + ipv4(4, v4_udp, tos=2), b"\x03" + ipv6(41, v6_udp, tc=1)],
}

for target, seeds in SEEDS.items():
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    for i, s in enumerate(seeds):
        with open(os.path.join(d, "seed%02d.bin" % i), "wb") as f:
            f.write(s)
print("wrote", sum(len(s) for s in SEEDS.values()), "seeds")
