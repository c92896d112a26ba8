#!/usr/bin/python3
"""A test stand-in for the customer endpoint (the initiator host's side of
its ESP+AH tunnel to its AIN, paper §4.4 Fig. 4), built on scapy's IPsec --
an implementation independent of ainet. It is NOT the product endpoint
(see tests/e2e/README.md); the e2e harness uses it only when asked
(AINET_ENDPOINT_CMD) so ANT tests can run before the real one exists.

Reads the endpoint.toml written by tests/e2e/gen_configs.py. Outer IPv4 or IPv6.
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

from ah_aad import zero_mutable  # tests/e2e, beside this script

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def ah_icv(key, raw, v6):
    """RFC 4302 §3.3.3.1: HMAC over the packet with the mutable fields zeroed
    (IPv4: TOS, flags+offset, TTL, checksum; IPv6: traffic class, flow label,
    hop limit) and the ICV zeroed; RFC 4868: 16 bytes."""
    m, hl = zero_mutable(raw)
    icv_len = (m[hl + 1] + 2) * 4 - 12
    m[hl + 12:hl + 12 + icv_len] = bytes(icv_len)
    return hmac.new(key, bytes(m), hashlib.sha256).digest()[:16]


class AhSeal:  # scapy's transport-mode AH leaves the ICV zero over an ESP payload
    def __init__(self, spi, key, src, dst, v6):
        self.spi, self.key, self.src, self.dst, self.v6, self.seq = spi, key, src, dst, v6, 0
        # RFC 4302 §2.2/§2.6: 12 + 16-byte ICV = 28; IPv6 pads to 8-byte multiple (32).
        self.ah_len = 32 if v6 else 28

    def seal(self, esp_payload):
        self.seq += 1
        ah = struct.pack("!BBHII", 50, self.ah_len // 4 - 2, 0, self.spi, self.seq) + bytes(self.ah_len - 12)
        if self.v6:
            raw = bytearray(bytes(IPv6(src=self.src, dst=self.dst, nh=51, hlim=64) / (ah + esp_payload)))
            hl = 40
        else:
            raw = bytearray(bytes(IP(src=self.src, dst=self.dst, proto=51, id=self.seq & 0xFFFF) / (ah + esp_payload)))
            hl = 20
        raw[hl + 12:hl + 28] = ah_icv(self.key, raw, self.v6)
        return bytes(raw)

    @staticmethod
    def open(key, raw, v6):
        """Verify; return IP/IPv6 (next header 50) | ESP bytes, or None."""
        hl = 40 if v6 else (raw[0] & 15) * 4
        if len(raw) < hl + 28 or raw[hl] != 50:
            return None
        if not hmac.compare_digest(ah_icv(key, raw, v6), raw[hl + 12:hl + 28]):
            return None
        alen = (raw[hl + 1] + 2) * 4
        if v6:
            ip = IPv6(raw[:40])
            return bytes(IPv6(src=ip.src, dst=ip.dst, nh=50) / raw[hl + alen:])
        ip = IP(raw[:hl])
        return bytes(IP(src=ip.src, dst=ip.dst, proto=50) / raw[hl + alen:])


def main():
    cfg = tomllib.load(open(sys.argv[-1], "rb"))
    ep = cfg["endpoint"]
    me, ain, carrier = ep["tunnel_address"], ep["ain_address"], ep["carrier"]
    v6 = ":" in ain
    L3, fam = (IPv6, socket.AF_INET6) if v6 else (IP, socket.AF_INET)
    port = ep.get("udp_port", 4500)
    o, i = ep["out"], ep["in"]
    esp_out = SecurityAssociation(ESP, spi=o["esp_spi"], crypt_algo="AES-GCM",
                                  crypt_key=bytes.fromhex(o["esp_key"]), tunnel_header=L3(src=me, dst=ain))
    ah_out = AhSeal(o["ah_spi"], bytes.fromhex(o["ah_key"]), me, ain, v6)
    esp_in = SecurityAssociation(ESP, spi=i["esp_spi"], crypt_algo="AES-GCM", crypt_key=bytes.fromhex(i["esp_key"]),
                                 tunnel_header=L3(src=ain, dst=me))
    ah_in_key = bytes.fromhex(i["ah_key"])
    tun = open_tun(ep["tun_name"])
    os.system(f"ip link set dev {ep['tun_name']} mtu {ep.get('tun_mtu', 1300)} up")
    if carrier == "udp":
        rx = socket.socket(fam, socket.SOCK_DGRAM)
        rx.bind((me, port))
        tx = rx
    else:
        rx = socket.socket(fam, socket.SOCK_RAW, 51)
        tx = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_RAW)
    print(f"stub endpoint: {ep['tun_name']} <-> {ain} ({carrier})", flush=True)
    bad = 0
    while True:
        r, _, _ = select.select([tun, rx], [], [])
        if tun in r:
            data = os.read(tun, 65535)
            inner = IPv6(data) if data[0] >> 4 == 6 else IP(data)
            pkt = esp_out.encrypt(inner)
            if carrier == "udp":
                tx.sendto(bytes(pkt[ESP]), (ain, port))
            else:
                tx.sendto(ah_out.seal(bytes(pkt[ESP])), (ain, 0))
        if rx in r:
            data, peer = rx.recvfrom(65535)
            if peer[0] != ain:
                continue
            try:
                if carrier == "udp":
                    if data[:4] == b"\0\0\0\0":  # RFC 3948 §2.2 non-ESP marker
                        continue
                    pkt = L3(bytes(L3(src=ain, dst=me) / ESP(data)))
                else:
                    if v6:  # an IPv6 raw socket gives no header: rebuild it for the ICV
                        data = bytes(IPv6(src=ain, dst=me, nh=51, plen=len(data))) + data
                    opened = AhSeal.open(ah_in_key, data, v6)
                    if opened is None:
                        raise ValueError("AH ICV mismatch")
                    pkt = L3(opened)
                inner = esp_in.decrypt(pkt)
                os.write(tun, bytes(inner))
            except Exception as e:  # a bad packet is dropped and counted
                bad += 1
                print(f"drop: {e} (bad {bad})", flush=True)


if __name__ == "__main__":
    main()
