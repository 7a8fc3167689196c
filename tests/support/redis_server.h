#pragma once

#include <memory>
#include <string>

#include "services/common/redis/redis_client.h"
#include "services/stack/child_process.h"

namespace hosho::testing {

// A real redis-server on a free loopback port, in a temporary directory,
// for the lifetime of the object.
class RedisServer {
 public:
  static std::unique_ptr<RedisServer> Start();
  ~RedisServer();
  int port() const { return port_; }
  // A fresh client to this server.
  std::unique_ptr<RedisClient> Client(int pool_size = 4, absl::Duration reconnect_budget = absl::Seconds(10)) const;
  void FlushAll() const;
  void Kill();     // the server goes away (reconnect tests)
  void Restart();  // on the same port

 private:
  void Launch();
  int port_ = 0;
  std::string dir_;
  ChildProcess process_;
};

// A fresh temporary directory under TEST_TMPDIR or /tmp.
std::string MakeTempDir(const std::string& prefix);

}  // namespace hosho::testing
