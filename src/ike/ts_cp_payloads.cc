// §3.13 Traffic Selector and §3.15 Configuration payloads.
#include <string>

#include "ike/appender.h"
#include "ike/payloads.h"

namespace ainet::ike {

using wire::IpAddress;

TrafficSelector TrafficSelector::any_v4() {
  TrafficSelector t;
  t.start = IpAddress::v4(0u);
  t.end = IpAddress::v4(0xffffffffu);
  return t;
}

TrafficSelector TrafficSelector::any_v6() {
  TrafficSelector t;
  t.ts_type = static_cast<uint8_t>(TsType::ipv6_addr_range);
  std::array<uint8_t, 16> hi;
  hi.fill(0xff);
  t.start = IpAddress::v6({});
  t.end = IpAddress::v6(hi);
  return t;
}

TrafficSelector TrafficSelector::from_prefix(const wire::IpPrefix& p) {
  TrafficSelector t;
  const IpAddress& a = p.address();
  t.ts_type = static_cast<uint8_t>(a.is_v4() ? TsType::ipv4_addr_range : TsType::ipv6_addr_range);
  t.start = a;
  // The end address: the prefix with every host bit set.
  std::array<uint8_t, 16> b{};
  const ByteSpan ab = a.bytes();
  std::copy(ab.begin(), ab.end(), b.begin());
  for (size_t bit = p.length(); bit < ab.size() * 8; ++bit)
    b[bit / 8] |= static_cast<uint8_t>(0x80 >> (bit % 8));
  if (a.is_v4()) {
    t.end = IpAddress::v4({b[0], b[1], b[2], b[3]});
  } else {
    t.end = IpAddress::v6(b);
  }
  return t;
}

TrafficSelector TrafficSelector::host(const IpAddress& a) {
  TrafficSelector t;
  t.ts_type = static_cast<uint8_t>(a.is_v4() ? TsType::ipv4_addr_range : TsType::ipv6_addr_range);
  t.start = a;
  t.end = a;
  return t;
}

std::string TrafficSelector::to_string() const {
  std::string s = start.to_string();
  s += "-";
  s += end.to_string();
  if (ip_protocol != 0 || start_port != 0 || end_port != 65535) {
    s += "[" + std::to_string(ip_protocol) + "/" + std::to_string(start_port) + "-" +
         std::to_string(end_port) + "]";
  }
  return s;
}

Result<std::vector<TrafficSelector>> parse_ts(ByteSpan body) {
  ByteReader r(body);
  const uint8_t count = r.u8();
  r.skip(3);  // RESERVED
  if (!r.ok()) return Errc::truncated;
  // §3.13: at least one selector.
  if (count == 0) return Errc::malformed;
  std::vector<TrafficSelector> out;
  for (unsigned i = 0; i < count; ++i) {
    const uint8_t type = r.u8();
    const uint8_t proto = r.u8();
    const uint16_t len = r.u16();
    const uint16_t sp = r.u16();
    const uint16_t ep = r.u16();
    if (!r.ok()) return Errc::truncated;
    if (len < 8) return Errc::malformed;
    const ByteSpan addrs = r.bytes(len - 8);
    if (!r.ok()) return Errc::truncated;
    size_t alen = 0;
    if (type == static_cast<uint8_t>(TsType::ipv4_addr_range)) alen = 4;
    if (type == static_cast<uint8_t>(TsType::ipv6_addr_range)) alen = 16;
    if (alen == 0) continue;  // unknown TS type: skipped, its length let us step over it
    // §3.13.1: Selector Length is 16 (IPv4) or 40 (IPv6).
    if (addrs.size() != 2 * alen) return Errc::malformed;
    if (out.size() == kMaxTrafficSelectors) return Errc::malformed;
    TrafficSelector t;
    t.ts_type = type;
    t.ip_protocol = proto;
    t.start_port = sp;
    t.end_port = ep;
    t.start = *IpAddress::from_bytes(addrs.first(alen));
    t.end = *IpAddress::from_bytes(addrs.subspan(alen));
    out.push_back(t);
  }
  if (r.remaining() != 0) return Errc::malformed;  // §3.13: nothing after the selectors
  return out;
}

void write_ts(Bytes& out, const std::vector<TrafficSelector>& ts) {
  Appender a(out);
  a.u8(static_cast<uint8_t>(ts.size()));
  a.zeros(3);
  for (const TrafficSelector& t : ts) {
    a.u8(t.ts_type);
    a.u8(t.ip_protocol);
    a.u16(static_cast<uint16_t>(t.is_v4() ? kTsIpv4Len : kTsIpv6Len));
    a.u16(t.start_port);
    a.u16(t.end_port);
    a.bytes(t.start.bytes());
    a.bytes(t.end.bytes());
  }
}

Result<ConfigPayload> parse_cp(ByteSpan body) {
  ByteReader r(body);
  ConfigPayload cp;
  cp.cfg_type = r.u8();
  r.skip(3);  // RESERVED
  if (!r.ok()) return Errc::truncated;
  while (r.remaining() > 0) {
    const uint16_t type = r.u16() & kCfgAttrTypeMask;  // §3.15.1: R bit ignored
    const uint16_t len = r.u16();
    const ByteSpan value = r.bytes(len);
    if (!r.ok()) return Errc::truncated;
    if (cp.attributes.size() == kMaxCfgAttributes) return Errc::malformed;
    // §3.15.1 table: the lengths of the address attributes are fixed (0 in
    // a request that only asks, the address in a reply).
    switch (static_cast<CfgAttr>(type)) {
      case CfgAttr::internal_ip4_address:
      case CfgAttr::internal_ip4_netmask:
      case CfgAttr::internal_ip4_dns:
        if (len != 0 && len != 4) return Errc::malformed;
        break;
      case CfgAttr::internal_ip6_address:
        if (len != 0 && len != 17) return Errc::malformed;  // address + prefix length
        break;
      case CfgAttr::internal_ip6_dns:
        if (len != 0 && len != 16) return Errc::malformed;
        break;
      default:
        break;  // other attributes are ignored by policy, whatever their length
    }
    cp.attributes.push_back({type, value});
  }
  return cp;
}

void write_cp(Bytes& out, uint8_t cfg_type, const std::vector<CfgAttributeOut>& attrs) {
  Appender a(out);
  a.u8(cfg_type);
  a.zeros(3);
  for (const CfgAttributeOut& at : attrs) {
    a.u16(at.type & kCfgAttrTypeMask);
    a.u16(static_cast<uint16_t>(at.value.size()));
    a.bytes(at.value);
  }
}

}  // namespace ainet::ike
