#pragma once

#include <map>
#include <memory>
#include <string>

#include "services/common/kafka/kafka_impl.h"
#include "services/stack/kafka_cluster.h"

namespace hosho::testing {

// A real Kafka broker with a SASL_SSL listener (`mechanism`: PLAIN or SCRAM-SHA-512), a server
// certificate made for the test (expired when asked), and the catalogue's ACLs, in a temporary
// directory. Users: hosho-intake, hosho-verification, hosho-routing, each with a random password.
class SecureBroker {
 public:
  SecureBroker(const std::string& libs_dir, const std::string& mechanism, bool expired_certificate = false);
  ~SecureBroker();
  bool up() const { return cluster_ != nullptr; }
  const std::string& password(const std::string& user) const { return passwords_.at(user); }
  const std::string& dir() const { return dir_; }
  const std::string& mechanism() const { return mechanism_; }
  std::string ca() const { return dir_ + "/ca.crt"; }
  std::string secure_bootstrap() const { return cluster_->secure_bootstrap(); }

  // A service's Kafka settings exactly as the chart renders them (templates/_helpers.tpl), read by
  // the KafkaOptionsFromConfig every service uses.
  KafkaOptions ServiceOptions(const std::string& service, const std::string& password, const std::string& ca = "");
  // The same settings as YAML lines for a service's configuration (`kafka:` block, indented by two).
  std::string ServiceYaml(const std::string& service, const std::string& password, const std::string& ca = "");

 private:
  std::string mechanism_;
  std::string dir_;
  std::map<std::string, std::string> passwords_;
  std::unique_ptr<KafkaCluster> cluster_;
};

}  // namespace hosho::testing
