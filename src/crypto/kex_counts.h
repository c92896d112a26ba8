// The calling thread's public-key and KDF operation counts (kex.h
// kex_counts()), bumped by x25519.cc, ed25519.cc and hkdf.cc. Internal to
// src/crypto.
#pragma once
#include "crypto/kex.h"

namespace ainet::crypto::detail {

KexCounts& mutable_kex_counts();

}  // namespace ainet::crypto::detail
