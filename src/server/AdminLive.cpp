#include "server/AdminLive.h"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <array>

#include "api/ApiCommandParser.h"
#include "hub/ErrorCode.h"
#include "hub/MessageWriter.h"
#include "server/Worker.h"

namespace wshub::server {

namespace {

using hub::MessageWriter;
constexpr hub::Encoding kJson = hub::Encoding::json;

// What the dashboard needs: reading, searching, and disconnecting a user. Publishing and
// steering subscriptions stay with the back-ends' API key.
constexpr std::array<std::string_view, 7> kAllowedMethods{
    "info", "channels", "connections", "disconnect", "presence", "presence_stats", "history"};

constexpr hub::DisconnectReason kWrongSecret{4001, "unauthorized", false};
constexpr hub::DisconnectReason kLoginTimeout{4005, "login timeout", false};
constexpr hub::DisconnectReason kTooManyLogins{4029, "too many login attempts", true};

std::string error_message(std::optional<uint64_t> id, uint32_t code, std::string_view message) {
  std::string out;
  MessageWriter w(kJson, out);
  w.begin_object(id ? 3 : 2);
  w.string_field("type", id ? "reply" : "error");
  if (id) w.uint_field("id", *id);
  w.key("error");
  w.begin_object(2);
  w.uint_field("code", code);
  w.string_field("message", message);
  w.end_object();
  w.end_object();
  return out;
}

std::string error_message(std::optional<uint64_t> id, hub::ErrorCode code, std::string_view message) {
  return error_message(id, hub::code(code), message);
}

double per_second(uint64_t now, uint64_t before, double seconds) {
  if (seconds <= 0 || now < before) return 0;
  return static_cast<double>(now - before) / seconds;
}

}  // namespace

struct AdminLive::Session {
  AdminLive::WorkerState* worker = nullptr;
  Connection* connection = nullptr;
  uint64_t id = 0;
  bool logged_in = false;
  size_t calls_in_flight = 0;
  net::TimerNode deadline;
};

struct AdminLive::WorkerState {
  AdminLive* owner = nullptr;
  net::EventLoop* loop = nullptr;
  std::unordered_map<uint64_t, std::unique_ptr<Session>> sessions;  // by connection id
  size_t logged_in = 0;
  net::TimerNode ticker;
  // The previous sample, for the per-second rates.
  bool sampled = false;
  uint64_t messages_in = 0;
  uint64_t messages_out = 0;
  std::chrono::steady_clock::time_point sampled_at;
};

AdminLive::AdminLive(std::vector<net::EventLoop*> loops, api::ServerApi& api, std::string_view secret,
                     std::chrono::milliseconds login_timeout, NodeSampleSource sample)
    : api_(api), login_(secret), login_timeout_(login_timeout), sample_(std::move(sample)) {
  for (net::EventLoop* loop : loops) {
    auto state = std::make_unique<WorkerState>();
    state->owner = this;
    state->loop = loop;
    state->ticker.callback = &AdminLive::on_tick;
    state->ticker.owner = state.get();
    workers_.push_back(std::move(state));
  }
}

// The workers have stopped when the node frees this: timers still linked into their
// wheels are never fired again, so nothing here touches a wheel.
AdminLive::~AdminLive() = default;

void AdminLive::on_open(Connection& connection) {
  WorkerState& state = *workers_[connection.worker().index()];
  auto session = std::make_unique<Session>();
  session->worker = &state;
  session->connection = &connection;
  session->id = connection.id();
  session->deadline.callback = &AdminLive::on_login_deadline;
  session->deadline.owner = session.get();
  state.loop->timers().schedule(session->deadline, login_timeout_);
  connection.user_data = session.get();
  state.sessions.emplace(connection.id(), std::move(session));
}

void AdminLive::on_close(Connection& connection, uint16_t, std::string_view) {
  auto* session = static_cast<Session*>(connection.user_data);
  if (!session) return;
  connection.user_data = nullptr;
  WorkerState& state = *session->worker;
  state.loop->timers().cancel(session->deadline);
  if (session->logged_in && --state.logged_in == 0) state.loop->timers().cancel(state.ticker);
  state.sessions.erase(session->id);
}

void AdminLive::on_login_deadline(net::TimerNode* node) {
  auto* session = static_cast<Session*>(node->owner);
  session->connection->disconnect(kLoginTimeout);
}

void AdminLive::on_message(Connection& connection, ws::Opcode opcode, std::span<const std::byte> payload) {
  auto* session = static_cast<Session*>(connection.user_data);
  if (!session) return;
  if (opcode != ws::Opcode::text) {
    connection.send_text(error_message(std::nullopt, hub::ErrorCode::bad_request, "send JSON text messages"));
    return;
  }
  static thread_local simdjson::dom::parser parser;
  simdjson::dom::object message;
  if (parser.parse(reinterpret_cast<const char*>(payload.data()), payload.size()).get_object().get(message)) {
    connection.send_text(error_message(std::nullopt, hub::ErrorCode::bad_request, "not a JSON object"));
    return;
  }
  std::string_view type;
  if (message["type"].get_string().get(type)) type = {};
  if (!session->logged_in) {
    std::string_view secret;
    if (type != "login" || message["secret"].get_string().get(secret)) {
      connection.send_text(error_message(std::nullopt, hub::ErrorCode::unauthorized,
                                         "log in first: {\"type\":\"login\",\"secret\":..}"));
      connection.disconnect(kWrongSecret);
      return;
    }
    return handle_login(*session, secret);
  }
  if (type != "call") {
    connection.send_text(error_message(std::nullopt, hub::ErrorCode::bad_request, "type: expected \"call\""));
    return;
  }
  uint64_t id = 0;
  std::string_view method;
  if (message["id"].get_uint64().get(id)) {
    connection.send_text(
        error_message(std::nullopt, hub::ErrorCode::bad_request, "id: required non-negative integer"));
    return;
  }
  if (message["method"].get_string().get(method)) {
    connection.send_text(error_message(id, hub::ErrorCode::bad_request, "method: required string"));
    return;
  }
  simdjson::dom::element params;
  std::string params_text = message["params"].get(params) ? std::string("{}") : simdjson::minify(params);
  handle_call(*session, id, method, params_text);
}

void AdminLive::handle_login(Session& session, std::string_view secret) {
  Connection& connection = *session.connection;
  AdminLogin::Outcome outcome = login_.attempt(secret, std::chrono::steady_clock::now());
  if (outcome == AdminLogin::Outcome::rate_limited) {
    spdlog::warn("admin: login from {} refused: too many attempts on this node", connection.remote_address());
    connection.send_text(
        error_message(std::nullopt, hub::ErrorCode::too_many_requests, "too many login attempts"));
    connection.disconnect(kTooManyLogins);
    return;
  }
  if (outcome == AdminLogin::Outcome::refused) {
    spdlog::warn("admin: login from {} refused: wrong secret", connection.remote_address());
    connection.send_text(error_message(std::nullopt, hub::ErrorCode::unauthorized, "wrong password"));
    connection.disconnect(kWrongSecret);
    return;
  }
  spdlog::info("admin: dashboard login from {}", connection.remote_address());
  WorkerState& state = *session.worker;
  state.loop->timers().cancel(session.deadline);
  session.logged_in = true;
  NodeSample sample = sample_();
  std::string out;
  MessageWriter w(kJson, out);
  w.begin_object(4);
  w.string_field("type", "welcome");
  w.string_field("node", sample.node.id);
  w.string_field("version", sample.node.version);
  w.uint_field("workers", sample.workers.size());
  w.end_object();
  connection.send_text(out);
  if (state.logged_in++ == 0) {
    state.sampled = false;  // rates restart from this sample
    send_stats(state);
    state.loop->timers().schedule(state.ticker, kStatsInterval);
  } else {
    // Numbers at once for the newcomer; the rates come with the next tick.
    connection.send_text(stats_message(sample_(), 0, 0));
  }
}

void AdminLive::handle_call(Session& session, uint64_t id, std::string_view method_name,
                            std::string_view params) {
  Connection& connection = *session.connection;
  bool allowed = false;
  for (std::string_view m : kAllowedMethods) allowed = allowed || m == method_name;
  std::optional<api::Method> method = api::method_from_name(method_name);
  if (!allowed || !method) {
    connection.send_text(
        error_message(id, 404, "method not available on the dashboard: " + std::string(method_name)));
    return;
  }
  if (session.calls_in_flight >= kMaxCallsInFlight) {
    connection.send_text(error_message(id, hub::ErrorCode::too_many_requests, "too many calls in flight"));
    return;
  }
  hub::Result<api::ApiCommand> command = api::parse_api_command(*method, params);
  if (!command) {
    connection.send_text(error_message(id, command.error().code, command.error().message));
    return;
  }
  if (*method == api::Method::disconnect) {
    spdlog::info("admin: {} disconnects user {}", connection.remote_address(),
                 std::get<api::DisconnectParams>(command->params).user);
  }
  ++session.calls_in_flight;
  WorkerState* state = session.worker;
  uint64_t session_id = session.id;
  api_.execute(std::move(*command), [state, session_id, id](hub::Result<std::string> result) {
    std::string out;
    if (result) {
      MessageWriter w(kJson, out);
      w.begin_object(3);
      w.string_field("type", "reply");
      w.uint_field("id", id);
      w.key("result");
      w.json_value(*result);
      w.end_object();
    } else {
      std::string_view message = result.error().message.empty()
                                     ? hub::error_message(static_cast<hub::ErrorCode>(result.error().code))
                                     : std::string_view(result.error().message);
      out = error_message(id, result.error().code, message);
    }
    auto deliver = [state, session_id, out = std::move(out)] {
      auto it = state->sessions.find(session_id);
      if (it == state->sessions.end()) return;  // closed meanwhile
      --it->second->calls_in_flight;
      it->second->connection->send_text(out);
    };
    if (state->loop->in_loop_thread()) return deliver();
    if (!state->loop->post(std::move(deliver))) spdlog::warn("admin: worker queue full, a reply was dropped");
  });
}

void AdminLive::on_tick(net::TimerNode* node) {
  auto* state = static_cast<WorkerState*>(node->owner);
  if (state->logged_in == 0) return;
  state->owner->send_stats(*state);
  state->loop->timers().schedule(state->ticker, kStatsInterval);
}

std::string AdminLive::stats_message(const NodeSample& sample, uint64_t in_rate, uint64_t out_rate) {
  const uint64_t time_ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                     std::chrono::system_clock::now().time_since_epoch())
                                                     .count());
  std::string out;
  MessageWriter w(kJson, out);
  w.begin_object(11);
  w.string_field("type", "stats");
  w.uint_field("time", time_ms);
  w.uint_field("uptime", sample.node.uptime_seconds);
  w.uint_field("connections", sample.node.connections);
  w.uint_field("channels", sample.node.channels);
  w.uint_field("messages_in", sample.node.messages_in);
  w.uint_field("messages_out", sample.node.messages_out);
  w.uint_field("messages_in_per_second", in_rate);
  w.uint_field("messages_out_per_second", out_rate);
  w.key("workers");
  w.begin_array(static_cast<uint32_t>(sample.workers.size()));
  for (const WorkerSample& worker : sample.workers) {
    w.begin_object(3);
    w.uint_field("connections", worker.connections);
    w.uint_field("messages_in", worker.messages_in);
    w.uint_field("messages_out", worker.messages_out);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return out;
}

// The ticker's sample: rates over the time since the previous tick, to every logged-in
// session on this worker.
void AdminLive::send_stats(WorkerState& state) {
  NodeSample sample = sample_();
  auto now = std::chrono::steady_clock::now();
  double in_rate = 0, out_rate = 0;
  if (state.sampled) {
    double seconds = std::chrono::duration<double>(now - state.sampled_at).count();
    in_rate = per_second(sample.node.messages_in, state.messages_in, seconds);
    out_rate = per_second(sample.node.messages_out, state.messages_out, seconds);
  }
  state.sampled = true;
  state.sampled_at = now;
  state.messages_in = sample.node.messages_in;
  state.messages_out = sample.node.messages_out;
  // Rounded to whole messages.
  std::string out =
      stats_message(sample, static_cast<uint64_t>(in_rate + 0.5), static_cast<uint64_t>(out_rate + 0.5));
  // A send may close a slow consumer, which erases its session: walk a copy of the ids.
  std::vector<uint64_t> ids;
  for (auto& [id, session] : state.sessions) {
    if (session->logged_in) ids.push_back(id);
  }
  for (uint64_t id : ids) {
    auto it = state.sessions.find(id);
    if (it != state.sessions.end()) it->second->connection->send_text(out);
  }
}

}  // namespace wshub::server
