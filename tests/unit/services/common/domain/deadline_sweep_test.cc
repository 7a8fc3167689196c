#include "services/common/domain/deadline_sweep.h"

#include "gtest/gtest.h"
#include "services/common/domain/events.h"
#include "tests/support/case_steps.h"
#include "tests/support/fake_case_store.h"
#include "tests/support/fake_producer.h"

namespace hosho {
namespace {

using hosho::events::v1::Envelope;

constexpr char kTimer[] = "test-deadline";
constexpr char kTopic[] = "hosho.test.v1";
const absl::Time kNow = absl::FromUnixSeconds(1'790'000'000);

// A case created with a stored "source" event (the payload of its creation) and a due timer.
class DeadlineSweepTest : public ::testing::Test {
 protected:
  void Create(const std::string& case_id, hosho::v1::CaseState state) {
    TransitionRequest creation;
    creation.case_id = case_id;
    creation.event_id = case_id + ":source";
    creation.actor = "test";
    creation.at = kNow - absl::Hours(1);
    Envelope source = NewEnvelope(case_id, creation.event_id, "test", creation.at);
    source.mutable_submission_received();
    creation.payload = source.SerializeAsString();
    ASSERT_TRUE(testing::CreateAt(store_, creation, state).ok());
    ASSERT_TRUE(store_.AddTimer(kTimer, case_id, kNow - absl::Minutes(1)).ok());
  }

  // Escalates any case still RECEIVED; counts what it was asked and what was raised first.
  DeadlineSweep Sweep() {
    DeadlineSweep sweep;
    sweep.timer = kTimer;
    sweep.topic = kTopic;
    sweep.source_event_id = [](absl::string_view case_id) { return absl::StrCat(case_id, ":source"); };
    sweep.escalate = [this](const CaseRecord& record, const Envelope& source,
                            absl::Time now) -> std::optional<Escalation> {
      ++asked_;
      if (record.Field("state") != "RECEIVED" || !source.has_submission_received()) return std::nullopt;
      Escalation e;
      e.event = NewEnvelope(record.case_id, record.case_id + ":escalated", "test", now);
      e.event.mutable_verification_escalated()->set_office("contract-division");
      e.note.actor = "test";
      e.note.reason = "期限が近づいています";
      return e;
    };
    sweep.raised = [this](const Escalation&) { ++raised_; };
    return sweep;
  }

  absl::StatusOr<int> Round() { return RunDeadlineSweep(Sweep(), store_, store_, producer_, kNow, 100); }

  int Notes(const std::string& case_id) {
    auto record = store_.Get(case_id);
    EXPECT_TRUE(record.ok());
    int notes = 0;
    for (const HistoryRecord& h : record->history) notes += h.event_id == case_id + ":escalated" ? 1 : 0;
    return notes;
  }

  testing::FakeCaseStore store_;
  testing::FakeProducer producer_;
  int asked_ = 0;
  int raised_ = 0;
};

TEST_F(DeadlineSweepTest, ADueOpenCaseIsEscalatedOnceWithOneNoteAndItsTimerDropped) {
  Create("c-1", hosho::v1::CASE_STATE_RECEIVED);
  auto first = Round();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, 1);
  EXPECT_EQ(raised_, 1);
  EXPECT_EQ(Notes("c-1"), 1);
  ASSERT_EQ(producer_.sent().size(), 1u);
  EXPECT_EQ(producer_.sent()[0].topic, kTopic);
  EXPECT_TRUE(store_.Timer(kTimer).empty());
  auto second = Round();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, 0);
  EXPECT_EQ(producer_.sent().size(), 1u);
}

TEST_F(DeadlineSweepTest, ACaseDecidedInTimeLosesItsTimerAndNothingIsRaised) {
  Create("c-2", hosho::v1::CASE_STATE_AWAITING_VERIFICATION);
  auto round = Round();
  ASSERT_TRUE(round.ok());
  EXPECT_EQ(*round, 0);
  EXPECT_EQ(asked_, 1);
  EXPECT_EQ(Notes("c-2"), 0);
  EXPECT_TRUE(producer_.sent().empty());
  EXPECT_TRUE(store_.Timer(kTimer).empty());
}

TEST_F(DeadlineSweepTest, ABrokerThatDoesNotConfirmKeepsTheTimerAndTheNextRoundSendsTheSameEventRaisedOnce) {
  Create("c-3", hosho::v1::CASE_STATE_RECEIVED);
  producer_.Refuse(true);
  EXPECT_TRUE(absl::IsUnavailable(Round().status()));
  EXPECT_EQ(Notes("c-3"), 1);  // recorded before the send
  EXPECT_EQ(store_.Timer(kTimer).size(), 1u);
  producer_.Refuse(false);
  auto retried = Round();
  ASSERT_TRUE(retried.ok());
  EXPECT_EQ(*retried, 0);  // the note was already there: not raised a second time
  EXPECT_EQ(raised_, 0);
  EXPECT_EQ(Notes("c-3"), 1);
  ASSERT_EQ(producer_.sent().size(), 1u);
  Envelope sent;
  ASSERT_TRUE(sent.ParseFromString(producer_.sent()[0].value));
  EXPECT_EQ(sent.event_id(), "c-3:escalated");
  EXPECT_TRUE(store_.Timer(kTimer).empty());
}

TEST_F(DeadlineSweepTest, AStoreOutageEndsTheRoundWithTheTimerKept) {
  Create("c-4", hosho::v1::CASE_STATE_RECEIVED);
  store_.Refuse(1, /*after=*/1);  // the timers answer; reading the case does not
  EXPECT_TRUE(absl::IsUnavailable(Round().status()));
  EXPECT_EQ(store_.Timer(kTimer).size(), 1u);
  EXPECT_TRUE(producer_.sent().empty());
}

TEST_F(DeadlineSweepTest, ADamagedRecordIsSkippedAndTheNextCaseIsStillEscalated) {
  Create("c-5", hosho::v1::CASE_STATE_RECEIVED);
  Create("c-6", hosho::v1::CASE_STATE_RECEIVED);
  store_.Refuse(1, /*after=*/1, absl::DataLossError("fake store: a damaged record"));
  auto round = Round();
  ASSERT_TRUE(round.ok()) << round.status();
  EXPECT_EQ(*round, 1);
  EXPECT_EQ(producer_.sent().size(), 1u);
  EXPECT_TRUE(store_.Timer(kTimer).empty());  // the damaged one's timer dropped (logged and counted)
}

}  // namespace
}  // namespace hosho
