// The demo scenario against the real binaries: redis-server, Apache Kafka
// and every hosho service, started by the same launcher as `./hosho demo`.
// Tests run in order on one stack; the last one stops it and reads every log.
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "gtest/gtest.h"
#include "services/common/auth/auth.h"
#include "services/common/crypto/sealing.h"
#include "services/common/domain/domain_text.h"
#include "services/common/domain/events.h"
#include "services/common/grpc/grpc_client.h"
#include "services/common/http/admin_server.h"
#include "services/common/kafka/kafka_impl.h"
#include "services/common/runtime/config.h"
#include "services/common/runtime/errors.h"
#include "services/common/tabular/csv.h"
#include "services/common/text/text.h"
#include "services/hoshoctl/client.h"
#include "services/hoshoctl/scenario.h"
#include "services/hoshoctl/yaml_input.h"
#include "services/stack/stack.h"
#include "tests/support/await.h"
#include "tests/support/fixtures.h"
#include "tests/support/grpc_probe.h"
#include "tests/support/mail_sink.h"
#include "tests/support/redis_server.h"
#include "tests/support/secret_audit.h"

namespace hosho {
namespace {

namespace fs = std::filesystem;

class DemoScenarioTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    StackOptions options = testing::TestStackOptions("hosho-e2e");
    options.extra_config["intake"] = "intake: {send_timeout_ms: 2000}";
    auto stack = Stack::Start(options);
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = stack->release();
    run_dir_ = new std::string(options.run_dir);
    auto endpoints = EndpointsFromStackFile(options.run_dir + "/stack.yaml");
    ASSERT_TRUE(endpoints.ok()) << endpoints.status();
    client_ = HoshoClient::Connect(*endpoints)->release();
    scenario_ = new Config(*Config::Load("", std::string(HOSHO_SOURCE_DIR) + "/deploy/demo/scenario.yaml"));
  }
  static void TearDownTestSuite() {
    delete client_;
    delete stack_;
    delete scenario_;
    if (run_dir_ != nullptr) fs::remove_all(*run_dir_);
    delete run_dir_;
  }

  // Every plaintext secret of the scenario.
  static std::vector<std::string> PlantedSecrets() {
    std::vector<std::string> out;
    for (const Config& item : scenario_->GetList("submissions")) {
      for (const char* key : {"d_sure.authentication_key", "confirmation_system.viewing_password"}) {
        if (const std::string s = item.GetString(key); !s.empty()) out.push_back(s);
      }
    }
    // The channels' inputs (deploy/demo/channels/): webhook, CSV export and mail.
    for (const char* s : {"PLANTED-AK-W-4a1f09c2e7", "PLANTED-AK-F-8c2d7e5a10", "PLANTED-AK-BANK-FORM-19",
                          "PLANTED-AK-M-6b0e3f9d21", "PLANTED-AK-AMEND-3b7c51e0a4"}) {
      out.push_back(s);
    }
    return out;
  }

  static Stack* stack_;
  static std::string* run_dir_;
  static HoshoClient* client_;
  static Config* scenario_;
  static std::vector<ScenarioRow>* rows_;
};

Stack* DemoScenarioTest::stack_ = nullptr;
std::string* DemoScenarioTest::run_dir_ = nullptr;
HoshoClient* DemoScenarioTest::client_ = nullptr;
Config* DemoScenarioTest::scenario_ = nullptr;
std::vector<ScenarioRow>* DemoScenarioTest::rows_ = new std::vector<ScenarioRow>();

TEST_F(DemoScenarioTest, EveryCaseReachesItsExpectedState) {
  ASSERT_NE(stack_, nullptr);
  auto rows = RunScenario(*client_, *scenario_);
  ASSERT_TRUE(rows.ok()) << rows.status();
  *rows_ = *rows;
  std::cout << FormatScenarioTable(*rows);
  // The contract import, 11 API submissions, 5 channel arrivals, 1 clerk check, 6 hand-off steps, the mail
  // count, a contract change and its amended guarantee.
  ASSERT_EQ(rows->size(), 28u);
  for (const ScenarioRow& row : *rows) EXPECT_TRUE(row.ok) << row.label << ": " << row.actual;
}

TEST_F(DemoScenarioTest, GetCaseShowsTheWholeLifecycleWithActors) {
  ASSERT_FALSE(rows_->empty());
  ASSERT_TRUE(client_->ActAs("operator").ok());
  auto c = client_->GetCase((*rows_)[1].case_id);  // flow A (row 0 is the contract import)
  ASSERT_TRUE(c.ok()) << c.status();
  std::vector<std::string> states;
  std::vector<std::string> notes;  // entries that change no state: the contract change's re-check, the replacement
  for (const auto& h : c->history()) {
    if (h.from_state() == h.to_state()) {
      notes.push_back(h.event_id().substr(c->case_id().size()));
      continue;
    }
    states.push_back(StateName(h.to_state()));
    EXPECT_FALSE(h.actor().empty());
    EXPECT_FALSE(h.reason().empty());
    EXPECT_FALSE(h.event_id().empty());
  }
  EXPECT_EQ(states, (std::vector<std::string>{"RECEIVED", "AWAITING_VERIFICATION", "VERIFYING", "VERIFIED", "ROUTED",
                                              "CONTRACT_CONCLUDED", "FORWARDED", "CLOSED"}));
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_TRUE(absl::StartsWith(notes.at(0), ":rechecked:v")) << "the contract's increase, after the case closed";
  EXPECT_TRUE(absl::StartsWith(notes.at(1), ":superseded-by:")) << "its amended guarantee took its place";
  EXPECT_EQ(c->history(0).actor(), "demo-submitter");
  EXPECT_EQ(c->history(5).actor(), "contract-division-clerk");
  EXPECT_EQ(c->history(7).actor(), "road-maintenance-clerk");
  EXPECT_EQ(c->action(), hosho::v1::HANDOFF_ACTION_FORWARD);
  std::set<std::string> rules;
  for (const auto& r : c->rule_results()) {
    rules.insert(r.rule());
    EXPECT_NE(r.outcome(), hosho::v1::RuleResult::OUTCOME_FAIL) << r.code() << " " << r.message_ja();
  }
  EXPECT_EQ(rules, (std::set<std::string>{"R05", "R06", "R07", "R08", "R09", "R10", "R11", "R12", "R13", "R14"}))
      << "every rule answers";
  EXPECT_EQ(c->credential_key_id(), "dev-1");
}

TEST_F(DemoScenarioTest, ReadsAreScopedToTheCallersOffice) {
  ASSERT_GE(rows_->size(), 4u);
  ASSERT_TRUE(client_->ActAs("contract-division-clerk").ok());
  EXPECT_TRUE(client_->GetCase((*rows_)[1].case_id).ok());                        // contract-division's case
  EXPECT_TRUE(absl::IsNotFound(client_->GetCase((*rows_)[3].case_id).status()));  // water-sewerage-policy's case
}

// What a Python script prints about `path` (Debian's python3 with python3-openpyxl); "" on failure.
std::string ReadWorkbook(const std::string& script, const std::string& path) {
  FILE* pipe = popen(absl::StrCat("/usr/bin/python3 -c \"", script, "\" ", path).c_str(), "r");
  if (pipe == nullptr) return "";
  std::string out;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof(buffer), pipe)) > 0;) out.append(buffer, n);
  return pclose(pipe) == 0 ? out : "";
}

// The guarantee ledger (保証台帳) after the scenario, as 契約課 files it: one row a case of its own,
// the same rows in the .xlsx (read back by openpyxl, an independent reader), the UTF-8 CSV and the
// CP932 CSV; flow A's row carries its contract, certificate, checker and dates; nobody takes
// another office's ledger.
TEST_F(DemoScenarioTest, TheLedgerListsAnOfficesCasesTheSameInEveryFormat) {
  ASSERT_GE(rows_->size(), 4u);
  const std::string flow_a = (*rows_)[1].case_id;
  const std::string flow_c = (*rows_)[3].case_id;
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), JapanTimeZone());
  auto request = [&](hosho::v1::ExportLedgerRequest::Format format) {
    hosho::v1::ExportLedgerRequest r;
    *r.mutable_received_from() = FromCivilDay(today - 1);
    *r.mutable_received_to() = FromCivilDay(today);
    r.set_format(format);
    return r;
  };
  ASSERT_TRUE(client_->ActAs("contract-division-clerk").ok());
  auto csv = client_->ExportLedger(request(hosho::v1::ExportLedgerRequest::FORMAT_CSV_UTF8));
  ASSERT_TRUE(csv.ok()) << csv.status();
  ASSERT_TRUE(absl::StartsWith(csv->content(), "\xEF\xBB\xBF")) << "Excel reads UTF-8 by its byte-order mark";
  EXPECT_EQ(csv->filename(), absl::StrCat("保証台帳_contract-division_", absl::FormatCivilTime(today - 1), "_",
                                          absl::FormatCivilTime(today), ".csv"));
  const CsvTable table = ParseCsv(csv->content().substr(3));
  ASSERT_TRUE(table.broken.empty());
  ASSERT_EQ(table.rows.size(), static_cast<size_t>(csv->rows()) + 1);
  std::vector<std::vector<std::string>> csv_rows;
  for (const CsvRow& row : table.rows) csv_rows.push_back(row.cells);
  const std::vector<std::string>& header = csv_rows[0];
  auto column = [&](const std::string& name) {
    return static_cast<size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  std::map<std::string, std::vector<std::string>> by_case;
  for (size_t i = 1; i < csv_rows.size(); ++i) by_case[csv_rows[i][0]] = csv_rows[i];
  EXPECT_EQ(by_case.size(), csv_rows.size() - 1) << "one row a case";
  ASSERT_TRUE(by_case.contains(flow_a));
  EXPECT_FALSE(by_case.contains(flow_c)) << "上下水道事業政策課's contract is not 契約課's";
  const std::vector<std::string>& a = by_case[flow_a];
  const std::string day = absl::FormatCivilTime(today);
  EXPECT_EQ(a[column("状態")], "完了");
  EXPECT_EQ(a[column("工事番号")], "R8-土木-0001");
  EXPECT_EQ(a[column("工事名")], "市道みなと線舗装補修工事");
  EXPECT_EQ(a[column("受注者")], "株式会社みなと建設");
  EXPECT_EQ(a[column("保証の種類")], "契約保証");
  EXPECT_EQ(a[column("判定")], "適合");
  EXPECT_FALSE(a[column("保証金額（円）")].empty()) << "what the certificate said";
  EXPECT_FALSE(a[column("保証期間（終期）")].empty());
  EXPECT_FALSE(a[column("確認者")].empty());
  EXPECT_TRUE(absl::StartsWith(a[column("確認日時")], day));
  EXPECT_EQ(a[column("契約締結日")], day);
  EXPECT_EQ(a[column("送付日")], day);
  EXPECT_EQ(a[column("完了日")], day);
  EXPECT_EQ(a[column("支払引継日")], "");

  // The workbook, read by openpyxl: the same cells (the amounts as numbers, printed as the CSV has them).
  auto xlsx = client_->ExportLedger(request(hosho::v1::ExportLedgerRequest::FORMAT_XLSX));
  ASSERT_TRUE(xlsx.ok()) << xlsx.status();
  EXPECT_EQ(xlsx->rows(), csv->rows());
  const std::string path = *run_dir_ + "/ledger.xlsx";
  std::ofstream(path, std::ios::binary) << xlsx->content();
  // openpyxl in Debian's python3: every row, then how many cells are numbers.
  const std::string out = ReadWorkbook(
      "import json,sys,openpyxl\n"
      "ws=openpyxl.load_workbook(sys.argv[1]).active\n"
      "print(json.dumps([['' if c is None else str(c) for c in r] for r in ws.iter_rows(values_only=True)]))\n"
      "print(sum(1 for r in ws.iter_rows(min_row=2) for c in r if isinstance(c.value,int)))\n",
      path);
  const size_t newline = out.find('\n');
  ASSERT_NE(newline, std::string::npos) << out;
  const auto from_xlsx = nlohmann::json::parse(out.substr(0, newline)).get<std::vector<std::vector<std::string>>>();
  EXPECT_EQ(from_xlsx, csv_rows);
  int numeric_cells = -1;
  ASSERT_TRUE(absl::SimpleAtoi(absl::StripAsciiWhitespace(out.substr(newline + 1)), &numeric_cells)) << out;
  int amounts = 0;
  for (size_t i = 1; i < csv_rows.size(); ++i) {
    for (const char* heading : {"保証金額（円）", "前払金額（円）", "請求額（円）"}) {
      amounts += csv_rows[i][column(heading)].empty() ? 0 : 1;
    }
  }
  EXPECT_GT(amounts, 0);
  EXPECT_EQ(numeric_cells, amounts) << "the amounts, and only they, are numbers a clerk can sum";

  // CP932 for older tools: the same text.
  auto sjis = client_->ExportLedger(request(hosho::v1::ExportLedgerRequest::FORMAT_CSV_CP932));
  ASSERT_TRUE(sjis.ok()) << sjis.status();
  EXPECT_EQ(*ToUtf8(sjis->content(), "windows-31j"), csv->content().substr(3));

  // Scope: another office's ledger is refused; that office's own has flow A (it is in charge of the works).
  ASSERT_TRUE(client_->ActAs("road-maintenance-clerk").ok());
  auto other = request(hosho::v1::ExportLedgerRequest::FORMAT_CSV_UTF8);
  other.set_office("contract-division");
  auto refused = client_->ExportLedger(other);
  EXPECT_TRUE(absl::IsPermissionDenied(refused.status())) << refused.status();
  ASSERT_EQ(ViolationsOf(refused.status()).size(), 1u);
  EXPECT_EQ(ViolationsOf(refused.status())[0].code, "LEDGER_OFFICE_NOT_ALLOWED");
  EXPECT_EQ(ViolationsOf(refused.status())[0].field, "office");
  auto own = client_->ExportLedger(request(hosho::v1::ExportLedgerRequest::FORMAT_CSV_UTF8));
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_TRUE(absl::StrContains(own->content(), flow_a));
  EXPECT_FALSE(absl::StrContains(own->content(), flow_c));
  ASSERT_TRUE(client_->ActAs("demo-submitter").ok());
  auto contractor = client_->ExportLedger(request(hosho::v1::ExportLedgerRequest::FORMAT_CSV_UTF8));
  EXPECT_TRUE(absl::IsPermissionDenied(contractor.status())) << contractor.status();
  // An operator takes every office's ledger with "*": flows A and C both.
  ASSERT_TRUE(client_->ActAs("operator").ok());
  auto every = request(hosho::v1::ExportLedgerRequest::FORMAT_CSV_UTF8);
  every.set_office("*");
  auto all = client_->ExportLedger(every);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_TRUE(absl::StrContains(all->content(), flow_a));
  EXPECT_TRUE(absl::StrContains(all->content(), flow_c));
  EXPECT_GT(all->rows(), csv->rows());
}

TEST_F(DemoScenarioTest, CallsWithoutAValidTokenAreRefused) {
  Endpoints endpoints = *EndpointsFromStackFile(*run_dir_ + "/stack.yaml");
  endpoints.token_files["forger"] = *run_dir_ + "/forged.token";
  std::ofstream(*run_dir_ + "/forged.token") << "not-a-token\n";
  auto forger = *HoshoClient::Connect(endpoints);
  ASSERT_TRUE(forger->ActAs("forger").ok());
  EXPECT_TRUE(absl::IsUnauthenticated(forger->GetCase((*rows_)[1].case_id).status()));
  ASSERT_TRUE(client_->ActAs("demo-submitter").ok());
  hosho::v1::Contract c;
  c.set_contract_id("K-X");
  EXPECT_TRUE(absl::IsPermissionDenied(client_->UpsertContract(c).status()));
}

TEST_F(DemoScenarioTest, EveryServiceIsHealthyAndListsItsApisByReflection) {
  const std::map<std::string, std::vector<std::string>> expected = {
      {"intake", {"hosho.v1.IntakeService", "hosho.v1.ContractRegistry"}},
      {"console", {"hosho.v1.CaseService"}},
      {"notification", {"hosho.v1.NotificationService"}},
      {"platform-sim", {"hosho.v1.PlatformLookup", "hosho.v1.AccountingService"}},
      {"verification", {"hosho.v1.VerificationService"}},
      {"routing", {"hosho.v1.HandoffService"}},
  };
  for (const auto& [name, apis] : expected) {
    ChannelOptions options;
    options.target = stack_->endpoints().grpc.at(name);
    options.dev_plaintext = true;
    auto channel = *MakeChannel(options);
    auto serving = testing::IsServing(channel);
    ASSERT_TRUE(serving.ok()) << name << ": " << serving.status();
    EXPECT_TRUE(*serving) << name;
    auto services = testing::ListServicesByReflection(channel);
    ASSERT_TRUE(services.ok()) << name << ": " << services.status();
    EXPECT_NE(std::find(services->begin(), services->end(), "grpc.health.v1.Health"), services->end()) << name;
    for (const std::string& api : apis) {
      EXPECT_NE(std::find(services->begin(), services->end(), api), services->end()) << name << " lacks " << api;
    }
    auto metrics = HttpRequest("127.0.0.1", stack_->endpoints().admin.at(name), "GET", "/metrics");
    ASSERT_TRUE(metrics.ok());
    EXPECT_EQ(metrics->first, 200);
  }
  auto intake_metrics = HttpRequest("127.0.0.1", stack_->endpoints().admin.at("intake"), "GET", "/metrics");
  EXPECT_NE(intake_metrics->second.find("hosho_intake_submissions_total{outcome=\"accepted\""), std::string::npos);
  EXPECT_NE(intake_metrics->second.find("hosho_grpc_server_handling_seconds_bucket"), std::string::npos);
}

TEST_F(DemoScenarioTest, AnAcceptedSubmissionSurvivesABrokerOutage) {
  ASSERT_TRUE(client_->ActAs("demo-submitter").ok());
  auto submission = Config::FromYaml(R"yaml(
request_id: outage-1
contract_id: K-2026-0002
kind: contract
issuer_kind: surety_company
issuer: east_japan_construction_surety
d_sure: {guarantee_number: "DS-OUTAGE-1", authentication_key: "PLANTED-AK-OUTAGE-1"}
)yaml");
  auto request = *SubmissionFromYaml(*submission);
  // The broker crashes (SIGKILL) and comes back on its log directory.
  ASSERT_TRUE(stack_->kafka()->Kill(1).ok());
  auto during = client_->Submit(request);
  EXPECT_TRUE(absl::IsUnavailable(during.status())) << during.status();
  ASSERT_TRUE(stack_->kafka()->Restart(1).ok());
  // The caller retries with the same request id, as the UNAVAILABLE answer asks, until Kafka is back.
  absl::StatusOr<hosho::v1::SubmitGuaranteeResponse> after = absl::UnknownError("not tried");
  EXPECT_TRUE(testing::AwaitUntil(
      [&] {
        after = client_->Submit(request);
        return after.ok();
      },
      absl::Seconds(60)));
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_TRUE(after->replayed());
  EXPECT_EQ(during.status().message().find(after->case_id()) != std::string::npos, true)
      << "the UNAVAILABLE answer names the case the retry will find";
  ASSERT_TRUE(client_->ActAs("operator").ok());
  // No certificate stands behind this key: the pipeline must still finish it (RETURNED, R01).
  auto final_case = client_->WatchUntil(
      after->case_id(), [](const hosho::v1::Case& c) { return IsTerminal(c.state()); }, absl::Seconds(60));
  ASSERT_TRUE(final_case.ok()) << final_case.status();
  EXPECT_EQ(StateName(final_case->state()), "RETURNED");
  ASSERT_EQ(final_case->rule_results_size(), 1);
  EXPECT_EQ(final_case->rule_results(0).code(), "R01_CREDENTIAL_OPENS_NOTHING");
}

TEST_F(DemoScenarioTest, ACaseAcceptedWhileVerificationIsDownCompletesWhenItReturns) {
  auto stopped = stack_->StopService("verification");
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_EQ(*stopped, 0) << "an orderly stop exits 0";
  ASSERT_TRUE(client_->ActAs("demo-submitter").ok());
  auto request = *SubmissionFromYaml(*Config::FromYaml(R"yaml(
request_id: restart-1
contract_id: K-2026-0002
kind: contract
issuer_kind: surety_company
issuer: hokkaido_construction_surety
d_sure: {guarantee_number: "DS-RESTART-1", authentication_key: "PLANTED-AK-RESTART-1"}
)yaml"));
  auto accepted = client_->Submit(request);
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  ASSERT_TRUE(client_->ActAs("operator").ok());
  EXPECT_EQ(StateName(client_->GetCase(accepted->case_id())->state()), "RECEIVED");
  ASSERT_TRUE(stack_->RestartService("verification").ok());
  auto done = client_->WatchUntil(
      accepted->case_id(), [](const hosho::v1::Case& c) { return IsTerminal(c.state()); }, absl::Seconds(60));
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(StateName(done->state()), "RETURNED");  // no certificate stands behind this key
  EXPECT_EQ(done->rule_results(0).code(), "R01_CREDENTIAL_OPENS_NOTHING");
}

// Runs hoshoctl against the stack; returns its exit status and output.
std::pair<int, std::string> Hoshoctl(const std::string& run_dir, const std::string& args) {
  const std::string command =
      std::string(HOSHO_BIN_DIR) + "/hoshoctl --stack=" + run_dir + "/stack.yaml " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST(HoshoctlOfflineTest, MakesAKeyRingAndAPrincipalForACluster) {
  auto ring = Hoshoctl("/nonexistent", "keyring-new k-2026");
  ASSERT_EQ(ring.first, 0) << ring.second;
  auto parsed = KeyRing::FromYaml(ring.second);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const std::string token_file = ::testing::TempDir() + "/principal.token";
  auto line = Hoshoctl("/nonexistent", "principal-new city-system integration --token-file=" + token_file);
  ASSERT_EQ(line.first, 0) << line.second;
  auto auth = Authenticator::FromYaml("tokens:\n" + line.second);
  ASSERT_TRUE(auth.ok()) << auth.status();
  std::string token = testing::ReadFileBytes(token_file);
  while (!token.empty() && token.back() == '\n') token.pop_back();
  EXPECT_EQ(line.second.find(token), std::string::npos) << "the token itself is never printed";
  EXPECT_NE(line.second.find(Sha256Hex(token)), std::string::npos);
  EXPECT_EQ(Hoshoctl("/nonexistent", "principal-new x wizard --token-file=" + token_file).first, 1);

  // The console's principal: a service that may act for clerks and operators (and nothing else may).
  auto console = Hoshoctl("/nonexistent",
                          "principal-new hosho-console service --acts-for=clerk,operator --token-file=" + token_file);
  ASSERT_EQ(console.first, 0) << console.second;
  EXPECT_NE(console.second.find("acts_for: [clerk, operator]"), std::string::npos) << console.second;
  EXPECT_TRUE(Authenticator::FromYaml("tokens:\n" + console.second).ok()) << console.second;
  EXPECT_EQ(Hoshoctl("/nonexistent", "principal-new x clerk office --acts-for=clerk --token-file=" + token_file).first,
            1);
  EXPECT_EQ(Hoshoctl("/nonexistent", "principal-new x service --acts-for=submitter --token-file=" + token_file).first,
            1);
}

TEST_F(DemoScenarioTest, HoshoctlSubmitsGetsListsWatchesAndShowsNotices) {
  const std::string key_file = *run_dir_ + "/cli.key";
  std::ofstream(key_file) << "PLANTED-AK-CLI-1\n";
  auto [rc, out] = Hoshoctl(*run_dir_,
                            "submit --contract=K-2026-0003 --kind=contract --issuer-kind=surety_company "
                            "--issuer=west_japan_construction_surety --request-id=cli-1 --guarantee-number=DS-CLI-1 "
                            "--key-file=" +
                                key_file);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(out.find("PLANTED-AK-CLI-1"), std::string::npos);
  ASSERT_EQ(out.rfind("case HS-", 0), 0u) << out;
  const std::string case_id = out.substr(5, out.find(' ', 5) - 5);
  auto watched = Hoshoctl(*run_dir_, "watch " + case_id);  // returns at the terminal state
  ASSERT_EQ(watched.first, 0) << watched.second;
  EXPECT_NE(watched.second.find("RETURNED"), std::string::npos) << watched.second;
  auto got = Hoshoctl(*run_dir_, "get " + case_id);
  ASSERT_EQ(got.first, 0) << got.second;
  EXPECT_NE(got.second.find("R01_CREDENTIAL_OPENS_NOTHING"), std::string::npos) << got.second;
  EXPECT_NE(got.second.find("- -> RECEIVED  by demo-submitter"), std::string::npos) << got.second;
  auto listed = Hoshoctl(*run_dir_, "list");
  EXPECT_NE(listed.second.find(case_id), std::string::npos);
  ASSERT_TRUE(testing::AwaitUntil([&] {
    return Hoshoctl(*run_dir_, "notices " + case_id).second.find("【電子保証】R8-橋梁-0003") != std::string::npos;
  }));
  const std::string contract_file = *run_dir_ + "/cli-contract.yaml";
  std::ofstream(contract_file) << "contract_id: K-CLI-1\ncontract_number: R8-CLI-1\nproject_name: CLI工事\n"
                                  "ordering_office: contract-division\ndepartment_in_charge: bridges\n"
                                  "work_category: construction\ncontractor: {name: CLI建設}\nprice_yen: 1000000\n"
                                  "period_start: \"2027-01-01\"\nperiod_end: \"2027-06-30\"\n";
  auto upserted = Hoshoctl(*run_dir_, "contract upsert " + contract_file);
  EXPECT_EQ(upserted.first, 0) << upserted.second;
  EXPECT_EQ(upserted.second, "contract K-CLI-1 v1\n");
  EXPECT_EQ(Hoshoctl(*run_dir_, "contract upsert " + contract_file).second, "contract K-CLI-1 v1\n")
      << "the same contract again changes nothing";
  std::ofstream(contract_file, std::ios::app) << "low_bid: true\n";
  EXPECT_EQ(Hoshoctl(*run_dir_, "contract upsert " + contract_file).second, "contract K-CLI-1 v2\n");
  auto refused = Hoshoctl(*run_dir_,
                          "submit --contract=K-2026-0001 --kind=contract --issuer-kind=bank --issuer=bank "
                          "--request-id=cli-2 --guarantee-number=BK --key-file=" +
                              key_file);
  EXPECT_EQ(refused.first, 1);
  EXPECT_NE(refused.second.find("issuer_kind: R02_BANK_NOT_ELIGIBLE"), std::string::npos) << refused.second;
  // Clerk commands: the queue of 契約課 (the demo's paper case was verified by its clerk), and a task
  // that is not theirs.
  auto tasks = Hoshoctl(*run_dir_, "--as=contract-division-clerk tasks");
  EXPECT_EQ(tasks.first, 0) << tasks.second;
  std::string routed_here;  // a case still with 契約課 (the web form's arrival)
  for (const auto& row : *rows_) {
    if (absl::StartsWith(row.actual, "ROUTED @contract-division")) routed_here = row.case_id;
  }
  ASSERT_FALSE(routed_here.empty());
  auto foreign = Hoshoctl(*run_dir_, "--as=road-maintenance-clerk claim " + routed_here);
  EXPECT_EQ(foreign.first, 1);
  EXPECT_NE(foreign.second.find("TASK_NOT_FOUND"), std::string::npos) << foreign.second;
  // Hand-off commands: 契約課 concludes, the case goes to its department; the payment hand-off of the
  // demo reached the accounting simulator.
  auto concluded = Hoshoctl(*run_dir_, "--as=contract-division-clerk conclude " + routed_here + " --note=締結済");
  EXPECT_EQ(concluded.first, 0) << concluded.second;
  EXPECT_NE(concluded.second.find("FORWARDED @"), std::string::npos) << concluded.second;
  auto again = Hoshoctl(*run_dir_, "--as=road-maintenance-clerk withdraw " + routed_here);
  EXPECT_EQ(again.first, 1);
  EXPECT_NE(again.second.find("WITHDRAW_REASON_MISSING"), std::string::npos) << again.second;
  auto payments = Hoshoctl(*run_dir_, "payments");
  EXPECT_EQ(payments.first, 0) << payments.second;
  EXPECT_NE(payments.second.find("ACC-000001"), std::string::npos) << payments.second;
  EXPECT_NE(payments.second.find("19,200,000円"), std::string::npos) << payments.second;

  // The guarantee ledger into a file: a clerk's own office, this fiscal year by default; another office
  // is refused with its code and no file is written.
  const std::string ledger = *run_dir_ + "/cli-ledger.xlsx";
  auto exported = Hoshoctl(*run_dir_, "--as=contract-division-clerk ledger --format=xlsx --out=" + ledger);
  ASSERT_EQ(exported.first, 0) << exported.second;
  EXPECT_TRUE(absl::StartsWith(exported.second, ledger + "  ")) << exported.second;
  EXPECT_TRUE(absl::EndsWith(exported.second, " cases\n")) << exported.second;
  EXPECT_EQ(testing::ReadFileBytes(ledger).substr(0, 2), "PK") << "an .xlsx (a zip)";
  const std::string elsewhere = *run_dir_ + "/cli-ledger-other.csv";
  auto other = Hoshoctl(*run_dir_, "--as=contract-division-clerk ledger --office=parks --out=" + elsewhere);
  EXPECT_EQ(other.first, 1);
  EXPECT_NE(other.second.find("LEDGER_OFFICE_NOT_ALLOWED"), std::string::npos) << other.second;
  EXPECT_FALSE(fs::exists(elsewhere));
}

TEST_F(DemoScenarioTest, NoPlantedSecretReachesKafkaRedisOrAnyLog) {
  std::vector<std::string> secrets = PlantedSecrets();
  secrets.push_back("PLANTED-AK-OUTAGE-1");
  secrets.push_back("PLANTED-AK-CLI-1");
  secrets.push_back("PLANTED-AK-RESTART-1");
  ASSERT_GE(secrets.size(), 7u);
  // Kafka: every record of every topic.
  KafkaOptions kafka;
  kafka.bootstrap_servers = stack_->endpoints().kafka_bootstrap;
  kafka.consumer_properties = {{"fetch.wait.max.ms", "5"}};
  ConsumerOptions options;
  options.group_id = "secret-audit";
  options.topics = {topics::kSubmissions, topics::kVerifications, topics::kRoutings, topics::kNotifications,
                    topics::kContracts};
  auto consumer = *KafkaConsumer::Create(kafka, options, nullptr, &RealClock());
  absl::Mutex mu;
  size_t records = 0;
  std::vector<std::string> leaks;
  std::thread reader([&] {
    (void)consumer->Run([&](const KafkaRecord& r) {
      absl::MutexLock lock(&mu);
      ++records;
      for (const auto& s : secrets) {
        if (r.value.find(s) != std::string::npos) leaks.push_back(r.topic + ": " + s);
        for (const auto& [k, v] : r.headers) {
          if (v.find(s) != std::string::npos) leaks.push_back(r.topic + " header " + k);
        }
      }
      return RecordResult::Done();
    });
  });
  // The scenario produced at least 5 submissions, 5 verdicts, 3 routings, 10 notices, 4 contracts.
  EXPECT_TRUE(testing::AwaitUntil([&] {
    absl::MutexLock lock(&mu);
    return records >= 27;
  }));
  consumer->Stop();
  reader.join();
  EXPECT_TRUE(leaks.empty()) << leaks.front();

  // Redis: every value of every key.
  RedisOptions ro;
  ro.port = stack_->endpoints().redis_port;
  auto redis = *RedisClient::Create(ro, &RealClock());
  auto keys = redis->Command({"KEYS", "*"});
  ASSERT_TRUE(keys.ok());
  EXPECT_GT(keys->elements.size(), 20u);
  for (const auto& key : keys->elements) {
    auto dump = redis->Command({"DUMP", key.str});
    ASSERT_TRUE(dump.ok());
    for (const auto& s : secrets) EXPECT_EQ(dump->str.find(s), std::string::npos) << key.str;
  }

  // Attachments at rest: sealed, so no file of the blob store shows a PDF.
  size_t blobs = 0;
  for (const auto& entry : fs::recursive_directory_iterator(*run_dir_ + "/blobs")) {
    if (!entry.is_regular_file()) continue;
    ++blobs;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    EXPECT_EQ(bytes.str().find("%PDF"), std::string::npos) << entry.path();
  }
  EXPECT_GE(blobs, 2u);  // the API's invoice and the mailed one

  // What people and scrapers see: the console's pages and live feed for every account (each case of
  // the scenario as a case and as a task), every service's metrics, every mail sent.
  std::vector<std::string> case_ids;
  for (const ScenarioRow& row : *rows_) {
    if (absl::StartsWith(row.case_id, "HS-")) case_ids.push_back(row.case_id);
  }
  EXPECT_GE(case_ids.size(), 10u);
  const std::vector<std::string> shown = testing::SecretsShownByTheStack(stack_->endpoints(), secrets, case_ids);
  EXPECT_TRUE(shown.empty()) << shown.size() << " leaks, first: " << shown.front();
  const testing::SecretAuditCounts read = testing::LastSecretAuditCounts();
  EXPECT_GE(read.pages, static_cast<int>(case_ids.size())) << "the console's pages were read";
  EXPECT_EQ(read.metric_pages, static_cast<int>(stack_->endpoints().admin.size())) << "every service's /metrics";
  EXPECT_GT(read.feed_bytes, 0u);
  EXPECT_GT(read.mails, 0);

  // Logs: stop everything (shutdown lines included), then read every file.
  EXPECT_TRUE(stack_->Exited().empty()) << "a process died during the run: " << stack_->Exited().front();
  stack_->Stop();
  size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(stack_->endpoints().logs_dir)) {
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    ++files;
    EXPECT_GT(text.str().size(), 0u) << entry.path();
    for (const auto& s : secrets) EXPECT_EQ(text.str().find(s), std::string::npos) << entry.path() << " holds " << s;
  }
  EXPECT_EQ(files, 10u);  // redis, dovecot, the mail server, Kafka and six services
  // Mail that left hosho: none carries a secret either.
  const auto mails = testing::ReadSentMail(stack_->endpoints().smtp_outbox);
  EXPECT_FALSE(mails.empty()) << "the demo sends notices by mail";
  for (const auto& mail : mails) {
    EXPECT_FALSE(mail.body.empty()) << mail.file;
    for (const auto& s : secrets) {
      EXPECT_EQ(mail.body.find(s), std::string::npos) << mail.file << " holds " << s;
      EXPECT_EQ(mail.raw.find(s), std::string::npos) << mail.file << " holds " << s;
    }
  }
}

}  // namespace
}  // namespace hosho
