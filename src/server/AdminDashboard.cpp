#include "server/AdminDashboard.h"

#include "hub/WorkerHub.h"

namespace wshub::server {

AdminDashboard::AdminDashboard(Server& server, hub::Hub& hub, api::ServerApi& api, api::NodeInfoSource info)
    : server_(server), hub_(hub), info_(std::move(info)) {
  const Config& config = server.config();
  const std::string& secret = config.admin.password.empty() ? config.api.key : config.admin.password;
  std::vector<net::EventLoop*> loops;
  for (unsigned i = 0; i < server.worker_count(); ++i) loops.push_back(&server.worker(i).loop());
  page_ = std::make_unique<AdminPage>(admin_assets());
  live_ = std::make_unique<AdminLive>(std::move(loops), api, secret, config.client.connect_timeout,
                                      [this] { return sample(); });
  server.add_endpoint(std::string(kLivePath), live_.get());
  server.add_http_route(std::string(AdminPage::kPrefix), page_.get(), true, false);
}

NodeSample AdminDashboard::sample() const {
  NodeSample sample;
  sample.node = info_();
  for (unsigned i = 0; i < server_.worker_count(); ++i) {
    const WorkerStats& stats = server_.worker_stats(i);
    int64_t clients = hub_.worker(i).counters().clients.load(std::memory_order_relaxed);
    sample.workers.push_back(WorkerSample{clients > 0 ? static_cast<uint64_t>(clients) : 0,
                                          stats.messages_in.get(), stats.messages_out.get()});
  }
  return sample;
}

}  // namespace wshub::server
