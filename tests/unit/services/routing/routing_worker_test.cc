#include "services/routing/routing_worker.h"

#include "gtest/gtest.h"
#include "services/common/domain/events.h"
#include "services/common/kafka/kafka.h"
#include "services/common/runtime/clock.h"
#include "tests/support/case_steps.h"
#include "tests/support/fake_case_store.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_producer.h"

namespace hosho {
namespace {

using hosho::events::v1::Envelope;
using hosho::events::v1::VerificationCompleted;

constexpr char kCase[] = "case-routing-1";
const absl::Time kReceived = absl::FromUnixSeconds(1'790'000'000);

// The rules and offices the repository ships (deploy/routing/rules.yaml, deploy/city/offices.yaml).
RoutingPolicy Shipped() {
  auto policy = LoadRoutingPolicyFiles(std::string(HOSHO_SOURCE_DIR) + "/deploy/routing/rules.yaml",
                                       std::string(HOSHO_SOURCE_DIR) + "/deploy/city/offices.yaml");
  EXPECT_TRUE(policy.ok()) << policy.status();
  return *policy;
}

// What verification publishes for a case: the verdict with the submission it judged.
KafkaRecord Verdict(VerificationCompleted::Verdict verdict, const std::string& case_id = kCase) {
  Envelope e;
  e.set_event_id(absl::StrCat(case_id, ":verified"));
  e.set_case_id(case_id);
  e.set_producer("hosho-verification");
  auto* v = e.mutable_verification_completed();
  v->set_verdict(verdict);
  auto* s = v->mutable_submission();
  s->set_kind(hosho::v1::GUARANTEE_KIND_CONTRACT);
  s->mutable_contract()->set_contract_id("R8-001");
  s->mutable_contract()->set_ordering_office("contract-division");
  s->mutable_contract()->set_department_in_charge("road-maintenance");
  *s->mutable_received_at() = ToProto(kReceived);
  OutgoingRecord out = ToRecord(topics::kVerifications, e, "");
  return KafkaRecord{out.topic, 0, 7, out.key, out.value, out.headers, kReceived};
}

// A step as another service would apply it.
TransitionRequest Step(const std::string& event_id, std::vector<hosho::v1::CaseState> from, hosho::v1::CaseState to,
                       absl::Time at, const std::string& case_id = kCase) {
  TransitionRequest t;
  t.case_id = case_id;
  t.event_id = event_id;
  t.expected_states = std::move(from);
  t.to_state = to;
  t.actor = "test";
  t.at = at;
  return t;
}

class RoutingWorkerTest : public ::testing::Test {
 protected:
  // The case as verification leaves it: VERIFIED.
  void SetUp() override {
    ASSERT_TRUE(testing::CreateAt(store_, Step("created", {}, hosho::v1::CASE_STATE_RECEIVED, kReceived),
                                  hosho::v1::CASE_STATE_VERIFIED)
                    .ok());
  }
  std::vector<Envelope> Published() const {
    std::vector<Envelope> out;
    for (const OutgoingRecord& r : producer_.sent()) {
      Envelope e;
      EXPECT_TRUE(e.ParseFromString(r.value));
      EXPECT_EQ(r.topic, topics::kRoutings);
      out.push_back(e);
    }
    return out;
  }
  int HistoryEntriesTo(const std::string& state) {
    auto record = store_.Get(kCase);
    EXPECT_TRUE(record.ok()) << record.status();
    int n = 0;
    for (const HistoryRecord& h : record->history) n += h.to_state == state && h.from_state != state ? 1 : 0;
    return n;
  }

  testing::FakeCaseStore store_;
  testing::FakeProducer producer_;
  FakeClock clock_{kReceived + absl::Minutes(5)};
  RoutingPolicy policy_ = Shipped();
  RoutingWorker worker_{&store_, &store_, &producer_, &clock_, &policy_};
};

TEST_F(RoutingWorkerTest, AVerifiedCaseIsRoutedOnceWithItsDeadlineTimers) {
  ASSERT_EQ(worker_.Handle(Verdict(VerificationCompleted::VERDICT_VERIFIED)).outcome, RecordOutcome::kDone);

  EXPECT_EQ(*store_.GetState(kCase), "ROUTED");
  const auto published = Published();
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(published[0].event_id(), absl::StrCat(kCase, ":routed"));
  EXPECT_EQ(published[0].routing_decided().office(), "contract-division");
  EXPECT_EQ(published[0].routing_decided().action(), hosho::v1::HANDOFF_ACTION_CONCLUDE_CONTRACT);
  EXPECT_EQ(store_.Timer(kHandoffWarnTimer).at(kCase), kReceived + absl::Hours(24 * 5));
  EXPECT_EQ(store_.Timer(kHandoffBreachTimer).at(kCase), kReceived + absl::Hours(24 * 7));
}

TEST_F(RoutingWorkerTest, ARedeliveredVerdictResendsTheFirstDecisionAndChangesNothing) {
  ASSERT_EQ(worker_.Handle(Verdict(VerificationCompleted::VERDICT_VERIFIED)).outcome, RecordOutcome::kDone);
  clock_.Advance(absl::Hours(1));
  ASSERT_EQ(worker_.Handle(Verdict(VerificationCompleted::VERDICT_VERIFIED)).outcome, RecordOutcome::kDone);

  EXPECT_EQ(HistoryEntriesTo("ROUTED"), 1);
  const auto published = Published();
  ASSERT_EQ(published.size(), 2u);
  EXPECT_EQ(published[1].SerializeAsString(), published[0].SerializeAsString()) << "the stored event, byte for byte";
}

TEST_F(RoutingWorkerTest, AReturnedCaseIsNotRouted) {
  ASSERT_EQ(worker_.Handle(Verdict(VerificationCompleted::VERDICT_RETURNED)).outcome, RecordOutcome::kDone);
  EXPECT_EQ(*store_.GetState(kCase), "VERIFIED");
  EXPECT_TRUE(producer_.sent().empty());
  EXPECT_TRUE(store_.Timer(kHandoffBreachTimer).empty());
}

TEST_F(RoutingWorkerTest, ACaseThatMovedOnIsSkippedWithoutAnEvent) {
  ASSERT_TRUE(
      store_.Apply(Step("withdrawn", {hosho::v1::CASE_STATE_VERIFIED}, hosho::v1::CASE_STATE_WITHDRAWN, kReceived))
          .ok());
  const RecordResult skipped = worker_.Handle(Verdict(VerificationCompleted::VERDICT_VERIFIED));
  ASSERT_EQ(skipped.outcome, RecordOutcome::kSkipped) << skipped;
  EXPECT_NE(skipped.reason.find("WITHDRAWN"), std::string::npos) << "the state it found: " << skipped;
  EXPECT_EQ(*store_.GetState(kCase), "WITHDRAWN");
  EXPECT_TRUE(producer_.sent().empty());
}

// A store that lost its last second of writes holds the case at VERIFYING while the verdict was
// already published: the hop waits for the case to catch up instead of skipping its routing.
TEST_F(RoutingWorkerTest, ACaseBehindItsVerdictIsWaitedForNotSkippedAndRoutedOnceItCatchesUp) {
  const std::string behind = "case-routing-behind";
  ASSERT_TRUE(testing::CreateAt(store_, Step("created", {}, hosho::v1::CASE_STATE_RECEIVED, kReceived, behind),
                                hosho::v1::CASE_STATE_VERIFYING)
                  .ok());
  const RecordResult waiting = worker_.Handle(Verdict(VerificationCompleted::VERDICT_VERIFIED, behind));
  ASSERT_EQ(waiting.outcome, RecordOutcome::kRetry) << waiting;
  EXPECT_TRUE(absl::IsFailedPrecondition(waiting.error)) << waiting;
  EXPECT_NE(waiting.error.message().find("behind the VERIFIED"), std::string::npos) << waiting;
  EXPECT_EQ(*store_.GetState(behind), "VERIFYING");
  EXPECT_TRUE(producer_.sent().empty());
  EXPECT_TRUE(store_.Timer(kHandoffBreachTimer).empty());

  ASSERT_TRUE(store_
                  .Apply(Step(behind + ":verified", {hosho::v1::CASE_STATE_VERIFYING}, hosho::v1::CASE_STATE_VERIFIED,
                              kReceived, behind))
                  .ok());
  ASSERT_EQ(worker_.Handle(Verdict(VerificationCompleted::VERDICT_VERIFIED, behind)).outcome, RecordOutcome::kDone);
  EXPECT_EQ(*store_.GetState(behind), "ROUTED");
  EXPECT_EQ(Published().size(), 1u);
  EXPECT_EQ(store_.Timer(kHandoffBreachTimer).count(behind), 1u);
}

TEST_F(RoutingWorkerTest, ARecordThatIsNotAnEnvelopeIsDeadLetteredAtOnce) {
  KafkaRecord garbage = Verdict(VerificationCompleted::VERDICT_VERIFIED);
  garbage.value = "not a protobuf \xFF\xFF";
  const RecordResult refused = worker_.Handle(garbage);
  EXPECT_EQ(refused.outcome, RecordOutcome::kDeadLetter) << refused;
  EXPECT_EQ(*store_.GetState(kCase), "VERIFIED");
  EXPECT_TRUE(producer_.sent().empty());
}

TEST_F(RoutingWorkerTest, AStoreOutageIsReturnedAndTheRetryRoutesTheCaseOnce) {
  store_.Refuse(1);
  const RecordResult first = worker_.Handle(Verdict(VerificationCompleted::VERDICT_VERIFIED));
  EXPECT_EQ(first.outcome, RecordOutcome::kRetry) << first;
  EXPECT_TRUE(absl::IsUnavailable(first.error)) << first;
  EXPECT_EQ(*store_.GetState(kCase), "VERIFIED");
  EXPECT_TRUE(producer_.sent().empty());

  ASSERT_EQ(worker_.Handle(Verdict(VerificationCompleted::VERDICT_VERIFIED)).outcome, RecordOutcome::kDone);
  EXPECT_EQ(HistoryEntriesTo("ROUTED"), 1);
  EXPECT_EQ(Published().size(), 1u);
}

TEST_F(RoutingWorkerTest, ABrokerThatDoesNotConfirmFailsTheRecordSoItIsRetried) {
  producer_.Refuse(true);
  const RecordResult unconfirmed = worker_.Handle(Verdict(VerificationCompleted::VERDICT_VERIFIED));
  EXPECT_EQ(unconfirmed.outcome, RecordOutcome::kRetry) << unconfirmed;
  EXPECT_TRUE(absl::IsUnavailable(unconfirmed.error)) << unconfirmed;
  producer_.Refuse(false);
  ASSERT_EQ(worker_.Handle(Verdict(VerificationCompleted::VERDICT_VERIFIED)).outcome, RecordOutcome::kDone);
  EXPECT_EQ(HistoryEntriesTo("ROUTED"), 1);
  EXPECT_EQ(Published().size(), 1u);
}

TEST_F(RoutingWorkerTest, TheSweepRemindsThenEscalatesOnceEach) {
  ASSERT_EQ(worker_.Handle(Verdict(VerificationCompleted::VERDICT_VERIFIED)).outcome, RecordOutcome::kDone);
  EXPECT_EQ(*worker_.SweepDeadlines(), 0) << "nothing is due yet";

  clock_.Set(kReceived + absl::Hours(24 * 5) + absl::Minutes(1));
  EXPECT_EQ(*worker_.SweepDeadlines(), 1);
  EXPECT_EQ(*worker_.SweepDeadlines(), 0) << "a reminder is raised once";
  clock_.Set(kReceived + absl::Hours(24 * 7) + absl::Minutes(1));
  EXPECT_EQ(*worker_.SweepDeadlines(), 1);
  EXPECT_EQ(*worker_.SweepDeadlines(), 0);

  const auto published = Published();
  ASSERT_EQ(published.size(), 3u);
  EXPECT_FALSE(published[1].handoff_escalated().breached());
  EXPECT_TRUE(published[2].handoff_escalated().breached());
  EXPECT_EQ(published[2].event_id(), absl::StrCat(kCase, ":escalated:handoff-breach"));
  EXPECT_TRUE(store_.Timer(kHandoffWarnTimer).empty());
  EXPECT_TRUE(store_.Timer(kHandoffBreachTimer).empty());
}

TEST_F(RoutingWorkerTest, AStoreOutageDuringTheSweepKeepsTheTimerForTheNextSweep) {
  ASSERT_EQ(worker_.Handle(Verdict(VerificationCompleted::VERDICT_VERIFIED)).outcome, RecordOutcome::kDone);
  clock_.Set(kReceived + absl::Hours(24 * 7) + absl::Minutes(1));
  // DueTimers answers, then the case's read fails: the escalation must not be dropped.
  for (int refused_call = 2; refused_call <= 3; ++refused_call) {
    store_.Refuse(1, /*after=*/refused_call - 1);
    EXPECT_FALSE(worker_.SweepDeadlines().ok());
    EXPECT_EQ(store_.Timer(kHandoffWarnTimer).size(), 1u) << "refused call " << refused_call;
  }
  EXPECT_EQ(*worker_.SweepDeadlines(), 2) << "the reminder and the breach, each once";
  EXPECT_EQ(Published().size(), 3u);
}

TEST_F(RoutingWorkerTest, ACaseHandedOffInTimeLeavesTheTimersWithoutAnEscalation) {
  ASSERT_EQ(worker_.Handle(Verdict(VerificationCompleted::VERDICT_VERIFIED)).outcome, RecordOutcome::kDone);
  ASSERT_TRUE(store_
                  .Apply(Step("concluded", {hosho::v1::CASE_STATE_ROUTED}, hosho::v1::CASE_STATE_CONTRACT_CONCLUDED,
                              clock_.Now()))
                  .ok());
  clock_.Set(kReceived + absl::Hours(24 * 8));
  EXPECT_EQ(*worker_.SweepDeadlines(), 0);
  EXPECT_EQ(Published().size(), 1u);
  EXPECT_TRUE(store_.Timer(kHandoffWarnTimer).empty());
  EXPECT_TRUE(store_.Timer(kHandoffBreachTimer).empty());
}

TEST_F(RoutingWorkerTest, AnUnreadableCaseIsSkippedAndTheCasesDueAfterItAreStillEscalated) {
  constexpr char kOther[] = "case-routing-2";
  ASSERT_TRUE(testing::CreateAt(store_, Step("created", {}, hosho::v1::CASE_STATE_RECEIVED, kReceived, kOther),
                                hosho::v1::CASE_STATE_VERIFIED)
                  .ok());
  ASSERT_EQ(worker_.Handle(Verdict(VerificationCompleted::VERDICT_VERIFIED)).outcome, RecordOutcome::kDone);
  ASSERT_EQ(worker_.Handle(Verdict(VerificationCompleted::VERDICT_VERIFIED, kOther)).outcome, RecordOutcome::kDone);
  clock_.Set(kReceived + absl::Hours(24 * 7) + absl::Minutes(1));

  // The reminder round reads kCase first (same due time, ordered by id): its record is damaged.
  store_.Refuse(1, /*after=*/1, absl::DataLossError("case store: malformed applied record"));
  EXPECT_EQ(*worker_.SweepDeadlines(), 3) << "kOther's reminder and both breaches";

  std::vector<std::string> escalations;
  for (const Envelope& e : Published()) {
    if (e.has_handoff_escalated()) escalations.push_back(e.event_id());
  }
  EXPECT_EQ(escalations, (std::vector<std::string>{absl::StrCat(kOther, ":escalated:handoff-warn"),
                                                   absl::StrCat(kCase, ":escalated:handoff-breach"),
                                                   absl::StrCat(kOther, ":escalated:handoff-breach")}));
  EXPECT_TRUE(store_.Timer(kHandoffWarnTimer).empty()) << "the unreadable case's timer is dropped, not retried forever";
}

}  // namespace
}  // namespace hosho
