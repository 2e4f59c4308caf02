#include "http/HttpResponse.h"

#include "http/Ascii.h"

namespace wshub::http {

std::string_view HttpResponse::header(std::string_view name) const {
  for (const auto& [field, value] : headers) {
    if (iequals(field, name)) return value;
  }
  return {};
}

}  // namespace wshub::http
