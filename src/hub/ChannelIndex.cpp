#include "hub/ChannelIndex.h"

#include <cassert>

namespace wshub::hub {

ChannelEntry* ChannelIndex::find(std::string_view name) {
  auto it = channels_.find(name);
  return it == channels_.end() ? nullptr : it->second.get();
}

std::pair<ChannelEntry*, bool> ChannelIndex::get_or_create(std::string_view name, const NamespaceOptions* ns) {
  auto it = channels_.find(name);
  if (it != channels_.end()) return {it->second.get(), false};
  auto entry = std::make_unique<ChannelEntry>();
  entry->name = std::string(name);
  entry->ns = ns;
  ChannelEntry* raw = entry.get();
  channels_.emplace(raw->name, std::move(entry));
  return {raw, true};
}

void ChannelIndex::add(ChannelEntry& entry, Client* client, Subscription* subscription) {
  subscription->entry = &entry;
  subscription->slot = static_cast<uint32_t>(entry.slots.size());
  entry.slots.push_back({client, subscription});
}

void ChannelIndex::remove(ChannelEntry& entry, Subscription* subscription) {
  assert(subscription->entry == &entry);
  uint32_t slot = subscription->slot;
  subscription->entry = nullptr;
  if (entry.walking > 0) {
    entry.slots[slot] = {};
    ++entry.holes;
    return;
  }
  uint32_t last = static_cast<uint32_t>(entry.slots.size() - 1);
  if (slot != last) {
    entry.slots[slot] = entry.slots[last];
    entry.slots[slot].subscription->slot = slot;
  }
  entry.slots.pop_back();
}

void ChannelIndex::end_walk(ChannelEntry& entry) {
  assert(entry.walking > 0);
  if (--entry.walking == 0 && entry.holes > 0) compact(entry);
}

void ChannelIndex::compact(ChannelEntry& entry) {
  size_t out = 0;
  for (size_t i = 0; i < entry.slots.size(); ++i) {
    if (entry.slots[i].client == nullptr) continue;
    entry.slots[out] = entry.slots[i];
    entry.slots[out].subscription->slot = static_cast<uint32_t>(out);
    ++out;
  }
  entry.slots.resize(out);
  entry.holes = 0;
}

void ChannelIndex::erase(ChannelEntry& entry) {
  assert(entry.walking == 0 && entry.subscriber_count() == 0);
  auto it = channels_.find(std::string_view(entry.name));
  if (it != channels_.end()) channels_.erase(it);
}

}  // namespace wshub::hub
