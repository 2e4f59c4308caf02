// The command line of wshub-bench: per-scenario defaults and refusals (the rtt scenario's above all).
#include "Options.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace wshub::bench {
namespace {

std::string parse(std::vector<std::string> args, Options& options) {
  args.insert(args.begin(), "wshub-bench");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  return parse_options(static_cast<int>(argv.size()), argv.data(), options);
}

TEST(BenchOptions, RttDefaultsToOneClient) {
  Options o;
  ASSERT_EQ(parse({"rtt", "--url", "ws://127.0.0.1:8000/websocket"}, o), "");
  EXPECT_EQ(o.scenario, "rtt");
  EXPECT_EQ(o.connections, 1);
  EXPECT_EQ(o.host, "127.0.0.1");
  EXPECT_EQ(o.port, 8000);
  EXPECT_EQ(o.path, "/websocket");
  EXPECT_FALSE(o.tls);
}

TEST(BenchOptions, RttKeepsTheGivenCountAndTheOtherScenariosTheirDefault) {
  Options rtt;
  ASSERT_EQ(parse({"rtt", "--url", "ws://h:1/websocket", "--connections", "10", "--duration", "5"}, rtt), "");
  EXPECT_EQ(rtt.connections, 10);
  EXPECT_DOUBLE_EQ(rtt.duration, 5);
  Options fanout;
  ASSERT_EQ(parse({"fanout", "--url", "ws://h:1/websocket"}, fanout), "");
  EXPECT_EQ(fanout.connections, 100);
}

TEST(BenchOptions, RttTakesWssAndAQuery) {
  Options o;
  ASSERT_EQ(parse({"rtt", "--url", "wss://h:443/websocket", "--query", "token=abc"}, o), "");
  EXPECT_TRUE(o.tls);
  EXPECT_EQ(o.path, "/websocket?token=abc");
}

TEST(BenchOptions, RttRefusesWhatTheClientCannotSend) {
  Options o;
  EXPECT_NE(parse({"rtt", "--url", "ws://h:1/websocket", "--header", "X-A: b"}, o), "");
  Options p;
  EXPECT_NE(parse({"rtt", "--url", "ws://h:1/websocket", "--publish-http"}, p), "");
}

TEST(BenchOptions, UnknownScenarioNamesRtt) {
  Options o;
  const std::string problem = parse({"nope", "--url", "ws://h:1/"}, o);
  EXPECT_NE(problem.find("rtt"), std::string::npos) << problem;
}

}  // namespace
}  // namespace wshub::bench
