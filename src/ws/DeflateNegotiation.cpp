// permessage-deflate negotiation (RFC 7692 §5, §7.1) over the Sec-WebSocket-Extensions
// grammar of RFC 6455 §9.1:
//
//   extension-list = 1#extension
//   extension      = extension-token *( ";" extension-param )
//   extension-param = token [ "=" (token | quoted-string) ]
//
// with optional whitespace around every separator (the implied *LWS of RFC 2616, which
// RFC 6455 uses) and empty list elements ignored (RFC 7230 §7). A quoted value is unescaped
// and must then be a token (RFC 6455 §9.1).
//
// Decisions:
//  - Names of extensions and parameters compare case-insensitively, like HTTP tokens
//    elsewhere; no other registered extension differs only in case, and we answer with
//    the canonical lower-case spelling.
//  - A malformed element declines only itself: we skip to the next top-level comma and
//    try the next offer. An unterminated quoted string ends the header.
//  - We never agree to a 256-byte window for our compressor (server_max_window_bits=8):
//    zlib cannot produce raw deflate with windowBits 8 (1.2.9+ refuses it, older versions
//    silently used 9), so agreeing would be a lie that breaks strict peers. Such an offer
//    is declined and the next one tried (§7.1.2.1 lets a server decline an offer).
//  - Likewise we never *ask* a client for client_max_window_bits=8, since zlib-based
//    clients cannot honour it and would fail the connection; a client that offers 8 itself
//    gets 8 (and Inflater allows for the zlib quirk).
//  - client_no_context_takeover is echoed whenever offered: the client has announced it
//    will not use context takeover anyway (§7.1.1.2), so saying so is harmless and lets
//    our inflater reset between messages; we also add it when our options demand it.
//  - server_max_window_bits is only sent when offered (§7.1.2.1 "accepts ... by
//    including"); a smaller window than 15 needs no announcement, since a peer's inflater
//    with a larger window decodes it.
#include "ws/DeflateNegotiation.h"

#include <algorithm>
#include <vector>

namespace wshub::ws {

namespace {

constexpr std::string_view kExtensionName = "permessage-deflate";

bool is_tchar(char c) {  // RFC 7230 §3.2.6
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

struct Param {
  std::string_view name;
  bool has_value = false;
  std::string value;  // unescaped
};

struct Element {
  std::string_view name;
  std::vector<Param> params;
};

// Walks the header one list element at a time.
class ExtensionList {
 public:
  explicit ExtensionList(std::string_view s) : s_(s) {}

  // Parses the next non-empty element into `e`. Returns false at the end of the header.
  // `valid` is false when the element was malformed (and skipped).
  bool next(Element& e, bool& valid) {
    for (;;) {
      skip_ows();
      if (at_end()) return false;
      if (s_[pos_] != ',') break;
      ++pos_;  // empty element
    }
    e.params.clear();
    valid = parse_element(e);
    if (!valid) skip_to_next_element();
    return true;
  }

 private:
  bool at_end() const { return pos_ >= s_.size(); }
  void skip_ows() {
    while (!at_end() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_;
  }
  std::string_view token() {
    const size_t start = pos_;
    while (!at_end() && is_tchar(s_[pos_])) ++pos_;
    return s_.substr(start, pos_ - start);
  }
  // At the opening quote. RFC 7230 quoted-string: qdtext or a backslash-escaped octet.
  bool quoted_string(std::string& out) {
    ++pos_;
    while (!at_end()) {
      const char c = s_[pos_++];
      if (c == '"') return true;
      if (c == '\\') {
        if (at_end()) break;
        out.push_back(s_[pos_++]);
      } else if (c == '\r' || c == '\n' || c == '\0') {
        return false;
      } else {
        out.push_back(c);
      }
    }
    pos_ = s_.size();  // unterminated: nothing after it can be trusted
    return false;
  }

  bool parse_element(Element& e) {
    e.name = token();
    if (e.name.empty()) return false;
    for (;;) {
      skip_ows();
      if (at_end() || s_[pos_] == ',') {
        if (!at_end()) ++pos_;
        return true;
      }
      if (s_[pos_] != ';') return false;
      ++pos_;
      skip_ows();
      Param p;
      p.name = token();
      if (p.name.empty()) return false;
      skip_ows();
      if (!at_end() && s_[pos_] == '=') {
        ++pos_;
        skip_ows();
        p.has_value = true;
        if (!at_end() && s_[pos_] == '"') {
          if (!quoted_string(p.value)) return false;
          if (p.value.empty() || !std::all_of(p.value.begin(), p.value.end(), is_tchar)) return false;
        } else {
          p.value = token();
          if (p.value.empty()) return false;
        }
      }
      e.params.push_back(std::move(p));
    }
  }

  void skip_to_next_element() {
    bool in_quotes = false;
    while (!at_end()) {
      const char c = s_[pos_++];
      if (in_quotes) {
        if (c == '\\' && !at_end()) {
          ++pos_;
        } else if (c == '"') {
          in_quotes = false;
        }
      } else if (c == '"') {
        in_quotes = true;
      } else if (c == ',') {
        return;
      }
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
};

// RFC 7692 §7.1.2: "a decimal integer value without leading zeroes between 8 to 15".
std::optional<int> window_bits(std::string_view v) {
  if (v.size() == 1 && v[0] >= '8' && v[0] <= '9') return v[0] - '0';
  if (v.size() == 2 && v[0] == '1' && v[1] >= '0' && v[1] <= '5') return 10 + (v[1] - '0');
  return std::nullopt;
}

std::optional<DeflateParams> accept(const Element& offer, const DeflateOptions& ours, std::string& response) {
  bool server_no_context_takeover = false, client_no_context_takeover = false;
  std::optional<int> server_bits;    // offered server_max_window_bits
  bool client_bits_offered = false;  // client_max_window_bits present
  std::optional<int> client_bits;    // ... with this value
  unsigned seen = 0;                 // one bit per parameter: duplicates decline
  for (const Param& p : offer.params) {
    unsigned bit;
    if (iequals(p.name, "server_no_context_takeover")) {
      bit = 1;
      if (p.has_value) return std::nullopt;
      server_no_context_takeover = true;
    } else if (iequals(p.name, "client_no_context_takeover")) {
      bit = 2;
      if (p.has_value) return std::nullopt;
      client_no_context_takeover = true;
    } else if (iequals(p.name, "server_max_window_bits")) {
      bit = 4;
      if (!p.has_value || !(server_bits = window_bits(p.value))) return std::nullopt;
    } else if (iequals(p.name, "client_max_window_bits")) {
      bit = 8;
      client_bits_offered = true;
      if (p.has_value && !(client_bits = window_bits(p.value))) return std::nullopt;
    } else {
      return std::nullopt;  // unknown parameter (§7: decline)
    }
    if (seen & bit) return std::nullopt;
    seen |= bit;
  }
  if (server_bits == 8) return std::nullopt;  // see the top of the file

  DeflateParams agreed;
  agreed.server_no_context_takeover = server_no_context_takeover || ours.server_no_context_takeover;
  agreed.client_no_context_takeover = client_no_context_takeover || ours.client_no_context_takeover;
  const int our_server_bits = std::clamp(ours.server_max_window_bits, 9, 15);
  agreed.server_max_window_bits = std::min(server_bits.value_or(15), our_server_bits);
  if (client_bits_offered) {
    agreed.client_max_window_bits =
        std::min(client_bits.value_or(15), std::clamp(ours.client_max_window_bits, 9, 15));
  }  // else the client uses 15 and we must not send the parameter (§7.1.2.2)

  response = kExtensionName;
  if (agreed.server_no_context_takeover) response += "; server_no_context_takeover";
  if (agreed.client_no_context_takeover) response += "; client_no_context_takeover";
  if (server_bits) response += "; server_max_window_bits=" + std::to_string(agreed.server_max_window_bits);
  if (client_bits_offered)
    response += "; client_max_window_bits=" + std::to_string(agreed.client_max_window_bits);
  return agreed;
}

}  // namespace

std::optional<DeflateParams> negotiate_deflate(std::string_view offers, const DeflateOptions& server,
                                               std::string& response) {
  response.clear();
  if (!server.enabled) return std::nullopt;
  ExtensionList list(offers);
  Element e;
  bool valid = false;
  while (list.next(e, valid)) {
    if (!valid || !iequals(e.name, kExtensionName)) continue;
    if (auto agreed = accept(e, server, response)) return agreed;
  }
  return std::nullopt;
}

}  // namespace wshub::ws
