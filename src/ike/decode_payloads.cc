// Decodes a whole payload chain into DecodedPayloads (RFC 7296 §2.5, §3).
#include "ike/payloads.h"

namespace ainet::ike {
namespace {

// Stores a singleton payload; a second one of the same type is a syntax
// error (no exchange in §1 carries two).
template <typename T, typename V>
Status set_once(std::optional<T>& slot, Result<V> v) {
  if (!v) return v.error();
  if (slot) return Errc::malformed;
  slot = std::move(*v);
  return Errc::ok;
}

}  // namespace

const NotifyPayload* DecodedPayloads::find_notify(NotifyType t) const {
  for (const NotifyPayload& n : notifies)
    if (n.type == static_cast<uint16_t>(t)) return &n;
  return nullptr;
}

const NotifyPayload* DecodedPayloads::first_error() const {
  for (const NotifyPayload& n : notifies)
    if (is_error_notify(n.type)) return &n;
  return nullptr;
}

Result<DecodedPayloads> decode_payloads(const PayloadChain& chain) {
  DecodedPayloads d;
  for (const RawPayload& p : chain) {
    Status s = Errc::ok;
    switch (static_cast<PayloadType>(p.type)) {
      case PayloadType::sa:
        s = set_once(d.sa, parse_sa(p.body));
        break;
      case PayloadType::ke:
        s = set_once(d.ke, parse_ke(p.body));
        break;
      case PayloadType::nonce:
        s = set_once(d.nonce, parse_nonce(p.body));
        break;
      case PayloadType::idi:
        s = set_once(d.idi, parse_id(p.body));
        break;
      case PayloadType::idr:
        s = set_once(d.idr, parse_id(p.body));
        break;
      case PayloadType::auth:
        s = set_once(d.auth, parse_auth(p.body));
        break;
      case PayloadType::tsi:
        s = set_once(d.tsi, parse_ts(p.body));
        break;
      case PayloadType::tsr:
        s = set_once(d.tsr, parse_ts(p.body));
        break;
      case PayloadType::cp:
        s = set_once(d.cp, parse_cp(p.body));
        break;
      case PayloadType::notify: {
        auto n = parse_notify(p.body);
        if (!n) return n.error();
        d.notifies.push_back(*n);
        break;
      }
      case PayloadType::del: {
        auto x = parse_delete(p.body);
        if (!x) return x.error();
        d.deletes.push_back(*x);
        break;
      }
      // §3.12 Vendor ID, §3.7 CERTREQ, §3.6 CERT: accepted and ignored (we
      // authenticate with PSK or raw Ed25519 keys only).
      case PayloadType::vendor_id:
        ++d.vendor_ids;
        break;
      case PayloadType::certreq:
        ++d.certreqs;
        break;
      case PayloadType::cert:
        ++d.certs;
        break;
      case PayloadType::sk:
        d.has_sk = true;
        break;
      default:
        // §2.5: an unknown payload with the critical bit makes the whole
        // message unacceptable; without it, the payload is skipped. EAP
        // (§3.16) is known but not supported: an EAP payload is skipped and
        // the exchange then lacks what it needs.
        if (p.critical && !is_known_payload_type(p.type)) {
          if (!d.unsupported_critical) d.unsupported_critical = p.type;
        } else {
          ++d.unknown_skipped;
        }
        break;
    }
    if (!ok(s)) return s;
  }
  return d;
}

}  // namespace ainet::ike
