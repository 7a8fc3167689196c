// The clerks' verification service over a real gRPC socket and a real redis-server, with an
// in-memory producer (tests/support/fake_producer.h) so that Kafka can refuse exactly the verdict's
// send: a verdict the store holds always reaches hosho.verifications.v1, once per sweep that finds
// it unconfirmed, and never when its own send was confirmed.
#include "services/verification/verification_service.h"

#include <grpcpp/grpcpp.h>

#include "gtest/gtest.h"
#include "services/common/auth/auth.h"
#include "services/common/crypto/sealing.h"
#include "services/common/domain/events.h"
#include "services/common/grpc/grpc_client.h"
#include "services/common/grpc/grpc_server.h"
#include "services/common/runtime/clock.h"
#include "services/common/runtime/metrics.h"
#include "services/common/store/case_store_redis.h"
#include "services/common/store/redis_contract_store.h"
#include "services/intake/intake_service.h"
#include "services/verification/verdict.h"
#include "services/verification/verification_worker.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_producer.h"
#include "tests/support/redis_server.h"

namespace hosho {
namespace {

class VerificationServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_ = testing::RedisServer::Start();
    redis_client_ = redis_->Client();
    cases_ = std::make_unique<RedisCaseStore>(redis_client_.get());
    contracts_ = std::make_unique<RedisContractStore>(redis_client_.get());
    sealer_ = std::make_unique<Sealer>(*KeyRing::FromYaml(KeyRing::GenerateYaml("k1")));
    hosho::v1::Contract c;
    c.set_contract_id("K-1");
    c.set_contract_number("R8-1");
    c.set_project_name("市道改良工事");
    c.set_ordering_office("contract-division");
    c.set_department_in_charge("road-maintenance");
    c.set_work_category(hosho::v1::WORK_CATEGORY_CONSTRUCTION);
    c.mutable_contractor()->set_name("建設");
    c.set_price_yen(10'000'000);
    c.mutable_period_start()->set_year(2026);
    c.mutable_period_end()->set_year(2027);
    ASSERT_TRUE(contracts_->PutVersion("K-1", c.SerializeAsString(), 1).ok());

    auth_ = std::make_unique<Authenticator>(
        *Authenticator::FromYaml("tokens:\n  - {sha256: " + Sha256Hex("clerk-token") +
                                     ", principal: sato, role: clerk, office: contract-division}\n",
                                 &clock_));
    VerificationOptions worker_options;
    worker_options.connector_platforms.clear();  // every case goes to the clerks
    worker_ = std::make_unique<VerificationWorker>(cases_.get(), &producer_, sealer_.get(), nullptr, &clock_,
                                                   VerificationPolicy{}, worker_options);
    service_ = std::make_unique<VerificationServiceImpl>(cases_.get(), &producer_, sealer_.get(), auth_.get(), &clock_,
                                                         VerificationPolicy{}, TaskOptions{});
    GrpcServerOptions options;
    options.dev_plaintext = true;
    options.drain_timeout = absl::Seconds(1);
    runner_ = std::make_unique<GrpcServerRunner>(options);
    runner_->AddService(service_.get());
    ASSERT_TRUE(runner_->Start().ok());
    ChannelOptions channel;
    channel.target = "127.0.0.1:" + std::to_string(runner_->port());
    channel.dev_plaintext = true;
    stub_ = hosho::v1::VerificationService::NewStub(*MakeChannel(channel));
  }

  // A D-Sure 契約保証 through intake, queued by the worker for the contract division's clerks.
  std::string QueuedCase(const std::string& client_request_id = "r-1") {
    IntakeServiceImpl intake(
        IntakeDeps{cases_.get(), contracts_.get(), &producer_, sealer_.get(), nullptr, &clock_, nullptr, nullptr},
        ScopePolicy{}, IntakeOptions{});
    hosho::v1::SubmitGuaranteeRequest r;
    r.set_client_request_id(client_request_id);
    r.set_contract_id("K-1");
    r.set_kind(hosho::v1::GUARANTEE_KIND_CONTRACT);
    r.set_issuer_kind(hosho::v1::ISSUER_KIND_SURETY_COMPANY);
    r.set_issuer(hosho::v1::ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY);
    r.mutable_d_sure()->set_guarantee_number("DS-" + client_request_id);
    r.mutable_d_sure()->set_authentication_key("PLANTED-KEY-" + client_request_id);
    auto submitted = intake.Submit(Principal{"vendor", Role::kSubmitter, ""}, r, "");
    EXPECT_TRUE(submitted.ok()) << submitted.status();
    if (!submitted.ok()) return "";
    for (const OutgoingRecord& out : producer_.Sent(topics::kSubmissions, "submission_received")) {
      KafkaRecord in;
      in.topic = out.topic;
      in.key = out.key;
      in.value = out.value;
      in.headers = out.headers;
      EXPECT_EQ(worker_->Handle(in).outcome, RecordOutcome::kDone);
    }
    EXPECT_EQ(cases_->Get(submitted->case_id())->Field("state"), "AWAITING_VERIFICATION");
    return submitted->case_id();
  }

  grpc::Status Claim(const std::string& case_id) {
    grpc::ClientContext context;
    AttachBearerToken(&context, "clerk-token");
    hosho::v1::ClaimTaskRequest request;
    request.set_task_id(case_id);
    hosho::v1::VerificationTask task;
    return stub_->ClaimTask(&context, request, &task);
  }

  grpc::Status Record(const std::string& case_id, hosho::v1::VerificationTask* task) {
    grpc::ClientContext context;
    AttachBearerToken(&context, "clerk-token");
    hosho::v1::RecordCertificateRequest request;
    request.set_task_id(case_id);
    request.set_no_certificate_reason("認証キーで証書が表示されませんでした");
    return stub_->RecordCertificate(&context, request, task);
  }

  std::vector<OutgoingRecord> Verdicts() const {
    return producer_.Sent(topics::kVerifications, "verification_completed");
  }

  int64_t PendingVerdicts() { return *cases_->CountTimers(kVerdictPublishTimer); }

  FakeClock clock_{absl::FromUnixSeconds(1'780'000'000)};  // 2026-05-29
  std::unique_ptr<testing::RedisServer> redis_;
  std::unique_ptr<RedisClient> redis_client_;
  std::unique_ptr<RedisCaseStore> cases_;
  std::unique_ptr<RedisContractStore> contracts_;
  std::unique_ptr<Sealer> sealer_;
  std::unique_ptr<Authenticator> auth_;
  testing::FakeProducer producer_;
  std::unique_ptr<VerificationWorker> worker_;
  std::unique_ptr<VerificationServiceImpl> service_;
  std::unique_ptr<GrpcServerRunner> runner_;
  std::unique_ptr<hosho::v1::VerificationService::Stub> stub_;
};

TEST_F(VerificationServiceTest, AVerdictKafkaDidNotConfirmIsRecordedAndSentOnceByTheSweep) {
  const std::string case_id = QueuedCase();
  ASSERT_FALSE(case_id.empty());
  ASSERT_TRUE(Claim(case_id).ok());
  producer_.Refuse(true);
  hosho::v1::VerificationTask task;
  grpc::Status recorded = Record(case_id, &task);
  ASSERT_TRUE(recorded.ok()) << recorded.error_message();
  EXPECT_EQ(task.state(), hosho::v1::CASE_STATE_RETURNED);
  EXPECT_EQ(producer_.refused(), 1);
  EXPECT_EQ(Verdicts().size(), 0u);
  EXPECT_EQ(cases_->Get(case_id)->Field("state"), "RETURNED");
  EXPECT_EQ(PendingVerdicts(), 1);

  // A retry by the clerk is not the way back: the task is decided.
  hosho::v1::VerificationTask again;
  EXPECT_EQ(Record(case_id, &again).error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  producer_.Refuse(false);
  EXPECT_EQ(*worker_->RepublishVerdicts(), 0) << "not before its grace has passed";
  clock_.Advance(kVerdictPublishGrace + absl::Seconds(1));
  EXPECT_EQ(*worker_->RepublishVerdicts(), 1);
  const std::vector<OutgoingRecord> verdicts = Verdicts();
  ASSERT_EQ(verdicts.size(), 1u);
  EXPECT_EQ(verdicts[0].key, case_id);
  EXPECT_EQ(verdicts[0].value, *cases_->AppliedPayload(case_id, case_id + ":verified"));
  EXPECT_EQ(PendingVerdicts(), 0);
  clock_.Advance(kVerdictPublishGrace + absl::Seconds(1));
  EXPECT_EQ(*worker_->RepublishVerdicts(), 0);
  EXPECT_EQ(Verdicts().size(), 1u);
}

TEST_F(VerificationServiceTest, TheSweepRetriesWhileKafkaStillRefusesAndSendsWhenItIsBack) {
  const std::string case_id = QueuedCase();
  ASSERT_TRUE(Claim(case_id).ok());
  producer_.Refuse(true);
  hosho::v1::VerificationTask task;
  ASSERT_TRUE(Record(case_id, &task).ok());
  clock_.Advance(kVerdictPublishGrace + absl::Seconds(1));
  EXPECT_FALSE(worker_->RepublishVerdicts().ok());
  EXPECT_EQ(producer_.refused(), 2);
  EXPECT_EQ(PendingVerdicts(), 1) << "the timer stays while Kafka refuses";
  producer_.Refuse(false);
  EXPECT_EQ(*worker_->RepublishVerdicts(), 1);
  EXPECT_EQ(Verdicts().size(), 1u);
}

TEST_F(VerificationServiceTest, AConfirmedVerdictLeavesNothingForTheSweep) {
  const std::string case_id = QueuedCase();
  ASSERT_TRUE(Claim(case_id).ok());
  hosho::v1::VerificationTask task;
  ASSERT_TRUE(Record(case_id, &task).ok());
  ASSERT_EQ(Verdicts().size(), 1u);
  EXPECT_EQ(PendingVerdicts(), 0);
  clock_.Advance(kVerdictPublishGrace + absl::Seconds(1));
  EXPECT_EQ(*worker_->RepublishVerdicts(), 0);
  EXPECT_EQ(Verdicts().size(), 1u);
}

TEST_F(VerificationServiceTest, AVerdictStoredByAProcessThatDiedBeforeSendingIsSentByTheSweep) {
  // What a kill between the store write and the send leaves: the timer and the stored verdict.
  const std::string case_id = QueuedCase();
  ASSERT_TRUE(Claim(case_id).ok());
  auto submitted = *cases_->AppliedPayload(case_id, case_id + ":submitted");
  hosho::events::v1::Envelope submission;
  ASSERT_TRUE(submission.ParseFromString(submitted));
  ASSERT_TRUE(cases_->AddTimer(kVerdictPublishTimer, case_id, clock_.Now() + kVerdictPublishGrace).ok());
  TransitionRequest verdict = BuildVerdict(case_id, submission.submission_received(), nullptr, "sato",
                                           "contract-division", clock_.Now(), VerificationPolicy{}, RuleContext{});
  ASSERT_TRUE(cases_->Apply(verdict).ok());
  EXPECT_EQ(Verdicts().size(), 0u);
  clock_.Advance(kVerdictPublishGrace + absl::Seconds(1));
  EXPECT_EQ(*worker_->RepublishVerdicts(), 1);
  ASSERT_EQ(Verdicts().size(), 1u);
  EXPECT_EQ(Verdicts()[0].value, *cases_->AppliedPayload(case_id, case_id + ":verified"));
}

TEST_F(VerificationServiceTest, AnUnreadableStoredVerdictIsCountedAndSkippedAndTheNextOneIsStillSent) {
  // Two verdicts Kafka did not confirm; the first one's stored event is then damaged.
  const std::string damaged = QueuedCase("r-damaged");
  const std::string intact = QueuedCase("r-intact");
  ASSERT_NE(damaged, intact);
  producer_.Refuse(true);
  for (const std::string& case_id : {damaged, intact}) {
    ASSERT_TRUE(Claim(case_id).ok());
    hosho::v1::VerificationTask task;
    ASSERT_TRUE(Record(case_id, &task).ok());
  }
  ASSERT_EQ(PendingVerdicts(), 2);
  const std::string applied = "case:{" + damaged + "}:applied";
  ASSERT_TRUE(redis_client_->Command({"HSET", applied, damaged + ":verified", "3\nRETURNED\n\xff\xfe"}).ok());
  const double unreadable_before = Metrics().GetCounter("hosho_verification_verdicts_unreadable_total", "").Value();

  producer_.Refuse(false);
  clock_.Advance(kVerdictPublishGrace + absl::Seconds(1));
  auto sent = worker_->RepublishVerdicts();
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(*sent, 1);
  const std::vector<OutgoingRecord> verdicts = Verdicts();
  ASSERT_EQ(verdicts.size(), 1u);
  EXPECT_EQ(verdicts[0].key, intact);
  EXPECT_EQ(Metrics().GetCounter("hosho_verification_verdicts_unreadable_total", "").Value(), unreadable_before + 1);
  EXPECT_EQ(PendingVerdicts(), 0) << "a damaged verdict is not retried for ever";
}

}  // namespace
}  // namespace hosho
