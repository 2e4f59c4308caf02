#pragma once
// The admin dashboard (docs/operations.md, "Admin dashboard"): the page at /admin and its
// live socket at /admin/live, both on the main listener. Built by the Node only when
// admin.enabled is set (--dev sets it); the login is admin.password, or the api.key
// when no password is configured.
#include <memory>

#include "api/ServerApi.h"
#include "hub/Hub.h"
#include "server/AdminLive.h"
#include "server/AdminPage.h"
#include "server/Server.h"

namespace wshub::server {

class AdminDashboard {
 public:
  // Before server.start(): registers the page and the live endpoint with `server`.
  AdminDashboard(Server& server, hub::Hub& hub, api::ServerApi& api, api::NodeInfoSource info);

  static constexpr std::string_view kLivePath = "/admin/live";

 private:
  NodeSample sample() const;

  Server& server_;
  hub::Hub& hub_;
  api::NodeInfoSource info_;
  std::unique_ptr<AdminPage> page_;
  std::unique_ptr<AdminLive> live_;
};

}  // namespace wshub::server
