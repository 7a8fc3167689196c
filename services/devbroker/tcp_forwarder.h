#pragma once

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace hosho {

// Forwards every connection on a fixed loopback port to the mock broker's
// ephemeral port, so clients can bootstrap from a well-known address. (Kafka
// metadata then points clients at the broker's own address directly.)
class TcpForwarder {
 public:
  TcpForwarder() = default;
  ~TcpForwarder();
  TcpForwarder(const TcpForwarder&) = delete;
  TcpForwarder& operator=(const TcpForwarder&) = delete;

  absl::Status Start(int listen_port, const std::string& target_host, int target_port);
  void Stop();
  int port() const { return port_; }

 private:
  void AcceptLoop();
  static void Pump(int client, int upstream, const std::atomic<bool>* stop);

  int listen_fd_ = -1;
  int port_ = 0;
  std::string target_host_;
  int target_port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  absl::Mutex mu_;
  std::vector<std::thread> pumps_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hosho
