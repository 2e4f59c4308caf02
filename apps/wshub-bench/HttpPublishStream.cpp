#include "HttpPublishStream.h"

#include "http/ResponseParser.h"

namespace wshub::bench {

HttpPublishStream::HttpPublishStream(int window, int max_attempts, Render render)
    : window_(window < 1 ? 1 : window),
      max_attempts_(max_attempts < 1 ? 1 : max_attempts),
      render_(std::move(render)),
      parser_(std::make_unique<http::ResponseParser>(http::ResponseLimits{.max_body_bytes = 64 * 1024})) {}

HttpPublishStream::~HttpPublishStream() = default;

size_t HttpPublishStream::fill_window(uint64_t now_ns) {
  size_t entered = 0;
  while (!waiting_.empty() && !window_full()) {
    PendingPublish p = std::move(waiting_.front());
    waiting_.pop_front();
    if (p.request.empty()) render_(p, now_ns);
    if (p.attempts > 0) ++resent_;
    ++p.attempts;
    out_ += p.request;
    in_flight_.push_back(std::move(p));
    ++entered;
  }
  return entered;
}

void HttpPublishStream::wrote(size_t n) {
  written_ += n;
  if (written_ >= out_.size()) {
    out_.clear();
    written_ = 0;
  }
}

HttpPublishStream::FeedResult HttpPublishStream::feed(std::span<const char> bytes) {
  return take(bytes, false);
}

HttpPublishStream::FeedResult HttpPublishStream::finish() {
  return take({}, true);
}

HttpPublishStream::FeedResult HttpPublishStream::take(std::span<const char> bytes, bool at_end) {
  FeedResult result;
  for (;;) {
    if (bytes.empty()) {
      if (!at_end) return result;
      result.close = true;
      if (!parser_->started()) {  // closed between responses: the usual end of an idle connection
        result.why = "the server closed the connection";
        return result;
      }
    }
    const http::ResponseParser::Result r = bytes.empty() ? parser_->finish() : parser_->feed(bytes);
    bytes = bytes.subspan(r.consumed);
    switch (r.status) {
      case http::ResponseParser::Status::need_more:
        continue;  // all of `bytes` was taken
      case http::ResponseParser::Status::malformed:
      case http::ResponseParser::Status::too_large:
        result.close = true;
        result.error = true;
        result.why = at_end ? std::string_view("the server closed the connection mid-response") : r.reason;
        return result;
      case http::ResponseParser::Status::complete: {
        if (in_flight_.empty()) {
          result.close = true;
          result.error = true;
          result.why = "a response with no request";
          return result;
        }
        result.answers.push_back({parser_->response().status, std::move(in_flight_.front())});
        in_flight_.pop_front();
        const bool keep = parser_->keep_alive();
        parser_->reset();
        if (!keep) {
          result.close = true;
          result.why = "the server ended the keep-alive connection";
          return result;
        }
        continue;
      }
    }
  }
}

std::vector<PendingPublish> HttpPublishStream::connection_ended() {
  parser_->reset();
  out_.clear();
  written_ = 0;
  std::vector<PendingPublish> given_up;
  while (!in_flight_.empty()) {
    PendingPublish p = std::move(in_flight_.back());
    in_flight_.pop_back();
    if (p.attempts >= max_attempts_) {
      given_up.insert(given_up.begin(), std::move(p));
    } else {
      waiting_.push_front(std::move(p));
    }
  }
  return given_up;
}

}  // namespace wshub::bench
