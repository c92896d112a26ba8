// RSA blind signatures, RFC 9474 (RSABSSA-SHA384-*), on OpenSSL 3's BIGNUM
// and EVP RSA. Used for time-slice tickets (docs/protocol.md "Tickets"):
// an entrance AIN signs blinded tickets, every later hop verifies them as
// plain RSASSA-PSS signatures without learning which customer asked.
//
// Two sides, two classes, so the client side can move to the customer's
// endpoint without the signing key:
//   client  BlindRsaClient  Prepare (§4.1), Blind (§4.2), Finalize (§4.4)
//   server  BlindRsaSigner  BlindSign (§4.3)
// and BlindRsaPublicKey::verify is RSASSA-PSS-VERIFY (RFC 8017 §8.1.2),
// which is how RFC 9474 §4.5 verifies a finished signature.
//
// Randomness comes from an injected Rng (the msg_prefix, the PSS salt and the
// blind r), so RFC 9474 Appendix A's vectors can be replayed exactly. Key
// generation uses OpenSSL's own CSPRNG. Not for the packet path: these calls
// allocate (BN_CTX, EVP contexts) and cost one RSA operation each.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "crypto/rng.h"
#include "util/bytes.h"
#include "util/result.h"
#include "util/secret.h"

namespace ainet::crypto {

// RFC 9474 §5 named variants. All use SHA-384 and MGF1 with SHA-384.
enum class BlindRsaVariant : uint8_t {
  sha384_pss_randomized,         // sLen = 48, PrepareRandomize
  sha384_psszero_randomized,     // sLen = 0,  PrepareRandomize
  sha384_pss_deterministic,      // sLen = 48, PrepareIdentity
  sha384_psszero_deterministic,  // sLen = 0,  PrepareIdentity
};

constexpr size_t kBlindRsaPrefixSize = 32;  // RFC 9474 §4.1: msg_prefix = random(32)
constexpr size_t kBlindRsaHashSize = 48;    // SHA-384
constexpr size_t kBlindRsaMinModulusBits = 2048;
constexpr size_t kBlindRsaMaxModulusBits = 4096;
constexpr size_t kBlindRsaMaxModulusBytes = kBlindRsaMaxModulusBits / 8;

constexpr size_t salt_length(BlindRsaVariant v) {
  return v == BlindRsaVariant::sha384_pss_randomized ||
                 v == BlindRsaVariant::sha384_pss_deterministic
             ? kBlindRsaHashSize
             : 0;
}
constexpr bool is_randomized(BlindRsaVariant v) {
  return v == BlindRsaVariant::sha384_pss_randomized ||
         v == BlindRsaVariant::sha384_psszero_randomized;
}

namespace detail {
struct RsaPublic;   // blind_rsa_keys.cc
struct RsaPrivate;  // blind_rsa_keys.cc
}  // namespace detail

// An RSA public key (n, e) of 2048..4096 bits. Copies share one immutable
// OpenSSL object. A default-constructed key is empty (valid() == false) and
// every operation on it returns Errc::invalid_argument.
class BlindRsaPublicKey {
 public:
  BlindRsaPublicKey() = default;
  // DER SubjectPublicKeyInfo with the rsaEncryption algorithm (RFC 8017
  // Appendix A.1). Refuses (malformed) trailing bytes, a non-canonical
  // encoding, any other algorithm, and a modulus outside 2048..4096 bits.
  static Result<BlindRsaPublicKey> from_spki_der(ByteSpan der);
  // Big-endian n and e (tests and known-answer vectors).
  static Result<BlindRsaPublicKey> from_components(ByteSpan n, ByteSpan e);

  bool valid() const { return k_ != nullptr; }
  size_t modulus_bits() const;
  size_t modulus_bytes() const;  // kLen (RFC 9474 §4)
  // The public exponent, if it fits 64 bits (0 otherwise).
  uint64_t public_exponent() const;
  Result<Bytes> spki_der() const;
  // Same n and e.
  bool same_key(const BlindRsaPublicKey& o) const;

  // RSASSA-PSS-VERIFY with SHA-384, MGF1-SHA-384 and the variant's sLen.
  // input_msg is the prepared message (msg_prefix || msg for the randomized
  // variants). Errc::ok, or Errc::bad_signature for any signature that does
  // not verify (wrong length included); Errc::invalid_argument for an empty key.
  [[nodiscard]] Errc verify(BlindRsaVariant v, ByteSpan input_msg, ByteSpan sig) const;

 private:
  friend class BlindRsaPrivateKey;
  friend class BlindRsaClient;
  friend class BlindRsaSigner;
  std::shared_ptr<const detail::RsaPublic> k_;
};

// An RSA private key. Copies share one immutable OpenSSL object, which
// frees (and OpenSSL wipes) the key material when the last copy goes.
class BlindRsaPrivateKey {
 public:
  BlindRsaPrivateKey() = default;
  // Fresh key from OpenSSL's CSPRNG, e = 65537.
  static Result<BlindRsaPrivateKey> generate(size_t modulus_bits);
  // PEM "PRIVATE KEY" (PKCS#8) or "RSA PRIVATE KEY" (PKCS#1), unencrypted.
  static Result<BlindRsaPrivateKey> from_pem(std::string_view pem);
  // Big-endian n, e, d, p, q (known-answer vectors); the CRT values are derived.
  static Result<BlindRsaPrivateKey> from_components(ByteSpan n, ByteSpan e, ByteSpan d, ByteSpan p,
                                                    ByteSpan q);
  // PKCS#8 PEM, unencrypted.
  Result<std::string> to_pem() const;

  bool valid() const { return k_ != nullptr; }
  const BlindRsaPublicKey& public_key() const { return pub_; }

 private:
  friend class BlindRsaSigner;
  static Result<BlindRsaPrivateKey> adopt(std::shared_ptr<detail::RsaPrivate> priv);
  std::shared_ptr<const detail::RsaPrivate> k_;
  BlindRsaPublicKey pub_;
};

// The client's secret between Blind and Finalize: inv = r^-1 mod n,
// big-endian, kLen bytes. Wiped on destruction.
using BlindInverse = Secret<kBlindRsaMaxModulusBytes>;

// Client side of RFC 9474 §4.
class BlindRsaClient {
 public:
  BlindRsaClient(BlindRsaPublicKey pk, BlindRsaVariant v) : pk_(std::move(pk)), v_(v) {}
  const BlindRsaPublicKey& public_key() const { return pk_; }
  BlindRsaVariant variant() const { return v_; }

  // §4.1: input_msg = random(32) || msg for the randomized variants, msg otherwise.
  Bytes prepare(ByteSpan msg, Rng& rng) const;
  // §4.2: blinded_out (kLen bytes) = EMSA-PSS-ENCODE(input_msg) * r^e mod n,
  // inv = r^-1 mod n, r uniform in [1, n). Draws the salt (sLen bytes), then r.
  // Errc::invalid_argument for a wrong output size or an encoded message not
  // coprime to n; Errc::crypto_error if OpenSSL fails.
  [[nodiscard]] Errc blind(ByteSpan input_msg, Rng& rng, MutByteSpan blinded_out,
                           BlindInverse& inv) const;
  // §4.4: sig_out (kLen bytes) = blind_sig * inv mod n, returned only if it
  // verifies as RSASSA-PSS over input_msg (Errc::bad_signature otherwise, and
  // sig_out is zeroed). Errc::invalid_argument for wrong sizes.
  [[nodiscard]] Errc finalize(ByteSpan input_msg, ByteSpan blind_sig, const BlindInverse& inv,
                              MutByteSpan sig_out) const;

 private:
  BlindRsaPublicKey pk_;
  BlindRsaVariant v_;
};

// Server side of RFC 9474 §4.3. The private operation is OpenSSL's raw RSA
// (RSA_NO_PADDING): CRT with OpenSSL's base blinding and constant-time
// modular exponentiation.
class BlindRsaSigner {
 public:
  explicit BlindRsaSigner(BlindRsaPrivateKey sk) : sk_(std::move(sk)) {}
  const BlindRsaPublicKey& public_key() const { return sk_.public_key(); }

  // blind_sig_out (kLen bytes) = RSASP1(sk, blinded_msg), checked with RSAVP1
  // before it is released (§4.3 step 3-4). Errc::malformed if blinded_msg is
  // not kLen bytes or not below n ("message representative out of range");
  // Errc::crypto_error if the signing check fails; output zeroed on error.
  [[nodiscard]] Errc blind_sign(ByteSpan blinded_msg, MutByteSpan blind_sig_out) const;

 private:
  BlindRsaPrivateKey sk_;
};

}  // namespace ainet::crypto
