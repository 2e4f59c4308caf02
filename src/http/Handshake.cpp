#include "http/Handshake.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "http/Ascii.h"
#include "http/Response.h"
#include "http/TokenList.h"

namespace wshub::http {

namespace {

// RFC 6455 §1.3: the fixed GUID appended to the client's key.
constexpr std::string_view kWebSocketGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

// §4.2.1 item 5: the key must decode to exactly 16 bytes. 16 bytes encode as 22 characters and "==".
bool is_valid_key(std::string_view key) {
  if (key.size() != 24 || key[22] != '=' || key[23] != '=') return false;
  for (size_t i = 0; i < 22; ++i) {
    if (!is_base64_char(key[i])) return false;
  }
  return true;
}

HandshakeOutcome refuse(int status, std::string_view error, std::span<const Header> extra = {}) {
  HandshakeOutcome out;
  out.status = status;
  out.error = error;
  std::string body(error);
  body += '\n';
  out.response = make_response(status, "text/plain; charset=utf-8", body, false, extra);
  return out;
}

}  // namespace

std::string compute_accept_key(std::string_view sec_websocket_key) {
  std::string input(sec_websocket_key);
  input += kWebSocketGuid;
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  char encoded[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];  // EVP_EncodeBlock writes a terminating NUL
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded), digest, SHA_DIGEST_LENGTH);
  return std::string(encoded, static_cast<size_t>(n));
}

bool is_websocket_upgrade(const Request& r) {
  return list_contains_token(r.header_list("Upgrade"), "websocket");
}

HandshakeOutcome accept_websocket(const Request& r, const HandshakeOptions& options) {
  if (r.method != "GET") {
    static constexpr Header allow[] = {{"Allow", "GET"}};
    return refuse(405, "method not allowed", allow);
  }
  // 400 rather than 505: HTTP/1.0 is a version we serve, just not one that can upgrade (§4.2.1 item 1 and
  // the "400 Bad Request" the section names for any failed check).
  if (r.version_major < 1 || (r.version_major == 1 && r.version_minor < 1)) {
    return refuse(400, "upgrade needs HTTP/1.1");
  }
  if (r.header_count("Host") != 1) return refuse(400, "missing or repeated host");
  if (!is_websocket_upgrade(r)) return refuse(400, "upgrade is not websocket");
  if (!list_contains_token(r.header_list("Connection"), "upgrade"))
    return refuse(400, "connection lacks upgrade");
  // §4.2.2 item 4: tell the client which version we speak so it can retry.
  if (r.header_count("Sec-WebSocket-Version") != 1 || r.header("Sec-WebSocket-Version") != "13") {
    static constexpr Header version[] = {{"Sec-WebSocket-Version", "13"}};
    return refuse(426, "unsupported websocket version", version);
  }
  if (r.header_count("Sec-WebSocket-Key") != 1 || !is_valid_key(r.header("Sec-WebSocket-Key"))) {
    return refuse(400, "bad key");
  }
  if (options.origins != nullptr) {
    // Two Origin lines cannot come from a browser; refusing avoids guessing which one a browser meant.
    if (r.header_count("Origin") > 1 || !options.origins->allows(r.header("Origin"))) {
      return refuse(403, "origin not allowed");
    }
  }

  HandshakeOutcome out;
  out.status = 101;
  if (options.subprotocols != nullptr) {
    const std::string offered = r.header_list("Sec-WebSocket-Protocol");
    for (const std::string& ours : *options.subprotocols) {
      bool found = false;
      // Subprotocol names are compared exactly: they are registered case-sensitively (§11.5).
      for_each_list_element(offered, [&](std::string_view theirs) {
        found = theirs == ours;
        return !found;
      });
      if (found) {
        out.subprotocol = ours;
        break;
      }
    }
  }
  std::string extensions;
  if (options.deflate.enabled && r.header_count("Sec-WebSocket-Extensions") > 0) {
    out.deflate =
        ws::negotiate_deflate(r.header_list("Sec-WebSocket-Extensions"), options.deflate, extensions);
    if (!out.deflate) extensions.clear();
  }

  out.response.reserve(256);
  out.response += "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
  out.response += "Sec-WebSocket-Accept: ";
  out.response += compute_accept_key(r.header("Sec-WebSocket-Key"));
  out.response += "\r\n";
  if (!out.subprotocol.empty()) {
    out.response += "Sec-WebSocket-Protocol: ";
    out.response += out.subprotocol;
    out.response += "\r\n";
  }
  if (!extensions.empty()) {
    out.response += "Sec-WebSocket-Extensions: ";
    out.response += extensions;
    out.response += "\r\n";
  }
  out.response += "\r\n";
  return out;
}

}  // namespace wshub::http
