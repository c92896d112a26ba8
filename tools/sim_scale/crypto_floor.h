// The "crypto floor" of an ANT set-up (issue 10): the CPU time of the bare
// OpenSSL calls for the public-key and KDF operations one set-up makes, with
// every context prepared outside the timed loop, measured in the calling
// process so that the ratio to the measured set-up cost is a same-run figure.
#pragma once
#include "crypto/kex.h"

namespace ainet::tools {

// Bare cost of one operation, CPU microseconds.
struct CryptoOpCosts {
  double x25519_us = 0;  // one scalar multiplication (EVP_PKEY_derive)
  double hkdf_us = 0;    // HKDF-SHA-256, 32-byte IKM, 64-byte info, L = 64
  double ed25519_sign_us = 0;
  double ed25519_verify_us = 0;
};

// Times each operation (iterations each; Ed25519 only if with_ed25519, its
// costs stay 0 otherwise); false if OpenSSL refuses one.
bool measure_crypto_op_costs(int iterations, bool with_ed25519, CryptoOpCosts& out);

// Floor CPU seconds for the given operation counts. A key generation counts
// as one scalar multiplication (X25519(k, 9), RFC 7748 §6.1).
double crypto_floor_seconds(const crypto::KexCounts& n, const CryptoOpCosts& c);

}  // namespace ainet::tools
