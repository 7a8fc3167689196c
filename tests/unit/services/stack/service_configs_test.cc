#include "services/stack/service_configs.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"

namespace hosho {
namespace {

class ServiceConfigFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int next = 20010;
    for (const std::string& name : Stack::ServiceNames()) {
      endpoints_.grpc[name] = absl::StrCat("127.0.0.1:", next++);
      endpoints_.admin[name] = next++;
    }
    for (const std::string& name : Stack::ReplicatedServiceNames()) {
      inputs_.replica_ports[name] = {absl::StrCat("127.0.0.1:", next), next + 1};
      next += 2;
    }
    inputs_.run = "/run";
    inputs_.source = "/src";
    inputs_.smtp_port = 20009;
    inputs_.serve_transport = "dev_plaintext: true";
    inputs_.call_transport = "dev_plaintext: true";
  }

  static std::string Content(const std::vector<ServiceConfigFile>& files, const std::string& name) {
    for (const ServiceConfigFile& file : files) {
      if (file.name == name) return file.content;
    }
    ADD_FAILURE() << "no " << name;
    return "";
  }

  StackOptions options_;
  StackEndpoints endpoints_;
  ServiceConfigInputs inputs_;
};

TEST_F(ServiceConfigFilesTest, OneFilePerServiceInStartOrder) {
  std::vector<std::string> names;
  for (const ServiceConfigFile& file : ServiceConfigFiles(options_, endpoints_, inputs_)) names.push_back(file.name);
  EXPECT_EQ(names, (std::vector<std::string>{"platform-sim.yaml", "intake.yaml", "verification.yaml", "routing.yaml",
                                             "notification.yaml", "console.yaml"}));
}

TEST_F(ServiceConfigFilesTest, ASecondReplicaDiffersOnlyInItsPorts) {
  options_.worker_replicas = 2;
  options_.extra_config["routing"] = "routing: {sweep_ms: 200}";
  const auto files = ServiceConfigFiles(options_, endpoints_, inputs_);
  ASSERT_EQ(files.size(), 9u);
  EXPECT_EQ(files[3].name, "verification-2.yaml");
  const std::string first = Content(files, "routing.yaml");
  EXPECT_TRUE(first.ends_with("\nrouting: {sweep_ms: 200}\n")) << first;
  const std::string second = absl::StrReplaceAll(
      first, {{absl::StrCat("listen: \"", endpoints_.grpc["routing"], "\""),
               absl::StrCat("listen: \"", inputs_.replica_ports["routing"].grpc, "\"")},
              {absl::StrCat("port: ", endpoints_.admin["routing"], "}"),
               absl::StrCat("port: ", inputs_.replica_ports["routing"].admin, "}")}});
  EXPECT_NE(second, first);
  EXPECT_EQ(Content(files, "routing-2.yaml"), second);
}

TEST_F(ServiceConfigFilesTest, NotificationNamesTheMailServerPortEvenWithoutAServer) {
  const std::string notification = Content(ServiceConfigFiles(options_, endpoints_, inputs_), "notification.yaml");
  EXPECT_NE(notification.find("smtp: {enabled: false, url: \"smtp://127.0.0.1:20009\", timeout_ms: 5000}\n"),
            std::string::npos)
      << notification;
  EXPECT_NE(notification.find("group_id: hosho-notification\n"), std::string::npos) << notification;
}

}  // namespace
}  // namespace hosho
