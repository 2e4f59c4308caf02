#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <msgpack.hpp>

#include "hub/MsgpackWriter.h"

namespace wshub::hub {
namespace {

template <typename F>
std::string reference(F&& f) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  f(pk);
  return std::string(buffer.data(), buffer.size());
}

// Same bytes as msgpack-c for everything but doubles (see MsgpackWriter.h).
TEST(MsgpackWriter, IntegersMatchMsgpackC) {
  for (uint64_t v : {0ull, 1ull, 127ull, 128ull, 255ull, 256ull, 65535ull, 65536ull, 0xffffffffull,
                     0x100000000ull, ~0ull}) {
    std::string out;
    MsgpackWriter(out).uint(v);
    EXPECT_EQ(out, reference([&](auto& pk) { pk.pack_uint64(v); })) << v;
  }
  for (int64_t v :
       {int64_t{0}, int64_t{5}, int64_t{-1}, int64_t{-32}, int64_t{-33}, int64_t{-128}, int64_t{-129},
        int64_t{-32768}, int64_t{-32769}, int64_t{INT32_MIN}, int64_t{INT32_MIN} - 1, INT64_MIN, INT64_MAX}) {
    std::string out;
    MsgpackWriter(out).integer(v);
    EXPECT_EQ(out, reference([&](auto& pk) { pk.pack_int64(v); })) << v;
  }
}

TEST(MsgpackWriter, StringsAndContainersMatchMsgpackC) {
  for (size_t n : {0u, 31u, 32u, 255u, 256u, 65535u, 65536u}) {
    const std::string s(n, 'x');
    std::string out;
    MsgpackWriter(out).str(s);
    EXPECT_EQ(out, reference([&](auto& pk) { pk.pack(s); })) << n;
  }
  for (uint32_t n : {0u, 15u, 16u, 65535u, 65536u}) {
    std::string out;
    MsgpackWriter(out).array(n);
    EXPECT_EQ(out, reference([&](auto& pk) { pk.pack_array(n); })) << n;
    out.clear();
    MsgpackWriter(out).map(n);
    EXPECT_EQ(out, reference([&](auto& pk) { pk.pack_map(n); })) << n;
  }
  std::string out;
  MsgpackWriter w(out);
  w.nil(), w.boolean(true), w.boolean(false);
  EXPECT_EQ(out, "\xc0\xc3\xc2");
}

TEST(MsgpackWriter, DoublesStayDoubles) {
  for (double v :
       {1.0, -0.0, 0.0, 1.5, 1e300, 18446744073709551616.0, std::numeric_limits<double>::denorm_min()}) {
    std::string out;
    MsgpackWriter(out).float64(v);
    ASSERT_EQ(out.size(), 9u);
    EXPECT_EQ(static_cast<uint8_t>(out[0]), 0xcb);
    msgpack::object_handle h = msgpack::unpack(out.data(), out.size());
    ASSERT_EQ(h.get().type, msgpack::type::FLOAT64);
    EXPECT_EQ(h.get().via.f64, v);
    EXPECT_EQ(std::signbit(h.get().via.f64), std::signbit(v));
  }
}

}  // namespace
}  // namespace wshub::hub
