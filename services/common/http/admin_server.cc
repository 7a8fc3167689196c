#include "services/common/http/admin_server.h"

#include <httplib.h>

#include "absl/strings/str_cat.h"
#include "services/common/runtime/log.h"
#include "services/common/runtime/metrics.h"

namespace hosho {

struct AdminServer::Impl {
  httplib::Server server;
  std::thread thread;
  int port = 0;
};

AdminServer::AdminServer() : impl_(std::make_unique<Impl>()) {}
AdminServer::~AdminServer() { Stop(); }

void AdminServer::AddPost(const std::string& path, const std::function<absl::Status()>& action) {
  impl_->server.Post(path, [action](const httplib::Request&, httplib::Response& res) {
    absl::Status status = action();
    res.status = status.ok() ? 200 : 500;
    res.set_content(status.ok() ? "ok\n" : absl::StrCat(status.ToString(), "\n"), "text/plain");
  });
}

absl::Status AdminServer::Start(const std::string& host, int port, const ReadinessProbe& readiness) {
  impl_->server.Get("/metrics", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(Metrics().RenderText(), "text/plain; version=0.0.4");
  });
  impl_->server.Get("/healthz",
                    [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
  impl_->server.Get("/readyz", [readiness](const httplib::Request&, httplib::Response& res) {
    absl::Status status = readiness ? readiness() : absl::OkStatus();
    res.status = status.ok() ? 200 : 503;
    res.set_content(status.ok() ? "ready\n" : absl::StrCat("not ready: ", status.message(), "\n"), "text/plain");
  });
  if (port == 0) {
    impl_->port = impl_->server.bind_to_any_port(host);
  } else {
    impl_->port = impl_->server.bind_to_port(host, port) ? port : -1;
  }
  if (impl_->port <= 0) {
    return absl::UnavailableError(absl::StrCat("admin port ", host, ":", port, " cannot be bound"));
  }
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
  return absl::OkStatus();
}

void AdminServer::Stop() {
  if (impl_->thread.joinable()) {
    impl_->server.stop();
    impl_->thread.join();
  }
}

int AdminServer::port() const { return impl_->port; }

absl::StatusOr<std::pair<int, std::string>> HttpRequest(const std::string& host, int port, const std::string& method,
                                                        const std::string& path) {
  httplib::Client client(host, port);
  client.set_connection_timeout(1, 0);
  client.set_read_timeout(5, 0);
  auto result = method == "POST" ? client.Post(path.c_str()) : client.Get(path.c_str());
  if (!result) {
    return absl::UnavailableError(
        absl::StrCat(method, " http://", host, ":", port, path, ": ", httplib::to_string(result.error())));
  }
  return std::make_pair(result->status, result->body);
}

}  // namespace hosho
