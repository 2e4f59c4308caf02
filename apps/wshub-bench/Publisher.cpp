#include "Publisher.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>

#include "CpuClock.h"
#include "DeliveryParser.h"

namespace wshub::bench {
namespace {

// A batch at most this large is built per wake-up, so acks keep being read.
constexpr uint32_t kMaxBatch = 1024;
// Open loop: publish again once the WebSocket connection buffers less than this.
constexpr size_t kOpenLoopBuffered = 64 * 1024;

void append_number(std::string& out, uint64_t value) {
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, static_cast<size_t>(end - digits));
}

// {"seq":S,"t":T,"pad":"xx.."}, padded to `size` bytes when it is shorter.
void append_payload(std::string& out, uint64_t seq, uint64_t t, size_t size) {
  const size_t start = out.size();
  out += "{\"seq\":";
  append_number(out, seq);
  out += ",\"t\":";
  append_number(out, t);
  out += ",\"pad\":\"";
  const size_t used = out.size() - start + 2;
  if (size > used) out.append(size - used, 'x');
  out += "\"}";
}

int timeout_ms(uint64_t now, uint64_t until) {
  if (until <= now) return 0;
  return static_cast<int>(std::min<uint64_t>((until - now + 999'999) / 1'000'000, 10));
}

}  // namespace

Publisher::Publisher(PublisherPlan plan) : plan_(std::move(plan)) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  seq_.assign(static_cast<size_t>(plan_.channels), 0);
  counts_.sent_per_channel.assign(static_cast<size_t>(plan_.channels), 0);
  counts_.errors_per_channel.assign(static_cast<size_t>(plan_.channels), 0);
  counts_.acks_per_channel.assign(static_cast<size_t>(plan_.channels), 0);
}

Publisher::~Publisher() {
  stop_.store(true, std::memory_order_release);
  if (thread_.joinable()) thread_.join();
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

std::string Publisher::connect(double timeout_seconds) {
  if (plan_.http) {
    for (int i = 0; i < std::max(1, plan_.http_connections); ++i) {
      http_.push_back(std::make_unique<HttpPublishConnection>(
          static_cast<HttpPublishConnection::Events&>(*this), plan_.http_window,
          [this](PendingPublish& p, uint64_t now_ns) { render_http(p, now_ns); }));
      std::string why = http_.back()->connect_to(plan_.api_address, epoll_fd_);
      if (!why.empty()) return "API connection: " + why;
    }
    connected_.store(1);
  } else {
    ws_.start(plan_.target, static_cast<ClientEvents&>(*this), epoll_fd_, 0xB0B);
  }
  thread_ = std::thread([this] { run(); });
  const double deadline = monotonic_seconds() + timeout_seconds;
  while (connected_.load(std::memory_order_acquire) == 0 && monotonic_seconds() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  if (connected_.load() == 1) return {};
  const PublisherCounts c = counts();
  return "publisher connection: " + (c.first_error.empty() ? std::string("timed out") : c.first_error);
}

void Publisher::begin_point(double rate, uint64_t start_ns, uint64_t end_ns) {
  std::lock_guard lock(mutex_);
  rate_ = rate;
  start_ns_ = start_ns;
  end_ns_ = end_ns;
  counts_.max_lag_ns = 0;
  point_requested_.fetch_add(1, std::memory_order_release);
}

void Publisher::wait_point() {
  const uint32_t wanted = point_requested_.load();
  while (point_done_.load(std::memory_order_acquire) < wanted)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

PublisherCounts Publisher::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

bool Publisher::can_take_more() const {
  if (plan_.http) {
    for (const auto& c : http_)
      if (c->usable() && !c->window_full()) return true;
    return false;
  }
  return ws_.state() == ClientConnection::State::open && ws_.buffered_amount() < kOpenLoopBuffered;
}

void Publisher::run() {
  constexpr int kMaxEvents = 8;
  epoll_event events[kMaxEvents];
  uint32_t current = 0;
  bool active = false;
  double rate = 0;
  uint64_t start = 0, end = 0;
  while (!stop_.load(std::memory_order_acquire)) {
    if (!active && point_requested_.load(std::memory_order_acquire) > current) {
      std::lock_guard lock(mutex_);
      current = point_requested_.load();
      rate = rate_;
      start = start_ns_;
      end = end_ns_;
      active = true;
      sent_in_point_ = 0;
    }
    uint64_t now = monotonic_ns();
    if (plan_.http)
      for (auto& c : http_) c->tick(now);
    int wait_ms = 10;
    if (active) {
      if (now >= end) {
        active = false;
        point_done_.store(current, std::memory_order_release);
      } else if (now < start) {
        wait_ms = timeout_ms(now, start);
      } else if (rate > 0) {
        const double interval_ns = 1e9 / rate;
        const uint64_t due = static_cast<uint64_t>(static_cast<double>(now - start) / interval_ns) + 1;
        if (due > sent_in_point_) {
          const uint64_t scheduled =
              start + static_cast<uint64_t>(static_cast<double>(sent_in_point_) * interval_ns);
          {
            std::lock_guard lock(mutex_);
            counts_.max_lag_ns = std::max(counts_.max_lag_ns, now - scheduled);
          }
          publish(static_cast<uint32_t>(std::min<uint64_t>(due - sent_in_point_, kMaxBatch)), now);
        }
        const uint64_t next =
            start + static_cast<uint64_t>(static_cast<double>(sent_in_point_) * interval_ns);
        wait_ms = timeout_ms(monotonic_ns(), std::min(next, end));
      } else {
        if (can_take_more()) {
          publish(plan_.http ? 1 : 64, now);
          wait_ms = 0;
        } else {
          wait_ms = timeout_ms(now, end);
        }
      }
    }
    // Sub-millisecond schedules (rates over 1,000/s) are met by publishing what is due at
    // each wake-up: a batch of as many publications as the elapsed time calls for.
    const int n = epoll_wait(epoll_fd_, events, kMaxEvents, wait_ms);
    for (int i = 0; i < n; ++i) {
      if (plan_.http) {
        static_cast<HttpPublishConnection*>(events[i].data.ptr)->on_event(events[i].events, monotonic_ns());
      } else {
        ws_.on_event(events[i].events, buffer_);
      }
    }
  }
  if (active) point_done_.store(current, std::memory_order_release);
  if (plan_.http) {
    for (auto& c : http_) c->close();
  } else if (ws_.state() == ClientConnection::State::open) {
    ws_.close_gracefully();
    const uint64_t deadline = monotonic_ns() + 1'000'000'000;
    while (ws_.state() != ClientConnection::State::closed && monotonic_ns() < deadline) {
      const int n = epoll_wait(epoll_fd_, events, kMaxEvents, 10);
      for (int i = 0; i < n; ++i) ws_.on_event(events[i].events, buffer_);
    }
    ws_.abort("closing");
  }
}

void Publisher::publish(uint32_t count, uint64_t now) {
  if (plan_.http ? !http_.front()->usable() : ws_.state() != ClientConnection::State::open) return;
  scratch_.clear();
  std::vector<uint64_t> sent(static_cast<size_t>(plan_.channels), 0);
  for (uint32_t i = 0; i < count; ++i) {
    const uint64_t id = next_id_++;
    const size_t channel = static_cast<size_t>((id - 1) % static_cast<uint64_t>(plan_.channels));
    const uint64_t seq = seq_[channel]++;
    ++sent[channel];
    message_.clear();
    if (plan_.http) {
      PendingPublish p;
      p.channel = static_cast<uint32_t>(channel);
      p.seq = seq;
      p.due_ns = now;
      next_http_connection().send(std::move(p), monotonic_ns());
      continue;
    }
    message_ += "{\"type\":\"publish\",\"id\":";
    append_number(message_, id);
    message_ += ",\"channel\":\"bench:";
    append_number(message_, channel);
    message_ += "\",\"message_type\":\"bench\",\"payload\":";
    append_payload(message_, seq, now, plan_.payload_size);
    message_ += "}";
    ws::append_frame(scratch_, ws::Opcode::text,
                     {reinterpret_cast<const std::byte*>(message_.data()), message_.size()}, true, false,
                     &ws_.mask_key());
  }
  if (!plan_.http) ws_.send_raw(scratch_);
  sent_in_point_ += count;
  std::lock_guard lock(mutex_);
  counts_.sent += count;
  for (size_t k = 0; k < sent.size(); ++k) counts_.sent_per_channel[k] += sent[k];
}

void Publisher::on_open(ClientConnection&, uint64_t) {
  connected_.store(1, std::memory_order_release);
}

void Publisher::on_message(ClientConnection&, std::string_view message, uint64_t) {
  Delivery ignored;
  switch (classify(message, ignored)) {
    case MessageKind::ack: {
      std::lock_guard lock(mutex_);
      ++counts_.acks;
      return;
    }
    case MessageKind::error: {
      const int64_t id = find_number(message, "id");
      std::lock_guard lock(mutex_);
      ++counts_.errors;
      if (id > 0) ++counts_.errors_per_channel[static_cast<size_t>((id - 1) % plan_.channels)];
      if (counts_.first_error.empty())
        counts_.first_error = "publish refused: " + std::string(message.substr(0, 200));
      return;
    }
    default:
      return;
  }
}

void Publisher::on_closed(ClientConnection&, bool clean, std::string_view why) {
  if (!clean && !stop_.load()) note_failure(why);
}

// Round robin over the connections, skipping those with a full window while one has room
// (their requests would only queue behind the others').
HttpPublishConnection& Publisher::next_http_connection() {
  const size_t n = http_.size();
  for (size_t tried = 0; tried < n; ++tried) {
    HttpPublishConnection& c = *http_[next_http_++ % n];
    if (c.usable() && !c.window_full()) return c;
  }
  return *http_[next_http_++ % n];
}

void Publisher::render_http(PendingPublish& p, uint64_t now_ns) {
  p.stamp_ns = now_ns;
  message_.clear();
  message_ += "{\"channel\":\"bench:";
  append_number(message_, p.channel);
  message_ += "\",\"type\":\"bench\",";
  if (plan_.idempotency_keys) {
    message_ += "\"idempotency_key\":\"bench-";
    append_number(message_, static_cast<uint64_t>(getpid()));
    message_ += '-';
    append_number(message_, p.channel);
    message_ += '-';
    append_number(message_, p.seq);
    message_ += "\",";
  }
  message_ += "\"payload\":";
  append_payload(message_, p.seq, now_ns, plan_.payload_size);
  message_ += "}";
  p.request.reserve(160 + message_.size());
  p.request = "POST " + plan_.api_path + " HTTP/1.1\r\nHost: " + plan_.api_host +
              "\r\nAuthorization: apikey " + plan_.api_key +
              "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(message_.size()) +
              "\r\n\r\n" + message_;
  std::lock_guard lock(mutex_);
  counts_.max_lag_ns = std::max(counts_.max_lag_ns, now_ns > p.due_ns ? now_ns - p.due_ns : 0);
}

void Publisher::on_answer(const HttpAnswer& answer) {
  std::lock_guard lock(mutex_);
  if (answer.publish.attempts > 1) ++counts_.http_resent;
  if (answer.status >= 200 && answer.status < 300) {
    ++counts_.acks;
    ++counts_.acks_per_channel[answer.publish.channel];
    return;
  }
  ++counts_.errors;
  ++counts_.http_non_2xx;
  ++counts_.errors_per_channel[answer.publish.channel];
  if (counts_.http_first_bad_status == 0) counts_.http_first_bad_status = answer.status;
  if (counts_.first_error.empty())
    counts_.first_error = "publish refused: HTTP " + std::to_string(answer.status);
}

void Publisher::on_given_up(const PendingPublish& p, std::string_view why) {
  std::lock_guard lock(mutex_);
  ++counts_.errors;
  ++counts_.http_given_up;
  ++counts_.errors_per_channel[p.channel];
  if (counts_.first_error.empty())
    counts_.first_error = "publication given up after 3 sends: " + std::string(why);
}

void Publisher::on_connection_ended(std::string_view why, bool error) {
  std::lock_guard lock(mutex_);
  ++counts_.http_reconnects;
  if (!error) return;
  ++counts_.http_connection_errors;
  if (counts_.first_error.empty()) counts_.first_error = "API connection: " + std::string(why);
}

void Publisher::on_failed(std::string_view why) {
  note_failure(why);
}

void Publisher::note_failure(std::string_view why) {
  if (connected_.load() == 0) connected_.store(-1, std::memory_order_release);
  std::lock_guard lock(mutex_);
  counts_.lost = true;
  if (counts_.first_error.empty()) counts_.first_error = "publisher: " + std::string(why);
}

}  // namespace wshub::bench
