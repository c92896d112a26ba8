#include "cli/key_commands.h"

#include <istream>
#include <iterator>
#include <ostream>
#include <string>

#include "crypto/kex.h"
#include "util/bytes.h"
#include "util/secret.h"

namespace ainet::cli {

bool parse_key_type(std::string_view s, KeyType& out) {
  if (s == "x25519") return out = KeyType::x25519, true;
  if (s == "ed25519") return out = KeyType::ed25519, true;
  return false;
}

int genkey(KeyType type, crypto::Rng& rng, std::ostream& out, std::ostream&) {
  // Both key kinds are 32 uniformly random bytes: X25519 clamps the scalar
  // when it is used (RFC 7748 §5), Ed25519 hashes the seed (RFC 8032 §5.1.5).
  crypto::PrivateKey priv = type == KeyType::x25519 ? crypto::x25519_generate(rng).priv
                                                    : crypto::ed25519_generate(rng).priv;
  std::string hex = to_hex(priv.span());
  out << hex << '\n';
  secure_zero(hex.data(), hex.size());
  return 0;
}

int pubkey(KeyType type, std::istream& in, std::ostream& out, std::ostream& err) {
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t a = text.find_first_not_of(" \t\r\n");
  const size_t b = text.find_last_not_of(" \t\r\n");
  const std::string_view hex = a == std::string::npos ? std::string_view{} : std::string_view(text).substr(a, b - a + 1);
  auto bytes = hex.size() == 64 ? from_hex(hex) : Result<Bytes>(Errc::malformed);
  secure_zero(text.data(), text.size());
  if (!bytes || bytes->size() != 32) {
    err << "ainctl pubkey: expected a private key of 64 hex characters on stdin\n";
    return 1;
  }
  crypto::PrivateKey priv(*bytes);
  secure_zero(bytes->data(), bytes->size());
  auto pub = type == KeyType::x25519 ? crypto::x25519_public(priv.span()) : crypto::ed25519_public(priv.span());
  if (!pub) {
    err << "ainctl pubkey: cannot derive the public key (" << to_string(pub.error()) << ")\n";
    return 1;
  }
  out << to_hex(*pub) << '\n';
  return 0;
}

}  // namespace ainet::cli
