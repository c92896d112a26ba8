// Signed directory (docs/protocol.md "Directory").
#include "core/directory.h"

#include <gtest/gtest.h>

#include <string>

#include "crypto/kex.h"
#include "crypto/rng.h"

namespace ainet::core {
namespace {

constexpr uint64_t kExpires = 1893456000;

std::string hex32(crypto::Rng& rng) {
  std::array<uint8_t, 32> b;
  rng.fill(b);
  return to_hex(b);
}

// Three AINs in a triangle plus a fourth that lists 1 but is not listed back.
std::string sample_body(crypto::Rng& rng) {
  std::string s = "version = 1\nexpires = " + std::to_string(kExpires) + "\n";
  const char* rows[][4] = {
      {"1", "10.0.0.1", "[2, 3]", "[]"},
      {"2", "10.0.0.2", "[1, 3]", "[\"0.0.0.0/0\", \"::/0\"]"},
      {"3", "2001:db8::3", "[1, 2]", "[\"192.0.2.0/24\"]"},
      {"4", "10.0.0.4", "[1]", "[]"},
  };
  for (auto& r : rows) {
    s += "\n[[ain]]\nid = " + std::string(r[0]) + "\nname = \"ain" + r[0] + "\"\naddress = \"" +
         r[1] + "\"\nidentity_key = \"" + hex32(rng) + "\"\nonion_key = \"" + hex32(rng) +
         "\"\nneighbours = " + r[2] + "\nexit_policy = " + r[3] + "\n";
  }
  return s;
}

struct Authority {
  crypto::Ed25519KeyPair kp;
  explicit Authority(crypto::Rng& rng) : kp(crypto::ed25519_generate(rng)) {}
  std::string sign(const std::string& body) const {
    auto f = sign_directory(body, kp.priv.span());
    EXPECT_TRUE(f.ok());
    return *f;
  }
};

TEST(Directory, ValidSignedDirectoryLoads) {
  crypto::DeterministicRng rng(1);
  Authority auth(rng);
  const std::string file = auth.sign(sample_body(rng));
  auto d = load_directory(file, auth.kp.pub, kExpires - 1);
  ASSERT_TRUE(d.ok()) << d.message;
  const Directory& dir = d.directory;
  EXPECT_EQ(dir.version(), 1u);
  EXPECT_EQ(dir.expires(), kExpires);
  ASSERT_EQ(dir.entries().size(), 4u);
  const AinEntry* a3 = dir.find(3);
  ASSERT_NE(a3, nullptr);
  EXPECT_EQ(a3->name, "ain3");
  EXPECT_EQ(a3->address, *wire::IpAddress::parse("2001:db8::3"));
  EXPECT_TRUE(a3->exits_to(*wire::IpAddress::parse("192.0.2.77")));
  EXPECT_FALSE(a3->exits_to(*wire::IpAddress::parse("192.0.3.1")));
  EXPECT_TRUE(dir.find(2)->exits_to(*wire::IpAddress::parse("2001:db8::9")));
  EXPECT_FALSE(dir.find(1)->is_exit());
  EXPECT_EQ(dir.find(99), nullptr);
  EXPECT_TRUE(dir.has_edge(1, 2));
  EXPECT_TRUE(dir.has_edge(3, 2));
  // 4 lists 1 but 1 does not list 4: no edge either way.
  EXPECT_FALSE(dir.has_edge(4, 1));
  EXPECT_FALSE(dir.has_edge(1, 4));
  EXPECT_TRUE(dir.edges_of(4).empty());
  EXPECT_EQ(dir.edges_of(1).size(), 2u);
  EXPECT_EQ(dir.find(4)->neighbours, std::vector<NodeId>{1});
  // The file ends with the signature line.
  EXPECT_EQ(file.substr(file.size() - 143, 13), "signature = \"");
}

TEST(Directory, AnyFlippedBodyByteIsRefused) {
  crypto::DeterministicRng rng(2);
  Authority auth(rng);
  const std::string file = auth.sign(sample_body(rng));
  const size_t body_len = file.rfind("signature = ");
  for (size_t i = 0; i < body_len; ++i) {
    std::string bad = file;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    auto d = load_directory(bad, auth.kp.pub, 0);
    ASSERT_EQ(d.error, Errc::bad_signature) << "byte " << i;
  }
  // A flipped signature byte, another authority, a missing signature line.
  std::string bad = file;
  bad[body_len + 20] = bad[body_len + 20] == 'a' ? 'b' : 'a';
  EXPECT_EQ(load_directory(bad, auth.kp.pub, 0).error, Errc::bad_signature);
  Authority other(rng);
  EXPECT_EQ(load_directory(file, other.kp.pub, 0).error, Errc::bad_signature);
  EXPECT_EQ(load_directory(file.substr(0, body_len), auth.kp.pub, 0).error, Errc::bad_signature);
  EXPECT_EQ(load_directory("", auth.kp.pub, 0).error, Errc::bad_signature);
  // Appending anything after the signature line breaks it too.
  EXPECT_EQ(load_directory(file + "version = 2\n", auth.kp.pub, 0).error, Errc::bad_signature);
  EXPECT_TRUE(load_directory(file, auth.kp.pub, 0).ok());
}

TEST(Directory, ExpiredIsRefused) {
  crypto::DeterministicRng rng(3);
  Authority auth(rng);
  const std::string file = auth.sign(sample_body(rng));
  EXPECT_TRUE(load_directory(file, auth.kp.pub, kExpires - 1).ok());
  auto d = load_directory(file, auth.kp.pub, kExpires);
  EXPECT_EQ(d.error, Errc::expired);
  EXPECT_NE(d.message.find("expired"), std::string::npos);
  EXPECT_EQ(load_directory(file, auth.kp.pub, kExpires + 100000).error, Errc::expired);
}

// Signs a body with one line replaced and checks the refusal names the line and field.
void expect_malformed(const std::string& body, const std::string& line_text, size_t line_no,
                      const std::string& field) {
  crypto::DeterministicRng rng(4);
  Authority auth(rng);
  const std::string file = auth.sign(body);
  auto d = load_directory(file, auth.kp.pub, 0);
  EXPECT_EQ(d.error, Errc::malformed) << line_text;
  EXPECT_NE(d.message.find("line " + std::to_string(line_no) + ":"), std::string::npos)
      << d.message << " (wanted line " << line_no << ")";
  if (!field.empty()) {
    EXPECT_NE(d.message.find(field), std::string::npos) << d.message;
  }
}

std::string replace_line(const std::string& body, size_t line_no, const std::string& text) {
  std::string out;
  size_t n = 1, pos = 0;
  while (pos < body.size()) {
    size_t e = body.find('\n', pos);
    if (e == std::string::npos) e = body.size();
    out += n == line_no ? text : body.substr(pos, e - pos);
    out += '\n';
    pos = e + 1;
    ++n;
  }
  return out;
}

TEST(Directory, MalformedNamesLineAndField) {
  crypto::DeterministicRng rng(5);
  const std::string body = sample_body(rng);
  // Line numbers of the sample: 1 version, 2 expires, 3 blank, 4 [[ain]],
  // 5 id, 6 name, 7 address, 8 identity_key, 9 onion_key, 10 neighbours,
  // 11 exit_policy, 12 blank, 13 [[ain]], 14 id ...
  struct Case {
    size_t line;
    std::string text;
    std::string field;
  };
  const Case cases[] = {
      {9, "onion_key = \"abcd\"", "onion_key"},
      {8, "identity_key = 5", "identity_key"},
      {8, "identity_key = \"" + std::string(64, 'z') + "\"", "identity_key"},
      {7, "address = \"10.0.0.300\"", "address"},
      {5, "id = 0", "id"},
      {5, "id = 4294967296", "id"},
      {5, "id = \"one\"", "id"},
      {6, "name = \"\"", "name"},
      {10, "neighbours = [\"x\"]", "neighbours"},
      {10, "neighbours = [-1]", "neighbours"},
      {11, "exit_policy = [\"10.0.0.0/33\"]", "exit_policy"},
      {11, "exit_policy = \"0.0.0.0/0\"", "exit_policy"},
      {11, "exit_polcy = []", "exit_polcy"},  // unknown field (typo) is refused
      {1, "version = 2", "version"},
      {2, "expires = -5", "expires"},
      {7, "address = 10.0.0.1", ""},         // TOML syntax error
      {9, "onion_key = \"unterminated", ""},  // TOML syntax error
      {3, "colour = \"blue\"", "colour"},
      {6, "name = \"\xc3\xa9t\xc3\xa9\"", "non-ASCII"},  // the directory is ASCII
      {3, "\xef\xbb\xb2", "non-ASCII"},                // toml++ 3.3.0 UB input (fuzz find)
      {3, std::string("x = 1\x01"), "control"},
  };
  for (const Case& c : cases) expect_malformed(replace_line(body, c.line, c.text), c.text, c.line, c.field);
}

TEST(Directory, MissingFieldNamesItsTable) {
  crypto::DeterministicRng rng(6);
  const std::string body = replace_line(sample_body(rng), 18, "");  // ain[1].onion_key
  expect_malformed(body, "(missing onion_key)", 13, "onion_key");
}

TEST(Directory, UnknownNeighbourAndDuplicateIdsRefused) {
  crypto::DeterministicRng rng(7);
  const std::string body = sample_body(rng);
  expect_malformed(replace_line(body, 10, "neighbours = [2, 77]"), "unknown", 4, "unknown AIN id 77");
  expect_malformed(replace_line(body, 14, "id = 1"), "duplicate", 13, "duplicate id 1");
  expect_malformed(replace_line(body, 10, "neighbours = [1, 2]"), "self", 4, "neighbours");
  expect_malformed(replace_line(body, 10, "neighbours = [2, 2]"), "twice", 4, "neighbours");
}

TEST(Directory, MakeDirectoryChecksConsistency) {
  AinEntry a, b;
  a.id = 1;
  a.neighbours = {2};
  b.id = 2;
  b.neighbours = {1};
  auto ok = make_directory(1, 10, {a, b});
  ASSERT_TRUE(ok.ok()) << ok.message;
  EXPECT_TRUE(ok.directory.has_edge(1, 2));
  b.id = 1;
  EXPECT_EQ(make_directory(1, 10, {a, b}).error, Errc::malformed);
  b.id = 3;
  EXPECT_EQ(make_directory(1, 10, {a, b}).error, Errc::malformed);  // 2 unknown
  a.id = 0;
  EXPECT_EQ(make_directory(1, 10, {a}).error, Errc::malformed);
}

TEST(Directory, SignAddsTrailingNewlineAndRejectsBadSeed) {
  crypto::DeterministicRng rng(8);
  Authority auth(rng);
  std::string body = sample_body(rng);
  body.pop_back();  // no trailing newline
  const std::string file = auth.sign(body);
  EXPECT_EQ(file.substr(0, body.size() + 1), body + "\n");
  EXPECT_TRUE(load_directory(file, auth.kp.pub, 0).ok());
  std::array<uint8_t, 31> short_seed{};
  EXPECT_FALSE(sign_directory(body, short_seed).ok());
  std::array<uint8_t, 31> short_pub{};
  EXPECT_EQ(load_directory(file, short_pub, 0).error, Errc::invalid_argument);
}

}  // namespace
}  // namespace ainet::core
