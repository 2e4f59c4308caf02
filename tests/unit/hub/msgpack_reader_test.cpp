#include <gtest/gtest.h>

#include <cmath>
#include <msgpack.hpp>
#include <random>

#include "hub/MsgpackReader.h"

namespace wshub::hub {
namespace {

std::string hex(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

MsgpackItem read_one(const std::string& bytes) {
  MsgpackReader r(bytes);
  MsgpackItem item;
  EXPECT_TRUE(r.read(item));
  EXPECT_TRUE(r.at_end());
  return item;
}

TEST(MsgpackReader, Scalars) {
  EXPECT_EQ(read_one(hex({0xc0})).kind, MsgpackKind::nil);
  EXPECT_TRUE(read_one(hex({0xc3})).boolean);
  EXPECT_FALSE(read_one(hex({0xc2})).boolean);
  EXPECT_EQ(read_one(hex({0x7f})).uint, 127u);
  EXPECT_EQ(read_one(hex({0xcc, 0xff})).uint, 255u);
  EXPECT_EQ(read_one(hex({0xcd, 0x01, 0x00})).uint, 256u);
  EXPECT_EQ(read_one(hex({0xce, 0xff, 0xff, 0xff, 0xff})).uint, 0xffffffffu);
  EXPECT_EQ(read_one(hex({0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})).uint, UINT64_MAX);
  EXPECT_EQ(read_one(hex({0xff})).negative, -1);
  EXPECT_EQ(read_one(hex({0xe0})).negative, -32);
  EXPECT_EQ(read_one(hex({0xd0, 0x80})).negative, -128);
  EXPECT_EQ(read_one(hex({0xd1, 0x80, 0x00})).negative, -32768);
  EXPECT_EQ(read_one(hex({0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0})).negative, INT64_MIN);
  // Signed formats holding non-negative values are read as uint.
  const std::string positive_bytes = hex({0xd2, 0, 0, 0, 5});
  const MsgpackItem positive = read_one(positive_bytes);
  EXPECT_EQ(positive.kind, MsgpackKind::uint);
  EXPECT_EQ(positive.uint, 5u);
  EXPECT_EQ(read_one(hex({0xca, 0x3f, 0xc0, 0, 0})).number, 1.5);
  EXPECT_EQ(read_one(hex({0xca, 0x3f, 0xc0, 0, 0})).kind, MsgpackKind::float32);
  EXPECT_EQ(read_one(hex({0xcb, 0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18})).number, 3.141592653589793);
}

TEST(MsgpackReader, DataAndContainers) {
  const std::string s_bytes = hex({0xa3, 'a', 'b', 'c'});
  MsgpackItem s = read_one(s_bytes);
  EXPECT_EQ(s.kind, MsgpackKind::str);
  EXPECT_EQ(s.data, "abc");
  EXPECT_EQ(read_one(hex({0xd9, 2, 'h', 'i'})).data, "hi");
  EXPECT_EQ(read_one(hex({0xda, 0, 1, 'x'})).data, "x");
  EXPECT_EQ(read_one(hex({0xc4, 2, 1, 2})).kind, MsgpackKind::bin);
  const std::string ext_bytes = hex({0xd4, 0xff, 9});
  MsgpackItem ext = read_one(ext_bytes);
  EXPECT_EQ(ext.kind, MsgpackKind::ext);
  EXPECT_EQ(ext.ext_type, -1);
  EXPECT_EQ(ext.data, "\x09");
  EXPECT_EQ(read_one(hex({0xc7, 3, 5, 'a', 'b', 'c'})).data, "abc");
  EXPECT_EQ(read_one(hex({0xd8, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})).data.size(), 16u);

  const std::string bytes = hex({0x92, 0x01, 0x81, 0xa1, 'k', 0xc0});  // [1, {"k": nil}]
  MsgpackReader r(bytes);
  MsgpackItem item;
  ASSERT_TRUE(r.read(item));
  EXPECT_EQ(item.kind, MsgpackKind::array);
  EXPECT_EQ(item.count, 2u);
  MsgpackFacts facts;
  EXPECT_EQ(scan_msgpack_value(r, item, 10, true, facts), ScanResult::ok);
  EXPECT_TRUE(r.at_end());
  EXPECT_EQ(facts.depth, 2u);
}

TEST(MsgpackReader, RefusesTruncationAndTheUnusedByte) {
  for (const std::string& bad : {hex({}), hex({0xc1}), hex({0xcd, 0x01}), hex({0xa3, 'a', 'b'}), hex({0xd9}),
                                 hex({0xc6, 0, 0, 0}), hex({0xd4, 1}), hex({0xcb, 0, 0, 0, 0, 0, 0, 0})}) {
    MsgpackReader r(bad);
    MsgpackItem item;
    EXPECT_FALSE(r.read(item)) << testing::PrintToString(bad);
  }
}

TEST(MsgpackReader, RefusesContainersLongerThanTheInput) {
  const auto header_ok = [](const std::string& bytes) {
    MsgpackReader r(bytes);
    MsgpackItem item;
    return r.read(item);
  };
  EXPECT_FALSE(header_ok(hex({0x93, 1, 2})));
  EXPECT_FALSE(header_ok(hex({0x82, 1, 2, 3})));  // two pairs need at least 4 bytes
  EXPECT_FALSE(header_ok(hex({0xdd, 0xff, 0xff, 0xff, 0xff, 0})));
  EXPECT_TRUE(header_ok(hex({0x82, 1, 2, 3, 4})));
  EXPECT_TRUE(header_ok(hex({0x93, 1, 2, 3})));
}

TEST(MsgpackReader, ScanDepthAndFacts) {
  const std::string deep = std::string(5, static_cast<char>(0x91)) + hex({0x01});
  for (size_t max = 0; max <= 6; ++max) {
    MsgpackReader r(deep);
    MsgpackItem item;
    ASSERT_TRUE(r.read(item));
    MsgpackFacts facts;
    EXPECT_EQ(scan_msgpack_value(r, item, max, true, facts), max >= 5 ? ScanResult::ok : ScanResult::too_deep)
        << max;
  }
  const std::string bytes = hex({0x92, 0xa1, 0xff, 0xcb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0});
  MsgpackReader r(bytes);
  MsgpackItem item;
  ASSERT_TRUE(r.read(item));
  MsgpackFacts facts;
  EXPECT_EQ(scan_msgpack_value(r, item, 10, true, facts), ScanResult::ok);
  EXPECT_TRUE(facts.invalid_utf8);
  EXPECT_TRUE(facts.non_finite);
  EXPECT_EQ(facts.depth, 1u);
}

// Whether `bytes` is exactly one value, by our reader and by msgpack-c (its limits
// bounded by the input size so that its eager allocation stays small).
bool ours(const std::string& bytes) {
  MsgpackReader r(bytes);
  MsgpackItem item;
  MsgpackFacts facts;
  return r.read(item) && scan_msgpack_value(r, item, 1000, false, facts) == ScanResult::ok && r.at_end();
}

bool reference(const std::string& bytes) {
  const size_t n = bytes.size();
  try {
    size_t offset = 0;
    msgpack::object_handle h = msgpack::unpack(bytes.data(), n, offset, nullptr, nullptr,
                                               msgpack::unpack_limit(n, n, n, n, n, 1000));
    return offset == n;
  } catch (const std::exception&) {
    return false;
  }
}

TEST(MsgpackReader, AgreesWithMsgpackCOnRandomInput) {
  // Bytes biased towards headers so that most inputs are almost valid.
  const int alphabet[] = {0x00, 0x01, 0x7f, 0x80, 0x81, 0x82, 0x90, 0x91, 0x92, 0xa0, 0xa1, 0xa2, 0xc0, 0xc1,
                          0xc2, 0xc3, 0xc4, 0xc5, 0xc7, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd3, 0xd4,
                          0xd8, 0xd9, 0xda, 0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xff, 0x02, 0x03, 0x04};
  std::mt19937 rng(12345);
  size_t valid = 0;
  for (int i = 0; i < 200000; ++i) {
    std::string bytes;
    const size_t size = 1 + rng() % 12;
    for (size_t k = 0; k < size; ++k)
      bytes.push_back(static_cast<char>(alphabet[rng() % std::size(alphabet)]));
    const bool expected = reference(bytes);
    ASSERT_EQ(ours(bytes), expected) << testing::PrintToString(bytes);
    valid += expected;
  }
  EXPECT_GT(valid, 1000u);  // the comparison covered valid input too
}

}  // namespace
}  // namespace wshub::hub
