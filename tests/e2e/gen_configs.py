#!/usr/bin/python3
"""Generates everything aind needs for the e2e topology (tests/e2e/lib.sh):
fresh keys for every run, the signed directory, one aind.toml per AIN, the
customer endpoint configs, and the static part of sa.txt (docs/pcap.md).

Keys: onion (X25519) and identity/authority (Ed25519) keys come from
`ainctl genkey`/`pubkey`; manual ESP/AH keys and TVT secrets from `ainctl
genkey` too (64 hex), an ESP key gets 4 more random bytes of salt. The
directory is signed with `ainctl directory sign`.

Layout of --out:
  authority.key  directory.body.toml  directory.toml  sa.txt  env.sh
  ainN/{aind.toml,onion.key,identity.key}       N = 1..4
  initiator/endpoint.toml
  responder/endpoint.toml                      with --registered-responder
env.sh is sourced by the shell harness: node addresses, inner addresses, the
initiator's customer id.
"""
import argparse
import base64
import ipaddress
import os
import random
import secrets
import subprocess
import time

AINS = [1, 2, 3, 4]
PVTS = [(1, 2), (2, 3), (1, 4), (4, 3)]   # lib.sh E2E_PVTS; link indices 2, 3, 5, 6
EXIT = 3
CUSTOMER_ID = 10
RESPONDER_NET4 = "10.200.4.0/24"
RESPONDER_NET6 = "fd00:200:0:4::/64"
# --registered-responder (paper §4.4, §5.3): the responder host is customer
# RESPONDER_ID of the exit, and the entrance ain1 names it in a
# [[remote_responder]]. The initiator's inner sources (option 1: 10.99.x.y,
# fd00:99::/32; option 2: its real address) are routed into the responder's
# tunnel.
RESPONDER_ID = 20
INITIATOR_INNER_NETS = ["10.99.0.0/16", "fd00:99::/32"]
# --second-initiator (tests/e2e/cases_collide.sh): a second initiator host,
# customer SECOND_ID of ain1 on its own link (lib.sh link index SECOND_LINK,
# host address 10.200.7.1), configured with the SAME option-1 inner addresses
# as the first, so their inner sources collide at the exit.
SECOND_ID = 11
SECOND_LINK = 7
# --ike-customer (tests/e2e/cases_ike.sh, docs/ike.md "Customer tunnels"):
# customer IKE_ID of ain1 connects with a stock IKEv2 client (strongSwan) on
# the initiator host, identity IKE_CLIENT_ID, PSK in ain1/ike-client.psk; its
# inner address comes from IKE_POOL4 (CP). ain1 is IKE_GATEWAY_ID.
IKE_ID = 12
IKE_CLIENT_ID = "client@ainet.test"
IKE_GATEWAY_ID = "ain1.ainet.test"
IKE_POOL4 = "10.98.0.0/24"
# ... and customer IKE_ED_ID, identity IKE_ED_CLIENT_ID, authenticates with
# Ed25519 raw public keys (RFC 8420) both ways: its key pair (PEM) and ain1's
# public key (PEM, from ain1's identity key) in initiator/.
IKE_ED_ID = 13
IKE_ED_CLIENT_ID = "ed-client.ainet.test"
# --ike-endpoints (tests/e2e/cases_ike_endpoint.sh, docs/ike.md "ain-endpoint
# over IKEv2"): the initiator's and the registered responder's ain-endpoint
# key their tunnels by IKEv2 (PSK) instead of manual keys: the initiator as
# customer CUSTOMER_ID of ain1 (identity EP_INITIATOR_ID, inner address by CP
# from IKE_POOL4), the responder as [[responder]] RESPONDER_ID of ain3
# (identity EP_RESPONDER_ID, its own addresses, TSi within `serves`).
EP_INITIATOR_ID = "initiator@ainet.test"
EP_RESPONDER_ID = "responder@ainet.test"
EXIT_GATEWAY_ID = "ain3.ainet.test"


class Keys:
    def __init__(self, ainctl):
        self.ainctl = ainctl

    def gen(self, kind="x25519"):
        return subprocess.run([self.ainctl, "genkey", "--type", kind], check=True,
                              capture_output=True, text=True).stdout.strip()

    def pub(self, priv, kind="x25519"):
        return subprocess.run([self.ainctl, "pubkey", "--type", kind], input=priv + "\n", check=True,
                              capture_output=True, text=True).stdout.strip()

    def esp(self):  # RFC 4106 §8.1 KEYMAT: AES-256 key || 4-byte salt
        return self.gen() + secrets.token_hex(4)


def node_addr(n, outer):
    return f"10.200.0.{n}" if outer == 4 else f"fd00:200::{n}"


def bundle(keys, spi_base):
    return {"esp_spi": spi_base | 1, "esp_key": keys.esp(), "ah_spi": spi_base | 2, "ah_key": keys.gen()}


def bundle_toml(name, b):
    return (f"  [{name}]\n  esp_spi = 0x{b['esp_spi']:08x}\n  esp_key = \"{b['esp_key']}\"\n"
            f"  ah_spi = 0x{b['ah_spi']:08x}\n  ah_key = \"{b['ah_key']}\"\n")


def sa_lines(kind, link, b, src, dst, carrier):
    """docs/pcap.md: one line per SA."""
    encap = "udp:4500:4500" if carrier == "udp" else "none"
    out = [f"sa kind={kind} link={link} proto=esp src={src} dst={dst} spi=0x{b['esp_spi']:08x} "
           f"encap={encap} enc=aes256-gcm16 enc_key={b['esp_key']} auth=none auth_key=-"]
    if carrier == "ip":  # RFC 3948 cannot carry AH: udp-carrier bundles are ESP only
        out.append(f"sa kind={kind} link={link} proto=ah src={src} dst={dst} spi=0x{b['ah_spi']:08x} "
                   f"encap=none enc=none enc_key=- auth=hmac-sha256-128 auth_key={b['ah_key']}")
    return out


def add_customer(keys, node, sa, a, ain, code, table, cid, name, outer, serves=None):
    """A customer tunnel at AIN `ain` (SPIs 0x00AACC0x towards the customer,
    0x00CCAA0x from it; AA = ain, CC = code): its [[customer]] or [[responder]]
    table in that AIN's aind.toml and its sa.txt lines. Returns (to_customer,
    from_customer), which the customer's endpoint.toml uses the other way round."""
    to_c, from_c = bundle(keys, (ain << 16) | (code << 8)), bundle(keys, (code << 16) | (ain << 8))
    t = f'[[{table}]]\nid = {cid}\nname = "{name}"\ntunnel_address = "{outer}"\n'
    if serves:
        t += f"serves = [{', '.join(chr(34) + x + chr(34) for x in serves)}]\n"
    t += bundle_toml(f"{table}.out", to_c) + bundle_toml(f"{table}.in", from_c)
    node[ain]["customers"] += ("\n" if node[ain]["customers"] else "") + t
    link = f"{name}-ain{ain}"
    sa += sa_lines("customer", link, from_c, outer, node_addr(ain, a.outer), a.carrier)
    sa += sa_lines("customer", link, to_c, node_addr(ain, a.outer), outer, a.carrier)
    return to_c, from_c


def tun_offload_line(a):
    """`tun_offload = ...` for [network] and [endpoint] with --tun-offload
    (docs/tun-offload.md), else nothing (the daemons' default)."""
    return (f"tun_offload = {'true' if a.tun_offload == 'on' else 'false'}\n" if a.tun_offload else "") + (
        f"busy_poll_us = {a.busy_poll}\n" if a.busy_poll is not None else "") + (
        f"cpu_latency_us = {a.cpu_latency}\n" if a.cpu_latency is not None else "")


def send_thread_line(a):
    """`send_thread = ...` for aind's [network] with --send-thread
    (docs/send-thread.md), else nothing (aind's default); likewise
    `tvt_integrity = ...` with --tvt-integrity (docs/protocol.md)."""
    return (f"send_thread = {'true' if a.send_thread == 'on' else 'false'}\n" if a.send_thread else "") + (
        f'tvt_integrity = "{a.tvt_integrity}"\n' if a.tvt_integrity else "")


def write_endpoint(out, name, what, role, option, ain, outer, a, inner, routes, to_c, from_c, ike=None):
    """out/<name>/endpoint.toml: a customer endpoint (ain-endpoint) with its
    side of the tunnel (proposed format, see tests/e2e/README.md). With
    `ike` = (local_id, remote_id, psk): [endpoint.ike] instead of manual keys
    (an initiator then gets its inner address by CP: inner = None)."""
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    if ike:
        with open(os.path.join(d, "ike.psk"), "w") as f:
            f.write(ike[2] + "\n")
        keys = (f'\n[endpoint.ike]\nlocal_id = "{ike[0]}"\nremote_id = "{ike[1]}"\nauth = "psk"\n'
                f'psk_file = "ike.psk"\n')
    else:
        keys = bundle_toml("endpoint.out", from_c) + bundle_toml("endpoint.in", to_c)
    with open(os.path.join(d, "endpoint.toml"), "w") as f:
        f.write(f"# customer endpoint ({what}), generated by tests/e2e/gen_configs.py\n"
                f'[endpoint]\nname = "{name}"\nrole = "{role}"\nanonymity_option = {option}\n'
                f'ain_address = "{node_addr(ain, a.outer)}"\ntunnel_address = "{outer}"\n'
                # endpoint.ike: ESP in UDP on 4500 whatever the AINs' carrier.
                f'carrier = "{"udp" if ike else a.carrier}"\nudp_port = 4500\ntun_name = "ainc0"\ntun_mtu = {a.cell_size - 35}\n'
                + tun_offload_line(a)
                + (f'inner_addresses = ["{inner[0]}", "{inner[1]}"]\n' if inner else "")
                + f'routes = [{", ".join(chr(34) + r + chr(34) for r in routes)}]\n\n'
                f'[control]\nsocket = "{d}/endpoint.sock"\n\n'
                + keys
                # docs/protocol.md "Shaping": constant rate and padding to the AIN too.
                + (f'\n[shaping]\nprofile = "constant"\nrate = {a.shaping_rate}\npad = true\n'
                   if a.shaping_rate else ""))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ainctl", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--carrier", choices=["ip", "udp"], default="ip")
    p.add_argument("--outer", type=int, choices=[4, 6], default=4)
    p.add_argument("--option", type=int, choices=[1, 2], default=1,
                   help="anonymity option (paper §4.4): 1 random private source, 2 real address")
    p.add_argument("--cell-size", type=int, default=1400)
    p.add_argument("--tun-offload", choices=["on", "off"], default=None,
                   help="tun_offload in every aind [network] and endpoint (default: not written)")
    p.add_argument("--send-thread", choices=["on", "off"], default=None,
                   help="send_thread in every aind [network] (default: not written)")
    p.add_argument("--tvt-integrity", choices=["aes-gmac-256", "hmac-sha256-128"], default=None,
                   help="aind [network] tvt_integrity (default: aind's)")
    p.add_argument("--e2e-aead", choices=["aes-256-gcm", "chacha20-poly1305"], default=None,
                   help="aind [ant] e2e_aead (default: aind's)")
    p.add_argument("--busy-poll", type=int, default=None,
                   help="busy_poll_us in every aind [network] and endpoint (default: not written)")
    p.add_argument("--cpu-latency", type=int, default=None,
                   help="cpu_latency_us in every aind [network] and endpoint (default: not written)")
    p.add_argument("--keepalive", default="1s")
    p.add_argument("--shaping-rate", type=int, default=0,
                   help="cells/s: constant shaping on every ANT and customer link, both ways, and "
                        "padded customer tunnels (docs/protocol.md \"Shaping\"); 0 = off")
    p.add_argument("--log-level", default="info")
    p.add_argument("--exit", type=int, choices=[2, 3], default=3,
                   help="the only exit AIN (2: with --route-length 2, the shortest ANT, bench/e2e ant2)")
    p.add_argument("--route-length", type=int, choices=[2, 3], default=3)
    p.add_argument("--registered-responder", action="store_true",
                   help="the responder is a registered responder customer of ain3 (ain-endpoint, role "
                        "responder) and ain1 has a [[remote_responder]] for it; default: local delivery")
    p.add_argument("--second-initiator", action="store_true",
                   help="also customer 11 of ain1 (host initiator2, 10.200.7.1) with the first initiator's "
                        "inner addresses (option 1 only): colliding inner sources")
    p.add_argument("--ike-customer", action="store_true",
                   help="also customer 12 of ain1, keyed by IKEv2 (PSK) from a stock client on the "
                        "initiator host (either carrier: its ESP is UDP-encapsulated on 4500)")
    p.add_argument("--ike-endpoints", action="store_true",
                   help="the initiator's and the registered responder's ain-endpoint key their tunnels "
                        "by IKEv2 (PSK; CP for the initiator; ESP in UDP on either carrier); needs "
                        "--registered-responder")
    p.add_argument("--ike-pvts", action="store_true",
                   help="every PVT keyed by IKEv2 with the node identity keys (keying = \"ike\", "
                        "docs/ike.md \"PVTs\"); needs --carrier udp")
    a = p.parse_args()
    global EXIT
    EXIT = a.exit
    if a.ike_endpoints and (not a.registered_responder or a.ike_customer):
        p.error("--ike-endpoints: needs --registered-responder, not --ike-customer")
    if a.ike_pvts and a.carrier != "udp":
        p.error("--ike-pvts: IKE PVTs need the udp carrier")
    if a.second_initiator and a.option != 1:
        p.error("--second-initiator: the inner sources collide only with --option 1")
    keys = Keys(a.ainctl)
    out = os.path.abspath(a.out)
    os.makedirs(out, exist_ok=True)
    os.umask(0o077)

    auth_priv = keys.gen("ed25519")
    auth_pub = keys.pub(auth_priv, "ed25519")
    with open(os.path.join(out, "authority.key"), "w") as f:
        f.write(auth_priv + "\n")

    node = {}
    for n in AINS:
        d = os.path.join(out, f"ain{n}")
        os.makedirs(d, exist_ok=True)
        onion, ident = keys.gen("x25519"), keys.gen("ed25519")
        for fn, k in (("onion.key", onion), ("identity.key", ident)):
            with open(os.path.join(d, fn), "w") as f:
                f.write(k + "\n")
        node[n] = {"onion_pub": keys.pub(onion, "x25519"), "ident_pub": keys.pub(ident, "ed25519"),
                   "pvts": [], "customers": ""}

    # Directory (docs/protocol.md "Directory").
    body = [f"version = 1\nexpires = {int(time.time()) + 86400}\n"]
    for n in AINS:
        nb = sorted({b for x, b in PVTS if x == n} | {x for x, b in PVTS if b == n})
        policy = f'["{RESPONDER_NET4}", "{RESPONDER_NET6}"]' if n == EXIT else "[]"
        body.append(f'[[ain]]\nid = {n}\nname = "ain{n}"\naddress = "{node_addr(n, a.outer)}"\n'
                    f'identity_key = "{node[n]["ident_pub"]}"\nonion_key = "{node[n]["onion_pub"]}"\n'
                    f"neighbours = {nb}\nexit_policy = {policy}\n")
    body_path = os.path.join(out, "directory.body.toml")
    with open(body_path, "w") as f:
        f.write("\n".join(body))
    signed = subprocess.run([a.ainctl, "directory", "sign", "--key", os.path.join(out, "authority.key"), body_path],
                            check=True, capture_output=True, text=True).stdout
    with open(os.path.join(out, "directory.toml"), "w") as f:
        f.write(signed)

    sa = []
    # PVTs: SPI 0x00AB00xx names the direction A -> B (readable in captures).
    for x, y in PVTS:
        xy, yx = bundle(keys, (x << 16) | (y << 8)), bundle(keys, (y << 16) | (x << 8))
        secret = keys.gen()
        node[x]["pvts"].append((y, secret, xy, yx))
        node[y]["pvts"].append((x, secret, yx, xy))
        if a.ike_pvts:
            continue  # negotiated at run time: nothing static for sa.txt
        sa += sa_lines("pvt", f"ain{x}-ain{y}", xy, node_addr(x, a.outer), node_addr(y, a.outer), a.carrier)
        sa += sa_lines("pvt", f"ain{x}-ain{y}", yx, node_addr(y, a.outer), node_addr(x, a.outer), a.carrier)

    # The initiator's customer tunnel at ain1 (SPIs 0x0064xxxx: customer 100).
    init_outer = "10.200.1.1" if a.outer == 4 else "fd00:200:0:1::1"
    ep_psk = {}
    if a.ike_endpoints:
        # Customer CUSTOMER_ID of ain1 and responder RESPONDER_ID of ain3 keyed
        # by IKEv2: no manual keys, no sa.txt lines (the keys are negotiated).
        to_cust = from_cust = None
        ep_psk = {"initiator": secrets.token_hex(16), "responder": secrets.token_hex(16)}
        for n, fn, psk in ((1, "ike-initiator.psk", ep_psk["initiator"]), (EXIT, "ike-responder.psk", ep_psk["responder"])):
            with open(os.path.join(out, f"ain{n}", fn), "w") as f:
                f.write(psk + "\n")
        node[1]["customers"] += (f'[[customer]]\nid = {CUSTOMER_ID}\nname = "initiator"\n'
                                 f'[customer.ike]\nid = "{EP_INITIATOR_ID}"\nauth = "psk"\npsk_file = "ike-initiator.psk"\n'
                                 f'\n[ike]\nlocal_id = "{IKE_GATEWAY_ID}"\npool_v4 = "{IKE_POOL4}"\n'
                                 f'child_rekey = "1h"\n')
    else:
        to_cust, from_cust = add_customer(keys, node, sa, a, 1, 100, "customer", CUSTOMER_ID, "initiator",
                                          init_outer)

    # Second initiator (opt-in): customer 11 of ain1 (SPIs 0x0065xxxx: customer 101).
    init2_outer = f"10.200.{SECOND_LINK}.1" if a.outer == 4 else f"fd00:200:0:{SECOND_LINK}::1"
    if a.second_initiator:
        to_c2, from_c2 = add_customer(keys, node, sa, a, 1, 101, "customer", SECOND_ID, "initiator2",
                                      init2_outer)

    # Registered responder (opt-in): its tunnel at ain3 (SPIs 0x00C8xxxx:
    # customer 200), and ain1's [[remote_responder]] naming it.
    resp_outer = "10.200.4.2" if a.outer == 4 else "fd00:200:0:4::2"
    if a.registered_responder and a.ike_endpoints:
        to_resp = from_resp = None
        node[EXIT]["customers"] += (f'[[responder]]\nid = {RESPONDER_ID}\nname = "responder"\n'
                                    f'serves = ["{RESPONDER_NET4}", "{RESPONDER_NET6}"]\n'
                                    f'[responder.ike]\nid = "{EP_RESPONDER_ID}"\nauth = "psk"\npsk_file = "ike-responder.psk"\n'
                                    f'\n[ike]\nlocal_id = "{EXIT_GATEWAY_ID}"\n')
        node[1]["customers"] += (f'\n[[remote_responder]]\nexit = {EXIT}\nresponder_id = {RESPONDER_ID}\n'
                                 f'serves = ["{RESPONDER_NET4}", "{RESPONDER_NET6}"]\n')
    elif a.registered_responder:
        to_resp, from_resp = add_customer(keys, node, sa, a, EXIT, 200, "responder", RESPONDER_ID, "responder",
                                          resp_outer, serves=[RESPONDER_NET4, RESPONDER_NET6])
        node[1]["customers"] += (f'\n[[remote_responder]]\nexit = {EXIT}\nresponder_id = {RESPONDER_ID}\n'
                                 f'serves = ["{RESPONDER_NET4}", "{RESPONDER_NET6}"]\n')

    ike_psk = ""
    if a.ike_customer:
        ike_psk = secrets.token_hex(16)
        with open(os.path.join(out, "ain1", "ike-client.psk"), "w") as f:
            f.write(ike_psk + "\n")
        ini = os.path.join(out, "initiator")
        os.makedirs(ini, exist_ok=True)
        key_pem = os.path.join(ini, "ike-ed.key.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", key_pem], check=True,
                       capture_output=True)
        subprocess.run(["openssl", "pkey", "-in", key_pem, "-pubout", "-out", os.path.join(ini, "ike-ed.pub.pem")],
                       check=True, capture_output=True)
        ed_pub = subprocess.run(["openssl", "pkey", "-in", key_pem, "-pubout", "-outform", "DER"], check=True,
                                capture_output=True).stdout[-32:].hex()
        # RFC 8410 SubjectPublicKeyInfo of ain1's identity key, for charon's pubkeys.
        der = bytes.fromhex("302a300506032b6570032100" + node[1]["ident_pub"])
        with open(os.path.join(ini, "ain1.pub.pem"), "w") as f:
            f.write("-----BEGIN PUBLIC KEY-----\n" + base64.b64encode(der).decode() + "\n-----END PUBLIC KEY-----\n")
        node[1]["customers"] += (f'\n[[customer]]\nid = {IKE_ED_ID}\nname = "ike-ed"\n'
                                 f'[customer.ike]\nid = "{IKE_ED_CLIENT_ID}"\nauth = "ed25519"\npublic_key = "{ed_pub}"\n')
        node[1]["customers"] += (f'\n[[customer]]\nid = {IKE_ID}\nname = "ike-client"\n'
                                 f'[customer.ike]\nid = "{IKE_CLIENT_ID}"\nauth = "psk"\npsk_file = "ike-client.psk"\n'
                                 f'\n[ike]\nport = 500\nlocal_id = "{IKE_GATEWAY_ID}"\npool_v4 = "{IKE_POOL4}"\n')

    for n in AINS:
        d = os.path.join(out, f"ain{n}")
        pool = f'["100.64.{EXIT}.0/24", "fd00:64:{EXIT}::/96"]' if n == EXIT else "[]"
        t = [f"# generated by tests/e2e/gen_configs.py for one e2e run\n"
             f'[node]\nid = {n}\nname = "ain{n}"\nonion_key_file = "onion.key"\nidentity_key_file = "identity.key"\n\n'
             f'[directory]\nfile = "../directory.toml"\nauthority_key = "{auth_pub}"\n\n'
             f'[network]\ncarrier = "{a.carrier}"\nudp_port = 4500\ntun_name = "ain0"\ntun_mtu = 1500\n'
             + tun_offload_line(a) + send_thread_line(a) +
             f"exit_pool = {pool}\n\n"
             f'[ant]\ncell_size = {a.cell_size}\n'
             + (f'e2e_aead = "{a.e2e_aead}"\n' if a.e2e_aead else "") +
             f'route_length = {a.route_length}\nlifetime = "1h"\ninactivity_timeout = "120s"\n'
             f'setup_timeout = "3s"\nsetup_attempts = 3\nkeepalive_interval = "{a.keepalive}"\nmax_ants = 1000\n'
             f"pending_queue = 8\n\n"
             # export_keys: a test bed; the e2e checks read every TVT key
             # (ainctl sas --keys, tests/e2e/sa_tool.py dump; docs/pcap.md).
             f'[control]\nsocket = "{d}/aind.sock"\nexport_keys = true\n\n[log]\nlevel = "{a.log_level}"\n']
        if a.shaping_rate:
            t.append(f'\n[shaping]\npad_customer = true\n'
                     f'[shaping.ant]\nprofile = "constant"\nrate = {a.shaping_rate}\n'
                     f'[shaping.customer]\nprofile = "constant"\nrate = {a.shaping_rate}\n')
        for peer, secret, o, i in node[n]["pvts"]:
            if a.ike_pvts:
                t.append(f'\n[[pvt]]\npeer = {peer}\nkeying = "ike"\n')
                continue
            t.append(f'\n[[pvt]]\npeer = {peer}\ntvt_secret = "{secret}"\n' + bundle_toml("pvt.out", o)
                     + bundle_toml("pvt.in", i))
        if node[n]["customers"]:
            t.append("\n" + node[n]["customers"])
        with open(os.path.join(d, "aind.toml"), "w") as f:
            f.write("".join(t))

    # Customer endpoint of the initiator (proposed format, see tests/e2e/README.md).
    rnd = random.SystemRandom()
    if a.option == 1:  # paper §4.4 option 1: a random private source address
        inner4 = str(ipaddress.IPv4Address(0x0A630000 | rnd.randrange(1, 0xFFFF)))   # 10.99.x.y
        inner6 = str(ipaddress.IPv6Address((0xFD0000990000 << 80) | rnd.randrange(1, 1 << 64)))
    else:              # option 2: the host's real address
        inner4, inner6 = "10.200.1.1", "fd00:200:0:1::1"
    routes = [RESPONDER_NET4, RESPONDER_NET6]
    ep_ike = (lambda name, gw: (EP_INITIATOR_ID if name == "initiator" else EP_RESPONDER_ID, gw, ep_psk[name])
              if a.ike_endpoints else None)
    write_endpoint(out, "initiator", "initiator", "initiator", a.option, 1, init_outer, a,
                   None if a.ike_endpoints else (inner4, inner6), routes, to_cust, from_cust,
                   ike=ep_ike("initiator", IKE_GATEWAY_ID))
    if a.second_initiator:  # the same inner addresses as the first initiator
        write_endpoint(out, "initiator2", "second initiator", "initiator", a.option, 1, init2_outer, a,
                       (inner4, inner6), routes, to_c2, from_c2)
    if a.registered_responder:
        # The responder's side of its tunnel: its real address is the inner
        # destination (nothing to add to the TUN: option 2 style); replies to
        # the initiator's inner sources go back into the tunnel.
        back = INITIATOR_INNER_NETS + (["10.200.1.1/32", "fd00:200:0:1::1/128"] if a.option == 2 else [])
        if a.ike_endpoints:
            back = [IKE_POOL4]  # the initiator's CP addresses
        write_endpoint(out, "responder", "registered responder", "responder", 2, EXIT, resp_outer, a,
                       ("10.200.4.2", "fd00:200:0:4::2"), back, to_resp, from_resp,
                       ike=ep_ike("responder", EXIT_GATEWAY_ID))

    with open(os.path.join(out, "sa.txt"), "w") as f:
        f.write("# ainet sa.txt v1 (docs/pcap.md): one SA per line\n")
        f.write("\n".join(sa) + "\n")
    with open(os.path.join(out, "env.sh"), "w") as f:
        f.write(f"GEN_CARRIER={a.carrier}\nGEN_OUTER={a.outer}\nGEN_OPTION={a.option}\n"
                f"GEN_INNER4={inner4}\nGEN_INNER6={inner6}\nGEN_CUSTOMER={CUSTOMER_ID}\n"
                f"GEN_AUTHORITY={auth_pub}\n"
                + (f"GEN_RESPONDER_ID={RESPONDER_ID}\n" if a.registered_responder else "")
                + (f"GEN_IKE_POOL4={IKE_POOL4}\nGEN_EP_INITIATOR_ID={EP_INITIATOR_ID}\n"
                   f"GEN_EP_RESPONDER_ID={EP_RESPONDER_ID}\n" if a.ike_endpoints else "")
                + (f"GEN_IKE_ID={IKE_ID}\nGEN_IKE_CLIENT_ID={IKE_CLIENT_ID}\nGEN_IKE_GATEWAY_ID={IKE_GATEWAY_ID}\n"
                   f"GEN_IKE_PSK={ike_psk}\nGEN_IKE_POOL4={IKE_POOL4}\n"
                   f"GEN_IKE_ED_ID={IKE_ED_ID}\nGEN_IKE_ED_CLIENT_ID={IKE_ED_CLIENT_ID}\n" if a.ike_customer else "")
                + (f"GEN_CUSTOMER2={SECOND_ID}\nGEN_INITIATOR2_OUTER={init2_outer}\n" if a.second_initiator else ""))


if __name__ == "__main__":
    main()
