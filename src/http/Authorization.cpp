#include "http/Authorization.h"

#include "http/Ascii.h"

namespace wshub::http {

AuthorizationValue split_authorization(std::string_view value) {
  value = trim_ows(value);
  size_t end = 0;
  while (end < value.size() && !is_ows(value[end])) ++end;
  return AuthorizationValue{value.substr(0, end), trim_ows(value.substr(end))};
}

}  // namespace wshub::http
