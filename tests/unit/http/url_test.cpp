#include "http/Url.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <string>

#include "http/ResolvedEndpoint.h"

namespace wshub::http {
namespace {

TEST(Url, ParsesHostPortAndPath) {
  auto url = parse_url("http://127.0.0.1:8080/rpc/v1?x=1#frag");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->path, "/rpc/v1?x=1");
  EXPECT_EQ(host_header(*url), "127.0.0.1:8080");
}

TEST(Url, Defaults) {
  auto url = parse_url("HTTP://backend.internal");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "backend.internal");
  EXPECT_EQ(url->port, 80);
  EXPECT_EQ(url->path, "/");
  EXPECT_EQ(host_header(*url), "backend.internal");
  EXPECT_EQ(parse_url("http://h?q=1")->path, "/?q=1");
}

TEST(Url, Ipv6Literal) {
  auto url = parse_url("http://[::1]:9000/x");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 9000);
  EXPECT_EQ(host_header(*url), "[::1]:9000");
  EXPECT_EQ(host_header(*parse_url("http://[::1]/")), "[::1]");
}

TEST(Url, RefusesWhatCouldNotBeSentVerbatim) {
  for (const char* text :
       {"https://a/", "ftp://a/", "http://", "http:///x", "http://a:/", "http://a:0/", "http://a:65536/",
        "http://a:80x/", "http://user@a/", "http://a b/", "http://a/b c", "http://a/\r\nX: y", "http://[::1/",
        "http://[::1]x/", "http://[1.2.3.4]/", "http://[::1%25eth0]/", "http://a:b:c/", "http:/a"}) {
    EXPECT_FALSE(parse_url(text)) << text;
  }
}

TEST(ResolvedEndpoint, NumericAddressesResolveWithoutDns) {
  std::string error;
  auto v4 = resolve(*parse_url("http://127.0.0.1:8080/"), error);
  ASSERT_TRUE(v4) << error;
  ASSERT_EQ(v4->address.ss_family, AF_INET);
  EXPECT_EQ(ntohs(reinterpret_cast<const sockaddr_in*>(&v4->address)->sin_port), 8080);
  EXPECT_EQ(v4->host_header, "127.0.0.1:8080");
  EXPECT_EQ(v4->pool_key, "127.0.0.1:8080 127.0.0.1:8080");

  auto v6 = resolve(*parse_url("http://[::1]:81/"), error);
  ASSERT_TRUE(v6) << error;
  EXPECT_EQ(v6->address.ss_family, AF_INET6);
  EXPECT_EQ(v6->pool_key, "[::1]:81 [::1]:81");
}

TEST(ResolvedEndpoint, UnknownNameIsAnError) {
  std::string error;
  EXPECT_FALSE(resolve(*parse_url("http://no-such-host.invalid/"), error));
  EXPECT_NE(error.find("no-such-host.invalid"), std::string::npos);
}

}  // namespace
}  // namespace wshub::http
