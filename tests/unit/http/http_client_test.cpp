#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/HttpClient.h"
#include "http/ResolvedEndpoint.h"
#include "http/Url.h"
#include "net/EventLoop.h"
#include "scripted_http_server.h"

namespace wshub::http {
namespace {

using namespace std::chrono_literals;
using testing::ScriptedHttpServer;
using Reply = ScriptedHttpServer::Reply;
using Clock = std::chrono::steady_clock;

ResolvedEndpoint endpoint_for(const std::string& url) {
  std::string error;
  auto endpoint = resolve(*parse_url(url), error);
  EXPECT_TRUE(endpoint) << error;
  return *endpoint;
}

// One request's outcome, as its callback saw it.
struct Outcome {
  bool done = false;
  std::optional<HttpResponse> response;
  std::optional<HttpClientError> error;
  Clock::time_point at;
};

class HttpClientTest : public ::testing::Test {
 protected:
  // Runs the loop on this thread until `done()` holds (checked every wheel tick) or `limit` passes.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 5000ms) {
    struct Poll {
      net::EventLoop* loop;
      const std::function<bool()>* done;
      Clock::time_point deadline;
      net::TimerNode node;
    } poll{&loop, &done, Clock::now() + limit, {}};
    poll.node.owner = &poll;
    poll.node.callback = [](net::TimerNode* node) {
      auto* p = static_cast<Poll*>(node->owner);
      if ((*p->done)() || Clock::now() >= p->deadline) {
        p->loop->stop();
      } else {
        p->loop->timers().schedule(p->node, 1ms);
      }
    };
    if (done()) return true;
    loop.timers().schedule(poll.node, 1ms);
    loop.run();
    loop.timers().cancel(poll.node);
    return done();
  }
  // The wheel measures delays from its last advance; outside run() that is stale. Timing tests call this
  // right before posting, as the loop would be running in production.
  void fresh_wheel_time() { run_for(1ms); }
  void run_for(std::chrono::milliseconds duration) {
    const auto until = Clock::now() + duration;
    run_until([&] { return Clock::now() >= until; }, duration + 1000ms);
  }

  // Posts and records the outcome in `outcomes` (stable addresses: a deque would do, a list is simpler).
  Outcome& post(HttpClient& client, const ResolvedEndpoint& endpoint, std::string body = "{}",
                std::string path = "/rpc") {
    outcomes.emplace_back(std::make_unique<Outcome>());
    Outcome* outcome = outcomes.back().get();
    inside_post = true;
    client.post(endpoint, path, "application/json", std::move(body),
                [this, outcome](HttpResponse* response, const HttpClientError* error) {
                  EXPECT_FALSE(inside_post) << "callback ran inside post()";
                  EXPECT_NE(response == nullptr, error == nullptr) << "exactly one of response and error";
                  outcome->done = true;
                  outcome->at = Clock::now();
                  if (response) outcome->response = std::move(*response);
                  if (error) outcome->error = *error;
                });
    inside_post = false;
    return *outcome;
  }
  bool all_done() const {
    for (const auto& o : outcomes) {
      if (!o->done) return false;
    }
    return true;
  }

  net::EventLoop loop;
  std::vector<std::unique_ptr<Outcome>> outcomes;
  bool inside_post = false;
};

HttpClientOptions options_with(size_t max_connections, size_t max_queued = 1024) {
  HttpClientOptions options;
  options.max_connections_per_origin = max_connections;
  options.max_queued = max_queued;
  return options;
}

std::string describe(const Outcome& o) {
  if (o.error) return std::string(to_string(o.error->kind)) + ": " + o.error->message;
  if (o.response) return std::to_string(o.response->status) + " " + o.response->body;
  return "not done";
}

TEST_F(HttpClientTest, PostsJsonAndReadsContentLengthResponse) {
  ScriptedHttpServer server([](const ScriptedHttpServer::Request& r) {
    return ScriptedHttpServer::ok("{\"echo\":" + r.body + "}");
  });
  HttpClient client(loop, {});
  const auto endpoint = endpoint_for(server.url());
  const std::vector<std::pair<std::string, std::string>> extra = {{"X-Request-Id", "42"}};
  Outcome outcome;
  client.post(
      endpoint, "/rpc?v=1", "application/json", "{\"a\":1}",
      [&](HttpResponse* response, const HttpClientError* error) {
        outcome.done = true;
        if (response) outcome.response = std::move(*response);
        if (error) outcome.error = *error;
      },
      extra);
  EXPECT_FALSE(outcome.done);
  EXPECT_EQ(client.in_flight(), 1u);
  ASSERT_TRUE(run_until([&] { return outcome.done; }));
  ASSERT_TRUE(outcome.response) << describe(outcome);
  EXPECT_EQ(outcome.response->status, 200);
  EXPECT_EQ(outcome.response->content_type, "application/json");
  EXPECT_EQ(outcome.response->body, "{\"echo\":{\"a\":1}}");

  const auto received = server.received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].head,
            "POST /rpc?v=1 HTTP/1.1\r\n"
            "Host: 127.0.0.1:" +
                std::to_string(server.port()) +
                "\r\n"
                "Content-Type: application/json\r\n"
                "Content-Length: 7\r\n"
                "Connection: keep-alive\r\n"
                "X-Request-Id: 42\r\n"
                "\r\n");
  EXPECT_EQ(received[0].body, "{\"a\":1}");
  EXPECT_EQ(client.in_flight(), 0u);
  EXPECT_EQ(client.open_connections(), 1u);  // pooled
}

TEST_F(HttpClientTest, ChunkedResponseArrivingInSmallPieces) {
  ScriptedHttpServer server([](const ScriptedHttpServer::Request&) {
    Reply reply{
        "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
        "6\r\n{\"a\":[\r\n3\r\n1,2\r\n2\r\n]}\r\n0\r\n\r\n"};
    reply.piece = 3;
    return reply;
  });
  HttpClient client(loop, {});
  const auto endpoint = endpoint_for(server.url());
  Outcome& first = post(client, endpoint);
  ASSERT_TRUE(run_until([&] { return first.done; }));
  ASSERT_TRUE(first.response) << describe(first);
  EXPECT_EQ(first.response->status, 201);
  EXPECT_EQ(first.response->body, "{\"a\":[1,2]}");
  // The chunked response ended cleanly: the connection is reused.
  Outcome& second = post(client, endpoint);
  ASSERT_TRUE(run_until([&] { return second.done; }));
  EXPECT_TRUE(second.response) << describe(second);
  EXPECT_EQ(server.connections_accepted(), 1);
}

TEST_F(HttpClientTest, ConnectionCloseIsHonoured) {
  ScriptedHttpServer server([](const ScriptedHttpServer::Request&) {
    Reply reply{"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"};
    reply.close_after = true;
    return reply;
  });
  HttpClient client(loop, {});
  const auto endpoint = endpoint_for(server.url());
  for (int i = 0; i < 3; ++i) {
    Outcome& o = post(client, endpoint);
    ASSERT_TRUE(run_until([&] { return o.done; }));
    ASSERT_TRUE(o.response) << describe(o);
    EXPECT_EQ(o.response->body, "ok");
    EXPECT_EQ(client.open_connections(), 0u);  // not pooled
  }
  EXPECT_EQ(server.connections_accepted(), 3);
}

TEST_F(HttpClientTest, Http10BodyReadUntilClose) {
  ScriptedHttpServer server([](const ScriptedHttpServer::Request&) {
    Reply reply{"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + std::string(100000, 'x')};
    reply.close_after = true;
    return reply;
  });
  HttpClient client(loop, {});
  Outcome& o = post(client, endpoint_for(server.url()));
  ASSERT_TRUE(run_until([&] { return o.done; }));
  ASSERT_TRUE(o.response) << describe(o);
  EXPECT_EQ(o.response->body.size(), 100000u);
  EXPECT_EQ(o.response->content_type, "text/plain");
  EXPECT_EQ(client.open_connections(), 0u);
}

TEST_F(HttpClientTest, InterimResponsesAreSkipped) {
  ScriptedHttpServer server([](const ScriptedHttpServer::Request&) {
    return Reply{"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"};
  });
  HttpClient client(loop, {});
  Outcome& o = post(client, endpoint_for(server.url()));
  ASSERT_TRUE(run_until([&] { return o.done; }));
  ASSERT_TRUE(o.response) << describe(o);
  EXPECT_EQ(o.response->status, 202);
}

TEST_F(HttpClientTest, ErrorStatusIsAResponseNotAnError) {
  ScriptedHttpServer server([](const ScriptedHttpServer::Request&) {
    return Reply{"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy"};
  });
  HttpClient client(loop, {});
  Outcome& o = post(client, endpoint_for(server.url()));
  ASSERT_TRUE(run_until([&] { return o.done; }));
  ASSERT_TRUE(o.response) << describe(o);
  EXPECT_EQ(o.response->status, 503);
  EXPECT_EQ(o.response->body, "busy");
}

TEST_F(HttpClientTest, SlowResponseTimesOut) {
  ScriptedHttpServer server([](const ScriptedHttpServer::Request&) {
    Reply reply = ScriptedHttpServer::ok("{}");
    reply.delay = 3000ms;
    return reply;
  });
  HttpClientOptions options;
  options.timeout = 200ms;
  HttpClient client(loop, options);
  const auto endpoint = endpoint_for(server.url());
  fresh_wheel_time();
  const auto start = Clock::now();
  Outcome& o = post(client, endpoint);
  ASSERT_TRUE(run_until([&] { return o.done; }));
  ASSERT_TRUE(o.error) << describe(o);
  EXPECT_EQ(o.error->kind, HttpClientErrorKind::timeout);
  EXPECT_NE(o.error->message.find("waiting for the response"), std::string::npos) << o.error->message;
  EXPECT_GE(o.at - start, 200ms);
  EXPECT_LT(o.at - start, 1000ms);
  EXPECT_EQ(client.open_connections(), 0u);  // a half-finished exchange is never reused
  EXPECT_EQ(client.in_flight(), 0u);
}

// The timeout runs from post(), so waiting for a connection counts. (With one timeout for all requests the
// request ahead always expires first and its connection goes to the next, which then times out connecting.)
TEST_F(HttpClientTest, TimeInTheQueueCountsTowardsTheTimeout) {
  ScriptedHttpServer server([](const ScriptedHttpServer::Request&) {
    Reply reply = ScriptedHttpServer::ok("{}");
    reply.delay = 3000ms;
    return reply;
  });
  HttpClientOptions options = options_with(1);
  options.timeout = 200ms;
  HttpClient client(loop, options);
  const auto endpoint = endpoint_for(server.url());
  fresh_wheel_time();
  const auto start = Clock::now();
  Outcome& first = post(client, endpoint);
  Outcome& second = post(client, endpoint);
  EXPECT_EQ(client.queued(), 1u);
  ASSERT_TRUE(run_until([&] { return all_done(); }));
  ASSERT_TRUE(first.error && second.error);
  EXPECT_EQ(first.error->kind, HttpClientErrorKind::timeout);
  EXPECT_EQ(second.error->kind, HttpClientErrorKind::timeout);
  EXPECT_LT(second.at - start, 1000ms);
  EXPECT_EQ(client.queued(), 0u);
  EXPECT_EQ(client.in_flight(), 0u);
}

TEST_F(HttpClientTest, HugeBodyIsTooLarge) {
  ScriptedHttpServer server([](const ScriptedHttpServer::Request& r) {
    if (r.body == "\"length\"") return ScriptedHttpServer::ok(std::string(5000, 'x'));
    std::string chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 6; ++i) chunked += "1f4\r\n" + std::string(500, 'y') + "\r\n";
    return Reply{chunked + "0\r\n\r\n"};
  });
  HttpClientOptions options;
  options.max_response_size = 1000;
  HttpClient client(loop, options);
  const auto endpoint = endpoint_for(server.url());
  Outcome& by_length = post(client, endpoint, "\"length\"");
  Outcome& by_chunks = post(client, endpoint, "\"chunks\"");
  ASSERT_TRUE(run_until([&] { return all_done(); }));
  ASSERT_TRUE(by_length.error) << describe(by_length);
  EXPECT_EQ(by_length.error->kind, HttpClientErrorKind::too_large);
  ASSERT_TRUE(by_chunks.error) << describe(by_chunks);
  EXPECT_EQ(by_chunks.error->kind, HttpClientErrorKind::too_large);
  EXPECT_EQ(client.open_connections(), 0u);
}

TEST_F(HttpClientTest, MalformedResponseIsBadResponse) {
  ScriptedHttpServer server([](const ScriptedHttpServer::Request& r) {
    if (r.body == "1") return Reply{"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n"};
    if (r.body == "2") return Reply{"SMTP ready\r\n\r\n"};
    Reply truncated{"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"};
    truncated.close_after = true;
    return truncated;
  });
  HttpClient client(loop, {});
  const auto endpoint = endpoint_for(server.url());
  for (const char* body : {"1", "2", "3"}) post(client, endpoint, body);
  ASSERT_TRUE(run_until([&] { return all_done(); }));
  for (const auto& o : outcomes) {
    ASSERT_TRUE(o->error) << describe(*o);
    EXPECT_EQ(o->error->kind, HttpClientErrorKind::bad_response) << o->error->message;
  }
  EXPECT_EQ(client.open_connections(), 0u);
}

// The server closes a pooled connection just as our next request arrives: it is resent once on a new one.
TEST_F(HttpClientTest, RetriesOnceWhenAReusedConnectionDiesUnanswered) {
  ScriptedHttpServer server([](const ScriptedHttpServer::Request& r) {
    if (r.connection == 0 && r.index == 1) return ScriptedHttpServer::drop();
    return ScriptedHttpServer::ok("{\"connection\":" + std::to_string(r.connection) + "}");
  });
  HttpClient client(loop, {});
  const auto endpoint = endpoint_for(server.url());
  Outcome& first = post(client, endpoint);
  ASSERT_TRUE(run_until([&] { return first.done; }));
  Outcome& second = post(client, endpoint);
  ASSERT_TRUE(run_until([&] { return second.done; }));
  ASSERT_TRUE(second.response) << describe(second);
  EXPECT_EQ(second.response->body, "{\"connection\":1}");
  EXPECT_EQ(server.connections_accepted(), 2);
  EXPECT_EQ(server.requests_received(), 3);
}

TEST_F(HttpClientTest, RetriesOnlyOnce) {
  ScriptedHttpServer server([](const ScriptedHttpServer::Request& r) {
    if (r.index == 0 && r.connection == 0) return ScriptedHttpServer::ok("{}");
    return ScriptedHttpServer::drop();
  });
  HttpClient client(loop, {});
  const auto endpoint = endpoint_for(server.url());
  Outcome& first = post(client, endpoint);
  ASSERT_TRUE(run_until([&] { return first.done; }));
  Outcome& second = post(client, endpoint);
  ASSERT_TRUE(run_until([&] { return second.done; }));
  ASSERT_TRUE(second.error) << describe(second);
  EXPECT_EQ(second.error->kind, HttpClientErrorKind::connection_lost);
  EXPECT_EQ(server.requests_received(), 3);  // the first, and the second twice
}

TEST_F(HttpClientTest, NoRetryOnAFreshConnection) {
  ScriptedHttpServer server([](const ScriptedHttpServer::Request&) { return ScriptedHttpServer::drop(); });
  HttpClient client(loop, {});
  Outcome& o = post(client, endpoint_for(server.url()));
  ASSERT_TRUE(run_until([&] { return o.done; }));
  ASSERT_TRUE(o.error) << describe(o);
  EXPECT_EQ(o.error->kind, HttpClientErrorKind::connection_lost);
  EXPECT_EQ(server.requests_received(), 1);
}

// The server closes after its first response without saying so; the next request comes later.
TEST_F(HttpClientTest, ServerClosingAnIdleConnectionIsNoticed) {
  ScriptedHttpServer server([](const ScriptedHttpServer::Request& r) {
    Reply reply = ScriptedHttpServer::ok("{}");
    reply.close_after = r.index == 0;
    return reply;
  });
  HttpClient client(loop, {});
  const auto endpoint = endpoint_for(server.url());
  Outcome& first = post(client, endpoint);
  ASSERT_TRUE(run_until([&] { return first.done; }));
  ASSERT_TRUE(run_until([&] { return client.open_connections() == 0; }));  // the FIN, seen while idle
  Outcome& second = post(client, endpoint);
  ASSERT_TRUE(run_until([&] { return second.done; }));
  EXPECT_TRUE(second.response) << describe(second);
  EXPECT_EQ(server.connections_accepted(), 2);
}

TEST_F(HttpClientTest, ConnectionRefusedIsConnectFailed) {
  // A bound socket that never listens: connecting to its port is refused, and no other test can take it.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  // One connection at a time: the queued requests each get their own attempt as the one before fails.
  HttpClient client(loop, options_with(1));
  const auto endpoint = endpoint_for("http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/");
  for (int i = 0; i < 3; ++i) post(client, endpoint);
  EXPECT_EQ(client.queued(), 2u);
  ASSERT_TRUE(run_until([&] { return all_done(); }));
  for (const auto& o : outcomes) {
    ASSERT_TRUE(o->error) << describe(*o);
    EXPECT_EQ(o->error->kind, HttpClientErrorKind::connect_failed);
    EXPECT_NE(o->error->message.find("refused"), std::string::npos) << o->error->message;
  }
  EXPECT_EQ(client.open_connections(), 0u);
  EXPECT_EQ(client.queued(), 0u);
  ::close(fd);
}

TEST_F(HttpClientTest, ConcurrencyIsBoundedPerOrigin) {
  ScriptedHttpServer server([](const ScriptedHttpServer::Request& r) {
    Reply reply = ScriptedHttpServer::ok(r.body);
    reply.delay = 30ms;
    return reply;
  });
  HttpClient client(loop, options_with(2));
  const auto endpoint = endpoint_for(server.url());
  for (int i = 0; i < 10; ++i) post(client, endpoint, std::to_string(i));
  EXPECT_EQ(client.in_flight(), 2u);
  EXPECT_EQ(client.queued(), 8u);
  EXPECT_EQ(client.open_connections(), 2u);
  ASSERT_TRUE(run_until([&] { return all_done(); }));
  for (size_t i = 0; i < outcomes.size(); ++i) {
    ASSERT_TRUE(outcomes[i]->response) << describe(*outcomes[i]);
    EXPECT_EQ(outcomes[i]->response->body, std::to_string(i));
  }
  EXPECT_LE(server.max_open_at_once(), 2);
  EXPECT_EQ(server.connections_accepted(), 2);
  EXPECT_EQ(client.queued(), 0u);
}

TEST_F(HttpClientTest, OverloadedWhenTheQueueIsFull) {
  ScriptedHttpServer server([](const ScriptedHttpServer::Request&) {
    Reply reply = ScriptedHttpServer::ok("{}");
    reply.delay = 50ms;
    return reply;
  });
  HttpClient client(loop, options_with(1, 2));
  const auto endpoint = endpoint_for(server.url());
  for (int i = 0; i < 5; ++i) post(client, endpoint);
  EXPECT_EQ(client.in_flight(), 1u);
  EXPECT_EQ(client.queued(), 2u);
  for (const auto& o : outcomes) EXPECT_FALSE(o->done);  // even `overloaded` is delivered later
  ASSERT_TRUE(run_until([&] { return all_done(); }));
  for (int i = 0; i < 5; ++i) {
    const Outcome& o = *outcomes[i];
    if (i < 3) {
      EXPECT_TRUE(o.response) << i << ": " << describe(o);
    } else {
      ASSERT_TRUE(o.error) << i << ": " << describe(o);
      EXPECT_EQ(o.error->kind, HttpClientErrorKind::overloaded);
    }
  }
  EXPECT_LT(outcomes[3]->at, outcomes[0]->at);  // refused at once, not after the others
}

TEST_F(HttpClientTest, SequentialRequestsReuseOneConnection) {
  ScriptedHttpServer server(
      [](const ScriptedHttpServer::Request& r) { return ScriptedHttpServer::ok(r.body); });
  HttpClient client(loop, {});
  const auto endpoint = endpoint_for(server.url());
  // Each request is posted from the previous one's callback.
  int completed = 0;
  std::function<void()> next = [&] {
    client.post(endpoint, "/", "text/plain", std::to_string(completed),
                [&](HttpResponse* response, const HttpClientError* error) {
                  ASSERT_TRUE(response) << error->message;
                  EXPECT_EQ(response->body, std::to_string(completed));
                  if (++completed < 10) next();
                });
  };
  next();
  ASSERT_TRUE(run_until([&] { return completed == 10; }));
  EXPECT_EQ(server.connections_accepted(), 1);
  EXPECT_EQ(server.requests_received(), 10);
  EXPECT_EQ(client.open_connections(), 1u);
}

TEST_F(HttpClientTest, IdleConnectionsCloseAfterIdleTimeout) {
  ScriptedHttpServer server([](const ScriptedHttpServer::Request&) { return ScriptedHttpServer::ok("{}"); });
  HttpClientOptions options;
  options.idle_timeout = 100ms;
  HttpClient client(loop, options);
  Outcome& o = post(client, endpoint_for(server.url()));
  ASSERT_TRUE(run_until([&] { return o.done; }));
  EXPECT_EQ(client.open_connections(), 1u);
  ASSERT_TRUE(run_until([&] { return client.open_connections() == 0; }));
  // Pooled in the iteration that read the response, and the callback ran at most an iteration later.
  EXPECT_GE(Clock::now() - o.at, 90ms);
  ASSERT_TRUE(run_until([&] { return server.open_now() == 0; }));  // the server saw our FIN
}

TEST_F(HttpClientTest, LargeRequestBodyIsWrittenWhole) {
  ScriptedHttpServer server([](const ScriptedHttpServer::Request& r) {
    return ScriptedHttpServer::ok(std::to_string(r.body.size()));
  });
  HttpClient client(loop, {});
  const std::string body(8 << 20, 'b');  // beyond any socket buffer: several partial writes
  Outcome& o = post(client, endpoint_for(server.url()), body);
  ASSERT_TRUE(run_until([&] { return o.done; }));
  ASSERT_TRUE(o.response) << describe(o);
  EXPECT_EQ(o.response->body, std::to_string(body.size()));
}

TEST_F(HttpClientTest, OriginsArePooledSeparately) {
  auto script = [](const ScriptedHttpServer::Request&) { return ScriptedHttpServer::ok("{}"); };
  ScriptedHttpServer a(script), b(script);
  HttpClient client(loop, {});
  post(client, endpoint_for(a.url()));
  post(client, endpoint_for(b.url()));
  post(client, endpoint_for(a.url()));
  ASSERT_TRUE(run_until([&] { return all_done(); }));
  EXPECT_EQ(a.requests_received(), 2);
  EXPECT_EQ(b.requests_received(), 1);
  EXPECT_EQ(client.open_connections(), a.connections_accepted() + b.connections_accepted() + 0u);
}

TEST_F(HttpClientTest, FieldsThatCouldBreakFramingAreRefused) {
  ScriptedHttpServer server([](const ScriptedHttpServer::Request&) { return ScriptedHttpServer::ok("{}"); });
  HttpClient client(loop, {});
  const auto endpoint = endpoint_for(server.url());
  post(client, endpoint, "{}", "/x\r\nX-Injected: 1");
  post(client, endpoint, "{}", "relative");
  std::vector<std::pair<std::string, std::string>> bad_headers[] = {
      {{"Content-Length", "1"}}, {{"X-A", "1\r\n\r\nGET / HTTP/1.1"}}, {{"Bad Name", "1"}}};
  for (const auto& headers : bad_headers) {
    outcomes.emplace_back(std::make_unique<Outcome>());
    Outcome* outcome = outcomes.back().get();
    client.post(
        endpoint, "/", "application/json", "{}",
        [outcome](HttpResponse*, const HttpClientError* error) {
          outcome->done = true;
          if (error) outcome->error = *error;
        },
        headers);
  }
  ASSERT_TRUE(run_until([&] { return all_done(); }));
  for (const auto& o : outcomes) {
    ASSERT_TRUE(o->error) << describe(*o);
    EXPECT_EQ(o->error->kind, HttpClientErrorKind::invalid_request);
  }
  EXPECT_EQ(server.connections_accepted(), 0);
}

TEST_F(HttpClientTest, CloseFailsPendingRequestsAndLaterPosts) {
  ScriptedHttpServer server([](const ScriptedHttpServer::Request&) {
    Reply reply = ScriptedHttpServer::ok("{}");
    reply.delay = 2000ms;
    return reply;
  });
  HttpClient client(loop, options_with(1));
  const auto endpoint = endpoint_for(server.url());
  post(client, endpoint);
  post(client, endpoint);
  run_for(50ms);
  client.close();
  post(client, endpoint);
  EXPECT_EQ(client.open_connections(), 0u);
  EXPECT_EQ(client.queued(), 0u);
  ASSERT_TRUE(run_until([&] { return all_done(); }));
  for (const auto& o : outcomes) {
    ASSERT_TRUE(o->error) << describe(*o);
    EXPECT_EQ(o->error->kind, HttpClientErrorKind::closed);
  }
}

TEST_F(HttpClientTest, DestroyingTheClientDropsPendingCallbacks) {
  ScriptedHttpServer server([](const ScriptedHttpServer::Request&) {
    Reply reply = ScriptedHttpServer::ok("{}");
    reply.delay = 2000ms;
    return reply;
  });
  auto client = std::make_unique<HttpClient>(loop, options_with(1));
  const auto endpoint = endpoint_for(server.url());
  post(*client, endpoint);
  post(*client, endpoint);
  run_for(50ms);
  client.reset();
  run_for(100ms);
  for (const auto& o : outcomes) EXPECT_FALSE(o->done);
}

TEST_F(HttpClientTest, ACallbackMayDestroyTheClient) {
  ScriptedHttpServer server([](const ScriptedHttpServer::Request&) { return ScriptedHttpServer::ok("{}"); });
  auto client = std::make_unique<HttpClient>(loop, options_with(4));
  const auto endpoint = endpoint_for(server.url());
  int calls = 0;
  for (int i = 0; i < 3; ++i) {
    client->post(endpoint, "/", "", "", [&](HttpResponse*, const HttpClientError*) {
      ++calls;
      client.reset();
    });
  }
  ASSERT_TRUE(run_until([&] { return client == nullptr; }));
  run_for(150ms);  // the connections it closed are freed a tick later
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace wshub::http
