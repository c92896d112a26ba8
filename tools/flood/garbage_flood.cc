// garbage_flood: sends garbage IPv4 packets at one address as fast as one
// thread can (sendmmsg, batches of 64 from a pre-built pool), for the
// "Under load, nothing breaks" flood test of issue 10 (tests/e2e/cases_flood.sh,
// bench/flood). Bounded: stops after --count packets or --seconds, whichever
// comes first. Needs CAP_NET_RAW (an IPPROTO_RAW socket; the IPv4 header is
// ours, the kernel fills in its checksum and total length).
//
// Classes (the pool mixes them evenly; each sent packet is counted in its class):
//   ah_random     AH (RFC 4302) with a random SPI, random sequence number, ICV and body
//   ah_real       the same with an SPI from --spi (an SPI the receiver has: the ICV check fails)
//   esp_random    ESP (RFC 4303) with a random SPI
//   esp_real      ESP with an SPI from --spi
//   ah_short      AH cut short: 0 to 15 bytes after the IP header (an AH header is 12 + ICV)
//   esp_short     ESP cut short: 0 to 7 bytes after the IP header
//   udp           UDP to a random port in 40000-49999 (or to --udp-port, with a
//                 random or real SPI, or cut short: an RFC 3948 carrier's view;
//                 never a 1-byte 0xFF NAT-keepalive, which is not garbage)
// Every packet carries TOS --tos (default 0xb4, DSCP 45), so nftables counters
// on both ends of the link can tell garbage from real traffic.
//
//   garbage_flood --src A --dst B [--spi S,S,...] [--count N] [--seconds T]
//                 [--udp-port P] [--tos X] [--seed S] [--classes ah,esp,udp]
//                 [--keepalives 1]   (negative control: see make_packet)
// Prints one JSON object: {"sent":N,"send_errors":E,"seconds":T,"pps":R,"classes":{...}}.
// This tool is outside the sans-I/O core; it may use clocks and sockets.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

enum Class { ah_random, ah_real, esp_random, esp_real, ah_short, esp_short, udp, kClasses };
const char* const kNames[kClasses] = {"ah_random", "ah_real",   "esp_random", "esp_real",
                                      "ah_short",  "esp_short", "udp"};

struct Options {
  in_addr src{}, dst{};
  std::vector<uint32_t> spis;
  uint64_t count = 1'000'000;
  double seconds = 10;
  int udp_port = 0;  // 0: random closed ports
  uint8_t tos = 0xb4;
  uint64_t seed = 1;
  bool ah = true, esp = true, use_udp = true;
  bool keepalives = false;
};

double now_s() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void put32(uint8_t* p, uint32_t v) {
  v = htonl(v);
  std::memcpy(p, &v, 4);
}
void put16(uint8_t* p, uint16_t v) {
  v = htons(v);
  std::memcpy(p, &v, 2);
}

struct Packet {
  std::vector<uint8_t> bytes;
  Class cls;
};

Packet make_packet(Class c, const Options& o, std::mt19937_64& rng) {
  auto rnd = [&](uint64_t n) { return static_cast<uint32_t>(rng() % n); };
  auto spi = [&](bool real) {
    if (real && !o.spis.empty()) return o.spis[rnd(o.spis.size())];
    return static_cast<uint32_t>(rng());  // may be anything, even 0..255
  };
  size_t body = 0;  // bytes after the IPv4 header
  uint8_t proto = 0;
  switch (c) {
    case ah_random:
    case ah_real:
    case esp_random:
    case esp_real:
      body = 32 + rnd(1400);
      break;  // up to the MTU
    case ah_short:
      body = rnd(16);
      break;
    case esp_short:
      body = rnd(8);
      break;
    case udp:
      body = 8 + rnd(1400);
      break;
    case kClasses:
      break;
  }
  proto = (c == ah_random || c == ah_real || c == ah_short) ? 51 : c == udp ? 17 : 50;
  Packet p;
  p.cls = c;
  p.bytes.resize(20 + body);
  uint8_t* ip = p.bytes.data();
  for (size_t i = 20; i < p.bytes.size(); ++i) ip[i] = static_cast<uint8_t>(rng());
  ip[0] = 0x45;
  ip[1] = o.tos;
  put16(ip + 2, static_cast<uint16_t>(p.bytes.size()));
  put16(ip + 4, static_cast<uint16_t>(rng()));
  ip[8] = 64;
  ip[9] = proto;
  std::memcpy(ip + 12, &o.src, 4);
  std::memcpy(ip + 16, &o.dst, 4);
  uint8_t* l4 = ip + 20;
  if (c == ah_random || c == ah_real) {
    // RFC 4302 §2: next header, payload length (in 32-bit words minus 2),
    // reserved, SPI, sequence number, ICV. A plausible header for a 16-byte ICV.
    l4[0] = 50;
    l4[1] = 7;
    l4[2] = l4[3] = 0;
    put32(l4 + 4, spi(c == ah_real));
  } else if (c == esp_random || c == esp_real) {
    put32(l4, spi(c == esp_real));  // RFC 4303 §2: SPI, sequence number, ...
  } else if (c == udp) {
    put16(l4, static_cast<uint16_t>(1024 + rnd(60000)));
    put16(l4 + 2,
          static_cast<uint16_t>(o.udp_port ? o.udp_port : 40000 + static_cast<int>(rnd(10000))));
    put16(l4 + 4, static_cast<uint16_t>(body));
    put16(l4 + 6, 0);  // no checksum (allowed for UDP over IPv4, RFC 768)
    if (o.udp_port && body >= 16 && rnd(2) == 0) put32(l4 + 8, spi(true));  // RFC 3948 ESP
    if (o.udp_port && rnd(4) == 0) {                                        // cut short
      p.bytes.resize(20 + 8 + rnd(4));
      put16(ip + 2, static_cast<uint16_t>(p.bytes.size()));
      put16(l4 + 4, static_cast<uint16_t>(p.bytes.size() - 20));
    }
    // A 1-byte 0xFF payload is an RFC 3948 §2.3 NAT-keepalive, which a
    // receiver ignores by design: not garbage, so never sent.
    if (p.bytes.size() == 20 + 8 + 1 && ip[28] == 0xFF) ip[28] = 0;
    // --keepalives (the accounting's negative control): every 8th UDP
    // packet is exactly such a keepalive, which aind reads and, by design,
    // does not count; flood_account.py check must then report a mismatch.
    if (o.keepalives && o.udp_port && rnd(8) == 0) {
      p.bytes.resize(20 + 8 + 1);
      put16(ip + 2, static_cast<uint16_t>(p.bytes.size()));
      put16(l4 + 4, 9);
      ip[28] = 0xFF;
    }
  }
  return p;
}

bool parse(int argc, char** argv, Options& o) {
  bool have_src = false, have_dst = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return false;
    const char* v = argv[++i];
    if (a == "--src")
      have_src = inet_pton(AF_INET, v, &o.src) == 1;
    else if (a == "--dst")
      have_dst = inet_pton(AF_INET, v, &o.dst) == 1;
    else if (a == "--count")
      o.count = std::strtoull(v, nullptr, 10);
    else if (a == "--seconds")
      o.seconds = std::strtod(v, nullptr);
    else if (a == "--udp-port")
      o.udp_port = std::atoi(v);
    else if (a == "--tos")
      o.tos = static_cast<uint8_t>(std::strtoul(v, nullptr, 0));
    else if (a == "--seed")
      o.seed = std::strtoull(v, nullptr, 10);
    else if (a == "--keepalives")
      o.keepalives = std::strcmp(v, "1") == 0;
    else if (a == "--spi") {
      std::string s = v;
      size_t pos = 0;
      while (pos < s.size()) {
        const size_t end = s.find(',', pos);
        const std::string tok =
            s.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
        if (!tok.empty())
          o.spis.push_back(static_cast<uint32_t>(std::strtoul(tok.c_str(), nullptr, 0)));
        if (end == std::string::npos) break;
        pos = end + 1;
      }
    } else if (a == "--classes") {
      const std::string s = v;
      o.ah = s.find("ah") != std::string::npos;
      o.esp = s.find("esp") != std::string::npos;
      o.use_udp = s.find("udp") != std::string::npos;
    } else {
      return false;
    }
  }
  return have_src && have_dst && o.seconds > 0 && o.seconds <= 3600 && (o.ah || o.esp || o.use_udp);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) {
    std::fprintf(stderr,
                 "usage: garbage_flood --src A --dst B [--spi S,...] [--count N] [--seconds T] "
                 "[--udp-port P] [--tos X] [--seed S] [--classes ah,esp,udp]\n");
    return 2;
  }
  const int fd = ::socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
  if (fd < 0) {
    std::fprintf(stderr, "garbage_flood: raw socket: %s\n", std::strerror(errno));
    return 1;
  }
  std::vector<Class> mix;
  if (o.ah) mix.insert(mix.end(), {ah_random, ah_real, ah_short});
  if (o.esp) mix.insert(mix.end(), {esp_random, esp_real, esp_short});
  if (o.use_udp) mix.push_back(udp);
  std::mt19937_64 rng(o.seed);
  constexpr size_t kPool = 4096, kBatch = 64;
  std::vector<Packet> pool;
  pool.reserve(kPool);
  for (size_t i = 0; i < kPool; ++i) pool.push_back(make_packet(mix[i % mix.size()], o, rng));

  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr = o.dst;
  std::vector<iovec> iov(kPool);
  std::vector<mmsghdr> msgs(kPool);
  for (size_t i = 0; i < kPool; ++i) {
    iov[i] = {pool[i].bytes.data(), pool[i].bytes.size()};
    msgs[i] = {};
    msgs[i].msg_hdr.msg_name = &to;
    msgs[i].msg_hdr.msg_namelen = sizeof to;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  uint64_t per_class[kClasses] = {}, sent = 0, errors = 0;
  const double t0 = now_s();
  double t = t0;
  size_t next = 0;
  // Bounded by count and time; the clock is read once per batch.
  while (sent < o.count && t - t0 < o.seconds) {
    const size_t n =
        static_cast<size_t>(std::min<uint64_t>({kBatch, o.count - sent, kPool - next}));
    const int r = ::sendmmsg(fd, &msgs[next], static_cast<unsigned>(n), 0);
    if (r < 0) {
      // ENOBUFS and the like: nothing of this batch left; count one failed
      // attempt and go on (the kernel's own drop, not a sent packet).
      ++errors;
    } else {
      for (int i = 0; i < r; ++i) ++per_class[pool[next + static_cast<size_t>(i)].cls];
      sent += static_cast<uint64_t>(r);
      next = (next + static_cast<size_t>(r == 0 ? 1 : r)) % kPool;
    }
    t = now_s();
  }
  ::close(fd);
  const double dt = t - t0;
  std::printf("{\"sent\":%llu,\"send_errors\":%llu,\"seconds\":%.3f,\"pps\":%.0f,\"classes\":{",
              static_cast<unsigned long long>(sent), static_cast<unsigned long long>(errors), dt,
              dt > 0 ? static_cast<double>(sent) / dt : 0.0);
  for (int c = 0; c < kClasses; ++c)
    std::printf("%s\"%s\":%llu", c ? "," : "", kNames[c],
                static_cast<unsigned long long>(per_class[c]));
  std::printf("}}\n");
  return 0;
}
