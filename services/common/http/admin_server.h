#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hosho {

// The admin port: /metrics (Prometheus text), /healthz (process alive) and
// /readyz (dependencies reachable, per the readiness probe given).
class AdminServer {
 public:
  using ReadinessProbe = std::function<absl::Status()>;
  AdminServer();
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  absl::Status Start(const std::string& host, int port, const ReadinessProbe& readiness);
  // Extra GET/POST routes. Call before Start.
  void AddPost(const std::string& path, const std::function<absl::Status()>& action);
  void Stop();
  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A plain HTTP request to a loopback admin port (readiness checks, fault
// controls). Returns the status code and body.
absl::StatusOr<std::pair<int, std::string>> HttpRequest(const std::string& host, int port, const std::string& method,
                                                        const std::string& path);

}  // namespace hosho
