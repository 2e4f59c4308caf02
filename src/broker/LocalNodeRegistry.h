#pragma once
// The registry of a node alone (the memory broker, or a broker with no shared store yet):
// nodes() is this node, fresh from its source, in the same shape as a cluster's; user slots
// are not shared, so the hub's own per-user count is the whole limit.
#include <chrono>

#include "hub/NodeRegistry.h"

namespace wshub::broker {

class LocalNodeRegistry final : public hub::NodeRegistry {
 public:
  void start(hub::NodeStatusSource source) override { source_ = std::move(source); }
  void nodes(hub::Completion<std::vector<hub::NodeStatus>> done) override {
    hub::NodeStatus self = source_ ? source_() : hub::NodeStatus{};
    self.updated_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
    done(std::vector<hub::NodeStatus>{std::move(self)});
  }
  bool shares_user_slots() const override { return false; }
  void acquire_user_slot(const std::string&, size_t, hub::Completion<bool> done) override { done(true); }
  void release_user_slot(const std::string&) override {}

 private:
  hub::NodeStatusSource source_;
};

}  // namespace wshub::broker
