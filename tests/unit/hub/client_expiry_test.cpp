// Token expiry on a live worker loop and its timing wheel: refresh_required before the
// deadline, a refresh that moves it, the 4004 close without one, and timers that die with
// their client. Real time, kept short: tokens live for a few hundred milliseconds.
#include <gtest/gtest.h>

#include <charconv>
#include <thread>

#include "broker/MemoryBroker.h"
#include "hub/Hub.h"
#include "loop_thread.h"
#include "recording_peer.h"

namespace wshub::hub {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

// Tokens are "<user>:<milliseconds to live>"; "expired" is expired. The JWT verifier has
// its own tests (tests/unit/auth); here only what the hub does with its answer matters.
class TtlAuthenticator final : public Authenticator {
 public:
  Result<Credentials> authenticate(std::string_view token) const override {
    if (token == "expired") return Error{code(ErrorCode::token_expired), "token expired"};
    size_t colon = token.find(':');
    int ms = 0;
    if (colon == std::string_view::npos ||
        std::from_chars(token.data() + colon + 1, token.data() + token.size(), ms).ec != std::errc()) {
      return Error{code(ErrorCode::unauthorized), "bad token"};
    }
    return Credentials{
        std::string(token.substr(0, colon)), {}, Clock::now() + std::chrono::milliseconds(ms), {}};
  }
  Result<Unit> verify_subscription(std::string_view, std::string_view, std::string_view) const override {
    return Error{code(ErrorCode::permission_denied), "no"};
  }
};

class ClientExpiryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HubOptions options;
    options.allow_anonymous = false;
    options.connect_timeout = 300ms;
    options.refresh_before = 30s;  // longer than the tokens: the half-life rule decides
    hub_ = std::make_unique<Hub>(std::move(options), broker_, &authenticator_);
    worker_ = &hub_->add_worker(loop_thread_.loop());
    loop_thread_.start();
  }
  void TearDown() override {
    on_loop([this] { peers_.clear(); });
    loop_thread_.stop();
    hub_.reset();
  }

  template <typename F>
  void on_loop(F&& f) {
    loop_thread_.run(f, false);
  }

  RecordingPeer& open(std::optional<Credentials> credentials = std::nullopt) {
    RecordingPeer* peer = nullptr;
    on_loop([&] {
      peers_.push_back(std::make_unique<RecordingPeer>(*worker_));
      peer = peers_.back().get();
      peer->client = worker_->open_client(*peer, Encoding::json, std::move(credentials));
    });
    return *peer;
  }

  void send(RecordingPeer& peer, std::string_view text) {
    on_loop([&] {
      if (!peer.closed) peer.client->on_frame(bytes(text));
    });
  }

  // The peer's messages, read on the loop thread.
  std::vector<std::string> messages(RecordingPeer& peer) {
    std::vector<std::string> copy;
    on_loop([&] { copy = peer.messages; });
    return copy;
  }
  bool closed(RecordingPeer& peer) {
    bool c = false;
    on_loop([&] { c = peer.closed; });
    return c;
  }
  // Waits until `peer` has received `count` messages (or the deadline passed).
  std::vector<std::string> wait_for_messages(RecordingPeer& peer, size_t count,
                                             std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    std::vector<std::string> got;
    while ((got = messages(peer)).size() < count && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(10ms);
    }
    return got;
  }

  TtlAuthenticator authenticator_;
  broker::MemoryBroker broker_;
  LoopThread loop_thread_;
  std::unique_ptr<Hub> hub_;
  WorkerHub* worker_ = nullptr;
  std::vector<std::unique_ptr<RecordingPeer>> peers_;
};

constexpr std::string_view kRefreshRequired = R"({"type":"refresh_required"})";
constexpr std::string_view kExpired =
    R"({"type":"disconnect","code":4004,"reason":"token expired","reconnect":true})";

TEST_F(ClientExpiryTest, RefreshRequiredHalfWayThenClosedWith4004AtExp) {
  auto start = std::chrono::steady_clock::now();
  RecordingPeer& peer = open(Credentials{"alice", {}, Clock::now() + 600ms, {}});
  std::vector<std::string> got = wait_for_messages(peer, 1, 2s);
  auto notice_after = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], kRefreshRequired);
  EXPECT_GE(notice_after, 300ms);  // never early (the wheel rounds up)
  EXPECT_LT(notice_after, 550ms);
  EXPECT_FALSE(closed(peer));
  got = wait_for_messages(peer, 2, 2s);
  auto closed_after = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1], kExpired);  // the disconnect message comes before the close
  EXPECT_TRUE(closed(peer));
  EXPECT_EQ(peer.close_code, 4004);
  EXPECT_GE(closed_after, 600ms);
  on_loop([&] {
    EXPECT_EQ(worker_->counters().auth_expired_connections.load(), 1u);
    EXPECT_EQ(worker_->client_count(), 0u);
  });
}

TEST_F(ClientExpiryTest, RefreshMovesTheDeadline) {
  RecordingPeer& peer = open();
  send(peer, R"({"type":"connect","id":1,"token":"bob:500"})");
  std::vector<std::string> got = wait_for_messages(peer, 2, 2s);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(got[0].starts_with(R"({"type":"connected","id":1,)")) << got[0];
  EXPECT_EQ(got[1], kRefreshRequired);
  send(peer, R"({"type":"refresh","id":2,"token":"bob:1200"})");
  EXPECT_EQ(messages(peer).back(), R"({"type":"refreshed","id":2})");
  std::this_thread::sleep_for(500ms);  // past the first token's deadline
  EXPECT_FALSE(closed(peer));
  got = messages(peer);
  ASSERT_EQ(got.size(), 3u) << got.back();  // the new token's notice is not due yet (600 ms)
  got = wait_for_messages(peer, 4, 2s);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[3], kRefreshRequired);
  on_loop([&] { EXPECT_EQ(worker_->counters().auth_refreshes.load(), 1u); });
}

TEST_F(ClientExpiryTest, RefusedRefreshKeepsTheOldDeadline) {
  RecordingPeer& peer = open();
  send(peer, R"({"type":"connect","id":1,"token":"carol:400"})");
  send(peer, R"({"type":"refresh","id":2,"token":"expired"})");
  send(peer, R"({"type":"refresh","id":3,"token":"dave:5000"})");  // another user: closed 4001
  std::vector<std::string> got = messages(peer);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[1], R"({"type":"error","id":2,"code":109,"message":"token expired"})");
  EXPECT_EQ(got[2], R"({"type":"error","id":3,"code":101,"message":"the new token is for another user"})");
  EXPECT_EQ(peer.close_code, 4001);

  RecordingPeer& other = open();
  send(other, R"({"type":"connect","id":1,"token":"erin:400"})");
  send(other, R"({"type":"refresh","id":2,"token":"garbage"})");
  got = wait_for_messages(other, 4, 2s);  // connected, error, refresh_required, disconnect
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[1], R"({"type":"error","id":2,"code":101,"message":"bad token"})");
  EXPECT_EQ(got[3], kExpired);
  on_loop([&] {
    EXPECT_EQ(worker_->counters().auth_expired_token.load(), 1u);
    EXPECT_EQ(worker_->counters().auth_invalid_token.load(), 2u);
  });
}

// A client that closes with its expiry timer armed must take the timer with it: the loop
// keeps running past the deadline with nothing to fire (under ASan a leftover node would
// be a use after free).
TEST_F(ClientExpiryTest, ClosingCancelsTheTimer) {
  RecordingPeer& peer = open(Credentials{"frank", {}, Clock::now() + 200ms, {}});
  on_loop([&] {
    peer.disconnect(disconnect::normal);
    EXPECT_EQ(loop_thread_.loop().timers().size(), 1u);  // only the reaper that frees the client
  });
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(messages(peer).size(), 0u);
  on_loop([&] { EXPECT_EQ(loop_thread_.loop().timers().size(), 0u); });
}

TEST_F(ClientExpiryTest, NoConnectInTimeIs4005AndAConnectCancelsTheDeadline) {
  RecordingPeer& idle = open();
  RecordingPeer& quick = open();
  send(quick, R"({"type":"connect","id":1,"token":"gina:60000"})");
  std::vector<std::string> got = wait_for_messages(idle, 1, 2s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], R"({"type":"disconnect","code":4005,"reason":"connect timeout","reconnect":true})");
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(closed(quick));
  EXPECT_EQ(messages(quick).size(), 1u);
  on_loop([&] { EXPECT_EQ(worker_->counters().auth_connect_timeouts.load(), 1u); });
}

}  // namespace
}  // namespace wshub::hub
