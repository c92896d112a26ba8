// Ticket check at intermediate and exit AINs (docs/protocol.md "Tickets";
// paper §5.4 "Ticket"). Sans-I/O: wall-clock unix seconds are passed in.
//
// A CREATE's ticket must be present, well-formed, signed by a known issuer
// (an AIN whose directory entry has a ticket_key), of the current slice
// (with a small grace at boundaries), not yet spent, and within that
// issuer's cap for the slice. Only a ticket that passes everything changes
// state (it is recorded as spent); every refusal moves one counter and
// nothing else.
//
// Memory is fixed at construction: two spent tables (the at most two slices
// that can be valid at one moment), each holding spent_capacity tickets.
// When a slice's table is full, further tickets of that slice are refused
// (over_capacity); the table never grows.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/directory.h"
#include "core/ticket_config.h"
#include "crypto/blind_rsa.h"
#include "crypto/rng.h"
#include "util/bytes.h"
#include "wire/ticket.h"

namespace ainet::core {

enum class TicketVerdict : uint8_t {
  ok = 0,
  missing,        // no ticket (absent field / all zero)
  malformed,      // wire::parse_ticket refused it
  forged,         // unknown issuer, issuer without ticket_key, or a signature that does not verify
  expired,        // slice in the past (beyond the grace)
  wrong_slice,    // slice in the future (beyond the grace)
  reused,         // (issuer, nonce) already spent in that slice
  over_quota,     // the issuer reached its cap for the slice
  over_capacity,  // the slice's spent table is full
};
constexpr size_t kTicketVerdictCount = 9;
std::string_view to_string(TicketVerdict v);

// One counter per verdict; the engine can add these to EngineStats.
struct TicketStats {
  uint64_t accepted = 0;
  uint64_t missing = 0, malformed = 0, forged = 0, expired = 0, wrong_slice = 0, reused = 0,
           over_quota = 0, over_capacity = 0;
  uint64_t refused() const {
    return missing + malformed + forged + expired + wrong_slice + reused + over_quota +
           over_capacity;
  }
  bool operator==(const TicketStats&) const = default;
};

// What admit() found good, for spend() to record.
struct TicketAdmission {
  bool admitted = false;
  uint32_t issuer = 0;
  uint64_t slice = 0;
  std::array<uint8_t, 16> nonce16{};  // the spent tables key on the first 16 nonce bytes
};

class TicketVerifier {
 public:
  // Allocates both spent tables now. rng keys the table hash (so no issuer
  // can choose nonces that collide in it). cfg.slice_seconds > 0 and
  // 2 * cfg.grace_seconds < cfg.slice_seconds (checked by the config
  // loader; violated values are clamped here).
  TicketVerifier(const TicketConfig& cfg, crypto::Rng& rng);

  // The issuers: every directory entry with a ticket_key. Call on each
  // directory (re)load; issuers that stay keep their per-slice counts.
  void set_issuers(const Directory& dir);
  size_t issuer_count() const { return issuers_.size(); }

  // Checks the ticket field of a CREATE received at unix time now_unix.
  // On ok the ticket is spent; on any other verdict only its counter moves.
  // Same as admit() then spend().
  TicketVerdict check(ByteSpan ticket_field, uint64_t now_unix);

  // Two phases, for a CREATE that may still fail for other reasons after its
  // ticket passed (slot does not open, no route, resources): admit() does
  // every check and records nothing (a refusal moves its counter; `ok` moves
  // none); spend() records the admitted ticket, re-checking the spent table,
  // which may have changed in between (reused / over_quota / over_capacity
  // / expired are then counted as refusals). A CREATE refused after admit()
  // leaves no trace of its ticket. Call spend() in the same event as admit().
  TicketVerdict admit(ByteSpan ticket_field, uint64_t now_unix, TicketAdmission& out);
  TicketVerdict spend(const TicketAdmission& admitted);

  const TicketStats& stats() const { return stats_; }
  // Tickets spent in `slice` (0 if neither table holds it).
  uint32_t spent_in_slice(uint64_t slice) const;
  // Tickets of `issuer` accepted in `slice`.
  uint32_t accepted_from(NodeId issuer, uint64_t slice) const;
  uint32_t spent_capacity() const { return capacity_; }

 private:
  struct Entry {
    uint32_t issuer = 0;  // 0 = empty (issuer 0 is never valid)
    uint8_t nonce16[16] = {};
  };
  struct Slot {
    uint64_t slice = 0;
    bool used = false;  // slice is meaningful
    uint32_t count = 0;
    std::vector<Entry> table;          // size: power of two >= 2 * capacity_
    std::vector<uint32_t> per_issuer;  // parallel to issuers_
  };
  struct Issuer {
    NodeId id = 0;
    crypto::BlindRsaPublicKey key;
  };

  TicketVerdict refuse(TicketVerdict v);
  // The window check; ok, expired or wrong_slice.
  TicketVerdict slice_verdict(uint64_t slice, uint64_t now_unix) const;
  uint64_t hash(uint32_t issuer, const uint8_t* nonce) const;
  TicketVerdict table_verdict(uint32_t issuer_id, size_t idx, uint64_t slice,
                              const uint8_t* nonce16, bool full, size_t* pos) const;
  // Index of the matching entry, or of the empty entry where it would go;
  // SIZE_MAX if the probe limit is reached first.
  size_t find(const Slot& s, uint32_t issuer, const uint8_t* nonce) const;
  const Slot* slot_of(uint64_t slice) const;
  const Issuer* issuer(NodeId id, size_t* index) const;

  TicketConfig cfg_;
  uint32_t capacity_;
  uint64_t key0_ = 0, key1_ = 0;
  Slot slots_[2];                // slots_[slice & 1]
  std::vector<Issuer> issuers_;  // sorted by id
  TicketStats stats_;
};

}  // namespace ainet::core
