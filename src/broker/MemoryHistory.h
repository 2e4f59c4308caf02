#pragma once
// One channel's stream in the memory broker: its epoch, its top offset and the last
// publications (PublicationRing). Not thread-safe: its shard's mutex guards it.
//
// Lifetime. A stream is created by the first publish to a channel with history, or by the
// first history() read (so that a client subscribing to a quiet channel gets an epoch it can
// recover with later). Every publish and every history read with history options is activity:
// it adopts that call's options and pushes the forget time to now + meta_ttl. A stream idle for
// meta_ttl is forgotten (forgotten(now)); its owner replaces it with a new stream, whose new
// epoch tells clients holding the old one that continuity was lost.
//
// Options come with every call, not once: a namespace's configuration can change while its
// streams live. The latest call's `size` and `ttl` apply to every kept publication (lowering
// the size trims at once; the TTL is measured from each publication's own publish time).
//
// Invariants: offsets of kept publications are contiguous and end at top() (the ring drops only
// its oldest), so oldest_offset() == top() - kept + 1; a publication is invisible once
// `published_at + ttl <= now` and expire()/touch() drop it, in publish order.
#include <chrono>
#include <cstdint>
#include <string>

#include "broker/Deadline.h"
#include "broker/PublicationRing.h"
#include "hub/Broker.h"

namespace wshub::broker {

class MemoryHistory {
 public:
  // Precondition for this and touch(): options.size > 0 (channels without history have no
  // stream).
  MemoryHistory(std::string epoch, const hub::HistoryOptions& options, Clock::time_point now);

  const std::string& epoch() const { return epoch_; }
  uint64_t top() const { return top_; }
  hub::StreamPosition position() const { return {top_, epoch_}; }
  size_t kept() const { return ring_.size(); }
  // The offset of the oldest kept publication; top() + 1 when none is kept.
  uint64_t oldest_offset() const { return top_ - ring_.size() + 1; }

  // True once idle for meta_ttl: the stream must be replaced (new epoch), not used.
  bool forgotten(Clock::time_point now) const { return now >= forget_at_; }

  // Activity: adopts `options`, trims to size and TTL, pushes the forget time.
  void touch(const hub::HistoryOptions& options, Clock::time_point now);
  // Drops publications whose TTL ran out (the periodic sweep; no activity).
  void expire(Clock::time_point now);

  uint64_t next_offset() const { return top_ + 1; }
  // Precondition: touch() at `now` first, and publication->offset == next_offset().
  void append(hub::PublicationPtr publication, Clock::time_point now);

  // Filter semantics of hub::Broker::history, after touch() at the read's time:
  //  * with `since`: since_available = since is in this epoch, not beyond top, and nothing
  //    after it was trimmed (since.offset + 1 >= oldest_offset()). Publications are those with
  //    offset > since.offset, oldest first, up to the limit; when the epoch differs, since's
  //    offset means nothing and they start at the oldest kept. `reverse` is ignored.
  //  * without `since`: the newest `limit`, oldest first (newest first with `reverse`);
  //    since_available is false.
  //  * limit 0: no publications, but position and since_available are still computed, so the
  //    hub can check a recovery without fetching it.
  hub::HistoryResult read(const hub::HistoryFilter& filter) const;

 private:
  std::string epoch_;
  uint64_t top_ = 0;
  size_t size_ = 1;
  std::chrono::milliseconds ttl_{0};
  Clock::time_point forget_at_;
  PublicationRing ring_;
};

}  // namespace wshub::broker
