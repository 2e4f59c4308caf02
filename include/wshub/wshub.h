#pragma once
// wshub as a library: run a real-time hub inside your own process (a monolith that wants
// WebSocket push without a separate service). Link the `wshub` CMake target.
//
//   auto hub = wshub::Hub::create(R"(
//     [server]
//     listen = "127.0.0.1:8080"
//     [namespaces.chat]
//     subscribe = "anyone"
//     publish = "anyone"
//     presence = true
//   )");
//   hub->on("shout", [&](const wshub::Message& m, wshub::Reply reply) {
//     hub->publish("chat:lobby", "shout", m.payload);
//     reply.send(R"({"ok":true})");
//   });
//   hub->start();
//   ...
//   hub->stop();  // clients get close 4500 (reconnect advised)
//
// Configuration is the same TOML as the standalone server's (docs/configuration.md).
// Payloads are JSON text. Methods marked "any thread" may be called from any thread at
// any time after create(); callbacks run on wshub's threads and must not block.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wshub {

// An application message from a client: {"type":"<type>","id":..,"payload":..}.
struct Message {
  std::string_view client;   // connection id
  std::string_view user;     // user id from the connection's token; empty when anonymous
  std::string_view type;
  std::string_view payload;  // JSON text of the payload; empty when the message had none
};

// The answer to one Message: call send() or fail() once, now or later, from any thread.
// Dropping it unanswered answers with an internal error, so no client waits forever.
class Reply {
 public:
  Reply(Reply&&) noexcept;
  Reply& operator=(Reply&&) noexcept;
  ~Reply();
  void send(std::string_view json_payload = {});  // -> {"type":"reply","id":..,"payload":..}
  // -> {"type":"error","id":..,"code":code,"message":..}; codes as in docs/protocol.md
  void fail(uint32_t code, std::string_view message);

  struct Impl;
  explicit Reply(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

using Handler = std::function<void(const Message& message, Reply reply)>;

struct Position {
  uint64_t offset = 0;  // 0 when the channel keeps no history
  std::string epoch;
};

struct PresenceEntry {
  std::string client;
  std::string user;
  std::string info;  // JSON object text, or empty
};

// An error: `code` as in docs/protocol.md (e.g. 102 unknown channel), and a message.
struct Failure {
  uint32_t code = 0;
  std::string message;
};

class Hub {
 public:
  // Parses `toml_config` (the standalone server's format), binds the listener and builds
  // the hub. `dev` applies --dev defaults first. Throws std::runtime_error with a clear
  // message on a bad configuration or a failed bind.
  static std::unique_ptr<Hub> create(std::string_view toml_config, bool dev = false);
  ~Hub();

  // Before start(): routes application messages of `type` to `handler`, which runs on
  // the worker thread of the client's connection.
  void on(std::string type, Handler handler);

  void start();
  // Any thread, idempotent: clients are closed with 4500 and the workers drain.
  void stop();
  void wait();
  uint16_t port() const;  // the port it listens on (useful with port 0)

  // Any thread. Publishes to every subscriber of `channel` on every worker, with the
  // channel's namespace options (history). `done` gets the position, or why not.
  void publish(const std::string& channel, const std::string& type, std::string_view json_payload,
               std::function<void(std::optional<Position>, std::optional<Failure>)> done = {});
  // Any thread. To every connection of `user` (all tabs and devices), on every worker:
  // they receive {"type":"<type>","payload":..}.
  // Fire and forget: with a cluster broker that cannot send it now (Redis down), the
  // message is dropped and counted (wshub_broker_errors_total); use the overload below to
  // know.
  void send_to_user(const std::string& user, const std::string& type, std::string_view json_payload);
  // The same, and `done` runs once (on a wshub thread) with no Failure when the message is
  // on its way to every node, or a Failure with code 113 (unavailable) when the broker
  // could not send it: retry later. Success does not mean the user had connections.
  void send_to_user(const std::string& user, const std::string& type, std::string_view json_payload,
                    std::function<void(std::optional<Failure>)> done);
  // Any thread. Who is in `channel` (its namespace must have presence on).
  void presence(const std::string& channel,
                std::function<void(std::vector<PresenceEntry>, std::optional<Failure>)> done);

  struct Impl;

 private:
  explicit Hub(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace wshub
