#pragma once
// A Client with an event loop of its own on a thread, for programs that have no loop (tools,
// tests, services with blocking code). Every call to the Client goes through post().
#include <functional>
#include <memory>
#include <thread>

#include "wshub/client/Client.h"

namespace wshub::client {

class ClientThread {
 public:
  explicit ClientThread(ClientOptions options);
  // Stops the loop and joins the thread; the Client is destroyed on it.
  ~ClientThread();
  ClientThread(const ClientThread&) = delete;
  ClientThread& operator=(const ClientThread&) = delete;

  // Runs `task` on the loop thread with the client. False when the loop's queue is full.
  bool post(std::function<void(Client&)> task);

 private:
  struct State;
  std::unique_ptr<State> state_;
  std::thread thread_;
};

}  // namespace wshub::client
