#include "ServerMessage.h"

#include <simdjson.h>

namespace wshub::client {

namespace dom = simdjson::dom;

struct ServerMessageParser::Impl {
  dom::parser parser;
};

ServerMessageParser::ServerMessageParser() : impl_(new Impl) {}
ServerMessageParser::~ServerMessageParser() {
  delete impl_;
}

namespace {

std::string str(dom::element e, const char* key) {
  std::string_view v;
  if (e[key].get_string().get(v) == simdjson::SUCCESS) return std::string(v);
  return {};
}

bool uint(dom::element e, const char* key, uint64_t& out) {
  return e[key].get_uint64().get(out) == simdjson::SUCCESS;
}

ClientInfo client_info(dom::element e) {
  ClientInfo info;
  info.client = str(e, "client");
  info.user = str(e, "user");
  dom::element i;
  if (e["info"].get(i) == simdjson::SUCCESS) info.info_json = simdjson::minify(i);
  return info;
}

void decode_publication_fields(dom::element e, ServerMessage& m) {
  m.has_offset = uint(e, "offset", m.offset);
  dom::element p;
  if (e["payload"].get(p) == simdjson::SUCCESS) {
    m.has_payload = true;
    m.payload_json = simdjson::minify(p);
  }
  dom::element from;
  if (e["from"].get(from) == simdjson::SUCCESS && from.is_object()) {
    m.has_from = true;
    m.from = client_info(from);
  }
}

bool decode(dom::element e, ServerMessage& m) {
  if (!e.is_object()) return false;
  std::string_view type;
  if (e["type"].get_string().get(type) != simdjson::SUCCESS || type.empty()) return false;
  m.type = std::string(type);
  m.has_id = uint(e, "id", m.id);
  m.channel = str(e, "channel");
  m.epoch = str(e, "epoch");
  decode_publication_fields(e, m);
  bool flag = false;
  if (e["recovered"].get_bool().get(flag) == simdjson::SUCCESS) {
    m.has_recovered = true;
    m.recovered = flag;
  }
  if (e["reconnect"].get_bool().get(flag) == simdjson::SUCCESS) {
    m.has_reconnect = true;
    m.reconnect = flag;
  }
  int64_t code = 0;
  if (e["code"].get_int64().get(code) == simdjson::SUCCESS) m.code = static_cast<int>(code);
  m.message = str(e, "message");
  m.reason = str(e, "reason");
  m.client = str(e, "client");
  m.user = str(e, "user");
  dom::element info;
  if (e["info"].get(info) == simdjson::SUCCESS) m.info_json = simdjson::minify(info);
  uint(e, "num_clients", m.num_clients);
  uint(e, "num_users", m.num_users);
  dom::array list;
  if (e["clients"].get_array().get(list) == simdjson::SUCCESS) {
    for (dom::element c : list)
      if (c.is_object()) m.clients.push_back(client_info(c));
  }
  if (e["publications"].get_array().get(list) == simdjson::SUCCESS) {
    for (dom::element p : list) {
      ServerMessage one;
      if (!p.is_object()) continue;
      one.type = str(p, "type");
      one.channel = str(p, "channel");
      decode_publication_fields(p, one);
      m.publications.push_back(to_publication(one));
    }
  }
  return true;
}

}  // namespace

bool ServerMessageParser::parse(std::string_view text, std::vector<ServerMessage>& out) {
  out.clear();
  dom::element root;
  if (impl_->parser.parse(text.data(), text.size(), true).get(root) != simdjson::SUCCESS) return false;
  dom::array elements;
  if (root.get_array().get(elements) == simdjson::SUCCESS) {
    for (dom::element e : elements) {
      ServerMessage m;
      if (decode(e, m)) out.push_back(std::move(m));
    }
    return !out.empty();
  }
  ServerMessage m;
  if (!decode(root, m)) return false;
  out.push_back(std::move(m));
  return true;
}

Publication to_publication(const ServerMessage& m) {
  Publication p;
  p.type = m.type;
  p.channel = m.channel;
  p.offset = m.has_offset ? m.offset : 0;
  p.payload_json = m.payload_json;
  if (m.has_from) p.from = m.from;
  return p;
}

}  // namespace wshub::client
