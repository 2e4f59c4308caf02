#pragma once
// Errors as values for the hub and its brokers (hot paths never throw). An error carries
// a stable protocol error code (ErrorCode.h) and a message safe to show a client.
#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace wshub::hub {

struct Error {
  uint32_t code = 0;  // an ErrorCode value
  std::string message;
};

// A small std::expected stand-in (C++23's is not in g++ 12).
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit on purpose, like expected
  Result(Error error) : v_(std::move(error)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Unit {};  // Result<Unit>: success carries nothing

}  // namespace wshub::hub
