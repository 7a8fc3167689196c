// hosho-routing's hand-off logic (HandoffService, the deadline sweeper, the re-publisher) against a
// real redis-server and a real Apache Kafka broker, with an injected clock and a stand-in for the
// city's accounting system.
#include <atomic>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/common/domain/events.h"
#include "services/common/kafka/kafka_impl.h"
#include "services/common/kafka/topics.h"
#include "services/common/runtime/errors.h"
#include "services/common/store/case_store_redis.h"
#include "services/routing/handoff_service.h"
#include "services/routing/routing_worker.h"
#include "tests/support/case_steps.h"
#include "tests/support/fake_clock.h"
#include "tests/support/kafka_reader.h"
#include "tests/support/redis_server.h"
#include "tests/support/test_kafka.h"

namespace hosho {
namespace {

using hosho::v1::CaseState;

class FakeAccounting : public AccountingSystem {  // the city's accounting system, unit-level
 public:
  absl::StatusOr<std::string> RequestAdvancePayment(const hosho::v1::AdvancePaymentRequest& request) override {
    ++calls;
    if (down) return absl::UnavailableError("accounting is down");
    last = request;
    return std::string("ACC-1");
  }
  std::atomic<int> calls{0};
  std::atomic<bool> down{false};
  hosho::v1::AdvancePaymentRequest last;
};

const Principal kContractClerk{"contract-division-clerk", Role::kClerk, "contract-division"};
const Principal kRoadClerk{"road-maintenance-clerk", Role::kClerk, "road-maintenance"};
const Principal kOperator{"operator", Role::kOperator, ""};
const Principal kSubmitter{"tester", Role::kSubmitter, ""};
const Principal kOtherSubmitter{"someone-else", Role::kSubmitter, ""};

class HandoffTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_ = testing::RedisServer::Start();
    redis_client_ = redis_->Client();
    cases_ = std::make_unique<RedisCaseStore>(redis_client_.get());
    broker_ = testing::TestKafka::Start();
    kafka_.bootstrap_servers = broker_->bootstrap();
    kafka_.properties = {{"reconnect.backoff.max.ms", "500"}};
    kafka_.consumer_properties = {{"fetch.wait.max.ms", "5"}, {"session.timeout.ms", "6000"}};
    producer_ = *KafkaProducer::Create(kafka_);
    auto policy = LoadRoutingPolicyFiles(std::string(HOSHO_SOURCE_DIR) + "/deploy/routing/rules.yaml",
                                         std::string(HOSHO_SOURCE_DIR) + "/deploy/city/offices.yaml");
    ASSERT_TRUE(policy.ok()) << policy.status();
    policy_ = *policy;
    worker_ = std::make_unique<RoutingWorker>(cases_.get(), cases_.get(), producer_.get(), &clock_, &policy_,
                                              absl::Seconds(3));
    handoff_ = std::make_unique<HandoffServiceImpl>(cases_.get(), producer_.get(), nullptr, &clock_, &policy_,
                                                    &accounting_, absl::Seconds(3));
  }

  // A case verified and routed by the real RoutingWorker, as the pipeline would leave it.
  std::string RoutedCase(const std::string& id, hosho::v1::GuaranteeKind kind,
                         const std::string& department = "road-maintenance") {
    hosho::events::v1::SubmissionReceived s;
    s.set_kind(kind);
    s.set_issuer(hosho::v1::ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY);
    s.set_submitted_by(kSubmitter.name);
    s.set_requested_amount_yen(kind == hosho::v1::GUARANTEE_KIND_CONTRACT ? 0 : 4'000'000);
    *s.mutable_received_at() = ToProto(received_);
    auto* c = s.mutable_contract();
    c->set_contract_id("K-1");
    c->set_contract_number("R8-1");
    c->set_project_name("市道補修工事");
    c->set_ordering_office("contract-division");
    c->set_department_in_charge(department);
    c->mutable_contractor()->set_name("株式会社みなと建設");
    hosho::events::v1::Envelope submitted;
    submitted.set_event_id(id + ":submitted");
    submitted.set_case_id(id);
    *submitted.mutable_submission_received() = s;
    TransitionRequest create;
    create.case_id = id;
    create.event_id = submitted.event_id();
    create.to_state = hosho::v1::CASE_STATE_RECEIVED;
    create.actor = kSubmitter.name;
    create.reason = "受付";
    create.at = received_;
    create.office = "contract-division";
    create.fields = {{"submitted_by", kSubmitter.name}};
    create.payload = submitted.SerializeAsString();
    EXPECT_TRUE(cases_->Apply(create).ok());
    TransitionRequest verified = create;
    verified.actor = "connector";
    for (const auto& step : cases_->ApplyAll(
             testing::StepsBetween(verified, hosho::v1::CASE_STATE_RECEIVED, hosho::v1::CASE_STATE_VERIFIED))) {
      EXPECT_TRUE(step.ok()) << step.status();
    }
    hosho::events::v1::Envelope verdict;
    verdict.set_event_id(id + ":verified");
    verdict.set_case_id(id);
    verdict.mutable_verification_completed()->set_verdict(hosho::events::v1::VerificationCompleted::VERDICT_VERIFIED);
    *verdict.mutable_verification_completed()->mutable_submission() = s;
    verdict.mutable_verification_completed()->mutable_certificate()->set_guarantee_number("DS-" + id);
    KafkaRecord record;
    record.topic = topics::kVerifications;
    record.key = id;
    record.value = verdict.SerializeAsString();
    record.headers = {{"event-type", "verification_completed"}};
    EXPECT_EQ(worker_->Handle(record).outcome, RecordOutcome::kDone);
    EXPECT_EQ(State(id), "ROUTED");
    return id;
  }

  std::string State(const std::string& id) { return cases_->Get(id)->Field("state"); }
  int64_t Version(const std::string& id) { return std::stoll(cases_->Get(id)->Field("version")); }
  hosho::v1::HandoffRequest Request(const std::string& id, const std::string& note = "") {
    hosho::v1::HandoffRequest r;
    r.set_case_id(id);
    r.set_note(note);
    return r;
  }
  static std::string Code(const absl::Status& s) {
    auto v = ViolationsOf(s);
    return v.empty() ? std::string(absl::StatusCodeToString(s.code())) : v.front().code;
  }
  std::vector<std::string> EventIds(size_t expected, const std::string& type) {
    std::vector<std::string> ids;
    for (const auto& r : testing::ReadTopic(kafka_, producer_.get(), topics::kRoutings, expected, type,
                                            "reader-" + std::to_string(reader_++))) {
      ids.push_back(r.Header("event-id"));
    }
    return ids;
  }

  const absl::Time received_ = absl::FromUnixSeconds(1'795'000'000);
  FakeClock clock_{absl::FromUnixSeconds(1'795'000'000) + absl::Hours(1)};
  std::unique_ptr<testing::RedisServer> redis_;
  std::unique_ptr<RedisClient> redis_client_;
  std::unique_ptr<RedisCaseStore> cases_;
  std::unique_ptr<testing::TestKafka> broker_;
  KafkaOptions kafka_;
  std::unique_ptr<KafkaProducer> producer_;
  RoutingPolicy policy_;
  FakeAccounting accounting_;
  std::unique_ptr<RoutingWorker> worker_;
  std::unique_ptr<HandoffServiceImpl> handoff_;
  int reader_ = 0;
};

TEST_F(HandoffTest, AConcludedContractIsForwardedToTheDepartmentWhichClosesItOnReceipt) {
  const std::string id = RoutedCase("HS-A", hosho::v1::GUARANTEE_KIND_CONTRACT);
  auto concluded = handoff_->Conclude(kContractClerk, Request(id, "契約書を取り交わしました"), "");
  ASSERT_TRUE(concluded.ok()) << concluded.status();
  EXPECT_EQ(concluded->Field("state"), "FORWARDED");
  EXPECT_EQ(concluded->Field("office"), "road-maintenance") << "the department in charge now holds the case";
  const auto& h = concluded->history;
  ASSERT_GE(h.size(), 2u);
  EXPECT_EQ(h[h.size() - 2].to_state, "CONTRACT_CONCLUDED");
  EXPECT_EQ(h[h.size() - 2].actor, "contract-division-clerk");
  EXPECT_NE(h[h.size() - 2].reason.find("契約書を取り交わしました"), std::string::npos) << "the note is audited";
  EXPECT_EQ(h.back().to_state, "FORWARDED");
  EXPECT_EQ(h.back().actor, "hosho-routing");
  EXPECT_NE(h.back().reason.find("道路維持課"), std::string::npos) << h.back().reason;

  auto closed = handoff_->Acknowledge(kRoadClerk, Request(id), "");
  ASSERT_TRUE(closed.ok()) << closed.status();
  EXPECT_EQ(closed->Field("state"), "CLOSED");
  EXPECT_EQ(closed->history.back().actor, "road-maintenance-clerk");
  EXPECT_EQ(EventIds(3, "handoff_recorded"),
            (std::vector<std::string>{id + ":concluded", id + ":forwarded", id + ":closed"}));

  // The same step again by the same office answers with the case as it is; nothing changes.
  const int64_t version = Version(id);
  auto again = handoff_->Conclude(kContractClerk, Request(id), "");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(Version(id), version);
}

TEST_F(HandoffTest, EveryStepIsRefusedOutsideTheOfficeConcerned) {
  const std::string contract = RoutedCase("HS-B", hosho::v1::GUARANTEE_KIND_CONTRACT);
  const std::string advance = RoutedCase("HS-C", hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT);
  const int64_t before = Version(contract);
  for (const Principal& who : {kRoadClerk, kOperator, kSubmitter}) {
    auto refused = handoff_->Conclude(who, Request(contract), "");
    EXPECT_TRUE(absl::IsNotFound(refused.status())) << who.name << ": " << refused.status();
    EXPECT_EQ(Code(refused.status()), "CASE_NOT_FOUND");
  }
  EXPECT_EQ(Code(handoff_->HandOffPayment(kContractClerk, Request(advance), "").status()), "CASE_NOT_FOUND");
  EXPECT_EQ(Code(handoff_->Conclude(kContractClerk, Request("HS-NONE"), "").status()), "CASE_NOT_FOUND");
  // The right office, the wrong step.
  auto wrong = handoff_->HandOffPayment(kContractClerk, Request(contract), "");
  EXPECT_TRUE(absl::IsFailedPrecondition(wrong.status())) << wrong.status();
  EXPECT_EQ(Code(wrong.status()), "HANDOFF_WRONG_STATE");
  EXPECT_EQ(Code(handoff_->Acknowledge(kContractClerk, Request(contract), "").status()), "HANDOFF_WRONG_STATE");
  EXPECT_EQ(Version(contract), before) << "refusals change nothing";
  EXPECT_EQ(Code(handoff_->Conclude(kContractClerk, Request(""), "").status()), "CASE_ID_MISSING");
  EXPECT_EQ(Code(handoff_->Conclude(kContractClerk, Request(contract, "備考\x1b[31m"), "").status()),
            "TEXT_CONTROL_CHARACTERS");
  // After the forward, the ordering office no longer holds the case.
  ASSERT_TRUE(handoff_->Conclude(kContractClerk, Request(contract), "").ok());
  EXPECT_EQ(Code(handoff_->Acknowledge(kContractClerk, Request(contract), "").status()), "CASE_NOT_FOUND");
  EXPECT_EQ(accounting_.calls, 0);
}

TEST_F(HandoffTest, AStaleVersionIsAbortedAndChangesNothing) {
  const std::string id = RoutedCase("HS-V", hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT);
  auto request = Request(id);
  request.set_expected_version(Version(id) - 1);
  auto stale = handoff_->HandOffPayment(kRoadClerk, request, "");
  EXPECT_TRUE(absl::IsAborted(stale.status())) << stale.status();
  EXPECT_EQ(Code(stale.status()), "VERSION_MISMATCH");
  EXPECT_EQ(accounting_.calls, 0) << "accounting is not called for a stale request";
  request.set_expected_version(Version(id));
  EXPECT_TRUE(handoff_->HandOffPayment(kRoadClerk, request, "").ok());
}

TEST_F(HandoffTest, APaymentHandoffCallsAccountingWithTheLegalDeadlineOnceAndCloses) {
  const std::string id = RoutedCase("HS-P", hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT);
  accounting_.down = true;
  auto refused = handoff_->HandOffPayment(kRoadClerk, Request(id), "");
  EXPECT_TRUE(absl::IsUnavailable(refused.status())) << refused.status();
  EXPECT_EQ(Code(refused.status()), "ACCOUNTING_UNAVAILABLE");
  EXPECT_EQ(State(id), "ROUTED") << "nothing is recorded while accounting is away";
  accounting_.down = false;
  auto closed = handoff_->HandOffPayment(kRoadClerk, Request(id, "請求書受領済み"), "");
  ASSERT_TRUE(closed.ok()) << closed.status();
  EXPECT_EQ(closed->Field("state"), "CLOSED");
  EXPECT_EQ(accounting_.calls, 2);
  EXPECT_EQ(accounting_.last.handoff_id(), id + ":handed-off");
  EXPECT_EQ(accounting_.last.amount_yen(), 4'000'000);
  EXPECT_EQ(accounting_.last.guarantee_number(), "DS-" + id);
  EXPECT_EQ(FromProto(accounting_.last.pay_by()), received_ + absl::Hours(24 * 14)) << "14 days from the request";
  const auto& h = closed->history;
  EXPECT_EQ(h[h.size() - 2].to_state, "PAYMENT_HANDED_OFF");
  EXPECT_NE(h[h.size() - 2].reason.find("ACC-1"), std::string::npos) << h[h.size() - 2].reason;
  auto again = handoff_->HandOffPayment(kRoadClerk, Request(id), "");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(accounting_.calls, 2) << "a repeat answers from the record, accounting is not called again";
  auto events = testing::ReadTopic(kafka_, producer_.get(), topics::kRoutings, 1, "payment_handoff_requested", "r");
  ASSERT_GE(events.size(), 1u);
  auto envelope = *ParseEnvelope(events[0]);
  EXPECT_EQ(envelope.payment_handoff_requested().accounting_reference(), "ACC-1");
  EXPECT_EQ(FromProto(envelope.payment_handoff_requested().pay_by()), received_ + absl::Hours(24 * 14));
}

TEST_F(HandoffTest, AWithdrawalNeedsAReasonAndSomeoneEntitled) {
  const std::string id = RoutedCase("HS-W", hosho::v1::GUARANTEE_KIND_CONTRACT);
  EXPECT_EQ(Code(handoff_->WithdrawCase(kContractClerk, Request(id), "").status()), "WITHDRAW_REASON_MISSING");
  EXPECT_EQ(Code(handoff_->WithdrawCase(kOtherSubmitter, Request(id, "誤送信"), "").status()), "CASE_NOT_FOUND");
  EXPECT_EQ(Code(handoff_->WithdrawCase(kRoadClerk, Request(id, "誤送信"), "").status()), "CASE_NOT_FOUND");
  auto withdrawn = handoff_->WithdrawCase(kSubmitter, Request(id, "誤って提出しました"), "");
  ASSERT_TRUE(withdrawn.ok()) << withdrawn.status();
  EXPECT_EQ(withdrawn->Field("state"), "WITHDRAWN");
  EXPECT_EQ(withdrawn->history.back().actor, "tester");
  EXPECT_EQ(Code(handoff_->Conclude(kContractClerk, Request(id), "").status()), "HANDOFF_WRONG_STATE");
  const std::string other = RoutedCase("HS-W2", hosho::v1::GUARANTEE_KIND_CONTRACT);
  EXPECT_TRUE(handoff_->WithdrawCase(kOperator, Request(other, "重複案件"), "").ok());
}

TEST_F(HandoffTest, AnUnknownDepartmentIsForwardedToTheOperatorsQueue) {
  const std::string id = RoutedCase("HS-U", hosho::v1::GUARANTEE_KIND_CONTRACT, "no-such-office");
  auto concluded = handoff_->Conclude(kContractClerk, Request(id), "");
  ASSERT_TRUE(concluded.ok()) << concluded.status();
  EXPECT_EQ(concluded->Field("office"), "operators");
  EXPECT_NE(concluded->history.back().reason.find("運用担当"), std::string::npos);
  const std::string advance = RoutedCase("HS-U2", hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT, "");
  EXPECT_EQ(cases_->Get(advance)->Field("office"), "operators") << "routed to operators, never nowhere";
}

TEST_F(HandoffTest, HandoffDeadlinesAreEscalatedOnceEachWithTwoSweepers) {
  const std::string late = RoutedCase("HS-D", hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT);
  const std::string prompt = RoutedCase("HS-E", hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT);
  RoutingWorker replica(cases_.get(), cases_.get(), producer_.get(), &clock_, &policy_, absl::Seconds(3));
  auto sweep_both = [&] {
    absl::StatusOr<int> a, b;
    std::thread ta([&] { a = worker_->SweepDeadlines(); });
    std::thread tb([&] { b = replica.SweepDeadlines(); });
    ta.join();
    tb.join();
    EXPECT_TRUE(a.ok() && b.ok());
    return (a.ok() ? *a : 0) + (b.ok() ? *b : 0);
  };
  // The reminder is due 3 days before the 14-day deadline.
  const absl::Time warn_at = received_ + absl::Hours(24 * 11);
  clock_.Advance(warn_at - clock_.Now() - absl::Minutes(1));
  EXPECT_EQ(sweep_both(), 0) << "not yet";
  ASSERT_TRUE(handoff_->HandOffPayment(kRoadClerk, Request(prompt), "").ok()) << "this one is handed off in time";
  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(sweep_both(), 1) << "one reminder between the two sweepers";
  EXPECT_EQ(sweep_both(), 0) << "and none later";
  clock_.Advance(absl::Hours(24 * 3));
  EXPECT_EQ(sweep_both(), 1) << "one breach at the deadline";
  EXPECT_EQ(sweep_both(), 0);
  int reminders = 0;
  int breaches = 0;
  const CaseRecord late_record = *cases_->Get(late);
  for (const auto& h : late_record.history) {
    reminders += h.reason.find("近づいています") != std::string::npos ? 1 : 0;
    breaches += h.reason.find("過ぎました") != std::string::npos ? 1 : 0;
  }
  EXPECT_EQ(reminders, 1);
  EXPECT_EQ(breaches, 1);
  const CaseRecord prompt_record = *cases_->Get(prompt);
  for (const auto& h : prompt_record.history) EXPECT_EQ(h.reason.find("督促"), std::string::npos);
  // A sweeper that finds the note already taken re-sends the same event (it cannot know whether the
  // other one's send succeeded); the id is the same, so consumers apply it once.
  auto ids = EventIds(2, "handoff_escalated");
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()),
            (std::set<std::string>{late + ":escalated:handoff-breach", late + ":escalated:handoff-warn"}));
}

TEST_F(HandoffTest, AStepWhoseEventsMissedKafkaIsRepublishedBySweeper) {
  const std::string id = RoutedCase("HS-R", hosho::v1::GUARANTEE_KIND_CONTRACT);
  ASSERT_TRUE(broker_->SetBrokerDown().ok());
  auto concluded = handoff_->Conclude(kContractClerk, Request(id), "");
  EXPECT_FALSE(concluded.ok()) << "the answer waits for Kafka; it did not store the events";
  EXPECT_EQ(State(id), "FORWARDED") << "the transition itself is recorded";
  ASSERT_TRUE(broker_->SetBrokerUp().ok());
  EXPECT_EQ(*worker_->RepublishPending(), 0) << "not due yet: the step may still be publishing";
  clock_.Advance(absl::Seconds(31));
  EXPECT_EQ(*worker_->RepublishPending(), 1);
  EXPECT_EQ(*worker_->RepublishPending(), 0);
  auto ids = EventIds(2, "handoff_recorded");
  EXPECT_NE(std::find(ids.begin(), ids.end(), id + ":concluded"), ids.end());
  EXPECT_NE(std::find(ids.begin(), ids.end(), id + ":forwarded"), ids.end());
}

}  // namespace
}  // namespace hosho
