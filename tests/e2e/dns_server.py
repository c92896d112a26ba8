#!/usr/bin/python3
"""A tiny authoritative UDP DNS responder for the e2e tests (RFC 1035).
Answers A and AAAA for any name under ainet.test. with fixed addresses
(A 192.0.2.53, AAAA 2001:db8::53), NXDOMAIN otherwise. Dual-stack, port
--port. Enough for `dig` to show that a UDP query and its answer crossed
the path; not a general DNS server."""
import argparse
import socket
import struct

ZONE = b"\x05ainet\x04test\x00"
A_ADDR = socket.inet_pton(socket.AF_INET, "192.0.2.53")
AAAA_ADDR = socket.inet_pton(socket.AF_INET6, "2001:db8::53")


def parse_question(msg):
    # RFC 1035 §4.1.2: QNAME (labels), QTYPE, QCLASS after the 12-byte header.
    i = 12
    while True:
        if i >= len(msg):
            return None
        n = msg[i]
        if n == 0:
            i += 1
            break
        if n & 0xC0:  # no compression in a question we answer
            return None
        i += 1 + n
    if i + 4 > len(msg):
        return None
    qtype, qclass = struct.unpack("!HH", msg[i:i + 4])
    return msg[12:i], qtype, qclass, i + 4


def answer(msg):
    if len(msg) < 12:
        return None
    qid, flags, qd = struct.unpack("!HHH", msg[:6])
    if flags & 0x8000 or qd != 1:  # a response, or not exactly one question
        return None
    q = parse_question(msg)
    if q is None:
        return None
    qname, qtype, qclass, end = q
    rd = flags & 0x0100
    rr = b""
    rcode = 0
    if not qname.lower().endswith(ZONE):
        rcode = 3  # NXDOMAIN
    elif qtype == 1 and qclass == 1:
        rr = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + A_ADDR
    elif qtype == 28 and qclass == 1:
        rr = b"\xc0\x0c" + struct.pack("!HHIH", 28, 1, 60, 16) + AAAA_ADDR
    # QR=1, AA=1, copy RD.
    hdr = struct.pack("!HHHHHH", qid, 0x8400 | rd | rcode, 1, 1 if rr else 0, 0, 0)
    return hdr + msg[12:end] + rr


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=53)
    a = p.parse_args()
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", a.port))
    while True:
        msg, peer = s.recvfrom(4096)
        out = answer(msg)
        if out is not None:
            s.sendto(out, peer)
            print("answered %s from %s" % (msg[12:].split(b"\x00")[0], peer[0]), flush=True)


if __name__ == "__main__":
    main()
