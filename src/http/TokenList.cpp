#include "http/TokenList.h"

#include "http/Ascii.h"

namespace wshub::http {

bool list_contains_token(std::string_view list, std::string_view token) {
  bool found = false;
  for_each_list_element(list, [&](std::string_view element) {
    found = iequals(element, token);
    return !found;
  });
  return found;
}

}  // namespace wshub::http
