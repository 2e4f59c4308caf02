#include "DeliveryParser.h"

#include <gtest/gtest.h>

namespace wshub::bench {
namespace {

TEST(DeliveryParser, ReadsChannelSeqAndTimeFromTheWshubShape) {
  Delivery d;
  const std::string m =
      R"({"type":"bench","channel":"bench:7","offset":21,"payload":{"seq":123,"t":987654321,"pad":"xx"},)"
      R"("from":{"client":"c1","user":""}})";
  ASSERT_EQ(classify(m, d), MessageKind::delivery);
  EXPECT_EQ(d.channel, "bench:7");
  EXPECT_EQ(d.seq, 123u);
  EXPECT_EQ(d.sent_ns, 987654321u);
}

TEST(DeliveryParser, IgnoresEnvelopeFieldsWithTheSameNames) {
  Delivery d;
  // "t" and "seq" before the payload belong to the envelope, not to the publication.
  const std::string m = R"({"type":"bench","t":1,"seq":2,"channel":"c","payload":{"t":55, "seq": 66}})";
  ASSERT_EQ(classify(m, d), MessageKind::delivery);
  EXPECT_EQ(d.seq, 66u);
  EXPECT_EQ(d.sent_ns, 55u);
}

TEST(DeliveryParser, ClassifiesReplies) {
  Delivery d;
  EXPECT_EQ(classify(R"({"type":"subscribed","id":1,"channel":"bench:0","offset":0})", d),
            MessageKind::subscribed);
  EXPECT_EQ(classify(R"({"type":"ack","id":9})", d), MessageKind::ack);
  EXPECT_EQ(classify(R"({"type":"error","id":4,"code":103,"message":"x"})", d), MessageKind::error);
  EXPECT_EQ(classify(R"({"type":"pong"})", d), MessageKind::other);
  EXPECT_EQ(classify(R"({"type":"bench","payload":{"seq":1}})", d), MessageKind::other);  // no "t"
  EXPECT_EQ(classify("not json", d), MessageKind::other);
}

TEST(DeliveryParser, FindsNumbers) {
  EXPECT_EQ(find_number(R"({"type":"error","id":42,"code":103})", "id"), 42);
  EXPECT_EQ(find_number(R"({"type":"error"})", "id"), -1);
}

}  // namespace
}  // namespace wshub::bench
