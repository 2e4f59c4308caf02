#include "hub/ChannelIndex.h"

#include <gtest/gtest.h>

namespace wshub::hub {
namespace {

// Clients are only compared as pointers here: fake, never dereferenced.
Client* fake_client(uintptr_t n) { return reinterpret_cast<Client*>(n * 16); }

TEST(ChannelIndex, AddRemoveKeepsSlotsConsistent) {
  ChannelIndex index;
  NamespaceOptions ns;
  auto [entry, created] = index.get_or_create("room", &ns);
  EXPECT_TRUE(created);
  EXPECT_EQ(index.get_or_create("room", &ns).first, entry);
  EXPECT_FALSE(index.get_or_create("room", &ns).second);
  std::vector<Subscription> subs(5);
  for (size_t i = 0; i < subs.size(); ++i) index.add(*entry, fake_client(i + 1), &subs[i]);
  index.remove(*entry, &subs[1]);  // the last one moves into slot 1
  EXPECT_EQ(entry->subscriber_count(), 4u);
  EXPECT_EQ(subs[4].slot, 1u);
  EXPECT_EQ(subs[1].entry, nullptr);
  for (size_t i = 0; i < entry->slots.size(); ++i) {
    EXPECT_EQ(entry->slots[i].subscription->slot, i);
    EXPECT_EQ(entry->slots[i].subscription->entry, entry);
  }
}

TEST(ChannelIndex, RemovalDuringAWalkLeavesHolesUntilItEnds) {
  ChannelIndex index;
  NamespaceOptions ns;
  ChannelEntry* entry = index.get_or_create("room", &ns).first;
  std::vector<Subscription> subs(4);
  for (size_t i = 0; i < subs.size(); ++i) index.add(*entry, fake_client(i + 1), &subs[i]);
  index.begin_walk(*entry);
  index.remove(*entry, &subs[0]);
  index.remove(*entry, &subs[2]);
  EXPECT_EQ(entry->slots.size(), 4u);  // nothing moved under the walker's feet
  EXPECT_EQ(entry->slots[0].client, nullptr);
  EXPECT_EQ(entry->subscriber_count(), 2u);
  index.end_walk(*entry);
  ASSERT_EQ(entry->slots.size(), 2u);
  EXPECT_EQ(entry->slots[0].subscription, &subs[1]);
  EXPECT_EQ(entry->slots[1].subscription, &subs[3]);
  EXPECT_EQ(subs[3].slot, 1u);
}

TEST(ChannelIndex, EraseEmptyEntry) {
  ChannelIndex index;
  NamespaceOptions ns;
  ChannelEntry* entry = index.get_or_create("a", &ns).first;
  Subscription s;
  index.add(*entry, fake_client(1), &s);
  index.remove(*entry, &s);
  index.erase(*entry);
  EXPECT_EQ(index.find("a"), nullptr);
  EXPECT_EQ(index.channel_count(), 0u);
}

}  // namespace
}  // namespace wshub::hub
