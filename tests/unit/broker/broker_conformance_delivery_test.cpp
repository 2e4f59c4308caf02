// Conformance: node subscriptions, joins and leaves, user messages, what a publication carries,
// and presence (fixture and rules: broker_conformance.h, broker_conformance_test.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "broker_conformance.h"

namespace wshub::broker::conformance {
namespace {

// --- Node subscriptions and deliveries ---

TEST_P(BrokerConformance, SubscriptionGatesPublications) {
  const std::string ch = channel();
  const bool keeps_history = GetParam().keeps_history;
  const auto options = publish_options(keeps_history ? 10 : 0);
  publish(*broker_, make_publication(ch, "{\"n\":1}"), options);
  subscribe(*broker_, ch);
  publish(*broker_, make_publication(ch, "{\"n\":2}"), options);
  ASSERT_TRUE(handler_.wait_for_publications(ch, 1));
  broker_->unsubscribe(ch);
  publish(*broker_, make_publication(ch, "{\"n\":3}"), options);
  settle();
  const auto delivered = handler_.publications(ch);
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0]->payload.bytes, "{\"n\":2}");
  if (!keeps_history) return;
  EXPECT_EQ(offsets(delivered), (std::vector<uint64_t>{2}));
  // History does not depend on subscriptions.
  EXPECT_EQ(offsets(history(*broker_, ch, latest(10), options.history).publications), range(1, 3));
}

TEST_P(BrokerConformance, JoinAndLeaveAreDeliveredOnlyWhenSubscribed) {
  const std::string ch = channel();
  const hub::ClientInfo alice{"client-a", "alice", "{\"name\":\"Alice\"}"};
  const hub::ClientInfo anonymous{"client-b", "", ""};
  broker_->publish_join(ch, alice);
  subscribe(*broker_, ch);
  broker_->publish_join(ch, alice);
  broker_->publish_join(ch, anonymous);
  broker_->publish_leave(ch, alice);
  ASSERT_TRUE(
      handler_.wait_until([&] { return handler_.joins(ch).size() >= 2 && !handler_.leaves(ch).empty(); }));
  broker_->unsubscribe(ch);
  broker_->publish_join(ch, alice);
  broker_->publish_leave(ch, anonymous);
  settle();

  const auto joins = handler_.joins(ch);
  const auto leaves = handler_.leaves(ch);
  ASSERT_EQ(joins.size(), 2u);
  ASSERT_EQ(leaves.size(), 1u);
  EXPECT_EQ(joins[0].client.client, "client-a");
  EXPECT_EQ(joins[0].client.user, "alice");
  EXPECT_EQ(joins[0].client.info, "{\"name\":\"Alice\"}");
  EXPECT_EQ(joins[1].client.client, "client-b");
  EXPECT_EQ(joins[1].client.user, "");
  EXPECT_EQ(leaves[0].client.client, "client-a");
}

TEST_P(BrokerConformance, UserMessagesNeedNoSubscription) {
  hub::Publication message;
  message.type = "notice";
  message.payload = {hub::Encoding::msgpack, std::string("\x81\xa1k\xa1v", 5)};
  message.from = hub::ClientInfo{"server", "", ""};
  const std::string user = "user-" + channel();
  send_to_user(*broker_, user, message);  // completes ok: the message is on its way
  ASSERT_TRUE(handler_.wait_until([&] { return !handler_.user_messages(user).empty(); }));
  settle();
  const auto messages = handler_.user_messages(user);
  ASSERT_EQ(messages.size(), 1u);
  const hub::Publication& got = *messages[0].message;
  EXPECT_EQ(got.channel, "");
  EXPECT_EQ(got.offset, 0u);
  EXPECT_EQ(got.type, "notice");
  EXPECT_EQ(got.payload.encoding, hub::Encoding::msgpack);
  EXPECT_EQ(got.payload.bytes, message.payload.bytes);
  ASSERT_TRUE(got.from.has_value());
  EXPECT_EQ(got.from->client, "server");
}

TEST_P(BrokerConformance, UserCommandsReachTheNodeWhole) {
  const std::string user = "user-" + channel();
  hub::UserCommand subscribe{hub::UserCommand::Kind::subscribe, user, "news:" + channel(), 4000, "", false};
  hub::UserCommand disconnect{hub::UserCommand::Kind::disconnect, user, "", 4123, "bye", true};
  expect_ok(try_send_user_command(*broker_, subscribe));
  expect_ok(try_send_user_command(*broker_, disconnect));
  ASSERT_TRUE(handler_.wait_until([&] { return handler_.user_commands(user).size() >= 2; }));
  settle();
  const auto commands = handler_.user_commands(user);
  ASSERT_EQ(commands.size(), 2u);
  EXPECT_EQ(commands[0].kind, hub::UserCommand::Kind::subscribe);
  EXPECT_EQ(commands[0].channel, subscribe.channel);
  EXPECT_EQ(commands[1].kind, hub::UserCommand::Kind::disconnect);
  EXPECT_EQ(commands[1].code, 4123);
  EXPECT_EQ(commands[1].reason, "bye");
  EXPECT_TRUE(commands[1].reconnect);
}

// No silent drop: after shutdown a user message or command is refused, not lost quietly
// (the server API answers 503 on it).
TEST_P(BrokerConformance, UserMessagesAndCommandsAreUnavailableAfterShutdown) {
  const std::string user = "user-" + channel();
  broker_->shutdown();
  const auto sent = try_send_to_user(*broker_, user, make_publication("", "{}"));
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().code, hub::code(hub::ErrorCode::unavailable));
  const auto commanded =
      try_send_user_command(*broker_, {hub::UserCommand::Kind::disconnect, user, "", 4000, "", false});
  ASSERT_FALSE(commanded.ok());
  EXPECT_EQ(commanded.error().code, hub::code(hub::ErrorCode::unavailable));
  EXPECT_TRUE(handler_.user_messages(user).empty());
  EXPECT_TRUE(handler_.user_commands(user).empty());
}

TEST_P(BrokerConformance, TypeFromAndEncodingArePreserved) {
  const std::string ch = channel();
  subscribe(*broker_, ch);
  hub::Publication binary;
  binary.channel = ch;
  binary.type = "chat.edit";
  // {"a": 0, "b": bin(00 ff)}: NUL and non-UTF-8 bytes must survive.
  static constexpr char kMsgpack[] =
      "\x82\xa1"
      "a\x00\xa1"
      "b\xc4\x02\x00\xff";
  binary.payload = {hub::Encoding::msgpack, std::string(kMsgpack, sizeof(kMsgpack) - 1)};
  binary.from = hub::ClientInfo{"client-1", "bob", "{\"role\":\"admin\"}"};
  hub::Publication text = make_publication(ch, "{\"text\":\"h\\u00e9\"}");  // anonymous, default type

  const size_t history_size = GetParam().keeps_history ? 10 : 0;
  publish(*broker_, binary, publish_options(history_size));
  publish(*broker_, text, publish_options(history_size));
  ASSERT_TRUE(handler_.wait_for_publications(ch, 2));

  std::vector<std::vector<hub::PublicationPtr>> seen{handler_.publications(ch)};
  if (history_size > 0) seen.push_back(history(*broker_, ch, latest(10), history_options(10)).publications);
  for (const auto& got : seen) {
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0]->channel, ch);
    EXPECT_EQ(got[0]->type, "chat.edit");
    EXPECT_EQ(got[0]->payload.encoding, hub::Encoding::msgpack);
    EXPECT_EQ(got[0]->payload.bytes, binary.payload.bytes);
    ASSERT_TRUE(got[0]->from.has_value());
    EXPECT_EQ(got[0]->from->client, "client-1");
    EXPECT_EQ(got[0]->from->user, "bob");
    EXPECT_EQ(got[0]->from->info, "{\"role\":\"admin\"}");
    EXPECT_EQ(got[1]->type, "");
    EXPECT_EQ(got[1]->payload.encoding, hub::Encoding::json);
    EXPECT_EQ(got[1]->payload.bytes, text.payload.bytes);
    EXPECT_FALSE(got[1]->from.has_value());
  }
}

// --- Presence ---

std::vector<std::string> client_ids(std::vector<hub::ClientInfo> clients) {
  std::vector<std::string> ids;
  for (const auto& c : clients) ids.push_back(c.client);
  std::sort(ids.begin(), ids.end());
  return ids;
}

TEST_P(BrokerConformance, PresenceAddRemoveListAndStats) {
  WSHUB_REQUIRE_PRESENCE();
  const std::string ch = channel();
  EXPECT_TRUE(presence(*broker_, ch).empty());
  EXPECT_EQ(presence_stats(*broker_, ch).num_clients, 0u);

  add_presence(*broker_, ch, {"c1", "u1", "{\"a\":1}"}, 0ms);
  add_presence(*broker_, ch, {"c2", "u1", ""}, 0ms);
  add_presence(*broker_, ch, {"c3", "u2", ""}, 0ms);
  add_presence(*broker_, ch, {"c4", "", ""}, 0ms);             // anonymous: a client, not a user
  add_presence(*broker_, ch, {"c1", "u1", "{\"a\":2}"}, 0ms);  // re-added: updated, not doubled

  const auto clients = presence(*broker_, ch);
  EXPECT_EQ(client_ids(clients), (std::vector<std::string>{"c1", "c2", "c3", "c4"}));
  for (const auto& c : clients) {
    if (c.client == "c1") {
      EXPECT_EQ(c.user, "u1");
      EXPECT_EQ(c.info, "{\"a\":2}");
    }
  }
  auto stats = presence_stats(*broker_, ch);
  EXPECT_EQ(stats.num_clients, 4u);
  EXPECT_EQ(stats.num_users, 2u);

  remove_presence(*broker_, ch, "c2");
  remove_presence(*broker_, ch, "not-there");
  stats = presence_stats(*broker_, ch);
  EXPECT_EQ(stats.num_clients, 3u);
  EXPECT_EQ(stats.num_users, 2u);
  remove_presence(*broker_, ch, "c1");
  stats = presence_stats(*broker_, ch);
  EXPECT_EQ(stats.num_clients, 2u);
  EXPECT_EQ(stats.num_users, 1u);
  EXPECT_EQ(client_ids(presence(*broker_, ch)), (std::vector<std::string>{"c3", "c4"}));
  EXPECT_TRUE(presence(*broker_, channel("-other")).empty());
}

TEST_P(BrokerConformance, PresenceEntriesExpireUnlessRefreshed) {
  WSHUB_REQUIRE_PRESENCE();
  const std::string ch = channel();
  add_presence(*broker_, ch, {"short", "u1", ""}, 300ms);
  add_presence(*broker_, ch, {"refreshed", "u2", ""}, 300ms);
  add_presence(*broker_, ch, {"forever", "u3", ""}, 0ms);
  EXPECT_EQ(client_ids(presence(*broker_, ch)), (std::vector<std::string>{"forever", "refreshed", "short"}));

  std::this_thread::sleep_for(150ms);
  add_presence(*broker_, ch, {"refreshed", "u2", ""}, 300ms);
  std::this_thread::sleep_for(250ms);  // 400 ms after the first add, 250 ms after the refresh
  EXPECT_EQ(client_ids(presence(*broker_, ch)), (std::vector<std::string>{"forever", "refreshed"}));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(client_ids(presence(*broker_, ch)), (std::vector<std::string>{"forever"}));
  const auto stats = presence_stats(*broker_, ch);
  EXPECT_EQ(stats.num_clients, 1u);
  EXPECT_EQ(stats.num_users, 1u);
}

}  // namespace
}  // namespace wshub::broker::conformance
