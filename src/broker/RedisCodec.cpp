#include "broker/RedisCodec.h"

#include <charconv>

namespace wshub::broker::redis_codec {
namespace {

constexpr uint8_t kHasFrom = 1;
constexpr uint8_t kMsgpack = 2;

void put(std::string& out, std::string_view field) {
  const auto n = static_cast<uint32_t>(field.size());
  const char length[4] = {static_cast<char>(n & 0xff), static_cast<char>((n >> 8) & 0xff),
                          static_cast<char>((n >> 16) & 0xff), static_cast<char>((n >> 24) & 0xff)};
  out.append(length, 4);
  out.append(field);
}

// Reads fields off the front of untrusted bytes (another node, or whatever is in Redis).
struct Reader {
  std::string_view rest;
  bool take(std::string_view& field) {
    if (rest.size() < 4) return false;
    const auto* b = reinterpret_cast<const unsigned char*>(rest.data());
    const uint32_t n = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<uint32_t>(b[3]) << 24);
    if (rest.size() - 4 < n) return false;
    field = rest.substr(4, n);
    rest.remove_prefix(4 + static_cast<size_t>(n));
    return true;
  }
  bool take(std::string& field) {
    std::string_view view;
    if (!take(view)) return false;
    field.assign(view);
    return true;
  }
  bool byte(uint8_t& value) {
    if (rest.empty()) return false;
    value = static_cast<uint8_t>(rest[0]);
    rest.remove_prefix(1);
    return true;
  }
};

void put_body(std::string& out, const hub::Publication& p) {
  uint8_t flags = 0;
  if (p.from) flags |= kHasFrom;
  if (p.payload.encoding == hub::Encoding::msgpack) flags |= kMsgpack;
  out.push_back(static_cast<char>(flags));
  put(out, p.type);
  put(out, p.payload.bytes);
  if (p.from) {
    put(out, p.from->client);
    put(out, p.from->user);
    put(out, p.from->info);
  }
}

bool read_body(Reader& r, hub::Publication& out) {
  uint8_t flags = 0;
  if (!r.byte(flags) || !r.take(out.type) || !r.take(out.payload.bytes)) return false;
  out.payload.encoding = (flags & kMsgpack) ? hub::Encoding::msgpack : hub::Encoding::json;
  if (flags & kHasFrom) {
    hub::ClientInfo from;
    if (!r.take(from.client) || !r.take(from.user) || !r.take(from.info)) return false;
    out.from = std::move(from);
  }
  return true;
}

bool read_number(std::string_view& rest, uint64_t& value) {
  const char* end = rest.data() + rest.size();
  auto [ptr, ec] = std::from_chars(rest.data(), end, value);
  if (ec != std::errc() || ptr == end || *ptr != ':') return false;
  rest.remove_prefix(static_cast<size_t>(ptr - rest.data()) + 1);
  return true;
}

}  // namespace

std::string encode_publication_body(const hub::Publication& publication) {
  std::string out;
  out.reserve(1 + 12 + publication.type.size() + publication.payload.bytes.size() + 64);
  put_body(out, publication);
  return out;
}

bool decode_entry(std::string_view entry, hub::Publication& out) {
  uint64_t offset = 0;
  uint64_t time = 0;
  if (!read_number(entry, offset) || !read_number(entry, time)) return false;
  out.offset = offset;
  Reader r{entry};
  return read_body(r, out);
}

std::string encode_client(const hub::ClientInfo& client) {
  std::string out;
  put(out, client.client);
  put(out, client.user);
  put(out, client.info);
  return out;
}

bool decode_client(std::string_view bytes, hub::ClientInfo& out) {
  Reader r{bytes};
  return r.take(out.client) && r.take(out.user) && r.take(out.info);
}

std::string encode_user_message(const std::string& user, const hub::Publication& message) {
  std::string out = "m";
  put(out, user);
  put_body(out, message);
  return out;
}

std::string encode_user_command(const hub::UserCommand& command) {
  std::string out = "c";
  out.push_back(static_cast<char>(command.kind));
  out.push_back(static_cast<char>(command.code & 0xff));
  out.push_back(static_cast<char>(command.code >> 8));
  out.push_back(command.reconnect ? 1 : 0);
  put(out, command.user);
  put(out, command.channel);
  put(out, command.reason);
  return out;
}

bool decode_control(std::string_view bytes, ControlMessage& out) {
  if (bytes.empty()) return false;
  const char tag = bytes[0];
  Reader r{bytes.substr(1)};
  if (tag == 'm') {
    out.is_command = false;
    return r.take(out.user) && read_body(r, out.message);
  }
  if (tag != 'c') return false;
  uint8_t kind = 0, low = 0, high = 0, reconnect = 0;
  if (!r.byte(kind) || !r.byte(low) || !r.byte(high) || !r.byte(reconnect)) return false;
  if (kind > static_cast<uint8_t>(hub::UserCommand::Kind::disconnect)) return false;
  out.is_command = true;
  out.command.kind = static_cast<hub::UserCommand::Kind>(kind);
  out.command.code = static_cast<uint16_t>(low | (high << 8));
  out.command.reconnect = reconnect != 0;
  if (!r.take(out.command.user) || !r.take(out.command.channel) || !r.take(out.command.reason)) return false;
  out.user = out.command.user;
  return true;
}

}  // namespace wshub::broker::redis_codec
