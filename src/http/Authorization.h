#pragma once
// The Authorization header's value: `scheme SP credentials` (RFC 9110 §11.6.2). The
// schemes themselves (the server API's `apikey`, the upgrade's `Bearer`) and what their
// credentials mean belong to the layers above; this only splits the syntax.
#include <string_view>

namespace wshub::http {

struct AuthorizationValue {
  std::string_view scheme;       // as sent; compare with iequals (schemes are case-insensitive)
  std::string_view credentials;  // the rest, without surrounding whitespace; may be empty
};

// Splits at the first space or tab after the scheme; leading and trailing whitespace of
// the value is ignored. "" gives an empty scheme.
AuthorizationValue split_authorization(std::string_view value);

}  // namespace wshub::http
