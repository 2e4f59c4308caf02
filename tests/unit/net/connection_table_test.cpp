#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "net/ConnectionTable.h"

namespace wshub::net {
namespace {

using Admission = ConnectionTable::Admission;

TEST(ConnectionTable, CapsTheTotal) {
  ConnectionTable table(3, 0);
  EXPECT_EQ(table.acquire("a"), Admission::admitted);
  EXPECT_EQ(table.acquire("b"), Admission::admitted);
  EXPECT_EQ(table.acquire("c"), Admission::admitted);
  EXPECT_EQ(table.acquire("d"), Admission::total_full);
  EXPECT_EQ(table.total(), 3u);
  table.release("b");
  EXPECT_EQ(table.acquire("d"), Admission::admitted);
  EXPECT_EQ(table.total(), 3u);
}

TEST(ConnectionTable, CapsEachKeyAndAnotherKeyIsStillAdmitted) {
  ConnectionTable table(0, 2);
  EXPECT_EQ(table.acquire("10.0.0.1"), Admission::admitted);
  EXPECT_EQ(table.acquire("10.0.0.1"), Admission::admitted);
  EXPECT_EQ(table.acquire("10.0.0.1"), Admission::key_full);
  EXPECT_EQ(table.acquire("10.0.0.2"), Admission::admitted);
  EXPECT_EQ(table.count("10.0.0.1"), 2u);
  EXPECT_EQ(table.count("10.0.0.2"), 1u);
  // A refusal is not counted anywhere.
  EXPECT_EQ(table.total(), 3u);
  table.release("10.0.0.1");
  EXPECT_EQ(table.acquire("10.0.0.1"), Admission::admitted);
}

TEST(ConnectionTable, KeysAreForgottenWhenTheirLastConnectionCloses) {
  ConnectionTable table(0, 5);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(table.acquire("user"), Admission::admitted);
  for (int i = 0; i < 3; ++i) table.release("user");
  EXPECT_EQ(table.count("user"), 0u);
  EXPECT_EQ(table.total(), 0u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(table.acquire("user"), Admission::admitted);
  EXPECT_EQ(table.acquire("user"), Admission::key_full);
}

TEST(ConnectionTable, TheTotalCapWinsOverTheKeyCap) {
  ConnectionTable table(2, 10);
  EXPECT_EQ(table.acquire("k"), Admission::admitted);
  EXPECT_EQ(table.acquire("k"), Admission::admitted);
  EXPECT_EQ(table.acquire("k"), Admission::total_full);
  EXPECT_EQ(table.count("k"), 2u);
}

TEST(ConnectionTable, KeysWithBinaryBytes) {
  ConnectionTable table(0, 1);
  std::string a("\x7f\x00\x00\x01", 4), b("\x7f\x00\x00\x02", 4);
  EXPECT_EQ(table.acquire(a), Admission::admitted);
  EXPECT_EQ(table.acquire(a), Admission::key_full);
  EXPECT_EQ(table.acquire(b), Admission::admitted);
}

TEST(ConnectionTable, ZeroMeansUnlimited) {
  ConnectionTable table(0, 0);
  for (int i = 0; i < 10'000; ++i) ASSERT_EQ(table.acquire("same"), Admission::admitted);
  EXPECT_EQ(table.total(), 10'000u);
}

// Workers admit and release at once: the caps hold exactly, and every count returns to
// zero (run under TSan in the sanitizer build).
TEST(ConnectionTable, ConcurrentWorkersNeverExceedTheCaps) {
  constexpr int kThreads = 4, kRounds = 20'000;
  ConnectionTable table(50, 8);
  std::atomic<int> over_cap{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::string> held;
      for (int i = 0; i < kRounds; ++i) {
        std::string key = "ip" + std::to_string((i * 7 + t) % 10);
        if (table.acquire(key) == Admission::admitted) held.push_back(key);
        if (table.total() > 50) over_cap.fetch_add(1);
        if (held.size() > 5 || (i % 3 == 0 && !held.empty())) {
          table.release(held.back());
          held.pop_back();
        }
      }
      for (const std::string& key : held) table.release(key);
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(over_cap.load(), 0);
  EXPECT_EQ(table.total(), 0u);
  for (int k = 0; k < 10; ++k) EXPECT_EQ(table.count("ip" + std::to_string(k)), 0u);
}

}  // namespace
}  // namespace wshub::net
