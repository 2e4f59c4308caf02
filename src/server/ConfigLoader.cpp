#include "server/ConfigLoader.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include "server/BrokerConfigCheck.h"
#include "server/ByteSize.h"
#include "server/ConfigKeys.h"
#include "server/Duration.h"

namespace wshub::server {
namespace {

std::string_view type_name(ValueType type) {
  switch (type) {
    case ValueType::Boolean:
      return "a boolean (true or false)";
    case ValueType::Integer:
      return "an integer";
    case ValueType::ByteSize:
      return "a size (an integer of bytes or a string like \"16MiB\")";
    case ValueType::Duration:
      return "a duration string like \"10s\" or \"250ms\"";
    case ValueType::String:
      return "a string";
    case ValueType::StringList:
      return "an array of strings";
  }
  return "a value";
}

std::string_view node_type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "table";
    case toml::node_type::array:
      return "array";
    case toml::node_type::string:
      return "string";
    case toml::node_type::integer:
      return "integer";
    case toml::node_type::floating_point:
      return "float";
    case toml::node_type::boolean:
      return "boolean";
    case toml::node_type::date:
      return "date";
    case toml::node_type::time:
      return "time";
    case toml::node_type::date_time:
      return "date-time";
    default:
      return "nothing";
  }
}

// A byte size that fits the int64_t every integer key is checked as.
std::optional<ConfigValue> byte_size_from_text(std::string_view text, std::string& error) {
  std::optional<uint64_t> bytes = parse_byte_size(text);
  if (!bytes || *bytes > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    error = describe_byte_size_error(text);
    return std::nullopt;
  }
  return ConfigValue(static_cast<int64_t>(*bytes));
}

std::optional<ConfigValue> duration_from_text(std::string_view text, std::string& error) {
  if (std::optional<Duration> d = parse_duration(text)) return ConfigValue(*d);
  error = describe_duration_error(text);
  return std::nullopt;
}

// Syntax only: the node has the key's type. Range and meaning are the key's check().
std::optional<ConfigValue> value_from_toml(const ConfigKey& key, const toml::node& node, std::string& error) {
  const std::string got = ", got " + std::string(node_type_name(node));
  switch (key.type) {
    case ValueType::Boolean:
      if (auto b = node.as_boolean()) return ConfigValue(b->get());
      break;
    case ValueType::Integer:
      if (auto i = node.as_integer()) return ConfigValue(i->get());
      break;
    case ValueType::ByteSize:
      if (auto i = node.as_integer()) return ConfigValue(i->get());
      if (auto s = node.as_string()) return byte_size_from_text(s->get(), error);
      break;
    case ValueType::Duration:
      if (auto s = node.as_string()) return duration_from_text(s->get(), error);
      if (auto i = node.as_integer()) {
        error = "expected a duration with a unit, like \"" + std::to_string(i->get()) +
                "s\"; a bare integer is ambiguous (units: ms, s, m, h)";
        return std::nullopt;
      }
      break;
    case ValueType::String:
      if (auto s = node.as_string()) return ConfigValue(s->get());
      break;
    case ValueType::StringList:
      if (auto array = node.as_array()) {
        std::vector<std::string> items;
        for (const toml::node& item : *array) {
          auto s = item.as_string();
          if (!s) {
            error =
                "expected an array of strings, got an array containing " + std::string(node_type_name(item));
            return std::nullopt;
          }
          items.push_back(s->get());
        }
        return ConfigValue(std::move(items));
      }
      break;
  }
  error = "expected " + std::string(type_name(key.type)) + got;
  return std::nullopt;
}

// The form the environment and flags use: the TOML value without quotes or brackets.
std::optional<ConfigValue> value_from_text(const ConfigKey& key, std::string_view text, std::string& error) {
  const std::string quoted = "\"" + std::string(text) + "\"";
  switch (key.type) {
    case ValueType::Boolean:
      if (text == "true" || text == "1") return ConfigValue(true);
      if (text == "false" || text == "0") return ConfigValue(false);
      error = "expected true, false, 1 or 0, got " + quoted;
      return std::nullopt;
    case ValueType::Integer: {
      int64_t n = 0;
      auto [end, parse_error] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (text.empty() || parse_error != std::errc() || end != text.data() + text.size()) {
        error = "expected an integer, got " + quoted;
        return std::nullopt;
      }
      return ConfigValue(n);
    }
    case ValueType::ByteSize:
      if (text.starts_with('-')) {
        error = "must not be negative, got " + std::string(text);
        return std::nullopt;
      }
      return byte_size_from_text(text, error);
    case ValueType::Duration:
      return duration_from_text(text, error);
    case ValueType::String:
      return ConfigValue(std::string(text));
    case ValueType::StringList: {
      // Comma-separated, spaces around items ignored; an empty value is an empty list,
      // which is how the environment clears a list set by the file.
      std::vector<std::string> items;
      size_t start = 0;
      while (start <= text.size() && !text.empty()) {
        size_t comma = std::min(text.find(',', start), text.size());
        std::string_view item = text.substr(start, comma - start);
        size_t first = item.find_first_not_of(" \t");
        item = first == std::string_view::npos ? std::string_view()
                                               : item.substr(first, item.find_last_not_of(" \t") - first + 1);
        items.emplace_back(item);
        start = comma + 1;
      }
      return ConfigValue(std::move(items));
    }
  }
  return std::nullopt;
}

// Type-checks, range-checks and stores; returns the error sentence, empty on success.
std::string set_from_toml(const ConfigKey& key, const toml::node& node, Config& config) {
  std::string error;
  std::optional<ConfigValue> value = value_from_toml(key, node, error);
  if (!value) return error;
  if (std::optional<std::string> invalid = key.check(*value)) return *invalid;
  key.store(config, *value);
  return {};
}

// "did you mean" for an unknown name: a near spelling, or the same key in another section
// (`listen = ...` at the top level instead of under [server]).
std::string hint_for(std::string_view name) {
  std::string close = closest_config_key(name);
  if (close.empty()) {
    std::string_view leaf = name.substr(name.rfind('.') + 1);
    for (const ConfigKey& key : config_keys()) {
      if (key.leaf() == leaf) close = std::string(key.name);
    }
  }
  return close.empty() ? std::string() : " (did you mean '" + close + "'?)";
}

void load_table(const toml::table& table, const std::string& prefix, const std::string& source,
                Config& config);

// [namespaces.<name>]: each table takes the keys of [channels]. They are read through the
// [channels] key table into a scratch Config, so the two can never drift apart.
void load_namespaces(const toml::table& table, const std::string& source, Config& config) {
  for (auto&& [toml_key, node] : table) {
    const std::string name(toml_key.str());
    const std::string where = source + ":" + std::to_string(toml_key.source().begin.line) + ": ";
    const toml::table* options = node.as_table();
    if (!options) throw ConfigError(where + "namespaces." + name + ": expected a table of [channels] keys");
    bool valid_name = !name.empty();
    for (char c : name) valid_name = valid_name && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-');
    if (!valid_name) throw ConfigError(where + "namespaces." + name + ": a namespace name is letters, digits, _ and -");
    Config scratch;
    for (auto&& [option, value] : *options) {
      const std::string key_name = "channels." + std::string(option.str());
      const std::string at = source + ":" + std::to_string(option.source().begin.line) + ": ";
      const ConfigKey* key = find_config_key(key_name);
      if (!key || key->leaf() == "allow_unknown_namespaces") {
        throw ConfigError(at + "unknown key 'namespaces." + name + "." + std::string(option.str()) +
                          "' (a namespace takes the keys of [channels])");
      }
      std::string error = set_from_toml(*key, value, scratch);
      if (!error.empty()) throw ConfigError(at + "namespaces." + name + "." + std::string(option.str()) + ": " + error);
    }
    scratch.channels.name = name;
    std::erase_if(config.namespaces, [&](const hub::NamespaceOptions& ns) { return ns.name == name; });
    config.namespaces.push_back(std::move(scratch.channels));
  }
}

// [routes]: message type = "http://host:port/path".
void load_routes(const toml::table& table, const std::string& source, Config& config) {
  for (auto&& [toml_key, node] : table) {
    const std::string where = source + ":" + std::to_string(toml_key.source().begin.line) + ": ";
    const std::string type(toml_key.str());
    std::optional<std::string> url = node.value<std::string>();
    if (!url) throw ConfigError(where + "routes." + type + ": expected a URL string");
    if (!url->starts_with("http://")) {
      throw ConfigError(where + "routes." + type + ": only http:// back-ends are supported, got \"" + *url + "\"");
    }
    config.routes[type] = *url;
  }
}

void load_table(const toml::table& table, const std::string& prefix, const std::string& source,
                Config& config) {
  for (auto&& [toml_key, node] : table) {
    const std::string name =
        prefix.empty() ? std::string(toml_key.str()) : prefix + "." + std::string(toml_key.str());
    const std::string where = source + ":" + std::to_string(toml_key.source().begin.line) + ": ";
    if ((name == "namespaces" || name == "routes") && node.is_table()) {
      if (name == "namespaces") load_namespaces(*node.as_table(), source, config);
      else load_routes(*node.as_table(), source, config);
    } else if (name == "broker" && node.is_string()) {
      // `broker = "redis"` at the top level: short for [broker] type.
      std::string error = set_from_toml(*find_config_key("broker.type"), node, config);
      if (!error.empty()) throw ConfigError(where + name + ": " + error);
    } else if (const ConfigKey* key = find_config_key(name)) {
      std::string error = set_from_toml(*key, node, config);
      if (!error.empty()) throw ConfigError(where + name + ": " + error);
    } else if (is_config_section(name)) {
      const toml::table* section = node.as_table();
      if (!section) {
        throw ConfigError(where + "'" + name + "' is a section; expected a table, got " +
                          std::string(node_type_name(node)));
      }
      load_table(*section, name, source, config);
    } else if (node.is_table()) {
      std::string close = closest_config_section(name);
      throw ConfigError(where + "unknown section [" + name + "]" +
                        (close.empty() ? "" : " (did you mean [" + close + "]?)"));
    } else {
      throw ConfigError(where + "unknown key '" + name + "'" + hint_for(name));
    }
  }
}

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned char>(c));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string render_value(const ConfigKey& key, const ConfigValue& value) {
  switch (key.type) {
    case ValueType::Boolean:
      return std::get<bool>(value) ? "true" : "false";
    case ValueType::Integer:
      return std::to_string(std::get<int64_t>(value));
    case ValueType::ByteSize: {
      int64_t bytes = std::get<int64_t>(value);
      if (bytes < 0) return std::to_string(bytes);  // invalid, but shown as it is
      std::string text = format_byte_size(static_cast<uint64_t>(bytes));
      return text.find_first_not_of("0123456789") == std::string::npos ? text : quote(text);
    }
    case ValueType::Duration:
      return quote(format_duration(std::get<Duration>(value)));
    case ValueType::String: {
      const std::string& text = std::get<std::string>(value);
      return key.secret && !text.empty() ? quote("********") : quote(text);
    }
    case ValueType::StringList: {
      std::string out = "[";
      for (const std::string& item : std::get<std::vector<std::string>>(value)) {
        out += (out.size() > 1 ? ", " : "") + quote(item);
      }
      return out + "]";
    }
  }
  return {};
}

}  // namespace

void load_config_text(std::string_view text, const std::string& source_name, Config& config) {
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    throw ConfigError(source_name + ":" + std::to_string(e.source().begin.line) +
                      ": syntax error: " + std::string(e.description()));
  }
  load_table(root, "", source_name, config);
}

void load_config_file(const std::string& path, Config& config) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw ConfigError("cannot read config file " + path + ": " + std::strerror(errno));
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) throw ConfigError("cannot read config file " + path + ": " + std::strerror(errno));
  load_config_text(text.str(), path, config);
  config.config_file = path;
}

void apply_setting(std::string_view key_name, std::string_view text, const std::string& origin,
                   Config& config) {
  const ConfigKey* key = find_config_key(key_name);
  if (!key) throw ConfigError(origin + ": unknown key '" + std::string(key_name) + "'");
  std::string error;
  std::optional<ConfigValue> value = value_from_text(*key, text, error);
  if (value) {
    if (std::optional<std::string> invalid = key->check(*value)) error = *invalid;
  }
  if (!error.empty()) throw ConfigError(origin + ": " + std::string(key->name) + ": " + error);
  key->store(config, *value);
}

void apply_environment(char** envp, Config& config) {
  constexpr std::string_view kPrefix = "WSHUB_";
  for (char** entry = envp; entry && *entry; ++entry) {
    std::string_view variable = *entry;
    size_t equals = variable.find('=');
    if (equals == std::string_view::npos || !variable.starts_with(kPrefix)) continue;
    std::string_view name = variable.substr(0, equals);
    std::string_view text = variable.substr(equals + 1);
    auto tools = tool_environment_variables();
    if (std::find(tools.begin(), tools.end(), name) != tools.end()) continue;
    const ConfigKey* match = nullptr;
    for (const ConfigKey& key : config_keys()) {
      if (key.environment_name() == name) match = &key;
    }
    if (!match) {
      std::string close = closest_environment_name(name);
      throw ConfigError("unknown environment variable " + std::string(name) +
                        (close.empty() ? "" : " (did you mean " + close + "?)") +
                        "; every WSHUB_* variable must name a configuration key (docs/configuration.md)");
    }
    apply_setting(match->name, text, "environment " + std::string(name), config);
  }
}

void apply_dev_mode(Config& config) {
  config.dev = true;
  config.listen = ListenConfig{"127.0.0.1", 8080};
  config.echo_endpoint = true;
  config.drain_delay = Duration{0};  // a playground stops at once; load balancers are elsewhere
  config.websocket.allowed_origins.clear();  // any Origin: pages served from file:// or another port
  // A playground: anonymous clients may subscribe, publish and read presence and history
  // everywhere, with presence, join/leave and 100 publications of history (5 minutes).
  config.client.allow_anonymous = true;
  hub::NamespaceOptions& ch = config.channels;
  ch.presence = ch.join_leave = true;
  ch.history_size = 100;
  ch.history_ttl = std::chrono::minutes(5);
  ch.subscribe = ch.publish = ch.read_presence = ch.read_history = hub::Access::anyone;
  config.allow_unknown_namespaces = true;  // "chat:lobby" works without a [namespaces.chat]
  // The server API with a well-known key, so demos and curl work at once. Safe only
  // because --dev listens on loopback; a configured api.key replaces it.
  config.api.key = std::string(kDevApiKey);
  config.admin.enabled = true;  // /admin, logging in with that key (or admin.password)
  // The demo pages at /, and a well-known token secret so they can sign in as any name
  // (/demos/dev-session, --dev only). A configured auth.hmac_secret replaces it.
  config.demos.enabled = true;
  config.auth.hmac_secret = std::string(kDevHmacSecret);
  // Every client of a playground (browser tabs, load generators) comes from loopback and
  // connects and sends as fast as it likes: the node-wide, per-address, accept and
  // message rate limits are off. The per-user cap stays; a config file turns any back on.
  config.limits.max_connections = 0;
  config.limits.max_connections_per_ip = 0;
  config.limits.accept_rate = 0;
  config.limits.message_rate = 0;
}

void validate(const Config& config) {
  std::vector<std::string> problems;
  for (const ConfigKey& key : config_keys()) {
    if (std::optional<std::string> invalid = key.check(key.load(config))) {
      problems.push_back(std::string(key.name) + ": " + *invalid);
    }
  }
  if (!config.api.key.empty() && config.api.key.size() < kMinApiKeyBytes) {
    problems.push_back("api.key: at least " + std::to_string(kMinApiKeyBytes) +
                       " bytes (use a random key, e.g. `openssl rand -hex 32`)");
  }
  if (config.admin.enabled && config.admin.password.empty() && config.api.key.empty()) {
    problems.push_back("admin.enabled: the dashboard needs admin.password or api.key to log in with");
  }
  if (!config.admin.password.empty() && config.admin.password.size() < kMinAdminPasswordBytes) {
    problems.push_back("admin.password: at least " + std::to_string(kMinAdminPasswordBytes) + " bytes");
  }
  if (config.tls.cert_file.empty() != config.tls.key_file.empty()) {
    problems.push_back(config.tls.cert_file.empty()
                           ? "tls.key_file is set but tls.cert_file is not: TLS needs both"
                           : "tls.cert_file is set but tls.key_file is not: TLS needs both");
  }
  for (std::string& problem : broker_config_problems(config)) problems.push_back(std::move(problem));
  if (problems.empty()) return;
  std::string message = "invalid configuration";
  if (!config.config_file.empty()) message += " (file " + config.config_file + ")";
  message += ":";
  for (const std::string& problem : problems) message += "\n  " + problem;
  throw ConfigError(message);
}

std::string render_config(const Config& config) {
  std::string out = "# Effective wshub " WSHUB_VERSION " configuration";
  out += config.config_file.empty() ? "" : " (file: " + config.config_file + ")";
  out += config.dev ? ", development mode.\n" : ".\n";
  out += "# Precedence: defaults < --dev < config file < WSHUB_* environment < flags.\n";
  std::string_view section;
  for (const ConfigKey& key : config_keys()) {
    if (key.section() != section) {
      section = key.section();
      out += "\n[" + std::string(section) + "]\n";
    }
    out += std::string(key.leaf()) + " = " + render_value(key, key.load(config)) + "\n";
  }
  for (const hub::NamespaceOptions& ns : config.namespaces) {
    out += "\n[namespaces." + ns.name + "]\n";
    Config scratch;
    scratch.channels = ns;
    for (const ConfigKey& key : config_keys()) {
      if (key.section() == "channels" && key.leaf() != "allow_unknown_namespaces") out += std::string(key.leaf()) + " = " + render_value(key, key.load(scratch)) + "\n";
    }
  }
  if (!config.routes.empty()) {
    out += "\n[routes]\n";
    for (const auto& [type, url] : config.routes) out += type + " = " + quote(url) + "\n";
  }
  return out;
}

}  // namespace wshub::server
