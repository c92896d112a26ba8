// Fuzzes the ESP layout code: header, split (with IV/ICV/block sizes taken from
// the first input byte), trailer parsing with a re-encode check, and padding.
#include <cstring>
#include <vector>

#include "fuzz_check.h"
#include "wire/esp.h"

using namespace ainet;
using namespace ainet::wire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t sel = data[0];
  const ByteSpan in(data + 1, size - 1);

  if (auto h = parse_esp_header(in)) FUZZ_CHECK(h->spi >= kMinValidSpi);

  static constexpr size_t kIv[] = {0, 8, 16, 12};
  static constexpr size_t kIcv[] = {0, 12, 16, 32};
  static constexpr size_t kBlock[] = {1, 4, 8, 16};
  const size_t iv = kIv[sel & 3], icv = kIcv[(sel >> 2) & 3], block = kBlock[(sel >> 4) & 3];
  if (auto v = split_esp(in, iv, icv, block)) {
    FUZZ_CHECK(v->iv.size() == iv && v->icv.size() == icv);
    FUZZ_CHECK(kEspHeaderLen + iv + v->ciphertext.size() + icv == in.size());
    FUZZ_CHECK(v->ciphertext.size() % block == 0 && v->ciphertext.size() % 4 == 0);
    FUZZ_CHECK(v->ciphertext.size() >= kEspTrailerLen);
  }

  if (auto t = parse_esp_trailer(in)) {
    FUZZ_CHECK(t->payload_len + t->pad_len + kEspTrailerLen == in.size());
    // A trailer we accept is exactly what write_esp_trailer produces.
    std::vector<uint8_t> out(t->pad_len + kEspTrailerLen);
    ByteWriter w(out);
    FUZZ_CHECK(write_esp_trailer(w, t->pad_len, t->next_header) == Errc::ok);
    FUZZ_CHECK(std::memcmp(out.data(), in.data() + t->payload_len, out.size()) == 0);
  }

  // Padding arithmetic on fuzzed sizes.
  if (in.size() >= 4) {
    const size_t payload = load_be16(in.data());
    const size_t min_total = in[2];
    const size_t blk = in[3];
    if (auto pad = esp_pad_length(payload, blk, min_total)) {
      const size_t total = payload + *pad + kEspTrailerLen;
      FUZZ_CHECK(total % blk == 0 && total % 4 == 0 && total >= min_total);
    }
  }

  uint8_t aad[kEspMaxAadLen];
  if (in.size() >= 12) {
    auto n = esp_aad(load_be32(in.data()), load_be64(in.data() + 4), sel & 1, aad);
    FUZZ_CHECK(n.ok() && *n == ((sel & 1) ? 12u : 8u));
    FUZZ_CHECK(std::memcmp(aad, in.data(), 4) == 0);
  }
  return 0;
}
