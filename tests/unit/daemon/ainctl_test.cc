// ainctl's commands, called directly (src/cli is a library; main.cc only
// parses the command line).
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "cli/control_commands.h"
#include "cli/directory_commands.h"
#include "cli/key_commands.h"
#include "crypto/kex.h"
#include "crypto/rng.h"
#include "support/vector_file.h"
#include "util/bytes.h"

namespace ainet::cli {
namespace {

struct CmdRun {
  int rc;
  std::string out, err;
};

CmdRun pubkey_of(KeyType t, const std::string& input) {
  std::istringstream in(input);
  std::ostringstream out, err;
  int rc = pubkey(t, in, out, err);
  return {rc, out.str(), err.str()};
}

TEST(AinctlPubkey, X25519MatchesRfc7748Section61) {
  bool found = false;
  for (const auto& b : test::read_vector_blocks("rfc7748_x25519.txt", "SECTION")) {
    if (!b.count("ALICE_PRIVATE")) continue;
    found = true;
    // Trailing newline and spaces as a shell pipe gives them.
    CmdRun r = pubkey_of(KeyType::x25519, "  " + b.at("ALICE_PRIVATE") + "\n");
    EXPECT_EQ(r.rc, 0) << r.err;
    EXPECT_EQ(r.out, to_hex(test::hex_field(b, "ALICE_PUBLIC")) + "\n");
    r = pubkey_of(KeyType::x25519, b.at("BOB_PRIVATE"));
    EXPECT_EQ(r.out, to_hex(test::hex_field(b, "BOB_PUBLIC")) + "\n");
  }
  EXPECT_TRUE(found);
}

TEST(AinctlPubkey, Ed25519MatchesRfc8032Test1) {
  // RFC 8032 §7.1 TEST 1 (not in the shared vector folder).
  CmdRun r = pubkey_of(KeyType::ed25519, "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60\n");
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out, "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a\n");
}

TEST(AinctlPubkey, BadInputIsRefusedWithOneMessage) {
  for (const std::string& bad : {std::string(""), std::string("abcd"), std::string(63, 'a') + "g",
                                 std::string(66, 'a')}) {
    CmdRun r = pubkey_of(KeyType::x25519, bad);
    EXPECT_EQ(r.rc, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "ainctl pubkey: expected a private key of 64 hex characters on stdin\n");
  }
}

TEST(AinctlGenkey, PrintsOneHexKeyWhosePublicKeyWorks) {
  crypto::SystemRng rng;
  for (KeyType t : {KeyType::x25519, KeyType::ed25519}) {
    std::ostringstream a, b, err;
    ASSERT_EQ(genkey(t, rng, a, err), 0);
    ASSERT_EQ(genkey(t, rng, b, err), 0);
    ASSERT_EQ(a.str().size(), 65u);
    EXPECT_EQ(a.str().back(), '\n');
    EXPECT_TRUE(from_hex(a.str()));
    EXPECT_NE(a.str(), b.str());
    CmdRun r = pubkey_of(t, a.str());
    EXPECT_EQ(r.rc, 0);
    EXPECT_EQ(r.out.size(), 65u);
  }
}

TEST(AinctlKeyType, Parses) {
  KeyType t = KeyType::x25519;
  EXPECT_TRUE(parse_key_type("ed25519", t));
  EXPECT_EQ(t, KeyType::ed25519);
  EXPECT_FALSE(parse_key_type("rsa", t));
}

class AinctlDirectory : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(mkdtemp(dir_), nullptr);
    crypto::DeterministicRng rng(7);
    auto auth = crypto::ed25519_generate(rng);
    authority_hex_ = to_hex(auth.pub);
    key_file_ = write("authority.key", to_hex(auth.priv.span()) + "\n");
    auto n1 = crypto::ed25519_generate(rng), n2 = crypto::ed25519_generate(rng);
    auto o1 = crypto::x25519_generate(rng), o2 = crypto::x25519_generate(rng);
    body_ = "version = 1\nexpires = 1893456000\n"
            "[[ain]]\nid = 1\nname = \"ain1\"\naddress = \"10.0.0.1\"\n"
            "identity_key = \"" + to_hex(n1.pub) + "\"\nonion_key = \"" + to_hex(o1.pub) + "\"\n"
            "neighbours = [2]\nexit_policy = []\n"
            "[[ain]]\nid = 2\nname = \"ain2\"\naddress = \"2001:db8::2\"\n"
            "identity_key = \"" + to_hex(n2.pub) + "\"\nonion_key = \"" + to_hex(o2.pub) + "\"\n"
            "neighbours = [1]\nexit_policy = [\"0.0.0.0/0\"]\n";
    body_file_ = write("body.toml", body_);
  }
  void TearDown() override {
    for (const auto& f : files_) unlink(f.c_str());
    rmdir(dir_);
  }
  std::string write(const std::string& name, const std::string& content) {
    std::string p = std::string(dir_) + "/" + name;
    std::ofstream(p) << content;
    files_.push_back(p);
    return p;
  }
  CmdRun sign(const std::string& key, const std::string& body) {
    std::ostringstream out, err;
    int rc = directory_sign(key, body, out, err);
    return {rc, out.str(), err.str()};
  }
  CmdRun verify(const std::string& auth, const std::string& file, int64_t now = 1'800'000'000) {
    std::ostringstream out, err;
    int rc = directory_verify(auth, file, now, out, err);
    return {rc, out.str(), err.str()};
  }

  char dir_[32] = "/tmp/ainet-dir-XXXXXX";
  std::vector<std::string> files_;
  std::string authority_hex_, key_file_, body_, body_file_;
};

TEST_F(AinctlDirectory, SignThenVerifyRoundTrip) {
  CmdRun s = sign(key_file_, body_file_);
  ASSERT_EQ(s.rc, 0) << s.err;
  EXPECT_EQ(s.out.rfind(body_, 0), 0u);  // the body, unchanged, then the signature line
  EXPECT_NE(s.out.find("\nsignature = \""), std::string::npos);
  const std::string signed_file = write("directory.toml", s.out);
  CmdRun v = verify(authority_hex_, signed_file);
  EXPECT_EQ(v.rc, 0) << v.err;
  EXPECT_EQ(v.out, signed_file + ": good signature; version 1, 2 AINs (1 exits), expires 1893456000 (in 1081 days)\n");
}

TEST_F(AinctlDirectory, VerifyRefusesWrongAuthorityTamperingAndExpiry) {
  CmdRun s = sign(key_file_, body_file_);
  ASSERT_EQ(s.rc, 0);
  const std::string good = write("good.toml", s.out);
  std::string other = authority_hex_;
  other[0] = other[0] == '0' ? '1' : '0';
  CmdRun v = verify(other, good);
  EXPECT_EQ(v.rc, 1);
  EXPECT_EQ(v.out, "");
  EXPECT_NE(v.err.find("ainctl directory verify: " + good + ": "), std::string::npos) << v.err;

  std::string tampered = s.out;
  tampered.replace(tampered.find("10.0.0.1"), 8, "10.0.0.9");
  v = verify(authority_hex_, write("tampered.toml", tampered));
  EXPECT_EQ(v.rc, 1);

  v = verify(authority_hex_, good, 1893456000);  // refused when now >= expires
  EXPECT_EQ(v.rc, 1);

  v = verify("abc", good);
  EXPECT_EQ(v.err, "ainctl directory verify: --authority: expected an Ed25519 public key of 64 hex characters\n");
}

TEST_F(AinctlDirectory, SignRefusesBadKeyMissingFileAndBrokenBody) {
  CmdRun s = sign(write("bad.key", "1234\n"), body_file_);
  EXPECT_EQ(s.rc, 1);
  EXPECT_EQ(s.err, "ainctl directory sign: " + std::string(dir_) +
                       "/bad.key: expected an Ed25519 seed of 64 hex characters\n");
  s = sign(key_file_, std::string(dir_) + "/missing.toml");
  EXPECT_EQ(s.err, "ainctl directory sign: cannot read \"" + std::string(dir_) +
                       "/missing.toml\": No such file or directory\n");
  s = sign(key_file_, write("broken.toml", "version = 1\nexpires = 5\n[[ain]]\nid = 0\n"));
  EXPECT_EQ(s.rc, 1);
  EXPECT_EQ(s.out, "");  // never signs a broken directory
}

TEST(AinctlPrint, PvtTableHasAlignedColumns) {
  nlohmann::json r = {{"pvts",
                       {{{"peer", 2}, {"address", "10.0.0.2"}, {"up", true}, {"esp_spi_in", 4097},
                         {"esp_spi_out", 8193}, {"packets_in", 12}, {"packets_out", 3}, {"last_seen_ms", 40}}}}};
  std::ostringstream out;
  print_result("list_pvts", r, out);
  EXPECT_EQ(out.str(),
            "PEER  ADDRESS   UDP-PORT  UP   KEYING  ESP-IN      ESP-OUT     PKTS-IN  PKTS-OUT  LAST-SEEN-MS\n"
            "2     10.0.0.2  -         yes  manual  0x00001001  0x00002001  12       3         40\n");
}

// udp carrier: the port packets to the peer go to, marked when it was learned
// from the peer's authenticated packets (a NAT mapping, RFC 3948 §3).
TEST(AinctlPrint, PvtShowsTheUdpPortAndWhetherItWasLearned) {
  nlohmann::json r = {{"pvts",
                       {{{"peer", 2}, {"address", "10.0.0.2"}, {"udp_port", 40003}, {"udp_port_learned", true},
                         {"up", true}, {"esp_spi_in", 4097}, {"esp_spi_out", 8193}, {"packets_in", 1},
                         {"packets_out", 1}, {"last_seen_ms", 5}},
                        {{"peer", 3}, {"address", "10.0.0.3"}, {"udp_port", 4500}, {"udp_port_learned", false},
                         {"up", false}, {"esp_spi_in", 4099}, {"esp_spi_out", 8195}, {"packets_in", 0},
                         {"packets_out", 0}, {"last_seen_ms", -1}, {"keying", "ike"}, {"generation", 3},
                         {"generations_live", 2}}}}};
  std::ostringstream out;
  print_result("list_pvts", r, out);
  EXPECT_EQ(out.str(),
            "PEER  ADDRESS   UDP-PORT         UP   KEYING                ESP-IN      ESP-OUT     PKTS-IN  PKTS-OUT  LAST-SEEN-MS\n"
            "2     10.0.0.2  40003 (learned)  yes  manual                0x00001001  0x00002001  1        1         5\n"
            "3     10.0.0.3  4500             no   ike gen 3 (rekeying)  0x00001003  0x00002003  0        0         never\n");
}

// A relay's two TVTs of one ANT: each row names the link (next = towards the
// exit, prev = towards the entrance) and each SPI the cells it carries, so
// the row for the link back to the entrance reads "in fwd" beside the SPI on
// which forward cells arrive.
TEST(AinctlPrint, TvtRowsNameTheLinkAndTheCellsOfEachSpi) {
  nlohmann::json r = {{"tvts",
                       {{{"ant", 9}, {"peer", 3}, {"link", "next"}, {"direction", "fwd"}, {"spi_in", 0x1111},
                         {"spi_in_cells", "bwd"}, {"spi_out", 0x2222}, {"spi_out_cells", "fwd"}, {"packets_in", 4},
                         {"packets_out", 5}, {"bytes_in", 5600}, {"bytes_out", 7000}},
                        {{"ant", 9}, {"peer", 1}, {"link", "prev"}, {"direction", "bwd"}, {"spi_in", 0x3333},
                         {"spi_in_cells", "fwd"}, {"spi_out", 0x4444}, {"spi_out_cells", "bwd"}, {"packets_in", 5},
                         {"packets_out", 4}, {"bytes_in", 7000}, {"bytes_out", 5600}}}}};
  std::ostringstream out;
  print_result("list_tvts", r, out);
  EXPECT_EQ(out.str(),
            "ANT  LINK                       SPI-IN (CELLS)  SPI-OUT (CELLS)  CELLS-IN  CELLS-OUT  BYTES-IN  BYTES-OUT\n"
            "9    next ain3 (exit side)      bwd 0x00001111  fwd 0x00002222   4         5          5600      7000\n"
            "9    prev ain1 (entrance side)  fwd 0x00003333  bwd 0x00004444   5         4          7000      5600\n");
}

TEST(AinctlPrint, PvtNeverHeardShowsNever) {
  nlohmann::json r = {{"pvts", {{{"peer", 3}, {"address", "10.0.0.3"}, {"up", true}, {"esp_spi_in", 1},
                                 {"esp_spi_out", 2}, {"packets_in", 0}, {"packets_out", 0},
                                 {"last_seen_ms", -1}}}}};
  std::ostringstream out;
  print_result("list_pvts", r, out);
  EXPECT_NE(out.str().find("  never\n"), std::string::npos) << out.str();
  EXPECT_EQ(out.str().find("-1"), std::string::npos) << out.str();
}

nlohmann::json sa_rows() {
  return {{"sas",
           {{{"kind", "tvt"}, {"link", "ain2"}, {"proto", "ah"}, {"src", "10.0.0.1"}, {"dst", "10.0.0.2"},
             {"spi", "0x8c1f02aa"}, {"encap", "none"}, {"enc", "none"}, {"enc_key", "-"},
             {"auth", "hmac-sha256-128"}, {"auth_key", "00ff"}, {"inbound", false}, {"esn", true},
             {"seq", 5233894310021}, {"peer", 2}, {"ant", 7}, {"direction", "fwd"}},
            {{"kind", "pvt"}, {"link", "ain2"}, {"proto", "esp"}, {"src", "10.0.0.2"}, {"dst", "10.0.0.1"},
             {"spi", "0x00010201"}, {"encap", "none"}, {"enc", "aes256-gcm16"}, {"enc_key", "-"},
             {"auth", "none"}, {"auth_key", "-"}, {"inbound", true}, {"esn", false}, {"seq", 0}, {"peer", 2}}}}};
}

// sa.txt lines (docs/pcap.md v1): the required fields in order, then esn/seq
// for ESN SAs only.
TEST(AinctlPrint, SasAsSaTxtLines) {
  std::ostringstream out;
  print_sa_txt(sa_rows(), out);
  EXPECT_EQ(out.str(),
            "# ainet sa.txt v1 (ainctl sas --sa-txt)\n"
            "sa kind=tvt link=ain2 proto=ah src=10.0.0.1 dst=10.0.0.2 spi=0x8c1f02aa encap=none enc=none "
            "enc_key=- auth=hmac-sha256-128 auth_key=00ff esn=yes seq=5233894310021\n"
            "sa kind=pvt link=ain2 proto=esp src=10.0.0.2 dst=10.0.0.1 spi=0x00010201 encap=none "
            "enc=aes256-gcm16 enc_key=- auth=none auth_key=-\n");
}

TEST(AinctlPrint, SasTable) {
  std::ostringstream out;
  print_result("list_sas", sa_rows(), out);
  EXPECT_EQ(out.str(),
            "KIND  PEER  PROTO  SRC -> DST            SPI         ALGORITHM        ANT/DIR  SEQ            KEYS\n"
            "tvt   ain2  ah     10.0.0.1 -> 10.0.0.2  0x8c1f02aa  hmac-sha256-128  7/fwd    5233894310021  yes\n"
            "pvt   ain2  esp    10.0.0.2 -> 10.0.0.1  0x00010201  aes256-gcm16     -        -              no\n");
}

}  // namespace
}  // namespace ainet::cli
