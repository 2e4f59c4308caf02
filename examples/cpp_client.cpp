// The C++ client on the caller's own event loop: connect, subscribe, publish three messages and
// wait for their acks and for their delivery back to us, then read presence and history.
// Build: part of the project (build/examples/); run against a server:
//   build/examples/cpp_client ws://127.0.0.1:8000/websocket [token] [channel]
// Exits 0 when everything arrived, 1 otherwise (a test runs it: tests/integration/test_cpp_client.py).
#include <cstdio>
#include <string>

#include "net/EventLoop.h"
#include "wshub/client/Client.h"

using namespace wshub;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s URL [TOKEN] [CHANNEL]\n", argv[0]);
    return 2;
  }
  const std::string channel = argc > 3 ? argv[3] : "example";
  net::EventLoop loop;
  client::ClientOptions options;
  options.urls = {argv[1]};
  options.token = argc > 2 ? argv[2] : "";
  options.reconnect = false;  // a one-shot tool: report the first failure and stop
  client::Client client(loop, options);

  int acked = 0, delivered = 0, status = 1;
  auto finish = [&](int code) {
    status = code;
    client.disconnect();
    loop.stop();
  };
  client.set_state_handlers({
      .on_connecting = {},
      .on_connected =
          [&](const client::ConnectedInfo& info) {
            std::printf("connected as %s (user '%s')\n", info.client.c_str(), info.user.c_str());
          },
      .on_disconnected =
          [&](uint16_t code, const std::string& reason, bool) {
            std::printf("disconnected: %u %s\n", code, reason.c_str());
            loop.stop();
          },
      .on_error = [](const client::Error& e) { std::printf("error %d: %s\n", e.code, e.message.c_str()); },
  });

  auto read_back = [&] {
    client.presence(channel, [&](const client::Error& e, const std::vector<client::ClientInfo>& clients) {
      if (e) return finish(1);
      std::printf("presence: %zu client(s)\n", clients.size());
      client.history(
          channel,
          [&](const client::Error& e, const client::HistoryResult& h) {
            if (e) return finish(1);
            std::printf("history: %zu publication(s), epoch %s\n", h.publications.size(), h.epoch.c_str());
            finish(0);
          },
          10);
    });
  };

  client::SubscriptionHandlers handlers;
  handlers.on_subscribed = [&](const client::SubscribeResult& r) {
    std::printf("subscribed to %s at offset %llu\n", channel.c_str(),
                static_cast<unsigned long long>(r.offset));
    for (int i = 1; i <= 3; ++i) {
      client.publish(channel, "{\"n\":" + std::to_string(i) + "}",
                     [&](const client::Error& e, uint64_t offset) {
                       if (e) {
                         std::printf("publish failed: %s\n", e.message.c_str());
                         return finish(1);
                       }
                       std::printf("ack: offset %llu\n", static_cast<unsigned long long>(offset));
                       if (++acked == 3 && delivered == 3) read_back();
                     });
    }
  };
  handlers.on_publication = [&](const client::Publication& p) {
    std::printf("received: %s\n", p.payload_json.c_str());
    if (++delivered == 3 && acked == 3) read_back();
  };
  handlers.on_error = [&](const client::Error& e) {
    std::printf("subscribe failed: %d %s\n", e.code, e.message.c_str());
    finish(1);
  };
  client.subscribe(channel, handlers);
  client.connect();
  loop.run();
  if (status == 0) std::printf("ok\n");
  return status;
}
