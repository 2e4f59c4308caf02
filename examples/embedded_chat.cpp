// A chat service that embeds wshub instead of running it beside itself: the application
// owns main(), configures the hub in code, answers typed messages with C++ handlers,
// publishes to rooms and sends to users. Build: part of the project (build/examples/);
// run: CHAT_JWT_SECRET=<32+ bytes> build/examples/embedded_chat [port]
//
// Clients connect to ws://127.0.0.1:<port>/websocket, send {"type":"connect","token":..}
// with an HS256 JWT whose `sub` is their user id, subscribe to "chat:lobby", and send:
//   {"type":"shout","id":1,"payload":{"text":"hi all"}}         -> published to chat:lobby
//   {"type":"dm","id":2,"payload":{"to":"42","text":"psst"}}     -> to every connection of user 42
//   {"type":"who","id":3}                                        -> the lobby's presence, as the reply
#include <signal.h>
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "wshub/wshub.h"

namespace {

// Quotes a string for JSON (the application's own tiny helper; any JSON library will do).
std::string json_quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out + "\"";
}

}  // namespace

int main(int argc, char** argv) {
  const char* secret = std::getenv("CHAT_JWT_SECRET");
  if (!secret) {
    std::fprintf(stderr, "set CHAT_JWT_SECRET (at least 32 bytes) to verify users' tokens\n");
    return 2;
  }
  const std::string port = argc > 1 ? argv[1] : "8090";

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before wshub starts its threads
  signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<wshub::Hub> hub;
  try {
    hub = wshub::Hub::create("[server]\nlisten = \"127.0.0.1:" + port + "\"\nworkers = 2\n" +
                             "[auth]\nhmac_secret = " + json_quoted(secret) + "\n" +
                             "[namespaces.chat]\nsubscribe = \"authenticated\"\nread_presence = \"authenticated\"\n"
                             "presence = true\njoin_leave = true\nhistory_size = 50\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cannot start: %s\n", e.what());
    return 1;
  }
  wshub::Hub* h = hub.get();

  h->on("shout", [h](const wshub::Message& m, wshub::Reply reply) {
    simdjson::dom::parser parser;
    std::string_view text;
    if (parser.parse(m.payload.data(), m.payload.size())["text"].get(text) != simdjson::SUCCESS) {
      return reply.fail(107, "payload: needs a text");
    }
    h->publish("chat:lobby", "shout",
               "{\"user\":" + json_quoted(m.user) + ",\"text\":" + json_quoted(text) + "}");
    reply.send(R"({"ok":true})");
  });

  h->on("dm", [h](const wshub::Message& m, wshub::Reply reply) {
    simdjson::dom::parser parser;
    simdjson::dom::element payload;
    std::string_view to, text;
    if (parser.parse(m.payload.data(), m.payload.size()).get(payload) != simdjson::SUCCESS ||
        payload["to"].get(to) != simdjson::SUCCESS || payload["text"].get(text) != simdjson::SUCCESS) {
      return reply.fail(107, "payload: needs to and text");
    }
    h->send_to_user(std::string(to), "dm", "{\"from\":" + json_quoted(m.user) + ",\"text\":" + json_quoted(text) + "}");
    reply.send(R"({"sent":true})");
  });

  // Answered later, from the presence callback's thread: a Reply may travel.
  h->on("who", [h](const wshub::Message&, wshub::Reply reply) {
    auto shared = std::make_shared<wshub::Reply>(std::move(reply));
    h->presence("chat:lobby", [shared](std::vector<wshub::PresenceEntry> who, std::optional<wshub::Failure> failure) {
      if (failure) return shared->fail(failure->code, failure->message);
      std::string users = "[";
      for (const wshub::PresenceEntry& e : who) users += (users.size() > 1 ? "," : "") + json_quoted(e.user);
      shared->send("{\"users\":" + users + "]}");
    });
  });

  h->start();
  std::printf("embedded_chat listening on ws://127.0.0.1:%u/websocket\n", h->port());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  h->stop();
  h->wait();
  return 0;
}
