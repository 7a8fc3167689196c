#include "services/routing/handoff_service.h"

#include <deque>

#include "gtest/gtest.h"
#include "services/common/domain/event_ids.h"
#include "services/common/domain/events.h"
#include "services/routing/routing_worker.h"
#include "tests/support/case_steps.h"
#include "tests/support/fake_case_store.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_producer.h"

namespace hosho {
namespace {

using hosho::events::v1::Envelope;

constexpr char kCase[] = "case-handoff-1";
const absl::Time kReceived = absl::FromUnixSeconds(1'790'000'000);

RoutingPolicy Shipped() {
  auto policy = LoadRoutingPolicyFiles(std::string(HOSHO_SOURCE_DIR) + "/deploy/routing/rules.yaml",
                                       std::string(HOSHO_SOURCE_DIR) + "/deploy/city/offices.yaml");
  EXPECT_TRUE(policy.ok()) << policy.status();
  return *policy;
}

// The city's accounting system, answering from a script (a real one cannot be told to be away for
// exactly one call; tests/integration/handoff_test.cc calls the simulator over gRPC).
class ScriptedAccounting final : public AccountingSystem {
 public:
  absl::StatusOr<std::string> RequestAdvancePayment(const hosho::v1::AdvancePaymentRequest& request) override {
    requests.push_back(request);
    if (!answers.empty()) {
      absl::Status next = answers.front();
      answers.pop_front();
      if (!next.ok()) return next;
    }
    return std::string("ACC-000001");
  }
  std::deque<absl::Status> answers;
  std::vector<hosho::v1::AdvancePaymentRequest> requests;
};

class HandoffServiceTest : public ::testing::Test {
 protected:
  // A verified case of `kind`, routed by the routing worker.
  void Routed(hosho::v1::GuaranteeKind kind) {
    TransitionRequest created;
    created.case_id = kCase;
    created.event_id = "created";
    created.actor = "test";
    created.at = kReceived;
    ASSERT_TRUE(testing::CreateAt(store_, created, hosho::v1::CASE_STATE_VERIFIED).ok());
    Envelope e = NewEnvelope(kCase, event_ids::Verified(kCase), "hosho-verification", kReceived);
    auto* v = e.mutable_verification_completed();
    v->set_verdict(hosho::events::v1::VerificationCompleted::VERDICT_VERIFIED);
    auto* s = v->mutable_submission();
    s->set_kind(kind);
    s->set_requested_amount_yen(4'000'000);
    s->mutable_contract()->set_contract_id("K-1");
    s->mutable_contract()->set_ordering_office("contract-division");
    s->mutable_contract()->set_department_in_charge("road-maintenance");
    *s->mutable_received_at() = ToProto(kReceived);
    OutgoingRecord out = ToRecord(topics::kVerifications, e, "");
    ASSERT_EQ(router_.Handle(KafkaRecord{out.topic, 0, 1, out.key, out.value, out.headers, kReceived}).outcome,
              RecordOutcome::kDone);
    ASSERT_EQ(*store_.GetState(kCase), "ROUTED");
    producer_.Clear();
  }
  hosho::v1::HandoffRequest Request(const std::string& note = "") {
    hosho::v1::HandoffRequest r;
    r.set_case_id(kCase);
    r.set_note(note);
    return r;
  }
  std::vector<std::string> SentIds() const {
    std::vector<std::string> ids;
    for (const OutgoingRecord& r : producer_.sent()) {
      Envelope e;
      EXPECT_TRUE(e.ParseFromString(r.value));
      ids.push_back(e.event_id());
    }
    return ids;
  }
  int StepsTo(const std::string& state) {
    auto record = store_.Get(kCase);
    EXPECT_TRUE(record.ok()) << record.status();
    int n = 0;
    for (const HistoryRecord& h : record->history) n += h.to_state == state && h.from_state != state;
    return n;
  }

  const Principal keiyaku_{"keiyaku-clerk", Role::kClerk, "contract-division"};
  const Principal doro_{"doro-clerk", Role::kClerk, "road-maintenance"};
  testing::FakeCaseStore store_;
  testing::FakeProducer producer_;
  FakeClock clock_{kReceived + absl::Hours(1)};
  RoutingPolicy policy_ = Shipped();
  ScriptedAccounting accounting_;
  RoutingWorker router_{&store_, &store_, &producer_, &clock_, &policy_};
  HandoffServiceImpl service_{&store_, &producer_, nullptr, &clock_, &policy_, &accounting_};
};

TEST_F(HandoffServiceTest, AConclusionForwardsTheCaseOnceAndARepeatOnlyResendsItsEvents) {
  Routed(hosho::v1::GUARANTEE_KIND_CONTRACT);
  auto concluded = service_.Conclude(keiyaku_, Request(), "");
  ASSERT_TRUE(concluded.ok()) << concluded.status();
  EXPECT_EQ(concluded->Field("state"), "FORWARDED");
  EXPECT_EQ(concluded->Field("office"), "road-maintenance");
  EXPECT_EQ(SentIds(), (std::vector<std::string>{event_ids::Concluded(kCase), event_ids::Forwarded(kCase)}));

  auto again = service_.Conclude(keiyaku_, Request(), "");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(StepsTo("CONTRACT_CONCLUDED"), 1);
  EXPECT_EQ(StepsTo("FORWARDED"), 1);
  EXPECT_EQ(SentIds().size(), 4u) << "the same two events again, nothing new";

  auto closed = service_.Acknowledge(doro_, Request(), "");
  ASSERT_TRUE(closed.ok()) << closed.status();
  EXPECT_EQ(closed->Field("state"), "CLOSED");
}

TEST_F(HandoffServiceTest, AnotherOfficeCannotSeeTheCaseAndChangesNothing) {
  Routed(hosho::v1::GUARANTEE_KIND_CONTRACT);
  auto refused = service_.Conclude(doro_, Request(), "");
  EXPECT_TRUE(absl::IsNotFound(refused.status())) << refused.status();
  EXPECT_EQ(*store_.GetState(kCase), "ROUTED");
  EXPECT_TRUE(producer_.sent().empty());
}

TEST_F(HandoffServiceTest, AStoreOutageDuringTheStepRecordsNothingAndTheRetryStepsOnce) {
  Routed(hosho::v1::GUARANTEE_KIND_CONTRACT);
  store_.Refuse(100);
  auto failed = service_.Conclude(keiyaku_, Request(), "");
  EXPECT_TRUE(absl::IsUnavailable(failed.status())) << failed.status();
  store_.Refuse(0);
  EXPECT_EQ(*store_.GetState(kCase), "ROUTED");
  EXPECT_TRUE(producer_.sent().empty());

  ASSERT_TRUE(service_.Conclude(keiyaku_, Request(), "").ok());
  EXPECT_EQ(StepsTo("CONTRACT_CONCLUDED"), 1);
  EXPECT_EQ(SentIds().size(), 2u);
}

TEST_F(HandoffServiceTest, EventsKafkaDidNotConfirmAreSentByTheSweepOnce) {
  Routed(hosho::v1::GUARANTEE_KIND_CONTRACT);
  producer_.Refuse(true);
  EXPECT_TRUE(absl::IsUnavailable(service_.Conclude(keiyaku_, Request(), "").status()));
  producer_.Refuse(false);
  EXPECT_EQ(*store_.GetState(kCase), "FORWARDED") << "the step is recorded whatever Kafka says";
  EXPECT_TRUE(producer_.sent().empty());

  EXPECT_EQ(*router_.RepublishPending(), 0) << "the step's own send may still be under way";
  clock_.Advance(absl::Seconds(31));
  EXPECT_EQ(*router_.RepublishPending(), 1);
  EXPECT_EQ(SentIds(), (std::vector<std::string>{event_ids::Concluded(kCase), event_ids::Forwarded(kCase)}));
  EXPECT_EQ(*router_.RepublishPending(), 0) << "sent once";
}

TEST_F(HandoffServiceTest, APaymentHandoffThatAccountingRefusesChangesNothingAndTheRetryClosesTheCase) {
  Routed(hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT);
  accounting_.answers = {absl::UnavailableError("accounting is away")};
  auto refused = service_.HandOffPayment(doro_, Request(), "");
  EXPECT_TRUE(absl::IsUnavailable(refused.status())) << refused.status();
  EXPECT_EQ(*store_.GetState(kCase), "ROUTED");
  EXPECT_TRUE(producer_.sent().empty());

  auto handed = service_.HandOffPayment(doro_, Request(), "");
  ASSERT_TRUE(handed.ok()) << handed.status();
  EXPECT_EQ(handed->Field("state"), "CLOSED");
  ASSERT_EQ(accounting_.requests.size(), 2u);
  EXPECT_EQ(accounting_.requests[0].handoff_id(), accounting_.requests[1].handoff_id())
      << "one hand-off id: accounting answers a repeat with the same reference";
  EXPECT_EQ(accounting_.requests[1].amount_yen(), 4'000'000);
  EXPECT_EQ(FromProto(accounting_.requests[1].pay_by()), kReceived + absl::Hours(24 * 14)) << "the legal deadline";
  EXPECT_EQ(SentIds(), (std::vector<std::string>{event_ids::HandedOff(kCase), event_ids::Closed(kCase)}));
}

TEST_F(HandoffServiceTest, AWithdrawalNeedsAReasonAndEndsTheCase) {
  Routed(hosho::v1::GUARANTEE_KIND_CONTRACT);
  auto no_reason = service_.WithdrawCase(keiyaku_, Request(), "");
  EXPECT_TRUE(absl::IsInvalidArgument(no_reason.status())) << no_reason.status();
  EXPECT_EQ(*store_.GetState(kCase), "ROUTED");

  auto withdrawn = service_.WithdrawCase(keiyaku_, Request("契約を解除したため"), "");
  ASSERT_TRUE(withdrawn.ok()) << withdrawn.status();
  EXPECT_EQ(withdrawn->Field("state"), "WITHDRAWN");
  EXPECT_EQ(*store_.CountEnded("contract-division", "WITHDRAWN", absl::InfinitePast()), 1);
  EXPECT_TRUE(absl::IsFailedPrecondition(service_.Conclude(keiyaku_, Request(), "").status()));
}

}  // namespace
}  // namespace hosho
