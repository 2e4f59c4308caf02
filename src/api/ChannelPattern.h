#pragma once
// The `pattern` of the `channels` method: `*` matches any run of characters (also
// empty), `?` one character, everything else itself. "chat:*" lists the chat namespace.
#include <string_view>

namespace wshub::api {

bool channel_matches(std::string_view pattern, std::string_view channel);

}  // namespace wshub::api
