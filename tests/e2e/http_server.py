#!/usr/bin/python3
"""HTTP(S) file server for the e2e tests: python3's http.server on a
dual-stack socket (IPv4 and IPv6), TLS when --cert/--key are given.
Runs in the responder's namespace; the test harness stops it."""
import argparse
import functools
import http.server
import socket
import ssl


class DualStackServer(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6

    def server_bind(self):
        # Accept IPv4-mapped connections too (one server for both families).
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, fmt, *args):  # one line per request is enough
        print("%s %s" % (self.address_string(), fmt % args), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    a = p.parse_args()
    handler = functools.partial(QuietHandler, directory=a.dir)
    srv = DualStackServer(("::", a.port), handler)
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
