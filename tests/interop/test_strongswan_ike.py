#!/usr/bin/python3
"""IKEv2 interop: ainet's IKE engine (tools/ike_tool, src/ike) against stock
strongSwan (Debian's charon + swanctl, kernel-libipsec for ESP over a TUN).

    /usr/bin/python3 tests/interop/test_strongswan_ike.py --tool build/tools/ike_tool/ainet_ike_tool

Two network namespaces made here ("ours" 10.77.0.1, "sw" 10.77.0.2 on a veth
pair); each charon gets a private /run (a mount namespace with a tmpfs) and
its own strongswan.conf (STRONGSWAN_CONF). Everything is removed at the end,
also on failure. Exit 0 = every case passed, 1 = a failure, 77 = skipped
(not root, or strongSwan / a plugin missing).

Cases:
  A  strongSwan initiates (PSK, encap=yes, virtual IP from our pool): the
     IKE SA and child SA come up; the child SA keys our tool reports equal
     the keys charon logs (chd level 4); ping through kernel-libipsec's ESP
     reaches our tool, which opens it and answers through the outbound SA;
     strongSwan rekeys the child SA and the IKE SA (ping works after each),
     then deletes the IKE SA (we see the Delete).
  B  the same with Ed25519 raw public keys (RFC 7427 / RFC 8420) both ways.
  C  we initiate to a strongSwan responder (PSK, we ask for an inner address
     from its pool, we force UDP encapsulation), then rekey the child SA
     (with PFS) and the IKE SA ourselves; ping from strongSwan's side of the
     tunnel to our inner address works before and after.
  D  negative: a wrong PSK (strongSwan reports AUTHENTICATION_FAILED), an
     unsupported proposal (NO_PROPOSAL_CHOSEN); our tool keeps no IKE SA.
  E  ESN: strongSwan offers ESP with ESN only; we agree (ESN transform 1),
     but Debian's kernel-libipsec cannot install it ("ESN not supported"),
     so strongSwan deletes the child SA and we remove it. This is why
     ainet's ESP policy prefers no-ESN (ProposalPolicy::esp_esn).
  F  liveness (§1.4): strongSwan's DPD (1 s) is answered by us; when our
     side dies, strongSwan gives the IKE SA up; and the other way round, our
     liveness check finds a dead charon and deletes the IKE SA (peer_dead).
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

CHARON = "/usr/lib/ipsec/charon"
PLUGINS = ("random nonce openssl pem pkcs1 pkcs8 pubkey x509 kdf kernel-libipsec "
           "kernel-netlink socket-default vici")
PSK = "interop shared secret"
OURS, SW = "10.77.0.1", "10.77.0.2"

RESULTS = []
PROCS = []  # every process we started (killed by pid at the end)


def run(cmd, timeout=20, check=True, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise RuntimeError(f"{cmd!r} failed ({r.returncode}): {r.stdout}{r.stderr}")
    return r


def record(name, ok, detail=""):
    RESULTS.append((name, ok, detail))
    print(f"{'PASS' if ok else 'FAIL'}  {name}{(': ' + detail) if detail else ''}", flush=True)


class Net:
    def __init__(self, prefix):
        self.ours, self.sw = f"{prefix}o", f"{prefix}s"
        run(["ip", "netns", "add", self.ours])
        run(["ip", "netns", "add", self.sw])
        run(["ip", "link", "add", "aike0", "netns", self.ours, "type", "veth", "peer", "name",
             "aike1", "netns", self.sw])
        for ns, dev, addr in ((self.ours, "aike0", OURS), (self.sw, "aike1", SW)):
            run(["ip", "-n", ns, "addr", "add", f"{addr}/24", "dev", dev])
            run(["ip", "-n", ns, "link", "set", dev, "up"])
            run(["ip", "-n", ns, "link", "set", "lo", "up"])
        # A "network behind strongSwan" address for case C's ping source.
        run(["ip", "-n", self.sw, "addr", "add", "10.99.0.1/32", "dev", "lo"])

    def remove(self):
        for ns in (self.ours, self.sw):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=10)


class Charon:
    """One charon in the sw namespace with a private /run."""

    def __init__(self, net, work, name, swanctl_conf, extra_files=None):
        self.dir = os.path.join(work, name)
        os.makedirs(os.path.join(self.dir, "private"), exist_ok=True)
        os.makedirs(os.path.join(self.dir, "pubkey"), exist_ok=True)
        self.log = os.path.join(self.dir, "charon.log")
        conf = os.path.join(self.dir, "strongswan.conf")
        with open(conf, "w") as f:
            f.write(f"""charon {{
  load = {PLUGINS}
  retransmit_tries = 2
  retransmit_timeout = 1
  filelog {{
    log {{
      path = {self.log}
      default = 1
      ike = 2
      chd = 4
      flush_line = yes
    }}
  }}
  plugins {{ vici {{ socket = unix:///run/charon.vici }} }}
}}
swanctl {{ load = pem pkcs1 pkcs8 openssl pubkey x509 }}
""")
        with open(os.path.join(self.dir, "swanctl.conf"), "w") as f:
            f.write(swanctl_conf)
        for dst, src in (extra_files or {}).items():
            shutil.copy(src, os.path.join(self.dir, dst))
        self.env = dict(os.environ, STRONGSWAN_CONF=conf)
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", net.sw, "unshare", "-m", "sh", "-c",
             f"mount -t tmpfs tmpfs /run && exec {CHARON}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=self.env)
        PROCS.append(self.proc)
        for _ in range(100):
            if self.swanctl("--stats", check=False).returncode == 0:
                break
            time.sleep(0.1)
        self.swanctl("--load-all", "--file", os.path.join(self.dir, "swanctl.conf"))

    def swanctl(self, *args, check=True, timeout=20):
        return run(["nsenter", "-t", str(self.proc.pid), "-m", "-n", "swanctl", *args],
                   check=check, timeout=timeout, env=self.env)

    def nsrun(self, *args, timeout=20):
        return run(["nsenter", "-t", str(self.proc.pid), "-m", "-n", *args], check=False,
                   timeout=timeout, env=self.env)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def logged_child_keys(self):
        """Child SA keys from charon's chd-4 dumps ('encryption initiator/responder key')."""
        keys, cur, want = [], None, 0
        for line in open(self.log, errors="replace"):
            m = re.search(r"encryption (initiator|responder) key => (\d+) bytes", line)
            if m:
                cur, want = [m.group(1), ""], int(m.group(2))
                continue
            if cur is not None:
                m = re.search(r"\[CHD\]\s+\d+: ((?:[0-9A-F]{2} ?)+)", line)
                if m:
                    cur[1] += m.group(1).replace(" ", "").lower()
                    if len(cur[1]) >= 2 * want:
                        keys.append((cur[0], cur[1][:2 * want]))
                        cur = None
        return keys


class Tool:
    def __init__(self, tool, net, work, name, *args):
        self.out = os.path.join(work, f"{name}.jsonl")
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", net.ours, tool, "--local", OURS, *args],
            stdout=open(self.out, "w"), stderr=subprocess.STDOUT)
        PROCS.append(self.proc)
        time.sleep(0.3)

    def events(self):
        out = []
        for line in open(self.out):
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
        return out

    def of(self, kind):
        return [e for e in self.events() if e.get("event") == kind]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        c = self.of("counters")
        return c[-1] if c else {}


def initiator_conf(auth_local, auth_remote, proposals="aes256gcm16-prfsha256-x25519", secret=PSK,
                   esp="aes256gcm16", extra=""):
    return f"""connections {{
  ainet {{
    {extra}
    remote_addrs = {OURS}
    local_addrs = {SW}
    version = 2
    proposals = {proposals}
    encap = yes
    vips = 0.0.0.0
    local {{ {auth_local}
            id = client.example }}
    remote {{ {auth_remote}
             id = gw.example }}
    children {{
      net {{ remote_ts = 10.99.0.0/24
            esp_proposals = {esp}
            start_action = none }}
    }}
  }}
}}
secrets {{
  ike-1 {{ id-1 = client.example
          id-2 = gw.example
          secret = "{secret}" }}
}}
"""


def ping(charon, tool, dst, src=None, count=3):
    """Echo replies received by ping, counted only if our tool opened the
    same number of echo requests from ESP and answered them (so a reply from
    anywhere else cannot pass)."""
    before = len([e for e in tool.of("esp_in") if e.get("ok") and e.get("icmp_type") == 8])
    args = ["ping", "-c", str(count), "-W", "2", "-i", "0.3"]
    if src:
        args += ["-I", src]
    r = charon.nsrun(*args, dst)
    m = re.search(r"(\d+) received", r.stdout)
    got = int(m.group(1)) if m else 0
    time.sleep(0.2)
    opened = len([e for e in tool.of("esp_in") if e.get("ok") and e.get("icmp_type") == 8]) - before
    return got if opened == count else -opened


def case_a(tool, net, work):
    t = Tool(tool, net, work, "a", "--local-id", "gw.example", "--remote-id", "client.example",
             "--psk", PSK, "--pool", "10.9.0.0/24", "--seconds", "60")
    c = Charon(net, work, "a", initiator_conf("auth = psk", "auth = psk"))
    try:
        r = c.swanctl("--initiate", "--child", "net", "--timeout", "10", check=False)
        record("A: strongSwan initiates, IKE_SA_INIT+IKE_AUTH with our responder",
               r.returncode == 0 and len(t.of("ike_up")) == 1, r.stdout[-200:] if r.returncode else "")
        sas = c.swanctl("--list-sas").stdout
        record("A: strongSwan got the virtual IP 10.9.0.1 from our CP reply", "[10.9.0.1]" in sas)
        ups = t.of("child_up")
        logged = c.logged_child_keys()
        ok = len(ups) == 1 and ("initiator", ups[0]["key_in"]) in logged and \
            ("responder", ups[0]["key_out"]) in logged
        record("A: child SA KEYMAT equals charon's (both directions)", ok,
               f"ours={[(u['key_in'][:8], u['key_out'][:8]) for u in ups]} charon={[(d, k[:8]) for d, k in logged]}")
        record("A: ping through strongSwan's ESP to our tool and back (3/3)", ping(c, t, "10.99.0.7") == 3)
        c.swanctl("--rekey", "--child", "net")
        time.sleep(1)
        ups = t.of("child_up")
        record("A: strongSwan rekeys the child SA (CREATE_CHILD_SA with REKEY_SA)",
               len(ups) == 2 and ups[1]["replaces_spi_in"] == ups[0]["spi_in"])
        logged = c.logged_child_keys()
        record("A: rekeyed child SA keys equal charon's",
               len(ups) == 2 and ("initiator", ups[1]["key_in"]) in logged)
        record("A: ping on the rekeyed child SA (3/3)", ping(c, t, "10.99.0.7") == 3)
        c.swanctl("--rekey", "--ike", "ainet")
        time.sleep(1)
        downs = t.of("ike_down")
        record("A: strongSwan rekeys the IKE SA (old one ends as 'rekeyed')",
               len(t.of("ike_up")) == 2 and len(downs) == 1 and downs[0]["reason"] == 8 and
               downs[0]["new_handle"] == t.of("ike_up")[1]["ike_sa"])
        record("A: ping after the IKE SA rekey (3/3)", ping(c, t, "10.99.0.7") == 3)
        c.swanctl("--terminate", "--ike", "ainet")
        time.sleep(0.5)
        downs = t.of("ike_down")
        record("A: strongSwan deletes the IKE SA, we remove it (deleted_by_peer)",
               len(downs) == 2 and downs[1]["reason"] == 0)
    finally:
        c.stop()
        counters = t.stop()
    record("A: every ESP packet opened (9 echo requests answered), no IKE drops",
           counters.get("esp_bad", 1) == 0 and counters.get("echo_replies") == 9 and counters.get("live_ike_sas", 1) == 0 and
           set(counters.get("drops", {})) <= {"not_ike"}, json.dumps(counters))


def case_b(tool, net, work):
    keys = {}
    for who in ("sw", "ours"):
        k = os.path.join(work, f"{who}.key.pem")
        p = os.path.join(work, f"{who}.pub.pem")
        run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", k])
        run(["openssl", "pkey", "-in", k, "-pubout", "-out", p])
        keys[who] = (k, p)
    seed = subprocess.run(["openssl", "pkey", "-in", keys["ours"][0], "-outform", "DER"],
                          capture_output=True, timeout=10).stdout[-32:].hex()
    swpub = subprocess.run(["openssl", "pkey", "-pubin", "-in", keys["sw"][1], "-outform", "DER"],
                           capture_output=True, timeout=10).stdout[-32:].hex()
    t = Tool(tool, net, work, "b", "--local-id", "gw.example", "--remote-id", "client.example",
             "--ed25519-seed", seed, "--remote-pubkey", swpub, "--pool", "10.9.0.0/24",
             "--seconds", "30")
    conf = initiator_conf("auth = pubkey\n            pubkeys = sw.pub.pem",
                          "auth = pubkey\n             pubkeys = ours.pub.pem").split("secrets")[0]
    c = Charon(net, work, "b", conf, {"private/sw.key.pem": keys["sw"][0],
                                       "pubkey/sw.pub.pem": keys["sw"][1],
                                       "pubkey/ours.pub.pem": keys["ours"][1]})
    try:
        r = c.swanctl("--initiate", "--child", "net", "--timeout", "10", check=False)
        record("B: Ed25519 (RFC 7427 digital signature, RFC 8420) both ways",
               r.returncode == 0 and len(t.of("ike_up")) == 1, r.stdout[-300:] if r.returncode else "")
        record("B: ping over the Ed25519-authenticated child SA (3/3)", ping(c, t, "10.99.0.7") == 3)
    finally:
        c.stop()
        t.stop()


def case_c(tool, net, work):
    conf = f"""connections {{
  ainet-in {{
    local_addrs = {SW}
    remote_addrs = %any
    version = 2
    proposals = aes256gcm16-prfsha256-x25519
    pools = p4
    local {{ auth = psk
            id = sw.example }}
    remote {{ auth = psk
             id = ours.example }}
    children {{
      net {{ local_ts = 10.99.0.0/24
            esp_proposals = aes256gcm16-x25519,aes256gcm16 }}
    }}
  }}
}}
pools {{ p4 {{ addrs = 10.9.1.0/24 }} }}
secrets {{
  ike-1 {{ id-1 = sw.example
          id-2 = ours.example
          secret = "{PSK}" }}
}}
"""
    c = Charon(net, work, "c", conf)
    t = Tool(tool, net, work, "c", "--local-id", "ours.example", "--remote-id", "sw.example",
             "--psk", PSK, "--initiate", "--remote", SW, "--request-address", "--force-encap",
             "--pfs", "--rekey-child-after", "4", "--rekey-ike-after", "7", "--seconds", "11")
    try:
        time.sleep(2)
        sas = c.swanctl("--list-sas").stdout
        record("C: we initiate; strongSwan responder establishes IKE and child SA",
               "ESTABLISHED" in sas and "INSTALLED" in sas and len(t.of("ike_up")) == 1)
        ups = t.of("child_up")
        record("C: strongSwan assigned our inner address (CP)",
               len(ups) == 1 and ups[0].get("virtual_ip4") == "10.9.1.1" and "[10.9.1.1]" in sas)
        record("C: ping from strongSwan's side to our inner address (3/3)",
               ping(c, t, "10.9.1.1", src="10.99.0.1") == 3)
        time.sleep(6.5)
        logged = c.logged_child_keys()
        ups = t.of("child_up")
        record("C: we rekey the child SA with PFS; strongSwan's keys equal ours",
               len(ups) == 2 and ups[1]["replaces_spi_in"] == ups[0]["spi_in"] and
               ("responder", ups[1]["key_in"]) in logged and ("initiator", ups[1]["key_out"]) in logged)
        downs = t.of("ike_down")
        record("C: we rekey the IKE SA", len(downs) == 1 and downs[0]["reason"] == 8)
        record("C: ping after both rekeys (3/3)", ping(c, t, "10.9.1.1", src="10.99.0.1") == 3)
    finally:
        counters = t.stop()
        c.stop()
    record("C: counters", counters.get("child_rekeys") == 1 and counters.get("ike_rekeys") == 1 and
           counters.get("esp_bad", 1) == 0 and counters.get("retransmissions", 1) == 0,
           json.dumps(counters))


def case_d(tool, net, work):
    t = Tool(tool, net, work, "d", "--local-id", "gw.example", "--remote-id", "client.example",
             "--psk", PSK, "--pool", "10.9.0.0/24", "--seconds", "30")
    c = Charon(net, work, "d", initiator_conf("auth = psk", "auth = psk", secret="wrong secret"))
    try:
        r = c.swanctl("--initiate", "--child", "net", "--timeout", "10", check=False)
        log = open(c.log).read()
        record("D: wrong PSK: strongSwan gets AUTHENTICATION_FAILED",
               r.returncode != 0 and "AUTHENTICATION_FAILED" in log)
    finally:
        c.stop()
    c = Charon(net, work, "d2", initiator_conf("auth = psk", "auth = psk",
                                               proposals="aes128-sha256-modp2048"))
    try:
        r = c.swanctl("--initiate", "--child", "net", "--timeout", "10", check=False)
        log = open(c.log).read()
        record("D: unsupported proposal: strongSwan gets NO_PROPOSAL_CHOSEN",
               r.returncode != 0 and "NO_PROPOSAL_CHOSEN" in log)
    finally:
        c.stop()
        counters = t.stop()
    record("D: no IKE SA left behind at our side",
           counters.get("ike_sas_up") == 0 and counters.get("live_ike_sas") == 0, json.dumps(counters))


def case_e(tool, net, work):
    t = Tool(tool, net, work, "e", "--local-id", "gw.example", "--remote-id", "client.example",
             "--psk", PSK, "--pool", "10.9.0.0/24", "--seconds", "20")
    c = Charon(net, work, "e", initiator_conf("auth = psk", "auth = psk", esp="aes256gcm16-esn"))
    try:
        c.swanctl("--initiate", "--child", "net", "--timeout", "10", check=False)
        time.sleep(0.5)
        log = open(c.log).read()
        ups, downs = t.of("child_up"), t.of("child_down")
        record("E: ESN-only child SA: we accept ESN, kernel-libipsec refuses it, the Delete removes it",
               len(ups) == 1 and ups[0]["esn"] and "ESN not supported" in log and len(downs) == 1 and
               downs[0]["reason"] == 1 and len(t.of("ike_up")) == 1)
    finally:
        c.stop()
        t.stop()


def case_f(tool, net, work):
    t = Tool(tool, net, work, "f", "--local-id", "gw.example", "--remote-id", "client.example",
             "--psk", PSK, "--pool", "10.9.0.0/24", "--seconds", "60", "--dpd", "0")
    c = Charon(net, work, "f", initiator_conf("auth = psk", "auth = psk", extra="dpd_delay = 1s"))
    try:
        c.swanctl("--initiate", "--child", "net", "--timeout", "10", check=False)
        time.sleep(3.5)
        log = open(c.log).read()
        answered = len(re.findall(r"parsed INFORMATIONAL response \d+ \[ \]", log))
        record("F: strongSwan's liveness checks are answered", answered >= 2, f"{answered} answered")
        t.proc.kill()  # our side dies without a word
        t.proc.wait(5)
        gone = False
        for _ in range(30):
            time.sleep(0.5)
            if "ESTABLISHED" not in c.swanctl("--list-sas").stdout:
                gone = True
                break
        record("F: strongSwan gives up the IKE SA of a dead peer", gone)
    finally:
        c.stop()
        t.stop()
    c = Charon(net, work, "f2", initiator_conf("auth = psk", "auth = psk"))
    t = Tool(tool, net, work, "f2", "--local-id", "gw.example", "--remote-id", "client.example",
             "--psk", PSK, "--pool", "10.9.0.0/24", "--seconds", "40", "--dpd", "2",
             "--retransmit-tries", "2")
    try:
        c.swanctl("--initiate", "--child", "net", "--timeout", "10", check=False)
        time.sleep(3)
        ok_before = len(t.of("ike_down")) == 0 and len(t.of("ike_up")) == 1
    finally:
        # charon dies without a word (SIGTERM would make it send Deletes).
        c.proc.kill()
        c.proc.wait(5)
    for _ in range(40):
        time.sleep(0.5)
        if t.of("ike_down"):
            break
    downs = t.of("ike_down")
    record("F: our liveness check finds the dead charon and deletes the IKE SA",
           ok_before and len(downs) == 1 and downs[0]["reason"] == 2,
           json.dumps(downs))
    t.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--cases", default="ABCDEF")
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces)")
        return 77
    missing = [p for p in ("kernel-libipsec", "openssl", "kdf", "vici")
               if not os.path.exists(f"/usr/lib/ipsec/plugins/libstrongswan-{p}.so")]
    if not os.path.exists(CHARON) or shutil.which("swanctl") is None or missing:
        print(f"SKIP: strongSwan not installed (charon/swanctl/plugins {missing})")
        return 77
    work = tempfile.mkdtemp(prefix="ainet-ike-interop-")
    net = None
    try:
        net = Net(f"aike{os.getpid() % 100000}")
        for case in a.cases:
            {"A": case_a, "B": case_b, "C": case_c, "D": case_d, "E": case_e, "F": case_f}[case](os.path.abspath(a.tool), net, work)
    except Exception as e:  # a harness failure is a test failure
        record("harness", False, repr(e))
    finally:
        for p in PROCS:
            if p.poll() is None:
                p.kill()
                p.wait(5)
        if net:
            net.remove()
        if os.environ.get("AINET_KEEP_INTEROP_DIR"):
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    failed = [r for r in RESULTS if not r[1]]
    print(f"strongSwan IKE interop: {len(RESULTS) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed or not RESULTS else 0


if __name__ == "__main__":
    sys.exit(main())
