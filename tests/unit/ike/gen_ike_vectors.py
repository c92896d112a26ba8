#!/usr/bin/python3
"""Generates tests/unit/ike/ike_vectors.h: known answers for the IKEv2 key
schedule, AUTH and SK payload, computed here independently of ainet with
Python's hmac/hashlib and the `cryptography` module (OpenSSL underneath, but
none of ainet's code): the RFC 7296 formulas are written out again below.

    /usr/bin/python3 tests/unit/ike/gen_ike_vectors.py   # rewrites ike_vectors.h

The inputs are fixed (derived from labels with SHA-256), so the output is
stable; ike_kat_test.cc checks ainet's results against every value.
"""
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives import serialization

HERE = os.path.dirname(os.path.abspath(__file__))


def label(name, n=32):
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(f"{name}/{i}".encode()).digest()
        i += 1
    return out[:n]


def prf(key, data):  # RFC 4868 §2.2 PRF_HMAC_SHA2_256
    return hmac.new(key, data, hashlib.sha256).digest()


def prf_plus(key, seed, n):  # RFC 7296 §2.13
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = prf(key, t + seed + bytes([i]))
        out += t
        i += 1
    return out[:n]


def raw(priv):
    return priv.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def ike_keys(skeyseed, ni, nr, spi_i, spi_r, aes_len):  # §2.14 with RFC 5282 §7.1 sizes
    enc = aes_len + 4
    km = prf_plus(skeyseed, ni + nr + struct.pack("!QQ", spi_i, spi_r), 32 + 2 * enc + 64)
    return {"SK_D": km[:32], "SK_EI": km[32:32 + enc], "SK_ER": km[32 + enc:32 + 2 * enc],
            "SK_PI": km[32 + 2 * enc:64 + 2 * enc], "SK_PR": km[64 + 2 * enc:96 + 2 * enc]}


V = []  # (name, bytes)


def emit(name, b):
    V.append((name, b))


# prf+ over several blocks (§2.13).
emit("PRFPLUS_KEY", label("prfplus-key", 40))
emit("PRFPLUS_SEED", label("prfplus-seed", 50))
emit("PRFPLUS_OUT", prf_plus(label("prfplus-key", 40), label("prfplus-seed", 50), 200))

# IKE_SA_INIT key schedule with Curve25519 (RFC 8031) and both AES key sizes.
xi = X25519PrivateKey.from_private_bytes(label("x25519-i"))
xr = X25519PrivateKey.from_private_bytes(label("x25519-r"))
gir = xi.exchange(X25519PublicKey.from_public_bytes(raw(xr)))
ni, nr = label("nonce-i"), label("nonce-r", 48)
spi_i, spi_r = 0x0102030405060708, 0x1112131415161718
emit("X25519_PRIV_I", label("x25519-i"))
emit("X25519_PRIV_R", label("x25519-r"))
emit("X25519_PUB_I", raw(xi))
emit("X25519_PUB_R", raw(xr))
emit("GIR", gir)
emit("NI", ni)
emit("NR", nr)
skeyseed = prf(ni + nr, gir)
emit("SKEYSEED", skeyseed)
for aes_len in (32, 16):
    for k, v in ike_keys(skeyseed, ni, nr, spi_i, spi_r, aes_len).items():
        emit(f"{k}_{aes_len * 8}", v)
k256 = ike_keys(skeyseed, ni, nr, spi_i, spi_r, 32)

# §2.18 rekeyed IKE SA: SKEYSEED = prf(SK_d(old), g^ir(new) | Ni | Nr).
xi2 = X25519PrivateKey.from_private_bytes(label("x25519-i2"))
xr2 = X25519PrivateKey.from_private_bytes(label("x25519-r2"))
gir2 = xi2.exchange(X25519PublicKey.from_public_bytes(raw(xr2)))
ni2, nr2 = label("nonce-i2"), label("nonce-r2")
spi_i2, spi_r2 = 0x2122232425262728, 0x3132333435363738
emit("GIR2", gir2)
emit("NI2", ni2)
emit("NR2", nr2)
skeyseed2 = prf(k256["SK_D"], gir2 + ni2 + nr2)
for k, v in ike_keys(skeyseed2, ni2, nr2, spi_i2, spi_r2, 32).items():
    emit(f"REKEY_{k}", v)

# §2.17 child SA KEYMAT, AES-256-GCM: 36 octets per direction, i->r first.
# The 32 octets after both keys are ChildSaKeys::extra (ainet's PVT tvt_secret).
km = prf_plus(k256["SK_D"], ni + nr, 104)
emit("CHILD_I2R", km[:36])
emit("CHILD_R2I", km[36:72])
emit("CHILD_EXTRA", km[72:])
km = prf_plus(k256["SK_D"], gir2 + ni2 + nr2, 104)
emit("CHILD_PFS_I2R", km[:36])
emit("CHILD_PFS_R2I", km[36:72])
emit("CHILD_PFS_EXTRA", km[72:])

# §2.15 AUTH. The "first message" is any byte string for the formula.
msg1 = label("message-1", 300)
idi = bytes([2, 0, 0, 0]) + b"initiator.example"  # ID_FQDN body (RestOfInitIDPayload)
psk = b"a shared secret of reasonable length"
octets = msg1 + nr + prf(k256["SK_PI"], idi)
emit("MSG1", msg1)
emit("PSK", psk)
emit("SIGNED_OCTETS_I", octets)
emit("PSK_AUTH_I", prf(prf(psk, b"Key Pad for IKEv2"), octets))
seed = label("ed25519-seed")
sk = Ed25519PrivateKey.from_private_bytes(seed)
emit("ED25519_SEED", seed)
emit("ED25519_PUB", raw(sk))
emit("ED25519_AUTH_I", bytes([7]) + bytes.fromhex("300506032b6570") + sk.sign(octets))

# §3.14 / RFC 5282 SK payload: header | SK generic header | IV | ct | ICV.
inner = bytes([0, 0, 0, 12]) + b"\x02\x00\x00\x00peer"  # one IDi-like payload (next 0)
inner_first = 35
iv = struct.pack("!Q", 7)
plain = inner + b"\x00"  # Pad Length 0
total = 28 + 4 + 8 + len(plain) + 16
hdr = struct.pack("!QQBBBBII", spi_i, spi_r, 46, 0x20, 35, 0x08, 1, total)
skh = struct.pack("!BBH", inner_first, 0, 4 + 8 + len(plain) + 16)
key, salt = k256["SK_EI"][:32], k256["SK_EI"][32:]
ct = AESGCM(key).encrypt(salt + iv, plain, hdr + skh)
emit("SK_INNER", inner)
emit("SK_MESSAGE", hdr + skh + iv + ct)

# §2.23 NAT detection: SHA-1(SPIi | SPIr | IP | Port).
emit("NATD_V4", hashlib.sha1(struct.pack("!QQ", spi_i, spi_r) + bytes([192, 0, 2, 1]) +
                             struct.pack("!H", 500)).digest())
emit("NATD_V6", hashlib.sha1(struct.pack("!QQ", spi_i, 0) + bytes.fromhex("20010db8" + "00" * 11 + "01") +
                             struct.pack("!H", 4500)).digest())

with open(os.path.join(HERE, "ike_vectors.h"), "w") as f:
    f.write("// Generated by tests/unit/ike/gen_ike_vectors.py (independent Python: hmac,\n")
    f.write("// hashlib, cryptography). Do not edit; rerun the script.\n")
    f.write("#pragma once\n\nnamespace ainet::ike::vectors {\n\n")
    for name, b in V:
        h = b.hex()
        f.write(f"inline constexpr const char* k{''.join(p.capitalize() for p in name.lower().split('_'))} =\n")
        chunks = [h[i:i + 80] for i in range(0, len(h), 80)] or [""]
        f.write("\n".join(f'    "{c}"' for c in chunks) + ";\n")
    f.write("\n}  // namespace ainet::ike::vectors\n")
print(f"wrote {len(V)} vectors")
