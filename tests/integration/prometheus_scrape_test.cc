// Debian's Prometheus scrapes a running stack (every process's admin port) with hosho's rules loaded:
// every target is up, the key series exist, the rules load healthy, and every Grafana panel's query
// is valid PromQL that the server accepts.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/common/http/admin_server.h"
#include "services/common/runtime/config.h"
#include "services/hoshoctl/client.h"
#include "services/hoshoctl/yaml_input.h"
#include "services/stack/child_process.h"
#include "services/stack/stack.h"
#include "tests/support/await.h"
#include "tests/support/fixtures.h"

namespace hosho {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::AwaitUntil;

class PrometheusScrapeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists("/usr/bin/prometheus")) << "Debian's prometheus package is needed (./hosho installs it)";
    StackOptions options = testing::TestStackOptions("hosho-prom");
    run_dir_ = options.run_dir;
    auto stack = Stack::Start(options);
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = *std::move(stack);
    auto port = FindFreePortRange(1);
    ASSERT_TRUE(port.ok());
    port_ = *port;
    // One job per service, named as the rules expect (hosho-<service>).
    std::string config = absl::StrCat("global: {scrape_interval: 1s, evaluation_interval: 1s}\nrule_files: [\"",
                                      HOSHO_SOURCE_DIR, "/deploy/prometheus/hosho-rules.yaml\"]\nscrape_configs:\n");
    for (const auto& [name, admin] : stack_->endpoints().admin) {
      absl::StrAppend(&config, "  - job_name: hosho-", name, "\n    static_configs: [{targets: [\"127.0.0.1:", admin,
                      "\"]}]\n");
    }
    const std::string config_file = run_dir_ + "/prometheus.yml";
    std::ofstream(config_file) << config;
    auto process = ChildProcess::Spawn(
        {"/usr/bin/prometheus", "--config.file=" + config_file, "--storage.tsdb.path=" + run_dir_ + "/prometheus",
         "--web.listen-address=127.0.0.1:" + std::to_string(port_)},
        run_dir_ + "/logs/prometheus.log");
    ASSERT_TRUE(process.ok()) << process.status();
    prometheus_ = *std::move(process);
  }
  void TearDown() override {
    prometheus_.Terminate(absl::Seconds(10));
    stack_.reset();
    fs::remove_all(run_dir_);
  }
  json Api(const std::string& path) {
    auto r = HttpRequest("127.0.0.1", port_, "GET", path);
    if (!r.ok() || r->first != 200) return json();
    return json::parse(r->second, nullptr, false);
  }
  static std::string Encode(const std::string& q) {
    std::string out;
    for (unsigned char c : q) {
      if (isalnum(c) || c == '_' || c == '-' || c == '.') {
        out += static_cast<char>(c);
      } else {
        out += absl::StrCat("%", absl::Hex(c, absl::kZeroPad2));
      }
    }
    return out;
  }
  json Query(const std::string& q) { return Api("/api/v1/query?query=" + Encode(q)); }

  std::string run_dir_;
  std::unique_ptr<Stack> stack_;
  ChildProcess prometheus_;
  int port_ = 0;
};

TEST_F(PrometheusScrapeTest, EveryProcessIsScrapedAndTheKeySeriesAndRulesAreThere) {
  // Traffic: the demo contracts and flow A, so that submissions, verdicts, notices and deliveries exist.
  auto client = *HoshoClient::Connect(*EndpointsFromStackFile(run_dir_ + "/stack.yaml"));
  ASSERT_TRUE(client->ActAs("city-contract-system").ok());
  ASSERT_TRUE(client->ImportContractsCsv(testing::SourceFile("deploy/demo/contracts.csv")).ok());
  ASSERT_TRUE(client->ActAs("demo-submitter").ok());
  auto scenario = *Config::Load("", std::string(HOSHO_SOURCE_DIR) + "/deploy/demo/scenario.yaml");
  for (const Config& item : scenario.GetList("submissions")) {
    if (item.GetString("request_id") == "demo-a") {
      ASSERT_TRUE(client->Submit(*SubmissionFromYaml(item)).ok());
    }
  }

  const size_t services = stack_->endpoints().admin.size();
  ASSERT_TRUE(AwaitUntil(
      [&] {
        json up = Query("up == 1");
        return up.is_object() && up["data"]["result"].size() == services;
      },
      absl::Seconds(60)))
      << Query("up").dump();
  // The series an operator's dashboards and alerts rely on.
  for (const char* series :
       {"hosho_grpc_server_handled_total", "hosho_grpc_server_handling_seconds_bucket", "hosho_consumer_lag_seconds",
        "hosho_consumer_records_total", "hosho_intake_submissions_total", "hosho_verification_verdicts_total",
        "hosho_routing_decisions_total", "hosho_notices_recorded_total", "hosho_deliveries_total",
        "hosho_delivery_outbox_pending", "hosho_kafka_send_seconds_bucket", "hosho_cases_in_flight", "hosho_dlq_depth",
        "hosho_platform_connector_up", "hosho_verification_connector_open"}) {
    EXPECT_TRUE(AwaitUntil([&] {
      json r = Query(series);
      return r.is_object() && !r["data"]["result"].empty();
    })) << series
        << " is not scraped";
  }
  // hosho's rules load and evaluate healthy.
  ASSERT_TRUE(AwaitUntil([&] {
    json rules = Api("/api/v1/rules");
    if (!rules.is_object() || rules["data"]["groups"].size() != 2) return false;
    for (const auto& g : rules["data"]["groups"]) {
      for (const auto& r : g["rules"]) {
        if (r["health"] != "ok") return false;
      }
    }
    return true;
  })) << Api("/api/v1/rules").dump().substr(0, 2000);
  EXPECT_TRUE(Query("ALERTS{alertname=\"HoshoServiceDown\"}")["data"]["result"].empty());
  // Every dashboard panel's query is valid PromQL here (the dashboard's variables replaced).
  std::ifstream in(std::string(HOSHO_SOURCE_DIR) + "/deploy/grafana/hosho-overview.json");
  json dashboard = json::parse(in);
  int queries = 0;
  for (const auto& panel : dashboard["panels"]) {
    for (const auto& target : panel["targets"]) {
      std::string expr = target["expr"];
      // namespace="$namespace" → namespace=~".*" (any namespace, or none, as on one machine).
      for (size_t at; (at = expr.find("namespace=\"$namespace\"")) != std::string::npos;) {
        expr.replace(at, 22, "namespace=~\".*\"");
      }
      json r = Query(expr);
      EXPECT_EQ(r.is_object() ? r["status"] : json("no answer"), "success") << panel["title"] << ": " << expr;
      ++queries;
    }
  }
  EXPECT_GE(queries, 8);
}

}  // namespace
}  // namespace hosho
