#include <gtest/gtest.h>

#include "WsUrl.h"

using namespace wshub::client;

TEST(WsUrl, PlainWithPortAndPath) {
  auto u = parse_ws_url("ws://127.0.0.1:8000/websocket?x=1#frag");
  ASSERT_TRUE(u);
  EXPECT_FALSE(u->secure);
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8000);
  EXPECT_EQ(u->path, "/websocket?x=1");
  EXPECT_EQ(host_header(*u), "127.0.0.1:8000");
}

TEST(WsUrl, SecureDefaultsAndIpv6) {
  auto u = parse_ws_url("WSS://example.com");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->secure);
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->path, "/");
  EXPECT_EQ(host_header(*u), "example.com");
  auto v = parse_ws_url("ws://[::1]:9/a");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->host, "::1");
  EXPECT_EQ(host_header(*v), "[::1]:9");
  auto q = parse_ws_url("ws://h?q");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->path, "/?q");
}

TEST(WsUrl, Refusals) {
  for (const char* bad :
       {"http://h/", "ws://", "ws://user@h/", "ws://h:/", "ws://h:0/", "ws://h:65536/", "ws://h:80x/",
        "ws://[::1/", "ws://[]/", "ws://h/a b", "ws://h h/", "ws://[::1]x/"}) {
    EXPECT_FALSE(parse_ws_url(bad)) << bad;
  }
}
