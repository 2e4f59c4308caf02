#include "MessageBuilder.h"

namespace wshub::client {

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      default:
        if (c < 0x20) {
          out.append("\\u00").push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

namespace {

std::string open(std::string_view type, const uint64_t* id) {
  std::string out = "{\"type\":";
  append_json_string(out, type);
  if (id != nullptr) out.append(",\"id\":").append(std::to_string(*id));
  return out;
}

void field(std::string& out, std::string_view name, std::string_view value) {
  out.append(",\"").append(name).append("\":");
  append_json_string(out, value);
}

void position(std::string& out, std::string_view name, const Recover& at) {
  out.append(",\"")
      .append(name)
      .append("\":{\"offset\":")
      .append(std::to_string(at.offset))
      .append(",\"epoch\":");
  append_json_string(out, at.epoch);
  out.push_back('}');
}

}  // namespace

std::string build_connect(uint64_t id, std::string_view token, std::string_view data_json) {
  std::string out = open("connect", &id);
  if (!token.empty()) field(out, "token", token);
  if (!data_json.empty()) out.append(",\"data\":").append(data_json);
  return out + "}";
}

std::string build_subscribe(uint64_t id, std::string_view channel, const Recover* recover,
                            std::string_view token) {
  std::string out = open("subscribe", &id);
  field(out, "channel", channel);
  if (recover != nullptr) position(out, "recover", *recover);
  if (!token.empty()) field(out, "token", token);
  return out + "}";
}

std::string build_unsubscribe(uint64_t id, std::string_view channel) {
  return build_channel_request("unsubscribe", id, channel);
}

std::string build_publish(uint64_t id, std::string_view channel, std::string_view payload_json,
                          std::string_view message_type) {
  std::string out = open("publish", &id);
  field(out, "channel", channel);
  if (!message_type.empty()) field(out, "message_type", message_type);
  out.append(",\"payload\":").append(payload_json.empty() ? std::string_view("null") : payload_json);
  return out + "}";
}

std::string build_channel_request(std::string_view type, uint64_t id, std::string_view channel) {
  std::string out = open(type, &id);
  field(out, "channel", channel);
  return out + "}";
}

std::string build_history(uint64_t id, std::string_view channel, uint64_t limit, const Recover* since,
                          bool reverse) {
  std::string out = open("history", &id);
  field(out, "channel", channel);
  if (since != nullptr) position(out, "since", *since);
  if (limit != 0) out.append(",\"limit\":").append(std::to_string(limit));
  if (reverse) out.append(",\"reverse\":true");
  return out + "}";
}

std::string build_ping(const uint64_t* id) {
  return open("ping", id) + "}";
}

std::string build_refresh(uint64_t id, std::string_view token) {
  std::string out = open("refresh", &id);
  field(out, "token", token);
  return out + "}";
}

std::string build_request(std::string_view type, uint64_t id, std::string_view payload_json) {
  std::string out = open(type, &id);
  if (!payload_json.empty()) out.append(",\"payload\":").append(payload_json);
  return out + "}";
}

}  // namespace wshub::client
