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


# ---- IKEv2 (RFC 7296 §3) ----
def ike_payload(body, nxt, critical=False):
    return struct.pack("!BBH", nxt, 0x80 if critical else 0, 4 + len(body)) + body


def ike_chain(payloads):
    """payloads: list of (type, body); returns (first type, bytes)."""
    out = b""
    for i, (t, body) in enumerate(payloads):
        nxt = payloads[i + 1][0] if i + 1 < len(payloads) else 0
        out += ike_payload(body, nxt)
    return (payloads[0][0] if payloads else 0), out


def ike_msg(exch, payloads, flags=0x08, mid=0, spi_i=0x0102030405060708, spi_r=0):
    first, body = ike_chain(payloads)
    return struct.pack("!QQBBBBII", spi_i, spi_r, first, 0x20, exch, flags, mid, 28 + len(body)) + body


def transform(ttype, tid, keylen=None, last=False):
    attrs = struct.pack("!HH", 0x800E, keylen) if keylen else b""
    return struct.pack("!BBHBBH", 0 if last else 3, 0, 8 + len(attrs), ttype, 0, tid) + attrs


def proposal(num, proto, spi, transforms, last=True):
    body = spi + b"".join(transforms)
    return struct.pack("!BBHBBBB", 0 if last else 2, 0, 8 + len(body), num, proto, len(spi), len(transforms)) + body


IKE_SA = proposal(1, 1, b"", [transform(1, 20, 256), transform(1, 20, 128), transform(2, 5), transform(4, 31, last=True)])
ESP_SA = proposal(1, 3, b"\x0c\x0d\x0e\x0f", [transform(1, 20, 256), transform(5, 0), transform(5, 1, last=True)])
KE = struct.pack("!HH", 31, 0) + bytes(range(32))
NONCE = bytes(range(100, 132))
NATD = lambda t: struct.pack("!BBH", 0, 0, t) + bytes(20)
TS4 = struct.pack("!BBBB", 1, 0, 0, 0) + struct.pack("!BBHHH", 7, 0, 16, 0, 65535) + bytes(4) + b"\xff" * 4
TS6 = struct.pack("!BBBB", 1, 0, 0, 0) + struct.pack("!BBHHH", 8, 17, 40, 53, 53) + bytes(16) + b"\xff" * 16
CP_REQ = struct.pack("!BBBB", 1, 0, 0, 0) + struct.pack("!HH", 1, 0) + struct.pack("!HH", 3, 0) + struct.pack("!HH", 8, 0)
CP_REP = struct.pack("!BBBB", 2, 0, 0, 0) + struct.pack("!HH", 1, 4) + bytes([10, 9, 0, 1])
IDI = bytes([2, 0, 0, 0]) + b"client.example"
AUTH = bytes([2, 0, 0, 0]) + bytes(32)
NOTIFY_REKEY = struct.pack("!BBH", 3, 4, 16393) + b"\x01\x02\x03\x04"
DEL_ESP = struct.pack("!BBH", 3, 4, 2) + b"\x01\x02\x03\x04\x05\x06\x07\x08"
DEL_IKE = struct.pack("!BBH", 1, 0, 0)
ike_init = ike_msg(34, [(33, IKE_SA), (34, KE), (40, NONCE), (41, NATD(16388)), (41, NATD(16389)),
                        (41, struct.pack("!BBH", 0, 0, 16431) + b"\x00\x05")])
ike_init_cookie = ike_msg(34, [(41, struct.pack("!BBH", 0, 0, 16390) + bytes(36)), (33, IKE_SA), (34, KE), (40, NONCE)])
ike_auth_plain = ike_msg(35, [(35, IDI), (39, AUTH), (47, CP_REQ), (33, ESP_SA), (44, TS4), (45, TS6)], mid=1, spi_r=9)
sk_body = bytes(8) + bytes(range(40)) + bytes(16)
ike_sk = struct.pack("!QQBBBBII", 1, 9, 46, 0x20, 35, 0x08, 1, 28 + 4 + len(sk_body)) + ike_payload(sk_body, 35)
ike_unknown = ike_msg(37, [(222, b"\x01\x02"), (43, b"vendor")], mid=2, spi_r=9)

SEEDS_IKE = {
    "fuzz_ike_message": [ike_init, ike_init_cookie, ike_auth_plain, ike_sk, ike_unknown,
                         ike_msg(37, [(42, DEL_ESP), (42, DEL_IKE), (41, NOTIFY_REKEY)], mid=3, spi_r=9)],
    # first byte: parser (0 SA, 1 KE, 2 ID, 3 AUTH, 4 Nonce, 5 Notify, 6 Delete, 7 TS, 8 CP)
    "fuzz_ike_payload": [b"\x00" + IKE_SA, b"\x00" + ESP_SA, b"\x01" + KE, b"\x02" + IDI,
                         b"\x02" + bytes([1, 0, 0, 0, 10, 0, 0, 1]), b"\x03" + AUTH, b"\x04" + NONCE,
                         b"\x05" + NOTIFY_REKEY, b"\x06" + DEL_ESP, b"\x06" + DEL_IKE, b"\x07" + TS4,
                         b"\x07" + TS6, b"\x08" + CP_REQ, b"\x08" + CP_REP],
    "fuzz_ike_sk": [sk_body, b"", bytes(range(30)), ike_payload(IDI, 39) + ike_payload(AUTH, 0)],
    # op bytes: < 0xe0 deliver/drop/dup/flip/truncate/replace the next message,
    # >= 0xe0 time / commands / stranger datagrams
    "fuzz_ike_engine": [bytes(40), bytes([0] * 12 + [0xe0, 50] + [0] * 12 + [0xe2] + [0] * 8 + [0xe3] + [0] * 8),
                        bytes([0, 3, 0, 0, 5, 0, 30, 0, 0, 0xe0, 20, 0, 0, 0, 0]),
                        bytes([0, 0, 0, 0, 0xe7, 0, 40]) + ike_init[:40] + bytes(10)],
}

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

SEEDS.update(SEEDS_IKE)

for target, seeds in SEEDS.items():
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    for i, s in enumerate(seeds):
        with open(os.path.join(d, "seed%02d.bin" % i), "wb") as f:
            f.write(s)
print("wrote", sum(len(s) for s in SEEDS.values()), "seeds")
