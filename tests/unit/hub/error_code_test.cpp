#include <gtest/gtest.h>

#include <set>
#include <string>

#include "hub/ErrorCode.h"

namespace wshub::hub {
namespace {

// Codes are a wire contract: never renumbered (docs/protocol.md mirrors this table).
TEST(ErrorCode, StableNumbers) {
  EXPECT_EQ(code(ErrorCode::internal), 100u);
  EXPECT_EQ(code(ErrorCode::unauthorized), 101u);
  EXPECT_EQ(code(ErrorCode::unknown_channel), 102u);
  EXPECT_EQ(code(ErrorCode::permission_denied), 103u);
  EXPECT_EQ(code(ErrorCode::unknown_type), 104u);
  EXPECT_EQ(code(ErrorCode::already_subscribed), 105u);
  EXPECT_EQ(code(ErrorCode::limit_exceeded), 106u);
  EXPECT_EQ(code(ErrorCode::bad_request), 107u);
  EXPECT_EQ(code(ErrorCode::not_available), 108u);
  EXPECT_EQ(code(ErrorCode::token_expired), 109u);
  EXPECT_EQ(code(ErrorCode::not_subscribed), 110u);
  EXPECT_EQ(code(ErrorCode::too_many_requests), 111u);
  EXPECT_EQ(code(ErrorCode::backend_error), 112u);
  EXPECT_EQ(code(ErrorCode::unavailable), 113u);
  EXPECT_EQ(code(ErrorCode::not_connected), 114u);
}

TEST(ErrorCode, EveryCodeHasItsOwnMessage) {
  std::set<std::string> seen;
  for (uint32_t c = 100; c <= 114; ++c) {
    const std::string_view m = error_message(static_cast<ErrorCode>(c));
    EXPECT_FALSE(m.empty()) << c;
    EXPECT_NE(m, "unknown error") << c;
    EXPECT_TRUE(seen.insert(std::string(m)).second) << "duplicate message for " << c << ": " << m;
  }
  EXPECT_EQ(error_message(ErrorCode::bad_request), "bad request");
  EXPECT_EQ(error_message(ErrorCode::not_connected), "not connected");
  EXPECT_EQ(error_message(static_cast<ErrorCode>(999)), "unknown error");
}

TEST(ErrorCode, CloseCodesAreInTheApplicationRange) {
  for (const DisconnectReason& r :
       {disconnect::normal, disconnect::unauthorized, disconnect::bad_request, disconnect::forbidden,
        disconnect::token_expired, disconnect::connect_timeout, disconnect::slow_consumer,
        disconnect::message_too_big, disconnect::too_many_requests, disconnect::shutdown,
        disconnect::internal, disconnect::insufficient_state}) {
    EXPECT_GE(r.code, 4000) << r.reason;
    EXPECT_LE(r.code, 4999) << r.reason;
    EXPECT_LE(r.reason.size(), 123u);  // fits a close frame (RFC 6455 §5.5)
  }
}

}  // namespace
}  // namespace wshub::hub
