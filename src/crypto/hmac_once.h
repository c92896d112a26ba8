// One-shot HMAC (RFC 2104) for a key used once: the CREATED auth tag, an
// IKE PRF call, a cookie, HKDF-Extract. It runs on the thread's own HMAC
// context for the digest (crypto/thread_owned.h), so it costs no heap block
// and no fetch per call, and it never takes a way of the keyed-context
// cache (crypto/context_cache.h) from an SA that carries traffic: a
// BasicHmac made for one MAC evicted one, which the SA then re-keyed (an
// allocation on the packet path). The context is re-keyed with zeros after
// each call, so neither the key nor the MAC stays in the thread's memory.
#pragma once
#include <cstdint>
#include <initializer_list>

#include "util/bytes.h"
#include "util/result.h"

namespace ainet::crypto {

enum class MacDigest : uint8_t { sha256, sha1 };

size_t mac_digest_size(MacDigest d);  // 32, 20
// OpenSSL's name for d ("SHA256", "SHA1"), as the non-const pointer an
// OSSL_PARAM takes (OpenSSL only reads it).
char* mac_digest_name(MacDigest d);

// HMAC-d(key, concatenation of parts), its leftmost out.size() bytes (the
// RFC 4868 §2.3 truncation). Errc::invalid_argument for an empty key (RFC
// 2104 allows it, but OpenSSL reads an empty key as "keep the last one";
// no caller has one) or an out of 0 or more than the digest size.
[[nodiscard]] Errc hmac_once(MacDigest d, ByteSpan key, std::initializer_list<ByteSpan> parts,
                             MutByteSpan out);

}  // namespace ainet::crypto
