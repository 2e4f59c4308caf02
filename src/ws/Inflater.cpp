// permessage-deflate decompression (RFC 7692 §7.2.2).
//
// Design. A message's payload is fed to one long-lived raw inflate stream (negative
// windowBits), then the 0x00 0x00 0xff 0xff that the sender stripped (§7.2.1) is fed back.
// Output is written by zlib straight into the caller's `out`, which we grow in bounded
// steps up to `limit` and never beyond: when `out` is full we offer zlib a single scratch
// byte, and if it wants to write it the message is too big. A deflate bomb therefore costs
// at most `limit` bytes of output (plus std::string's geometric capacity slack) and CPU
// proportional to the input consumed before the limit was hit.
//
// Strictness. The tail is fed with Z_BLOCK so that we can check the message ends exactly
// on a block boundary, as every conforming sender's does (§7.2.1 makes it end with an
// empty stored block). A truncated message is reported as corrupt now instead of
// desynchronising the shared window and garbling a later message.
//
// Leniency, where it costs nothing:
//  - An empty payload is an empty message (some senders compress "" to nothing instead of
//    to the 0x00 of §7.2.3.6); feeding the tail alone would leave a half-read stored block.
//  - A sender may end a message with a BFINAL=1 block (§7.2.3.3). Anything after the final
//    block in that message, including our tail, is not part of the deflate stream and is
//    ignored. The next message then starts a new deflate stream; with context takeover we
//    keep the window as a preset dictionary, so both a sender that restarted its
//    compressor and one that kept its history are decoded correctly.
//  - Every message is inflated with a 32 KiB window, whatever client_max_window_bits
//    says. zlib resolves a back-reference into the output of the current inflate() call
//    without checking it against the declared window, so with a smaller window a message
//    that reaches too far back was accepted or refused depending on how TCP happened to
//    split it (fuzz_inflate found this). With the largest window the outcome depends only
//    on the bytes. A larger window than negotiated never rejects valid input, and zlib
//    before 1.2.9 compressed with 9 bits when asked for 8, so such peers exist anyway.
//    The cost: a client that compresses with context takeover holds a 32 KiB window here
//    (allocated by zlib on first use) even if it negotiated a smaller one.
#include "ws/Inflater.h"

#include <zlib.h>

#include <algorithm>
#include <cassert>
#include <climits>
#include <new>
#include <vector>

namespace wshub::ws {

namespace {
// `out` is grown (and zero-filled by resize) in steps that start near the expected output
// size and double up to kMaxOutputStep: small messages don't pay for a 64 KiB memset or
// leave a 64 KiB buffer behind, large ones take few inflate() calls, and nothing is
// zero-filled far past the output or the limit.
constexpr size_t kMinOutputStep = 256;
constexpr size_t kMaxOutputStep = 64 * 1024;
// Inputs are handed to zlib in pieces that fit its 32-bit avail_in.
constexpr size_t kMaxInputPiece = size_t{1} << 30;
const Bytef kTail[4] = {0x00, 0x00, 0xff, 0xff};
}  // namespace

struct Inflater::State {
  z_stream strm{};
  int window_bits = 15;
  bool no_context_takeover = false;
  bool message_has_input = false;  // a payload byte of the current message was seen
  bool stream_ended = false;       // a BFINAL block ended the current message's stream
  std::vector<Bytef> window;       // only used to carry history across a BFINAL restart

  enum class Step { ok, stream_end, too_big, corrupt };

  // Feeds [data, data+len) with `flush` until zlib has consumed it all and has no pending
  // output, appending to `out` without letting it exceed `limit`.
  Step run(const Bytef* data, size_t len, int flush, std::string& out, size_t limit) {
    strm.next_in = const_cast<Bytef*>(data);
    strm.avail_in = static_cast<uInt>(len);
    size_t step = std::clamp(len * 4, kMinOutputStep, kMaxOutputStep);
    for (;;) {
      const size_t size = out.size();
      const bool probing = size >= limit;
      Bytef probe;
      if (probing) {
        strm.next_out = &probe;
        strm.avail_out = 1;
      } else {
        const size_t grow = std::min(limit - size, step);
        step = std::min(step * 2, kMaxOutputStep);
        out.resize(size + grow);
        strm.next_out = reinterpret_cast<Bytef*>(out.data() + size);
        strm.avail_out = static_cast<uInt>(grow);
      }
      const int rc = ::inflate(&strm, flush);
      if (probing) {
        if (strm.avail_out == 0) return Step::too_big;
      } else {
        out.resize(out.size() - strm.avail_out);
      }
      switch (rc) {
        case Z_OK:
        case Z_BUF_ERROR:  // no progress possible: handled by the checks below
          break;
        case Z_STREAM_END:
          return Step::stream_end;
        default:  // Z_DATA_ERROR, Z_NEED_DICT (impossible raw), Z_MEM_ERROR, Z_STREAM_ERROR
          return Step::corrupt;
      }
      if (strm.avail_out == 0) continue;  // output full: there may be more pending
      // zlib stopped with room left: for lack of input (done), or, with Z_BLOCK, at a block
      // boundary with input left over, which for the tail means the message was malformed.
      return strm.avail_in == 0 ? Step::ok : Step::corrupt;
    }
  }

  // Continues after a BFINAL block: a fresh stream whose history is the old window.
  void restart_keeping_window() {
    if (no_context_takeover) {
      inflateReset(&strm);
      return;
    }
    window.resize(size_t{1} << window_bits);
    uInt n = static_cast<uInt>(window.size());
    inflateGetDictionary(&strm, window.data(), &n);
    inflateReset(&strm);
    if (n > 0) inflateSetDictionary(&strm, window.data(), n);
  }

  void end_message() {
    if (no_context_takeover) {
      inflateReset(&strm);
    } else if (stream_ended) {
      restart_keeping_window();
    }
    message_has_input = false;
    stream_ended = false;
  }

  // After too_big or corrupt the peer's history is lost to us: start clean. With context
  // takeover later messages may still reference it, so the caller is expected to close.
  InflateResult fail(InflateResult r) {
    inflateReset(&strm);
    message_has_input = false;
    stream_ended = false;
    return r;
  }
};

Inflater::Inflater(int window_bits, bool no_context_takeover) : state_(std::make_unique<State>()) {
  assert(window_bits >= 8 && window_bits <= 15);
  state_->window_bits = 15;  // see "Leniency" above: the negotiated size is not enforced
  state_->no_context_takeover = no_context_takeover;
  if (inflateInit2(&state_->strm, -state_->window_bits) != Z_OK) throw std::bad_alloc();
}

Inflater::~Inflater() {
  inflateEnd(&state_->strm);
}

InflateResult Inflater::inflate(std::span<const std::byte> in, bool message_end, std::string& out,
                                size_t limit) {
  State& s = *state_;
  const auto* data = reinterpret_cast<const Bytef*>(in.data());
  size_t left = in.size();
  if (left > 0) s.message_has_input = true;
  while (left > 0 && !s.stream_ended) {
    const size_t piece = std::min(left, kMaxInputPiece);
    switch (s.run(data, piece, Z_SYNC_FLUSH, out, limit)) {
      case State::Step::ok:
        break;
      case State::Step::stream_end:
        s.stream_ended = true;  // the rest of this message is ignored (see top)
        break;
      case State::Step::too_big:
        return s.fail(InflateResult::too_big);
      case State::Step::corrupt:
        return s.fail(InflateResult::corrupt);
    }
    data += piece;
    left -= piece;
  }
  if (!message_end) return InflateResult::ok;

  if (s.message_has_input && !s.stream_ended) {
    switch (s.run(kTail, sizeof kTail, Z_BLOCK, out, limit)) {
      case State::Step::ok:
        // Exactly 128 (zlib.h, inflate): stopped right after an end of block, with no bits
        // left over, as after the empty stored block that the tail completes. An end of
        // block anywhere else means the tail was read as part of another block: Huffman
        // data from a truncated message often decodes the 0xff octets as end of block.
        if (s.strm.data_type != 128) return s.fail(InflateResult::corrupt);
        break;
      case State::Step::stream_end:
        s.stream_ended = true;
        break;
      case State::Step::too_big:
        return s.fail(InflateResult::too_big);
      case State::Step::corrupt:
        return s.fail(InflateResult::corrupt);
    }
  }
  s.end_message();
  return InflateResult::ok;
}

}  // namespace wshub::ws
