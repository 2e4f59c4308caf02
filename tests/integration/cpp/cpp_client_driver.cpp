// A line-driven front end of wshub::client for the integration tests (test_cpp_client.py): one
// command per line on stdin, one JSON event per line on stdout. The test decides what to do and
// checks what the real client did against the real server.
//
//   cpp_client_driver URL TOKEN [--insecure] [--ca FILE] [--min-backoff MS] [--ping-interval MS]
//                     [--pong-timeout MS]
//   sub CH | unsub CH | pub CH JSON | presence CH | history CH | request TYPE JSON | quit
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>

#include "wshub/client/ClientThread.h"

using namespace wshub::client;

namespace {

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

void emit(const std::string& line) {
  std::fputs((line + "\n").c_str(), stdout);
  std::fflush(stdout);
}

std::string error_event(const char* what, const Error& e) {
  return std::string("{\"ev\":\"error\",\"op\":\"") + what + "\",\"code\":" + std::to_string(e.code) +
         ",\"message\":" + quoted(e.message) + "}";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s URL TOKEN [--insecure] [--ca FILE] [--min-backoff MS]\n", argv[0]);
    return 2;
  }
  ClientOptions options;
  options.urls = {argv[1]};
  options.token = argv[2];
  options.request_timeout = std::chrono::milliseconds(5000);
  for (int i = 3; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--insecure") options.tls_verify_peer = false;
    if (arg == "--ca" && i + 1 < argc) options.tls_ca_file = argv[++i];
    if (arg == "--min-backoff" && i + 1 < argc)
      options.backoff.min_delay = std::chrono::milliseconds(std::stoi(argv[++i]));
    if (arg == "--ping-interval" && i + 1 < argc)
      options.ping_interval = std::chrono::milliseconds(std::stoi(argv[++i]));
    if (arg == "--pong-timeout" && i + 1 < argc)
      options.pong_timeout = std::chrono::milliseconds(std::stoi(argv[++i]));
  }
  options.backoff.max_delay = std::max(options.backoff.min_delay * 4, std::chrono::milliseconds(1000));
  ClientThread thread(options);
  thread.post([](Client& client) {
    client.set_state_handlers(StateHandlers{
        .on_connecting = {},
        .on_connected =
            [](const ConnectedInfo& info) {
              emit("{\"ev\":\"connected\",\"user\":" + quoted(info.user) +
                   ",\"client\":" + quoted(info.client) + "}");
            },
        .on_disconnected =
            [](uint16_t code, const std::string& reason, bool again) {
              emit("{\"ev\":\"disconnected\",\"code\":" + std::to_string(code) + ",\"reason\":" +
                   quoted(reason) + ",\"will_reconnect\":" + (again ? "true" : "false") + "}");
            },
        .on_error = [](const Error& e) { emit(error_event("connection", e)); },
    });
    client.on("notice",
              [](const std::string& payload) { emit("{\"ev\":\"push\",\"payload\":" + payload + "}"); });
    client.connect();
  });

  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string cmd, arg, json;
    in >> cmd >> arg;
    std::getline(in >> std::ws, json);
    if (cmd == "quit") break;
    thread.post([cmd, arg, json](Client& client) {
      if (cmd == "sub") {
        SubscriptionHandlers h;
        h.on_publication = [](const Publication& p) {
          emit("{\"ev\":\"pub\",\"channel\":" + quoted(p.channel) +
               ",\"offset\":" + std::to_string(p.offset) + ",\"payload\":" + p.payload_json + "}");
        };
        h.on_join = [arg](const ClientInfo& c) { emit("{\"ev\":\"join\",\"user\":" + quoted(c.user) + "}"); };
        h.on_leave = [arg](const ClientInfo& c) {
          emit("{\"ev\":\"leave\",\"user\":" + quoted(c.user) + "}");
        };
        h.on_subscribed = [arg](const SubscribeResult& r) {
          emit("{\"ev\":\"subscribed\",\"channel\":" + quoted(arg) +
               ",\"offset\":" + std::to_string(r.offset) +
               ",\"recover_requested\":" + (r.recover_requested ? "true" : "false") +
               ",\"recovered\":" + (r.recovered ? "true" : "false") + "}");
        };
        h.on_error = [](const Error& e) { emit(error_event("subscribe", e)); };
        client.subscribe(arg, std::move(h));
      } else if (cmd == "unsub") {
        client.unsubscribe(arg, [](const Error& e) {
          emit(e ? error_event("unsubscribe", e) : "{\"ev\":\"unsubscribed\"}");
        });
      } else if (cmd == "pub") {
        client.publish(arg, json, [](const Error& e, uint64_t offset) {
          emit(e ? error_event("publish", e) : "{\"ev\":\"ack\",\"offset\":" + std::to_string(offset) + "}");
        });
      } else if (cmd == "presence") {
        client.presence(arg, [](const Error& e, const std::vector<ClientInfo>& clients) {
          if (e) return emit(error_event("presence", e));
          std::string users;
          for (const ClientInfo& c : clients) users += (users.empty() ? "" : ",") + quoted(c.user);
          emit("{\"ev\":\"presence\",\"users\":[" + users + "]}");
        });
      } else if (cmd == "history") {
        client.history(arg, [](const Error& e, const HistoryResult& h) {
          if (e) return emit(error_event("history", e));
          std::string offsets;
          for (const Publication& p : h.publications)
            offsets += (offsets.empty() ? "" : ",") + std::to_string(p.offset);
          emit("{\"ev\":\"history\",\"offsets\":[" + offsets + "],\"epoch\":" + quoted(h.epoch) + "}");
        });
      } else if (cmd == "request") {
        client.request(arg, json, [](const Error& e, const std::string& reply) {
          emit(e ? error_event("request", e)
                 : "{\"ev\":\"reply\",\"payload\":" + (reply.empty() ? "null" : reply) + "}");
        });
      }
    });
  }
  thread.post([](Client& client) { client.disconnect(); });
  return 0;
}
