// ainet_ike_tool: runs the sans-I/O IKEv2 engine (src/ike) on real UDP
// sockets, for interop tests against an independent IKEv2 implementation
// (tests/interop/strongswan_ike.sh drives it against strongSwan's charon).
//
//   ainet_ike_tool --local 10.77.0.1 --local-id gw.example --remote-id client.example
//       --psk SECRET [--pool 10.9.0.0/24] [--seconds 30]
//       [--initiate --remote 10.77.0.2]    (default: responder only)
//       [--ed25519-seed HEX --remote-pubkey HEX]  (instead of --psk)
//       [--request-address] [--force-encap] [--pfs]
//       [--rekey-child-after S] [--rekey-ike-after S] [--dpd S] [--retransmit-tries N]
//
// It binds UDP <local>:500 and <local>:4500 and prints one JSON object per
// line on stdout for every event: ike_up / ike_down, child_up (SPIs and the
// KEYMAT of both directions, so a test can compare them with the peer's
// keys), child_down, and for ESP arriving on port 4500: esp_in (opened with
// the negotiated inbound child SA). An ICMP echo request that arrives inside
// ESP is answered through the outbound child SA (so `ping` from the peer's
// side of the tunnel proves both ESP directions). At the end (after
// --seconds, or SIGTERM/SIGINT) a "counters" line.
//
// Test tool: one process, plain blocking-free sockets and poll(2); the
// daemon wiring is phase 2 of issue 9.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "crypto/kex.h"
#include "crypto/rng.h"
#include "ike/ike_engine.h"
#include "sa/security_association.h"
#include "util/time.h"
#include "wire/checksum.h"
#include "wire/constants.h"
#include "wire/udp_encap.h"

namespace {

using namespace ainet;
using nlohmann::json;

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) {
  g_stop = 1;
}

Time monotonic_now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return Time{static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec};
}

void emit(const json& j) {
  std::cout << j.dump() << std::endl;  // line-buffered for the driving script
}

int bind_udp(const wire::IpAddress& addr, uint16_t port) {
  const int fd = socket(addr.is_v4() ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (addr.is_v4()) {
    auto* s = reinterpret_cast<sockaddr_in*>(&ss);
    s->sin_family = AF_INET;
    s->sin_port = htons(port);
    std::memcpy(&s->sin_addr, addr.bytes().data(), 4);
    len = sizeof(sockaddr_in);
  } else {
    auto* s = reinterpret_cast<sockaddr_in6*>(&ss);
    s->sin6_family = AF_INET6;
    s->sin6_port = htons(port);
    std::memcpy(&s->sin6_addr, addr.bytes().data(), 16);
    len = sizeof(sockaddr_in6);
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool to_sockaddr(const ike::UdpEndpoint& e, sockaddr_storage& ss, socklen_t& len) {
  ss = {};
  if (e.addr.is_v4()) {
    auto* s = reinterpret_cast<sockaddr_in*>(&ss);
    s->sin_family = AF_INET;
    s->sin_port = htons(e.port);
    std::memcpy(&s->sin_addr, e.addr.bytes().data(), 4);
    len = sizeof(sockaddr_in);
  } else {
    auto* s = reinterpret_cast<sockaddr_in6*>(&ss);
    s->sin6_family = AF_INET6;
    s->sin6_port = htons(e.port);
    std::memcpy(&s->sin6_addr, e.addr.bytes().data(), 16);
    len = sizeof(sockaddr_in6);
  }
  return true;
}

ike::UdpEndpoint from_sockaddr(const sockaddr_storage& ss) {
  ike::UdpEndpoint e;
  if (ss.ss_family == AF_INET) {
    const auto* s = reinterpret_cast<const sockaddr_in*>(&ss);
    e.addr =
        *wire::IpAddress::from_bytes(ByteSpan(reinterpret_cast<const uint8_t*>(&s->sin_addr), 4));
    e.port = ntohs(s->sin_port);
  } else {
    const auto* s = reinterpret_cast<const sockaddr_in6*>(&ss);
    e.addr =
        *wire::IpAddress::from_bytes(ByteSpan(reinterpret_cast<const uint8_t*>(&s->sin6_addr), 16));
    e.port = ntohs(s->sin6_port);
  }
  return e;
}

std::string ts_list(const std::vector<ike::TrafficSelector>& ts) {
  std::string s;
  for (const auto& t : ts) s += (s.empty() ? "" : ",") + t.to_string();
  return s;
}

class Tool : public ike::Effects {
 public:
  int fd500 = -1, fd4500 = -1;
  crypto::SystemRng esp_rng;
  // ESP state of the child SAs, by SPI.
  std::map<uint32_t, std::unique_ptr<sa::SecurityAssociation>> inbound, outbound;
  std::map<uint32_t, uint32_t> out_for_in;  // inbound SPI -> outbound SPI of the same child
  std::map<uint32_t, ike::UdpEndpoint> remote_for_in;
  uint64_t esp_ok = 0, esp_bad = 0, echo_replies = 0;

  void send_datagram(const ike::UdpEndpoint& local, const ike::UdpEndpoint& remote,
                     ByteSpan payload) override {
    sockaddr_storage ss;
    socklen_t len;
    to_sockaddr(remote, ss, len);
    const int fd = local.port == wire::kUdpEncapPort ? fd4500 : fd500;
    (void)sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&ss), len);
  }
  void child_sa_up(const ike::ChildSaUp& u) override {
    json j = {{"event", "child_up"},
              {"ike_sa", u.ike_sa},
              {"spi_in", u.spi_in},
              {"spi_out", u.spi_out},
              {"replaces_spi_in", u.replaces_spi_in},
              {"key_in", to_hex(u.inbound.keymat.span())},
              {"key_out", to_hex(u.outbound.keymat.span())},
              {"esn", u.inbound.esn},
              {"udp_encap", u.udp_encap},
              {"local", u.local.to_string()},
              {"remote", u.remote.to_string()},
              {"ts_local", ts_list(u.ts_local)},
              {"ts_remote", ts_list(u.ts_remote)}};
    if (u.virtual_ip4) j["virtual_ip4"] = u.virtual_ip4->to_string();
    emit(j);
    if (!u.udp_encap) return;  // this tool only does ESP-in-UDP (RFC 3948)
    auto in = sa::SecurityAssociation::create(u.inbound);
    auto out = sa::SecurityAssociation::create(u.outbound);
    if (in && out) {
      inbound[u.spi_in] = std::move(*in);
      outbound[u.spi_out] = std::move(*out);
      out_for_in[u.spi_in] = u.spi_out;
      remote_for_in[u.spi_in] = u.remote;
    }
  }
  void child_sa_down(const ike::ChildSaDown& d) override {
    emit({{"event", "child_down"},
          {"ike_sa", d.ike_sa},
          {"spi_in", d.spi_in},
          {"spi_out", d.spi_out},
          {"reason", static_cast<int>(d.reason)}});
    inbound.erase(d.spi_in);
    outbound.erase(d.spi_out);
  }
  void ike_sa_up(const ike::IkeSaEvent& e) override {
    json j = {{"event", "ike_up"},
              {"ike_sa", e.handle},
              {"peer", e.peer},
              {"local", e.local.to_string()},
              {"remote", e.remote.to_string()},
              {"initiator", e.initiator}};
    emit(j);
  }
  void ike_sa_down(const ike::IkeSaEvent& e) override {
    emit({{"event", "ike_down"},
          {"ike_sa", e.handle},
          {"reason", static_cast<int>(e.reason)},
          {"new_handle", e.new_handle}});
  }

  // ESP on port 4500 (RFC 3948 §2.1): open it; answer an ICMP echo request.
  void on_esp(MutByteSpan esp) {
    if (esp.size() < 8) return;
    const uint32_t spi = load_be32(esp.data());
    auto it = inbound.find(spi);
    if (it == inbound.end()) {
      ++esp_bad;
      return;
    }
    auto opened = it->second->open(esp);
    if (!opened) {
      ++esp_bad;
      emit({{"event", "esp_in"},
            {"spi", spi},
            {"ok", false},
            {"error", std::string(to_string(opened.error()))}});
      return;
    }
    ++esp_ok;
    MutByteSpan ip = opened->payload;
    json j = {{"event", "esp_in"},
              {"spi", spi},
              {"ok", true},
              {"seq", opened->seq},
              {"next_header", opened->next_header},
              {"length", ip.size()}};
    const bool v4_icmp = ip.size() >= 28 && (ip[0] >> 4) == 4 && ip[9] == wire::kProtoIcmp;
    if (v4_icmp) {
      const size_t ihl = size_t{ip[0] & 0x0fu} * 4;
      j["src"] = wire::IpAddress::v4(load_be32(&ip[12])).to_string();
      j["dst"] = wire::IpAddress::v4(load_be32(&ip[16])).to_string();
      j["icmp_type"] = ip[ihl];
      if (ip[ihl] == 8 && ip.size() >= ihl + 8) {
        // Echo reply: swap addresses, type 0, fix both checksums.
        Bytes reply(ip.begin(), ip.end());
        for (int i = 0; i < 4; ++i) std::swap(reply[12 + i], reply[16 + i]);
        reply[10] = reply[11] = 0;
        store_be16(&reply[10], wire::internet_checksum(ByteSpan(reply).first(ihl)));
        reply[ihl] = 0;
        reply[ihl + 2] = reply[ihl + 3] = 0;
        store_be16(&reply[ihl + 2], wire::internet_checksum(ByteSpan(reply).subspan(ihl)));
        auto o = outbound.find(out_for_in[spi]);
        if (o != outbound.end()) {
          Bytes sealed(reply.size() + 128);
          auto n = o->second->seal_inner_packet(reply, sealed, esp_rng);
          if (n) {
            sealed.resize(*n);
            const ike::UdpEndpoint remote = remote_for_in[spi];
            sockaddr_storage ss;
            socklen_t len;
            to_sockaddr(remote, ss, len);
            (void)sendto(fd4500, sealed.data(), sealed.size(), 0, reinterpret_cast<sockaddr*>(&ss),
                         len);
            ++echo_replies;
          }
        }
      }
    }
    emit(j);
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ainet_ike_tool: the IKEv2 engine on UDP sockets, for interop tests"};
  std::string local_s, remote_s, local_id, remote_id, psk, seed_hex, pubkey_hex, pool;
  int seconds = 30;
  bool initiate = false, request_address = false, force_encap = false, pfs = false;
  int rekey_child_after = 0, rekey_ike_after = 0, dpd = 30, retransmit_tries = 5;
  app.add_option("--local", local_s, "local address (binds :500 and :4500)")->required();
  app.add_option("--remote", remote_s, "peer address (initiator mode)");
  app.add_option("--local-id", local_id, "our identity (FQDN)")->required();
  app.add_option("--remote-id", remote_id, "the peer's identity (FQDN)")->required();
  app.add_option("--psk", psk, "pre-shared key");
  app.add_option("--ed25519-seed", seed_hex, "our Ed25519 private key (32-byte seed, hex)");
  app.add_option("--remote-pubkey", pubkey_hex, "the peer's Ed25519 public key (hex)");
  app.add_option("--pool", pool, "responder: inner address pool for CP (prefix)");
  app.add_option("--seconds", seconds, "run this long, then print counters and exit");
  app.add_flag("--initiate", initiate, "initiate to --remote");
  app.add_flag("--request-address", request_address, "initiator: ask for an inner address (CP)");
  app.add_flag("--force-encap", force_encap, "pretend to be behind a NAT (UDP-encapsulated ESP)");
  app.add_flag("--pfs", pfs, "CREATE_CHILD_SA with a Curve25519 key exchange (PFS)");
  app.add_option("--rekey-child-after", rekey_child_after,
                 "rekey the first child SA after N seconds");
  app.add_option("--rekey-ike-after", rekey_ike_after, "rekey the IKE SA after N seconds");
  app.add_option("--dpd", dpd, "liveness check after this many idle seconds (0 = off)");
  app.add_option("--retransmit-tries", retransmit_tries, "retransmissions before giving up");
  CLI11_PARSE(app, argc, argv);

  auto local = wire::IpAddress::parse(local_s);
  if (!local) {
    std::cerr << "--local: not an address\n";
    return 1;
  }
  ike::IkeConfig cfg;
  cfg.retransmit.initial = Duration::s(1);
  cfg.retransmit.tries = retransmit_tries;
  cfg.dpd_delay = Duration::s(dpd);
  cfg.force_encap = force_encap;
  if (!pool.empty()) {
    auto p = wire::IpPrefix::parse(pool);
    if (!p) {
      std::cerr << "--pool: not a prefix\n";
      return 1;
    }
    (p->address().is_v4() ? cfg.pool_v4 : cfg.pool_v6) = *p;
  }
  ike::PeerConfig peer;
  peer.name = "peer";
  peer.local = {*local, wire::kIkePort};
  if (!remote_s.empty()) {
    auto r = wire::IpAddress::parse(remote_s);
    if (!r) {
      std::cerr << "--remote: not an address\n";
      return 1;
    }
    peer.remote = {*r, wire::kIkePort};
  }
  peer.local_id = ike::Identity::fqdn(local_id);
  peer.remote_id = ike::Identity::fqdn(remote_id);
  peer.assign_address = !pool.empty();
  peer.request_address = request_address;
  peer.child_pfs = pfs;
  peer.remote_ts = {ike::TrafficSelector::any_v4()};
  peer.local_ts = {ike::TrafficSelector::any_v4()};
  if (!seed_hex.empty()) {
    auto seed = from_hex(seed_hex);
    auto pub = from_hex(pubkey_hex);
    if (!seed || seed->size() != 32 || !pub || pub->size() != 32) {
      std::cerr << "--ed25519-seed/--remote-pubkey: 32 bytes of hex each\n";
      return 1;
    }
    peer.local_auth.kind = ike::AuthKind::ed25519;
    peer.local_auth.ed25519.assign(*seed);
    peer.remote_auth.kind = ike::AuthKind::ed25519;
    std::copy(pub->begin(), pub->end(), peer.remote_auth.ed25519.begin());
  } else {
    peer.local_auth.psk.assign(psk.begin(), psk.end());
    peer.remote_auth.psk.assign(psk.begin(), psk.end());
  }
  cfg.peers.push_back(peer);

  Tool tool;
  tool.fd500 = bind_udp(*local, wire::kIkePort);
  tool.fd4500 = bind_udp(*local, wire::kUdpEncapPort);
  if (tool.fd500 < 0 || tool.fd4500 < 0) {
    std::perror("bind");
    return 1;
  }
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  crypto::SystemRng rng;
  ike::IkeEngine engine(cfg, rng);
  const Time start = monotonic_now();
  const Time end = start + Duration::s(seconds);
  uint64_t ike_handle = 0;
  if (initiate) {
    auto h = engine.initiate(start, "peer", tool);
    if (!h) {
      std::cerr << "initiate: " << to_string(h.error()) << "\n";
      return 1;
    }
    ike_handle = *h;
  }
  bool child_rekeyed = false, ike_rekeyed = false;
  Bytes buf(65536);
  while (g_stop == 0) {
    const Time now = monotonic_now();
    if (now >= end) break;
    if (rekey_child_after > 0 && !child_rekeyed && now >= start + Duration::s(rekey_child_after)) {
      child_rekeyed = true;
      for (const auto& sa : engine.list_ike_sas())
        if (!sa.children.empty()) (void)engine.rekey_child(now, sa.children[0].spi_in, tool);
    }
    if (rekey_ike_after > 0 && !ike_rekeyed && now >= start + Duration::s(rekey_ike_after)) {
      ike_rekeyed = true;
      for (const auto& sa : engine.list_ike_sas()) (void)engine.rekey_ike(now, sa.handle, tool);
    }
    const Time deadline = std::min(engine.next_deadline(), end);
    int timeout_ms = 200;
    if (deadline != Time::max())
      timeout_ms =
          static_cast<int>(std::clamp<int64_t>((deadline - now).ns / 1'000'000 + 1, 0, 200));
    pollfd fds[2] = {{tool.fd500, POLLIN, 0}, {tool.fd4500, POLLIN, 0}};
    (void)poll(fds, 2, timeout_ms);
    for (int i = 0; i < 2; ++i) {
      if ((fds[i].revents & POLLIN) == 0) continue;
      for (int n = 0; n < 64; ++n) {
        sockaddr_storage from{};
        socklen_t flen = sizeof from;
        const ssize_t got = recvfrom(fds[i].fd, buf.data(), buf.size(), 0,
                                     reinterpret_cast<sockaddr*>(&from), &flen);
        if (got <= 0) break;
        const ike::UdpEndpoint remote = from_sockaddr(from);
        const ike::UdpEndpoint local_ep{*local, i == 0 ? wire::kIkePort : wire::kUdpEncapPort};
        MutByteSpan data(buf.data(), static_cast<size_t>(got));
        if (i == 1) {
          auto c = wire::classify_udp_encap(data);
          if (c && c->kind == wire::UdpEncapKind::esp) {
            tool.on_esp(data);
            continue;
          }
          if (c && c->kind == wire::UdpEncapKind::keepalive) continue;
        }
        engine.handle_datagram(monotonic_now(), local_ep, remote, data, tool);
      }
    }
    engine.handle_timers(monotonic_now(), tool);
  }
  (void)ike_handle;
  const ike::IkeCounters& c = engine.counters();
  json drops = json::object();
  for (size_t i = 0; i < ike::kDropReasonCount; ++i)
    if (c.drops[i] != 0)
      drops[std::string(ike::to_string(static_cast<ike::DropReason>(i)))] = c.drops[i];
  emit({{"event", "counters"},
        {"ike_sas_up", c.ike_sas_up},
        {"child_sas_up", c.child_sas_up},
        {"child_rekeys", c.child_rekeys},
        {"ike_rekeys", c.ike_rekeys},
        {"retransmissions", c.retransmissions},
        {"esp_ok", tool.esp_ok},
        {"esp_bad", tool.esp_bad},
        {"echo_replies", tool.echo_replies},
        {"drops", drops},
        {"live_ike_sas", engine.list_ike_sas().size()}});
  close(tool.fd500);
  close(tool.fd4500);
  return 0;
}
