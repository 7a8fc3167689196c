// The console in a real browser: Debian's chromium, driven by Playwright (playwright-core, from npm)
// in tests/browser/console.spec.mjs, against the whole stack of real binaries. This harness starts
// the stack, loads the demo contracts, runs the spec, and then checks on the server side what the
// browser did: the clerk's claim, reveal, certificate and conclusion are on the case's history
// under the clerk's own name. A second test runs the demo scenario, as `./hosho demo` does, and works
// the paper guarantee it leaves for 契約課 in the browser with the values docs/console.md gives
// (tests/browser/demo.spec.mjs).
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/domain/domain_text.h"
#include "services/common/domain/events.h"
#include "services/common/runtime/config.h"
#include "services/hoshoctl/client.h"
#include "services/hoshoctl/scenario.h"
#include "services/stack/stack.h"
#include "tests/support/fixtures.h"

namespace hosho {
namespace {

namespace fs = std::filesystem;

class ConsoleBrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_ = testing::TestStackOptions("console-browser");
    // Every case waits for a clerk, so that the browser does the verification.
    options_.connector_enabled = false;
    auto stack = Stack::Start(options_);
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = *std::move(stack);
    auto endpoints = EndpointsFromStackFile(options_.run_dir + "/stack.yaml");
    ASSERT_TRUE(endpoints.ok()) << endpoints.status();
    client_ = *HoshoClient::Connect(*endpoints);
    ASSERT_TRUE(client_->ActAs("city-contract-system").ok());
    auto imported = client_->ImportContractsCsv(testing::SourceFile("deploy/demo/contracts.csv"));
    ASSERT_TRUE(imported.ok()) << imported.status();
    ASSERT_GT(imported->accepted(), 0);
  }
  void TearDown() override {
    client_.reset();
    stack_.reset();
    fs::remove_all(options_.run_dir);
  }

  // The certificate behind DS-26-000101 as the platform simulator holds it, as JSON for the spec
  // (the clerk types what the platform shows).
  std::string CertificateJson() {
    auto file = Config::Load("", std::string(HOSHO_SOURCE_DIR) + "/deploy/demo/certificates.yaml");
    EXPECT_TRUE(file.ok());
    for (const Config& item : file->GetList("certificates")) {
      if (item.GetString("guarantee_number") != "DS-26-000101") continue;
      auto record = ReadCertificateRecord(item.Child("record"));
      EXPECT_TRUE(record.ok()) << record.status();
      record->set_guarantee_number("DS-26-000101");
      std::string json;
      google::protobuf::util::JsonPrintOptions o;
      o.preserve_proto_field_names = true;
      (void)google::protobuf::util::MessageToJsonString(*record, &json, o);
      return json;
    }
    ADD_FAILURE() << "DS-26-000101 not in certificates.yaml";
    return "{}";
  }

  StackOptions options_;
  std::unique_ptr<Stack> stack_;
  std::unique_ptr<HoshoClient> client_;
};

// Runs a spec with `env` (shell assignments) and prints its output; true when every step passed.
bool RunSpec(const std::string& spec, const std::string& env) {
  const std::string command = absl::StrCat(env, " node ", HOSHO_SOURCE_DIR, "/tests/browser/", spec, " 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return false;
  std::string output;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = pclose(pipe);
  std::cout << output;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST_F(ConsoleBrowserTest, SignInLiveFeedClerkVerificationAndCrossOfficeRefusal) {
  const StackEndpoints& e = stack_->endpoints();
  const std::string artifacts = std::string(HOSHO_BINARY_DIR) + "/browser-artifacts";
  fs::create_directories(artifacts);
  const std::string key_file = options_.run_dir + "/browser-a.key";
  {
    std::ofstream key(key_file);
    key << "PLANTED-AK-A-7f3c9e21d4\n";
  }
  const std::string result_file = artifacts + "/result.json";
  fs::remove(result_file);
  std::string env = absl::StrCat(
      "CONSOLE_URL='", e.console_url, "' KEIYAKU_PASSWORD='", e.console_passwords.at("keiyaku"), "' SUIDO_PASSWORD='",
      e.console_passwords.at("suido"), "' UNYO_PASSWORD='", e.console_passwords.at("unyo"), "' HOSHOCTL='",
      HOSHO_BIN_DIR, "/hoshoctl' STACK_FILE='", options_.run_dir, "/stack.yaml' KEY_FILE='", key_file,
      "' EXPECTED_KEY='PLANTED-AK-A-7f3c9e21d4' CERTIFICATE_JSON='", CertificateJson(), "' ARTIFACT_DIR='", artifacts,
      "' DOCS_DIR='", HOSHO_SOURCE_DIR, "/docs' RESULT_FILE='", result_file, "'");
  ASSERT_TRUE(RunSpec("console.spec.mjs", env)) << "a browser step failed (output above)";

  // What the browser did, seen from the server: the spec reports the case ids it worked on.
  auto result = Config::Load("", result_file);
  ASSERT_TRUE(result.ok()) << result.status();
  const std::string contract_case = result->GetString("contract_case");
  const std::string water_case = result->GetString("water_case");
  ASSERT_FALSE(contract_case.empty());
  ASSERT_FALSE(water_case.empty());
  ASSERT_TRUE(client_->ActAs("operator").ok());
  auto c = client_->GetCase(contract_case);
  ASSERT_TRUE(c.ok()) << c.status();
  // Concluded in the browser, then forwarded to 道路維持課 in the same call.
  EXPECT_EQ(StateName(c->state()), "FORWARDED");
  EXPECT_EQ(c->office(), "road-maintenance");
  bool claimed = false, revealed = false, verified = false, concluded = false;
  for (const auto& h : c->history()) {
    if (h.actor() != "keiyaku") continue;
    claimed |= h.to_state() == hosho::v1::CASE_STATE_VERIFYING;
    revealed |= absl::StrContains(h.reason(), "認証情報を表示しました");
    verified |= h.to_state() == hosho::v1::CASE_STATE_VERIFIED;
    concluded |= h.to_state() == hosho::v1::CASE_STATE_CONTRACT_CONCLUDED;
  }
  EXPECT_TRUE(claimed) << "claim by keiyaku not on the history";
  EXPECT_TRUE(revealed) << "reveal by keiyaku not audited on the history";
  EXPECT_TRUE(verified) << "certificate by keiyaku not on the history";
  EXPECT_TRUE(concluded) << "conclusion by keiyaku not on the history";
  // The other office's refused attempts changed nothing on the water case.
  auto water = client_->GetCase(water_case);
  ASSERT_TRUE(water.ok()) << water.status();
  EXPECT_EQ(StateName(water->state()), "AWAITING_VERIFICATION");
  // The key was shown in the browser only: no log line of any service carries it.
  for (const auto& entry : fs::directory_iterator(e.logs_dir)) {
    const std::string log = testing::ReadFileBytes(entry.path().string());
    EXPECT_FALSE(absl::StrContains(log, "PLANTED-AK-A-7f3c9e21d4")) << entry.path();
  }
}

TEST(DemoInTheBrowserTest, AClerkWorksTheDemosPaperGuaranteeAsTheDocsSay) {
  // The stack as `./hosho demo` starts it (the connector on), then the demo scenario.
  StackOptions options = testing::TestStackOptions("console-demo");
  auto stack = Stack::Start(options);
  ASSERT_TRUE(stack.ok()) << stack.status();
  auto endpoints = EndpointsFromStackFile(options.run_dir + "/stack.yaml");
  ASSERT_TRUE(endpoints.ok()) << endpoints.status();
  auto client = *HoshoClient::Connect(*endpoints);
  auto scenario = Config::Load("", std::string(HOSHO_SOURCE_DIR) + "/deploy/demo/scenario.yaml");
  ASSERT_TRUE(scenario.ok()) << scenario.status();
  auto rows = RunScenario(*client, *scenario);
  ASSERT_TRUE(rows.ok()) << rows.status();
  for (const ScenarioRow& row : *rows) ASSERT_TRUE(row.ok) << row.label << ": " << row.actual;

  // What the paper reads, as docs/console.md gives it to the clerk (the doc must say exactly this).
  const std::vector<std::pair<std::string, std::string>> paper = {{"guarantee_number", "MB-2026-0077"},
                                                                  {"kind", "契約保証"},
                                                                  {"issuer", "金融機関"},
                                                                  {"beneficiary", "みなと市長"},
                                                                  {"contractor_name", "緑町土木株式会社"},
                                                                  {"project_name", "緑町通り歩道整備工事"},
                                                                  {"project_location", "みなと市東区緑町"},
                                                                  {"contract_price_yen", "30,800,000"},
                                                                  {"guaranteed_amount_yen", "3,080,000"},
                                                                  {"period_start", "2027-01-10"},
                                                                  {"period_end", "2027-06-30"},
                                                                  {"issue_date", "2026-11-20"}};
  const std::string doc = testing::ReadFileBytes(std::string(HOSHO_SOURCE_DIR) + "/docs/console.md");
  std::string json = "{";
  for (const auto& [field, value] : paper) {
    EXPECT_TRUE(absl::StrContains(doc, value)) << "docs/console.md does not give " << field << " " << value;
    absl::StrAppend(&json, json.size() > 1 ? "," : "", "\"", field, "\":\"", value, "\"");
  }
  json += "}";

  const std::string artifacts = std::string(HOSHO_BINARY_DIR) + "/browser-artifacts";
  fs::create_directories(artifacts);
  const std::string result_file = artifacts + "/demo-result.json";
  fs::remove(result_file);
  const StackEndpoints& e = (*stack)->endpoints();
  const std::string env = absl::StrCat(
      "CONSOLE_URL='", e.console_url, "' KEIYAKU_PASSWORD='", e.console_passwords.at("keiyaku"), "' DORO_PASSWORD='",
      e.console_passwords.at("doro"), "' GESUI_PASSWORD='", e.console_passwords.at("gesui"), "' PAPER_JSON='", json,
      "' ARTIFACT_DIR='", artifacts, "' DOCS_DIR='", HOSHO_SOURCE_DIR, "/docs' RESULT_FILE='", result_file, "'");
  ASSERT_TRUE(RunSpec("demo.spec.mjs", env)) << "a browser step failed (output above)";

  // On the server: closed, with the clerk's check and conclusion and the department's receipt.
  auto result = Config::Load("", result_file);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_TRUE(client->ActAs("operator").ok());
  auto c = client->GetCase(result->GetString("paper_case"));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->guarantee_number(), "MB-2026-0077");
  EXPECT_EQ(StateName(c->state()), "CLOSED");
  bool verified = false, concluded = false, acknowledged = false;
  for (const auto& h : c->history()) {
    verified |= h.actor() == "keiyaku" && h.to_state() == hosho::v1::CASE_STATE_VERIFIED;
    concluded |= h.actor() == "keiyaku" && h.to_state() == hosho::v1::CASE_STATE_CONTRACT_CONCLUDED;
    acknowledged |= h.actor() == "doro" && h.to_state() == hosho::v1::CASE_STATE_CLOSED;
  }
  EXPECT_TRUE(verified);
  EXPECT_TRUE(concluded);
  EXPECT_TRUE(acknowledged);
  // The advance 下水道工事課 handed off in the browser reached the accounting system once, and closed.
  auto paid = client->GetCase(result->GetString("payment_case"));
  ASSERT_TRUE(paid.ok()) << paid.status();
  EXPECT_EQ(StateName(paid->state()), "CLOSED");
  bool handed_off_by_gesui = false;
  for (const auto& h : paid->history()) {
    handed_off_by_gesui |= h.actor() == "gesui" && h.to_state() == hosho::v1::CASE_STATE_PAYMENT_HANDED_OFF;
  }
  EXPECT_TRUE(handed_off_by_gesui);
  auto payments = client->ListAdvancePayments();
  ASSERT_TRUE(payments.ok()) << payments.status();
  int to_accounting = 0;
  for (const auto& r : payments->requests()) to_accounting += r.case_id() == paid->case_id() ? 1 : 0;
  EXPECT_EQ(to_accounting, 1);
  client.reset();
  stack->reset();
  fs::remove_all(options.run_dir);
}

}  // namespace
}  // namespace hosho
