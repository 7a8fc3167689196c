#include "tests/support/devbroker_process.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/common/admin_server.h"
#include "services/stack/stack.h"
#include "tests/support/await.h"
#include "tests/support/redis_server.h"

namespace hosho::testing {

std::unique_ptr<DevbrokerProcess> DevbrokerProcess::Start() {
  auto broker = std::make_unique<DevbrokerProcess>();
  auto base = FindFreePortRange(2);
  if (!base.ok()) {
    ADD_FAILURE() << base.status();
    return broker;
  }
  broker->dir_ = MakeTempDir("hosho-devbroker");
  broker->bootstrap_ = absl::StrCat("127.0.0.1:", *base);
  broker->admin_port_ = *base + 1;
  const std::string config = broker->dir_ + "/devbroker.yaml";
  std::ofstream(config) << "log: {level: warn}\ngrpc: {enabled: false}\nadmin: {host: 127.0.0.1, port: "
                        << broker->admin_port_ << "}\ndevbroker: {port: " << *base << ", topics_file: \""
                        << HOSHO_SOURCE_DIR << "/deploy/kafka/topics.yaml\"}\n";
  auto child = ChildProcess::Spawn({std::string(HOSHO_BIN_DIR) + "/hosho-devbroker", "--config=" + config},
                                   broker->dir_ + "/devbroker.log");
  if (!child.ok()) {
    ADD_FAILURE() << child.status();
    return broker;
  }
  broker->process_ = *child;
  const int admin = broker->admin_port_;
  EXPECT_TRUE(AwaitUntil([admin] {
    auto ready = HttpRequest("127.0.0.1", admin, "GET", "/readyz");
    return ready.ok() && ready->first == 200;
  })) << "hosho-devbroker did not become ready";
  return broker;
}

DevbrokerProcess::~DevbrokerProcess() {
  process_.Terminate(absl::Seconds(10));
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

absl::Status DevbrokerProcess::SetBrokerDown() {
  auto r = HttpRequest("127.0.0.1", admin_port_, "POST", "/brokers/1/down");
  if (!r.ok()) return r.status();
  return r->first == 200 ? absl::OkStatus() : absl::InternalError(r->second);
}

absl::Status DevbrokerProcess::SetBrokerUp() {
  auto r = HttpRequest("127.0.0.1", admin_port_, "POST", "/brokers/1/up");
  if (!r.ok()) return r.status();
  return r->first == 200 ? absl::OkStatus() : absl::InternalError(r->second);
}

}  // namespace hosho::testing
