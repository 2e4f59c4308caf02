#include "server/Connection.h"

#include <algorithm>
#include <deque>

#include <spdlog/spdlog.h>
#include <sys/epoll.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <new>

#include "http/Handshake.h"
#include "http/RequestParser.h"
#include "http/Response.h"
#include "net/Socket.h"
#include "server/Logging.h"
#include "server/Worker.h"
#include "ws/CloseCode.h"
#include "ws/Deflater.h"
#include "ws/FrameBuilder.h"
#include "ws/FramedMessage.h"
#include "ws/Inflater.h"

namespace wshub::server {

using net::IoStatus;
using Clock = net::TimingWheel::Clock;

namespace {
// Bounded work per readiness event: a connection with a firehose of input yields to the
// others after this many reads (level-triggered epoll brings it back next iteration).
constexpr int kMaxReadsPerEvent = 8;
constexpr uint32_t kReadEvents = EPOLLIN | EPOLLRDHUP;
constexpr size_t kKeepOutputCapacity = 64 * 1024;
// Keep-alive requests handled at once on one connection. A back-end that pipelines its
// publishes gets them into the hub in one loop pass, so their deliveries share one write
// per subscriber; one request at a time would cost a write per subscriber per request.
constexpr size_t kMaxRequestsInFlight = 64;

std::span<const std::byte> as_bytes(std::string_view s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}
}  // namespace

struct Connection::HttpState {
  explicit HttpState(http::ParserLimits parser_limits) : limits(parser_limits), parser(parser_limits) {}
  http::ParserLimits limits;
  // A request taken but not yet answered on the wire. Requests are handled as they are
  // parsed (their handlers may complete in any order), but the responses leave in the
  // order the requests came (RFC 9112 §9.3.2), so a finished one waits for those before it.
  struct Reply {
    Reply(uint32_t sequence, bool keep_alive) : sequence(sequence), keep_alive(keep_alive) {}
    uint32_t sequence = 0;
    bool keep_alive = true;
    bool ready = false;
    bool head = false;  // a HEAD request: the reply's headers without its body (RFC 9110 §9.3.2)
    std::string response;  // when ready
  };
  http::RequestParser parser;
  std::string buffer;         // bytes of the request(s) not yet taken
  uint32_t requests = 0;      // taken: the last request's sequence number
  std::deque<Reply> replies;  // oldest first
  bool last_taken = false;    // a request ended the connection (Connection: close, an error): read no more
  bool api_listener = false;

  bool idle() const { return replies.empty() && buffer.empty(); }
};

// The frame reader of an open WebSocket, and the partial frame header (< 14 bytes) a read
// left for the next one. Held by a connection only while something is in progress (a
// frame's payload, a fragmented message, a split header); between messages it goes back
// to the thread's pool, so idle connections hold no reader. It is the reader's handler:
// the reader is bound to it for good, and it forwards to whichever connection holds it.
struct Connection::InputState final : ws::MessageHandler {
  explicit InputState(ws::ReaderLimits limits) : reader(*this, ws::Role::server, limits) {}
  void on_message(ws::Opcode opcode, std::span<const std::byte> payload) override {
    owner->on_message(opcode, payload);
  }
  void on_ping(std::span<const std::byte> payload) override { owner->on_ping(payload); }
  void on_pong(std::span<const std::byte> payload) override { owner->on_pong(payload); }
  void on_close(uint16_t code, std::string_view reason) override { owner->on_close(code, reason); }
  void on_error(uint16_t close_code, std::string_view why) override { owner->on_error(close_code, why); }

  Connection* owner = nullptr;
  ws::MessageReader reader;
  std::array<std::byte, 16> tail{};
  uint8_t tail_size = 0;
};

// Spare HttpStates and InputStates of this thread (a worker's loop thread). Bounded, so
// the pools cost a fixed few hundred KiB at most; they turn a connection's short-lived
// parts into pointer pops instead of malloc/free, and keep the holes those would leave
// out of the heap where the long-lived Connection objects are packed.
struct Connection::Spares {
  static constexpr size_t kMax = 64;
  static constexpr size_t kKeepHttpBuffer = 16 * 1024;
  std::vector<std::unique_ptr<HttpState>> http;
  std::vector<std::unique_ptr<InputState>> input;
  static inline thread_local bool gone = false;  // after thread exit destroyed them
  ~Spares() { gone = true; }

  static Spares& mine() {
    static thread_local Spares spares;
    return spares;
  }
  static std::unique_ptr<HttpState> take_http(http::ParserLimits limits) {
    if (!gone) {
      auto& list = mine().http;
      while (!list.empty()) {
        std::unique_ptr<HttpState> state = std::move(list.back());
        list.pop_back();
        const http::ParserLimits& l = state->limits;
        if (l.max_header_bytes == limits.max_header_bytes && l.max_headers == limits.max_headers &&
            l.max_body_bytes == limits.max_body_bytes) {
          return state;
        }
      }
    }
    return std::make_unique<HttpState>(limits);
  }
  static void give_http(std::unique_ptr<HttpState> state) {
    if (!state || gone || mine().http.size() >= kMax) return;
    state->parser.reset();
    state->buffer.clear();
    if (state->buffer.capacity() > kKeepHttpBuffer) std::string().swap(state->buffer);
    state->requests = 0;
    state->replies.clear();
    state->last_taken = false;
    state->api_listener = false;
    mine().http.push_back(std::move(state));
  }
  static std::unique_ptr<InputState> take_input(ws::ReaderLimits limits) {
    if (!gone && !mine().input.empty()) {
      std::unique_ptr<InputState> state = std::move(mine().input.back());
      mine().input.pop_back();
      return state;
    }
    return std::make_unique<InputState>(limits);
  }
  static void give_input(std::unique_ptr<InputState> state) {
    if (!state || gone || mine().input.size() >= kMax) return;
    state->owner = nullptr;
    state->reader.reset();
    state->tail_size = 0;
    mine().input.push_back(std::move(state));
  }
};

Connection::Connection(Worker& worker, std::unique_ptr<net::Transport> transport,
                       const sockaddr_storage& peer, uint64_t id)
    : worker_(worker), transport_(transport.release()), id_(id), peer_(peer) {
  timer_.callback = &Connection::on_timer;
  timer_.owner = this;
}

Connection::Connection(Worker& worker, int fd, const sockaddr_storage& peer, uint64_t id)
    : worker_(worker), transport_(nullptr), id_(id), peer_(peer) {
  new (&plain_) net::PlainTransport(fd);
  transport_ = &plain_;
  timer_.callback = &Connection::on_timer;
  timer_.owner = this;
}

Connection::~Connection() {
  worker_.loop().timers().cancel(timer_);
  Spares::give_http(std::move(http_));
  Spares::give_input(std::move(input_));
  if (transport_ == &plain_) {
    plain_.~PlainTransport();
  } else {
    delete transport_;
  }
}

const std::string& Connection::subprotocol() const {
  static const std::string none;
  const std::vector<std::string>* offered = worker_.handshake_options().subprotocols;
  if (subprotocol_ == kNoSubprotocol || offered == nullptr || subprotocol_ >= offered->size()) return none;
  return (*offered)[subprotocol_];
}

Connection::InputState& Connection::input() {
  if (!input_) {
    const auto& cfg = worker_.config().websocket;
    input_ = Spares::take_input(ws::ReaderLimits{cfg.max_message_size, cfg.max_frame_size});
    input_->owner = this;
    input_->reader.rebind(*input_, ws::ReaderLimits{cfg.max_message_size, cfg.max_frame_size}, inflater_.get());
  }
  return *input_;
}

void Connection::return_idle_input() {
  // give_input frees it when the pool is full.
  if (input_ && input_->tail_size == 0 && input_->reader.at_rest()) Spares::give_input(std::move(input_));
}

std::string Connection::remote_address() const {
  return net::format_address(peer_.storage());
}

// hub::Peer: the protocol endpoint's view of this connection.
bool Connection::send_message(std::string_view encoded) {
  return send(binary_messages_ ? ws::Opcode::binary : ws::Opcode::text, as_bytes(encoded)).status ==
         SendStatus::queued;
}

bool Connection::send_framed(ws::FramedMessage& message) {
  return send_shared(message).status == SendStatus::queued;
}

void Connection::disconnect(const hub::DisconnectReason& reason) { close(reason.code, reason.reason); }

bool Connection::start(bool tls, bool api_listener) {
  state_ = tls ? State::tls_handshake : State::http;
  http_ = Spares::take_http(worker_.parser_limits());
  http_->api_listener = api_listener;
  last_activity_ = worker_.loop().now();
  if (!worker_.loop().add(transport_->fd(), kReadEvents, this)) return false;
  arm_timer(worker_.config().websocket.handshake_timeout);
  return true;
}

// ---------------------------------------------------------------------------------------
// Input

void Connection::on_io(uint32_t events) {
  if (state_ == State::closed) return;
  if (state_ == State::tls_handshake) {
    drive_tls_handshake();
    return;
  }
  if (events & EPOLLOUT) {
    if (read_wants_write_) {
      read_wants_write_ = false;
      read_input();
      if (state_ == State::closed) return;
    }
    flush();
    if (state_ == State::closed) return;
  }
  if (events & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP)) {
    read_input();
    // Uncork at the end of the event, as uWebSockets does: what this connection's own
    // input produced (echoes, replies, pongs) leaves in one write now, while its socket
    // is hot in cache, instead of after every other ready socket has been read. Output
    // queued for it by others (fan-out) still waits for the end of the iteration.
    if (flush_scheduled_ && state_ != State::closed) flush();
  }
}

void Connection::drive_tls_handshake() {
  net::IoResult r = transport_->handshake();
  switch (r.status) {
    case IoStatus::ok:
      state_ = State::http;
      worker_.stats().tls_handshakes.bump();
      if (write_interest_) {
        write_interest_ = false;
        worker_.loop().modify(transport_->fd(), kReadEvents, this);
      }
      read_input();  // the client may have sent its request with the last handshake flight
      return;
    case IoStatus::want_read:
      if (write_interest_) {
        write_interest_ = false;
        worker_.loop().modify(transport_->fd(), kReadEvents, this);
      }
      return;
    case IoStatus::want_write:
      if (!write_interest_) {
        write_interest_ = true;
        worker_.loop().modify(transport_->fd(), kReadEvents | EPOLLOUT, this);
      }
      return;
    case IoStatus::closed:
    case IoStatus::error:
      worker_.stats().handshake_failures.bump();
      worker_.stats().handshake_failed_tls.bump();
      release("tls handshake failed");
      return;
  }
}

void Connection::read_input() {
  read_available();
  // Between messages the reader goes back to the pool: an idle connection holds none.
  if (state_ == State::open || state_ == State::closing) return_idle_input();
}

void Connection::read_available() {
  std::span<std::byte> buffer = worker_.read_buffer();
  for (int i = 0; i < kMaxReadsPerEvent && state_ != State::closed; ++i) {
    // A partial WebSocket frame header from the last read goes first.
    size_t prefix = 0;
    if (input_ && input_->tail_size > 0) {
      std::memcpy(buffer.data(), input_->tail.data(), input_->tail_size);
      prefix = input_->tail_size;
      input_->tail_size = 0;
    }
    net::IoResult r = transport_->read(buffer.subspan(prefix));
    if (r.status == IoStatus::ok) {
      last_activity_ = worker_.loop().now();
      awaiting_pong_ = false;  // the peer spoke: it is alive (no need to remember when we pinged)
      worker_.stats().bytes_in.bump(r.bytes);
      if (state_ == State::draining) {
        // Discarding: the peer's bytes no longer matter.
      } else if (state_ == State::open || state_ == State::closing) {
        handle_websocket_bytes(buffer.first(prefix + r.bytes));
      } else {
        handle_http_bytes(buffer.first(r.bytes));
      }
      bool filled = r.bytes == buffer.size() - prefix;
      if (!filled && !transport_->has_buffered_input()) return;
      continue;
    }
    if (prefix > 0) {  // nothing new: keep the partial header for next time
      std::memcpy(input_->tail.data(), buffer.data(), prefix);
      input_->tail_size = static_cast<uint8_t>(prefix);
    }
    switch (r.status) {
      case IoStatus::want_read:
        return;
      case IoStatus::want_write:
        read_wants_write_ = true;
        update_interest();
        return;
      case IoStatus::closed:
        if (state_ == State::open) notify_closed(ws::close_code::abnormal, "connection lost");
        release(state_ == State::draining ? "closed" : "peer closed the connection");
        return;
      case IoStatus::error:
        if (state_ == State::open) notify_closed(ws::close_code::abnormal, "connection error");
        release("read error");
        return;
      default:
        return;
    }
  }
  // Budget used up with input left: continue next iteration without waiting for epoll
  // (level-triggered epoll reports the socket again; TLS-buffered input needs a nudge).
  if (state_ != State::closed && transport_->has_buffered_input()) worker_.schedule_read(this);
}

void Connection::continue_reading() {
  if (state_ != State::closed && state_ != State::tls_handshake) read_input();
}

void Connection::handle_websocket_bytes(std::span<std::byte> bytes) {
  InputState& in = input();
  size_t consumed = in.reader.feed(bytes);
  if (in.reader.stopped()) return;  // after a close or an error the rest is ignored
  size_t rest = bytes.size() - consumed;
  // MessageReader consumes payload as it arrives; only a partial header (< 14 bytes) is left.
  if (rest > in.tail.size()) {
    on_error(ws::close_code::internal_error, "reader left too much input");
    return;
  }
  std::memcpy(in.tail.data(), bytes.data() + consumed, rest);
  in.tail_size = static_cast<uint8_t>(rest);
}

// ---------------------------------------------------------------------------------------
// HTTP phase

void Connection::handle_http_bytes(std::span<const std::byte> bytes) {
  // After a request that ends the connection nothing more is read: dropped, not buffered
  // while the answers before it are still coming.
  if (http_->last_taken) return;
  http_->buffer.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  handle_buffered_requests();
  if (state_ != State::http || !http_ || http_->last_taken) return;
  // Requests waiting for room behind those in flight: the parser's own limits bound one
  // request, this bounds what may pile up behind the window.
  http::ParserLimits limits = worker_.parser_limits();
  if (http_->buffer.size() > limits.max_header_bytes + 2 * limits.max_body_bytes) {
    worker_.stats().http_errors.bump();
    release("too many pipelined bytes while replies were pending");
  }
}

void Connection::handle_buffered_requests() {
  while (state_ == State::http && http_ && !http_->last_taken && !http_->buffer.empty() &&
         http_->replies.size() < kMaxRequestsInFlight) {
    if (!handle_http_request()) return;
  }
}

void Connection::queue_http_response(uint32_t sequence, std::string response) {
  for (HttpState::Reply& reply : http_->replies) {
    if (reply.sequence != sequence) continue;
    reply.response = std::move(response);
    reply.ready = true;
    break;
  }
  // Everything answered from the front, in order; a reply that ends the connection is the
  // last one (nothing after it was taken).
  bool wrote = false;
  while (!http_->replies.empty() && http_->replies.front().ready) {
    HttpState::Reply reply = std::move(http_->replies.front());
    http_->replies.pop_front();
    output_.append(as_bytes(reply.response));
    wrote = true;
    if (!reply.keep_alive) {
      schedule_flush();
      enter_draining();
      return;
    }
  }
  if (!wrote) return;
  schedule_flush();
  if (http_->replies.empty()) arm_timer(worker_.config().http.keepalive_timeout);
}

// Parses and answers one request from http_->buffer. Returns true when a request was
// consumed and more buffered bytes may hold another (keep-alive pipelining).
bool Connection::handle_http_request() {
  http::ParseResult result = http_->parser.parse(std::span(http_->buffer.data(), http_->buffer.size()));
  if (result.status == http::ParseStatus::need_more) return false;
  if (result.status == http::ParseStatus::error) {
    worker_.stats().http_errors.bump();
    // JSON like every other error we answer (the server API's clients parse it); the
    // code is the HTTP status, since no method ran.
    std::string body = "{\"error\":{\"code\":" + std::to_string(result.http_status) + ",\"message\":\"" +
                       std::string(result.reason) + "\"}}\n";
    std::string response = http::make_response(result.http_status, "application/json", body, false);
    // Answered after the requests before it, then the connection ends.
    http_->last_taken = true;
    http_->buffer.clear();
    http_->replies.push_back(HttpState::Reply(++http_->requests, false));
    queue_http_response(http_->requests, std::move(response));
    return false;
  }
  const http::Request& request = http_->parser.request();
  WebSocketBehavior* behavior = http_->api_listener ? nullptr : worker_.behavior_for(request.path);
  if (behavior != nullptr && !http_->replies.empty()) {
    // An upgrade behind requests still in flight: it waits until they are answered (the
    // bytes after it belong to the WebSocket), then is parsed again from the start.
    http_->parser.reset();
    return false;
  }
  if (behavior != nullptr) {
    http::HandshakeOutcome outcome = http::accept_websocket(request, worker_.handshake_options());
    // The caps on open WebSockets are known now, before the upgrade: refuse with a 429
    // the client can read, instead of a WebSocket closed at once. Checked before the
    // token, which costs a signature check.
    if (outcome.status == 101) {
      if (ConnectionRefusal refusal = worker_.admit_websocket(peer_.storage()); refusal != ConnectionRefusal::none) {
        output_.append(as_bytes(refusal_response(refusal)));
        schedule_flush();
        enter_draining();
        return false;
      }
      counted_ = true;  // released with the connection, also when the token below is refused
      std::string refusal = behavior->on_upgrade_request(*this, request);
      if (!refusal.empty()) {
        output_.append(as_bytes(refusal));
        schedule_flush();
        worker_.stats().handshake_failures.bump();
        worker_.stats().handshake_failed_token.bump();
        enter_draining();
        return false;
      }
    }
    output_.append(as_bytes(outcome.response));
    schedule_flush();
    if (outcome.status != 101) {
      worker_.stats().handshake_failures.bump();
      worker_.stats().handshake_failed_upgrade.bump();
      component_log(LogComponent::net).debug("connection {} from {}: handshake refused ({} {})", id_, remote_address(), outcome.status,
                    outcome.error);
      enter_draining();
      return false;
    }
    behavior_ = behavior;
    subprotocol_ = kNoSubprotocol;
    if (const std::vector<std::string>* offered = worker_.handshake_options().subprotocols;
        offered != nullptr && !outcome.subprotocol.empty()) {
      // The selected one is always from the offered list: keep its index, not a copy.
      auto it = std::find(offered->begin(), offered->end(), outcome.subprotocol);
      if (it != offered->end() && it - offered->begin() < kNoSubprotocol) {
        subprotocol_ = static_cast<uint8_t>(it - offered->begin());
      }
    }
    if (outcome.deflate) {
      deflate_ = true;
      server_window_bits_ = static_cast<uint8_t>(outcome.deflate->server_max_window_bits);
      inflater_ = std::make_unique<ws::Inflater>(outcome.deflate->client_max_window_bits,
                                                 outcome.deflate->client_no_context_takeover);
    }
    std::string leftover = http_->buffer.substr(result.consumed);
    upgrade(leftover);
    return false;
  }
  const uint32_t sequence = ++http_->requests;
  const bool keep_alive = request.keep_alive;
  http_->last_taken = !keep_alive;
  http_->replies.push_back(HttpState::Reply(sequence, keep_alive));
  http_->replies.back().head = request.method == "HEAD";
  if (http::Handler* handler = worker_.http_handler_for(request.path, http_->api_listener)) {
    // Asynchronous: the reply finds this connection again by id (and is dropped if it
    // closed meanwhile); the request number tells it from the replies to the others.
    worker_.stats().http_requests.bump();
    worker_.await_http_reply(this);
    Worker* worker = &worker_;
    handler->handle(request, [worker, id = id_, sequence](http::Reply reply) {
      worker->post_http_reply(id, sequence, std::move(reply));
    });
    // `request` views the buffer: dropped only now.
    http_->buffer.erase(0, keep_alive ? result.consumed : http_->buffer.size());
    http_->parser.reset();
    return keep_alive;
  }
  std::string response = worker_.respond_http(request);
  http_->buffer.erase(0, keep_alive ? result.consumed : http_->buffer.size());
  http_->parser.reset();
  queue_http_response(sequence, std::move(response));
  return keep_alive;
}

void Connection::finish_http_reply(uint32_t sequence, const http::Reply& reply) {
  if (state_ != State::http || !http_) return;
  auto it = std::find_if(http_->replies.begin(), http_->replies.end(),
                         [sequence](const HttpState::Reply& r) { return r.sequence == sequence; });
  if (it == http_->replies.end() || it->ready) return;
  std::vector<http::Header> headers;
  headers.reserve(reply.headers.size());
  for (const auto& [name, value] : reply.headers) headers.push_back(http::Header{name, value});
  std::string response = http::make_response(reply.status, reply.content_type, reply.body, it->keep_alive, headers);
  if (it->head) response.resize(response.size() - reply.body.size());
  queue_http_response(sequence, std::move(response));
  if (state_ != State::http || !http_) return;
  if (http_->replies.empty()) worker_.stop_awaiting_http_reply(id_);
  // Requests that waited for room in the window, or behind an upgrade.
  handle_buffered_requests();
}

void Connection::upgrade(std::string_view leftover) {
  const auto& cfg = worker_.config().websocket;
  Spares::give_http(std::move(http_));
  state_ = State::open;
  worker_.stats().websockets_opened.bump();
  awaiting_pong_ = false;
  arm_timer(cfg.ping_interval);
  behavior_->on_open(*this);
  if (!leftover.empty() && state_ == State::open) {
    // Frames sent right behind the upgrade request: process them as if just read.
    std::span<std::byte> buffer = worker_.read_buffer();
    size_t n = std::min(leftover.size(), buffer.size());
    std::memcpy(buffer.data(), leftover.data(), n);
    handle_websocket_bytes(buffer.first(n));
  }
}

// ---------------------------------------------------------------------------------------
// WebSocket events (from MessageReader)

void Connection::on_message(ws::Opcode opcode, std::span<const std::byte> payload) {
  if (state_ != State::open) return;  // data after our close frame is ignored (§7.1.2)
  worker_.stats().messages_in.bump();
  if (messages_in_ != UINT32_MAX) ++messages_in_;
  behavior_->on_message(*this, opcode, payload);
}

void Connection::on_ping(std::span<const std::byte> payload) {
  if (state_ == State::open) queue_frame(ws::Opcode::pong, payload, false);
}

void Connection::on_pong(std::span<const std::byte>) {
  awaiting_pong_ = false;
}

void Connection::on_close(uint16_t code, std::string_view reason) {
  if (state_ == State::open) {
    notify_closed(code, reason);
    // Echo the status code (§5.5.1); an empty close is answered with an empty one.
    if (code == ws::close_code::no_status) {
      queue_frame(ws::Opcode::close, {}, false);
      close_sent_ = true;
    } else {
      queue_close_frame(code, "");
    }
  }
  // Both closes exchanged: the server closes TCP first (§7.1.1).
  enter_draining();
}

void Connection::on_error(uint16_t close_code, std::string_view why) {
  worker_.stats().protocol_errors.bump();
  component_log(LogComponent::net).debug("connection {} from {}: protocol error {} ({})", id_, remote_address(), close_code, why);
  if (state_ == State::open) notify_closed(close_code, why);
  if (!close_sent_) queue_close_frame(close_code, why);
  // _Fail the WebSocket Connection_ (§7.1.7): no waiting for the peer's close frame.
  enter_draining();
}

// ---------------------------------------------------------------------------------------
// Output

// The admission check shared by every send: a connection whose queue is already at the
// limit is a slow consumer, whatever is being sent.
bool Connection::admit() {
  if (state_ != State::open) return false;
  if (output_.size() >= worker_.config().websocket.max_outbound_buffer) {
    slow_consumer();
    return false;
  }
  worker_.stats().messages_out.bump();
  if (messages_out_ != UINT32_MAX) ++messages_out_;
  return true;
}

SendResult Connection::send(ws::Opcode opcode, std::span<const std::byte> payload) {
  if (!admit()) return {SendStatus::dropped, output_.size()};
  if (deflate_ && payload.size() >= ws::kMinCompressSize) {
    std::string& compressed = worker_.compression_scratch();
    compressed.clear();
    // The worker's compressor has no context takeover: see Worker::deflater().
    if (worker_.deflater(server_window_bits_).deflate(payload, compressed) &&
        compressed.size() < payload.size()) {
      queue_frame(opcode, as_bytes(compressed), /*compressed=*/true);
      return {SendStatus::queued, output_.size()};
    }
  }
  queue_frame(opcode, payload, false);
  return {SendStatus::queued, output_.size()};
}

SendResult Connection::send_shared(ws::FramedMessage& message) {
  if (!admit()) return {SendStatus::dropped, output_.size()};
  const net::SharedBufferRef& frame =
      deflate_ ? message.frame_for_deflate(server_window_bits_, worker_.deflater(server_window_bits_))
               : message.frame();
  output_.append_shared(frame);
  schedule_flush();
  return {SendStatus::queued, output_.size()};
}

void Connection::queue_frame(ws::Opcode opcode, std::span<const std::byte> payload, bool compressed) {
  // Header into a stack buffer first: its exact size is known before anything is
  // reserved in the queue, so nothing is reserved and then trimmed.
  std::byte header[ws::kMaxFrameHeaderSize];
  size_t header_size = ws::write_frame_header(header, opcode, payload.size(), true, compressed);
  std::byte* out = output_.append_uninitialized(header_size + payload.size());
  std::memcpy(out, header, header_size);
  if (!payload.empty()) std::memcpy(out + header_size, payload.data(), payload.size());
  schedule_flush();
}

void Connection::queue_close_frame(uint16_t code, std::string_view reason) {
  if (close_sent_) return;
  close_sent_ = true;
  std::string payload = ws::close_payload(code, reason);
  queue_frame(ws::Opcode::close, as_bytes(payload), false);
}

void Connection::schedule_flush() {
  if (!flush_scheduled_ && state_ != State::closed) {
    flush_scheduled_ = true;
    worker_.schedule_flush(this);
  }
}

void Connection::flush() {
  flush_scheduled_ = false;
  if (state_ == State::closed) return;
  if (!output_.empty()) {
    size_t before = output_.size();
    count_write();
    net::IoResult r = output_.flush(*transport_);
    worker_.stats().bytes_out.bump(before - output_.size());
    report_queued();
    if (r.status == IoStatus::closed || r.status == IoStatus::error) {
      if (state_ == State::open) notify_closed(ws::close_code::abnormal, "connection lost");
      release("write failed");
      return;
    }
    if (state_ == State::open && output_.size() > worker_.config().websocket.max_outbound_buffer) {
      slow_consumer();
      return;
    }
  }
  if (output_.empty()) {
    if (state_ == State::draining && !fin_sent_) {
      fin_sent_ = true;
      transport_->shutdown_write();
    }
    // An idle connection holds no output memory: after the handshake response, or after
    // the one or two writes a client's start-up burst takes (`connected`, then the
    // `subscribed` replies, which may wait for the broker's history answer), the buffer
    // goes back. A connection written to a third time within one heartbeat tick is busy:
    // it keeps its buffer warm (no malloc per message) unless a large message inflated
    // it, until a tick finds it quiet. Counting frames instead of writes kept the buffer
    // of every client that sent connect + subscribe (512 bytes each until the next tick,
    // and heap holes after it: bench/README.md, idle).
    report_queued();
    output_.shrink_if_empty(writes_since_tick_ >= 3 ? kKeepOutputCapacity : 0);
  }
  update_interest();
}

// The worker's outbound_queued_bytes gauge follows this connection's queue by deltas.
void Connection::report_queued() {
  if (int64_t change = output_.take_size_change(); change != 0) worker_.stats().add_outbound_queued(change);
}

void Connection::update_interest() {
  if (state_ == State::closed) return;
  bool want = !output_.empty() || read_wants_write_;
  if (want != write_interest_) {
    write_interest_ = want;
    worker_.loop().modify(transport_->fd(), kReadEvents | (want ? EPOLLOUT : 0u), this);
  }
}

// ---------------------------------------------------------------------------------------
// Closing

void Connection::close(uint16_t code, std::string_view reason) {
  if (state_ != State::open) {
    if (state_ == State::http || state_ == State::tls_handshake) release(reason);
    return;
  }
  notify_closed(code, reason);
  queue_close_frame(code, reason);
  state_ = State::closing;
  arm_timer(worker_.config().websocket.close_timeout);
}

void Connection::slow_consumer() {
  worker_.stats().slow_consumers.bump();
  size_t dropped = output_.discard_unstarted();
  worker_.stats().bytes_dropped.bump(dropped);
  component_log(LogComponent::net).debug("connection {} from {}: slow consumer, {} queued bytes dropped", id_, remote_address(),
                dropped);
  behavior_->on_slow_consumer(*this);
}

void Connection::enter_draining() {
  if (state_ == State::closed || state_ == State::draining) return;
  // The reader and the HTTP parser stay alive: we may be inside one of their callbacks.
  // They stopped consuming; read_input() discards input while draining.
  state_ = State::draining;
  if (input_) input_->tail_size = 0;
  arm_timer(worker_.config().websocket.close_timeout);
  schedule_flush();
}

void Connection::begin_shutdown() {
  if (state_ == State::open) {
    behavior_->on_server_shutdown(*this);
  } else if (state_ == State::http || state_ == State::tls_handshake) {
    release("server shutting down");
  }
}

void Connection::abort(std::string_view why) {
  if (state_ == State::open) notify_closed(ws::close_code::abnormal, why);
  release(why);
}

void Connection::notify_closed(uint16_t code, std::string_view reason) {
  if (close_reported_ || behavior_ == nullptr) return;
  close_reported_ = true;
  worker_.stats().close_codes.bump(code);
  behavior_->on_close(*this, code, reason);
}

void Connection::release(std::string_view why) {
  if (state_ == State::closed) return;
  component_log(LogComponent::net).debug("connection {} from {} closed: {}", id_, remote_address(), why);
  state_ = State::closed;
  if (counted_) worker_.release_websocket(peer_.storage());
  worker_.loop().remove(transport_->fd());
  worker_.loop().timers().cancel(timer_);
  if (size_t reported = output_.reported_size(); reported != 0) {
    worker_.stats().add_outbound_queued(-static_cast<int64_t>(reported));
  }
  output_.clear();
  worker_.release(this);
}

// ---------------------------------------------------------------------------------------
// Timers: one per connection; its meaning follows the state.

void Connection::arm_timer(std::chrono::milliseconds delay) {
  worker_.loop().timers().schedule(timer_, delay);
}

void Connection::on_timer(net::TimerNode* node) {
  static_cast<Connection*>(node->owner)->handle_timer();
}

void Connection::handle_timer() {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  const auto& cfg = worker_.config().websocket;
  Clock::time_point now = worker_.loop().now();
  switch (state_) {
    case State::tls_handshake:
    case State::http:
      if (http_ && http_->requests > 0 && http_->idle()) {
        release("keep-alive idle");  // served before, silent since: not a failed handshake
        return;
      }
      worker_.stats().handshake_timeouts.bump();
      release("handshake timeout");
      return;
    case State::open: {
      if (awaiting_pong_) {  // nothing read since the ping (a read clears it)
        worker_.stats().ping_timeouts.bump();
        notify_closed(ws::close_code::going_away, "ping timeout");
        queue_close_frame(ws::close_code::going_away, "ping timeout");
        enter_draining();
        return;
      }
      if (output_.empty()) {
        writes_since_tick_ = 0;
        report_queued();
        output_.shrink_if_empty(0);
      }
      auto idle = duration_cast<milliseconds>(now - last_activity_);
      if (idle >= cfg.ping_interval) {
        queue_frame(ws::Opcode::ping, {}, false);
        awaiting_pong_ = true;
        arm_timer(cfg.pong_timeout);
      } else {
        arm_timer(cfg.ping_interval - idle);
      }
      return;
    }
    case State::closing:
    case State::draining:
      release("close timeout");
      return;
    case State::closed:
      return;
  }
}

void WebSocketBehavior::on_server_shutdown(Connection& connection) {
  connection.close(ws::close_code::going_away, "server shutting down");
}

void WebSocketBehavior::on_slow_consumer(Connection& connection) {
  connection.close(ws::close_code::policy_violation, "slow consumer");
}

}  // namespace wshub::server
