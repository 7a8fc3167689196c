// Flows A, B and C (docs/domain.md) from submission to CLOSED on the real binaries: the clerks'
// hand-off steps over gRPC, the accounting hand-off, and every notice delivered by a real SMTP
// server (and signed webhooks, and an office's watch stream) once, or twice only when hosho recorded
// the second as a possible repeat (a kill between the server's acceptance and the record), with
// hosho-notification killed by SIGKILL while deliveries are in flight.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "services/common/crypto/sealing.h"
#include "services/common/domain/events.h"
#include "services/common/http/http_server.h"
#include "services/common/runtime/config.h"
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
using Step = HandoffStep;

constexpr char kWebhookSecret[] = "test-webhook-secret-5d1e";

// A city system receiving hosho's signed webhooks: checks every signature, counts deliveries.
class WebhookReceiver {
 public:
  WebhookReceiver() {
    auto server = HttpServer::Start({}, {{"/hosho", [this](const HttpCall& call) { return Receive(call); }}});
    EXPECT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }
  int port() const { return server_->port(); }
  std::map<std::string, int> deliveries() {
    absl::MutexLock lock(&mu_);
    return by_delivery_;
  }
  int bad_signatures() {
    absl::MutexLock lock(&mu_);
    return bad_;
  }

 private:
  HttpReply Receive(const HttpCall& call) {
    int64_t ts = 0;
    const bool signed_ok =
        absl::SimpleAtoi(call.Header("x-hosho-timestamp"), &ts) &&
        SecretEquals(call.Header("x-hosho-signature"), WebhookSignature(kWebhookSecret, ts, call.body));
    absl::MutexLock lock(&mu_);
    if (!signed_ok) {
      ++bad_;
      return {401, "{}"};
    }
    ++by_delivery_[call.Header("x-hosho-delivery-id")];
    return {200, "{}"};
  }
  std::unique_ptr<HttpServer> server_;
  absl::Mutex mu_;
  std::map<std::string, int> by_delivery_ ABSL_GUARDED_BY(mu_);
  int bad_ ABSL_GUARDED_BY(mu_) = 0;
};

class HandoffFlowsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    receiver_ = std::make_unique<WebhookReceiver>();
    StackOptions options = testing::TestStackOptions("hosho-flows");
    options_ = options;
    fs::create_directories(options.run_dir);
    const std::string secret_file = options.run_dir + "/webhook-out.secret";
    std::ofstream(secret_file) << kWebhookSecret << "\n";
    options.notification_webhooks =
        absl::StrCat("  - {name: keiyaku-system, url: \"http://127.0.0.1:", receiver_->port(),
                     "/hosho\", secret_file: \"", secret_file, "\", offices: [contract-division, road-maintenance]}");
    options.smtp_delay_ms = 150;  // slow enough that the kill lands while mail is in flight
    options.extra_config["routing"] = "routing: {sweep_ms: 200}";
    auto stack = Stack::Start(options);
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = *std::move(stack);
    auto endpoints = EndpointsFromStackFile(options.run_dir + "/stack.yaml");
    ASSERT_TRUE(endpoints.ok()) << endpoints.status();
    endpoints_ = *endpoints;
    client_ = *HoshoClient::Connect(endpoints_);
    scenario_ = *Config::Load("", std::string(HOSHO_SOURCE_DIR) + "/deploy/demo/scenario.yaml");
  }
  void TearDown() override {
    client_.reset();
    stack_.reset();
    fs::remove_all(options_.run_dir);
  }

  // The demo scenario's submission with this request id.
  hosho::v1::SubmitGuaranteeRequest Submission(const std::string& request_id) {
    for (const Config& item : scenario_.GetList("submissions")) {
      if (item.GetString("request_id") == request_id) return *SubmissionFromYaml(item);
    }
    ADD_FAILURE() << "no submission " << request_id;
    return {};
  }
  std::string State(const std::string& case_id) {
    EXPECT_TRUE(client_->ActAs("operator").ok());
    auto c = client_->GetCase(case_id);
    return c.ok() ? StateName(c->state()) : c.status().ToString();
  }
  bool AllIn(const std::vector<std::string>& ids, const std::string& state) {
    for (const auto& id : ids) {
      if (State(id) != state) return false;
    }
    return true;
  }
  // Every delivery of the cases' notices, by channel.
  std::vector<hosho::v1::Delivery> Deliveries(const std::vector<std::string>& ids, const std::string& channel) {
    std::vector<hosho::v1::Delivery> out;
    EXPECT_TRUE(client_->ActAs("operator").ok());
    for (const auto& id : ids) {
      auto notices = client_->ListNotices(id);
      EXPECT_TRUE(notices.ok()) << notices.status();
      if (!notices.ok()) continue;
      for (const auto& n : notices->notices()) {
        for (const auto& d : n.deliveries()) {
          if (d.channel() == channel) out.push_back(d);
        }
      }
    }
    return out;
  }
  size_t SentCount() { return testing::ReadSentMail(stack_->endpoints().smtp_outbox).size(); }

  StackOptions options_;
  std::unique_ptr<WebhookReceiver> receiver_;
  std::unique_ptr<Stack> stack_;
  Endpoints endpoints_;
  std::unique_ptr<HoshoClient> client_;
  Config scenario_;
};

TEST_F(HandoffFlowsTest, FlowsABAndCReachClosedAndEveryNoticeArrivesOnceThoughNotificationIsKilled) {
  // An office client (道路維持課) watches its notices throughout, reconnecting from its last cursor.
  absl::Mutex watch_mu;
  std::vector<std::pair<std::string, std::string>> watched;  // cursor, delivery id
  int reconnects = 0;
  constexpr size_t kOfficeNotices = 3;  // 道路維持課: B routed, A forwarded, B payment hand-off
  std::thread watcher([&] {
    auto client = *HoshoClient::Connect(endpoints_);
    ASSERT_TRUE(client->ActAs("road-maintenance-clerk").ok());
    std::string cursor;
    bool done = false;
    const absl::Time give_up = absl::Now() + absl::Seconds(240);
    while (!done && absl::Now() < give_up) {
      absl::Status ended = client->WatchNotifications(
          "", cursor,
          [&](const hosho::v1::OfficeNotice& n) {
            absl::MutexLock lock(&watch_mu);
            watched.emplace_back(n.cursor(), n.notice().delivery_id());
            cursor = n.cursor();
            done = watched.size() >= kOfficeNotices;
            return !done;
          },
          absl::Seconds(240));
      if (done) break;
      {
        absl::MutexLock lock(&watch_mu);
        ++reconnects;
      }
      if (!ended.ok()) absl::SleepFor(absl::Milliseconds(100));  // reconnect backoff while the server is away
    }
  });

  ASSERT_TRUE(client_->ActAs("city-contract-system").ok());
  auto imported = client_->ImportContractsCsv(testing::SourceFile("deploy/demo/contracts.csv"));
  ASSERT_TRUE(imported.ok()) << imported.status();
  ASSERT_TRUE(client_->ActAs("demo-submitter").ok());
  std::vector<std::string> ids;
  for (const char* request_id : {"demo-a", "demo-b", "demo-c"}) {
    auto accepted = client_->Submit(Submission(request_id));
    ASSERT_TRUE(accepted.ok()) << request_id << ": " << accepted.status();
    ids.push_back(accepted->case_id());
  }
  const std::string a = ids[0], b = ids[1], c = ids[2];
  ASSERT_TRUE(AwaitUntil([&] { return AllIn(ids, "ROUTED"); }, absl::Seconds(60))) << State(a) << State(b) << State(c);

  // Mail is flowing (the server takes 150 ms per recipient): kill the sender mid-run.
  ASSERT_TRUE(AwaitUntil([&] { return SentCount() >= 2; }, absl::Seconds(60)));
  ASSERT_TRUE(stack_->KillService("notification").ok());
  const size_t at_kill = SentCount();
  EXPECT_LT(at_kill, 9u) << "the kill should land before the first nine notices were all sent";

  // The offices act while notification is down.
  ASSERT_TRUE(client_->ActAs("contract-division-clerk").ok());
  auto concluded_a = client_->Handoff(Step::kConclude, a, "契約締結済み");
  ASSERT_TRUE(concluded_a.ok()) << concluded_a.status();
  EXPECT_EQ(StateName(concluded_a->state()), "FORWARDED");
  EXPECT_EQ(concluded_a->office(), "road-maintenance");
  ASSERT_TRUE(client_->ActAs("water-sewerage-policy-clerk").ok());
  ASSERT_TRUE(client_->Handoff(Step::kConclude, c).ok());
  ASSERT_TRUE(client_->ActAs("road-maintenance-clerk").ok());
  auto handed = client_->Handoff(Step::kPaymentHandoff, b, "請求書を受領");
  ASSERT_TRUE(handed.ok()) << handed.status();
  EXPECT_EQ(StateName(handed->state()), "CLOSED");

  ASSERT_TRUE(stack_->RestartService("notification").ok());
  // The credential is forwarded with the case: 道路維持課 may see A's key now (audited), 契約課 no longer.
  ASSERT_TRUE(client_->ActAs("contract-division-clerk").ok());
  EXPECT_FALSE(client_->RevealCredential(a, "確認").ok());
  ASSERT_TRUE(client_->ActAs("road-maintenance-clerk").ok());
  auto revealed = client_->RevealCredential(a, "工事担当課での保管");
  ASSERT_TRUE(revealed.ok()) << revealed.status();
  EXPECT_EQ(revealed->d_sure().authentication_key(), Submission("demo-a").d_sure().authentication_key());
  ASSERT_TRUE(client_->Handoff(Step::kAcknowledge, a).ok());
  ASSERT_TRUE(client_->ActAs("sewerage-works-clerk").ok());
  ASSERT_TRUE(client_->Handoff(Step::kAcknowledge, c).ok());
  EXPECT_TRUE(AllIn(ids, "CLOSED"));

  // Every e-mail delivery is delivered; then the server's outbox is read.
  const size_t kExpectedMails =
      15;  // A and C: receipt, routed ×2, concluded, forwarded; B: receipt, routed ×2, payment ×2
  ASSERT_TRUE(AwaitUntil(
      [&] {
        auto mail = Deliveries(ids, "email");
        if (mail.size() != kExpectedMails) return false;
        for (const auto& d : mail) {
          if (d.state() != hosho::v1::Delivery::STATE_DELIVERED) return false;
        }
        return true;
      },
      absl::Seconds(90)))
      << Deliveries(ids, "email").size() << " e-mail deliveries";
  const auto mails = testing::ReadSentMail(stack_->endpoints().smtp_outbox);
  std::map<std::string, int> by_message_id;
  std::multiset<std::string> recipients;
  for (const auto& m : mails) {
    ++by_message_id[m.message_id];
    recipients.insert(m.rcpt_to);
    EXPECT_TRUE(absl::StartsWith(m.subject, "【電子保証】R8-")) << m.subject;
    EXPECT_NE(m.body.find("みなと市 電子保証受付"), std::string::npos) << m.file;
  }
  // SMTP cannot be exactly-once: a mail the server took just before the kill, and that hosho had not
  // yet recorded, goes again with the same Message-ID. Every such copy must be one hosho recorded
  // as a possible repeat, and one kill leaves at most one attempt open (one sender, one at a time).
  int recorded_repeats = 0;
  size_t extra_copies = 0;
  std::map<std::string, size_t> extra_copies_by_recipient;
  for (const auto& d : Deliveries(ids, "email")) {
    const std::string id = MailChannel::MessageIdFor(d.delivery_id(), "hosho.city.minato.example");
    recorded_repeats += d.possible_repeats();
    EXPECT_GE(by_message_id[id], 1) << d.delivery_id() << " must arrive";
    EXPECT_LE(by_message_id[id], 1 + d.possible_repeats())
        << d.delivery_id() << ": a second copy that hosho did not record as a possible repeat";
    if (by_message_id[id] > 1) {
      extra_copies += by_message_id[id] - 1;
      extra_copies_by_recipient[d.target()] += by_message_id[id] - 1;
    }
  }
  EXPECT_LE(recorded_repeats, 1) << "one notification kill, at most one repeat";
  EXPECT_EQ(mails.size(), kExpectedMails + extra_copies) << "no mail outside the deliveries";
  auto distinct = [&](const std::string& to) { return recipients.count(to) - extra_copies_by_recipient[to]; };
  EXPECT_EQ(distinct("keiyaku@city.minato.example"), 1u) << "契約課: A routed";
  EXPECT_EQ(distinct("suido-seisaku@city.minato.example"), 1u) << "上下水道事業政策課: C routed";
  EXPECT_EQ(distinct("doro-iji@city.minato.example"), 3u) << "道路維持課: A forwarded, B routed, B payment";
  EXPECT_EQ(distinct("gesuido-koji@city.minato.example"), 1u) << "下水道工事課: C forwarded";
  EXPECT_EQ(distinct("keiyaku@minato-kensetsu.example"), 9u) << "the contractor: 3 per flow";

  // Webhooks: every one signed, each delivery once.
  auto hooks = Deliveries(ids, "webhook");
  EXPECT_EQ(hooks.size(), 4u) << "契約課 and 道路維持課 office notices";
  ASSERT_TRUE(AwaitUntil([&] { return receiver_->deliveries().size() == hooks.size(); }));
  for (const auto& d : hooks) {
    const int copies = receiver_->deliveries().count(d.delivery_id()) ? receiver_->deliveries().at(d.delivery_id()) : 0;
    EXPECT_GE(copies, 1) << d.delivery_id();
    EXPECT_LE(copies, 1 + d.possible_repeats()) << d.delivery_id() << ": a repeat hosho did not record";
    recorded_repeats += d.possible_repeats();
  }
  EXPECT_LE(recorded_repeats, 1) << "one notification kill, at most one repeat over every channel";
  EXPECT_EQ(receiver_->bad_signatures(), 0);

  // Accounting received B once, with the deadline 14 days from the request.
  ASSERT_TRUE(client_->ActAs("operator").ok());
  auto payments = client_->ListAdvancePayments();
  ASSERT_TRUE(payments.ok()) << payments.status();
  ASSERT_EQ(payments->requests_size(), 1);
  EXPECT_EQ(payments->calls(), 1);
  EXPECT_EQ(payments->requests(0).case_id(), b);
  EXPECT_EQ(payments->requests(0).amount_yen(), 19'200'000);
  auto case_b = client_->GetCase(b);
  ASSERT_TRUE(case_b.ok());
  EXPECT_EQ(absl::ToUnixMillis(FromProto(payments->requests(0).pay_by())),
            absl::ToUnixMillis(FromProto(case_b->received_at()) + absl::Hours(24 * 14)));

  // A's whole life, each step with its actor.
  auto case_a = client_->GetCase(a);
  ASSERT_TRUE(case_a.ok());
  std::vector<std::string> steps;
  for (const auto& h : case_a->history()) steps.push_back(StateName(h.to_state()) + "/" + h.actor());
  const std::vector<std::string> tail(steps.end() - 4, steps.end());
  EXPECT_EQ(tail, (std::vector<std::string>{"CONTRACT_CONCLUDED/contract-division-clerk", "FORWARDED/hosho-routing",
                                            "FORWARDED/road-maintenance-clerk", "CLOSED/road-maintenance-clerk"}))
      << "the department's look at the credential is in the history";

  // The office's watch stream: the three 道路維持課 notices, across the restart, no gap, no repeat.
  watcher.join();
  std::vector<std::string> full;
  ASSERT_TRUE(client_->ActAs("road-maintenance-clerk").ok());
  (void)client_->WatchNotifications(
      "road-maintenance", "",
      [&](const hosho::v1::OfficeNotice& n) {
        full.push_back(n.cursor() + " " + n.notice().delivery_id());
        return full.size() < kOfficeNotices;
      },
      absl::Seconds(5));
  std::vector<std::string> seen;
  for (const auto& [cursor, id] : watched) seen.push_back(cursor + " " + id);
  EXPECT_EQ(seen, full) << "the reconnecting watcher saw exactly the stream";
  EXPECT_GE(reconnects, 1) << "the kill broke the stream and the watcher resumed from its cursor";
  EXPECT_TRUE(stack_->Exited().empty());
}

}  // namespace
}  // namespace hosho
