#include "DeliveryParser.h"

#include <string>

namespace wshub::bench {
namespace {

// Digits right after `from` (spaces allowed before them, as a JSON encoder may write).
bool digits_at(std::string_view text, size_t from, uint64_t& value) {
  while (from < text.size() && text[from] == ' ') ++from;
  if (from >= text.size() || text[from] < '0' || text[from] > '9') return false;
  uint64_t v = 0;
  while (from < text.size() && text[from] >= '0' && text[from] <= '9') v = v * 10 + (text[from++] - '0');
  value = v;
  return true;
}

// The number after `"<name>":`, searching from `from`.
bool number_after(std::string_view text, std::string_view quoted_name_colon, size_t from, uint64_t& value) {
  const size_t at = text.find(quoted_name_colon, from);
  return at != std::string_view::npos && digits_at(text, at + quoted_name_colon.size(), value);
}

MessageKind kind_of(std::string_view message) {
  constexpr std::string_view kType = "\"type\":\"";
  const size_t at = message.find(kType);
  if (at == std::string_view::npos) return MessageKind::other;
  const std::string_view rest = message.substr(at + kType.size());
  const std::string_view type = rest.substr(0, rest.find('"'));
  if (type == "subscribed") return MessageKind::subscribed;
  if (type == "ack") return MessageKind::ack;
  if (type == "error") return MessageKind::error;
  return MessageKind::other;
}

}  // namespace

MessageKind classify(std::string_view message, Delivery& delivery) {
  constexpr std::string_view kPayload = "\"payload\":";
  const size_t payload = message.find(kPayload);
  if (payload != std::string_view::npos && number_after(message, "\"seq\":", payload, delivery.seq) &&
      number_after(message, "\"t\":", payload, delivery.sent_ns)) {
    constexpr std::string_view kChannel = "\"channel\":\"";
    const std::string_view head = message.substr(0, payload);
    const size_t channel = head.find(kChannel);
    if (channel == std::string_view::npos) {
      delivery.channel = {};
    } else {
      const size_t start = channel + kChannel.size();
      const size_t end = head.find('"', start);
      delivery.channel = end == std::string_view::npos ? std::string_view() : head.substr(start, end - start);
    }
    return MessageKind::delivery;
  }
  return kind_of(message);
}

int64_t find_number(std::string_view message, std::string_view name) {
  std::string key = "\"";
  key.append(name).append("\":");
  uint64_t value = 0;
  return number_after(message, key, 0, value) ? static_cast<int64_t>(value) : -1;
}

}  // namespace wshub::bench
