#include "services/notification/notification_worker.h"

#include "gtest/gtest.h"
#include "services/common/domain/events.h"
#include "tests/support/fake_case_store.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_delivery_store.h"
#include "tests/support/fake_producer.h"

namespace hosho {
namespace {

using hosho::events::v1::Envelope;

// The templates and offices the repository ships.
const NoticeTemplates& Templates() {
  static const auto* t = new NoticeTemplates(
      *NoticeTemplates::FromFile(std::string(HOSHO_SOURCE_DIR) + "/deploy/notification/templates.yaml"));
  return *t;
}
const OfficeDirectory& Offices() {
  static const auto* o =
      new OfficeDirectory(*OfficeDirectory::FromFile(std::string(HOSHO_SOURCE_DIR) + "/deploy/city/offices.yaml"));
  return *o;
}

// A routing decision as hosho-routing publishes it.
KafkaRecord Routed() {
  Envelope e;
  e.set_event_id("HS-1:routed");
  e.set_case_id("HS-1");
  *e.mutable_occurred_at() = ToProto(absl::FromUnixSeconds(1'790'000'000));
  auto* r = e.mutable_routing_decided();
  r->set_office("contract-division");
  r->set_action(hosho::v1::HANDOFF_ACTION_CONCLUDE_CONTRACT);
  auto* c = r->mutable_submission()->mutable_contract();
  c->set_contract_number("R8-土木-0001");
  c->set_project_name("市道みなと線舗装補修工事");
  c->mutable_contractor()->set_contact_email("keiyaku@example.jp");
  r->mutable_submission()->set_kind(hosho::v1::GUARANTEE_KIND_CONTRACT);
  OutgoingRecord out = ToRecord(topics::kRoutings, e, "");
  return KafkaRecord{out.topic, 0, 11, out.key, out.value, out.headers, absl::FromUnixSeconds(1'790'000'000)};
}

class NotificationWorkerTest : public ::testing::Test {
 protected:
  static NotificationSetup Wiring() {
    NotificationSetup setup;
    setup.templates = &Templates();
    setup.offices = &Offices();
    setup.mail_enabled = true;
    return setup;
  }
  std::vector<std::string> PublishedIds() const {
    std::vector<std::string> ids;
    for (const OutgoingRecord& r : producer_.sent()) {
      Envelope e;
      EXPECT_TRUE(e.ParseFromString(r.value));
      EXPECT_EQ(r.topic, topics::kNotifications);
      ids.push_back(e.event_id());
    }
    return ids;
  }

  testing::FakeCaseStore notices_;
  testing::FakeDeliveryStore deliveries_;
  testing::FakeProducer producer_;
  FakeClock clock_{absl::FromUnixSeconds(1'790'000'100)};
  NoticeSignal watchers_;
  NoticeSignal outbox_;
  NotificationWorker worker_{&notices_, &deliveries_, &producer_, &clock_, Wiring(), &watchers_, &outbox_};
};

TEST_F(NotificationWorkerTest, ARoutingRecordsTwoNoticesEnqueuesTheirDeliveriesAndPublishesThem) {
  const uint64_t outbox_before = outbox_.generation();
  const uint64_t watchers_before = watchers_.generation();
  ASSERT_EQ(worker_.Handle(Routed()).outcome, RecordOutcome::kDone);

  EXPECT_EQ(notices_.ListNotices("HS-1")->size(), 2u) << "the office's and the contractor's";
  auto planned = deliveries_.ForCase("HS-1");
  ASSERT_TRUE(planned.ok());
  int email = 0, stream = 0;
  for (const DeliveryRecord& d : *planned) {
    email += d.channel == "email";
    stream += d.channel == kStreamChannel;
  }
  EXPECT_EQ(email, 2) << "the office mailbox and the contractor's address";
  EXPECT_EQ(stream, 1) << "the office's watch stream";
  EXPECT_EQ(PublishedIds(), (std::vector<std::string>{"HS-1:routed:office", "HS-1:routed:contractor"}));
  EXPECT_GT(outbox_.generation(), outbox_before) << "the dispatcher is woken";
  EXPECT_GT(watchers_.generation(), watchers_before) << "the office's watchers are woken";
}

TEST_F(NotificationWorkerTest, ARedeliveryRecordsAndEnqueuesNothingNewButPublishesTheSameEventsAgain) {
  ASSERT_EQ(worker_.Handle(Routed()).outcome, RecordOutcome::kDone);
  const size_t deliveries = deliveries_.records.size();
  const auto first = producer_.sent();
  clock_.Advance(absl::Minutes(3));
  ASSERT_EQ(worker_.Handle(Routed()).outcome, RecordOutcome::kDone);

  EXPECT_EQ(notices_.ListNotices("HS-1")->size(), 2u);
  EXPECT_EQ(deliveries_.records.size(), deliveries);
  const auto all = producer_.sent();
  ASSERT_EQ(all.size(), 4u);
  for (size_t i = 0; i < 2; ++i) EXPECT_EQ(all[i + 2].value, first[i].value) << "byte for byte: " << i;
}

TEST_F(NotificationWorkerTest, AStoreOutageFailsTheRecordAndTheRetryCompletesIt) {
  notices_.Refuse(1, /*after=*/1);  // the office notice is recorded, the contractor's is refused
  const RecordResult outage = worker_.Handle(Routed());
  EXPECT_EQ(outage.outcome, RecordOutcome::kRetry) << outage;
  EXPECT_TRUE(absl::IsUnavailable(outage.error)) << outage;
  EXPECT_TRUE(producer_.sent().empty()) << "nothing is published before every notice is kept";

  ASSERT_EQ(worker_.Handle(Routed()).outcome, RecordOutcome::kDone);
  EXPECT_EQ(notices_.ListNotices("HS-1")->size(), 2u);
  EXPECT_EQ(PublishedIds().size(), 2u);
}

TEST_F(NotificationWorkerTest, ABrokerThatDoesNotConfirmFailsTheRecordAfterTheNoticesAreKept) {
  producer_.Refuse(true);
  const RecordResult unconfirmed = worker_.Handle(Routed());
  EXPECT_EQ(unconfirmed.outcome, RecordOutcome::kRetry) << unconfirmed;
  EXPECT_TRUE(absl::IsUnavailable(unconfirmed.error)) << unconfirmed;
  EXPECT_EQ(notices_.ListNotices("HS-1")->size(), 2u);
  producer_.Refuse(false);
  ASSERT_EQ(worker_.Handle(Routed()).outcome, RecordOutcome::kDone);
  EXPECT_EQ(PublishedIds().size(), 2u);
  EXPECT_EQ(producer_.refused(), 1);
}

TEST_F(NotificationWorkerTest, AnEventThatIsNotAnEnvelopeIsDeadLetteredAsInvalid) {
  KafkaRecord garbage = Routed();
  garbage.value = "not a protobuf \xFF\xFF";
  const RecordResult refused = worker_.Handle(garbage);
  EXPECT_EQ(refused.outcome, RecordOutcome::kDeadLetter) << refused;
  EXPECT_TRUE(absl::IsInvalidArgument(refused.error)) << refused;
  EXPECT_TRUE(producer_.sent().empty());
}

}  // namespace
}  // namespace hosho
