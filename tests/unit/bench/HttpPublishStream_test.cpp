#include "HttpPublishStream.h"

#include <gtest/gtest.h>

#include <string>

namespace wshub::bench {
namespace {

// Renders "REQ <seq>\n" so the output shows which requests were written, and in what order.
HttpPublishStream make(int window, int* renders = nullptr) {
  return HttpPublishStream(window, 3, [renders](PendingPublish& p, uint64_t now) {
    p.stamp_ns = now;
    p.request = "REQ " + std::to_string(p.seq) + "\n";
    if (renders) ++*renders;
  });
}

PendingPublish pub(uint64_t seq, uint32_t channel = 0) {
  PendingPublish p;
  p.seq = seq;
  p.channel = channel;
  p.due_ns = 100;
  return p;
}

const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 25\r\n\r\n"
                        "{\"offset\":1,\"epoch\":\"e\"}\n";

HttpPublishStream::FeedResult feed(HttpPublishStream& s, const std::string& bytes) {
  return s.feed({bytes.data(), bytes.size()});
}

TEST(HttpPublishStream, WindowOfOneSendsOneAtATimeStampedWhenWritten) {
  auto s = make(1);
  s.enqueue(pub(0));
  s.enqueue(pub(1));
  EXPECT_EQ(s.fill_window(500), 1u);
  EXPECT_EQ(s.output(), "REQ 0\n");
  EXPECT_TRUE(s.window_full());
  EXPECT_EQ(s.fill_window(600), 0u);
  s.wrote(6);
  EXPECT_TRUE(s.output().empty());

  auto r = feed(s, kOk);
  ASSERT_EQ(r.answers.size(), 1u);
  EXPECT_EQ(r.answers[0].status, 200);
  EXPECT_EQ(r.answers[0].publish.seq, 0u);
  EXPECT_EQ(r.answers[0].publish.stamp_ns, 500u);  // the write, not the due time (100)
  EXPECT_FALSE(r.close);
  EXPECT_EQ(s.fill_window(700), 1u);
  EXPECT_EQ(s.output(), "REQ 1\n");
}

TEST(HttpPublishStream, PipelinedResponsesSplitAnywhereMatchInOrder) {
  const std::string two = kOk + "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";
  for (size_t cut = 0; cut <= two.size(); ++cut) {
    auto s = make(4);
    for (uint64_t i = 0; i < 2; ++i) s.enqueue(pub(i, static_cast<uint32_t>(i)));
    s.fill_window(1);
    auto a = feed(s, two.substr(0, cut));
    auto b = feed(s, two.substr(cut));
    a.answers.insert(a.answers.end(), b.answers.begin(), b.answers.end());
    ASSERT_EQ(a.answers.size(), 2u) << "cut at " << cut;
    EXPECT_EQ(a.answers[0].status, 200);
    EXPECT_EQ(a.answers[0].publish.seq, 0u);
    EXPECT_EQ(a.answers[1].status, 503);
    EXPECT_EQ(a.answers[1].publish.channel, 1u);
    EXPECT_FALSE(a.close || b.close);
    EXPECT_EQ(s.in_flight(), 0u);
  }
}

TEST(HttpPublishStream, ChunkedBodyAndInterimResponseAreOneAnswer) {
  auto s = make(1);
  s.enqueue(pub(7));
  s.fill_window(1);
  auto r = feed(s,
                "HTTP/1.1 100 Continue\r\n\r\n"
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  ASSERT_EQ(r.answers.size(), 1u);
  EXPECT_EQ(r.answers[0].status, 200);
  EXPECT_FALSE(r.close);
}

TEST(HttpPublishStream, ConnectionCloseHeaderEndsTheConnectionWithoutError) {
  auto s = make(2);
  s.enqueue(pub(0));
  s.enqueue(pub(1));
  s.fill_window(1);
  auto r = feed(s, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(r.answers.size(), 1u);
  EXPECT_TRUE(r.close);
  EXPECT_FALSE(r.error);
  // The second request had no answer: it goes back to the queue and is sent again as it was.
  EXPECT_TRUE(s.connection_ended().empty());
  EXPECT_EQ(s.in_flight(), 0u);
  EXPECT_EQ(s.waiting(), 1u);
  EXPECT_EQ(s.fill_window(99), 1u);
  EXPECT_EQ(s.output(), "REQ 1\n");
  EXPECT_EQ(s.resent(), 1u);
}

TEST(HttpPublishStream, IdleCloseBetweenResponsesIsOrderly) {
  auto s = make(1);
  s.enqueue(pub(0));
  s.fill_window(1);
  s.wrote(6);
  auto r = feed(s, kOk);
  ASSERT_EQ(r.answers.size(), 1u);
  r = s.finish();  // the server's idle timeout
  EXPECT_TRUE(r.close);
  EXPECT_FALSE(r.error);
  EXPECT_TRUE(r.answers.empty());
  EXPECT_TRUE(s.connection_ended().empty());
  EXPECT_EQ(s.outstanding(), 0u);
}

TEST(HttpPublishStream, CloseMidResponseIsAnErrorAndTheRequestIsResentWithItsStamp) {
  int renders = 0;
  auto s = make(1, &renders);
  s.enqueue(pub(3));
  s.fill_window(42);
  s.wrote(3);  // part of it written
  feed(s, "HTTP/1.1 200 OK\r\nContent-Len");
  auto r = s.finish();
  EXPECT_TRUE(r.close);
  EXPECT_TRUE(r.error);
  EXPECT_TRUE(s.connection_ended().empty());
  EXPECT_TRUE(s.output().empty());  // the half-written bytes are not carried to the next connection
  EXPECT_EQ(s.fill_window(1000), 1u);
  EXPECT_EQ(s.output(), "REQ 3\n");  // whole again
  EXPECT_EQ(renders, 1);             // not rendered again: same bytes, same stamp
  auto ok = feed(s, kOk);
  ASSERT_EQ(ok.answers.size(), 1u);
  EXPECT_EQ(ok.answers[0].publish.stamp_ns, 42u);
  EXPECT_EQ(ok.answers[0].publish.attempts, 2);
}

TEST(HttpPublishStream, GivesUpAfterThreeSendsInOrder) {
  auto s = make(2);
  s.enqueue(pub(0));
  s.enqueue(pub(1));
  for (int attempt = 1; attempt < 3; ++attempt) {
    s.fill_window(1);
    EXPECT_TRUE(s.connection_ended().empty());
  }
  s.fill_window(1);
  const auto given_up = s.connection_ended();
  ASSERT_EQ(given_up.size(), 2u);
  EXPECT_EQ(given_up[0].seq, 0u);
  EXPECT_EQ(given_up[1].seq, 1u);
  EXPECT_EQ(s.outstanding(), 0u);
  EXPECT_EQ(s.resent(), 4u);
}

TEST(HttpPublishStream, ResentRequestsKeepTheirPlaceBeforeNewOnes) {
  auto s = make(1);
  s.enqueue(pub(0));
  s.fill_window(1);
  s.enqueue(pub(1));
  s.connection_ended();
  s.fill_window(2);
  EXPECT_EQ(s.output(), "REQ 0\n");
}

TEST(HttpPublishStream, AResponseWithNoRequestIsAnError) {
  auto s = make(1);
  auto r = feed(s, kOk);
  EXPECT_TRUE(r.close);
  EXPECT_TRUE(r.error);
  EXPECT_TRUE(r.answers.empty());
}

TEST(HttpPublishStream, MalformedResponseIsAnErrorNotAnAnswer) {
  auto s = make(1);
  s.enqueue(pub(0));
  s.fill_window(1);
  auto r = feed(s, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc");
  EXPECT_TRUE(r.close);
  EXPECT_TRUE(r.error);
  EXPECT_TRUE(r.answers.empty());
  EXPECT_TRUE(s.connection_ended().empty());
  EXPECT_EQ(s.waiting(), 1u);
}

TEST(HttpPublishStream, PartialWritesLeaveTheRestToWrite) {
  auto s = make(2);
  s.enqueue(pub(0));
  s.enqueue(pub(1));
  s.fill_window(1);
  EXPECT_EQ(s.output(), "REQ 0\nREQ 1\n");
  s.wrote(8);
  EXPECT_EQ(s.output(), "Q 1\n");
  s.wrote(4);
  EXPECT_TRUE(s.output().empty());
}

}  // namespace
}  // namespace wshub::bench
