// Clerk verification over gRPC against the real binaries, the automated connector switched off:
// every case waits in its office's task queue; clerks claim (one at a time), reveal the credential
// (audited in the case history), record what the platform shows, and the rules decide.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "gtest/gtest.h"
#include "services/common/domain/domain_text.h"
#include "services/common/domain/events.h"
#include "services/common/kafka/kafka_impl.h"
#include "services/common/kafka/topics.h"
#include "services/common/redis/redis_client.h"
#include "services/common/runtime/errors.h"
#include "services/hoshoctl/client.h"
#include "services/stack/stack.h"
#include "tests/support/await.h"
#include "tests/support/fixtures.h"
#include "tests/support/kafka_reader.h"
#include "tests/support/redis_server.h"
#include "tests/support/secret_audit.h"

namespace hosho {
namespace {

namespace fs = std::filesystem;

std::string Source(const std::string& relative) { return testing::SourceFile(relative); }

std::string CodeOf(const absl::Status& status) {
  auto v = ViolationsOf(status);
  return v.empty() ? status.ToString() : v.front().code;
}

class VerificationTasksTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    StackOptions options = testing::TestStackOptions("hosho-tasks");
    options.connector_enabled = false;
    auto stack = Stack::Start(options);
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = stack->release();
    run_dir_ = new std::string(options.run_dir);
    endpoints_ = new Endpoints(*EndpointsFromStackFile(options.run_dir + "/stack.yaml"));
    auto admin = *HoshoClient::Connect(*endpoints_);
    ASSERT_TRUE(admin->ActAs("city-contract-system").ok());
    ASSERT_EQ(admin->ImportContractsCsv(Source("deploy/demo/contracts.csv"))->refused(), 0);
  }
  static void TearDownTestSuite() {
    delete endpoints_;
    delete stack_;
    if (run_dir_ != nullptr) fs::remove_all(*run_dir_);
    delete run_dir_;
  }
  static std::unique_ptr<HoshoClient> As(const std::string& principal) {
    auto client = *HoshoClient::Connect(*endpoints_);
    EXPECT_TRUE(client->ActAs(principal).ok());
    return client;
  }
  // A flow A submission (契約課 checks it); returns the case id once it waits for a clerk.
  static std::string SubmitFlowA(const std::string& request_id, const std::string& number, const std::string& key,
                                 const std::string& contract_id = "K-2026-0001") {
    auto submitter = As("demo-submitter");
    hosho::v1::SubmitGuaranteeRequest r;
    r.set_client_request_id(request_id);
    r.set_contract_id(contract_id);
    r.set_kind(hosho::v1::GUARANTEE_KIND_CONTRACT);
    r.set_issuer_kind(hosho::v1::ISSUER_KIND_SURETY_COMPANY);
    r.set_issuer(hosho::v1::ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY);
    r.mutable_d_sure()->set_guarantee_number(number);
    r.mutable_d_sure()->set_authentication_key(key);
    auto submitted = submitter->Submit(r);
    EXPECT_TRUE(submitted.ok()) << submitted.status();
    if (!submitted.ok()) return "";
    auto clerk = As("contract-division-clerk");
    EXPECT_TRUE(testing::AwaitUntil([&] {
      auto tasks = clerk->ListTasks();
      if (!tasks.ok()) return false;
      for (const auto& t : tasks->tasks()) {
        if (t.case_id() == submitted->case_id()) return true;
      }
      return false;
    }));
    return submitted->case_id();
  }
  static hosho::v1::CertificateRecord CertificateForK1() {
    hosho::v1::CertificateRecord c;
    c.set_guarantee_number("DS-26-000101");
    c.set_kind(hosho::v1::GUARANTEE_KIND_CONTRACT);
    c.set_beneficiary("みなと市長");
    c.set_contractor_name("株式会社みなと建設");
    c.set_project_name("市道みなと線舗装補修工事");
    c.set_project_location("みなと市中央区港町一丁目");
    c.set_contract_price_yen(48'000'000);
    c.set_guaranteed_amount_yen(4'800'000);
    *c.mutable_period_start() = *ParseDate("2026-12-01");
    *c.mutable_period_end() = *ParseDate("2027-03-19");
    *c.mutable_issue_date() = *ParseDate("2026-11-20");
    c.set_issuer(hosho::v1::ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY);
    return c;
  }

  static Stack* stack_;
  static std::string* run_dir_;
  static Endpoints* endpoints_;
};

Stack* VerificationTasksTest::stack_ = nullptr;
std::string* VerificationTasksTest::run_dir_ = nullptr;
Endpoints* VerificationTasksTest::endpoints_ = nullptr;

TEST_F(VerificationTasksTest, ClaimRevealRecordAndTheRulesDecideWithOneWinnerOfARace) {
  const std::string case_id = SubmitFlowA("tasks-a", "DS-26-000101", "PLANTED-AK-A-7f3c9e21d4");
  ASSERT_FALSE(case_id.empty());
  auto first = As("contract-division-clerk");
  auto second = As("contract-division-clerk-2");

  // Two clerks of the office race for the task: exactly one wins.
  absl::StatusOr<hosho::v1::VerificationTask> a, b;
  std::thread ta([&] { a = first->ClaimTask(case_id); });
  std::thread tb([&] { b = second->ClaimTask(case_id); });
  ta.join();
  tb.join();
  ASSERT_NE(a.ok(), b.ok()) << a.status() << " / " << b.status();
  HoshoClient& winner = a.ok() ? *first : *second;
  HoshoClient& loser = a.ok() ? *second : *first;
  const absl::Status lost = a.ok() ? b.status() : a.status();
  EXPECT_TRUE(absl::IsAborted(lost));
  EXPECT_EQ(CodeOf(lost), "TASK_CLAIMED_BY_OTHER");
  const std::string winner_name = a.ok() ? "contract-division-clerk" : "contract-division-clerk-2";
  EXPECT_EQ((a.ok() ? *a : *b).claimed_by(), winner_name);
  EXPECT_EQ((a.ok() ? *a : *b).state(), hosho::v1::CASE_STATE_VERIFYING);

  // Only the claim holder sees the credential, and every showing is in the history first.
  EXPECT_EQ(CodeOf(loser.RevealCredential(case_id, "確認").status()), "TASK_NOT_CLAIMED");
  auto shown = winner.RevealCredential(case_id, "D-Sureで証書を確認するため");
  ASSERT_TRUE(shown.ok()) << shown.status();
  EXPECT_EQ(shown->d_sure().guarantee_number(), "DS-26-000101");
  EXPECT_EQ(shown->d_sure().authentication_key(), "PLANTED-AK-A-7f3c9e21d4");
  auto ops = As("operator");
  auto c = ops->GetCase(case_id);
  ASSERT_TRUE(c.ok());
  bool audited = false;
  for (const auto& h : c->history()) {
    if (h.actor() == winner_name &&
        h.reason().find("認証情報を表示しました（D-Sureで証書を確認するため）") != std::string::npos) {
      audited = true;
    }
  }
  EXPECT_TRUE(audited) << "the reveal audit is in the case history";

  // What the clerk types is checked field by field; then the rules decide.
  hosho::v1::RecordCertificateRequest bad;
  bad.set_task_id(case_id);
  *bad.mutable_certificate() = CertificateForK1();
  bad.mutable_certificate()->clear_guaranteed_amount_yen();
  bad.mutable_certificate()->mutable_period_end()->set_day(40);
  auto refused = winner.RecordCertificate(bad);
  ASSERT_TRUE(absl::IsInvalidArgument(refused.status()));
  std::vector<std::string> codes;
  for (const auto& v : ViolationsOf(refused.status())) codes.push_back(v.code);
  EXPECT_EQ(codes, (std::vector<std::string>{"AMOUNT_MISSING", "PERIOD_INVALID"}));
  hosho::v1::RecordCertificateRequest good;
  good.set_task_id(case_id);
  *good.mutable_certificate() = CertificateForK1();
  EXPECT_EQ(CodeOf(loser.RecordCertificate(good).status()), "TASK_NOT_CLAIMED");
  auto recorded = winner.RecordCertificate(good);
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  EXPECT_EQ(recorded->state(), hosho::v1::CASE_STATE_VERIFIED);
  EXPECT_EQ(CodeOf(winner.RecordCertificate(good).status()), "TASK_NOT_OPEN") << "decided once";
  auto routed = ops->WatchUntil(
      case_id, [](const hosho::v1::Case& k) { return k.state() == hosho::v1::CASE_STATE_ROUTED; }, absl::Seconds(30));
  ASSERT_TRUE(routed.ok());
  EXPECT_EQ(routed->state(), hosho::v1::CASE_STATE_ROUTED);
  auto tasks = winner.ListTasks();
  ASSERT_TRUE(tasks.ok());
  for (const auto& t : tasks->tasks()) EXPECT_NE(t.case_id(), case_id) << "a decided case leaves the queue";
}

// R05 is never skipped for the beneficiary: a contract the contract system registered without 発注者
// is checked against the city's own name (deploy/city/offices.yaml: みなと市長).
TEST_F(VerificationTasksTest, AContractWithoutItsOrdererIsCheckedAgainstTheCitysName) {
  auto admin = As("city-contract-system");
  auto base = admin->GetContract("K-2026-0001");
  ASSERT_TRUE(base.ok()) << base.status();
  hosho::v1::Contract contract = *base;
  contract.set_contract_id("K-2026-0901");
  contract.set_contract_number("R8-土木-0901");
  contract.clear_beneficiary();
  contract.clear_version();
  auto registered = admin->UpsertContract(contract);
  ASSERT_TRUE(registered.ok()) << registered.status();
  ASSERT_TRUE(registered->beneficiary().empty());
  auto clerk = As("contract-division-clerk");
  auto record = [&](const std::string& case_id, const std::string& beneficiary) {
    EXPECT_TRUE(clerk->ClaimTask(case_id).ok());
    hosho::v1::RecordCertificateRequest r;
    r.set_task_id(case_id);
    *r.mutable_certificate() = CertificateForK1();
    r.mutable_certificate()->set_beneficiary(beneficiary);
    return clerk->RecordCertificate(r);
  };
  auto beneficiary_rule = [](const hosho::v1::VerificationTask& t) {
    for (const auto& r : t.rule_results()) {
      if (r.field() == "certificate.beneficiary") return r;
    }
    return hosho::v1::RuleResult{};
  };

  const std::string wrong = SubmitFlowA("tasks-beneficiary-1", "DS-26-000901", "PLANTED-AK-B-1", "K-2026-0901");
  ASSERT_FALSE(wrong.empty());
  auto returned = record(wrong, "某県");
  ASSERT_TRUE(returned.ok()) << returned.status();
  EXPECT_EQ(returned->state(), hosho::v1::CASE_STATE_RETURNED);
  EXPECT_EQ(beneficiary_rule(*returned).code(), "R05_BENEFICIARY_MISMATCH");
  EXPECT_EQ(beneficiary_rule(*returned).outcome(), hosho::v1::RuleResult::OUTCOME_FAIL);
  EXPECT_EQ(beneficiary_rule(*returned).expected(), "みなと市長");
  EXPECT_EQ(beneficiary_rule(*returned).found(), "某県");

  const std::string right = SubmitFlowA("tasks-beneficiary-2", "DS-26-000902", "PLANTED-AK-B-2", "K-2026-0901");
  ASSERT_FALSE(right.empty());
  auto verified = record(right, "みなと市長");
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->state(), hosho::v1::CASE_STATE_VERIFIED);
  EXPECT_EQ(beneficiary_rule(*verified).code(), "R05_OK");
}

TEST_F(VerificationTasksTest, AClerkOfAnotherOfficeIsRefusedAtEveryCall) {
  const std::string case_id = SubmitFlowA("tasks-b", "DS-26-000201", "PLANTED-AK-TASK-B-1");
  ASSERT_FALSE(case_id.empty());
  auto other = As("road-maintenance-clerk");
  auto own = other->ListTasks();
  ASSERT_TRUE(own.ok());
  for (const auto& t : own->tasks()) EXPECT_NE(t.case_id(), case_id);
  EXPECT_EQ(CodeOf(other->ListTasks("contract-division").status()), "OFFICE_NOT_YOURS");
  EXPECT_EQ(CodeOf(other->ClaimTask(case_id).status()), "TASK_NOT_FOUND");
  EXPECT_EQ(CodeOf(other->RevealCredential(case_id, "x").status()), "TASK_NOT_FOUND");
  hosho::v1::RecordCertificateRequest r;
  r.set_task_id(case_id);
  r.set_no_certificate_reason("開けませんでした");
  EXPECT_EQ(CodeOf(other->RecordCertificate(r).status()), "TASK_NOT_FOUND");
  auto submitter = As("demo-submitter");
  EXPECT_TRUE(absl::IsPermissionDenied(submitter->ClaimTask(case_id).status()));
  EXPECT_TRUE(absl::IsPermissionDenied(submitter->ListTasks("contract-division").status()));
}

TEST_F(VerificationTasksTest, ACredentialThatOpensNothingReturnsTheCaseAndPaperHasNothingToReveal) {
  const std::string case_id = SubmitFlowA("tasks-c", "DS-26-000301", "PLANTED-AK-TASK-C-1");
  ASSERT_FALSE(case_id.empty());
  auto clerk = As("contract-division-clerk");
  auto colleague = As("contract-division-clerk-2");
  ASSERT_TRUE(colleague->ClaimTask(case_id).ok());
  EXPECT_EQ(CodeOf(clerk->ReleaseTask(case_id).status()), "TASK_NOT_CLAIMED") << "only the holder releases";
  auto released = colleague->ReleaseTask(case_id);
  ASSERT_TRUE(released.ok()) << released.status();
  EXPECT_TRUE(released->claimed_by().empty());
  ASSERT_TRUE(clerk->ClaimTask(case_id).ok()) << "a released task is free at once";
  ASSERT_TRUE(clerk->ClaimTask(case_id).ok()) << "renewing one's own claim";
  hosho::v1::RecordCertificateRequest none;
  none.set_task_id(case_id);
  EXPECT_EQ(CodeOf(clerk->RecordCertificate(none).status()), "OUTCOME_MISSING");
  none.set_no_certificate_reason("D-Sureで「該当する保証はありません」と表示された");
  auto returned = clerk->RecordCertificate(none);
  ASSERT_TRUE(returned.ok()) << returned.status();
  EXPECT_EQ(returned->state(), hosho::v1::CASE_STATE_RETURNED);
  ASSERT_EQ(returned->rule_results_size(), 1);
  EXPECT_EQ(returned->rule_results(0).code(), "R01_CREDENTIAL_OPENS_NOTHING");

  // Paper: registered by the clerk, checked by the clerk, nothing to reveal.
  hosho::v1::SubmitGuaranteeRequest paper;
  paper.set_client_request_id("tasks-paper");
  paper.set_contract_id("K-2026-0005");
  paper.set_kind(hosho::v1::GUARANTEE_KIND_CONTRACT);
  paper.set_issuer_kind(hosho::v1::ISSUER_KIND_BANK);
  paper.set_issuer(hosho::v1::ISSUER_BANK);
  paper.set_issuer_name("みなと銀行");
  paper.mutable_paper()->set_guarantee_number("MB-1");
  *paper.mutable_paper()->mutable_received_on() = *ParseDate("2026-11-25");
  auto submitted = clerk->Submit(paper);
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  ASSERT_TRUE(testing::AwaitUntil([&] { return clerk->ClaimTask(submitted->case_id()).ok(); }));
  EXPECT_EQ(CodeOf(clerk->RevealCredential(submitted->case_id(), "x").status()), "NO_CREDENTIAL");
}

// A clerk's long Japanese reason is never cut inside a character (before: cut at 300 bytes, the
// history entry was no longer UTF-8 and the case could not be read again); a reason over the bound
// or with control characters is refused with its field and code, and the task stays open.
TEST_F(VerificationTasksTest, ALongJapaneseReasonIsKeptWholeAndTheCaseStaysReadable) {
  const std::string case_id = SubmitFlowA("tasks-kanji", "DS-26-000311", "PLANTED-AK-TASK-K-1");
  ASSERT_FALSE(case_id.empty());
  auto clerk = As("contract-division-clerk");
  ASSERT_TRUE(testing::AwaitUntil([&] { return clerk->ClaimTask(case_id).ok(); }));
  auto kanji = [](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += i % 2 ? "認" : "確";
    return s;
  };
  hosho::v1::RecordCertificateRequest r;
  r.set_task_id(case_id);
  r.set_no_certificate_reason(kanji(301));
  EXPECT_EQ(CodeOf(clerk->RecordCertificate(r).status()), "TEXT_TOO_LONG") << "300 characters at most";
  r.set_no_certificate_reason("開けません\x1b[31m");
  EXPECT_EQ(CodeOf(clerk->RecordCertificate(r).status()), "TEXT_CONTROL_CHARACTERS");
  r.set_no_certificate_reason("開けません\u202E");
  EXPECT_EQ(CodeOf(clerk->RecordCertificate(r).status()), "TEXT_CONTROL_CHARACTERS") << "a bidi override";
  const std::string reason = kanji(150);  // 450 bytes: the old cut fell inside the 101st kanji
  r.set_no_certificate_reason(reason);
  auto returned = clerk->RecordCertificate(r);
  ASSERT_TRUE(returned.ok()) << returned.status();
  EXPECT_EQ(returned->state(), hosho::v1::CASE_STATE_RETURNED);
  auto read = clerk->GetCase(case_id);
  ASSERT_TRUE(read.ok()) << read.status();
  bool found = false;
  for (const auto& h : read->history()) found = found || h.reason().find(reason) != std::string::npos;
  EXPECT_TRUE(found) << "the whole reason is in the history";
}

// The reveal path with the connector off, audited for leaks: the key a clerk reveals is in that one
// answer, and nowhere a person or a scraper can see it afterwards: not the console's pages or live
// feed for any account, not a metric, not a mail, not a Redis value, not a Kafka record, not a log.
TEST_F(VerificationTasksTest, ARevealedKeyIsInTheRevealAnswerAndNowhereElse) {
  const std::string key = "PLANTED-AK-REVEAL-5e81c0";
  const std::string case_id = SubmitFlowA("tasks-reveal", "DS-26-000777", key);
  ASSERT_FALSE(case_id.empty());
  auto clerk = As("contract-division-clerk");
  ASSERT_TRUE(clerk->ClaimTask(case_id).ok());
  auto shown = clerk->RevealCredential(case_id, "証書の確認");
  ASSERT_TRUE(shown.ok()) << shown.status();
  ASSERT_EQ(shown->d_sure().authentication_key(), key) << "the one answer meant to carry it";
  const std::vector<std::string> secrets = {key, "PLANTED-AK-A-7f3c9e21d4", "PLANTED-AK-TASK-B-1",
                                            "PLANTED-AK-TASK-C-1", "PLANTED-AK-TASK-K-1"};

  const StackEndpoints& e = stack_->endpoints();
  std::vector<std::string> leaks = testing::SecretsShownByTheStack(e, secrets, {case_id});
  const testing::SecretAuditCounts read = testing::LastSecretAuditCounts();
  EXPECT_GE(read.pages, 8) << "the console's pages were read for its accounts";
  EXPECT_EQ(read.metric_pages, static_cast<int>(e.admin.size())) << "every service's /metrics";
  EXPECT_GT(read.feed_bytes, 0u) << "the live feed answered";

  RedisOptions ro;
  ro.port = e.redis_port;
  auto redis = *RedisClient::Create(ro, &RealClock());
  auto keys = redis->Command({"KEYS", "*"});
  ASSERT_TRUE(keys.ok());
  for (const auto& k : keys->elements) {
    auto dump = redis->Command({"DUMP", k.str});
    ASSERT_TRUE(dump.ok());
    for (const auto& s : secrets) {
      if (dump->str.find(s) != std::string::npos || k.str.find(s) != std::string::npos)
        leaks.push_back("redis " + k.str);
    }
  }
  KafkaOptions kafka;
  kafka.bootstrap_servers = e.kafka_bootstrap;
  size_t records = 0;
  for (const std::string& topic : {std::string(topics::kSubmissions), std::string(topics::kVerifications)}) {
    for (const KafkaRecord& r : testing::ReadTopic(kafka, nullptr, topic, 1, "", "reveal-audit-" + topic)) {
      ++records;
      for (const auto& s : secrets) {
        if (r.value.find(s) != std::string::npos) leaks.push_back("kafka " + topic);
      }
    }
  }
  EXPECT_GE(records, 2u);
  for (const auto& entry : fs::directory_iterator(e.logs_dir)) {
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    for (const auto& s : secrets) {
      if (text.str().find(s) != std::string::npos) leaks.push_back("log " + entry.path().filename().string());
    }
  }
  EXPECT_TRUE(leaks.empty()) << leaks.size() << " leaks, first: " << leaks.front();
}

}  // namespace
}  // namespace hosho
