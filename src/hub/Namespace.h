#pragma once
// Channel namespaces: the part of a channel name before ':' selects a set of options
// ("chat:lobby" -> namespace "chat"); a name without ':' uses the default namespace.
// Options are plain values read once at start-up; a lookup is one hash probe.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace wshub::hub {

// Who may do something in a namespace. `token` means: only with a subscription token
// for that channel (a JWT with `sub`, `channel`, `exp`), or when the connection token's
// `channels` claim covers the channel.
enum class Access : uint8_t { nobody, authenticated, anyone, token };

std::optional<Access> parse_access(std::string_view word);
std::string_view access_name(Access access);

struct NamespaceOptions {
  std::string name;               // empty for the default namespace
  bool presence = false;          // keep (client, user, info) per channel
  bool join_leave = false;        // push join/leave events to subscribers
  size_t history_size = 0;        // publications kept per channel; 0: no history, no recovery
  std::chrono::milliseconds history_ttl{std::chrono::minutes(5)};
  Access subscribe = Access::authenticated;
  Access publish = Access::nobody;  // publishing by clients; the server API always may
  Access read_presence = Access::authenticated;
  Access read_history = Access::authenticated;

  bool keeps_history() const { return history_size > 0; }
};

class NamespaceTable {
 public:
  NamespaceTable() = default;
  explicit NamespaceTable(NamespaceOptions default_namespace) : default_(std::move(default_namespace)) {}

  // Channels in a namespace that is not configured use the default namespace's options
  // instead of being refused (the --dev playground: any "x:y" works).
  void set_fallback_to_default(bool fallback) { fallback_ = fallback; }

  void add(NamespaceOptions options);
  // nullptr when the namespace is not configured (error unknown_channel).
  const NamespaceOptions* find(std::string_view namespace_name) const;
  const NamespaceOptions& default_namespace() const { return default_; }
  // Calls f(options) for the default namespace, then for every configured one.
  template <typename F>
  void for_each(F&& f) const {
    f(default_);
    for (const auto& [name, options] : named_) f(options);
  }

 private:
  NamespaceOptions default_;
  bool fallback_ = false;
  std::unordered_map<std::string, NamespaceOptions> named_;
};

}  // namespace wshub::hub
