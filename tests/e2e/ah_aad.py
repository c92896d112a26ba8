"""What an AH ICV covers (RFC 4302 §3.3.3.1), shared by the e2e checkers
(sa_tool.py, stub_endpoint.py), independent of ainet's C++ code."""


def zero_mutable(raw):
    """A copy of the packet with the outer header's mutable fields zeroed
    (IPv4: TOS, flags+offset, TTL, checksum; IPv6: traffic class, flow label,
    hop limit) and the offset of the AH header that follows it."""
    m = bytearray(raw)
    if m[0] >> 4 == 6:
        m[0:4] = b"\x60\0\0\0"
        m[7] = 0
        return m, 40
    m[1] = 0
    m[6:8] = b"\0\0"
    m[8] = 0
    m[10:12] = b"\0\0"
    return m, (m[0] & 15) * 4
