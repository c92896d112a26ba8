// `ainctl directory sign` and `ainctl directory verify`: the signed AIN
// directory (docs/protocol.md "Directory", src/core/directory.h).
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>

namespace ainet::cli {

// Signs the TOML body in body_file with the authority's Ed25519 seed (hex in
// key_file) and prints body + signature line. The body is checked first, so
// a broken directory is never signed.
int directory_sign(const std::string& key_file, const std::string& body_file, std::ostream& out,
                   std::ostream& err);

// Verifies signature, contents and expiry (against now_unix) with the
// authority public key (64 hex) and prints a one-line summary.
int directory_verify(const std::string& authority_hex, const std::string& file, int64_t now_unix,
                     std::ostream& out, std::ostream& err);

}  // namespace ainet::cli
