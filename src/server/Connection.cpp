#include "server/Connection.h"

#include <spdlog/spdlog.h>
#include <sys/epoll.h>

#include <algorithm>
#include <cstring>

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

std::span<const std::byte> as_bytes(std::string_view s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}
}  // namespace

struct Connection::HttpState {
  explicit HttpState(http::ParserLimits limits) : parser(limits) {}
  http::RequestParser parser;
  std::string buffer;         // bytes of the request(s) in progress
  uint32_t requests = 0;      // answered or in progress: the reply's sequence number
  bool awaiting_reply = false;  // an asynchronous handler has the request; hold the next
  bool reply_keep_alive = true;
  bool api_listener = false;
};

Connection::Connection(Worker& worker, std::unique_ptr<net::Transport> transport,
                       const sockaddr_storage& peer, uint64_t id)
    : worker_(worker), transport_(std::move(transport)), id_(id), peer_(peer) {
  timer_.callback = &Connection::on_timer;
  timer_.owner = this;
}

Connection::~Connection() {
  worker_.loop().timers().cancel(timer_);
}

std::string Connection::remote_address() const {
  return net::format_address(peer_);
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
  http_ = std::make_unique<HttpState>(worker_.parser_limits());
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
    if (flush_scheduled && state_ != State::closed) flush();
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
  std::span<std::byte> buffer = worker_.read_buffer();
  for (int i = 0; i < kMaxReadsPerEvent && state_ != State::closed; ++i) {
    // A partial WebSocket frame header from the last read goes first.
    size_t prefix = 0;
    if (reader_ && tail_size_ > 0) {
      std::memcpy(buffer.data(), tail_.data(), tail_size_);
      prefix = tail_size_;
      tail_size_ = 0;
    }
    net::IoResult r = transport_->read(buffer.subspan(prefix));
    if (r.status == IoStatus::ok) {
      last_activity_ = worker_.loop().now();
      worker_.stats().bytes_in.bump(r.bytes);
      if (state_ == State::draining) {
        // Discarding: the peer's bytes no longer matter.
      } else if (reader_) {
        handle_websocket_bytes(buffer.first(prefix + r.bytes));
      } else {
        handle_http_bytes(buffer.first(r.bytes));
      }
      bool filled = r.bytes == buffer.size() - prefix;
      if (!filled && !transport_->has_buffered_input()) return;
      continue;
    }
    if (prefix > 0) {  // nothing new: keep the partial header for next time
      std::memcpy(tail_.data(), buffer.data(), prefix);
      tail_size_ = static_cast<uint8_t>(prefix);
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
  size_t consumed = reader_->feed(bytes);
  if (reader_->stopped()) return;  // after a close or an error the rest is ignored
  size_t rest = bytes.size() - consumed;
  // MessageReader consumes payload as it arrives; only a partial header (< 14 bytes) is left.
  if (rest > tail_.size()) {
    on_error(ws::close_code::internal_error, "reader left too much input");
    return;
  }
  std::memcpy(tail_.data(), bytes.data() + consumed, rest);
  tail_size_ = static_cast<uint8_t>(rest);
}

// ---------------------------------------------------------------------------------------
// HTTP phase

void Connection::handle_http_bytes(std::span<const std::byte> bytes) {
  http_->buffer.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (http_->awaiting_reply) {
    // Pipelined requests wait for the reply in progress; the parser's own limits bound
    // one request, this bounds what may pile up behind it.
    http::ParserLimits limits = worker_.parser_limits();
    if (http_->buffer.size() > limits.max_header_bytes + 2 * limits.max_body_bytes) {
      worker_.stats().http_errors.bump();
      release("too many pipelined bytes while a reply was pending");
    }
    return;
  }
  while (state_ == State::http && http_ && !http_->awaiting_reply && !http_->buffer.empty()) {
    if (!handle_http_request()) return;
  }
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
    output_.append(as_bytes(response));
    schedule_flush();
    enter_draining();
    return false;
  }
  const http::Request& request = http_->parser.request();
  WebSocketBehavior* behavior = http_->api_listener ? nullptr : worker_.behavior_for(request.path);
  if (behavior != nullptr) {
    http::HandshakeOutcome outcome = http::accept_websocket(request, worker_.handshake_options());
    // The caps on open WebSockets are known now, before the upgrade: refuse with a 429
    // the client can read, instead of a WebSocket closed at once. Checked before the
    // token, which costs a signature check.
    if (outcome.status == 101) {
      if (ConnectionRefusal refusal = worker_.admit_websocket(peer_); refusal != ConnectionRefusal::none) {
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
    subprotocol_ = std::move(outcome.subprotocol);
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
  ++http_->requests;
  if (http::Handler* handler = worker_.http_handler_for(request.path, http_->api_listener)) {
    // Asynchronous: the reply finds this connection again by id (and is dropped if it
    // closed meanwhile); the request number tells it from a reply to an older request.
    worker_.stats().http_requests.bump();
    http_->awaiting_reply = true;
    http_->reply_keep_alive = request.keep_alive;
    worker_.await_http_reply(this);
    Worker* worker = &worker_;
    handler->handle(request, [worker, id = id_, sequence = http_->requests](http::Reply reply) {
      worker->post_http_reply(id, sequence, std::move(reply));
    });
    http_->buffer.erase(0, result.consumed);
    http_->parser.reset();
    return false;
  }
  std::string response = worker_.respond_http(request);
  bool keep_alive = request.keep_alive;
  http_->buffer.erase(0, result.consumed);
  http_->parser.reset();
  write_http_response(response, keep_alive);
  return keep_alive;
}

void Connection::write_http_response(std::string_view response, bool keep_alive) {
  output_.append(as_bytes(response));
  schedule_flush();
  if (!keep_alive) {
    enter_draining();
    return;
  }
  arm_timer(worker_.config().http.keepalive_timeout);
}

void Connection::finish_http_reply(uint32_t sequence, const http::Reply& reply) {
  if (state_ != State::http || !http_ || !http_->awaiting_reply || http_->requests != sequence) return;
  http_->awaiting_reply = false;
  worker_.stop_awaiting_http_reply(id_);
  std::vector<http::Header> headers;
  headers.reserve(reply.headers.size());
  for (const auto& [name, value] : reply.headers) headers.push_back(http::Header{name, value});
  std::string response =
      http::make_response(reply.status, reply.content_type, reply.body, http_->reply_keep_alive, headers);
  bool keep_alive = http_->reply_keep_alive;
  write_http_response(response, keep_alive);
  // Requests pipelined behind this one.
  while (keep_alive && state_ == State::http && http_ && !http_->awaiting_reply && !http_->buffer.empty()) {
    if (!handle_http_request()) return;
  }
}

void Connection::upgrade(std::string_view leftover) {
  const auto& cfg = worker_.config().websocket;
  reader_ = std::make_unique<ws::MessageReader>(static_cast<ws::MessageHandler&>(*this), ws::Role::server,
                                                ws::ReaderLimits{cfg.max_message_size, cfg.max_frame_size});
  if (inflater_) reader_->set_inflater(inflater_.get());
  http_.reset();
  state_ = State::open;
  opened_at_ = worker_.loop().now();
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
  active_ = true;
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
  if (!flush_scheduled && state_ != State::closed) {
    flush_scheduled = true;
    worker_.schedule_flush(this);
  }
}

void Connection::flush() {
  flush_scheduled = false;
  if (state_ == State::closed) return;
  if (!output_.empty()) {
    size_t before = output_.size();
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
    // An idle connection holds no output memory; a busy one keeps its buffer warm
    // unless a large message inflated it.
    output_.shrink_if_empty(active_ ? kKeepOutputCapacity : 0);
  }
  update_interest();
}

// The worker's outbound_queued_bytes gauge follows this connection's queue by deltas.
void Connection::report_queued() {
  int64_t queued = static_cast<int64_t>(output_.size());
  if (queued != reported_queued_) {
    worker_.stats().add_outbound_queued(queued - reported_queued_);
    reported_queued_ = queued;
  }
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
  tail_size_ = 0;
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
  close_code_ = code;
  close_reason_ = reason;
  worker_.stats().close_codes.bump(code);
  behavior_->on_close(*this, code, reason);
}

void Connection::release(std::string_view why) {
  if (state_ == State::closed) return;
  component_log(LogComponent::net).debug("connection {} from {} closed: {}", id_, remote_address(), why);
  state_ = State::closed;
  if (counted_) worker_.release_websocket(peer_);
  worker_.loop().remove(transport_->fd());
  worker_.loop().timers().cancel(timer_);
  output_.clear();
  report_queued();
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
      if (http_ && http_->requests > 0 && !http_->awaiting_reply && http_->buffer.empty()) {
        release("keep-alive idle");  // served before, silent since: not a failed handshake
        return;
      }
      worker_.stats().handshake_timeouts.bump();
      release("handshake timeout");
      return;
    case State::open: {
      if (awaiting_pong_) {
        if (last_activity_ > ping_sent_at_) {
          awaiting_pong_ = false;  // the peer spoke: it is alive
        } else {
          worker_.stats().ping_timeouts.bump();
          notify_closed(ws::close_code::going_away, "ping timeout");
          queue_close_frame(ws::close_code::going_away, "ping timeout");
          enter_draining();
          return;
        }
      }
      if (output_.empty()) {
        active_ = false;
        output_.shrink_if_empty(0);
      }
      auto idle = duration_cast<milliseconds>(now - last_activity_);
      if (idle >= cfg.ping_interval) {
        queue_frame(ws::Opcode::ping, {}, false);
        awaiting_pong_ = true;
        ping_sent_at_ = now;
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
