#include "hub/Base64.h"

#include <cstdint>

namespace wshub::hub {

void append_base64(std::string& out, std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto at = [&](size_t k) { return static_cast<uint32_t>(static_cast<uint8_t>(bytes[k])); };
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
    const char group[] = {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63],
                          kAlphabet[v & 63]};
    out.append(group, 4);
  }
  const size_t rest = bytes.size() - i;
  if (rest == 0) return;
  const uint32_t v = at(i) << 16 | (rest == 2 ? at(i + 1) << 8 : 0);
  const char group[] = {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63],
                        rest == 2 ? kAlphabet[(v >> 6) & 63] : '=', '='};
  out.append(group, 4);
}

}  // namespace wshub::hub
