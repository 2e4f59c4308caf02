#include "server/CommandLine.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "server/ConfigKeys.h"
#include "server/ConfigLoader.h"

namespace wshub::server {
namespace {

// Owns argv/envp strings for one parse_command_line call and keeps its output.
struct Outcome {
  std::optional<Config> config;
  int exit_code = -1;
  std::string out;
  std::string err;
};

Outcome run(std::vector<std::string> args, std::vector<std::string> env = {}) {
  args.insert(args.begin(), "wshub");
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (std::string& entry : env) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::ostringstream out, err;
  Outcome result;
  result.config =
      parse_command_line(static_cast<int>(args.size()), argv.data(), envp.data(), result.exit_code, out, err);
  result.out = out.str();
  result.err = err.str();
  return result;
}

std::string write_file(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST(CommandLine, NoArgumentsGiveTheDefaults) {
  Outcome r = run({});
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.config->listen.port, 8000);
  EXPECT_FALSE(r.config->dev);
  EXPECT_TRUE(r.out.empty());
  EXPECT_TRUE(r.err.empty());
}

TEST(CommandLine, HelpListsEveryFlagTheEnvironmentAndTheDocs) {
  Outcome r = run({"--help"});
  EXPECT_FALSE(r.config);
  EXPECT_EQ(r.exit_code, 0);
  for (const char* part : {"--config", "--dev", "--listen", "--workers", "--print-config", "--check-config",
                           "--help", "--version", "WSHUB_<SECTION>_<KEY>", "docs/configuration.md",
                           "127.0.0.1:8080", "defaults < --dev < config file < environment"}) {
    EXPECT_TRUE(contains(r.out, part)) << part << " in\n" << r.out;
  }
  EXPECT_EQ(run({"-h"}).out, r.out);
}

TEST(CommandLine, VersionPrintsNameAndVersion) {
  Outcome r = run({"--version"});
  EXPECT_FALSE(r.config);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "wshub " WSHUB_VERSION "\n");
}

TEST(CommandLine, UsageErrorsExitWithTwo) {
  for (std::vector<std::string> args :
       std::vector<std::vector<std::string>>{{"--nope"},
                                             {"--config"},
                                             {"--listen"},
                                             {"extra"},
                                             {"--workers", "many"},
                                             {"--workers", "2000"},
                                             {"--listen", "localhost"},
                                             {"--check-config", "a.toml", "--config", "b.toml"}}) {
    Outcome r = run(args);
    EXPECT_FALSE(r.config) << args[0];
    EXPECT_EQ(r.exit_code, 2) << args[0] << ": " << r.err;
    EXPECT_TRUE(contains(r.err, "wshub: ")) << r.err;
    EXPECT_TRUE(r.out.empty());
  }
  EXPECT_EQ(
      run({"--workers", "many"}).err,
      "wshub: --workers: server.workers: expected an integer, got \"many\"\nRun 'wshub --help' for usage.\n");
}

TEST(CommandLine, ConfigErrorsExitWithOne) {
  std::string bad = write_file("wshub_cli_bad.toml", "[server]\nworkerz = 2\n");
  Outcome r = run({"--config", bad});
  EXPECT_FALSE(r.config);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "wshub: " + bad + ":2: unknown key 'server.workerz' (did you mean 'server.workers'?)\n");

  EXPECT_EQ(run({"--config", "/nonexistent.toml"}).exit_code, 1);
  EXPECT_EQ(run({}, {"WSHUB_SERVER_WORKRS=2"}).exit_code, 1);
  std::string half_tls = write_file("wshub_cli_tls.toml", "[tls]\ncert_file = \"c.pem\"\n");
  Outcome invalid = run({"--config", half_tls});
  EXPECT_EQ(invalid.exit_code, 1);
  EXPECT_TRUE(contains(invalid.err, "tls.cert_file is set but tls.key_file is not")) << invalid.err;
}

TEST(CommandLine, PrecedenceIsDefaultsDevFileEnvironmentFlags) {
  // Each source sets the port (and one key of its own, to show it leaves the others alone).
  std::string file =
      write_file("wshub_cli_precedence.toml",
                 "[server]\nlisten = \"0.0.0.0:1001\"\nworkers = 3\n[log]\nlevel = \"warn\"\n");
  Outcome dev = run({"--dev"});
  ASSERT_TRUE(dev.config);
  EXPECT_EQ(dev.config->listen.port, 8080);
  EXPECT_TRUE(dev.config->echo_endpoint);

  Outcome dev_file = run({"--dev", "--config", file});
  ASSERT_TRUE(dev_file.config);
  EXPECT_EQ(dev_file.config->listen.port, 1001);  // file beats --dev
  EXPECT_TRUE(dev_file.config->echo_endpoint);    // --dev default the file does not touch
  EXPECT_TRUE(dev_file.config->dev);

  Outcome env =
      run({"--dev", "--config", file}, {"WSHUB_SERVER_LISTEN=0.0.0.0:1002", "WSHUB_SERVER_WORKERS=4"});
  ASSERT_TRUE(env.config);
  EXPECT_EQ(env.config->listen.port, 1002);  // environment beats file
  EXPECT_EQ(env.config->workers, 4u);
  EXPECT_EQ(env.config->log.level, "warn");  // file value the environment does not touch

  Outcome flags = run({"--dev", "--config", file, "--listen", "[::1]:1003", "--workers", "5"},
                      {"WSHUB_SERVER_LISTEN=0.0.0.0:1002", "WSHUB_SERVER_WORKERS=4"});
  ASSERT_TRUE(flags.config) << flags.err;
  EXPECT_EQ(flags.config->listen.host, "::1");  // flags beat everything
  EXPECT_EQ(flags.config->listen.port, 1003);
  EXPECT_EQ(flags.config->workers, 5u);
  EXPECT_EQ(flags.config->config_file, file);
}

TEST(CommandLine, FlagsRescueAnInvalidEnvironmentValueOnlyIfValid) {
  // Validation runs on the final result: a flag can fix what the file got wrong across keys.
  Outcome r = run({"--listen", "127.0.0.1:0"}, {"WSHUB_LOG_FORMAT=json"});
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->listen.port, 0);
  EXPECT_EQ(r.config->log.format, "json");
}

TEST(CommandLine, CheckConfigReportsOkOrTheError) {
  std::string good = write_file("wshub_cli_good.toml", "[server]\nworkers = 2\n");
  Outcome ok = run({"--check-config", good});
  EXPECT_FALSE(ok.config);
  EXPECT_EQ(ok.exit_code, 0);
  EXPECT_EQ(ok.out, good + ": configuration OK\n");
  EXPECT_TRUE(ok.err.empty());

  std::string bad = write_file("wshub_cli_check_bad.toml", "[websocket]\nping_interval = 25\n");
  Outcome failed = run({"--check-config", bad});
  EXPECT_FALSE(failed.config);
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_TRUE(failed.out.empty());
  EXPECT_TRUE(contains(failed.err, bad + ":2: websocket.ping_interval: expected a duration with a unit"))
      << failed.err;

  // The check covers what the server would run with, environment included.
  Outcome env = run({"--check-config", good}, {"WSHUB_LOG_LEVEL=chatty"});
  EXPECT_EQ(env.exit_code, 1);
  EXPECT_TRUE(contains(env.err, "WSHUB_LOG_LEVEL")) << env.err;
}

TEST(CommandLine, CheckConfigAcceptsTheShippedExample) {
  std::string example = std::string(WSHUB_SOURCE_DIR) + "/config/wshub.example.toml";
  Outcome r = run({"--check-config", example});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, example + ": configuration OK\n");
}

TEST(CommandLine, PrintConfigPrintsTomlThatLoadsBack) {
  Outcome r = run({"--print-config", "--dev", "--workers", "6"}, {"WSHUB_WEBSOCKET_SUBPROTOCOLS=a,b"});
  EXPECT_FALSE(r.config);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(contains(r.out, "listen = \"127.0.0.1:8080\"")) << r.out;
  EXPECT_TRUE(contains(r.out, "workers = 6")) << r.out;
  Config reloaded;
  load_config_text(r.out, "printed", reloaded);
  EXPECT_EQ(reloaded.workers, 6u);
  EXPECT_EQ(reloaded.websocket.subprotocols, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(reloaded.echo_endpoint);
}

TEST(CommandLine, PrintConfigRefusesAnInvalidConfiguration) {
  Outcome r = run({"--print-config"}, {"WSHUB_TLS_KEY_FILE=k.pem"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.out.empty());
}

}  // namespace
}  // namespace wshub::server
