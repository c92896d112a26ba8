// RSA-2048 ticket keys for the core ticket tests, generated once per test
// binary (key generation costs ~0.1 s each).
#pragma once
#include <gtest/gtest.h>

#include "crypto/blind_rsa.h"

namespace ainet::core::test_keys {

inline const crypto::BlindRsaPrivateKey& ticket_key(int which) {
  static const crypto::BlindRsaPrivateKey keys[2] = {*crypto::BlindRsaPrivateKey::generate(2048),
                                                     *crypto::BlindRsaPrivateKey::generate(2048)};
  return keys[which & 1];
}

}  // namespace ainet::core::test_keys
