#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "http/ResponseParser.h"

namespace wshub::http {
namespace {

using Status = ResponseParser::Status;

ResponseParser::Result feed(ResponseParser& parser, std::string_view text) {
  return parser.feed(std::span<const char>(text.data(), text.size()));
}

// Feeds `text` one byte per call, as the slowest server would send it. Returns the first result that is not
// need_more (its `consumed` made relative to the whole text), or need_more with everything consumed.
ResponseParser::Result feed_bytewise(ResponseParser& parser, std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    auto r = parser.feed(std::span<const char>(text.data() + i, 1));
    if (r.status != Status::need_more) {
      r.consumed += i;
      return r;
    }
    EXPECT_EQ(r.consumed, 1u);
  }
  return {Status::need_more, text.size()};
}

// Both ways must agree on everything; returns the byte-wise parser's result.
struct Parsed {
  ResponseParser::Result result;
  HttpResponse response;
  bool keep_alive = false;
};
Parsed parse_both_ways(std::string_view text, ResponseLimits limits = {}) {
  ResponseParser whole(limits), bytewise(limits);
  auto a = feed(whole, text);
  auto b = feed_bytewise(bytewise, text);
  EXPECT_EQ(a.status, b.status) << text;
  EXPECT_EQ(a.reason, b.reason) << text;
  if (a.status == Status::complete) {
    EXPECT_EQ(a.consumed, b.consumed);
    EXPECT_EQ(whole.response().status, bytewise.response().status);
    EXPECT_EQ(whole.response().body, bytewise.response().body);
    EXPECT_EQ(whole.response().headers, bytewise.response().headers);
    EXPECT_EQ(whole.keep_alive(), bytewise.keep_alive());
  }
  return {b, bytewise.response(), bytewise.keep_alive()};
}

TEST(ResponseParser, ContentLengthBody) {
  constexpr std::string_view kText =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\nX-Trace:  a b \r\n\r\n"
      "{\"ok\":true}";
  auto p = parse_both_ways(kText);
  ASSERT_EQ(p.result.status, Status::complete) << p.result.reason;
  EXPECT_EQ(p.result.consumed, kText.size());
  EXPECT_EQ(p.response.status, 200);
  EXPECT_EQ(p.response.content_type, "application/json");
  EXPECT_EQ(p.response.body, "{\"ok\":true}");
  EXPECT_EQ(p.response.header("x-trace"), "a b");
  EXPECT_EQ(p.response.header("absent"), "");
  ASSERT_EQ(p.response.headers.size(), 3u);
  EXPECT_EQ(p.response.headers[0].first, "Content-Type");
  EXPECT_TRUE(p.keep_alive);
}

TEST(ResponseParser, ChunkedBodyWithExtensionsAndTrailers) {
  constexpr std::string_view kText =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;name=value\r\nhello\r\n"
      "1\r\n \r\n"
      "5\r\nworld\r\n"
      "0\r\nX-Checksum: 1\r\n\r\n";
  auto p = parse_both_ways(kText);
  ASSERT_EQ(p.result.status, Status::complete) << p.result.reason;
  EXPECT_EQ(p.result.consumed, kText.size());
  EXPECT_EQ(p.response.body, "hello world");
  EXPECT_EQ(p.response.header("X-Checksum"), "");  // trailers are discarded
  EXPECT_TRUE(p.keep_alive);
}

TEST(ResponseParser, BodyUntilCloseCompletesAtEndOfStream) {
  constexpr std::string_view kText =
      "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nstreamed until close";
  ResponseParser parser;
  auto r = feed_bytewise(parser, kText);
  EXPECT_EQ(r.status, Status::need_more);
  r = parser.finish();
  ASSERT_EQ(r.status, Status::complete) << r.reason;
  EXPECT_EQ(parser.response().body, "streamed until close");
  EXPECT_FALSE(parser.keep_alive());
  EXPECT_EQ(parser.finish().status, Status::complete);  // idempotent
}

TEST(ResponseParser, EndOfStreamBeforeTheEndIsMalformed) {
  for (std::string_view text :
       {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", "HTTP/1.1 200 OK\r\nContent-Le"}) {
    ResponseParser parser;
    EXPECT_EQ(feed(parser, text).status, Status::need_more);
    auto r = parser.finish();
    EXPECT_EQ(r.status, Status::malformed) << text;
    EXPECT_TRUE(parser.started());
  }
  ResponseParser parser;
  EXPECT_FALSE(parser.started());
  EXPECT_EQ(parser.finish().reason, "no response");
}

TEST(ResponseParser, InterimResponsesAreSkipped) {
  constexpr std::string_view kText =
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
      "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok";
  auto p = parse_both_ways(kText);
  ASSERT_EQ(p.result.status, Status::complete) << p.result.reason;
  EXPECT_EQ(p.result.consumed, kText.size());
  EXPECT_EQ(p.response.status, 201);
  EXPECT_EQ(p.response.body, "ok");
  EXPECT_EQ(p.response.header("Link"), "");  // the 103's headers are not the response's
}

TEST(ResponseParser, NoBodyStatusesIgnoreLengthHeaders) {
  for (std::string_view status : {"204 No Content", "304 Not Modified"}) {
    std::string text = "HTTP/1.1 " + std::string(status) + "\r\nContent-Length: 5\r\n\r\n";
    auto p = parse_both_ways(text);
    ASSERT_EQ(p.result.status, Status::complete) << p.result.reason;
    EXPECT_EQ(p.result.consumed, text.size());
    EXPECT_TRUE(p.response.body.empty());
    EXPECT_TRUE(p.keep_alive);
  }
}

TEST(ResponseParser, ConnectionPersistence) {
  struct Case {
    std::string_view text;
    bool keep_alive;
  };
  for (const Case& c : {
           Case{"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true},
           Case{"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", false},
           Case{"HTTP/1.1 200 OK\r\nConnection: foo, CLOSE\r\nContent-Length: 0\r\n\r\n", false},
           Case{"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false},
           Case{"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", true},
       }) {
    auto p = parse_both_ways(c.text);
    ASSERT_EQ(p.result.status, Status::complete) << c.text;
    EXPECT_EQ(p.keep_alive, c.keep_alive) << c.text;
  }
}

TEST(ResponseParser, BytesAfterTheResponseAreNotConsumed) {
  constexpr std::string_view kFirst = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none";
  constexpr std::string_view kSecond = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo";
  const std::string both = std::string(kFirst) + std::string(kSecond);
  ResponseParser parser;
  auto r = feed(parser, both);
  ASSERT_EQ(r.status, Status::complete);
  EXPECT_EQ(r.consumed, kFirst.size());
  EXPECT_EQ(parser.response().body, "one");
  EXPECT_EQ(feed(parser, "x").consumed, 0u);  // done until reset
  parser.reset();
  r = feed(parser, std::string_view(both).substr(kFirst.size()));
  ASSERT_EQ(r.status, Status::complete);
  EXPECT_EQ(parser.response().body, "two");
}

TEST(ResponseParser, RejectsMalformedResponses) {
  for (std::string_view text : {
           "garbage\r\n\r\n",
           "HTTP/1.1 2000 OK\r\n\r\n",
           "HTTP/1.1 099 Low\r\nContent-Length: 0\r\n\r\n",
           "HTTP/1.1 600 High\r\nContent-Length: 0\r\n\r\n",
           "HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n",
           "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n",
           "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n",
           "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
           "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxx",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
           "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
           "HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\nx",
           "HTTP/1.1 200 OK\r\nX: a\rb\r\nContent-Length: 0\r\n\r\n",
           "HTTP/1.1 200 OK\r\nX: a\r\n folded\r\nContent-Length: 0\r\n\r\n",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXY0\r\n\r\n",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
       }) {
    auto p = parse_both_ways(text);
    EXPECT_EQ(p.result.status, Status::malformed) << text;
    EXPECT_FALSE(p.result.reason.empty());
  }
}

TEST(ResponseParser, LimitsTripBeforeTheBytesArrive) {
  ResponseLimits limits;
  limits.max_body_bytes = 10;
  limits.max_header_bytes = 64;
  limits.max_headers = 2;
  struct Case {
    std::string text;
    std::string_view reason;
  };
  const std::string big_header = "HTTP/1.1 200 OK\r\nX: " + std::string(80, 'a') + "\r\n\r\n";
  const std::string big_extension = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" +
                                    std::string(100, 'e') + "\r\nx\r\n0\r\n\r\n";
  for (const Case& c : {
           Case{"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", "body too large"},
           Case{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n5\r\n",
                "body too large"},
           Case{"HTTP/1.0 200 OK\r\n\r\n0123456789A", "body too large"},
           Case{big_header, "header section too large"},
           Case{"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", "too many header fields"},
           Case{big_extension, "chunk framing too large"},
       }) {
    auto p = parse_both_ways(c.text, limits);
    EXPECT_EQ(p.result.status, Status::too_large) << c.text;
    EXPECT_EQ(p.result.reason, c.reason) << c.text;
  }
  // Exactly at the limits is fine.
  auto p = parse_both_ways("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789", limits);
  EXPECT_EQ(p.result.status, Status::complete) << p.result.reason;
}

TEST(ResponseParser, ResetAfterAnErrorStartsClean) {
  ResponseParser parser;
  EXPECT_EQ(feed(parser, "nonsense\r\n\r\n").status, Status::malformed);
  parser.reset();
  EXPECT_FALSE(parser.started());
  auto r = feed(parser, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx");
  ASSERT_EQ(r.status, Status::complete) << r.reason;
  EXPECT_EQ(parser.response().body, "x");
}

TEST(ResponseParser, LeadingEmptyLinesAreSkipped) {
  auto p = parse_both_ways("\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(p.result.status, Status::complete) << p.result.reason;
}

}  // namespace
}  // namespace wshub::http
