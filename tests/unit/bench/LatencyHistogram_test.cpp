#include "LatencyHistogram.h"

#include <gtest/gtest.h>

#include "Url.h"

namespace wshub::bench {
namespace {

TEST(LatencyHistogram, SerializeThenParseIsAMerge) {
  LatencyHistogram a;
  for (uint64_t v : {1u, 100u, 5'000u, 1'000'000u, 1'000'000u, 3'000'000'000u}) a.record(v);
  LatencyHistogram b;
  b.record(7);
  ASSERT_TRUE(b.parse(a.serialize()));
  EXPECT_EQ(b.count(), a.count() + 1);
  EXPECT_EQ(b.max(), a.max());
  EXPECT_EQ(b.value_at_quantile(1.0), a.value_at_quantile(1.0));
  LatencyHistogram c;
  ASSERT_TRUE(c.parse(a.serialize()));
  for (double q : {0.0, 0.5, 0.9, 0.99}) EXPECT_EQ(c.value_at_quantile(q), a.value_at_quantile(q));
  EXPECT_DOUBLE_EQ(c.mean(), a.mean());
}

TEST(LatencyHistogram, ParseRejectsGarbage) {
  LatencyHistogram h;
  EXPECT_FALSE(h.parse("x"));
  EXPECT_FALSE(h.parse("1 2 3 99999999:1"));
  EXPECT_TRUE(h.parse("0 0 0"));
}

TEST(Url, Schemes) {
  Url u;
  ASSERT_TRUE(parse_url("wss://127.0.0.1:8443/echo?x=1", u));
  EXPECT_TRUE(u.tls());
  EXPECT_EQ(u.port, 8443);
  EXPECT_EQ(u.path, "/echo?x=1");
  ASSERT_TRUE(parse_url("http://localhost", u));
  EXPECT_EQ(u.port, 80);
  EXPECT_EQ(u.path, "/");
  EXPECT_FALSE(parse_url("ftp://x", u));
  EXPECT_FALSE(parse_url("ws://h:99999/", u));
}

}  // namespace
}  // namespace wshub::bench
