#pragma once
// One connection's membership of one channel, on its worker.
//
// A subscription starts `pending`: it is already in the channel's subscriber list, so
// nothing published from now on can slip past it, but what arrives is buffered until
// the broker answered (node subscription, then the history read that gives the position
// or the missed publications). Then the reply, the recovered publications and the
// buffer go out in offset order, duplicates dropped by offset, and it turns `live`.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hub/Namespace.h"
#include "hub/Publication.h"

namespace wshub::hub {

struct ChannelEntry;

struct Subscription {
  enum class State : uint8_t { pending, live };

  std::string channel;
  const NamespaceOptions* ns = nullptr;
  ChannelEntry* entry = nullptr;  // the worker's channel entry holding our slot
  uint32_t slot = 0;              // index in entry->slots
  State state = State::pending;
  bool started = false;      // the history read (or the reply) was requested
  uint64_t generation = 0;   // tells a stale broker answer from one for this subscription
  uint64_t last_offset = 0;  // highest offset sent: later duplicates are dropped
  std::string epoch;         // of last_offset (from the history read); empty without history
  // The request, answered when the subscription turns live.
  std::optional<uint64_t> request_id;
  std::optional<StreamPosition> recover;
  std::vector<PublicationPtr> buffered;  // while pending
};

}  // namespace wshub::hub
