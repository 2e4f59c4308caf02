// permessage-deflate compression (RFC 7692 §7.2.1).
//
// One raw deflate stream per connection (or per shared fan-out compressor), flushed with
// Z_SYNC_FLUSH at the end of every message so the peer can decode it whole; the flush
// ends with an empty stored block whose last four octets 0x00 0x00 0xff 0xff are removed.
// The z_stream is created once and reused; the only allocation per message is growth of
// the caller's `out`, which callers keep and clear to reuse its capacity.
#include "ws/Deflater.h"

#include <zlib.h>

#include <algorithm>
#include <cassert>
#include <cstring>

namespace wshub::ws {

namespace {
// zlib's default: 128 KiB of hash tables and 64 KiB of pending output per stream. Lower
// levels save memory per connection at some cost in ratio; 8 is what browsers use.
constexpr int kMemLevel = 8;
constexpr size_t kMaxInputPiece = size_t{1} << 30;
// A sync flush adds at most an empty stored block (5 bytes) and a partial byte beyond
// what deflateBound() accounts for.
constexpr size_t kFlushSlack = 16;
constexpr size_t kOutputStep = 64 * 1024;
const char kTail[4] = {0x00, 0x00, static_cast<char>(0xff), static_cast<char>(0xff)};
}  // namespace

struct Deflater::State {
  z_stream strm{};
  bool ok = false;  // deflateInit2 succeeded
  bool no_context_takeover = false;
  int window_bits = 15;
};

Deflater::Deflater(int window_bits, bool no_context_takeover, int level) : state_(std::make_unique<State>()) {
  // zlib refuses raw deflate with windowBits 8 (older versions silently used 9, which would
  // break a peer that negotiated 8); negotiate_deflate never agrees to it.
  assert(window_bits >= 9 && window_bits <= 15);
  state_->no_context_takeover = no_context_takeover;
  state_->window_bits = window_bits;
  state_->ok = deflateInit2(&state_->strm, std::clamp(level, 1, 9), Z_DEFLATED, -window_bits, kMemLevel,
                            Z_DEFAULT_STRATEGY) == Z_OK;
  // On failure every deflate() returns false and the connection sends uncompressed
  // messages, which permessage-deflate always allows (RSV1 clear).
}

Deflater::~Deflater() {
  if (state_->ok) deflateEnd(&state_->strm);
}

bool Deflater::deflate(std::span<const std::byte> in, std::string& out) {
  State& s = *state_;
  if (!s.ok) return false;
  if (in.empty()) {
    // zlib emits nothing for a second empty sync flush in a row, so write the empty stored
    // block's first octet ourselves (§7.2.3.6): the stream is byte-aligned after every
    // flush, so this is valid with or without context takeover and leaves both ends'
    // history unchanged.
    out.push_back('\0');
    return true;
  }
  const size_t base = out.size();
  const auto* data = reinterpret_cast<const Bytef*>(in.data());
  size_t left = in.size();
  bool failed = false;
  while (left > 0 && !failed) {
    const size_t piece = std::min(left, kMaxInputPiece);
    left -= piece;
    s.strm.next_in = const_cast<Bytef*>(data);
    s.strm.avail_in = static_cast<uInt>(piece);
    data += piece;
    // Flush only with the last piece; until then zlib may keep output pending.
    const int flush = left == 0 ? Z_SYNC_FLUSH : Z_NO_FLUSH;
    size_t room = deflateBound(&s.strm, piece) + kFlushSlack;
    for (;;) {
      const size_t size = out.size();
      out.resize(size + room);
      s.strm.next_out = reinterpret_cast<Bytef*>(out.data() + size);
      s.strm.avail_out = static_cast<uInt>(room);
      const int rc = ::deflate(&s.strm, flush);
      out.resize(out.size() - s.strm.avail_out);
      if (rc != Z_OK && rc != Z_BUF_ERROR) {
        failed = true;
        break;
      }
      // Done with this piece once zlib has consumed it and had room to spare.
      if (s.strm.avail_out != 0 && s.strm.avail_in == 0) break;
      room = kOutputStep;
    }
  }
  if (!failed) {
    const size_t n = out.size() - base;
    failed =
        n < sizeof kTail || std::memcmp(out.data() + out.size() - sizeof kTail, kTail, sizeof kTail) != 0;
  }
  if (failed) {
    out.resize(base);
    deflateReset(&s.strm);  // whatever the peer has not seen must not be referenced later
    return false;
  }
  out.resize(out.size() - sizeof kTail);
  if (s.no_context_takeover) deflateReset(&s.strm);
  return true;
}

void Deflater::append_history(std::span<const std::byte> message) {
  State& s = *state_;
  if (!s.ok || s.no_context_takeover || message.empty()) return;
  // Only the last window's worth can ever be referenced; zlib keeps the tail itself, but
  // trimming first keeps the cost bounded for huge messages.
  const size_t window = size_t{1} << s.window_bits;
  if (message.size() > window) message = message.last(window);
  // Raw deflate accepts a dictionary right after a completed flush (zlib.h,
  // deflateSetDictionary), and appends it to the existing history.
  if (deflateSetDictionary(&s.strm, reinterpret_cast<const Bytef*>(message.data()),
                           static_cast<uInt>(message.size())) != Z_OK) {
    deflateReset(&s.strm);
  }
}

}  // namespace wshub::ws
