#include "server/ListenAddress.h"

#include <gtest/gtest.h>

namespace wshub::server {
namespace {

ListenConfig parse_ok(std::string_view text) {
  std::string error;
  std::optional<ListenConfig> listen = parse_listen_address(text, error);
  EXPECT_TRUE(listen) << text << ": " << error;
  return listen.value_or(ListenConfig{});
}

std::string parse_error(std::string_view text) {
  std::string error;
  EXPECT_FALSE(parse_listen_address(text, error)) << text;
  return error;
}

TEST(ListenAddress, ParsesIpv4) {
  ListenConfig listen = parse_ok("127.0.0.1:8080");
  EXPECT_EQ(listen.host, "127.0.0.1");
  EXPECT_EQ(listen.port, 8080);
  EXPECT_EQ(parse_ok("0.0.0.0:65535").port, 65535);
  EXPECT_EQ(parse_ok("0.0.0.0:0").port, 0);  // the kernel picks a port
}

TEST(ListenAddress, ParsesBracketedIpv6WithoutTheBrackets) {
  ListenConfig listen = parse_ok("[::1]:8080");
  EXPECT_EQ(listen.host, "::1");
  EXPECT_EQ(listen.port, 8080);
  EXPECT_EQ(parse_ok("[::]:9000").host, "::");
  EXPECT_EQ(parse_ok("[fe80::1:2]:1").host, "fe80::1:2");
}

TEST(ListenAddress, ParsesHostNames) {
  EXPECT_EQ(parse_ok("localhost:8000").host, "localhost");
  EXPECT_EQ(parse_ok("ws-1.example.com:443").host, "ws-1.example.com");
}

TEST(ListenAddress, RejectsBadPorts) {
  EXPECT_NE(parse_error("127.0.0.1:65536").find("port '65536'"), std::string::npos);
  EXPECT_NE(parse_error("127.0.0.1:-1").find("port"), std::string::npos);
  EXPECT_NE(parse_error("127.0.0.1:").find("port"), std::string::npos);
  EXPECT_NE(parse_error("127.0.0.1:80x").find("port"), std::string::npos);
  EXPECT_NE(parse_error("[::1]:http").find("port"), std::string::npos);
  EXPECT_NE(parse_error("127.0.0.1").find("no port"), std::string::npos);
  EXPECT_NE(parse_error("[::1]").find("no port"), std::string::npos);
}

TEST(ListenAddress, RejectsBadHosts) {
  EXPECT_NE(parse_error("::1:8080").find("brackets"), std::string::npos);
  EXPECT_NE(parse_error(":8080").find("no host"), std::string::npos);
  EXPECT_NE(parse_error("[::1:8080").find("without ']'"), std::string::npos);
  EXPECT_NE(parse_error("[127.0.0.1]:80").find("not an IPv6"), std::string::npos);
  EXPECT_NE(parse_error("999.0.0.1:80").find("neither"), std::string::npos);
  EXPECT_NE(parse_error("1.2.3:80").find("neither"), std::string::npos);
  EXPECT_NE(parse_error("bad_host:80").find("neither"), std::string::npos);
  EXPECT_NE(parse_error("-bad.example:80").find("neither"), std::string::npos);
  EXPECT_NE(parse_error("a..b:80").find("neither"), std::string::npos);
}

TEST(ListenAddress, FormatRoundTrips) {
  for (const char* text : {"0.0.0.0:8000", "[::1]:8080", "localhost:0", "[::]:443"}) {
    EXPECT_EQ(format_listen_address(parse_ok(text)), text);
  }
}

}  // namespace
}  // namespace wshub::server
