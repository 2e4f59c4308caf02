#pragma once
// permessage-deflate compression (RFC 7692 §7.2.1) for messages the server sends.
#include <cstddef>
#include <memory>
#include <span>
#include <string>

namespace wshub::ws {

// Compresses whole messages. The output is the frame payload: the deflate blocks of one
// sync flush with the trailing 0x00 0x00 0xff 0xff removed.
// With no_context_takeover every message is compressed independently: that output is
// decodable by any peer whose negotiated window is >= window_bits, whatever context
// takeover it negotiated, which is what lets fan-out compress a message once for all.
class Deflater {
 public:
  // window_bits: the negotiated server_max_window_bits (9..15; see DeflateNegotiation.h
  // for why 8 is never accepted). level: zlib level 1..9.
  Deflater(int window_bits, bool no_context_takeover, int level = 1);
  ~Deflater();
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  // Appends the compressed payload of `in` to `out`. Returns false on a zlib failure
  // (out of memory): the caller then sends the message uncompressed.
  bool deflate(std::span<const std::byte> in, std::string& out);

  // Fan-out with context takeover: `message` reached the peer in a frame compressed by
  // another (no_context_takeover) Deflater, and the peer's inflater appended it to its
  // window. Appends it to our history too, so our later back-references still point at
  // the same bytes on both ends. Without this call, the next deflate() after a shared
  // frame would be garbage to the peer. No-op with no_context_takeover; on a zlib failure
  // the history is reset instead, which is equally safe.
  void append_history(std::span<const std::byte> message);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace wshub::ws
