#pragma once
// The server API's one credential: `Authorization: apikey <key>`.
#include <string_view>

namespace wshub::api {

// True when `authorization` (the header's value) is "apikey <key>" for this key (the
// scheme compared case-insensitively). The key is compared in constant time, so response
// timing does not reveal how much of a guess was right. An empty `key` matches nothing.
bool api_key_matches(std::string_view authorization, std::string_view key);

}  // namespace wshub::api
