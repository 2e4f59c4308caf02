#pragma once
// One channel's presence in the memory broker: client id -> (ClientInfo, expiry). Not
// thread-safe: its shard's mutex guards it.
//
// An entry added with a TTL expires unless re-added before it runs out (a node that crashed
// stops refreshing, and its clients disappear); an entry added with TTL 0 stays until removed.
// Expired entries are invisible: readers call expire(now) first, which drops them. The earliest
// expiry is tracked, so expire() is one comparison until something is actually due and the
// periodic sweep over thousands of channels stays cheap.
//
// Users are counted as distinct non-empty user ids: anonymous connections (empty user) count
// as clients but are nobody in particular, so they add no user (centrifuge would count them as
// one user ""; "3 users online" must not include "anonymous" as a fourth).
#include <string>
#include <unordered_map>
#include <vector>

#include "broker/Deadline.h"
#include "hub/Broker.h"

namespace wshub::broker {

class MemoryPresence {
 public:
  // Adds or refreshes `client` (keyed by client.client) until `expires_at` (max(): never).
  void add(const hub::ClientInfo& client, Clock::time_point expires_at);
  // False when the client was not present.
  bool remove(const std::string& client_id);
  void expire(Clock::time_point now);

  bool empty() const { return clients_.empty(); }
  // In no particular order. Call expire() first.
  std::vector<hub::ClientInfo> list() const;
  hub::PresenceStats stats() const;

 private:
  struct Entry {
    hub::ClientInfo client;
    Clock::time_point expires_at;
  };
  std::unordered_map<std::string, Entry> clients_;
  // No entry expires before this (it may be earlier than the real minimum after a refresh or
  // a removal; expire() then rescans and corrects it).
  Clock::time_point next_expiry_ = Clock::time_point::max();
};

}  // namespace wshub::broker
