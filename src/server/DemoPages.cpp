#include "server/DemoPages.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <string>

#include "auth/Base64Url.h"

namespace wshub::server {

namespace {

// A user name the demos accept: 1-32 of [A-Za-z0-9_.-]. Nothing to escape in JSON.
bool valid_user(std::string_view user) {
  if (user.empty() || user.size() > 32) return false;
  for (char c : user) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// The value of `key` in a query string ("user=alice&x=1"), undecoded.
std::string_view query_value(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    if (pair.size() > key.size() && pair.starts_with(key) && pair[key.size()] == '=') {
      return pair.substr(key.size() + 1);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

}  // namespace

std::string DemoPages::sign_token(std::string_view secret, std::string_view user, long lifetime_seconds) {
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  std::string token = auth::base64url::encode(R"({"alg":"HS256","typ":"JWT"})");
  token += '.';
  token += auth::base64url::encode("{\"sub\":\"" + std::string(user) +
                                   "\",\"exp\":" + std::to_string(now + lifetime_seconds) + "}");
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(token.data()), token.size(), mac, &mac_size);
  token += '.';
  auth::base64url::encode(std::span<const uint8_t>(mac, mac_size), token);
  return token;
}

http::Reply DemoPages::dev_session(const http::Request& request) const {
  if (!session_.dev || session_.hmac_secret.empty()) return static_error_reply(404, "not found");
  std::string_view user = query_value(request.query, "user");
  if (!valid_user(user)) return static_error_reply(400, "user: 1-32 of A-Z a-z 0-9 _ . -");
  http::Reply ok;
  ok.body = "{\"user\":\"" + std::string(user) + "\",\"token\":\"" +
            sign_token(session_.hmac_secret, user, 24 * 3600) + "\",\"api_key\":\"" + session_.api_key +
            "\"}\n";
  add_static_headers(ok, "no-store");  // a token: kept by no cache
  return ok;
}

void DemoPages::handle(const http::Request& request, http::ReplyCallback reply) {
  std::string_view path = request.path;
  const bool readable = request.method == "GET" || request.method == "HEAD";
  if (path == "/demos/dev-session") {
    if (!readable) return reply(static_method_refused());
    return reply(dev_session(request));
  }
  const EmbeddedFile* file = nullptr;
  if (path == "/" || path == kPrefix) {
    file = find_embedded_file(pages_, "index.html");
  } else if (path.starts_with("/demos/sdk/")) {
    file = find_embedded_file(sdk_, path.substr(11));
  } else if (path.starts_with(kPrefix)) {
    file = find_embedded_file(pages_, path.substr(kPrefix.size()));
  }
  if (!file) return reply(static_error_reply(404, "not found"));
  if (!readable) return reply(static_method_refused());
  reply(static_file_reply(*file));
}

}  // namespace wshub::server
