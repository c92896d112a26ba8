// Fuzzes the directory TOML body parser (the signature check would stop the
// fuzzer at the door, so the body parser is driven directly) and the
// signature-line handling of load_directory with a fixed authority key.
#include <array>
#include <string_view>

#include "core/directory.h"
#include "fuzz_check.h"

using namespace ainet;
using namespace ainet::core;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  DirectoryLoad d = parse_directory_body(text);
  if (d.ok()) {
    const Directory& dir = d.directory;
    for (const AinEntry& e : dir.entries()) {
      FUZZ_CHECK(e.id != 0);
      FUZZ_CHECK(dir.find(e.id) == &e);
      // docs/protocol.md "Tickets": a ticket_key is RSA-2048 with e = 65537.
      if (e.ticket_key.valid())
        FUZZ_CHECK(e.ticket_key.modulus_bits() == kTicketKeyBits &&
                   e.ticket_key.public_exponent() == 65537);
      for (NodeId n : dir.edges_of(e.id)) {
        FUZZ_CHECK(dir.find(n) != nullptr);
        FUZZ_CHECK(dir.has_edge(n, e.id));  // edges are mutual
      }
    }
  } else {
    FUZZ_CHECK(d.error == Errc::malformed);
    FUZZ_CHECK(!d.message.empty());
  }
  static const std::array<uint8_t, 32> kAuthority{1, 2, 3};
  DirectoryLoad s = load_directory(text, kAuthority, 0);
  FUZZ_CHECK(!s.message.empty() || s.ok());
  return 0;
}
