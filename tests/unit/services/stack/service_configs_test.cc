#include "services/stack/service_configs.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "services/common/runtime/config.h"

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

std::vector<ServiceConfigFile> Files(const StackOptions& options, const StackEndpoints& endpoints,
                                     const ServiceConfigInputs& inputs) {
  auto files = ServiceConfigFiles(options, endpoints, inputs);
  EXPECT_TRUE(files.ok()) << files.status();
  return files.ok() ? *std::move(files) : std::vector<ServiceConfigFile>{};
}

Config Parsed(const std::string& yaml) {
  auto config = Config::FromYaml(yaml);
  EXPECT_TRUE(config.ok()) << config.status();
  return config.ok() ? *std::move(config) : Config();
}

TEST_F(ServiceConfigFilesTest, OneFilePerServiceInStartOrder) {
  std::vector<std::string> names;
  for (const ServiceConfigFile& file : Files(options_, endpoints_, inputs_)) names.push_back(file.name);
  EXPECT_EQ(names, (std::vector<std::string>{"platform-sim.yaml", "intake.yaml", "verification.yaml", "routing.yaml",
                                             "notification.yaml", "console.yaml"}));
}

TEST_F(ServiceConfigFilesTest, ASecondReplicaDiffersOnlyInItsPorts) {
  options_.worker_replicas = 2;
  options_.extra_config["routing"] = "routing: {sweep_ms: 200}";
  const auto files = Files(options_, endpoints_, inputs_);
  ASSERT_EQ(files.size(), 9u);
  EXPECT_EQ(files[3].name, "verification-2.yaml");
  const std::string first = Content(files, "routing.yaml");
  const std::string second =
      absl::StrReplaceAll(first, {{endpoints_.grpc["routing"], inputs_.replica_ports["routing"].grpc},
                                  {absl::StrCat("admin: {port: ", endpoints_.admin["routing"], "}"),
                                   absl::StrCat("admin: {port: ", inputs_.replica_ports["routing"].admin, "}")}});
  EXPECT_NE(second, first);
  EXPECT_EQ(Content(files, "routing-2.yaml"), second);
  EXPECT_EQ(Parsed(second).GetString("grpc.listen"), inputs_.replica_ports["routing"].grpc);
  EXPECT_EQ(Parsed(second).GetInt("admin.port"), inputs_.replica_ports["routing"].admin);
}

// extra_config is merged over the generated file, last: it replaces the one-machine sweep (500 ms) and
// keeps the sibling keys the stack wrote.
TEST_F(ServiceConfigFilesTest, ExtraConfigOverlaysTheGeneratedFile) {
  options_.extra_config["routing"] = "routing: {sweep_ms: 200}\nbench: {auto_handoff: true}";
  const Config routing = Parsed(Content(Files(options_, endpoints_, inputs_), "routing.yaml"));
  EXPECT_EQ(routing.GetInt("routing.sweep_ms"), 200);
  EXPECT_EQ(routing.GetString("routing.rules_file"), "/src/deploy/routing/rules.yaml");
  EXPECT_TRUE(routing.GetBool("bench.auto_handoff"));
  options_.extra_config["routing"] = "routing: [unclosed";
  EXPECT_TRUE(absl::IsInvalidArgument(ServiceConfigFiles(options_, endpoints_, inputs_).status()));
}

TEST_F(ServiceConfigFilesTest, NotificationNamesTheMailServerPortEvenWithoutAServer) {
  const Config notification = Parsed(Content(Files(options_, endpoints_, inputs_), "notification.yaml"));
  EXPECT_FALSE(notification.GetBool("smtp.enabled", true));
  EXPECT_EQ(notification.GetString("smtp.url"), "smtp://127.0.0.1:20009");
  EXPECT_EQ(notification.GetInt("smtp.timeout_ms"), 5000) << "the one-machine overlay";
}

// What the stack writes is this run's ports and paths and the one-machine overlay: nothing of the
// services' defaults (a key with the value defaults.yaml already has would be a second place for it).
TEST_F(ServiceConfigFilesTest, TheStackLeavesTheServicesDefaultsToThem) {
  const auto files = Files(options_, endpoints_, inputs_);
  const Config routing = Parsed(Content(files, "routing.yaml"));
  EXPECT_FALSE(routing.Has("kafka.group_id"));
  EXPECT_FALSE(routing.Has("redis.host"));
  EXPECT_FALSE(routing.Has("admin.host"));
  EXPECT_FALSE(routing.Has("kafka.max_attempts"));
  const Config console = Parsed(Content(files, "console.yaml"));
  EXPECT_FALSE(console.Has("console.listen_host"));
  EXPECT_FALSE(console.Has("console.worker_threads"));
  EXPECT_TRUE(console.GetBool("console.feed_from_earliest")) << "the one-machine overlay";
  const Config intake = Parsed(Content(files, "intake.yaml"));
  EXPECT_FALSE(intake.Has("webhook.listen_host"));
  EXPECT_FALSE(intake.Has("intake.send_timeout_ms"));
}

}  // namespace
}  // namespace hosho
