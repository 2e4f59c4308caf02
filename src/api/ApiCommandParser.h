#pragma once
// Decodes the JSON body of a server API request into an ApiCommand (simdjson). Every
// mistake is a bad_request error naming the field, so a back-end developer sees at once
// what to fix; nothing is executed for a request that does not decode.
#include <cstddef>
#include <string_view>

#include "api/ApiCommand.h"
#include "hub/Result.h"

namespace wshub::api {

struct ParserOptions {
  size_t max_batch = 1000;  // commands in one `batch`
};

// `body` is the whole request body: one JSON object with the method's parameters.
hub::Result<ApiCommand> parse_api_command(Method method, std::string_view body, const ParserOptions& options = {});

}  // namespace wshub::api
