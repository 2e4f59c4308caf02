#include "EchoWorker.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "Handshake.h"
#include "ws/CloseCode.h"
#include "ws/Opcode.h"

namespace wshub::bench {
namespace {

constexpr size_t kReadBufferSize = 256 * 1024;
constexpr size_t kReadHeadroom = ws::kMaxFrameHeaderSize;  // room for a carried partial header
constexpr size_t kMaxResponseHead = 16 * 1024;
// A new mask key every this many batches: RFC 6455 wants unpredictable keys, the
// benchmark wants masking off the hot path; once in a while gives a server no constant
// key to special-case while costing nothing measurable.
constexpr uint32_t kBatchesPerMaskKey = 1024;

uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

uint32_t ring_capacity(int pipeline) {
  uint32_t capacity = 1;
  while (capacity < static_cast<uint32_t>(pipeline)) capacity <<= 1;
  return capacity;
}

}  // namespace

EchoWorker::EchoWorker(const EchoTarget& target, RunControl& control, int connections, int first_id)
    : target_(target),
      control_(control),
      connections_(connections),
      read_buffer_(kReadHeadroom + kReadBufferSize) {
  payload_.assign(target.size, 'x');  // printable ASCII: valid UTF-8 for text frames
  rebuild_frames();
  frame_size_ = frames_.size() / static_cast<size_t>(target.pipeline);
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  for (int i = 0; i < connections; ++i) open_connection(connections_[i], first_id + i);
}

EchoWorker::~EchoWorker() {
  close_all();
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

void EchoWorker::rebuild_frames() {
  // xorshift32: cheap and never 0 from a non-zero seed.
  mask_seed_ ^= mask_seed_ << 13;
  mask_seed_ ^= mask_seed_ >> 17;
  mask_seed_ ^= mask_seed_ << 5;
  std::memcpy(mask_key_.data(), &mask_seed_, sizeof(mask_seed_));
  frames_.clear();
  const ws::Opcode opcode = target_.binary ? ws::Opcode::binary : ws::Opcode::text;
  const std::span<const std::byte> payload(reinterpret_cast<const std::byte*>(payload_.data()),
                                           payload_.size());
  for (int i = 0; i < target_.pipeline; ++i)
    ws::append_frame(frames_, opcode, payload, true, false, &mask_key_);
  batches_since_remask_ = 0;
}

void EchoWorker::open_connection(Connection& c, int id) {
  ws::ReaderLimits limits;
  limits.max_message_size = std::max(limits.max_message_size, target_.size);
  limits.max_frame_size = std::max(limits.max_frame_size, target_.size);
  c.reader =
      std::make_unique<ws::MessageReader>(static_cast<ws::MessageHandler&>(*this), ws::Role::client, limits);
  c.in_flight.ring.assign(ring_capacity(target_.pipeline), 0);
  c.pending_out.reserve(frame_size_ * static_cast<size_t>(target_.pipeline));
  UpgradeRequest request =
      make_upgrade_request(target_.host_header, target_.path, static_cast<uint64_t>(id) + 1);
  c.handshake = std::move(request.bytes);
  c.key = std::move(request.key);

  c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c.fd < 0) return fail(c, std::string("socket: ") + std::strerror(errno));
  // Batches are already whole: Nagle would only hold the next one back.
  const int one = 1;
  setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  const int rc = connect(c.fd, reinterpret_cast<const sockaddr*>(&target_.address), sizeof(target_.address));
  if (rc != 0 && errno != EINPROGRESS) return fail(c, std::string("connect: ") + std::strerror(errno));
  epoll_event ev{};
  ev.events = EPOLLOUT | EPOLLIN;
  ev.data.ptr = &c;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, c.fd, &ev);
}

void EchoWorker::run() {
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  bool started = false;
  for (;;) {
    const Phase phase = control_.phase.load(std::memory_order_acquire);
    if (phase == Phase::stop) break;
    if (!started && phase >= Phase::warmup) {
      start_sending(now_ns());
      started = true;
    }
    measuring_ = phase == Phase::measure;
    const int n = epoll_wait(epoll_fd_, events, kMaxEvents, 10);
    if (n <= 0) continue;
    for (int i = 0; i < n; ++i) on_event(*static_cast<Connection*>(events[i].data.ptr), events[i].events);
  }
  close_all();
}

void EchoWorker::start_sending(uint64_t now) {
  for (Connection& c : connections_) {
    if (c.state != State::upgraded) continue;
    c.state = State::running;
    send_frames(c, static_cast<uint32_t>(target_.pipeline), now);
  }
}

void EchoWorker::on_event(Connection& c, uint32_t events) {
  if (c.state == State::closed) return;
  if (c.state == State::connecting) {
    if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) on_connected(c);
    return;
  }
  if ((events & EPOLLOUT) && !c.pending_out.empty()) flush_pending(c);
  if (c.state == State::closed || !(events & (EPOLLIN | EPOLLERR | EPOLLHUP))) return;

  // One read per event: if more is waiting, level-triggered epoll reports it again, and
  // the read that would only say EAGAIN is never made.
  std::byte* const into = read_buffer_.data() + kReadHeadroom;
  const ssize_t got = ::read(c.fd, into, kReadBufferSize);
  if (got == 0) return fail(c, "server closed the connection");
  if (got < 0) {
    if (errno == EAGAIN || errno == EINTR) return;
    return fail(c, std::string("read: ") + std::strerror(errno));
  }
  // The clock after the read, per event (not per epoll_wait: the 256th event of a batch is
  // handled long after the first). A round trip includes the syscall that received it, and
  // the frames sent in answer are stamped with the same reading.
  const uint64_t received_at = now_ns();
  if (c.state == State::handshaking) {
    on_handshake_bytes(c, into, static_cast<size_t>(got), received_at);
  } else if (target_.raw) {
    on_raw_echo(c, static_cast<size_t>(got), received_at);
  } else {
    on_frames(c, into, static_cast<size_t>(got), received_at);
  }
}

void EchoWorker::on_connected(Connection& c) {
  int error = 0;
  socklen_t len = sizeof(error);
  getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &len);
  if (error != 0) return fail(c, std::string("connect: ") + std::strerror(error));
  if (target_.raw) {
    c.state = State::upgraded;
    control_.upgraded.fetch_add(1, std::memory_order_release);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &c;
    epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev);
    return;
  }
  const ssize_t sent = ::write(c.fd, c.handshake.data(), c.handshake.size());
  if (sent != static_cast<ssize_t>(c.handshake.size())) return fail(c, "could not write the upgrade request");
  c.handshake.clear();
  c.state = State::handshaking;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = &c;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev);
}

void EchoWorker::on_handshake_bytes(Connection& c, const std::byte* data, size_t size, uint64_t now) {
  c.handshake.append(reinterpret_cast<const char*>(data), size);
  const size_t end = c.handshake.find("\r\n\r\n");
  if (end == std::string::npos) {
    if (c.handshake.size() > kMaxResponseHead) fail(c, "upgrade response head too large");
    return;
  }
  if (const char* why = check_upgrade_response(std::string_view(c.handshake).substr(0, end + 4), c.key)) {
    return fail(c, std::string("upgrade refused: ") + why);
  }
  // Bytes after the head are frames. They came from read_buffer_ (whose tail the head
  // search saw), so they fit back after its headroom.
  const size_t rest = c.handshake.size() - (end + 4);
  std::byte* const into = read_buffer_.data() + kReadHeadroom;
  std::memcpy(into, c.handshake.data() + end + 4, rest);
  c.handshake = std::string();
  c.state = State::upgraded;
  control_.upgraded.fetch_add(1, std::memory_order_release);
  if (rest > 0) on_frames(c, into, rest, now);
}

void EchoWorker::on_frames(Connection& c, std::byte* data, size_t size, uint64_t now) {
  data -= c.carry_size;
  std::memcpy(data, c.carry.data(), c.carry_size);
  size += c.carry_size;
  tally_ = FeedTally{};
  const size_t consumed = c.reader->feed({data, size});
  if (!tally_.error.empty()) return fail(c, "protocol error: " + tally_.error);
  if (tally_.close) return fail(c, "server sent a close frame");
  c.carry_size = size - consumed;  // < kMaxFrameHeaderSize: a partial header
  std::memcpy(c.carry.data(), data + consumed, c.carry_size);

  if (tally_.messages > 0) complete_round_trips(c, tally_.messages, tally_.payload_bytes, now);
  if (tally_.ping && c.state != State::closed) send_raw(c, pong_.data(), pong_.size());
}

void EchoWorker::on_raw_echo(Connection& c, size_t size, uint64_t now) {
  c.raw_partial += size;
  const uint64_t count = c.raw_partial / frame_size_;
  c.raw_partial %= frame_size_;
  if (count > 0) complete_round_trips(c, static_cast<uint32_t>(count), count * target_.size, now);
}

void EchoWorker::complete_round_trips(Connection& c, uint32_t count, uint64_t payload_bytes, uint64_t now) {
  if (count > c.in_flight.size()) return fail(c, "more echoes than messages sent");
  SendTimes& times = c.in_flight;
  const uint32_t mask = static_cast<uint32_t>(times.ring.size() - 1);
  if (measuring_) {
    for (uint32_t i = 0; i < count; ++i) result_.latency.record(now - times.ring[(times.head + i) & mask]);
    result_.messages += count;
    result_.payload_bytes += payload_bytes;
  }
  times.head += count;
  send_frames(c, count, now);
}

void EchoWorker::on_message(ws::Opcode opcode, std::span<const std::byte> payload) {
  ++tally_.messages;
  tally_.payload_bytes += payload.size();
}

void EchoWorker::on_ping(std::span<const std::byte> payload) {
  tally_.ping = true;
  pong_.clear();
  ws::append_frame(pong_, ws::Opcode::pong, payload, true, false, &mask_key_);
}

void EchoWorker::send_frames(Connection& c, uint32_t count, uint64_t now) {
  SendTimes& times = c.in_flight;
  const uint32_t mask = static_cast<uint32_t>(times.ring.size() - 1);
  for (uint32_t i = 0; i < count; ++i) times.ring[(times.tail + i) & mask] = now;
  times.tail += count;
  // count <= pipeline: the received echoes are a subset of what is in flight.
  send_raw(c, frames_.data(), frame_size_ * count);
  if (++batches_since_remask_ == kBatchesPerMaskKey) rebuild_frames();
}

void EchoWorker::send_raw(Connection& c, const char* data, size_t size) {
  if (!c.pending_out.empty()) {
    c.pending_out.append(data, size);
    return;
  }
  ssize_t sent = ::write(c.fd, data, size);
  if (sent < 0) {
    if (errno != EAGAIN && errno != EINTR) return fail(c, std::string("write: ") + std::strerror(errno));
    sent = 0;
  }
  if (static_cast<size_t>(sent) == size) return;
  c.pending_out.append(data + sent, size - static_cast<size_t>(sent));
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT;
  ev.data.ptr = &c;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev);
}

void EchoWorker::flush_pending(Connection& c) {
  const ssize_t sent = ::write(c.fd, c.pending_out.data(), c.pending_out.size());
  if (sent < 0) {
    if (errno != EAGAIN && errno != EINTR) fail(c, std::string("write: ") + std::strerror(errno));
    return;
  }
  c.pending_out.erase(0, static_cast<size_t>(sent));
  if (!c.pending_out.empty()) return;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = &c;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev);
}

void EchoWorker::fail(Connection& c, const std::string& why) {
  if (result_.first_error.empty()) result_.first_error = why;
  ++result_.errors;
  control_.failed.fetch_add(1, std::memory_order_release);
  if (c.fd >= 0) {
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.fd, nullptr);
    ::close(c.fd);
  }
  c.fd = -1;
  c.state = State::closed;
}

void EchoWorker::close_all() {
  // A close frame (1000, normal closure) so the server sees a goodbye rather than a reset;
  // best effort: the run is over and nothing waits for the server's reply.
  const std::string payload = ws::close_payload(ws::close_code::normal, "");
  std::string close_frame;
  ws::append_frame(close_frame, ws::Opcode::close,
                   {reinterpret_cast<const std::byte*>(payload.data()), payload.size()}, true, false,
                   &mask_key_);
  for (Connection& c : connections_) {
    if (c.fd < 0) continue;
    if ((c.state == State::running || c.state == State::upgraded) && c.pending_out.empty() && !target_.raw) {
      [[maybe_unused]] ssize_t ignored = ::write(c.fd, close_frame.data(), close_frame.size());
    }
    ::close(c.fd);
    c.fd = -1;
    c.state = State::closed;
  }
}

}  // namespace wshub::bench
