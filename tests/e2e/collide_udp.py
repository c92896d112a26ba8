#!/usr/bin/python3
"""UDP echo for tests/e2e/cases_collide.sh: two initiators with the same inner
source address and the same source port talk to one responder at once; each
must get back its own datagrams and never the other's.

  collide_udp.py server --port P
      dual-stack echo: answers every datagram with b"seen=<peer> " + payload,
      <peer> being the source the responder saw (after the exit's NAT).
  collide_udp.py client --bind ADDR --sport P --dst ADDR --dport P --name N
                        [--count 20] [--timeout 15]
      sends COUNT datagrams "ainet-collide name=N nonce=<random> seq=I" from
      ADDR:P; resends what is unanswered every second until all are answered
      or TIMEOUT. Prints one JSON line {own, foreign, missing, seen, example};
      exit 0 only if every seq came back and nothing foreign arrived.
"""
import argparse
import json
import secrets
import socket
import sys
import time


def server(a):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", a.port))
    while True:
        data, peer = s.recvfrom(65535)
        host = peer[0][7:] if peer[0].startswith("::ffff:") else peer[0]
        s.sendto(f"seen={host}:{peer[1]} ".encode() + data, peer)


def client(a):
    fam = socket.AF_INET6 if ":" in a.dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((a.bind, a.sport))
    s.connect((a.dst, a.dport))
    nonce = secrets.token_hex(8)
    missing = set(range(a.count))
    own = foreign = 0
    seen = set()
    example = ""
    deadline = time.monotonic() + a.timeout
    next_send = 0.0
    while missing and time.monotonic() < deadline:
        now = time.monotonic()
        if now >= next_send:
            for i in sorted(missing):
                s.send(f"ainet-collide name={a.name} nonce={nonce} seq={i}".encode())
                time.sleep(0.02)
            next_send = now + 1.0
        s.settimeout(max(0.05, min(next_send, deadline) - time.monotonic()))
        try:
            data = s.recv(65535).decode(errors="replace")
        except (socket.timeout, ConnectionRefusedError):
            continue
        fields = dict(f.split("=", 1) for f in data.split() if "=" in f)
        if fields.get("name") == a.name and fields.get("nonce") == nonce:
            own += 1
            missing.discard(int(fields.get("seq", -1)))
            seen.add(fields.get("seen", "?"))
        else:
            foreign += 1
            example = example or data[:120]
    # Answers still in flight after the last own one are read too: a foreign
    # datagram arriving late must not go unnoticed.
    s.settimeout(0.5)
    try:
        while True:
            data = s.recv(65535).decode(errors="replace")
            fields = dict(f.split("=", 1) for f in data.split() if "=" in f)
            if not (fields.get("name") == a.name and fields.get("nonce") == nonce):
                foreign += 1
                example = example or data[:120]
    except (socket.timeout, ConnectionRefusedError):
        pass
    print(json.dumps({"name": a.name, "own": own, "foreign": foreign, "missing": len(missing),
                      "seen": sorted(seen), "example": example}), flush=True)
    return 0 if not missing and foreign == 0 else 1


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    ps = sub.add_parser("server")
    ps.add_argument("--port", type=int, required=True)
    pc = sub.add_parser("client")
    pc.add_argument("--bind", required=True)
    pc.add_argument("--sport", type=int, required=True)
    pc.add_argument("--dst", required=True)
    pc.add_argument("--dport", type=int, required=True)
    pc.add_argument("--name", required=True)
    pc.add_argument("--count", type=int, default=20)
    pc.add_argument("--timeout", type=float, default=15)
    a = p.parse_args()
    if a.cmd == "server":
        server(a)
        return 0
    return client(a)


if __name__ == "__main__":
    sys.exit(main())
