#pragma once
// Per subscriber and channel: which publications arrived, from their sequence numbers.
//
// The publisher numbers each channel's publications 0, 1, 2, ... and sends them in that
// order on one connection, and a server delivers a channel in order on each subscriber's
// connection, so arrivals should be increasing. The tracker keeps the highest number seen
// and a 64-bit map of the 64 numbers below it: a number at or under the highest that the
// map has is a duplicate; one the map lacks is a late (reordered) arrival, counted as
// received and as reordered; one more than 64 below the highest cannot be told apart and
// is counted as reordered too. Lost deliveries are not counted here: the scenario compares
// what arrived with what was published (FanoutScenario). 16 bytes per subscriber.
#include <cstdint>

namespace wshub::bench {

enum class Arrival : uint8_t { fresh, duplicate, reordered };

class SequenceTracker {
 public:
  Arrival record(uint64_t seq) {
    if (!any_ || seq > highest_) {
      const uint64_t shift = any_ ? seq - highest_ : 64;
      seen_below_ = shift >= 64 ? 0 : (seen_below_ << shift);
      if (any_ && shift <= 64) seen_below_ |= uint64_t{1} << (shift - 1);  // the old highest
      highest_ = seq;
      any_ = true;
      return Arrival::fresh;
    }
    if (seq == highest_) return Arrival::duplicate;
    const uint64_t distance = highest_ - seq;  // 1..
    if (distance > 64) return Arrival::reordered;
    const uint64_t bit = uint64_t{1} << (distance - 1);
    if (seen_below_ & bit) return Arrival::duplicate;
    seen_below_ |= bit;
    return Arrival::reordered;
  }

 private:
  uint64_t highest_ = 0;
  uint64_t seen_below_ = 0;  // bit k: highest_ - 1 - k was seen
  bool any_ = false;
};

}  // namespace wshub::bench
