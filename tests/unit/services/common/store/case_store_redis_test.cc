#include "services/common/store/case_store_redis.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "services/common/store/redis_contract_store.h"
#include "tests/support/case_steps.h"
#include "tests/support/fake_case_store.h"
#include "tests/support/redis_server.h"

namespace hosho {
namespace {

using hosho::v1::CASE_STATE_AWAITING_VERIFICATION;
using hosho::v1::CASE_STATE_CLOSED;
using hosho::v1::CASE_STATE_CONTRACT_CONCLUDED;
using hosho::v1::CASE_STATE_PAYMENT_HANDED_OFF;
using hosho::v1::CASE_STATE_RECEIVED;
using hosho::v1::CASE_STATE_ROUTED;
using hosho::v1::CASE_STATE_VERIFIED;
using hosho::v1::CASE_STATE_VERIFYING;
using hosho::v1::CaseState;

// The store's contract, run against Redis and against the in-memory fake that the workers' unit tests
// use (tests/support/fake_case_store.h), so the fake cannot drift from what Redis does.
class CaseStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() { server_ = testing::RedisServer::Start().release(); }
  static void TearDownTestSuite() { delete server_; }
  void SetUp() override {
    server_->FlushAll();
    client_ = server_->Client();
    if (GetParam() == "redis") {
      store_ = std::make_unique<RedisCaseStore>(client_.get());
    } else {
      store_ = std::make_unique<testing::FakeCaseStore>();
    }
  }

  TransitionRequest Create(const std::string& id) {
    TransitionRequest t;
    t.case_id = id;
    t.event_id = id + ":submitted";
    t.to_state = CASE_STATE_RECEIVED;
    t.actor = "tester";
    t.reason = "受付";
    t.at = absl::FromUnixMillis(1'700'000'000'000);
    t.office = "contract-division";
    t.fields = {{"kind", "1"}};
    t.payload = "first-event";
    return t;
  }

  TransitionRequest Step(const std::string& id, const std::string& event, CaseState from, CaseState to) {
    TransitionRequest t = Create(id);
    t.event_id = event;
    t.expected_states = {from};
    t.to_state = to;
    t.fields.clear();
    t.payload = "payload-of-" + event;
    return t;
  }

  // The case created and taken through the lifecycle's steps to VERIFIED (in its first office).
  void CreateVerified(const std::string& id) {
    ASSERT_TRUE(testing::CreateAt(*store_, Create(id), CASE_STATE_VERIFIED).ok());
  }

  static testing::RedisServer* server_;
  std::unique_ptr<RedisClient> client_;
  std::unique_ptr<CaseStore> store_;
};

testing::RedisServer* CaseStoreTest::server_ = nullptr;

// What only Redis has: contracts, reconnection, entries an older version wrote.
class RedisOnlyStoreTest : public CaseStoreTest {};

TEST_P(CaseStoreTest, CreateThenReadWithHistory) {
  auto created = store_->Apply(Create("C1"));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_FALSE(created->replayed);
  EXPECT_EQ(created->version, 1);
  auto record = store_->Get("C1");
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->Field("state"), "RECEIVED");
  EXPECT_EQ(record->Field("kind"), "1");
  EXPECT_EQ(record->Field("office"), "contract-division");
  ASSERT_EQ(record->history.size(), 1u);
  EXPECT_EQ(record->history[0].to_state, "RECEIVED");
  EXPECT_EQ(record->history[0].reason, "受付");
  EXPECT_EQ(record->history[0].event_id, "C1:submitted");
}

TEST_P(CaseStoreTest, CreatingAnExistingCaseWithAnotherEventIsRefused) {
  ASSERT_TRUE(store_->Apply(Create("C1")).ok());
  TransitionRequest again = Create("C1");
  again.event_id = "C1:other";
  EXPECT_TRUE(absl::IsAlreadyExists(store_->Apply(again).status()));
}

TEST_P(CaseStoreTest, WrongStateIsRefusedAndChangesNothing) {
  ASSERT_TRUE(store_->Apply(Create("C1")).ok());
  auto refused = store_->Apply(Step("C1", "C1:routed", CASE_STATE_VERIFIED, CASE_STATE_ROUTED));
  EXPECT_TRUE(absl::IsFailedPrecondition(refused.status())) << refused.status();
  auto record = *store_->Get("C1");
  EXPECT_EQ(record.Field("state"), "RECEIVED");
  EXPECT_EQ(record.Field("version"), "1");
  EXPECT_EQ(record.history.size(), 1u);
}

TEST_P(CaseStoreTest, WrongVersionIsRefused) {
  ASSERT_TRUE(store_->Apply(Create("C1")).ok());
  TransitionRequest t = Step("C1", "C1:queued", CASE_STATE_RECEIVED, CASE_STATE_AWAITING_VERIFICATION);
  t.expected_version = 7;
  EXPECT_TRUE(absl::IsAborted(store_->Apply(t).status()));
  t.expected_version = 1;
  EXPECT_TRUE(store_->Apply(t).ok());
}

TEST_P(CaseStoreTest, SameEventTwiceIsAppliedOnceAndReturnsTheFirstResult) {
  ASSERT_TRUE(store_->Apply(Create("C1")).ok());
  auto first = store_->Apply(Step("C1", "C1:queued", CASE_STATE_RECEIVED, CASE_STATE_AWAITING_VERIFICATION));
  ASSERT_TRUE(first.ok());
  TransitionRequest again = Step("C1", "C1:queued", CASE_STATE_RECEIVED, CASE_STATE_AWAITING_VERIFICATION);
  again.payload = "a different outcome";
  auto second = store_->Apply(again);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(second->replayed);
  EXPECT_EQ(second->version, first->version);
  EXPECT_EQ(second->payload, "payload-of-C1:queued");
  auto record = *store_->Get("C1");
  EXPECT_EQ(record.Field("version"), "2");
  EXPECT_EQ(record.history.size(), 2u);
}

TEST_P(CaseStoreTest, ReplayAfterTheCaseMovedOnStillReturnsTheFirstResult) {
  ASSERT_TRUE(store_->Apply(Create("C1")).ok());
  ASSERT_TRUE(store_->Apply(Step("C1", "C1:queued", CASE_STATE_RECEIVED, CASE_STATE_AWAITING_VERIFICATION)).ok());
  ASSERT_TRUE(store_->Apply(Step("C1", "C1:verifying", CASE_STATE_AWAITING_VERIFICATION, CASE_STATE_VERIFYING)).ok());
  auto replay = store_->Apply(Step("C1", "C1:queued", CASE_STATE_RECEIVED, CASE_STATE_AWAITING_VERIFICATION));
  ASSERT_TRUE(replay.ok());
  EXPECT_TRUE(replay->replayed);
  EXPECT_EQ(replay->state, CASE_STATE_AWAITING_VERIFICATION);
  EXPECT_EQ(store_->Get("C1")->Field("state"), "VERIFYING");
}

TEST_P(CaseStoreTest, BinaryPayloadsSurvive) {
  TransitionRequest t = Create("C1");
  t.payload = std::string("\x00\x01\n\xff\xfe", 5);
  ASSERT_TRUE(store_->Apply(t).ok());
  auto replay = store_->Apply(t);
  ASSERT_TRUE(replay.ok());
  EXPECT_EQ(replay->payload, t.payload);
}

TEST_P(CaseStoreTest, InflightIndexFollowsOfficeAndTerminalStates) {
  CreateVerified("C1");
  EXPECT_EQ(*store_->ListCaseIds("contract-division", 10, 0), std::vector<std::string>{"C1"});
  TransitionRequest routed = Step("C1", "C1:routed", CASE_STATE_VERIFIED, CASE_STATE_ROUTED);
  routed.office = "road-maintenance";
  ASSERT_TRUE(store_->Apply(routed).ok());
  EXPECT_TRUE(store_->ListCaseIds("contract-division", 10, 0)->empty());
  EXPECT_EQ(*store_->ListCaseIds("road-maintenance", 10, 0), std::vector<std::string>{"C1"});
  TransitionRequest handed_off = Step("C1", "C1:handed-off", CASE_STATE_ROUTED, CASE_STATE_PAYMENT_HANDED_OFF);
  handed_off.office = "road-maintenance";
  ASSERT_TRUE(store_->Apply(handed_off).ok());
  TransitionRequest closed = Step("C1", "C1:closed", CASE_STATE_PAYMENT_HANDED_OFF, CASE_STATE_CLOSED);
  closed.office = "road-maintenance";
  closed.terminal = true;
  ASSERT_TRUE(store_->Apply(closed).ok());
  EXPECT_TRUE(store_->ListCaseIds("road-maintenance", 10, 0)->empty());
  EXPECT_EQ(*store_->ListCaseIds("", 10, 0), std::vector<std::string>{"C1"});
  // An ended case is counted under its office and final state, once even if the step is replayed.
  EXPECT_EQ(*store_->CountEnded("road-maintenance", "CLOSED", absl::InfinitePast()), 1);
  ASSERT_TRUE(store_->Apply(closed).ok());
  EXPECT_EQ(*store_->CountEnded("road-maintenance", "CLOSED", absl::InfinitePast()), 1);
  EXPECT_EQ(*store_->CountEnded("road-maintenance", "CLOSED", closed.at + absl::Milliseconds(1)), 0);
  EXPECT_EQ(*store_->CountEnded("road-maintenance", "WITHDRAWN", absl::InfinitePast()), 0);
  EXPECT_EQ(*store_->CountEnded("contract-division", "CLOSED", absl::InfinitePast()), 0);
  EXPECT_EQ(*store_->ListEnded("road-maintenance", "CLOSED", 10, 0), std::vector<std::string>{"C1"});
}

TEST_P(CaseStoreTest, ContractIdsAndGuaranteeNumbersLookUpTheirCasesNewestFirst) {
  TransitionRequest first = Create("C1");
  first.fields = {{"contract_id", "K-2026-0001"}, {"guarantee_number", "DS-1"}};
  ASSERT_TRUE(store_->Apply(first).ok());
  TransitionRequest second = Create("C2");
  second.at = first.at + absl::Minutes(1);
  second.fields = {{"contract_id", "K-2026-0001"}, {"guarantee_number", ""}};
  ASSERT_TRUE(store_->Apply(second).ok());
  EXPECT_EQ(*store_->LookupCaseIds("K-2026-0001", 10), (std::vector<std::string>{"C2", "C1"}));
  EXPECT_EQ(*store_->LookupCaseIds("DS-1", 10), std::vector<std::string>{"C1"});
  EXPECT_TRUE(store_->LookupCaseIds("K-2026", 10)->empty()) << "exact terms only";
}

TEST_P(CaseStoreTest, PutIfAbsentKeepsTheFirstValue) {
  const IdempotencyKey key = IdempotencyKey::ClientRequest("p", "r1");
  EXPECT_EQ(*store_->PutIfAbsent(key, "C1", absl::Hours(1)), "C1");
  EXPECT_EQ(*store_->PutIfAbsent(key, "C2", absl::Hours(1)), "C1");
  EXPECT_EQ(*store_->GetValue(key), "C1");
  EXPECT_TRUE(absl::IsNotFound(store_->GetValue(IdempotencyKey::ClientRequest("p", "r2")).status()));
  EXPECT_TRUE(absl::IsNotFound(store_->GetValue(IdempotencyKey::ClientRequest("q", "r1")).status()))
      << "a request id is the caller's own";
}

TEST_P(CaseStoreTest, NoticesAreRecordedOncePerDeliveryId) {
  EXPECT_TRUE(*store_->RecordNotice("C1", "e1:office", "n1"));
  EXPECT_FALSE(*store_->RecordNotice("C1", "e1:office", "n1-again"));
  EXPECT_TRUE(*store_->RecordNotice("C1", "e1:contractor", "n2"));
  auto notices = *store_->ListNotices("C1");
  EXPECT_EQ(notices.size(), 2u);
}

TEST_P(CaseStoreTest, ApplyAllAppliesConsecutiveStepsInOrder) {
  ASSERT_TRUE(store_->Apply(Create("C1")).ok());
  auto results = store_->ApplyAll({Step("C1", "C1:queued", CASE_STATE_RECEIVED, CASE_STATE_AWAITING_VERIFICATION),
                                   Step("C1", "C1:verifying", CASE_STATE_AWAITING_VERIFICATION, CASE_STATE_VERIFYING)});
  ASSERT_EQ(results.size(), 2u);
  ASSERT_TRUE(results[0].ok() && results[1].ok());
  EXPECT_EQ(results[1]->version, 3);
  EXPECT_EQ(store_->Get("C1")->Field("state"), "VERIFYING");
  // Again: both are replays and nothing changes.
  auto again = store_->ApplyAll({Step("C1", "C1:queued", CASE_STATE_RECEIVED, CASE_STATE_AWAITING_VERIFICATION),
                                 Step("C1", "C1:verifying", CASE_STATE_AWAITING_VERIFICATION, CASE_STATE_VERIFYING)});
  EXPECT_TRUE(again[0]->replayed && again[1]->replayed);
  EXPECT_EQ(store_->Get("C1")->history.size(), 3u);
}

TEST_P(CaseStoreTest, ApplyAllStopsHavingEffectAfterAFailedStep) {
  ASSERT_TRUE(store_->Apply(Create("C1")).ok());
  auto results = store_->ApplyAll({Step("C1", "C1:routed", CASE_STATE_VERIFIED, CASE_STATE_ROUTED),
                                   Step("C1", "C1:concluded", CASE_STATE_ROUTED, CASE_STATE_CONTRACT_CONCLUDED)});
  EXPECT_TRUE(absl::IsFailedPrecondition(results[0].status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(results[1].status()));
  EXPECT_EQ(store_->Get("C1")->Field("version"), "1");
}

TEST_P(RedisOnlyStoreTest, ContractVersionsAreACompareAndSet) {
  RedisContractStore contracts(client_.get());
  ASSERT_TRUE(contracts.PutVersion("K-1", "v1", 1).ok());
  EXPECT_TRUE(absl::IsAborted(contracts.PutVersion("K-1", "v1-again", 1)));  // a concurrent writer lost
  EXPECT_TRUE(absl::IsAborted(contracts.PutVersion("K-1", "v3", 3)));        // no skipping
  ASSERT_TRUE(contracts.PutVersion("K-1", "v2", 2).ok());
  EXPECT_EQ(*contracts.Get("K-1"), "v2");
  EXPECT_EQ(*contracts.ListIds(), std::vector<std::string>{"K-1"});
  EXPECT_TRUE(absl::IsNotFound(contracts.Get("K-9").status()));
}

TEST_P(CaseStoreTest, UnknownCaseIsNotFound) {
  EXPECT_TRUE(absl::IsNotFound(store_->Get("nope").status()));
  EXPECT_TRUE(absl::IsNotFound(
      store_->Apply(Step("nope", "e", CASE_STATE_RECEIVED, CASE_STATE_AWAITING_VERIFICATION)).status()));
}

TEST_P(RedisOnlyStoreTest, ReconnectsAfterTheServerRestarts) {
  auto client = server_->Client(2, absl::Milliseconds(300));
  RedisCaseStore store(client.get());
  ASSERT_TRUE(store.Apply(Create("C1")).ok());
  server_->Kill();
  EXPECT_TRUE(absl::IsUnavailable(client->Ping()));
  server_->Restart();
  EXPECT_TRUE(client->Ping().ok());
  // The script cache is gone with the old server: EVALSHA falls back to SCRIPT LOAD.
  EXPECT_TRUE(store.Apply(Create("C2")).ok());
}

TEST_P(CaseStoreTest, AClaimIsHeldByOneClerkUntilItExpires) {
  ASSERT_TRUE(store_->Apply(Create("HS-C")).ok());
  auto queued = Step("HS-C", "HS-C:queued", CASE_STATE_RECEIVED, CASE_STATE_AWAITING_VERIFICATION);
  queued.fields = {{"task", "1"}};
  ASSERT_TRUE(store_->Apply(queued).ok());
  const absl::Time t0 = absl::FromUnixMillis(1'700'000'100'000);
  ClaimRequest a{"HS-C", "clerk-a", t0, absl::Minutes(30), "引き受け"};
  auto first = store_->Claim(a);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->claimed);
  EXPECT_EQ(*store_->GetState("HS-C"), "VERIFYING");
  ClaimRequest b{"HS-C", "clerk-b", t0 + absl::Minutes(29), absl::Minutes(30), "引き受け"};
  auto refused = store_->Claim(b);
  ASSERT_TRUE(refused.ok());
  EXPECT_FALSE(refused->claimed);
  EXPECT_EQ(refused->holder, "clerk-a");
  EXPECT_EQ(refused->expires_at, t0 + absl::Minutes(30));
  b.at = t0 + absl::Minutes(30);  // expired: another clerk may take it over
  auto taken = store_->Claim(b);
  ASSERT_TRUE(taken.ok());
  EXPECT_TRUE(taken->claimed);
  a.at = t0 + absl::Minutes(31);
  EXPECT_FALSE(store_->Claim(a)->claimed) << "the first clerk lost it";
  auto record = *store_->Get("HS-C");
  EXPECT_EQ(record.Field("claimed_by"), "clerk-b");
  EXPECT_EQ(record.history.back().actor, "clerk-b") << "the take-over is in the history";
  // A case that does not wait for a clerk cannot be claimed.
  ASSERT_TRUE(store_->Apply(Create("HS-D")).ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(store_->Claim({"HS-D", "clerk-a", t0, absl::Minutes(30), "x"}).status()));
  EXPECT_TRUE(absl::IsNotFound(store_->Claim({"HS-X", "clerk-a", t0, absl::Minutes(30), "x"}).status()));
}

TEST_P(CaseStoreTest, NotesAreRecordedOnceAndTimersComeDueInOrder) {
  ASSERT_TRUE(store_->Apply(Create("HS-N")).ok());
  CaseNote note{"HS-N",
                "HS-N:dup:1",
                "tester",
                "重複",
                absl::FromUnixMillis(1'700'000'000'500),
                "duplicate_count",
                "p",
                {{"waiting_reason", "x"}}};
  EXPECT_FALSE(store_->Note(note)->replayed);
  EXPECT_TRUE(store_->Note(note)->replayed);
  auto record = *store_->Get("HS-N");
  EXPECT_EQ(record.Field("duplicate_count"), "1");
  EXPECT_EQ(record.Field("waiting_reason"), "x");
  EXPECT_EQ(record.Field("state"), "RECEIVED") << "a note does not move the case";
  const absl::Time t0 = absl::FromUnixSeconds(1'800'000'000);
  ASSERT_TRUE(store_->AddTimer("t", "late", t0 + absl::Seconds(2)).ok());
  ASSERT_TRUE(store_->AddTimer("t", "early", t0 + absl::Seconds(1)).ok());
  EXPECT_TRUE(store_->DueTimers("t", t0, 10)->empty());
  EXPECT_EQ(*store_->DueTimers("t", t0 + absl::Seconds(2), 10), (std::vector<std::string>{"early", "late"}));
  ASSERT_TRUE(store_->RemoveTimer("t", "early").ok());
  EXPECT_EQ(*store_->CountTimers("t"), 1);
}

TEST_P(CaseStoreTest, AHistoryTextThatIsNotUtf8IsRefusedAndNothingIsWritten) {
  ASSERT_TRUE(store_->Apply(Create("C9")).ok());
  TransitionRequest cut = Step("C9", "C9:queued", CASE_STATE_RECEIVED, CASE_STATE_AWAITING_VERIFICATION);
  cut.reason = std::string("確認できなかった理由") + "\xE7\xA2";  // a kanji cut after two of its three bytes
  auto applied = store_->Apply(cut);
  EXPECT_TRUE(absl::IsInvalidArgument(applied.status())) << applied.status();
  CaseNote note{"C9", "C9:note", "clerk", "\xFF", absl::FromUnixMillis(1'700'000'000'000), "", "", {}};
  EXPECT_TRUE(absl::IsInvalidArgument(store_->Note(note).status()));
  auto record = store_->Get("C9");
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->Field("state"), "RECEIVED");
  EXPECT_EQ(record->history.size(), 1u) << "nothing was appended";
}

TEST_P(RedisOnlyStoreTest, ACaseAnOlderVersionPoisonedWithACutCharacterIsStillReadable) {
  ASSERT_TRUE(store_->Apply(Create("C10")).ok());
  // What the byte cut once wrote: a history entry ending inside a character.
  const std::string poisoned =
      std::string(R"({"v":2,"from":"VERIFYING","to":"NEEDS_REVIEW","actor":"clerk","reason":"理由)") + "\xE7\xA2" +
      R"(","event_id":"C10:verified","at_ms":1700000000000})";
  ASSERT_TRUE(client_->Command({"RPUSH", "case:{C10}:history", poisoned}).ok());
  auto record = store_->Get("C10");
  ASSERT_TRUE(record.ok()) << record.status();
  ASSERT_EQ(record->history.size(), 2u);
  EXPECT_EQ(record->history[1].reason, "理由\uFFFD") << "the cut character is shown as U+FFFD, the rest kept";
  EXPECT_EQ(record->history[1].to_state, "NEEDS_REVIEW");
}

TEST_P(CaseStoreTest, AReplayOfAnOldStepAfterTheCaseEndedLeavesTheIndexesAsTheyAre) {
  CreateVerified("C20");
  auto routed = Step("C20", "C20:routed", CASE_STATE_VERIFIED, CASE_STATE_ROUTED);
  routed.office = "road-maintenance";
  ASSERT_TRUE(store_->Apply(routed).ok());
  auto handed_off = Step("C20", "C20:handed-off", CASE_STATE_ROUTED, CASE_STATE_PAYMENT_HANDED_OFF);
  handed_off.office = "road-maintenance";
  ASSERT_TRUE(store_->Apply(handed_off).ok());
  auto closed = Step("C20", "C20:closed", CASE_STATE_PAYMENT_HANDED_OFF, CASE_STATE_CLOSED);
  closed.office = "road-maintenance";
  closed.terminal = true;
  ASSERT_TRUE(store_->Apply(closed).ok());
  // A redelivery of the routing, long after: the first result comes back, the lists stay.
  auto replayed = store_->Apply(routed);
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_TRUE(replayed->replayed);
  EXPECT_TRUE(store_->ListCaseIds("road-maintenance", 10, 0)->empty()) << "an ended case is in no in-flight list";
  EXPECT_TRUE(store_->ListCaseIds("contract-division", 10, 0)->empty());
  EXPECT_EQ(*store_->CountEnded("road-maintenance", "CLOSED", absl::InfinitePast()), 1);
}

TEST_P(CaseStoreTest, ACreateRefusedOnItsVersionLeavesNoCase) {
  auto create = Create("C21");
  create.expected_version = 3;
  EXPECT_TRUE(absl::IsAborted(store_->Apply(create).status()));
  EXPECT_TRUE(absl::IsNotFound(store_->Get("C21").status()));
  create.expected_version.reset();
  EXPECT_TRUE(store_->Apply(create).ok()) << "nothing was left behind to refuse the real creation";
}

TEST_P(CaseStoreTest, AStepOutsideTheLifecycleIsRefusedBeforeAnythingIsWritten) {
  ASSERT_TRUE(store_->Apply(Create("C30")).ok());
  auto skipped = store_->Apply(Step("C30", "C30:routed", CASE_STATE_RECEIVED, CASE_STATE_ROUTED));
  ASSERT_TRUE(absl::IsInternal(skipped.status())) << skipped.status();
  EXPECT_TRUE(absl::StrContains(skipped.status().message(), "RECEIVED")) << skipped.status();
  EXPECT_TRUE(absl::StrContains(skipped.status().message(), "ROUTED")) << skipped.status();
  // In one batch, an allowed step beside a forbidden one is not applied either.
  auto batch = store_->ApplyAll({Step("C30", "C30:queued", CASE_STATE_RECEIVED, CASE_STATE_AWAITING_VERIFICATION),
                                 Step("C30", "C30:closed", CASE_STATE_AWAITING_VERIFICATION, CASE_STATE_CLOSED)});
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_TRUE(absl::IsInternal(batch[0].status())) << batch[0].status();
  EXPECT_TRUE(absl::IsInternal(batch[1].status())) << batch[1].status();
  auto record = store_->Get("C30");
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->Field("state"), "RECEIVED");
  EXPECT_EQ(record->Field("version"), "1");
  EXPECT_EQ(record->history.size(), 1u);
  EXPECT_TRUE(absl::IsNotFound(store_->AppliedPayload("C30", "C30:queued").status())) << "the event id is unused";
  auto queued = store_->Apply(Step("C30", "C30:queued", CASE_STATE_RECEIVED, CASE_STATE_AWAITING_VERIFICATION));
  ASSERT_TRUE(queued.ok()) << queued.status();
  EXPECT_FALSE(queued->replayed);
  // A case created in any state but RECEIVED is refused, and no case is left.
  TransitionRequest verified = Create("C31");
  verified.to_state = CASE_STATE_VERIFIED;
  EXPECT_TRUE(absl::IsInternal(store_->Apply(verified).status()));
  EXPECT_TRUE(absl::IsNotFound(store_->Get("C31").status()));
  EXPECT_EQ(*store_->ListCaseIds("", 10, 0), std::vector<std::string>{"C30"});
}

TEST_P(RedisOnlyStoreTest, IdempotencyKeysKeepTheirStoredNames) {
  // Existing data is found under these names: they are the same bytes as before the keys were typed.
  ASSERT_TRUE(store_->PutIfAbsent(IdempotencyKey::ClientRequest("alice", "r-1"), "C1", absl::Hours(1)).ok());
  ASSERT_TRUE(
      store_->PutIfAbsent(IdempotencyKey::ReceiptNumber(hosho::v1::CHANNEL_WEB_FORM, "", "F-7"), "C2", absl::Hours(1))
          .ok());
  ASSERT_TRUE(
      store_->PutIfAbsent(IdempotencyKey::ReceiptNumber(hosho::v1::CHANNEL_API, "bob", "R-9"), "C3", absl::Hours(1))
          .ok());
  ASSERT_TRUE(
      store_
          ->Put(IdempotencyKey::Guarantee("K-1", hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT, std::string("\x01\xab", 2)),
                "C4", absl::ZeroDuration())
          .ok());
  for (const auto& [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"idem:{alice}:r-1", "C1"},
                                                        {"receipt:{CHANNEL_WEB_FORM}:F-7", "C2"},
                                                        {"receipt:{CHANNEL_API}:bob:R-9", "C3"},
                                                        {"dup:{K-1}:2:01ab", "C4"}}) {
    auto stored = client_->Command({"GET", name});
    ASSERT_TRUE(stored.ok()) << stored.status();
    EXPECT_EQ(stored->str, value) << name;
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, CaseStoreTest, ::testing::Values("redis", "fake"));
INSTANTIATE_TEST_SUITE_P(Stores, RedisOnlyStoreTest, ::testing::Values("redis"));

}  // namespace
}  // namespace hosho
