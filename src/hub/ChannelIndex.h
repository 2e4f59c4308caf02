#pragma once
// A worker's channel -> subscribers index. Each worker has its own (shared-nothing); a
// publication reaches every worker once and each fans out to its own subscribers.
//
// Removal is O(1) (swap with the last slot; the moved subscription learns its new slot).
// A fan-out may close connections as it goes (a slow consumer), which removes their
// subscriptions from the very list being walked: while an entry is being iterated,
// removal only clears the slot, and the entry is compacted when the walk ends.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hub/Namespace.h"
#include "hub/StringMap.h"
#include "hub/Subscription.h"

namespace wshub::hub {

class Client;

struct SubscriberSlot {
  Client* client = nullptr;  // nullptr: removed during a walk, compacted after it
  Subscription* subscription = nullptr;
};

struct ChannelEntry {
  std::string name;
  const NamespaceOptions* ns = nullptr;
  std::vector<SubscriberSlot> slots;
  size_t holes = 0;
  uint32_t walking = 0;     // nested fan-out walks in progress
  bool node_ready = false;  // the node's broker subscription is confirmed

  size_t subscriber_count() const { return slots.size() - holes; }
};

// A channel and how many connections subscribe to it (server API `channels`).
struct ChannelSummary {
  std::string channel;
  size_t subscribers = 0;
};

class ChannelIndex {
 public:
  ChannelEntry* find(std::string_view name);
  // Returns the entry and whether it was just created.
  std::pair<ChannelEntry*, bool> get_or_create(std::string_view name, const NamespaceOptions* ns);

  void add(ChannelEntry& entry, Client* client, Subscription* subscription);
  void remove(ChannelEntry& entry, Subscription* subscription);
  void begin_walk(ChannelEntry& entry) { ++entry.walking; }
  void end_walk(ChannelEntry& entry);
  // Drops an entry with no subscribers; the caller gives up the node subscription.
  void erase(ChannelEntry& entry);

  size_t channel_count() const { return channels_.size(); }
  template <typename F>
  void for_each_channel(F&& f) const {
    for (const auto& [name, entry] : channels_) f(*entry);
  }

 private:
  void compact(ChannelEntry& entry);

  StringMap<std::unique_ptr<ChannelEntry>> channels_;
};

}  // namespace wshub::hub
