#include "broker/NatsSubject.h"

#include <cstdint>

namespace wshub::broker::nats_subject {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int value_of(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

}  // namespace

std::string encode_token(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                       static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  const size_t rest = bytes.size() - i;
  if (rest == 1) {
    const uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
  } else if (rest == 2) {
    const uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
  }
  return out;
}

std::optional<std::string> decode_token(std::string_view token) {
  if (token.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(token.size() * 3 / 4);
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : token) {
    const int v = value_of(c);
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  // The unused low bits of the last character must be zero, or two tokens would decode to
  // the same channel.
  if (bits > 0 && (buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::string channel_subject(std::string_view prefix, std::string_view channel) {
  std::string subject;
  subject.reserve(prefix.size() + 3 + (channel.size() * 4 + 2) / 3);
  subject.append(prefix);
  subject.append(".c.");
  subject.append(encode_token(channel));
  return subject;
}

std::string control_subject(std::string_view prefix) {
  return std::string(prefix) + ".control";
}

std::optional<std::string> channel_of(std::string_view prefix, std::string_view subject) {
  if (subject.size() <= prefix.size() + 3 || subject.substr(0, prefix.size()) != prefix ||
      subject.substr(prefix.size(), 3) != ".c.") {
    return std::nullopt;
  }
  auto channel = decode_token(subject.substr(prefix.size() + 3));
  if (!channel || channel->empty()) return std::nullopt;
  return channel;
}

bool valid_prefix(std::string_view prefix) {
  if (prefix.empty()) return false;
  bool token_empty = true;
  for (char c : prefix) {
    if (c == '.') {
      if (token_empty) return false;
      token_empty = true;
      continue;
    }
    if (value_of(c) < 0) return false;
    token_empty = false;
  }
  return !token_empty;
}

}  // namespace wshub::broker::nats_subject
