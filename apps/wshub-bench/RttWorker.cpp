#include "RttWorker.h"

#include <chrono>

#include "ClientConnection.h"  // monotonic_ns
#include "DeliveryParser.h"    // find_number

namespace wshub::bench {
namespace {

// A delivery not back this long after its publish (which was acked) is counted missing. The
// ack itself has the client's request_timeout (10 s): no ack ends as a publish error.
constexpr uint64_t kRoundTripTimeoutNs = 5'000'000'000;
constexpr std::chrono::milliseconds kTimeoutScan{1000};

}  // namespace

RttWorker::RttWorker(const std::string& url, bool tls_verify_peer, RttControl& control, int first_id,
                     int count)
    : control_(control), url_(url), tls_verify_peer_(tls_verify_peer), first_id_(first_id), count_(count) {
  timeout_timer_.owner = this;
  timeout_timer_.callback = [](net::TimerNode* node) {
    auto* self = static_cast<RttWorker*>(node->owner);
    self->check_timeouts();
    self->loop_.timers().schedule(self->timeout_timer_, kTimeoutScan);
  };
  thread_ = std::thread([this] { thread_main(); });
}

RttWorker::~RttWorker() {
  stop();
}

void RttWorker::thread_main() {
  // Clients are made, run and destroyed on this thread, which owns them.
  for (int i = 0; i < count_; ++i) {
    auto slot = std::make_unique<Slot>();
    slot->id = first_id_ + i;
    slot->channel = "bench:rtt:" + std::to_string(slot->id);
    make_client(*slot, url_, tls_verify_peer_);
    slots_.push_back(std::move(slot));
  }
  loop_.post([this] {
    for (auto& slot : slots_) slot->client->connect();
    loop_.timers().schedule(timeout_timer_, kTimeoutScan);
  });
  loop_.run();
  loop_.timers().cancel(timeout_timer_);
  slots_.clear();
}

void RttWorker::make_client(Slot& slot, const std::string& url, bool tls_verify_peer) {
  client::ClientOptions options;
  options.urls = {url};
  options.reconnect = false;  // a lost connection is an error of the run, not something to hide
  options.tls_verify_peer = tls_verify_peer;
  slot.client = std::make_unique<client::Client>(loop_, options);
  Slot* s = &slot;
  slot.client->set_state_handlers({
      .on_connecting = {},
      .on_connected = {},
      .on_disconnected =
          [this, s](uint16_t code, const std::string& reason, bool) {
            if (!s->alive || control_.phase.load() == RttPhase::stop) return;
            s->alive = false;
            const std::string what = "disconnected (" + std::to_string(code) + " " + reason + ")";
            if (!s->subscribed) {
              control_.failed.fetch_add(1);
              if (result_.first_error.empty()) result_.first_error = "client " + std::to_string(s->id) + ": " + what;
            } else {
              note_error(result_.disconnects, "client " + std::to_string(s->id) + ": " + what);
            }
          },
      .on_error =
          [this, s](const client::Error& e) {
            if (result_.first_error.empty())
              result_.first_error = "client " + std::to_string(s->id) + ": " + e.message;
          },
  });
  client::SubscriptionHandlers handlers;
  handlers.on_subscribed = [this, s](const client::SubscribeResult&) {
    if (s->subscribed) return;
    s->subscribed = true;
    control_.subscribed.fetch_add(1);
  };
  handlers.on_error = [this, s](const client::Error& e) {
    note_error(result_.subscribe_errors, "client " + std::to_string(s->id) + ": subscribe " + s->channel +
                                             ": error " + std::to_string(e.code) + " " + e.message);
    if (!s->subscribed) control_.failed.fetch_add(1);
    s->subscribed = false;
  };
  handlers.on_publication = [this, s](const client::Publication& p) { on_delivery(*s, p.payload_json); };
  slot.client->subscribe(slot.channel, std::move(handlers));
}

void RttWorker::start() {
  loop_.post([this] {
    running_ = true;
    for (auto& slot : slots_) {
      if (slot->subscribed && slot->alive) publish_next(*slot);
    }
  });
}

void RttWorker::stop() {
  if (!thread_.joinable()) return;
  // stop() from the loop thread, after the disconnects (a stop() before run() started would
  // be lost). post() fails only when the queue is full: try again.
  while (!loop_.post([this] {
    running_ = false;
    for (auto& slot : slots_) {
      slot->alive = false;
      slot->client->disconnect();
    }
    // The close frames go out at the end of this iteration; stop on the next.
    loop_.post([this] { loop_.stop(); });
  })) {
    std::this_thread::yield();
  }
  thread_.join();
}

void RttWorker::publish_next(Slot& slot) {
  slot.seq += 1;
  slot.acked = slot.delivered = false;
  slot.sent_ns = monotonic_ns();
  const std::string payload =
      "{\"seq\":" + std::to_string(slot.seq) + ",\"t\":" + std::to_string(slot.sent_ns) + "}";
  Slot* s = &slot;
  const uint64_t seq = slot.seq;
  slot.client->publish(slot.channel, payload,
                       [this, s, seq](const client::Error& e, uint64_t) { on_ack(*s, seq, e); });
}

void RttWorker::on_ack(Slot& slot, uint64_t seq, const client::Error& error) {
  if (seq != slot.seq || slot.acked) return;  // a round trip given up already
  if (error) {
    // A lost connection is counted once, by on_disconnected.
    if (error.code == client::client_error::disconnected) return;
    note_error(result_.publish_errors, "client " + std::to_string(slot.id) + ": publish: error " +
                                           std::to_string(error.code) + " " + error.message);
    if (running_ && slot.alive) publish_next(slot);  // no delivery will come
    return;
  }
  slot.acked = true;
  if (measuring()) result_.ack.record(monotonic_ns() - slot.sent_ns);
  maybe_next(slot);
}

void RttWorker::on_delivery(Slot& slot, const std::string& payload_json) {
  const int64_t seq = find_number(payload_json, "seq");
  const int64_t sent = find_number(payload_json, "t");
  // Only the round trip in progress counts (a delivery of one given up arrives late, if at all).
  if (seq <= 0 || sent <= 0 || static_cast<uint64_t>(seq) != slot.seq || slot.delivered) return;
  slot.delivered = true;
  if (measuring()) result_.delivery.record(monotonic_ns() - static_cast<uint64_t>(sent));
  maybe_next(slot);
}

void RttWorker::maybe_next(Slot& slot) {
  if (!slot.acked || !slot.delivered) return;
  if (measuring()) ++result_.round_trips;
  if (running_ && slot.alive) publish_next(slot);
}

void RttWorker::check_timeouts() {
  if (!running_) return;
  const uint64_t now = monotonic_ns();
  for (auto& slot : slots_) {
    if (!slot->alive || slot->seq == 0 || !slot->acked || slot->delivered) continue;
    if (now - slot->sent_ns < kRoundTripTimeoutNs) continue;
    note_error(result_.missing, "client " + std::to_string(slot->id) + ": publication " +
                                    std::to_string(slot->seq) + " acked but not delivered within 5 s");
    publish_next(*slot);
  }
}

void RttWorker::note_error(uint64_t& counter, const std::string& what) {
  ++counter;
  if (result_.first_error.empty()) result_.first_error = what;
}

}  // namespace wshub::bench
