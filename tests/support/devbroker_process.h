#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "services/stack/child_process.h"

namespace hosho::testing {

// The hosho-devbroker binary on free loopback ports, with the topic catalogue.
class DevbrokerProcess {
 public:
  static std::unique_ptr<DevbrokerProcess> Start();
  ~DevbrokerProcess();
  const std::string& bootstrap() const { return bootstrap_; }
  absl::Status SetBrokerDown();
  absl::Status SetBrokerUp();

 private:
  std::string dir_;
  std::string bootstrap_;
  int admin_port_ = 0;
  ChildProcess process_;
};

}  // namespace hosho::testing
