#include "http/Response.h"

#include <gtest/gtest.h>

namespace wshub::http {
namespace {

TEST(Response, ReasonPhrases) {
  EXPECT_EQ(reason_phrase(101), "Switching Protocols");
  EXPECT_EQ(reason_phrase(200), "OK");
  EXPECT_EQ(reason_phrase(413), "Content Too Large");
  EXPECT_EQ(reason_phrase(426), "Upgrade Required");
  EXPECT_EQ(reason_phrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(reason_phrase(505), "HTTP Version Not Supported");
  EXPECT_EQ(reason_phrase(799), "Unknown");
}

TEST(Response, KeepAliveWithBody) {
  EXPECT_EQ(make_response(200, "application/json", "{}", true),
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
            "Connection: keep-alive\r\n\r\n{}");
}

TEST(Response, CloseWithExtraHeaders) {
  Header extra[] = {{"Allow", "GET"}, {"Retry-After", "5"}};
  EXPECT_EQ(make_response(405, "", "", false, extra),
            "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\nAllow: GET\r\n"
            "Retry-After: 5\r\n\r\n");
}

TEST(Response, NoContentHasNoLengthNorBody) {
  EXPECT_EQ(make_response(204, "text/plain", "ignored", true),
            "HTTP/1.1 204 No Content\r\nContent-Type: text/plain\r\nConnection: keep-alive\r\n\r\n");
}

}  // namespace
}  // namespace wshub::http
