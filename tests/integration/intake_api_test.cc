// hosho-intake's gRPC APIs over real sockets, a real redis-server and the
// a real Apache Kafka broker: the contract registry (versions, validation, paging) and the
// case read API (scoping by office and submitter, filters, paging).
#include <grpcpp/grpcpp.h>

#include <set>

#include "gtest/gtest.h"
#include "hosho/v1/cases.grpc.pb.h"
#include "hosho/v1/contracts.grpc.pb.h"
#include "hosho/v1/intake.grpc.pb.h"
#include "services/common/domain/events.h"
#include "services/common/grpc/grpc_client.h"
#include "services/common/grpc/grpc_server.h"
#include "services/common/kafka/kafka_impl.h"
#include "services/common/runtime/errors.h"
#include "services/common/store/case_store_redis.h"
#include "services/common/store/redis_contract_store.h"
#include "services/console/case_service.h"
#include "services/intake/contract_registry_service.h"
#include "services/intake/intake_service.h"
#include "tests/support/redis_server.h"
#include "tests/support/test_kafka.h"

namespace hosho {
namespace {

class IntakeApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    redis_ = testing::RedisServer::Start().release();
    broker_ = testing::TestKafka::Start().release();
  }
  static void TearDownTestSuite() {
    delete broker_;
    delete redis_;
  }

  void SetUp() override {
    redis_->FlushAll();
    client_ = redis_->Client();
    cases_ = std::make_unique<RedisCaseStore>(client_.get());
    contracts_ = std::make_unique<RedisContractStore>(client_.get());
    KafkaOptions kafka;
    kafka.bootstrap_servers = broker_->bootstrap();
    producer_ = *KafkaProducer::Create(kafka);
    sealer_ = std::make_unique<Sealer>(*KeyRing::FromYaml(KeyRing::GenerateYaml("k1")));
    std::string yaml = "tokens:\n";
    for (const auto& [token, rest] : std::vector<std::pair<std::string, std::string>>{
             {"city", "principal: city, role: integration, office: \"\""},
             {"ops", "principal: ops, role: operator, office: \"\""},
             {"clerk-cd", "principal: clerk-cd, role: clerk, office: contract-division"},
             {"clerk-ws", "principal: clerk-ws, role: clerk, office: water-sewerage-policy"},
             {"alice", "principal: alice, role: submitter, office: \"\""},
             {"bob", "principal: bob, role: submitter, office: \"\""}}) {
      yaml += "  - {sha256: " + Sha256Hex(token) + ", " + rest + "}\n";
    }
    auth_ = std::make_unique<Authenticator>(*Authenticator::FromYaml(yaml));
    intake_ =
        std::make_unique<IntakeServiceImpl>(IntakeDeps{cases_.get(), contracts_.get(), producer_.get(), sealer_.get(),
                                                       auth_.get(), &RealClock(), nullptr, nullptr},
                                            ScopePolicy{}, IntakeOptions{});
    registry_ = std::make_unique<ContractRegistryImpl>(contracts_.get(), producer_.get(), auth_.get(), &RealClock());
    queries_ = std::make_unique<CaseServiceImpl>(cases_.get(), auth_.get(), &RealClock());
    GrpcServerOptions options;
    options.dev_plaintext = true;
    options.drain_timeout = absl::Seconds(1);
    runner_ = std::make_unique<GrpcServerRunner>(options);
    runner_->AddService(intake_.get());
    runner_->AddService(registry_.get());
    runner_->AddService(queries_.get());
    ASSERT_TRUE(runner_->Start().ok());
    ChannelOptions channel;
    channel.target = "127.0.0.1:" + std::to_string(runner_->port());
    channel.dev_plaintext = true;
    auto ch = *MakeChannel(channel);
    intake_stub_ = hosho::v1::IntakeService::NewStub(ch);
    registry_stub_ = hosho::v1::ContractRegistry::NewStub(ch);
    cases_stub_ = hosho::v1::CaseService::NewStub(ch);
  }
  void TearDown() override { runner_->Shutdown(); }

  static hosho::v1::Contract Contract(const std::string& id, const std::string& office) {
    hosho::v1::Contract c;
    c.set_contract_id(id);
    c.set_contract_number("R8-" + id);
    c.set_project_name("工事 " + id);
    c.set_ordering_office(office);
    c.set_department_in_charge("road-maintenance");
    c.set_work_category(hosho::v1::WORK_CATEGORY_CONSTRUCTION);
    c.mutable_contractor()->set_name("建設");
    c.set_price_yen(10'000'000);
    c.mutable_period_start()->set_year(2026);
    c.mutable_period_start()->set_month(12);
    c.mutable_period_start()->set_day(1);
    c.mutable_period_end()->set_year(2027);
    c.mutable_period_end()->set_month(3);
    c.mutable_period_end()->set_day(1);
    return c;
  }

  absl::StatusOr<hosho::v1::Contract> Upsert(const std::string& token, const hosho::v1::Contract& c,
                                             int64_t expected_version = 0) {
    grpc::ClientContext context;
    AttachBearerToken(&context, token);
    hosho::v1::UpsertContractRequest request;
    *request.mutable_contract() = c;
    request.set_expected_version(expected_version);
    hosho::v1::Contract response;
    grpc::Status s = registry_stub_->UpsertContract(&context, request, &response);
    if (!s.ok()) return FromGrpcStatus(s);
    return response;
  }

  absl::StatusOr<std::string> Submit(const std::string& token, const std::string& request_id,
                                     const std::string& contract_id) {
    grpc::ClientContext context;
    AttachBearerToken(&context, token);
    hosho::v1::SubmitGuaranteeRequest r;
    r.set_client_request_id(request_id);
    r.set_contract_id(contract_id);
    r.set_kind(hosho::v1::GUARANTEE_KIND_CONTRACT);
    r.set_issuer_kind(hosho::v1::ISSUER_KIND_SURETY_COMPANY);
    r.set_issuer(hosho::v1::ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY);
    r.mutable_d_sure()->set_guarantee_number("DS-" + request_id);
    r.mutable_d_sure()->set_authentication_key("AK");
    hosho::v1::SubmitGuaranteeResponse response;
    grpc::Status s = intake_stub_->SubmitGuarantee(&context, r, &response);
    if (!s.ok()) return FromGrpcStatus(s);
    return response.case_id();
  }

  absl::Status GetCase(const std::string& token, const std::string& case_id) {
    grpc::ClientContext context;
    AttachBearerToken(&context, token);
    hosho::v1::GetCaseRequest request;
    request.set_case_id(case_id);
    hosho::v1::Case response;
    return FromGrpcStatus(cases_stub_->GetCase(&context, request, &response));
  }

  hosho::v1::ListCasesResponse List(const std::string& token, hosho::v1::ListCasesRequest request) {
    grpc::ClientContext context;
    AttachBearerToken(&context, token);
    hosho::v1::ListCasesResponse response;
    EXPECT_TRUE(cases_stub_->ListCases(&context, request, &response).ok());
    return response;
  }

  static testing::RedisServer* redis_;
  static testing::TestKafka* broker_;
  std::unique_ptr<RedisClient> client_;
  std::unique_ptr<RedisCaseStore> cases_;
  std::unique_ptr<RedisContractStore> contracts_;
  std::unique_ptr<KafkaProducer> producer_;
  std::unique_ptr<Sealer> sealer_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<IntakeServiceImpl> intake_;
  std::unique_ptr<ContractRegistryImpl> registry_;
  std::unique_ptr<CaseServiceImpl> queries_;
  std::unique_ptr<GrpcServerRunner> runner_;
  std::unique_ptr<hosho::v1::IntakeService::Stub> intake_stub_;
  std::unique_ptr<hosho::v1::ContractRegistry::Stub> registry_stub_;
  std::unique_ptr<hosho::v1::CaseService::Stub> cases_stub_;
};

testing::RedisServer* IntakeApiTest::redis_ = nullptr;
testing::TestKafka* IntakeApiTest::broker_ = nullptr;

TEST_F(IntakeApiTest, UpsertsCountVersionsAndAStaleExpectedVersionIsRefused) {
  auto v1 = Upsert("city", Contract("K-1", "contract-division"));
  ASSERT_TRUE(v1.ok()) << v1.status();
  EXPECT_EQ(v1->version(), 1);
  auto same = Upsert("city", Contract("K-1", "contract-division"), /*expected_version=*/1);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->version(), 1) << "nothing changed, no new version";
  auto increased = Contract("K-1", "contract-division");
  increased.set_price_yen(increased.price_yen() + 1'000'000);  // 増額
  auto v2 = Upsert("city", increased, /*expected_version=*/1);
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->version(), 2);
  ASSERT_EQ(v2->amendments_size(), 1) << "the change of price is recorded as an amendment";
  EXPECT_EQ(v2->amendments(0).price_yen(), increased.price_yen());
  auto stale = Upsert("city", Contract("K-1", "contract-division"), /*expected_version=*/1);
  EXPECT_TRUE(absl::IsAborted(stale.status()));
  ASSERT_FALSE(ViolationsOf(stale.status()).empty());
  EXPECT_EQ(ViolationsOf(stale.status()).front().code, "CONTRACT_VERSION_MISMATCH");
  EXPECT_TRUE(absl::IsPermissionDenied(Upsert("alice", Contract("K-2", "contract-division")).status()));
}

TEST_F(IntakeApiTest, AnInvalidContractIsRefusedFieldByField) {
  hosho::v1::Contract c = Contract("K-1", "contract-division");
  c.set_price_yen(0);
  c.clear_project_name();
  auto refused = Upsert("city", c);
  EXPECT_TRUE(absl::IsInvalidArgument(refused.status()));
  std::vector<std::string> fields;
  for (const auto& v : ViolationsOf(refused.status())) fields.push_back(v.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"contract.project_name", "contract.price_yen"}));
  hosho::v1::Contract garbled = Contract("K-1", "contract-division");
  garbled.set_project_name("\xe5\xb7");  // cut in the middle of 工
  auto unreadable = Upsert("city", garbled);
  ASSERT_TRUE(absl::IsInvalidArgument(unreadable.status()));
  EXPECT_EQ(ViolationsOf(unreadable.status()).front().code, "TEXT_INVALID_UTF8");
  EXPECT_EQ(ViolationsOf(unreadable.status()).front().field, "contract.project_name");
}

TEST_F(IntakeApiTest, ContractsArePagedAndFilteredByOffice) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(
        Upsert("city", Contract("K-" + std::to_string(i), i % 2 == 0 ? "contract-division" : "water-sewerage-policy"))
            .ok());
  }
  std::vector<std::string> seen;
  std::string token;
  do {
    grpc::ClientContext context;
    AttachBearerToken(&context, "ops");
    hosho::v1::ListContractsRequest request;
    request.set_page_size(2);
    request.set_page_token(token);
    request.set_ordering_office("contract-division");
    hosho::v1::ListContractsResponse response;
    ASSERT_TRUE(registry_stub_->ListContracts(&context, request, &response).ok());
    for (const auto& c : response.contracts()) seen.push_back(c.contract_id());
    token = response.next_page_token();
  } while (!token.empty());
  EXPECT_EQ(seen, (std::vector<std::string>{"K-0", "K-2", "K-4"}));
}

TEST_F(IntakeApiTest, ReadsAreScopedToTheSubmitterAndTheOffice) {
  ASSERT_TRUE(Upsert("city", Contract("K-1", "contract-division")).ok());
  ASSERT_TRUE(Upsert("city", Contract("K-2", "water-sewerage-policy")).ok());
  auto alices = Submit("alice", "a-1", "K-1");
  auto bobs = Submit("bob", "b-1", "K-2");
  ASSERT_TRUE(alices.ok() && bobs.ok()) << alices.status() << bobs.status();
  EXPECT_TRUE(GetCase("alice", *alices).ok());
  EXPECT_TRUE(absl::IsNotFound(GetCase("alice", *bobs)));  // another submitter's case
  EXPECT_TRUE(GetCase("clerk-cd", *alices).ok());
  EXPECT_TRUE(absl::IsNotFound(GetCase("clerk-cd", *bobs)));  // another office's case
  EXPECT_TRUE(GetCase("clerk-ws", *bobs).ok());
  EXPECT_TRUE(GetCase("ops", *bobs).ok());
  EXPECT_TRUE(absl::IsUnauthenticated(GetCase("nobody", *bobs)));

  hosho::v1::ListCasesRequest request;
  auto clerk_list = List("clerk-cd", request);  // a clerk lists their own office by default
  ASSERT_EQ(clerk_list.cases_size(), 1);
  EXPECT_EQ(clerk_list.cases(0).case_id(), *alices);
  EXPECT_EQ(clerk_list.cases(0).history_size(), 0) << "lists are summaries";
  request.set_office("water-sewerage-policy");
  EXPECT_EQ(List("clerk-cd", request).cases_size(), 0);
}

TEST_F(IntakeApiTest, CasesAreListedByStateAndPaged) {
  ASSERT_TRUE(Upsert("city", Contract("K-1", "contract-division")).ok());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Submit("alice", "r-" + std::to_string(i), "K-1").ok());
  hosho::v1::ListCasesRequest request;
  request.set_page_size(2);
  request.set_state(hosho::v1::CASE_STATE_RECEIVED);
  std::set<std::string> seen;
  for (int page = 0; page < 5; ++page) {
    auto response = List("ops", request);
    for (const auto& c : response.cases()) {
      EXPECT_EQ(c.state(), hosho::v1::CASE_STATE_RECEIVED);
      seen.insert(c.case_id());
    }
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_EQ(seen.size(), 5u);
  request.set_state(hosho::v1::CASE_STATE_ROUTED);
  request.clear_page_token();
  EXPECT_EQ(List("ops", request).cases_size(), 0);
}

}  // namespace
}  // namespace hosho
