#include "server/ConnectionLimits.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <cstring>

namespace wshub::server {
namespace {

sockaddr_storage v4(const char* address, uint16_t port = 1234) {
  sockaddr_storage s{};
  auto& a = reinterpret_cast<sockaddr_in&>(s);
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, address, &a.sin_addr);
  return s;
}

sockaddr_storage v6(const char* address, uint16_t port = 1234) {
  sockaddr_storage s{};
  auto& a = reinterpret_cast<sockaddr_in6&>(s);
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(port);
  inet_pton(AF_INET6, address, &a.sin6_addr);
  return s;
}

TEST(ConnectionLimits, TheAddressKeyIgnoresThePortAndUnmapsIPv4) {
  EXPECT_EQ(ConnectionLimits::address_key(v4("127.0.0.2", 1)),
            ConnectionLimits::address_key(v4("127.0.0.2", 2)));
  EXPECT_NE(ConnectionLimits::address_key(v4("127.0.0.2")), ConnectionLimits::address_key(v4("127.0.0.3")));
  EXPECT_EQ(ConnectionLimits::address_key(v4("127.0.0.2")).size(), 4u);
  EXPECT_EQ(ConnectionLimits::address_key(v6("::ffff:127.0.0.2")),
            ConnectionLimits::address_key(v4("127.0.0.2")));
  EXPECT_EQ(ConnectionLimits::address_key(v6("2001:db8::1")).size(), 16u);
  EXPECT_NE(ConnectionLimits::address_key(v6("2001:db8::1")),
            ConnectionLimits::address_key(v6("2001:db8::2")));
}

TEST(ConnectionLimits, PerAddressThenTotal) {
  LimitsConfig config;
  config.max_connections = 3;
  config.max_connections_per_ip = 2;
  ConnectionLimits limits(config);
  EXPECT_EQ(limits.admit_websocket(v4("10.0.0.1", 1)), ConnectionRefusal::none);
  EXPECT_EQ(limits.admit_websocket(v4("10.0.0.1", 2)), ConnectionRefusal::none);
  EXPECT_EQ(limits.admit_websocket(v4("10.0.0.1", 3)), ConnectionRefusal::per_ip);
  EXPECT_EQ(limits.admit_websocket(v4("10.0.0.2")), ConnectionRefusal::none);
  EXPECT_EQ(limits.admit_websocket(v4("10.0.0.3")), ConnectionRefusal::total);
  EXPECT_EQ(limits.open_websockets(), 3u);
  limits.release_websocket(v4("10.0.0.1", 1));
  EXPECT_EQ(limits.admit_websocket(v4("10.0.0.3")), ConnectionRefusal::none);
}

TEST(ConnectionLimits, TheAcceptRateHasABurst) {
  LimitsConfig config;
  config.accept_rate = 1;  // one a second: no refill within the test
  config.accept_burst = 4;
  ConnectionLimits limits(config);
  auto now = std::chrono::steady_clock::now();
  int admitted = 0;
  for (int i = 0; i < 10; ++i) admitted += limits.accept_allowed(now);
  EXPECT_EQ(admitted, 4);
}

TEST(ConnectionLimits, ZeroTurnsEveryLimitOff) {
  LimitsConfig config;
  config.max_connections = config.max_connections_per_ip = config.accept_rate = 0;
  ConnectionLimits limits(config);
  auto now = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(limits.accept_allowed(now));
    ASSERT_EQ(limits.admit_websocket(v4("10.0.0.1")), ConnectionRefusal::none);
  }
}

TEST(ConnectionLimits, TheRefusalIsA429WithAJsonBody) {
  std::string response = refusal_response(ConnectionRefusal::per_ip);
  EXPECT_TRUE(response.starts_with("HTTP/1.1 429 Too Many Requests\r\n")) << response;
  EXPECT_NE(response.find("Retry-After: 1\r\n"), std::string::npos);
  EXPECT_NE(response.find("Connection: close\r\n"), std::string::npos);
  EXPECT_TRUE(response.ends_with(
      "\r\n\r\n{\"error\":{\"code\":111,\"message\":\"too many connections from this address\"}}\n"))
      << response;
}

}  // namespace
}  // namespace wshub::server
