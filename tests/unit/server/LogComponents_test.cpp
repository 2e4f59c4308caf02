#include "server/LogComponents.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "server/Logging.h"

namespace wshub::server {
namespace {

TEST(LogComponents, ParsesComponentLevelsLaterEntriesWin) {
  std::string error;
  auto levels = parse_component_levels({"net=debug", "conn=warn", "net=error"}, error);
  ASSERT_TRUE(levels) << error;
  EXPECT_EQ((*levels)[static_cast<size_t>(LogComponent::net)], "error");
  EXPECT_EQ((*levels)[static_cast<size_t>(LogComponent::conn)], "warn");
  EXPECT_FALSE((*levels)[static_cast<size_t>(LogComponent::hub)].has_value());
}

TEST(LogComponents, RefusesUnknownComponentsLevelsAndSyntax) {
  std::string error;
  EXPECT_FALSE(parse_component_levels({"nett=debug"}, error));
  EXPECT_NE(error.find("unknown component"), std::string::npos) << error;
  EXPECT_FALSE(parse_component_levels({"net=loud"}, error));
  EXPECT_NE(error.find("level must be"), std::string::npos) << error;
  EXPECT_FALSE(parse_component_levels({"net"}, error));
  EXPECT_NE(error.find("component=level"), std::string::npos) << error;
}

TEST(LogComponents, EachComponentHasItsLevelAndReloadChangesIt) {
  std::ostringstream stream;
  LogConfig config{"info", "text", {"net=debug", "conn=warn"}};
  setup_logging(config, std::make_shared<spdlog::sinks::ostream_sink_mt>(stream));
  component_log(LogComponent::net).debug("net detail");
  component_log(LogComponent::conn).info("conn hidden");
  component_log(LogComponent::hub).info("hub shown");
  component_log(LogComponent::hub).debug("hub detail hidden");
  spdlog::debug("default detail hidden");
  std::string out = stream.str();
  EXPECT_NE(out.find("[net] net detail"), std::string::npos) << out;
  EXPECT_NE(out.find("[hub] hub shown"), std::string::npos) << out;
  EXPECT_EQ(out.find("hidden"), std::string::npos) << out;

  // SIGHUP: new levels on the same loggers (call sites keep their references).
  spdlog::logger& conn = component_log(LogComponent::conn);
  apply_log_levels(LogConfig{"debug", "text", {}});
  conn.info("conn now shown");
  spdlog::debug("default now shown");
  out = stream.str();
  EXPECT_NE(out.find("[conn] conn now shown"), std::string::npos) << out;
  EXPECT_NE(out.find("default now shown"), std::string::npos) << out;
  setup_logging(LogConfig{});  // back to stderr for the other tests
}

}  // namespace
}  // namespace wshub::server
