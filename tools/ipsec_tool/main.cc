// ainet_ipsec_tool: seals and opens IPsec packets with the sa/ layer, one
// packet per line of hex, so that an independent implementation (scapy, see
// tests/interop) can check our output and feed us its own.
//
//   ainet_ipsec_tool seal --alg aes128-gcm --spi 0x1001 --key <hex KEYMAT>
//       --src 192.0.2.1 --dst 192.0.2.2 --seq 1 < inner_packets.hex
//   ainet_ipsec_tool open --alg aes128-gcm --spi 0x1001 --key <hex KEYMAT>
//       --src 192.0.2.1 --dst 192.0.2.2 < outer_packets.hex
//
// seal: each input line is an inner IPv4/IPv6 packet; output is the tunnel-mode
//   packet (outer IP [+ UDP with --udp-encap] + ESP/AH). The first packet gets
//   sequence number --seq, the next --seq+1, ... For AES-GCM, ChaCha20-Poly1305
//   and AES-GMAC the IV is the sequence number (sa/security_association.h), so
//   output is deterministic. For AES-CBC the IV comes from --iv (every packet
//   gets that IV: tests only), from --seed (deterministic generator) or from
//   the system CSPRNG.
// open: each input line is a packet as seal prints it; output is the inner
//   packet. The SA accepts only sequence numbers above --seq - 1 (with --esn,
//   the high 32 bits are inferred from that, RFC 4303 Appendix A2.2), and the
//   lines share one SA, so a replayed line is dropped as in the daemon.
// --src/--dst are always the outer source and destination on the wire.
// Exit status: 0 every packet done, 1 usage or configuration error, 2 at least
// one packet refused (its output line is "ERROR <reason>", or JSON).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "crypto/rng.h"
#include "sa/security_association.h"
#include "transform_names.h"
#include "udp_framing.h"
#include "util/bytes.h"
#include "wire/constants.h"

namespace {

using namespace ainet;

struct Options {
  std::string alg;
  uint32_t spi = 0;
  std::string key_hex;
  uint64_t seq = 1;
  bool esn = false;
  std::string src;
  std::string dst;
  bool udp_encap = false;
  uint16_t sport = wire::kUdpEncapPort;
  uint16_t dport = wire::kUdpEncapPort;
  std::string iv_hex;
  std::optional<uint64_t> seed;
  uint32_t replay_window = sa::kDefaultReplayWindow;
  std::string in_path;
  std::string out_path;
  bool json = false;
};

// An Rng that hands out one caller-chosen byte string over and over: lets a
// test pin the CBC IV (RFC 3602 §3 wants it unpredictable; never in production).
class FixedIvRng final : public crypto::Rng {
 public:
  explicit FixedIvRng(Bytes iv) : iv_(std::move(iv)) {}
  void fill(MutByteSpan out) override {
    for (size_t i = 0; i < out.size(); ++i) out[i] = iv_[i % iv_.size()];
  }

 private:
  Bytes iv_;
};

void add_common_options(CLI::App* cmd, Options& o) {
  cmd->add_option("--alg", o.alg, "transform: " + tools::all_transform_names())->required();
  cmd->add_option("--spi", o.spi, "SPI (decimal or 0x hex), >= 256")->required();
  cmd->add_option("--key", o.key_hex, "KEYMAT in hex, laid out as in sa/transform.h")->required();
  cmd->add_option("--seq", o.seq,
                  "seal: sequence number of the first packet; open: lowest accepted (default 1)");
  cmd->add_flag("--esn", o.esn, "64-bit extended sequence numbers (RFC 4303 §2.2.1)");
  cmd->add_option("--src", o.src, "outer source address (tunnel endpoint)")->required();
  cmd->add_option("--dst", o.dst, "outer destination address (tunnel endpoint)")->required();
  cmd->add_flag("--udp-encap", o.udp_encap, "RFC 3948 UDP encapsulation (ESP only)");
  cmd->add_option("--sport", o.sport, "UDP source port with --udp-encap (default 4500)");
  cmd->add_option("--dport", o.dport, "UDP destination port with --udp-encap (default 4500)");
  cmd->add_option("--iv", o.iv_hex, "seal, AES-CBC only: fixed 16-byte IV in hex (tests only)");
  cmd->add_option("--seed", o.seed, "seal: deterministic RNG seed for CBC IVs (tests only)");
  cmd->add_option("--replay-window", o.replay_window, "open: anti-replay window (packets)");
  cmd->add_option("--in", o.in_path, "input file (default stdin), one hex packet per line");
  cmd->add_option("--out", o.out_path, "output file (default stdout)");
  cmd->add_flag("--json", o.json, "one JSON object per line instead of bare hex");
}

struct Tool {
  Options opt;
  bool sealing = true;
  std::unique_ptr<sa::SecurityAssociation> sa;
  std::unique_ptr<crypto::Rng> rng;
  tools::UdpEncapEndpoints ep;

  // Returns an error message, or empty on success.
  std::string setup() {
    auto t = tools::parse_transform_name(opt.alg);
    if (!t) return "unknown --alg '" + opt.alg + "'; one of: " + tools::all_transform_names();
    const sa::TransformInfo info = sa::transform_info(*t);
    auto key = from_hex(opt.key_hex);
    if (!key) return "--key is not valid hex";
    if (key->size() != info.keymat_size)
      return "--key must be " + std::to_string(info.keymat_size) + " bytes for " + opt.alg +
             ", got " + std::to_string(key->size());
    if (opt.seq == 0) return "--seq must be >= 1 (RFC 4303 §3.3.3: the first packet is 1)";
    if (!opt.esn && opt.seq > UINT32_MAX) return "--seq above 2^32-1 needs --esn";
    if (opt.udp_encap && info.protocol != sa::Protocol::esp)
      return "--udp-encap carries ESP only (RFC 3948)";

    auto src = wire::IpAddress::parse(opt.src);
    auto dst = wire::IpAddress::parse(opt.dst);
    if (!src || !dst) return "--src/--dst must be IPv4 or IPv6 addresses";
    if (src->family() != dst->family()) return "--src and --dst must be the same family";
    ep = {*src, *dst, opt.sport, opt.dport};

    sa::SaConfig cfg;
    cfg.spi = opt.spi;
    cfg.transform = *t;
    cfg.keymat.assign(*key);
    cfg.framing = opt.udp_encap ? sa::Framing::udp : sa::Framing::ip;
    cfg.esn = opt.esn;
    cfg.replay_window = opt.replay_window;
    cfg.initial_seq = opt.seq - 1;
    cfg.local = sealing ? *src : *dst;
    cfg.remote = sealing ? *dst : *src;
    auto created = sa::SecurityAssociation::create(cfg);
    if (!created) return std::string("SA configuration refused: ") + std::string(to_string(created.error()));
    sa = std::move(*created);

    if (!opt.iv_hex.empty()) {
      if (!info.cbc) return "--iv applies to AES-CBC only (AEAD/GMAC IVs are the sequence number)";
      auto iv = from_hex(opt.iv_hex);
      if (!iv || iv->size() != info.iv_size) return "--iv must be " + std::to_string(info.iv_size) + " hex bytes";
      rng = std::make_unique<FixedIvRng>(std::move(*iv));
    } else if (opt.seed) {
      rng = std::make_unique<crypto::DeterministicRng>(*opt.seed);
    } else {
      rng = std::make_unique<crypto::SystemRng>();
    }
    return {};
  }

  Result<Bytes> seal_one(ByteSpan inner) {
    const size_t pre = opt.udp_encap ? tools::udp_encap_headroom(ep.src.family()) : 0;
    Bytes out(pre + sa->sealed_size(inner.size()));
    auto n = sa->seal_inner_packet(inner, MutByteSpan(out).subspan(pre), *rng);
    if (!n) return n.error();
    if (!opt.udp_encap) {
      out.resize(*n);
      return out;
    }
    auto total = tools::frame_udp_encap(ep, *n, out);
    if (!total) return total.error();
    out.resize(*total);
    return out;
  }

  struct Opened {
    Bytes payload;
    uint8_t next_header = 0;
    uint64_t seq = 0;
  };

  Result<Opened> open_one(Bytes packet) {
    MutByteSpan framed(packet);
    if (opt.udp_encap) {
      auto esp = tools::unframe_udp_encap(framed);
      if (!esp) return esp.error();
      framed = *esp;
    }
    auto r = sa->open(framed);
    if (!r) return r.error();
    return Opened{Bytes(r->payload.begin(), r->payload.end()), r->next_header, r->seq};
  }

  // Processes every line; returns the process exit status.
  int run(std::istream& in, std::ostream& out) {
    int status = 0;
    std::string line;
    size_t lineno = 0;
    while (std::getline(in, line)) {
      ++lineno;
      if (line.empty() || line[0] == '#') continue;
      nlohmann::json j;
      std::string text;
      auto bytes = from_hex(line);
      Errc err = bytes ? Errc::ok : Errc::malformed;
      if (bytes && sealing) {
        auto r = seal_one(*bytes);
        if (r) {
          text = to_hex(*r);
          j = {{"ok", true}, {"packet", text}, {"seq", sa->last_sent_seq()}};
        } else {
          err = r.error();
        }
      } else if (bytes) {
        auto r = open_one(std::move(*bytes));
        if (r) {
          text = to_hex(r->payload);
          j = {{"ok", true}, {"payload", text}, {"next_header", r->next_header}, {"seq", r->seq}};
        } else {
          err = r.error();
        }
      }
      if (err != Errc::ok) {
        status = 2;
        const std::string reason(to_string(err));
        std::cerr << "line " << lineno << ": " << (sealing ? "seal" : "open") << " failed: " << reason
                  << '\n';
        text = "ERROR " + reason;
        j = {{"ok", false}, {"error", reason}};
      }
      out << (opt.json ? j.dump() : text) << '\n';
    }
    return status;
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ainet_ipsec_tool: seal/open IPsec tunnel-mode packets with ainet's sa/ layer"};
  app.require_subcommand(1);
  Tool tool;
  CLI::App* seal = app.add_subcommand("seal", "inner IP packets (hex lines) -> ESP/AH packets");
  CLI::App* open = app.add_subcommand("open", "ESP/AH packets (hex lines) -> inner IP packets");
  CLI::App* list = app.add_subcommand("list-algs", "print the --alg names and KEYMAT sizes");
  Options seal_opt, open_opt;
  add_common_options(seal, seal_opt);
  add_common_options(open, open_opt);
  CLI11_PARSE(app, argc, argv);

  if (list->parsed()) {
    for (const ainet::sa::Transform t : ainet::tools::all_transforms())
      std::cout << ainet::tools::transform_name(t)
                << " keymat=" << ainet::sa::transform_info(t).keymat_size << '\n';
    return 0;
  }
  tool.sealing = seal->parsed();
  tool.opt = tool.sealing ? seal_opt : open_opt;
  if (std::string err = tool.setup(); !err.empty()) {
    std::cerr << "ainet_ipsec_tool: " << err << '\n';
    return 1;
  }

  std::ifstream fin;
  std::ofstream fout;
  if (!tool.opt.in_path.empty()) {
    fin.open(tool.opt.in_path);
    if (!fin) {
      std::cerr << "ainet_ipsec_tool: cannot read " << tool.opt.in_path << '\n';
      return 1;
    }
  }
  if (!tool.opt.out_path.empty()) {
    fout.open(tool.opt.out_path);
    if (!fout) {
      std::cerr << "ainet_ipsec_tool: cannot write " << tool.opt.out_path << '\n';
      return 1;
    }
  }
  return tool.run(tool.opt.in_path.empty() ? std::cin : fin,
                  tool.opt.out_path.empty() ? std::cout : fout);
}
