#include "server/Logging.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <regex>
#include <sstream>

namespace wshub::server {
namespace {

// 2026-11-25T10:00:00.123Z
constexpr const char* kTimestamp = R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)";

std::string format(std::string_view format_name, spdlog::level::level_enum level, std::string_view component,
                   std::string_view message, spdlog::log_clock::time_point time = spdlog::log_clock::now()) {
  spdlog::details::log_msg msg(time, spdlog::source_loc{},
                               spdlog::string_view_t(component.data(), component.size()), level,
                               spdlog::string_view_t(message.data(), message.size()));
  spdlog::memory_buf_t buffer;
  make_log_formatter(format_name)->format(msg, buffer);
  return std::string(buffer.data(), buffer.size());
}

TEST(Logging, TextLineHasUtcTimeLevelComponentAndMessage) {
  auto time = spdlog::log_clock::time_point(
      std::chrono::milliseconds(1'795'600'800'123));  // 2026-11-25T10:00:00.123Z
  EXPECT_EQ(format("text", spdlog::level::info, "worker 0", "message", time),
            "2026-11-25T10:00:00.123Z info  [worker 0] message\n");
  EXPECT_EQ(format("text", spdlog::level::warn, "", "no component", time),
            "2026-11-25T10:00:00.123Z warn  no component\n");
  EXPECT_EQ(format("text", spdlog::level::err, "", "x", time), "2026-11-25T10:00:00.123Z error x\n");
}

TEST(Logging, JsonLineIsOneEscapedObject) {
  auto time = spdlog::log_clock::time_point(std::chrono::milliseconds(1'795'600'800'007));
  EXPECT_EQ(
      format("json", spdlog::level::debug, "worker 3", "said \"hi\"\n\\ \x01", time),
      R"({"ts":"2026-11-25T10:00:00.007Z","level":"debug","msg":"said \"hi\"\n\\ \u0001","component":"worker 3"})"
      "\n");
  EXPECT_EQ(format("json", spdlog::level::critical, "", "down", time),
            R"({"ts":"2026-11-25T10:00:00.007Z","level":"critical","msg":"down"})"
            "\n");
}

TEST(Logging, CurrentTimeMatchesTheFormat) {
  std::string line = format("text", spdlog::level::info, "", "now");
  EXPECT_TRUE(std::regex_match(line, std::regex(std::string(kTimestamp) + " info  now\n"))) << line;
}

TEST(Logging, SetupAppliesLevelAndFormatToDefaultAndComponentLoggers) {
  std::ostringstream stream;
  setup_logging(LogConfig{"warn", "json", {}}, std::make_shared<spdlog::sinks::ostream_sink_mt>(stream));
  spdlog::info("hidden");
  spdlog::warn("shown {}", 1);
  component_logger("worker 1")->error("from a worker");
  component_logger("worker 1")->debug("hidden too");
  std::string out = stream.str();
  EXPECT_EQ(out.find("hidden"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("level":"warn","msg":"shown 1"})"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("level":"error","msg":"from a worker","component":"worker 1"})"), std::string::npos)
      << out;
  setup_logging(LogConfig{"off", "text", {}}, std::make_shared<spdlog::sinks::ostream_sink_mt>(stream));
  spdlog::critical("silenced");
  EXPECT_EQ(stream.str().find("silenced"), std::string::npos);
  setup_logging(LogConfig{});  // leave stderr logging for the other tests
}

}  // namespace
}  // namespace wshub::server
