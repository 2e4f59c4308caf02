#pragma once
// Every MessageEncoder method with the exact JSON it must write. The JSON tests compare
// the text; the MessagePack tests decode the map with msgpack-c and compare it with the
// same JSON, key order included.
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "hub/MessageEncoder.h"

namespace wshub::hub::test {

struct Scenario {
  const char* name;
  std::function<void(const MessageEncoder&, std::string&)> write;
  std::string json;
};

inline void PrintTo(const Scenario& s, std::ostream* os) {
  *os << s.name;
}

inline PublicationPtr make_publication(std::string channel, uint64_t offset, std::string type,
                                       Payload payload, std::optional<ClientInfo> from) {
  return std::make_shared<const Publication>(
      Publication{std::move(channel), offset, std::move(type), std::move(payload), std::move(from)});
}

inline Payload json_payload(std::string text) {
  return Payload{Encoding::json, std::move(text)};
}

inline Payload msgpack_payload(std::string bytes) {
  return Payload{Encoding::msgpack, std::move(bytes)};
}

inline std::vector<Scenario> encoder_scenarios() {
  const ClientInfo alice{"c1", "alice", ""};
  const ClientInfo bob{"c2", "", R"({"name":"Bo","tags":[1,2]})"};
  return {
      {"connected", [](auto& e, auto& out) { e.connected(out, 1, "c1", "alice"); },
       R"({"type":"connected","id":1,"client":"c1","user":"alice"})"},
      {"connected_anonymous_no_id", [](auto& e, auto& out) { e.connected(out, std::nullopt, "c1", ""); },
       R"({"type":"connected","client":"c1","user":""})"},
      {"subscribed_full",
       [](auto& e, auto& out) {
         const StreamPosition position{5, "ep"};
         e.subscribed(out, 2, "news", &position, true);
       },
       R"({"type":"subscribed","id":2,"channel":"news","offset":5,"epoch":"ep","recovered":true})"},
      {"subscribed_plain", [](auto& e, auto& out) { e.subscribed(out, 2, "news", nullptr, std::nullopt); },
       R"({"type":"subscribed","id":2,"channel":"news"})"},
      {"subscribed_not_recovered",
       [](auto& e, auto& out) {
         const StreamPosition position{0, ""};
         e.subscribed(out, std::nullopt, "n:x", &position, false);
       },
       R"({"type":"subscribed","channel":"n:x","offset":0,"epoch":"","recovered":false})"},
      {"unsubscribed", [](auto& e, auto& out) { e.unsubscribed(out, 3, "c"); },
       R"({"type":"unsubscribed","id":3,"channel":"c"})"},
      {"ack", [](auto& e, auto& out) { e.ack(out, 4, std::nullopt); }, R"({"type":"ack","id":4})"},
      {"ack_offset", [](auto& e, auto& out) { e.ack(out, 4, 17); }, R"({"type":"ack","id":4,"offset":17})"},
      {"ack_offset_zero", [](auto& e, auto& out) { e.ack(out, std::nullopt, 0); },
       R"({"type":"ack","offset":0})"},
      {"presence",
       [=](auto& e, auto& out) {
         const ClientInfo clients[] = {alice, bob};
         e.presence(out, 5, "c", clients);
       },
       R"({"type":"presence","id":5,"channel":"c","clients":[{"client":"c1","user":"alice"},)"
       R"({"client":"c2","user":"","info":{"name":"Bo","tags":[1,2]}}]})"},
      {"presence_empty", [](auto& e, auto& out) { e.presence(out, 5, "c", {}); },
       R"({"type":"presence","id":5,"channel":"c","clients":[]})"},
      {"presence_stats", [](auto& e, auto& out) { e.presence_stats(out, 6, "c", 10, 7); },
       R"({"type":"presence_stats","id":6,"channel":"c","num_clients":10,"num_users":7})"},
      {"history",
       [=](auto& e, auto& out) {
         const PublicationPtr publications[] = {
             make_publication("c", 11, "", json_payload(R"({"a":1})"), alice),
             make_publication("c", 12, "chat", msgpack_payload("\x91\x01"), std::nullopt),
         };
         e.history(out, 7, "c", publications, StreamPosition{12, "ep"});
       },
       R"({"type":"history","id":7,"channel":"c","publications":[)"
       R"({"type":"message","channel":"c","offset":11,"payload":{"a":1},"from":{"client":"c1","user":"alice"}},)"
       R"({"type":"chat","channel":"c","offset":12,"payload":[1]}],"offset":12,"epoch":"ep"})"},
      {"history_empty",
       [](auto& e, auto& out) {
         e.history(out, std::nullopt, "c", {}, StreamPosition{0, "e"});
       },
       R"({"type":"history","channel":"c","publications":[],"offset":0,"epoch":"e"})"},
      {"pong", [](auto& e, auto& out) { e.pong(out, 8); }, R"({"type":"pong","id":8})"},
      {"pong_no_id", [](auto& e, auto& out) { e.pong(out, std::nullopt); }, R"({"type":"pong"})"},
      {"reply",
       [](auto& e, auto& out) {
         const Payload p = json_payload(R"({"ok":true,"n":[1.5,-2,null]})");
         e.reply(out, 9, &p);
       },
       R"({"type":"reply","id":9,"payload":{"ok":true,"n":[1.5,-2,null]}})"},
      {"reply_msgpack_payload",
       [](auto& e, auto& out) {
         const Payload p = msgpack_payload("\x81\xa2ok\xc3");
         e.reply(out, 9, &p);
       },
       R"({"type":"reply","id":9,"payload":{"ok":true}})"},
      {"reply_no_payload", [](auto& e, auto& out) { e.reply(out, 9, nullptr); },
       R"({"type":"reply","id":9})"},
      {"reply_empty_payload",
       [](auto& e, auto& out) {
         const Payload p;
         e.reply(out, 9, &p);
       },
       R"({"type":"reply","id":9})"},
      {"error", [](auto& e, auto& out) { e.error(out, 10, 107, "channel: must be a string"); },
       R"({"type":"error","id":10,"code":107,"message":"channel: must be a string"})"},
      {"error_no_id", [](auto& e, auto& out) { e.error(out, std::nullopt, 107, "frame: invalid JSON"); },
       R"({"type":"error","code":107,"message":"frame: invalid JSON"})"},
      {"publication",
       [=](auto& e, auto& out) {
         e.publication(out, *make_publication("c", 3, "", json_payload(R"("hi")"), alice));
       },
       R"({"type":"message","channel":"c","offset":3,"payload":"hi","from":{"client":"c1","user":"alice"}})"},
      {"publication_typed_no_history",
       [=](auto& e, auto& out) {
         e.publication(out, *make_publication("c", 0, "typing", json_payload("true"), bob));
       },
       R"({"type":"typing","channel":"c","payload":true,"from":{"client":"c2","user":""}})"},
      {"publication_to_user",
       [](auto& e, auto& out) {
         e.publication(out, *make_publication("", 0, "", json_payload("1"), std::nullopt));
       },
       R"({"type":"message","payload":1})"},
      {"publication_msgpack_payload",
       [](auto& e, auto& out) {
         e.publication(out, *make_publication("c", 1, "",
                                              msgpack_payload(std::string(
                                                  "\x92\xc4\x02\x01\x02\xcb\x3f\xf0\0\0\0\0\0\0", 14)),
                                              std::nullopt));
       },
       R"({"type":"message","channel":"c","offset":1,"payload":["AQI=",1.0]})"},
      {"join", [=](auto& e, auto& out) { e.join(out, "c", bob); },
       R"({"type":"join","channel":"c","client":"c2","user":"","info":{"name":"Bo","tags":[1,2]}})"},
      {"leave", [=](auto& e, auto& out) { e.leave(out, "c", alice); },
       R"({"type":"leave","channel":"c","client":"c1","user":"alice"})"},
      {"disconnect", [](auto& e, auto& out) { e.disconnect(out, disconnect::slow_consumer); },
       R"({"type":"disconnect","code":4008,"reason":"slow consumer","reconnect":true})"},
      {"disconnect_no_reconnect", [](auto& e, auto& out) { e.disconnect(out, disconnect::unauthorized); },
       R"({"type":"disconnect","code":4001,"reason":"unauthorized","reconnect":false})"},
      {"refresh_required", [](auto& e, auto& out) { e.refresh_required(out); },
       R"({"type":"refresh_required"})"},
      {"refreshed", [](auto& e, auto& out) { e.refreshed(out, 11); }, R"({"type":"refreshed","id":11})"},
      {"escaping", [](auto& e, auto& out) { e.connected(out, UINT64_MAX, "c\"1\\", "u\n\x01\x7f\xc3\xa9"); },
       "{\"type\":\"connected\",\"id\":18446744073709551615,\"client\":\"c\\\"1\\\\\",\"user\":"
       "\"u\\n\\u0001\x7f\xc3\xa9\"}"},
  };
}

}  // namespace wshub::hub::test
