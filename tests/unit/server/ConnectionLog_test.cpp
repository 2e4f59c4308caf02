#include "server/ConnectionLog.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

#include "server/Logging.h"

namespace wshub::server {
namespace {

TEST(ConnectionLog, OpenAndCloseLinesCarryWhoWhereHowLongAndTheCode) {
  std::ostringstream stream;
  setup_logging(LogConfig{"info", "text", {}}, std::make_shared<spdlog::sinks::ostream_sink_mt>(stream));
  ConnectionLogEntry entry{"node-0-1", "", "127.0.0.1:5000", "wshub.json"};
  log_connection_open(entry);
  entry.user = "alice";
  log_connection_closed(entry, std::chrono::milliseconds(1234), 4100, "bye \"now\"\n[fake] line");
  std::string out = stream.str();
  EXPECT_NE(out.find("[conn] connection open: client=node-0-1 user=- remote=127.0.0.1:5000 subprotocol=wshub.json\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("[conn] connection closed: client=node-0-1 user=alice remote=127.0.0.1:5000 duration=1.234s "
                     "code=4100 reason=\"bye ?now??[fake] line\"\n"),
            std::string::npos)
      << out;
  setup_logging(LogConfig{});
}

}  // namespace
}  // namespace wshub::server
