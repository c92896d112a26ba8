// `ainctl genkey` and `ainctl pubkey`: key handling in the style of
// `wg genkey` / `wg pubkey` — hex on one line, private keys read from stdin
// so they never appear in a process list.
#pragma once
#include <iosfwd>
#include <string_view>

#include "crypto/rng.h"

namespace ainet::cli {

enum class KeyType { x25519, ed25519 };
// "x25519" / "ed25519"; false for anything else.
bool parse_key_type(std::string_view s, KeyType& out);

// Prints a fresh private key (X25519 scalar or Ed25519 seed) as 64 hex + '\n'.
int genkey(KeyType type, crypto::Rng& rng, std::ostream& out, std::ostream& err);
// Reads a private key (64 hex, surrounding whitespace ignored) and prints its
// public key as 64 hex + '\n'. Exit status 1 with a message on bad input.
int pubkey(KeyType type, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace ainet::cli
