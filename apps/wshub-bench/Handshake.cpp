#include "Handshake.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cctype>

namespace wshub::bench {
namespace {

std::string base64(const unsigned char* data, int size) {
  std::string out(4 * ((size + 2) / 3), '\0');
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, size);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

UpgradeRequest make_upgrade_request(std::string_view host, std::string_view path, uint64_t nonce,
                                    const std::vector<std::string>& headers) {
  unsigned char raw[16];
  for (int i = 0; i < 16; ++i)
    raw[i] = static_cast<unsigned char>((nonce * 0x9E3779B97F4A7C15ULL) >> (i * 4));
  UpgradeRequest request;
  request.key = base64(raw, 16);
  request.bytes.append("GET ").append(path).append(" HTTP/1.1\r\nHost: ").append(host);
  request.bytes.append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ");
  request.bytes.append(request.key).append("\r\nSec-WebSocket-Version: 13\r\n");
  for (const std::string& line : headers) request.bytes.append(line).append("\r\n");
  request.bytes.append("\r\n");
  return request;
}

const char* check_upgrade_response(std::string_view head, std::string_view key) {
  const size_t first_line_end = head.find("\r\n");
  const std::string_view status = head.substr(0, first_line_end);
  if (status.substr(0, 9) != "HTTP/1.1 " || status.substr(9, 3) != "101") return "status is not 101";

  const std::string magic = std::string(key) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(magic.data()), magic.size(), digest);
  const std::string expected = base64(digest, SHA_DIGEST_LENGTH);

  bool accept_ok = false, upgrade_ok = false;
  size_t pos = first_line_end + 2;
  while (pos < head.size()) {
    const size_t eol = head.find("\r\n", pos);
    if (eol == std::string_view::npos || eol == pos) break;
    const std::string_view line = head.substr(pos, eol - pos);
    pos = eol + 2;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return "malformed header line";
    const std::string_view name = trim(line.substr(0, colon));
    const std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "Sec-WebSocket-Accept")) accept_ok = value == expected;
    if (iequals(name, "Upgrade")) upgrade_ok = iequals(value, "websocket");
    if (iequals(name, "Sec-WebSocket-Extensions")) return "server negotiated an extension we did not offer";
  }
  if (!upgrade_ok) return "missing Upgrade: websocket";
  if (!accept_ok) return "missing or wrong Sec-WebSocket-Accept";
  return nullptr;
}

}  // namespace wshub::bench
