#include "http/Handshake.h"

#include <gtest/gtest.h>

#include <string>

#include "http/RequestParser.h"

namespace wshub::http {
namespace {

// Parses `text` into a Request that stays valid while the fixture lives.
class HandshakeTest : public ::testing::Test {
 protected:
  const Request& parse(std::string text) {
    parser_.reset();
    text_ = std::move(text);
    auto r = parser_.parse(std::span<const char>(text_.data(), text_.size()));
    EXPECT_EQ(r.status, ParseStatus::complete) << r.reason;
    return parser_.request();
  }
  // The RFC 6455 §1.3 example request with `extra` header lines appended.
  const Request& upgrade(std::string extra = "", std::string head = "GET /chat HTTP/1.1") {
    return parse(head +
                 "\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
                 extra + "\r\n");
  }
  HandshakeOptions options_;
  std::string text_;
  RequestParser parser_;
};

TEST(ComputeAcceptKey, MatchesRfc6455Example) {
  EXPECT_EQ(compute_accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST_F(HandshakeTest, AcceptsTheRfcExample) {
  const Request& r = upgrade();
  EXPECT_TRUE(is_websocket_upgrade(r));
  auto out = accept_websocket(r, options_);
  EXPECT_EQ(out.status, 101);
  EXPECT_EQ(out.response,
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
  EXPECT_TRUE(out.subprotocol.empty());
  EXPECT_FALSE(out.deflate.has_value());
  EXPECT_TRUE(out.error.empty());
}

TEST_F(HandshakeTest, TokenListsWithOddSpacingAndCase) {
  const Request& r = parse(
      "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: foo/2,\t WebSocket \r\nConnection: keep-alive ,UPGRADE\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  EXPECT_EQ(accept_websocket(r, options_).status, 101);
}

TEST_F(HandshakeTest, ConnectionUpgradeInASecondHeaderLine) {
  const Request& r = parse(
      "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: keep-alive\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  EXPECT_EQ(accept_websocket(r, options_).status, 101);
}

TEST_F(HandshakeTest, UpgradeTokenMustMatchWholly) {
  const Request& r = parse(
      "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websockets\r\nConnection: upgraded\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  EXPECT_FALSE(is_websocket_upgrade(r));
  auto out = accept_websocket(r, options_);
  EXPECT_EQ(out.status, 400);
}

struct Refusal {
  const char* name;
  std::string request;
  int status;
  std::string_view must_contain;
};

class HandshakeRefusals : public ::testing::TestWithParam<Refusal> {};

TEST_P(HandshakeRefusals, RespondsWithStatusAndCloses) {
  const Refusal& c = GetParam();
  RequestParser parser;
  auto pr = parser.parse(std::span<const char>(c.request.data(), c.request.size()));
  ASSERT_EQ(pr.status, ParseStatus::complete) << c.name << " " << pr.reason;
  auto out = accept_websocket(parser.request(), HandshakeOptions{});
  EXPECT_EQ(out.status, c.status) << c.name;
  EXPECT_FALSE(out.error.empty());
  EXPECT_NE(out.response.find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(out.response.rfind("HTTP/1.1 " + std::to_string(c.status) + " ", 0), 0u) << out.response;
  EXPECT_NE(out.response.find(c.must_contain), std::string::npos) << out.response;
}

std::string request_with(std::string_view first_line, std::string_view drop, std::string_view add = "") {
  std::string headers[] = {"Host: h", "Upgrade: websocket", "Connection: Upgrade",
                           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"};
  std::string out(first_line);
  out += "\r\n";
  for (const std::string& h : headers) {
    if (drop.empty() || h.rfind(drop, 0) != 0) out += h + "\r\n";
  }
  out += add;
  return out + "\r\n";
}

INSTANTIATE_TEST_SUITE_P(
    All, HandshakeRefusals,
    ::testing::Values(
        Refusal{"post", request_with("POST / HTTP/1.1", ""), 405, "Allow: GET\r\n"},
        Refusal{"http_1_0", request_with("GET / HTTP/1.0", ""), 400, ""},
        Refusal{"no_host", request_with("GET / HTTP/1.1", "Host"), 400, ""},
        Refusal{"two_hosts", request_with("GET / HTTP/1.1", "", "Host: other\r\n"), 400, ""},
        Refusal{"no_upgrade", request_with("GET / HTTP/1.1", "Upgrade"), 400, ""},
        Refusal{"upgrade_h2c", request_with("GET / HTTP/1.1", "Upgrade", "Upgrade: h2c\r\n"), 400, ""},
        Refusal{"no_connection_upgrade",
                request_with("GET / HTTP/1.1", "Connection", "Connection: close\r\n"), 400, ""},
        Refusal{"no_key", request_with("GET / HTTP/1.1", "Sec-WebSocket-Key"), 400, "bad key"},
        Refusal{
            "short_key",
            request_with("GET / HTTP/1.1", "Sec-WebSocket-Key", "Sec-WebSocket-Key: dGhlIHNhbXBsZQ==\r\n"),
            400, "bad key"},
        Refusal{"key_17_bytes",
                request_with("GET / HTTP/1.1", "Sec-WebSocket-Key",
                             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZSE=\r\n"),
                400, "bad key"},
        Refusal{"key_not_base64",
                request_with("GET / HTTP/1.1", "Sec-WebSocket-Key",
                             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25j*Q==\r\n"),
                400, "bad key"},
        Refusal{"two_keys",
                request_with("GET / HTTP/1.1", "", "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\n"), 400,
                "bad key"},
        Refusal{"no_version", request_with("GET / HTTP/1.1", "Sec-WebSocket-Version"), 426,
                "Sec-WebSocket-Version: 13\r\n"},
        Refusal{"version_8",
                request_with("GET / HTTP/1.1", "Sec-WebSocket-Version", "Sec-WebSocket-Version: 8\r\n"), 426,
                "Sec-WebSocket-Version: 13\r\n"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(HandshakeTest, OriginPolicyAllowsAndRefuses) {
  std::vector<std::string> patterns = {"https://app.example.com"};
  OriginPolicy policy(patterns);
  options_.origins = &policy;
  EXPECT_EQ(accept_websocket(upgrade("Origin: https://app.example.com\r\n"), options_).status, 101);
  auto out = accept_websocket(upgrade("Origin: https://evil.example.net\r\n"), options_);
  EXPECT_EQ(out.status, 403);
  EXPECT_EQ(out.error, "origin not allowed");
  EXPECT_EQ(accept_websocket(upgrade(), options_).status, 101) << "no Origin: a non-browser client";
  EXPECT_EQ(
      accept_websocket(upgrade("Origin: https://app.example.com\r\nOrigin: https://evil.net\r\n"), options_)
          .status,
      403);
}

TEST_F(HandshakeTest, SubprotocolFollowsServerPreference) {
  std::vector<std::string> ours = {"v2.wshub", "v1.wshub"};
  options_.subprotocols = &ours;
  auto out = accept_websocket(
      upgrade("Sec-WebSocket-Protocol: chat, v1.wshub\r\nSec-WebSocket-Protocol: v2.wshub\r\n"), options_);
  EXPECT_EQ(out.status, 101);
  EXPECT_EQ(out.subprotocol, "v2.wshub");
  EXPECT_NE(out.response.find("\r\nSec-WebSocket-Protocol: v2.wshub\r\n"), std::string::npos);
}

TEST_F(HandshakeTest, NoCommonSubprotocolMeansNoHeader) {
  std::vector<std::string> ours = {"v1.wshub"};
  options_.subprotocols = &ours;
  auto out = accept_websocket(upgrade("Sec-WebSocket-Protocol: chat,V1.WSHUB\r\n"), options_);
  EXPECT_EQ(out.status, 101);
  EXPECT_TRUE(out.subprotocol.empty());
  EXPECT_EQ(out.response.find("Sec-WebSocket-Protocol"), std::string::npos);
}

TEST_F(HandshakeTest, DeflateNegotiatedWhenEnabled) {
  auto out = accept_websocket(
      upgrade("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"), options_);
  EXPECT_EQ(out.status, 101);
  ASSERT_TRUE(out.deflate.has_value());
  EXPECT_NE(out.response.find("\r\nSec-WebSocket-Extensions: permessage-deflate"), std::string::npos);
}

TEST_F(HandshakeTest, DeflateNeverNegotiatedWhenDisabled) {
  options_.deflate.enabled = false;
  auto out = accept_websocket(upgrade("Sec-WebSocket-Extensions: permessage-deflate\r\n"), options_);
  EXPECT_EQ(out.status, 101);
  EXPECT_FALSE(out.deflate.has_value());
  EXPECT_EQ(out.response.find("Sec-WebSocket-Extensions"), std::string::npos);
}

TEST_F(HandshakeTest, UnknownExtensionIsIgnored) {
  auto out = accept_websocket(upgrade("Sec-WebSocket-Extensions: x-webkit-deflate-frame\r\n"), options_);
  EXPECT_EQ(out.status, 101);
  EXPECT_FALSE(out.deflate.has_value());
  EXPECT_EQ(out.response.find("Sec-WebSocket-Extensions"), std::string::npos);
}

}  // namespace
}  // namespace wshub::http
