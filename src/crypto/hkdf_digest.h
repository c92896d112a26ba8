// HKDF (RFC 5869) over a chosen digest, in any of its three modes. The public
// API is the SHA-256 trio in kex.h; this lower layer exists so that the
// RFC 5869 Appendix A SHA-1 test cases (A.4-A.7) exercise the very same code
// path. Nothing in the protocol uses SHA-1.
#pragma once
#include "crypto/hmac_once.h"
#include "util/bytes.h"
#include "util/result.h"

namespace ainet::crypto::detail {

// HKDF's hash is its HMAC's (RFC 5869 §2.2); the size is mac_digest_size.
using HkdfDigest = MacDigest;
enum class HkdfMode : uint8_t {
  extract_and_expand,  // RFC 5869 §2.2 then §2.3: key = IKM
  extract_only,        // RFC 5869 §2.2: key = IKM, out = PRK (HashLen bytes)
  expand_only,         // RFC 5869 §2.3: key = PRK
};

// salt is ignored by expand_only; info is ignored by extract_only.
// out.size() must be HashLen for extract_only and 1..255*HashLen otherwise
// (RFC 5869 §2.3), else Errc::invalid_argument.
[[nodiscard]] Errc hkdf(HkdfDigest d, HkdfMode mode, ByteSpan salt, ByteSpan key, ByteSpan info,
                        MutByteSpan out);

}  // namespace ainet::crypto::detail
