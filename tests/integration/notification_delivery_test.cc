// hosho-notification's deliveries on the real binaries: failures are visible (SMTP 550 fails at
// once, 451 is retried with backoff then given up), a failing webhook receiver is retried until it
// answers, and the office watch stream is scoped and checks its cursor.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "services/common/http/admin_server.h"
#include "services/common/http/http_server.h"
#include "services/common/runtime/config.h"
#include "services/common/runtime/errors.h"
#include "services/hoshoctl/client.h"
#include "services/hoshoctl/yaml_input.h"
#include "services/notification/delivery.h"
#include "services/stack/stack.h"
#include "tests/support/await.h"
#include "tests/support/fixtures.h"
#include "tests/support/mail_sink.h"

namespace hosho {
namespace {

namespace fs = std::filesystem;
using testing::AwaitUntil;

class NotificationDeliveryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // A city system that answers 503 twice to every delivery, then 200.
    auto server = HttpServer::Start({}, {{"/flaky", [](const HttpCall& call) {
                                            absl::MutexLock lock(&flaky_mu_);
                                            return ++flaky_calls_[call.Header("x-hosho-delivery-id")] <= 2
                                                       ? HttpReply{503, "{}"}
                                                       : HttpReply{200, "{}"};
                                          }}});
    ASSERT_TRUE(server.ok());
    receiver_ = server->release();
    StackOptions options = testing::TestStackOptions("hosho-delivery");
    fs::create_directories(options.run_dir);
    const std::string secret = options.run_dir + "/hook.secret";
    std::ofstream(secret) << "s3cret-hook\n";
    options.notification_webhooks =
        absl::StrCat("  - {name: flaky, url: \"http://127.0.0.1:", receiver_->port(), "/flaky\", secret_file: \"",
                     secret, "\", offices: [contract-division]}");
    run_dir_ = new std::string(options.run_dir);
    auto stack = Stack::Start(options);
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = stack->release();
    client_ = HoshoClient::Connect(*EndpointsFromStackFile(options.run_dir + "/stack.yaml"))->release();
  }
  static void TearDownTestSuite() {
    delete client_;
    delete stack_;
    delete receiver_;
    if (run_dir_ != nullptr) fs::remove_all(*run_dir_);
    delete run_dir_;
  }

  // Imports the demo contracts with two contractors' addresses replaced; submits flow A's guarantee
  // for K-2026-0001 and one for `contract_id`. Returns the second case.
  static std::string SubmitFor(const std::string& contract_id, const std::string& request_id) {
    EXPECT_TRUE(client_->ActAs("demo-submitter").ok());
    auto item = Config::FromYaml(absl::StrCat(R"yaml(
request_id: )yaml",
                                              request_id, R"yaml(
contract_id: )yaml",
                                              contract_id, R"yaml(
kind: contract
issuer_kind: surety_company
issuer: east_japan_construction_surety
d_sure: {guarantee_number: "DS-X-)yaml",
                                              request_id, R"yaml(", authentication_key: "AK-DELIVERY-TEST"}
)yaml"));
    auto accepted = client_->Submit(*SubmissionFromYaml(*item));
    EXPECT_TRUE(accepted.ok()) << accepted.status();
    return accepted.ok() ? accepted->case_id() : "";
  }
  static hosho::v1::Delivery Receipt(const std::string& case_id) {
    EXPECT_TRUE(client_->ActAs("operator").ok());
    auto notices = client_->ListNotices(case_id);
    if (notices.ok()) {
      for (const auto& n : notices->notices()) {
        if (n.kind() != "receipt") continue;
        for (const auto& d : n.deliveries()) return d;
      }
    }
    return {};
  }
  static std::string Metrics() {
    auto m = HttpRequest("127.0.0.1", stack_->endpoints().admin.at("notification"), "GET", "/metrics");
    return m.ok() ? m->second : "";
  }

  static Stack* stack_;
  static std::string* run_dir_;
  static HoshoClient* client_;
  static HttpServer* receiver_;
  static absl::Mutex flaky_mu_;
  static std::map<std::string, int> flaky_calls_ ABSL_GUARDED_BY(flaky_mu_);
};

// The value of one series in a Prometheus text page (-1 when absent).
double Series(const std::string& page, const std::string& series) {
  const size_t line = page.find("\n" + series + " ");
  if (line == std::string::npos) return -1;
  const size_t at = line + 1 + series.size() + 1;
  double v = -1;
  (void)absl::SimpleAtod(page.substr(at, page.find('\n', at) - at), &v);
  return v;
}

Stack* NotificationDeliveryTest::stack_ = nullptr;
std::string* NotificationDeliveryTest::run_dir_ = nullptr;
HoshoClient* NotificationDeliveryTest::client_ = nullptr;
HttpServer* NotificationDeliveryTest::receiver_ = nullptr;
absl::Mutex NotificationDeliveryTest::flaky_mu_;
std::map<std::string, int> NotificationDeliveryTest::flaky_calls_;

TEST_F(NotificationDeliveryTest, RefusedAndDeferredMailIsVisibleAndRetriedThenGivenUp) {
  std::string csv = testing::SourceFile("deploy/demo/contracts.csv");
  csv = absl::StrReplaceAll(csv, {{"koji@midori-doboku.example", "nobody@reject.invalid"},
                                  {"info@minato-zoen.example", "later@defer.invalid"}});
  ASSERT_TRUE(client_->ActAs("city-contract-system").ok());
  ASSERT_TRUE(client_->ImportContractsCsv(csv).ok());
  const std::string refused = SubmitFor("K-2026-0004", "d-reject");
  const std::string deferred = SubmitFor("K-2026-0005", "d-defer");
  ASSERT_TRUE(AwaitUntil([&] { return Receipt(refused).state() == hosho::v1::Delivery::STATE_FAILED; }));
  auto r = Receipt(refused);
  EXPECT_EQ(r.attempts(), 1) << "a 5xx refusal is not retried";
  EXPECT_NE(r.last_error().find("550"), std::string::npos) << r.last_error();
  EXPECT_EQ(r.target(), "nobody@reject.invalid");
  // 451: retried with backoff (200 ms doubling to 2 s in the stack), given up after 6 attempts.
  ASSERT_TRUE(AwaitUntil([&] { return Receipt(deferred).attempts() >= 2; }));
  auto d = Receipt(deferred);
  EXPECT_EQ(d.state(), hosho::v1::Delivery::STATE_PENDING);
  EXPECT_TRUE(d.has_next_attempt_at()) << "when it will be tried again is visible";
  EXPECT_NE(d.last_error().find("451"), std::string::npos) << d.last_error();
  ASSERT_TRUE(AwaitUntil([&] { return Receipt(deferred).state() == hosho::v1::Delivery::STATE_FAILED; }));
  EXPECT_EQ(Receipt(deferred).attempts(), 6);
  // The failures are counted (the returned-case notices to the same addresses fail too).
  const std::string metrics = Metrics();
  EXPECT_GE(Series(metrics, "hosho_deliveries_total{channel=\"email\",outcome=\"failed\"}"), 2);
  EXPECT_GE(Series(metrics, "hosho_deliveries_total{channel=\"email\",outcome=\"retry\"}"), 5);
  EXPECT_GE(Series(metrics, "hosho_delivery_outbox_failed"), 2);
}

// The server stores the receipt and the sender dies before its 250 arrives (@slow-ack.invalid holds
// the answer for 3 s): the restarted sender cannot know, so it sends again after the lease with the
// same Message-ID, and the delivery shows the possible repeat.
TEST_F(NotificationDeliveryTest, AMailTheServerTookAsTheSenderDiedIsSentAgainAndShownAsAPossibleRepeat) {
  std::string csv = testing::SourceFile("deploy/demo/contracts.csv");
  csv = absl::StrReplaceAll(csv, {{"info@shiomi-kogyo.example", "held@slow-ack.invalid"}});
  ASSERT_TRUE(client_->ActAs("city-contract-system").ok());
  ASSERT_TRUE(client_->ImportContractsCsv(csv).ok());
  const std::string outbox = stack_->endpoints().smtp_outbox;
  auto copies_of = [&](const std::string& message_id) {
    int n = 0;
    for (const auto& m : testing::ReadSentMail(outbox)) n += m.message_id == message_id ? 1 : 0;
    return n;
  };
  const std::string held = SubmitFor("K-2026-0003", "d-held");
  ASSERT_FALSE(held.empty());
  ASSERT_TRUE(AwaitUntil([&] { return !Receipt(held).delivery_id().empty(); }));
  const std::string message_id = MailChannel::MessageIdFor(Receipt(held).delivery_id(), "hosho.city.minato.example");
  ASSERT_TRUE(AwaitUntil([&] { return copies_of(message_id) == 1; }, absl::Seconds(30)));
  ASSERT_TRUE(stack_->KillService("notification").ok()) << "killed while the server holds its 250";
  ASSERT_TRUE(stack_->RestartService("notification").ok());
  ASSERT_TRUE(
      AwaitUntil([&] { return Receipt(held).state() == hosho::v1::Delivery::STATE_DELIVERED; }, absl::Seconds(60)));
  // Two attempts and one possible repeat: the first attempt was recorded before its send, and it
  // never got an outcome.
  const auto d = Receipt(held);
  EXPECT_EQ(d.attempts(), 2);
  EXPECT_EQ(d.possible_repeats(), 1);
  EXPECT_EQ(copies_of(message_id), 2) << "the second copy carries the same Message-ID";
  EXPECT_EQ(Series(Metrics(), "hosho_delivery_possible_repeats_total{channel=\"email\"}"), 1);
}

TEST_F(NotificationDeliveryTest, AFailingWebhookReceiverIsRetriedUntilItAnswers) {
  ASSERT_TRUE(client_->ActAs("city-contract-system").ok());
  ASSERT_TRUE(client_->ImportContractsCsv(testing::SourceFile("deploy/demo/contracts.csv")).ok());
  ASSERT_TRUE(client_->ActAs("demo-submitter").ok());
  auto scenario = *Config::Load("", std::string(HOSHO_SOURCE_DIR) + "/deploy/demo/scenario.yaml");
  std::string case_id;
  for (const Config& item : scenario.GetList("submissions")) {
    if (item.GetString("request_id") == "demo-a") case_id = client_->Submit(*SubmissionFromYaml(item))->case_id();
  }
  auto webhook = [&]() -> hosho::v1::Delivery {
    EXPECT_TRUE(client_->ActAs("operator").ok());
    auto notices = client_->ListNotices(case_id);
    if (notices.ok()) {
      for (const auto& n : notices->notices()) {
        for (const auto& dl : n.deliveries()) {
          if (dl.channel() == "webhook") return dl;
        }
      }
    }
    return {};
  };
  ASSERT_TRUE(AwaitUntil([&] { return webhook().state() == hosho::v1::Delivery::STATE_DELIVERED; }));
  EXPECT_EQ(webhook().attempts(), 3) << "503, 503, then 200";
  EXPECT_EQ(webhook().target(), "flaky");
  absl::MutexLock lock(&flaky_mu_);
  EXPECT_EQ(flaky_calls_[webhook().delivery_id()], 3);
}

TEST_F(NotificationDeliveryTest, TheWatchStreamIsScopedToTheCallersOfficeAndChecksTheCursor) {
  auto code = [](const absl::Status& s) {
    auto v = ViolationsOf(s);
    return absl::StrCat(absl::StatusCodeToString(s.code()), " ", v.empty() ? "" : v.front().code);
  };
  auto none = [](const hosho::v1::OfficeNotice&) { return false; };
  ASSERT_TRUE(client_->ActAs("contract-division-clerk").ok());
  EXPECT_EQ(code(client_->WatchNotifications("road-maintenance", "", none, absl::Seconds(5))),
            "PERMISSION_DENIED OFFICE_NOT_YOURS");
  EXPECT_EQ(code(client_->WatchNotifications("", "not-a-cursor", none, absl::Seconds(5))),
            "INVALID_ARGUMENT CURSOR_INVALID");
  ASSERT_TRUE(client_->ActAs("demo-submitter").ok());
  EXPECT_EQ(code(client_->WatchNotifications("contract-division", "", none, absl::Seconds(5))).substr(0, 17),
            "PERMISSION_DENIED");
  ASSERT_TRUE(client_->ActAs("operator").ok());
  EXPECT_EQ(code(client_->WatchNotifications("", "", none, absl::Seconds(5))), "INVALID_ARGUMENT OFFICE_MISSING");
}

}  // namespace
}  // namespace hosho
