#include "services/notification/delivery.h"

#include <deque>
#include <functional>
#include <map>

#include "gtest/gtest.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_delivery_store.h"

namespace hosho {
namespace {

// A channel that answers what the test queued, and may take time (on the fake clock).
class ScriptedChannel : public DeliveryChannel {
 public:
  explicit ScriptedChannel(FakeClock* clock) : clock_(clock) {}
  absl::Status Send(const DeliveryRecord& d, const hosho::v1::Notice&, const AcceptedCallback& accepted) override {
    sent.push_back(d.id);
    clock_->Advance(takes);
    if (answers.empty()) {
      if (report_acceptance) accepted();
      return absl::OkStatus();
    }
    absl::Status s = answers.front();
    answers.pop_front();
    return s;
  }
  bool report_acceptance = false;
  std::deque<absl::Status> answers;
  std::vector<std::string> sent;
  absl::Duration takes = absl::ZeroDuration();

 private:
  FakeClock* clock_;
};

class DispatcherTest : public ::testing::Test {
 protected:
  void Enqueue(const std::string& id) {
    DeliveryRecord d;
    d.id = id;
    d.channel = "email";
    d.target = "a@b.example";
    hosho::v1::Notice n;
    n.set_delivery_id(id);
    d.payload = n.SerializeAsString();
    ASSERT_TRUE(store_.Enqueue({d}, clock_.Now()).ok());
  }
  DispatchOptions Options() {
    DispatchOptions o;
    o.lease = absl::Seconds(60);
    o.initial_backoff = absl::Seconds(5);
    o.max_backoff = absl::Seconds(30);
    o.max_attempts = 4;
    o.batch = 10;
    return o;
  }
  FakeClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  testing::FakeDeliveryStore store_;
  ScriptedChannel channel_{&clock_};
};

TEST_F(DispatcherTest, ARetryableFailureBacksOffDoublingThenGivesUp) {
  Enqueue("n1:email");
  DeliveryDispatcher dispatcher(&store_, &clock_, {{"email", &channel_}}, Options());
  for (int i = 0; i < 4; ++i) channel_.answers.push_back(absl::UnavailableError("smtp: 451"));
  std::vector<absl::Duration> waits;
  for (int round = 0; round < 4; ++round) {
    ASSERT_EQ(*dispatcher.RunOnce(), 1);
    const auto& d = store_.records.at("n1:email");
    waits.push_back(d.next_attempt_at - clock_.Now());
    EXPECT_EQ(*dispatcher.RunOnce(), 0) << "not due before its backoff";
    clock_.Advance(waits.back());
  }
  EXPECT_EQ(waits[0], absl::Seconds(5));
  EXPECT_EQ(waits[1], absl::Seconds(10));
  EXPECT_EQ(waits[2], absl::Seconds(20));
  const auto& d = store_.records.at("n1:email");
  EXPECT_EQ(d.state, DeliveryRecord::State::kFailed) << "given up after max_attempts";
  EXPECT_EQ(d.attempts, 4);
  EXPECT_EQ(d.last_error, "smtp: 451");
  EXPECT_EQ(*dispatcher.RunOnce(), 0);
}

TEST_F(DispatcherTest, APermanentRefusalIsGivenUpAtOnceAndSuccessIsRecorded) {
  Enqueue("n1:email");
  Enqueue("n2:email");
  channel_.answers = {absl::FailedPreconditionError("smtp: 550"), absl::OkStatus()};
  DeliveryDispatcher dispatcher(&store_, &clock_, {{"email", &channel_}}, Options());
  EXPECT_EQ(*dispatcher.RunOnce(), 2);
  EXPECT_EQ(store_.records.at("n1:email").state, DeliveryRecord::State::kFailed);
  EXPECT_EQ(store_.records.at("n1:email").attempts, 1);
  EXPECT_EQ(store_.records.at("n2:email").state, DeliveryRecord::State::kDelivered);
  clock_.Advance(absl::Hours(1));
  EXPECT_EQ(*dispatcher.RunOnce(), 0) << "nothing is sent twice";
  EXPECT_EQ(channel_.sent.size(), 2u);
}

TEST_F(DispatcherTest, AnUnknownChannelOrAnUnreadableNoticeFailsVisibly) {
  DeliveryRecord d;
  d.id = "n1:fax";
  d.channel = "fax";
  ASSERT_TRUE(store_.Enqueue({d}, clock_.Now()).ok());
  DeliveryDispatcher dispatcher(&store_, &clock_, {{"email", &channel_}}, Options());
  EXPECT_EQ(*dispatcher.RunOnce(), 1);
  EXPECT_EQ(store_.records.at("n1:fax").state, DeliveryRecord::State::kFailed);
  EXPECT_NE(store_.records.at("n1:fax").last_error.find("not configured"), std::string::npos);
}

TEST_F(DispatcherTest, ASlowServerEndsTheRoundBeforeTheLeaseRunsOut) {
  for (int i = 0; i < 5; ++i) Enqueue("n" + std::to_string(i) + ":email");
  channel_.takes = absl::Seconds(20);  // lease 60 s: after two sends half of it is gone
  DeliveryDispatcher dispatcher(&store_, &clock_, {{"email", &channel_}}, Options());
  EXPECT_EQ(*dispatcher.RunOnce(), 2);
  EXPECT_EQ(channel_.sent.size(), 2u) << "the rest are left to their lease, not sent late";
  clock_.Advance(absl::Seconds(60));
  EXPECT_EQ(*dispatcher.RunOnce(), 2);
}

TEST_F(DispatcherTest, AnAttemptLeftWithoutAnOutcomeIsSentAgainAndRecordedAsAPossibleRepeat) {
  Enqueue("n1:email");
  Enqueue("n2:email");
  // A sender that died after beginning n1's attempt (the mail may have gone out): the attempt is
  // open and the lease runs out.
  ASSERT_EQ(*store_.BeginAttempt("n1:email", clock_.Now()), DeliveryStore::AttemptStart::kFirst);
  DeliveryDispatcher dispatcher(&store_, &clock_, {{"email", &channel_}}, Options());
  EXPECT_EQ(*dispatcher.RunOnce(), 2);
  const auto& n1 = store_.records.at("n1:email");
  EXPECT_EQ(n1.state, DeliveryRecord::State::kDelivered);
  EXPECT_EQ(n1.attempts, 2) << "the lost attempt counts";
  EXPECT_EQ(n1.possible_repeats, 1);
  const auto& n2 = store_.records.at("n2:email");
  EXPECT_EQ(n2.attempts, 1);
  EXPECT_EQ(n2.possible_repeats, 0) << "a first attempt is no repeat";
  const hosho::v1::Delivery shown = ToProto(n1);
  EXPECT_EQ(shown.possible_repeats(), 1) << "ListNotices shows the repeat";
  EXPECT_EQ(shown.attempts(), 2);
}

TEST_F(DispatcherTest, AFailedAttemptIsConcludedSoItsRetryIsNoRepeat) {
  Enqueue("n1:email");
  channel_.answers = {absl::UnavailableError("smtp: 421")};
  DeliveryDispatcher dispatcher(&store_, &clock_, {{"email", &channel_}}, Options());
  EXPECT_EQ(*dispatcher.RunOnce(), 1);
  clock_.Advance(absl::Seconds(5));
  EXPECT_EQ(*dispatcher.RunOnce(), 1);
  const auto& d = store_.records.at("n1:email");
  EXPECT_EQ(d.state, DeliveryRecord::State::kDelivered);
  EXPECT_EQ(d.attempts, 2);
  EXPECT_EQ(d.possible_repeats, 0);
}

TEST_F(DispatcherTest, ADeliveryAnotherReplicaFinishedAfterTheLeaseIsNotSent) {
  Enqueue("n1:email");
  // Between this sender's lease and its send, another replica (whose lease came first) records it.
  store_.after_lease = [this] { ASSERT_TRUE(store_.MarkDelivered("n1:email", clock_.Now()).ok()); };
  DeliveryDispatcher dispatcher(&store_, &clock_, {{"email", &channel_}}, Options());
  EXPECT_EQ(*dispatcher.RunOnce(), 1);
  EXPECT_TRUE(channel_.sent.empty()) << "BeginAttempt finds it no longer pending";
  EXPECT_EQ(store_.records.at("n1:email").attempts, 0);
}

TEST_F(DispatcherTest, TheSuccessIsRecordedWhenTheChannelReportsAcceptanceNotAfterItsTidyUp) {
  Enqueue("n1:email");
  channel_.report_acceptance = true;
  DeliveryDispatcher dispatcher(&store_, &clock_, {{"email", &channel_}}, Options());
  EXPECT_EQ(*dispatcher.RunOnce(), 1);
  EXPECT_EQ(store_.records.at("n1:email").state, DeliveryRecord::State::kDelivered);
  EXPECT_EQ(store_.delivered_marks, 1) << "recorded once, inside the acceptance";
}

TEST_F(DispatcherTest, ADeliveryTheStoreCouldNotRecordAtOnceIsRecordedWhenItComesBackAndNotSentAgain) {
  Enqueue("n1:email");
  channel_.report_acceptance = true;
  store_.marks_refused = 3;  // Redis away for 100 + 200 + 400 ms of the 60 s lease
  DeliveryDispatcher dispatcher(&store_, &clock_, {{"email", &channel_}}, Options());
  const absl::Time start = clock_.Now();
  EXPECT_EQ(*dispatcher.RunOnce(), 1);
  const auto& d = store_.records.at("n1:email");
  EXPECT_EQ(d.state, DeliveryRecord::State::kDelivered);
  EXPECT_EQ(store_.delivered_marks, 1);
  EXPECT_EQ(clock_.Now() - start, absl::Milliseconds(700)) << "three backoffs, doubling from 100 ms";
  clock_.Advance(absl::Minutes(5));  // long past the lease: nothing is leased or sent again
  EXPECT_EQ(*dispatcher.RunOnce(), 0);
  EXPECT_EQ(channel_.sent.size(), 1u);
  EXPECT_EQ(d.possible_repeats, 0);
}

TEST_F(DispatcherTest, AStoreAwayLongerThanTheLeaseEndsTheRoundAndTheDeliveryComesBackAsAPossibleRepeat) {
  Enqueue("n1:email");
  channel_.report_acceptance = true;
  store_.marks_refused = 1000;
  DeliveryDispatcher dispatcher(&store_, &clock_, {{"email", &channel_}}, Options());
  const absl::Time start = clock_.Now();
  EXPECT_TRUE(absl::IsUnavailable(dispatcher.RunOnce().status()));
  EXPECT_LE(clock_.Now() - start, absl::Seconds(54)) << "given up before the last tenth of the lease";
  EXPECT_GE(clock_.Now() - start, absl::Seconds(50));
  store_.marks_refused = 0;
  clock_.Advance(absl::Seconds(60));
  EXPECT_EQ(*dispatcher.RunOnce(), 1);
  const auto& d = store_.records.at("n1:email");
  EXPECT_EQ(d.state, DeliveryRecord::State::kDelivered);
  EXPECT_EQ(channel_.sent.size(), 2u) << "SMTP cannot ask whether the first copy arrived";
  EXPECT_EQ(d.possible_repeats, 1) << "and the second is shown as a possible repeat";
}

TEST_F(DispatcherTest, SlowTriesOfTheRecordStopEarlyEnoughToEndInsideTheLease) {
  Enqueue("n1:email");
  channel_.report_acceptance = true;
  store_.marks_refused = 1000;
  store_.clock = &clock_;
  store_.mark_takes = absl::Seconds(10);  // a reconnect budget spent on each try
  DeliveryDispatcher dispatcher(&store_, &clock_, {{"email", &channel_}}, Options());
  const absl::Time start = clock_.Now();
  EXPECT_FALSE(dispatcher.RunOnce().ok());
  EXPECT_LE(clock_.Now() - start, absl::Seconds(54)) << "the last try ended before the lease's last tenth";
  EXPECT_EQ(store_.mark_calls, 5);
}

TEST_F(DispatcherTest, AStoreErrorThatIsNoOutageIsNotTriedAgain) {
  Enqueue("n1:email");
  channel_.report_acceptance = true;
  store_.marks_refused = 1;
  store_.mark_error = absl::InternalError("redis: WRONGTYPE Operation against a key holding the wrong kind of value");
  DeliveryDispatcher dispatcher(&store_, &clock_, {{"email", &channel_}}, Options());
  EXPECT_TRUE(absl::IsInternal(dispatcher.RunOnce().status()));
  EXPECT_EQ(store_.mark_calls, 1);
}

}  // namespace
}  // namespace hosho
