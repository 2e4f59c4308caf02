#include "broker/MemoryPresence.h"

#include <algorithm>
#include <string_view>
#include <unordered_set>

namespace wshub::broker {

void MemoryPresence::add(const hub::ClientInfo& client, Clock::time_point expires_at) {
  clients_.insert_or_assign(client.client, Entry{client, expires_at});
  next_expiry_ = std::min(next_expiry_, expires_at);
}

bool MemoryPresence::remove(const std::string& client_id) {
  const bool removed = clients_.erase(client_id) > 0;
  if (clients_.empty()) next_expiry_ = Clock::time_point::max();
  return removed;
}

void MemoryPresence::expire(Clock::time_point now) {
  if (now < next_expiry_) return;
  next_expiry_ = Clock::time_point::max();
  for (auto it = clients_.begin(); it != clients_.end();) {
    if (it->second.expires_at <= now) {
      it = clients_.erase(it);
    } else {
      next_expiry_ = std::min(next_expiry_, it->second.expires_at);
      ++it;
    }
  }
}

std::vector<hub::ClientInfo> MemoryPresence::list() const {
  std::vector<hub::ClientInfo> out;
  out.reserve(clients_.size());
  for (const auto& [id, entry] : clients_) out.push_back(entry.client);
  return out;
}

hub::PresenceStats MemoryPresence::stats() const {
  std::unordered_set<std::string_view> users;
  for (const auto& [id, entry] : clients_) {
    if (!entry.client.user.empty()) users.insert(entry.client.user);
  }
  return {clients_.size(), users.size()};
}

}  // namespace wshub::broker
