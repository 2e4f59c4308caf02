#pragma once
// Helpers for tests that drive a hub::Broker through its interface only, so they hold for
// every implementation: completions are treated as asynchronous (they may run on another
// thread, before or after the call returns), and everything is waited for with a timeout.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "hub/Broker.h"
#include "hub/ErrorCode.h"

namespace wshub::broker::testing {

inline constexpr std::chrono::seconds kWaitTimeout{5};

// Calls `call` with a completion and waits for it. A timeout, or a completion run twice, is a
// test failure; a timeout returns an `internal` error so the test can stop.
template <typename T>
hub::Result<T> await(const std::function<void(hub::Completion<T>)>& call) {
  struct State {
    std::promise<hub::Result<T>> promise;
    std::atomic<int> calls{0};
  };
  auto state = std::make_shared<State>();
  auto future = state->promise.get_future();
  call([state](hub::Result<T> result) {
    if (state->calls.fetch_add(1) != 0) {
      ADD_FAILURE() << "completion called more than once";
      return;
    }
    state->promise.set_value(std::move(result));
  });
  if (future.wait_for(kWaitTimeout) != std::future_status::ready) {
    ADD_FAILURE() << "completion not called within " << kWaitTimeout.count() << " s";
    return hub::Error{hub::code(hub::ErrorCode::internal), "timeout"};
  }
  return future.get();
}

// Polls `done` every millisecond until it holds; false after the timeout. For conditions that
// no RecordingHandler is told about.
inline bool eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + kWaitTimeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// Records what the broker delivers; every accessor returns a copy taken under the lock.
class RecordingHandler : public hub::BrokerEventHandler {
 public:
  struct Presence {
    std::string channel;
    hub::ClientInfo client;
  };
  struct UserMessage {
    std::string user;
    hub::PublicationPtr message;
  };

  void on_publication(const hub::PublicationPtr& publication) override {
    record([&] { publications_.push_back(publication); });
  }
  void on_join(std::string_view channel, const hub::ClientInfo& client) override {
    record([&] { joins_.push_back({std::string(channel), client}); });
  }
  void on_leave(std::string_view channel, const hub::ClientInfo& client) override {
    record([&] { leaves_.push_back({std::string(channel), client}); });
  }
  void on_user_message(std::string_view user, const hub::PublicationPtr& message) override {
    record([&] { user_messages_.push_back({std::string(user), message}); });
  }
  void on_user_command(const hub::UserCommand& command) override {
    record([&] { user_commands_.push_back(command); });
  }
  void on_subscriptions_interrupted() override { record([&] { ++interruptions_; }); }
  size_t interruptions() const {
    std::lock_guard lock(mutex_);
    return interruptions_;
  }
  std::vector<hub::UserCommand> user_commands(const std::string& user) const {
    std::lock_guard lock(mutex_);
    std::vector<hub::UserCommand> out;
    for (const auto& c : user_commands_) {
      if (c.user == user) out.push_back(c);
    }
    return out;
  }

  std::vector<hub::PublicationPtr> publications(const std::string& channel) const {
    std::lock_guard lock(mutex_);
    std::vector<hub::PublicationPtr> out;
    for (const auto& p : publications_) {
      if (p->channel == channel) out.push_back(p);
    }
    return out;
  }
  std::vector<Presence> joins(const std::string& channel) const { return filter(joins_, channel); }
  std::vector<Presence> leaves(const std::string& channel) const { return filter(leaves_, channel); }
  std::vector<UserMessage> user_messages(const std::string& user) const {
    std::lock_guard lock(mutex_);
    std::vector<UserMessage> out;
    for (const auto& m : user_messages_) {
      if (m.user == user) out.push_back(m);
    }
    return out;
  }

  // Waits until `done()` holds, re-evaluating it (outside the lock: it may call the accessors)
  // after every event; false on timeout.
  bool wait_until(const std::function<bool()>& done) const {
    const auto deadline = std::chrono::steady_clock::now() + kWaitTimeout;
    std::unique_lock lock(mutex_);
    for (;;) {
      const uint64_t seen = events_;
      lock.unlock();
      if (done()) return true;
      lock.lock();
      if (!changed_.wait_until(lock, deadline, [&] { return events_ != seen; })) {
        lock.unlock();
        return done();
      }
    }
  }
  bool wait_for_publications(const std::string& channel, size_t count) const {
    return wait_until([&] { return publications(channel).size() >= count; });
  }

 private:
  template <typename F>
  void record(F&& f) {
    {
      std::lock_guard lock(mutex_);
      f();
      ++events_;
    }
    changed_.notify_all();
  }
  std::vector<Presence> filter(const std::vector<Presence>& events, const std::string& channel) const {
    std::lock_guard lock(mutex_);
    std::vector<Presence> out;
    for (const auto& e : events) {
      if (e.channel == channel) out.push_back(e);
    }
    return out;
  }

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  uint64_t events_ = 0;
  std::vector<hub::PublicationPtr> publications_;
  std::vector<Presence> joins_;
  std::vector<Presence> leaves_;
  std::vector<UserMessage> user_messages_;
  std::vector<hub::UserCommand> user_commands_;
  size_t interruptions_ = 0;
};

inline hub::Publication make_publication(const std::string& channel, std::string json) {
  hub::Publication p;
  p.channel = channel;
  p.payload = {hub::Encoding::json, std::move(json)};
  return p;
}

// Thin synchronous wrappers over the interface, failing the test on error.
inline hub::StreamPosition publish(hub::Broker& broker, hub::Publication publication,
                                   const hub::PublishOptions& options) {
  auto result = await<hub::StreamPosition>([&](hub::Completion<hub::StreamPosition> done) {
    broker.publish(publication, options, std::move(done));
  });
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  return result.ok() ? *result : hub::StreamPosition{};
}

inline hub::HistoryResult history(hub::Broker& broker, const std::string& channel,
                                  const hub::HistoryFilter& filter, const hub::HistoryOptions& options) {
  auto result = await<hub::HistoryResult>([&](hub::Completion<hub::HistoryResult> done) {
    broker.history(channel, filter, options, std::move(done));
  });
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  return result.ok() ? std::move(*result) : hub::HistoryResult{};
}

inline void expect_ok(const hub::Result<hub::Unit>& result) {
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
}

inline void subscribe(hub::Broker& broker, const std::string& channel) {
  expect_ok(
      await<hub::Unit>([&](hub::Completion<hub::Unit> done) { broker.subscribe(channel, std::move(done)); }));
}

inline hub::Result<hub::Unit> try_send_to_user(hub::Broker& broker, const std::string& user,
                                               const hub::Publication& message) {
  return await<hub::Unit>(
      [&](hub::Completion<hub::Unit> done) { broker.send_to_user(user, message, std::move(done)); });
}

inline hub::Result<hub::Unit> try_send_user_command(hub::Broker& broker, const hub::UserCommand& command) {
  return await<hub::Unit>(
      [&](hub::Completion<hub::Unit> done) { broker.send_user_command(command, std::move(done)); });
}

inline void send_to_user(hub::Broker& broker, const std::string& user, const hub::Publication& message) {
  expect_ok(try_send_to_user(broker, user, message));
}

inline void remove_history(hub::Broker& broker, const std::string& channel) {
  expect_ok(await<hub::Unit>(
      [&](hub::Completion<hub::Unit> done) { broker.remove_history(channel, std::move(done)); }));
}

inline void add_presence(hub::Broker& broker, const std::string& channel, const hub::ClientInfo& client,
                         std::chrono::milliseconds ttl) {
  expect_ok(await<hub::Unit>(
      [&](hub::Completion<hub::Unit> done) { broker.add_presence(channel, client, ttl, std::move(done)); }));
}

inline void remove_presence(hub::Broker& broker, const std::string& channel, const std::string& client_id) {
  expect_ok(await<hub::Unit>(
      [&](hub::Completion<hub::Unit> done) { broker.remove_presence(channel, client_id, std::move(done)); }));
}

inline std::vector<hub::ClientInfo> presence(hub::Broker& broker, const std::string& channel) {
  auto result = await<std::vector<hub::ClientInfo>>(
      [&](hub::Completion<std::vector<hub::ClientInfo>> done) { broker.presence(channel, std::move(done)); });
  EXPECT_TRUE(result.ok());
  return result.ok() ? std::move(*result) : std::vector<hub::ClientInfo>{};
}

inline hub::PresenceStats presence_stats(hub::Broker& broker, const std::string& channel) {
  auto result = await<hub::PresenceStats>(
      [&](hub::Completion<hub::PresenceStats> done) { broker.presence_stats(channel, std::move(done)); });
  EXPECT_TRUE(result.ok());
  return result.ok() ? *result : hub::PresenceStats{};
}

// Offsets of a list of publications, for compact assertions.
inline std::vector<uint64_t> offsets(const std::vector<hub::PublicationPtr>& publications) {
  std::vector<uint64_t> out;
  for (const auto& p : publications) out.push_back(p->offset);
  return out;
}

inline hub::HistoryFilter since(uint64_t offset, std::string epoch,
                                size_t limit = hub::HistoryFilter::kNoLimit) {
  hub::HistoryFilter filter;
  filter.since = hub::StreamPosition{offset, std::move(epoch)};
  filter.limit = limit;
  return filter;
}

inline hub::HistoryFilter latest(size_t limit, bool reverse = false) {
  hub::HistoryFilter filter;
  filter.limit = limit;
  filter.reverse = reverse;
  return filter;
}

}  // namespace wshub::broker::testing
