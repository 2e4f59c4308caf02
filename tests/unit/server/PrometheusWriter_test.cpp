#include "server/PrometheusWriter.h"

#include <gtest/gtest.h>

#include <chrono>

namespace wshub::server {
namespace {

using Type = PrometheusWriter::Type;

TEST(PrometheusWriter, FamilyHasHelpTypeAndSamples) {
  PrometheusWriter w;
  w.family("wshub_things_total", Type::counter, "Things counted.");
  w.sample({}, uint64_t{3});
  w.sample({{"kind", "a"}, {"code", "1000"}}, uint64_t{4});
  w.gauge("wshub_level", "A level.", 0.5);
  EXPECT_EQ(w.text(),
            "# HELP wshub_things_total Things counted.\n"
            "# TYPE wshub_things_total counter\n"
            "wshub_things_total 3\n"
            "wshub_things_total{kind=\"a\",code=\"1000\"} 4\n"
            "# HELP wshub_level A level.\n"
            "# TYPE wshub_level gauge\n"
            "wshub_level 0.5\n");
}

TEST(PrometheusWriter, LabelValuesAndHelpAreEscaped) {
  PrometheusWriter w;
  w.family("m", Type::gauge, "back\\slash and\nnewline \"quotes stay\"");
  w.sample({{"v", "a\"b\\c\nd"}}, int64_t{-2});
  EXPECT_EQ(w.text(),
            "# HELP m back\\\\slash and\\nnewline \"quotes stay\"\n"
            "# TYPE m gauge\n"
            "m{v=\"a\\\"b\\\\c\\nd\"} -2\n");
}

TEST(PrometheusWriter, DoublesAndSpecialValues) {
  PrometheusWriter w;
  w.family("d", Type::gauge, "x");
  w.sample({}, 1e21);
  w.sample({}, 12.0);
  w.sample({}, std::numeric_limits<double>::infinity());
  w.sample({}, -std::numeric_limits<double>::infinity());
  w.sample({}, std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(w.text(), "# HELP d x\n# TYPE d gauge\nd 1e+21\nd 12\nd +Inf\nd -Inf\nd NaN\n");
}

TEST(PrometheusWriter, HistogramBucketsAreCumulativeInSeconds) {
  hub::DurationHistogram h;
  h.observe(std::chrono::microseconds(50));    // <= 100 µs
  h.observe(std::chrono::microseconds(100));   // <= 100 µs (bounds are inclusive)
  h.observe(std::chrono::milliseconds(3));     // <= 5 ms
  h.observe(std::chrono::seconds(60));         // +Inf
  hub::DurationHistogram::Snapshot s;
  h.add_to(s);
  PrometheusWriter w;
  w.family("lat_seconds", Type::histogram, "Latency.");
  w.histogram({{"op", "p"}}, s);
  const std::string& t = w.text();
  EXPECT_NE(t.find("lat_seconds_bucket{op=\"p\",le=\"0.0001\"} 2\n"), std::string::npos) << t;
  EXPECT_NE(t.find("lat_seconds_bucket{op=\"p\",le=\"0.0025\"} 2\n"), std::string::npos) << t;
  EXPECT_NE(t.find("lat_seconds_bucket{op=\"p\",le=\"0.005\"} 3\n"), std::string::npos) << t;
  EXPECT_NE(t.find("lat_seconds_bucket{op=\"p\",le=\"10\"} 3\n"), std::string::npos) << t;
  EXPECT_NE(t.find("lat_seconds_bucket{op=\"p\",le=\"+Inf\"} 4\n"), std::string::npos) << t;
  EXPECT_NE(t.find("lat_seconds_sum{op=\"p\"} 60.00315\n"), std::string::npos) << t;
  EXPECT_NE(t.find("lat_seconds_count{op=\"p\"} 4\n"), std::string::npos) << t;
}

TEST(PrometheusWriter, NameValidation) {
  EXPECT_TRUE(PrometheusWriter::valid_name("wshub_a:b_1"));
  EXPECT_FALSE(PrometheusWriter::valid_name("1abc"));
  EXPECT_FALSE(PrometheusWriter::valid_name("a-b"));
  EXPECT_FALSE(PrometheusWriter::valid_name(""));
}

TEST(DurationHistogram, NegativeDurationsCountAsZero) {
  hub::DurationHistogram h;
  h.observe(std::chrono::nanoseconds(-5));
  hub::DurationHistogram::Snapshot s;
  h.add_to(s);
  EXPECT_EQ(s.counts[0], 1u);
  EXPECT_EQ(s.sum_nanos, 0u);
}

}  // namespace
}  // namespace wshub::server
