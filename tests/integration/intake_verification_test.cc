// hosho-intake's and hosho-verification's logic against a real redis-server and
// a real Apache Kafka broker (KRaft): what is accepted is stored
// before the answer, retries and redeliveries have one effect, secrets stay sealed.
#include <atomic>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "services/common/domain/case_view.h"
#include "services/common/domain/events.h"
#include "services/common/kafka/kafka_impl.h"
#include "services/common/runtime/errors.h"
#include "services/common/runtime/trace.h"
#include "services/common/store/case_store_redis.h"
#include "services/common/store/redis_contract_store.h"
#include "services/intake/intake_service.h"
#include "services/verification/verification_worker.h"
#include "tests/support/await.h"
#include "tests/support/fake_clock.h"
#include "tests/support/kafka_reader.h"
#include "tests/support/redis_server.h"
#include "tests/support/test_kafka.h"

namespace hosho {
namespace {

using testing::AwaitUntil;

class FakeConnector : public PlatformConnector {  // a unit-level stand-in for the platform
 public:
  absl::StatusOr<hosho::v1::CertificateRecord> Lookup(hosho::v1::Platform, const std::string& credential) override {
    ++calls;
    hosho::v1::DSureCredential c;
    c.ParseFromString(credential);
    last_key = c.authentication_key();
    return certificate;
  }
  std::atomic<int> calls{0};
  std::string last_key;
  hosho::v1::CertificateRecord certificate;
};

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_ = testing::RedisServer::Start();
    redis_client_ = redis_->Client();
    cases_ = std::make_unique<RedisCaseStore>(redis_client_.get());
    contracts_ = std::make_unique<RedisContractStore>(redis_client_.get());
    broker_ = testing::TestKafka::Start();
    kafka_.bootstrap_servers = broker_->bootstrap();
    kafka_.properties = {{"reconnect.backoff.max.ms", "1000"}};
    kafka_.consumer_properties = {{"fetch.wait.max.ms", "5"}, {"session.timeout.ms", "6000"}};
    producer_ = *KafkaProducer::Create(kafka_);
    sealer_ = std::make_unique<Sealer>(*KeyRing::FromYaml(KeyRing::GenerateYaml("k1")));

    hosho::v1::Contract c;
    c.set_contract_id("K-1");
    c.set_contract_number("R8-1");
    c.set_project_name("工事");
    c.set_beneficiary("試験市長");
    c.set_ordering_office("contract-division");
    c.set_department_in_charge("road-maintenance");
    c.set_work_category(hosho::v1::WORK_CATEGORY_CONSTRUCTION);
    c.mutable_contractor()->set_name("建設");
    c.set_price_yen(10'000'000);
    c.mutable_period_start()->set_year(2026);
    c.mutable_period_end()->set_year(2027);
    ASSERT_TRUE(contracts_->PutVersion("K-1", c.SerializeAsString(), 1).ok());
    ScopePolicy policy;
    IntakeOptions options;
    options.send_timeout = absl::Seconds(2);
    intake_ = std::make_unique<IntakeServiceImpl>(IntakeDeps{cases_.get(), contracts_.get(), producer_.get(),
                                                             sealer_.get(), nullptr, &RealClock(), nullptr, nullptr},
                                                  policy, options);
  }

  hosho::v1::SubmitGuaranteeRequest Request(const std::string& request_id, const std::string& number = "DS-1") {
    hosho::v1::SubmitGuaranteeRequest r;
    r.set_client_request_id(request_id);
    r.set_contract_id("K-1");
    r.set_kind(hosho::v1::GUARANTEE_KIND_CONTRACT);
    r.set_issuer_kind(hosho::v1::ISSUER_KIND_SURETY_COMPANY);
    r.set_issuer(hosho::v1::ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY);
    r.mutable_d_sure()->set_guarantee_number(number);
    r.mutable_d_sure()->set_authentication_key("PLANTED-KEY-XYZ");
    return r;
  }

  absl::StatusOr<hosho::v1::SubmitGuaranteeResponse> Submit(hosho::v1::SubmitGuaranteeRequest r) {
    return intake_->Submit(Principal{"tester", Role::kSubmitter, ""}, r,
                           "00-" + std::string(32, 'a') + "-" + std::string(16, 'b') + "-01");
  }

  // Records of one topic (only those of `event_type` when given), read by a fresh group.
  std::vector<KafkaRecord> ReadAll(const std::string& topic, size_t expected, const std::string& event_type = "") {
    return testing::ReadTopic(kafka_, producer_.get(), topic, expected, event_type,
                              "reader-" + std::to_string(reader_++));
  }

  std::unique_ptr<testing::RedisServer> redis_;
  std::unique_ptr<RedisClient> redis_client_;
  std::unique_ptr<RedisCaseStore> cases_;
  std::unique_ptr<RedisContractStore> contracts_;
  std::unique_ptr<testing::TestKafka> broker_;
  KafkaOptions kafka_;
  std::unique_ptr<KafkaProducer> producer_;
  std::unique_ptr<Sealer> sealer_;
  std::unique_ptr<IntakeServiceImpl> intake_;
  int reader_ = 0;
};

TEST_F(PipelineTest, AnAcceptedSubmissionIsStoredInKafkaWithItsCredentialSealed) {
  hosho::v1::SubmitGuaranteeRequest request = Request("r-1");
  auto response = intake_->Submit(Principal{"tester", Role::kSubmitter, ""}, request, "");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_TRUE(request.d_sure().authentication_key().empty()) << "plaintext must be wiped from the request";
  auto records = ReadAll(topics::kSubmissions, 1, "submission_received");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].key, response->case_id());
  EXPECT_EQ(records[0].Header("event-type"), "submission_received");
  EXPECT_EQ(records[0].Header("event-id"), response->case_id() + ":submitted");
  EXPECT_EQ(records[0].value.find("PLANTED-KEY-XYZ"), std::string::npos);
  auto envelope = *ParseEnvelope(records[0]);
  const auto& sealed = envelope.submission_received().credential();
  EXPECT_EQ(sealed.guarantee_number(), "DS-1");
  auto opened = sealer_->Open(sealed.secret(), response->case_id());
  ASSERT_TRUE(opened.ok());
  hosho::v1::DSureCredential credential;
  ASSERT_TRUE(credential.ParseFromString(opened->value()));
  EXPECT_EQ(credential.authentication_key(), "PLANTED-KEY-XYZ");
  auto stored = *cases_->Get(response->case_id());
  EXPECT_EQ(stored.Field("state"), "RECEIVED");
  for (const auto& [field, value] : stored.fields) {
    EXPECT_EQ(value.find("PLANTED-KEY-XYZ"), std::string::npos) << field;
  }
}

TEST_F(PipelineTest, TheSameRequestTwiceYieldsOneCaseAndOneEventId) {
  auto first = Submit(Request("r-1"));
  auto second = Submit(Request("r-1"));
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->case_id(), second->case_id());
  EXPECT_FALSE(first->replayed());
  EXPECT_TRUE(second->replayed());
  auto records = ReadAll(topics::kSubmissions, 2, "submission_received");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].value, records[1].value) << "a replay re-sends the first event byte for byte";
}

TEST_F(PipelineTest, AReusedRequestIdWithOtherContentIsRefused) {
  ASSERT_TRUE(Submit(Request("r-1")).ok());
  auto other = Submit(Request("r-1", "DS-2"));
  EXPECT_TRUE(absl::IsAlreadyExists(other.status()));
  EXPECT_EQ(ViolationsOf(other.status()).front().code, "REQUEST_ID_REUSED");
}

TEST_F(PipelineTest, TheSameGuaranteeUnderAnotherRequestIdIsRecordedOnTheFirstCase) {
  auto first = Submit(Request("r-1"));
  ASSERT_TRUE(first.ok());
  auto dup = Submit(Request("r-2"));
  ASSERT_TRUE(dup.ok()) << dup.status();
  EXPECT_EQ(dup->case_id(), first->case_id()) << "no second case";
  EXPECT_TRUE(dup->duplicate());
  auto again = Submit(Request("r-2"));  // the same arrival retried: nothing new
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate() && again->replayed());
  auto record = cases_->Get(first->case_id());
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->Field(case_fields::kDuplicateCount), "1");
  ASSERT_EQ(record->history.size(), 2u);
  EXPECT_NE(record->history[1].reason.find("R14_DUPLICATE_GUARANTEE"), std::string::npos);
  EXPECT_EQ(record->history[1].from_state, record->history[1].to_state) << "a duplicate does not move the case";
  auto dups = ReadAll(topics::kSubmissions, 2, "submission_duplicate");
  ASSERT_EQ(dups.size(), 2u);
  EXPECT_EQ(dups[0].Header("event-id"), dups[1].Header("event-id")) << "the retry re-sent the same event";
  EXPECT_EQ(dups[0].value.find("PLANTED-KEY-XYZ"), std::string::npos);
}

TEST_F(PipelineTest, EverySubmissionIsAcknowledgedOnceWithAReceiptEvent) {
  auto first = Submit(Request("r-1"));
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(Submit(Request("r-1")).ok());
  auto receipts = ReadAll(topics::kSubmissions, 2, "receipt_acknowledged");
  ASSERT_EQ(receipts.size(), 2u);
  EXPECT_EQ(receipts[0].Header("event-id"), first->case_id() + ":receipt");
  EXPECT_EQ(receipts[0].value, receipts[1].value) << "the replay re-sent the same receipt";
  auto envelope = *ParseEnvelope(receipts[0]);
  EXPECT_EQ(envelope.receipt_acknowledged().contract().contract_id(), "K-1");
}

TEST_F(PipelineTest, AnAmendmentMustNameAnExistingCaseOfTheSameContractAndKind) {
  auto first = Submit(Request("r-1"));
  ASSERT_TRUE(first.ok());
  auto bogus = Request("r-2");
  bogus.set_supersedes_case_id("HS-20260101-000000000000");
  bogus.set_amendment_kind(hosho::v1::AMENDMENT_KIND_INCREASE);
  auto refused = Submit(bogus);
  EXPECT_TRUE(absl::IsNotFound(refused.status()));
  EXPECT_EQ(ViolationsOf(refused.status()).front().code, "SUPERSEDED_CASE_NOT_FOUND");
  auto other_kind = Request("r-3");
  other_kind.set_kind(hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT);
  other_kind.set_supersedes_case_id(first->case_id());
  other_kind.set_amendment_kind(hosho::v1::AMENDMENT_KIND_EXTENSION);
  EXPECT_EQ(ViolationsOf(Submit(other_kind).status()).front().code, "SUPERSEDED_CASE_MISMATCH");
  auto amendment = Request("r-4");  // same guarantee number, amending the first case
  amendment.set_supersedes_case_id(first->case_id());
  amendment.set_amendment_kind(hosho::v1::AMENDMENT_KIND_INCREASE);  // 増額
  auto accepted = Submit(amendment);
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_NE(accepted->case_id(), first->case_id());
  EXPECT_FALSE(accepted->duplicate()) << "an amendment is not a duplicate";
  auto records = ReadAll(topics::kSubmissions, 2, "submission_received");
  ASSERT_EQ(records.size(), 2u);
  // Two cases, two partitions: find the amendment's record by its key.
  const auto& amendment_record = records[0].key == accepted->case_id() ? records[0] : records[1];
  ASSERT_EQ(amendment_record.key, accepted->case_id());
  auto envelope = *ParseEnvelope(amendment_record);
  EXPECT_EQ(envelope.submission_received().supersedes_case_id(), first->case_id());
  EXPECT_EQ(envelope.submission_received().amendment_kind(), hosho::v1::AMENDMENT_KIND_INCREASE);
}

TEST_F(PipelineTest, WithKafkaDownTheCallerIsToldToRetryAndTheRetryKeepsTheCase) {
  ASSERT_TRUE(Submit(Request("warm-up", "DS-0")).ok());
  ASSERT_TRUE(broker_->SetBrokerDown().ok());
  auto down = Submit(Request("r-1"));
  EXPECT_TRUE(absl::IsUnavailable(down.status())) << down.status();
  ASSERT_TRUE(broker_->SetBrokerUp().ok());
  // The caller retries the same request, as UNAVAILABLE asks, until Kafka is back.
  absl::StatusOr<hosho::v1::SubmitGuaranteeResponse> retried = absl::UnknownError("not tried");
  EXPECT_TRUE(AwaitUntil([&] {
    retried = Submit(Request("r-1"));
    return retried.ok();
  }));
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->case_id(), down.status().message().substr(down.status().message().rfind("HS-"), 24));
  EXPECT_TRUE(retried->replayed());
  auto records = ReadAll(topics::kSubmissions, 2, "submission_received");
  bool found = false;
  for (const auto& r : records) found |= r.key == retried->case_id();
  EXPECT_TRUE(found) << "the retried submission must be in Kafka";
}

TEST_F(PipelineTest, ARedeliveredSubmissionIsVerifiedOnceAndRepublishesTheFirstVerdict) {
  auto accepted = Submit(Request("r-1"));
  ASSERT_TRUE(accepted.ok());
  auto submitted = ReadAll(topics::kSubmissions, 1, "submission_received");
  ASSERT_EQ(submitted.size(), 1u);

  FakeConnector connector;
  connector.certificate.set_kind(hosho::v1::GUARANTEE_KIND_CONTRACT);
  connector.certificate.set_beneficiary("試験市長");
  connector.certificate.set_contractor_name("建設");
  connector.certificate.set_project_name("工事");
  connector.certificate.set_guaranteed_amount_yen(1'000'000);
  connector.certificate.mutable_period_start()->set_year(2026);
  connector.certificate.mutable_period_end()->set_year(2027);
  VerificationWorker worker(cases_.get(), producer_.get(), sealer_.get(), &connector, &RealClock(),
                            VerificationPolicy{}, {});
  ASSERT_EQ(worker.Handle(submitted[0]).outcome, RecordOutcome::kDone);
  EXPECT_EQ(connector.last_key, "PLANTED-KEY-XYZ");
  const std::string version = cases_->Get(accepted->case_id())->Field("version");
  ASSERT_EQ(worker.Handle(submitted[0]).outcome, RecordOutcome::kDone);
  EXPECT_EQ(connector.calls.load(), 1);
  auto record = *cases_->Get(accepted->case_id());
  EXPECT_EQ(record.Field("state"), "VERIFIED");
  EXPECT_EQ(record.Field("version"), version);
  auto verdicts = ReadAll(topics::kVerifications, 2);
  ASSERT_EQ(verdicts.size(), 2u);
  EXPECT_EQ(verdicts[0].value, verdicts[1].value);
  EXPECT_EQ(verdicts[0].Header("event-id"), accepted->case_id() + ":verified");
  EXPECT_EQ(TraceIdOf(verdicts[0].Header("traceparent")), std::string(32, 'a'));
}

TEST_F(PipelineTest, AnUnknownCredentialReturnsTheCaseWithR01) {
  auto accepted = Submit(Request("r-1"));
  ASSERT_TRUE(accepted.ok());
  auto submitted = ReadAll(topics::kSubmissions, 1, "submission_received");
  class Nothing : public PlatformConnector {
    absl::StatusOr<hosho::v1::CertificateRecord> Lookup(hosho::v1::Platform, const std::string&) override {
      return absl::NotFoundError("no certificate");
    }
  } nothing;
  VerificationWorker worker(cases_.get(), producer_.get(), sealer_.get(), &nothing, &RealClock(), VerificationPolicy{},
                            {});
  ASSERT_EQ(worker.Handle(submitted[0]).outcome, RecordOutcome::kDone);
  auto record = *cases_->Get(accepted->case_id());
  EXPECT_EQ(record.Field("state"), "RETURNED");
}

TEST_F(PipelineTest, TheVerificationDeadlineIsEscalatedOnceWithTwoSweepers) {
  auto submitted = Submit(Request("r-sla"));
  ASSERT_TRUE(submitted.ok());
  auto records = ReadAll(topics::kSubmissions, 1, "submission_received");
  ASSERT_EQ(records.size(), 1u);
  auto envelope = *ParseEnvelope(records[0]);
  FakeClock clock(FromProto(envelope.submission_received().received_at()));
  FakeConnector connector;
  VerificationOptions options;
  options.connector_platforms.clear();  // the case waits for a clerk who never comes
  options.sla = absl::Hours(72);
  options.escalate_before = absl::Hours(24);
  VerificationWorker replica_a(cases_.get(), producer_.get(), sealer_.get(), &connector, &clock, {}, options);
  VerificationWorker replica_b(cases_.get(), producer_.get(), sealer_.get(), &connector, &clock, {}, options);
  ASSERT_EQ(replica_a.Handle(records[0]).outcome, RecordOutcome::kDone);
  clock.Advance(absl::Hours(48) - absl::Minutes(1));
  EXPECT_EQ(*replica_a.SweepDeadlines(), 0) << "not yet";
  clock.Advance(absl::Minutes(1));
  absl::StatusOr<int> a, b;
  std::thread ta([&] { a = replica_a.SweepDeadlines(); });
  std::thread tb([&] { b = replica_b.SweepDeadlines(); });
  ta.join();
  tb.join();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a + *b, 1) << "one escalation between the two sweepers";
  EXPECT_EQ(*replica_a.SweepDeadlines(), 0) << "and none later";
  auto record = cases_->Get(submitted->case_id());
  ASSERT_TRUE(record.ok());
  int escalations = 0;
  for (const auto& h : record->history) escalations += h.reason.find("確認期限") != std::string::npos ? 1 : 0;
  EXPECT_EQ(escalations, 1);
  auto events = ReadAll(topics::kVerifications, 1, "verification_escalated");
  ASSERT_GE(events.size(), 1u);
  for (const auto& e : events) EXPECT_EQ(e.Header("event-id"), submitted->case_id() + ":escalated:verification");
  auto escalated = *ParseEnvelope(events[0]);
  EXPECT_EQ(escalated.verification_escalated().office(), "contract-division");
  EXPECT_EQ(FromProto(escalated.verification_escalated().deadline()),
            FromProto(envelope.submission_received().received_at()) + absl::Hours(72));
}

TEST_F(PipelineTest, AResubmissionAnswersTheReturnedCaseAndTheyPointAtEachOther) {
  auto first = Submit(Request("r-1"));
  ASSERT_TRUE(first.ok());
  auto early = Request("r-early");
  early.set_resubmits_case_id(first->case_id());
  early.mutable_d_sure()->set_guarantee_number("DS-EARLY");
  EXPECT_EQ(ViolationsOf(Submit(early).status()).front().code, "RESUBMITTED_CASE_NOT_RETURNED")
      << "only a returned case can be answered";
  // The platform shows a guarantee too small: RETURNED (R06).
  auto submitted = ReadAll(topics::kSubmissions, 1, "submission_received");
  FakeConnector connector;
  connector.certificate.set_kind(hosho::v1::GUARANTEE_KIND_CONTRACT);
  connector.certificate.set_beneficiary("試験市長");
  connector.certificate.set_contractor_name("建設");
  connector.certificate.set_project_name("工事");
  connector.certificate.set_guaranteed_amount_yen(999'999);
  connector.certificate.mutable_period_start()->set_year(2026);
  connector.certificate.mutable_period_end()->set_year(2027);
  VerificationWorker worker(cases_.get(), producer_.get(), sealer_.get(), &connector, &RealClock(),
                            VerificationPolicy{}, {});
  ASSERT_EQ(worker.Handle(submitted[0]).outcome, RecordOutcome::kDone);
  ASSERT_EQ(cases_->Get(first->case_id())->Field("state"), "RETURNED");

  // The contractor sends the corrected guarantee (same number: the issuer amended it).
  auto again = Request("r-2");
  again.set_resubmits_case_id(first->case_id());
  auto resubmitted = Submit(again);
  ASSERT_TRUE(resubmitted.ok()) << resubmitted.status();
  EXPECT_NE(resubmitted->case_id(), first->case_id());
  EXPECT_FALSE(resubmitted->duplicate()) << "a resubmission is not a duplicate of what it answers";
  auto fresh = *cases_->Get(resubmitted->case_id());
  EXPECT_EQ(fresh.Field(case_fields::kResubmits), first->case_id());
  auto old = *cases_->Get(first->case_id());
  EXPECT_EQ(old.Field("resubmitted_as"), resubmitted->case_id());
  EXPECT_NE(old.history.back().reason.find(resubmitted->case_id()), std::string::npos);
  // Now the same guarantee a third time is a duplicate of the resubmission, not of the returned case.
  auto third = Submit(Request("r-3"));
  ASSERT_TRUE(third.ok());
  EXPECT_TRUE(third->duplicate());
  EXPECT_EQ(third->case_id(), resubmitted->case_id());
}

// The platform refuses the service itself (a permanent error): the case goes to the office's
// clerks, and the record is dead-lettered at once (kDeadLetter, see kafka_impl_test) with the
// platform's own error.
class RefusingConnector : public PlatformConnector {
 public:
  absl::StatusOr<hosho::v1::CertificateRecord> Lookup(hosho::v1::Platform, const std::string&) override {
    return absl::PermissionDeniedError("the platform refused hosho's credentials");
  }
};

TEST_F(PipelineTest, APermanentConnectorErrorGivesTheCaseToClerksAndTheRecordToTheDlq) {
  auto accepted = Submit(Request("r-perm"));
  ASSERT_TRUE(accepted.ok());
  auto submitted = ReadAll(topics::kSubmissions, 1, "submission_received");
  RefusingConnector connector;
  VerificationWorker worker(cases_.get(), producer_.get(), sealer_.get(), &connector, &RealClock(),
                            VerificationPolicy{}, {});
  const RecordResult handled = worker.Handle(submitted[0]);
  EXPECT_EQ(handled.outcome, RecordOutcome::kDeadLetter) << handled;
  EXPECT_TRUE(absl::IsPermissionDenied(handled.error)) << handled;
  auto record = *cases_->Get(accepted->case_id());
  EXPECT_EQ(record.Field("state"), "VERIFYING");
  EXPECT_EQ(record.Field("task"), "1");
  auto tasks = cases_->ListTasks("contract-division", 10, 0);
  ASSERT_TRUE(tasks.ok());
  EXPECT_NE(std::find(tasks->begin(), tasks->end(), accepted->case_id()), tasks->end()) << "a clerk can take it";
  EXPECT_NE(record.history.back().reason.find("職員の確認に回しました"), std::string::npos);
}

}  // namespace
}  // namespace hosho
