#include "http/Request.h"

#include "http/Ascii.h"

namespace wshub::http {

std::string_view Request::header(std::string_view name) const {
  for (const Header& h : headers) {
    if (iequals(h.name, name)) return h.value;
  }
  return {};
}

std::string Request::header_list(std::string_view name) const {
  std::string joined;
  bool first = true;
  for (const Header& h : headers) {
    if (!iequals(h.name, name)) continue;
    if (!first) joined += ", ";
    joined += h.value;
    first = false;
  }
  return joined;
}

size_t Request::header_count(std::string_view name) const {
  size_t n = 0;
  for (const Header& h : headers) n += iequals(h.name, name) ? 1 : 0;
  return n;
}

}  // namespace wshub::http
