#include "services/verification/verification_worker.h"

#include <deque>

#include "gtest/gtest.h"
#include "services/common/domain/events.h"
#include "tests/support/case_steps.h"
#include "tests/support/fake_case_store.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_producer.h"

namespace hosho {
namespace {

using hosho::events::v1::Envelope;

constexpr char kCase[] = "case-verify-1";
const absl::Time kReceived = absl::FromUnixSeconds(1'790'000'000);

// A platform that answers from a script, one answer per look-up (a real platform cannot be told to
// be away for exactly one look-up; tests/integration/connector_outage_test.cc stops the real one).
class ScriptedConnector final : public PlatformConnector {
 public:
  absl::StatusOr<hosho::v1::CertificateRecord> Lookup(hosho::v1::Platform, const std::string& credential) override {
    credentials.push_back(credential);
    if (answers.empty()) return absl::NotFoundError("no certificate");
    absl::Status next = answers.front();
    answers.pop_front();
    return next;
  }
  std::deque<absl::Status> answers;
  std::vector<std::string> credentials;
};

// The case as intake creates it: RECEIVED, the submission kept under its event id.
TransitionRequest Created(const Envelope& submitted) {
  TransitionRequest t;
  t.case_id = kCase;
  t.event_id = submitted.event_id();
  t.to_state = hosho::v1::CASE_STATE_RECEIVED;
  t.actor = "hosho-intake";
  t.at = kReceived;
  t.payload = submitted.SerializeAsString();
  return t;
}

class VerificationWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The case as intake leaves it: RECEIVED, with the submission kept under its event id.
    hosho::v1::DSureCredential plaintext;
    plaintext.set_guarantee_number("G-1");
    plaintext.set_authentication_key("secret-key-1");
    Envelope submitted;
    submitted.set_event_id(absl::StrCat(kCase, ":submitted"));
    submitted.set_case_id(kCase);
    auto* s = submitted.mutable_submission_received();
    s->set_kind(hosho::v1::GUARANTEE_KIND_CONTRACT);
    s->mutable_contract()->set_contract_id("K-1");
    s->mutable_contract()->set_ordering_office("contract-division");
    *s->mutable_received_at() = ToProto(kReceived);
    s->mutable_credential()->set_platform(hosho::v1::PLATFORM_D_SURE);
    *s->mutable_credential()->mutable_secret() = *sealer_.Seal(plaintext.SerializeAsString(), kCase);
    submission_ = submitted;
    ASSERT_TRUE(store_.Apply(Created(submitted)).ok());
  }
  KafkaRecord Submitted() const {
    OutgoingRecord out = ToRecord(topics::kSubmissions, submission_, "");
    return KafkaRecord{out.topic, 0, 3, out.key, out.value, out.headers, kReceived};
  }
  std::vector<Envelope> Verdicts() const {
    std::vector<Envelope> out;
    for (const OutgoingRecord& r : producer_.sent()) {
      Envelope e;
      EXPECT_TRUE(e.ParseFromString(r.value));
      if (e.has_verification_completed()) out.push_back(e);
    }
    return out;
  }

  Sealer sealer_{*KeyRing::FromYaml(KeyRing::GenerateYaml("k1"))};
  Envelope submission_;
  testing::FakeCaseStore store_;
  testing::FakeProducer producer_;
  ScriptedConnector connector_;
  FakeClock clock_{kReceived + absl::Seconds(1)};
  VerificationWorker worker_{
      &store_, &producer_, &sealer_, &connector_, &clock_, VerificationPolicy{}, VerificationOptions{}};
};

TEST_F(VerificationWorkerTest, TheConnectorsAnswerIsOneVerdictPublishedOnce) {
  ASSERT_EQ(worker_.Handle(Submitted()).outcome, RecordOutcome::kDone);
  ASSERT_EQ(worker_.Handle(Submitted()).outcome, RecordOutcome::kDone) << "a redelivery";

  EXPECT_EQ(connector_.credentials.size(), 1u) << "the platform is asked once";
  const std::string state = *store_.GetState(kCase);
  EXPECT_TRUE(state == "VERIFIED" || state == "RETURNED" || state == "NEEDS_REVIEW") << state;
  const auto verdicts = Verdicts();
  ASSERT_EQ(verdicts.size(), 2u) << "the first verdict, and the same event again for the redelivery";
  EXPECT_EQ(verdicts[0].event_id(), absl::StrCat(kCase, ":verified"));
  EXPECT_EQ(verdicts[1].SerializeAsString(), verdicts[0].SerializeAsString());
  EXPECT_TRUE(store_.Timer(VerificationWorker::kSlaTimer).empty()) << "decided: no escalation";
}

TEST_F(VerificationWorkerTest, APlatformAwayLeavesTheCaseWaitingWithATimerAndNoVerdict) {
  connector_.answers = {absl::UnavailableError("D-Sure is away")};
  ASSERT_EQ(worker_.Handle(Submitted()).outcome, RecordOutcome::kDone) << "the record is done; the case waits";

  auto record = *store_.Get(kCase);
  EXPECT_EQ(record.Field("state"), "VERIFYING");
  EXPECT_EQ(record.Field("platform_waits"), "1");
  EXPECT_NE(record.Field("waiting_reason"), "");
  EXPECT_EQ(store_.Timer(VerificationWorker::kWaitTimer).count(kCase), 1u);
  EXPECT_TRUE(Verdicts().empty());
}

TEST_F(VerificationWorkerTest, AStoreOutageWhileResumingKeepsTheCaseWaitingUntilTheNextRound) {
  connector_.answers = {absl::UnavailableError("D-Sure is away")};
  ASSERT_EQ(worker_.Handle(Submitted()).outcome, RecordOutcome::kDone);
  clock_.Advance(absl::Minutes(2));

  // DueTimers answers, then reading the stored submission fails: the timer must stay (a case once
  // stayed VERIFYING for good when it was dropped here).
  store_.Refuse(1, /*after=*/1);
  EXPECT_TRUE(absl::IsUnavailable(worker_.ResumeDue().status()));
  EXPECT_EQ(store_.Timer(VerificationWorker::kWaitTimer).count(kCase), 1u);
  EXPECT_TRUE(Verdicts().empty());

  EXPECT_EQ(*worker_.ResumeDue(), 1);
  EXPECT_EQ(Verdicts().size(), 1u);
  EXPECT_TRUE(store_.Timer(VerificationWorker::kWaitTimer).empty());
  EXPECT_EQ(connector_.credentials.size(), 2u);
}

// A waiting case found behind VERIFYING (the store lost writes) keeps its timer and does not hold
// back the other waiting cases of the round.
TEST_F(VerificationWorkerTest, AWaitingCaseBehindItsStepKeepsItsTimerAndTheOthersStillResume) {
  connector_.answers = {absl::UnavailableError("D-Sure is away")};
  ASSERT_EQ(worker_.Handle(Submitted()).outcome, RecordOutcome::kDone);
  const std::string behind = "case-verification-behind";
  Envelope submitted = submission_;
  submitted.set_case_id(behind);
  submitted.set_event_id(absl::StrCat(behind, ":submitted"));
  TransitionRequest creation = Created(submitted);
  creation.case_id = behind;
  ASSERT_TRUE(testing::CreateAt(store_, creation, hosho::v1::CASE_STATE_AWAITING_VERIFICATION).ok());
  ASSERT_TRUE(store_.AddTimer(VerificationWorker::kWaitTimer, behind, kReceived).ok());  // due first
  clock_.Advance(absl::Minutes(2));

  auto resumed = worker_.ResumeDue();
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(*resumed, 1);
  EXPECT_EQ(Verdicts().size(), 1u);
  EXPECT_EQ(Verdicts()[0].case_id(), kCase);
  EXPECT_EQ(*store_.GetState(behind), "AWAITING_VERIFICATION");
  EXPECT_EQ(store_.Timer(VerificationWorker::kWaitTimer).count(behind), 1u);
  EXPECT_EQ(store_.Timer(VerificationWorker::kWaitTimer).count(kCase), 0u);
}

TEST_F(VerificationWorkerTest, AStoreOutageWhenRecordingTheVerdictPublishesNothingAndTheRetryDecidesOnce) {
  // A store of its own, so that the refusal lands on the verdict's Apply exactly.
  testing::FakeCaseStore fresh;
  ASSERT_TRUE(fresh.Apply(Created(submission_)).ok());
  testing::FakeProducer producer;
  VerificationWorker worker{
      &fresh, &producer, &sealer_, &connector_, &clock_, VerificationPolicy{}, VerificationOptions{}};
  fresh.Refuse(1, /*after=*/3);  // AddTimer(SLA), ApplyAll(queued, verifying), Get answer; Apply(verdict) fails
  const RecordResult outage = worker.Handle(Submitted());
  EXPECT_EQ(outage.outcome, RecordOutcome::kRetry) << outage;
  EXPECT_TRUE(absl::IsUnavailable(outage.error)) << outage;
  EXPECT_EQ(*fresh.GetState(kCase), "VERIFYING");
  EXPECT_TRUE(producer.sent().empty());

  ASSERT_EQ(worker.Handle(Submitted()).outcome, RecordOutcome::kDone);
  auto record = fresh.Get(kCase);
  ASSERT_TRUE(record.ok()) << record.status();
  int verdicts = 0;
  for (const HistoryRecord& h : record->history) verdicts += h.event_id == absl::StrCat(kCase, ":verified");
  EXPECT_EQ(verdicts, 1);
  EXPECT_EQ(producer.sent().size(), 1u);
}

TEST_F(VerificationWorkerTest, ACaseThatMovedOnIsSkippedWithTheStateItFound) {
  testing::FakeCaseStore fresh;
  ASSERT_TRUE(testing::CreateAt(fresh, Created(submission_), hosho::v1::CASE_STATE_WITHDRAWN).ok());
  testing::FakeProducer producer;
  VerificationWorker worker{
      &fresh, &producer, &sealer_, &connector_, &clock_, VerificationPolicy{}, VerificationOptions{}};
  const RecordResult skipped = worker.Handle(Submitted());
  ASSERT_EQ(skipped.outcome, RecordOutcome::kSkipped) << skipped;
  EXPECT_NE(skipped.reason.find("WITHDRAWN"), std::string::npos) << "the state it found: " << skipped;
  EXPECT_EQ(*fresh.GetState(kCase), "WITHDRAWN");
  EXPECT_TRUE(connector_.credentials.empty());
  EXPECT_TRUE(producer.sent().empty());
}

TEST_F(VerificationWorkerTest, ARecordThatIsNotAnEnvelopeIsDeadLetteredAtOnce) {
  KafkaRecord garbage = Submitted();
  garbage.value = "not a protobuf \xFF\xFF";
  const RecordResult refused = worker_.Handle(garbage);
  EXPECT_EQ(refused.outcome, RecordOutcome::kDeadLetter) << refused;
  EXPECT_TRUE(absl::IsInvalidArgument(refused.error)) << refused;
  EXPECT_EQ(*store_.GetState(kCase), "RECEIVED");
  EXPECT_TRUE(producer_.sent().empty());
}

TEST_F(VerificationWorkerTest, APermanentConnectorErrorGivesTheCaseToClerksAndDeadLettersTheRecord) {
  connector_.answers = {absl::PermissionDeniedError("the platform refused hosho's credentials")};
  const RecordResult handed = worker_.Handle(Submitted());
  EXPECT_EQ(handed.outcome, RecordOutcome::kDeadLetter) << handed;
  EXPECT_TRUE(absl::IsPermissionDenied(handed.error)) << "the platform's own error goes to the DLQ: " << handed;
  EXPECT_EQ(*store_.ListTasks("contract-division", 10, 0), std::vector<std::string>{kCase});
  EXPECT_TRUE(Verdicts().empty());
}

TEST_F(VerificationWorkerTest, APlatformWithoutTheConnectorQueuesTheCaseForAClerk) {
  VerificationOptions options;
  options.connector_platforms.clear();
  VerificationWorker clerks_only{&store_, &producer_, &sealer_, &connector_, &clock_, VerificationPolicy{}, options};
  ASSERT_EQ(clerks_only.Handle(Submitted()).outcome, RecordOutcome::kDone);
  ASSERT_EQ(clerks_only.Handle(Submitted()).outcome, RecordOutcome::kDone);

  EXPECT_EQ(*store_.GetState(kCase), "AWAITING_VERIFICATION");
  EXPECT_EQ(*store_.ListTasks("contract-division", 10, 0), std::vector<std::string>{kCase});
  EXPECT_TRUE(connector_.credentials.empty());
  EXPECT_TRUE(Verdicts().empty());
  ASSERT_EQ(producer_.sent().size(), 2u) << "the queueing event, and the same again for the redelivery";
}

TEST_F(VerificationWorkerTest, TheDeadlineSweepEscalatesOnceAndKeepsItsTimerThroughAStoreOutage) {
  VerificationOptions options;
  options.connector_platforms.clear();  // the case waits for a clerk past the escalation time
  VerificationWorker clerks_only{&store_, &producer_, &sealer_, &connector_, &clock_, VerificationPolicy{}, options};
  ASSERT_EQ(clerks_only.Handle(Submitted()).outcome, RecordOutcome::kDone);
  EXPECT_EQ(*clerks_only.SweepDeadlines(), 0) << "not due yet";
  clock_.Set(kReceived + options.sla - options.escalate_before + absl::Minutes(1));

  // DueTimers answers, the case's read fails: the escalation must not be dropped.
  store_.Refuse(1, /*after=*/1);
  EXPECT_TRUE(absl::IsUnavailable(clerks_only.SweepDeadlines().status()));
  EXPECT_EQ(store_.Timer(VerificationWorker::kSlaTimer).count(kCase), 1u);

  EXPECT_EQ(*clerks_only.SweepDeadlines(), 1);
  EXPECT_EQ(*clerks_only.SweepDeadlines(), 0) << "escalated once";
  int escalations = 0;
  for (const OutgoingRecord& r : producer_.sent()) {
    Envelope e;
    ASSERT_TRUE(e.ParseFromString(r.value));
    escalations += e.has_verification_escalated();
  }
  EXPECT_EQ(escalations, 1);
  EXPECT_TRUE(store_.Timer(VerificationWorker::kSlaTimer).empty());
}

}  // namespace
}  // namespace hosho
