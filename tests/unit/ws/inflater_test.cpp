#include "ws/Inflater.h"

#include <gtest/gtest.h>

#include "deflate_test_support.h"
#include "ws/Deflater.h"

namespace wshub::ws {
namespace {

using test::bytes;

TEST(Inflater, RoundTripSmoke) {
  Deflater d(15, false);
  Inflater i(15, false);
  for (std::string msg : {"hello", "", "hello hello hello", "x"}) {
    std::string z, out;
    ASSERT_TRUE(d.deflate(bytes(msg), z));
    ASSERT_EQ(i.inflate(bytes(z), true, out, 1 << 20), InflateResult::ok);
    EXPECT_EQ(out, msg);
  }
}

}  // namespace
}  // namespace wshub::ws
