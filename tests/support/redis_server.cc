#include "tests/support/redis_server.h"

#include <stdlib.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/common/runtime/clock.h"
#include "services/stack/stack.h"

namespace hosho::testing {

std::string MakeTempDir(const std::string& prefix) {
  const char* base = std::getenv("TEST_TMPDIR");
  std::string pattern = absl::StrCat(base != nullptr ? base : "/tmp", "/", prefix, "-XXXXXX");
  char* made = mkdtemp(pattern.data());
  return made != nullptr ? std::string(made) : std::string();
}

std::unique_ptr<RedisServer> RedisServer::Start() {
  auto server = std::make_unique<RedisServer>();
  auto port = FindFreePortRange(1);
  if (!port.ok()) {
    ADD_FAILURE() << port.status();
    return server;
  }
  server->port_ = *port;
  server->dir_ = MakeTempDir("hosho-redis");
  server->Launch();
  return server;
}

void RedisServer::Launch() {
  auto child = ChildProcess::Spawn({"/usr/bin/redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                    "--dir", dir_, "--save", "", "--appendonly", "no", "--daemonize", "no"},
                                   dir_ + "/redis.log");
  if (!child.ok()) {
    ADD_FAILURE() << child.status();
    return;
  }
  process_ = *child;
  auto client = Client(1);
  ASSERT_TRUE(client->Ping().ok()) << "redis-server did not come up on port " << port_;
}

RedisServer::~RedisServer() {
  process_.Terminate(absl::Seconds(5));
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::unique_ptr<RedisClient> RedisServer::Client(int pool_size, absl::Duration reconnect_budget) const {
  RedisOptions options;
  options.port = port_;
  options.pool_size = pool_size;
  options.reconnect_budget = reconnect_budget;
  return *RedisClient::Create(options, &RealClock());
}

void RedisServer::FlushAll() const { (void)Client(1)->Command({"FLUSHALL"}); }
void RedisServer::Kill() { process_.Terminate(absl::Seconds(5)); }
void RedisServer::Restart() { Launch(); }

}  // namespace hosho::testing
