#include "tests/support/secure_kafka.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/common/crypto/sealing.h"
#include "services/common/runtime/config.h"
#include "services/stack/stack.h"
#include "tests/support/fixtures.h"
#include "tests/support/redis_server.h"

namespace hosho::testing {
namespace fs = std::filesystem;

SecureBroker::SecureBroker(const std::string& libs_dir, const std::string& mechanism, bool expired_certificate)
    : mechanism_(mechanism) {
  dir_ = MakeTempDir("hosho-kafka-sasl");
  if (!MakeTestCertificates(dir_) || (expired_certificate && !MakeExpiredServerCertificate(dir_))) {
    ADD_FAILURE() << "no test certificates";
    return;
  }
  passwords_ = {
      {"hosho-intake", RandomHex(16)}, {"hosho-verification", RandomHex(16)}, {"hosho-routing", RandomHex(16)}};
  auto base = FindFreePortRange(3);
  if (!base.ok()) {
    ADD_FAILURE() << base.status();
    return;
  }
  KafkaClusterOptions options;
  options.dir = dir_ + "/kafka";
  options.libs_dir = libs_dir;
  options.port_base = *base;
  options.topics_file = std::string(HOSHO_SOURCE_DIR) + "/deploy/kafka/topics.yaml";
  options.heap = "384m";
  options.security = true;
  options.security_options.server_certificate_pem =
      dir_ + (expired_certificate ? "/server-expired.crt" : "/server.crt");
  options.security_options.server_key_pem = dir_ + "/server.key";
  options.security_options.ca_pem = dir_ + "/ca.crt";
  options.security_options.mechanism = mechanism;
  for (const auto& [user, password] : passwords_) options.security_options.users.emplace_back(user, password);
  auto cluster = KafkaCluster::Start(options);
  if (!cluster.ok()) {
    ADD_FAILURE() << cluster.status();
    return;
  }
  cluster_ = *std::move(cluster);
}

SecureBroker::~SecureBroker() {
  cluster_.reset();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string SecureBroker::ServiceYaml(const std::string& service, const std::string& password, const std::string& ca) {
  const std::string password_file = absl::StrCat(dir_, "/", service, "-", RandomHex(4), ".password");
  std::ofstream(password_file) << password << "\n";
  return absl::StrCat(
      "  bootstrap_servers: \"", cluster_->secure_bootstrap(), "\"\n  sasl_password_file: ", password_file,
      "\n  properties:\n    security.protocol: \"SASL_SSL\"\n    sasl.mechanism: \"", mechanism_,
      "\"\n    sasl.username: \"", service, "\"\n    ssl.ca.location: ", ca.empty() ? this->ca() : ca, "\n");
}

KafkaOptions SecureBroker::ServiceOptions(const std::string& service, const std::string& password,
                                          const std::string& ca) {
  auto config = Config::FromYaml("kafka:\n" + ServiceYaml(service, password, ca));
  EXPECT_TRUE(config.ok()) << config.status();
  KafkaOptions options = KafkaOptionsFromConfig(*config, service);
  options.properties.emplace_back("message.timeout.ms", "8000");
  return options;
}

}  // namespace hosho::testing
