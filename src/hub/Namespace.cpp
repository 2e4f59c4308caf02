#include "hub/Namespace.h"

namespace wshub::hub {

std::optional<Access> parse_access(std::string_view word) {
  if (word == "nobody") return Access::nobody;
  if (word == "authenticated") return Access::authenticated;
  if (word == "anyone") return Access::anyone;
  if (word == "token") return Access::token;
  return std::nullopt;
}

std::string_view access_name(Access access) {
  switch (access) {
    case Access::nobody:
      return "nobody";
    case Access::authenticated:
      return "authenticated";
    case Access::anyone:
      return "anyone";
    case Access::token:
      return "token";
  }
  return "nobody";
}

void NamespaceTable::add(NamespaceOptions options) {
  std::string name = options.name;
  named_.insert_or_assign(std::move(name), std::move(options));
}

const NamespaceOptions* NamespaceTable::find(std::string_view namespace_name) const {
  if (namespace_name.empty()) return &default_;
  auto it = named_.find(std::string(namespace_name));
  if (it != named_.end()) return &it->second;
  return fallback_ ? &default_ : nullptr;
}

}  // namespace wshub::hub
