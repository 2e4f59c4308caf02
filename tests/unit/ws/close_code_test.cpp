#include <gtest/gtest.h>

#include "ws/CloseCode.h"

namespace wshub::ws {
namespace {

// RFC 6455 §7.4, exhaustively over all 65,536 values.
TEST(CloseCode, ValidReceivedCodesMatchRfc) {
  for (uint32_t code = 0; code <= 0xFFFF; ++code) {
    const bool expected =
        (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
    ASSERT_EQ(is_valid_received_close_code(static_cast<uint16_t>(code)), expected) << code;
  }
}

TEST(CloseCode, NeverOnTheWire) {
  EXPECT_FALSE(is_valid_received_close_code(close_code::no_status));
  EXPECT_FALSE(is_valid_received_close_code(close_code::abnormal));
  EXPECT_FALSE(is_valid_received_close_code(close_code::tls_handshake));
  EXPECT_FALSE(is_valid_received_close_code(1004));
}

TEST(CloseCode, Names) {
  EXPECT_EQ(close_code_name(1000), "normal");
  EXPECT_EQ(close_code_name(1009), "message_too_big");
  EXPECT_EQ(close_code_name(4001), "application");
  EXPECT_EQ(close_code_name(2000), "unknown");
}

}  // namespace
}  // namespace wshub::ws
