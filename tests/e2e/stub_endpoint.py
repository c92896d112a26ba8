#!/usr/bin/python3
"""A test stand-in for the customer endpoint (the initiator host's side of
its ESP+AH tunnel to its AIN, paper §4.4 Fig. 4), built on scapy's IPsec --
an implementation independent of ainet. It is NOT the product endpoint
(see tests/e2e/README.md); the e2e harness uses it only when asked
(AINET_ENDPOINT_CMD) so ANT tests can run before the real one exists.

Reads the endpoint.toml written by tests/e2e/gen_configs.py. Outer IPv4 only.
  carrier ip:  outer IP | AH (HMAC-SHA-256-128) | ESP (AES-256-GCM, tunnel) | inner
  carrier udp: outer IP | UDP 4500 | ESP | inner   (RFC 3948; no AH over UDP)
Slow (one packet at a time through scapy); enough for ping, curl, dig.
"""
import fcntl
import hashlib
import hmac
import os
import select
import socket
import struct
import sys
import tomllib

from scapy.layers.inet import IP
from scapy.layers.inet6 import IPv6
from scapy.layers.ipsec import AH, ESP, SecurityAssociation  # noqa: F401 (AH: haslayer)

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def ah_icv(key, raw):
    """RFC 4302 §3.3.3.1: HMAC over the IPv4 packet with the mutable fields
    (TOS, flags+offset, TTL, checksum) and the ICV zeroed; RFC 4868: 16 bytes."""
    m = bytearray(raw)
    m[1] = 0
    m[6:8] = b"\0\0"
    m[8] = 0
    m[10:12] = b"\0\0"
    ihl = (m[0] & 15) * 4
    m[ihl + 12:ihl + 28] = bytes(16)
    return hmac.new(key, bytes(m), hashlib.sha256).digest()[:16]


class AhSeal:  # scapy's transport-mode AH leaves the ICV zero over an ESP payload
    def __init__(self, spi, key, src, dst):
        self.spi, self.key, self.src, self.dst, self.seq = spi, key, src, dst, 0

    def seal(self, esp_payload):
        self.seq += 1
        # RFC 4302 §2.2: payload length in 32-bit words minus 2 (28 bytes -> 5).
        ah = struct.pack("!BBHII", 50, (28 // 4) - 2, 0, self.spi, self.seq) + bytes(16)
        raw = bytearray(bytes(IP(src=self.src, dst=self.dst, proto=51, id=self.seq & 0xFFFF) / (ah + esp_payload)))
        raw[20 + 12:20 + 28] = ah_icv(self.key, raw)
        return bytes(raw)

    @staticmethod
    def open(key, raw):
        """Verify; return IP(proto=50)/ESP bytes, or None."""
        ihl = (raw[0] & 15) * 4
        if len(raw) < ihl + 28 or raw[ihl] != 50:
            return None
        if not hmac.compare_digest(ah_icv(key, raw), raw[ihl + 12:ihl + 28]):
            return None
        ip = IP(raw[:ihl])
        return bytes(IP(src=ip.src, dst=ip.dst, proto=50) / raw[ihl + 28:])


def main():
    cfg = tomllib.load(open(sys.argv[-1], "rb"))
    ep = cfg["endpoint"]
    me, ain, carrier = ep["tunnel_address"], ep["ain_address"], ep["carrier"]
    o, i = ep["out"], ep["in"]
    th = IP(src=me, dst=ain)
    esp_out = SecurityAssociation(ESP, spi=o["esp_spi"], crypt_algo="AES-GCM",
                                  crypt_key=bytes.fromhex(o["esp_key"]), tunnel_header=th)
    ah_out = AhSeal(o["ah_spi"], bytes.fromhex(o["ah_key"]), me, ain)
    esp_in = SecurityAssociation(ESP, spi=i["esp_spi"], crypt_algo="AES-GCM", crypt_key=bytes.fromhex(i["esp_key"]),
                                 tunnel_header=IP(src=ain, dst=me))
    ah_in_key = bytes.fromhex(i["ah_key"])
    tun = open_tun(ep["tun_name"])
    os.system(f"ip link set dev {ep['tun_name']} mtu {ep.get('tun_mtu', 1300)} up")
    if carrier == "udp":
        rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        rx.bind((me, ep.get("udp_port", 4500)))
        tx = rx
    else:
        rx = socket.socket(socket.AF_INET, socket.SOCK_RAW, 51)
        tx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    print(f"stub endpoint: {ep['tun_name']} <-> {ain} ({carrier})", flush=True)
    sent = recv = bad = 0
    while True:
        r, _, _ = select.select([tun, rx], [], [])
        if tun in r:
            data = os.read(tun, 65535)
            inner = IPv6(data) if data[0] >> 4 == 6 else IP(data)
            pkt = esp_out.encrypt(inner)
            if carrier == "udp":
                tx.sendto(bytes(pkt[ESP]), (ain, ep.get("udp_port", 4500)))
            else:
                tx.sendto(ah_out.seal(bytes(pkt[ESP])), (ain, 0))
            sent += 1
        if rx in r:
            if carrier == "udp":
                data, peer = rx.recvfrom(65535)
                if peer[0] != ain or data[:4] == b"\0\0\0\0":
                    continue
                pkt = IP(src=ain, dst=me, proto=50) / ESP(data)
                pkt = IP(bytes(pkt))
            else:
                data = rx.recv(65535)
                pkt = IP(data)
                if pkt.src != ain or not pkt.haslayer(AH) or pkt[AH].spi != i["ah_spi"]:
                    continue
            try:
                if carrier != "udp":
                    opened = AhSeal.open(ah_in_key, data)
                    if opened is None:
                        raise ValueError("AH ICV mismatch")
                    pkt = IP(opened)
                inner = esp_in.decrypt(pkt)
                os.write(tun, bytes(inner))
                recv += 1
            except Exception as e:  # a bad packet is dropped and counted
                bad += 1
                print(f"drop: {e} (bad {bad})", flush=True)


if __name__ == "__main__":
    main()
