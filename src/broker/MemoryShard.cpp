#include "broker/MemoryShard.h"

#include <iterator>

namespace wshub::broker {

ChannelState* MemoryShard::find(const std::string& channel) {
  const auto it = channels_.find(channel);
  return it == channels_.end() ? nullptr : &it->second;
}

ChannelState& MemoryShard::find_or_create(const std::string& channel) {
  return channels_[channel];
}

void MemoryShard::release_if_empty(const std::string& channel, ChannelState* state) {
  if (state != nullptr && state->empty()) channels_.erase(channel);
}

MemoryHistory& MemoryShard::live_history(ChannelState& state, const hub::HistoryOptions& options,
                                         Clock::time_point now, EpochSource& epochs) {
  if (!state.history || state.history->forgotten(now)) {
    state.history.emplace(epochs.next(), options, now);
  } else {
    state.history->touch(options, now);
  }
  return *state.history;
}

void MemoryShard::sweep(Clock::time_point now) {
  for (auto it = channels_.begin(); it != channels_.end();) {
    ChannelState& state = it->second;
    if (state.history) {
      if (state.history->forgotten(now)) {
        state.history.reset();
      } else {
        state.history->expire(now);
      }
    }
    state.presence.expire(now);
    it = state.empty() ? channels_.erase(it) : std::next(it);
  }
  idempotency_.expire(now);
  next_sweep_ = now + sweep_interval_;
}

}  // namespace wshub::broker
