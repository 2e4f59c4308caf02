#include "wshub/client/ClientThread.h"

#include "net/EventLoop.h"

namespace wshub::client {

struct ClientThread::State {
  net::EventLoop loop;
  std::unique_ptr<Client> client;
};

ClientThread::ClientThread(ClientOptions options) : state_(std::make_unique<State>()) {
  state_->client = std::make_unique<Client>(state_->loop, std::move(options));
  thread_ = std::thread([state = state_.get()] {
    state->loop.run();
    state->client.reset();  // on the loop thread, which owns it
  });
}

ClientThread::~ClientThread() {
  // stop() from the loop thread: a stop() that ran before run() started would be overwritten by
  // run() and the join would never return.
  net::EventLoop& loop = state_->loop;
  while (!loop.post([&loop] { loop.stop(); })) std::this_thread::yield();
  thread_.join();
}

bool ClientThread::post(std::function<void(Client&)> task) {
  return state_->loop.post([state = state_.get(), task = std::move(task)] {
    if (state->client) task(*state->client);
  });
}

}  // namespace wshub::client
