#!/usr/bin/python3
"""sa.txt (docs/pcap.md) tools for independent checking of e2e captures.

  sa_tool.py parse  SA_TXT             check the format; print one summary line per SA
  sa_tool.py tshark SA_TXT             print tshark options (one argument per line) that
                                       decrypt every ESP SA in the file:
                                         mapfile -t o < <(sa_tool.py tshark sa.txt)
                                         tshark -r link.pcap "${o[@]}"
  sa_tool.py scapy  SA_TXT PCAP        open every ESP packet of PCAP whose SPI is in
                                       SA_TXT with scapy; print counts (exit 1 if
                                       any packet with a known SPI fails to open)
  sa_tool.py dump --socket S --node N [--pcap-dir D] [--all]
                                       ask a running aind for its live SAs with keys
                                       (control command list_sas; the aind config needs
                                       [control] export_keys = true) and print the TVT
                                       SAs it receives on as sa.txt lines (each SA is
                                       held by both ends; the receiver lists it once).
                                       link= is the capture file name in D (N-P or P-N)
                                       when given. --all: every SA it holds, any kind.
"""
import argparse
import json
import socket
import sys

FIELDS = ["kind", "link", "proto", "src", "dst", "spi", "encap", "enc", "enc_key", "auth", "auth_key"]
ENC = {  # sa.txt name -> (tshark esp_sa name, scapy crypt_algo, key bytes incl. salt)
    "none": ("NULL", "NULL", 0),
    "aes128-gcm16": ("AES-GCM with 16 octet ICV [RFC4106]", "AES-GCM", 20),
    "aes256-gcm16": ("AES-GCM with 16 octet ICV [RFC4106]", "AES-GCM", 36),
    "chacha20-poly1305": ("ChaCha20 with Poly1305 [RFC7634]", None, 36),
}
AUTH = {  # sa.txt name -> (tshark name, scapy auth_algo, key bytes)
    "none": ("NULL", "NULL", 0),
    "hmac-sha256-128": ("HMAC-SHA-256-128 [RFC4868]", "SHA2-256-128", 32),
    "aes-gmac-128": ("NULL", None, 20),
    "aes-gmac-256": ("NULL", None, 36),  # RFC 4543 KEYMAT: key(32) || salt(4); TVTs
}


def parse(path):
    sas = []
    for no, line in enumerate(open(path), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if parts[0] != "sa":
            raise SystemExit(f"{path}:{no}: expected 'sa', got {parts[0]!r}")
        sa = {}
        for p in parts[1:]:
            if "=" not in p:
                raise SystemExit(f"{path}:{no}: {p!r} is not key=value")
            k, v = p.split("=", 1)
            sa[k] = v
        missing = [f for f in FIELDS if f not in sa]
        if missing:
            raise SystemExit(f"{path}:{no}: missing {', '.join(missing)}")
        if sa["proto"] not in ("esp", "ah") or sa["enc"] not in ENC or sa["auth"] not in AUTH:
            raise SystemExit(f"{path}:{no}: unknown proto/enc/auth")
        for k, table in (("enc_key", ENC[sa["enc"]]), ("auth_key", AUTH[sa["auth"]])):
            want = table[2]
            got = 0 if sa[k] == "-" else len(bytes.fromhex(sa[k]))
            if got != want:
                raise SystemExit(f"{path}:{no}: {k}: {got} bytes, {sa['enc' if k == 'enc_key' else 'auth']} needs {want}")
        sa["spi_int"] = int(sa["spi"], 16)
        # Optional (docs/pcap.md): esn=yes and seq=<decimal>, the highest
        # sequence number at listing time, whose high 32 bits an ESN checker
        # needs (RFC 4303 §2.2.1: they are never on the wire).
        sa["esn_on"] = sa.get("esn") == "yes"
        sa["seq_int"] = int(sa.get("seq", "0"))
        sa["line"] = no
        sas.append(sa)
    return sas


def cmd_parse(a):
    for sa in parse(a.sa_txt):
        print(f"{sa['kind']:8} {sa['link']:16} {sa['proto']} {sa['src']} -> {sa['dst']} spi {sa['spi']} "
              f"enc {sa['enc']} auth {sa['auth']} encap {sa['encap']}")


def cmd_tshark(a):
    # Wireshark's ESP preferences (esp_sa UAT): protocol, src, dst, SPI,
    # encryption, key, authentication, key. Keys as 0x-hex.
    print("-o")
    print("esp.enable_encryption_decode:TRUE")
    print("-o")
    print("esp.enable_authentication_check:TRUE")
    if any(sa["encap"].startswith("udp") for sa in parse(a.sa_txt)):
        print("-d")
        print("udp.port==4500,udpencap")
    for sa in parse(a.sa_txt):
        if sa["proto"] != "esp" or sa["auth"].startswith("aes-gmac-"):
            continue  # Wireshark verifies neither AH ICVs nor AES-GMAC: those are for `scapy`
        fam = "IPv6" if ":" in sa["src"] else "IPv4"
        ek = "0x" + sa["enc_key"] if sa["enc_key"] != "-" else ""
        ak = "0x" + sa["auth_key"] if sa["auth_key"] != "-" else ""
        rec = ",".join(f'"{x}"' for x in (fam, sa["src"], sa["dst"], "0x%08x" % sa["spi_int"],
                                          ENC[sa["enc"]][0], ek, AUTH[sa["auth"]][0], ak))
        print("-o")
        print("uat:esp_sa:" + rec)


def cmd_scapy(a):
    from scapy.all import rdpcap
    from scapy.layers.inet import IP, UDP
    from scapy.layers.inet6 import IPv6
    from scapy.layers.ipsec import AH, ESP, SecurityAssociation
    sas, esn_hi = {}, {}
    for sa in parse(a.sa_txt):
        kw = {"spi": sa["spi_int"]}
        if sa["esn_on"]:
            # The capture was taken before the listing: its packets carry the
            # listed high half, or the one before if the low half wrapped since.
            hi = sa["seq_int"] >> 32
            esn_hi[(sa["proto"], sa["spi_int"])] = [hi] + ([hi - 1] if hi else [])
        if sa["auth"].startswith("aes-gmac-"):
            sas[(sa["proto"], sa["spi_int"])] = None  # checked by open_gmac_*, scapy has no GMAC
            continue
        if sa["proto"] == "esp":
            kw["crypt_algo"] = ENC[sa["enc"]][1]
            if sa["enc_key"] != "-":
                kw["crypt_key"] = bytes.fromhex(sa["enc_key"])
            kw["auth_algo"] = AUTH[sa["auth"]][1]
            if sa["auth_key"] != "-":
                kw["auth_key"] = bytes.fromhex(sa["auth_key"])
            sas[("esp", sa["spi_int"])] = SecurityAssociation(ESP, **kw)
        else:
            sas[("ah", sa["spi_int"])] = SecurityAssociation(AH, auth_algo=AUTH[sa["auth"]][1],
                                                             auth_key=bytes.fromhex(sa["auth_key"]), **kw)
    null_esn = {}  # (proto, spi) -> HMAC key: ESP-NULL+HMAC with ESN, checked below
    gmac = {}  # (proto, spi) -> KEYMAT: AES-GMAC (RFC 4543), which scapy lacks; checked below
    for sa in parse(a.sa_txt):
        if sa["proto"] == "esp" and sa["enc"] == "none" and sa["auth"] == "hmac-sha256-128" and sa["esn_on"]:
            null_esn[("esp", sa["spi_int"])] = bytes.fromhex(sa["auth_key"])
        if sa["auth"].startswith("aes-gmac-") and sa["auth_key"] != "-":
            gmac[(sa["proto"], sa["spi_int"])] = bytes.fromhex(sa["auth_key"])

    def gmac_tag(keymat, iv, aad):
        # RFC 4543 §3.1-3.3: AES-GCM with an empty plaintext; nonce = salt || IV;
        # everything authenticated is AAD. The `cryptography` package's GCM is
        # independent of ainet's (OpenSSL EVP) code.
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        return AESGCM(keymat[:-4]).encrypt(keymat[-4:] + iv, b"", aad)

    def open_gmac_esp(key, esp_bytes, his):
        # RFC 4543 §3.2 / RFC 4106 §5: AAD = SPI || seq (ESN: high || low) ||
        # IV || payload || padding || trailer; the 16-byte tag is the ICV.
        import hmac
        import struct
        body, icv = esp_bytes[:-16], esp_bytes[-16:]
        for hi in his or [None]:
            hdr = body[:4] + (struct.pack(">I", hi) if hi is not None else b"") + body[4:8]
            if hmac.compare_digest(gmac_tag(gmac[key], body[8:16], hdr + body[8:]), icv):
                pad = body[-2]
                if len(body) < 16 + 2 + pad or body[-2 - pad:-2] != bytes(range(1, pad + 1)):
                    raise ValueError("ESP padding malformed")
                return body[16:-2 - pad]
        raise ValueError("ESP AES-GMAC ICV mismatch")

    def open_gmac_ah(key, raw, his):
        # RFC 4302 §3.3.3.1: mutable IP fields zeroed (IPv4: TOS, flags+offset,
        # TTL, checksum; IPv6: traffic class, flow label, hop limit); RFC 4543
        # §4: the ICV field is IV(8) || tag(16), the tag zeroed in the AAD;
        # RFC 4302 §3.3.3.2.1: with ESN the high 32 bits are appended.
        import hmac
        import struct
        from ah_aad import zero_mutable
        m, hl = zero_mutable(raw)
        iv, tag = bytes(m[hl + 12:hl + 20]), bytes(m[hl + 20:hl + 36])
        m[hl + 20:hl + 36] = bytes(16)
        for hi in his or [None]:
            aad = bytes(m) + (struct.pack(">I", hi) if hi is not None else b"")
            if hmac.compare_digest(gmac_tag(gmac[key], iv, aad), tag):
                return raw[hl + (raw[hl + 1] + 2) * 4:]
        raise ValueError("AH AES-GMAC ICV mismatch")

    def open_null_esn(key, esp_bytes, his):
        # scapy's ESP leaves the ESN high half out of non-AEAD ICVs, so this
        # one is checked here, with Python's hmac: RFC 4303 §2.2.1 and
        # §3.3.2.1 (ICV over SPI..Next Header, then the high 32 bits appended),
        # RFC 4868 (HMAC-SHA-256 truncated to 16 bytes), RFC 4303 §2.4-2.6
        # (trailer: Pad Length, Next Header; padding 1, 2, 3, ...).
        import hashlib
        import hmac
        import struct
        body, icv = esp_bytes[:-16], esp_bytes[-16:]
        for hi in his:
            mac = hmac.new(null_esn[key], body + struct.pack(">I", hi), hashlib.sha256).digest()[:16]
            if hmac.compare_digest(mac, icv):
                pad = body[-2]
                if len(body) < 8 + 2 + pad or body[-2 - pad:-2] != bytes(range(1, pad + 1)):
                    raise ValueError("ESP padding malformed")
                return body[8:-2 - pad]
        raise ValueError("ESP-NULL ICV mismatch (ESN)")

    def open_one(key, pkt):
        his = esn_hi.get(key)
        if key in gmac:
            return open_gmac_esp(key, bytes(pkt[ESP]), his) if key[0] == "esp" else \
                open_gmac_ah(key, bytes(pkt), his)
        if key in null_esn and his:
            return open_null_esn(key, bytes(pkt[ESP]), his)
        if not his:
            return sas[key].decrypt(pkt)
        for i, hi in enumerate(his):
            try:
                return sas[key].decrypt(pkt.__class__(bytes(pkt)), esn_en=True, esn=hi)
            except Exception:
                if i + 1 == len(his):
                    raise

    ok = bad = unknown = 0
    for pkt in rdpcap(a.pcap):
        ip = pkt.getlayer(IP) or pkt.getlayer(IPv6)
        if ip is None:
            continue
        # An ICMP error (e.g. port unreachable while a peer was starting)
        # quotes the start of an ESP packet; it is not one to verify.
        if (ip.version == 4 and ip.proto == 1) or (ip.version == 6 and ip.nh == 58):
            continue
        if ip.haslayer(UDP) and ip[UDP].dport == 4500 and bytes(ip[UDP].payload)[:4] != b"\0\0\0\0":
            # RFC 3948 §2.2: non-ESP marker absent, the payload is ESP.
            esp = ESP(bytes(ip[UDP].payload))
            key = ("esp", esp.spi)
            if key not in sas:
                unknown += 1
                continue
            try:
                # Open as transport-over-UDP: rebuild an IP|ESP packet for scapy.
                outer = ip.__class__(src=ip.src, dst=ip.dst) / esp
                open_one(key, outer.__class__(bytes(outer)))
                ok += 1
            except Exception as e:  # an auth failure is a finding, not a crash
                bad += 1
                print(f"udp-esp spi {esp.spi:#x}: {e}", file=sys.stderr)
            continue
        for proto, layer in (("ah", AH), ("esp", ESP)):
            if ip.haslayer(layer):
                key = (proto, ip[layer].spi)
                if key not in sas:
                    unknown += 1
                    break
                try:
                    open_one(key, ip.__class__(bytes(ip)))
                    ok += 1
                except Exception as e:
                    bad += 1
                    print(f"{proto} spi {ip[layer].spi:#x}: {e}", file=sys.stderr)
                break
    print(f"opened {ok}, failed {bad}, unknown spi {unknown}")
    sys.exit(1 if bad else 0)


def cmd_dump(a):
    import os
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(a.socket)
    s.sendall(b'{"id":1,"cmd":"list_sas","args":{"keys":true}}\n')
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    r = json.loads(buf)
    if not r.get("ok"):
        print(f"# {a.node}: live SAs not available ({r.get('error', {}).get('code')}); "
              "only the manual-keyed SAs above")
        return
    n = 0
    for sa in r["result"]["sas"]:
        if not a.all and (sa["kind"] != "tvt" or not sa.get("inbound")):
            continue
        peer = sa["link"]
        sa["link"] = f"{a.node}-{peer}"
        if a.pcap_dir and not os.path.exists(os.path.join(a.pcap_dir, sa["link"] + ".pcap")) and \
                os.path.exists(os.path.join(a.pcap_dir, f"{peer}-{a.node}.pcap")):
            sa["link"] = f"{peer}-{a.node}"
        extra = f" esn=yes seq={sa['seq']}" if sa.get("esn") else ""
        print("sa " + " ".join(f"{k}={sa[k]}" for k in FIELDS) + extra)
        n += 1
    print(f"# {a.node}: {n} live SAs listed")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    x = sub.add_parser("parse")
    x.add_argument("sa_txt")
    x = sub.add_parser("tshark")
    x.add_argument("sa_txt")
    x = sub.add_parser("scapy")
    x.add_argument("sa_txt")
    x.add_argument("pcap")
    x = sub.add_parser("dump")
    x.add_argument("--socket", required=True)
    x.add_argument("--node", required=True)
    x.add_argument("--pcap-dir")
    x.add_argument("--all", action="store_true")
    a = p.parse_args()
    {"parse": cmd_parse, "tshark": cmd_tshark, "scapy": cmd_scapy, "dump": cmd_dump}[a.cmd](a)


if __name__ == "__main__":
    main()
