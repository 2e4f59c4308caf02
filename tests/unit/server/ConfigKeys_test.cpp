// The key table is the single source of truth: these tests keep the table itself
// consistent and hold docs/configuration.md and config/wshub.example.toml to it.
#include "server/ConfigKeys.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "server/ConfigLoader.h"

namespace wshub::server {
namespace {

std::string read_source_file(const std::string& relative) {
  std::ifstream file(std::string(WSHUB_SOURCE_DIR) + "/" + relative);
  EXPECT_TRUE(file) << relative;
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// "websocket.deflate.level" -> "1", as --print-config renders the built-in defaults.
std::map<std::string, std::string> rendered_defaults() {
  std::map<std::string, std::string> values;
  std::istringstream lines(render_config(Config{}));
  std::string line, section;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '[') {
      section = line.substr(1, line.size() - 2);
      continue;
    }
    size_t equals = line.find(" = ");
    values[section + "." + line.substr(0, equals)] = line.substr(equals + 3);
  }
  return values;
}

TEST(ConfigKeys, NamesAreUniqueAndSectionsContiguous) {
  std::set<std::string_view> names;
  std::set<std::string_view> finished_sections;
  std::string_view section;
  for (const ConfigKey& key : config_keys()) {
    EXPECT_TRUE(names.insert(key.name).second) << key.name;
    EXPECT_NE(key.name.find('.'), std::string_view::npos) << key.name << " has no section";
    EXPECT_FALSE(key.help.empty()) << key.name;
    if (key.section() != section) {
      EXPECT_FALSE(finished_sections.count(key.section())) << key.section() << " is split";
      finished_sections.insert(section);
      section = key.section();
    }
  }
}

TEST(ConfigKeys, EveryDefaultPassesItsOwnCheck) {
  for (const ConfigKey& key : config_keys()) EXPECT_FALSE(key.check(key.load(Config{}))) << key.name;
}

TEST(ConfigKeys, SectionsAndLookups) {
  EXPECT_TRUE(is_config_section("server"));
  EXPECT_TRUE(is_config_section("websocket"));
  EXPECT_TRUE(is_config_section("websocket.deflate"));
  EXPECT_FALSE(is_config_section("websocket.def"));
  EXPECT_FALSE(is_config_section("webs"));
  EXPECT_FALSE(is_config_section("server.workers"));
  EXPECT_EQ(find_config_key("server.workers")->type, ValueType::Integer);
  EXPECT_EQ(find_config_key("server.nope"), nullptr);
  EXPECT_EQ(closest_config_key("server.wrokers"), "server.workers");
  EXPECT_EQ(closest_config_key("completely.different"), "");
  EXPECT_EQ(closest_environment_name("WSHUB_LOG_LEVLE"), "WSHUB_LOG_LEVEL");
  EXPECT_EQ(closest_config_section("htpp"), "http");
}

TEST(ConfigKeys, DocumentationHasARowForEveryKeyWithItsEnvironmentNameAndDefault) {
  std::string docs = read_source_file("docs/configuration.md");
  std::map<std::string, std::string> defaults = rendered_defaults();
  for (const ConfigKey& key : config_keys()) {
    std::string row_start = "| `" + std::string(key.name) + "` |";
    size_t row = docs.find(row_start);
    ASSERT_NE(row, std::string::npos) << key.name << " is not documented";
    std::string line = docs.substr(row, docs.find('\n', row) - row);
    EXPECT_NE(line.find("`" + key.environment_name() + "`"), std::string::npos) << line;
    EXPECT_NE(line.find("| `" + defaults[std::string(key.name)] + "` |"), std::string::npos)
        << key.name << ": the code's default is " << defaults[std::string(key.name)] << "\n"
        << line;
  }
  for (std::string_view tool : tool_environment_variables()) {
    EXPECT_NE(docs.find("`" + std::string(tool) + "`"), std::string::npos) << tool;
  }
}

TEST(ConfigKeys, ExampleConfigLoadsCleanlyAndMentionsEveryKey) {
  std::string path = std::string(WSHUB_SOURCE_DIR) + "/config/wshub.example.toml";
  Config config;
  load_config_file(path, config);
  validate(config);
  std::string text = read_source_file("config/wshub.example.toml");
  for (const ConfigKey& key : config_keys()) {
    std::string leaf(key.leaf());
    bool mentioned = text.find("\n" + leaf + " = ") != std::string::npos ||
                     text.find("\n# " + leaf + " = ") != std::string::npos;
    EXPECT_TRUE(mentioned) << key.name << " is missing from the example";
  }
  // It states the defaults: loading it changes nothing.
  for (const ConfigKey& key : config_keys()) EXPECT_EQ(key.load(config), key.load(Config{})) << key.name;
}

}  // namespace
}  // namespace wshub::server
