// hosho-platform-sim's service over real gRPC: authentication, injected
// failures and latency (through an injected clock).
#include <grpcpp/grpcpp.h>

#include "gtest/gtest.h"
#include "hosho/v1/platform_sim.grpc.pb.h"
#include "services/common/auth/auth.h"
#include "services/common/crypto/sealing.h"
#include "services/common/grpc/grpc_client.h"
#include "services/common/grpc/grpc_server.h"
#include "services/common/runtime/config.h"
#include "services/platform_sim/platform_sim_service.h"
#include "tests/support/fake_clock.h"

namespace hosho {
namespace {

class PlatformSimTest : public ::testing::Test {
 protected:
  void Start(PlatformSimOptions options) {
    auth_ = std::make_unique<Authenticator>(
        *Authenticator::FromYaml("tokens:\n  - {sha256: " + Sha256Hex("svc") +
                                 ", principal: hosho-verification, role: service, office: \"\"}\n"
                                 "  - {sha256: " +
                                 Sha256Hex("sub") + ", principal: s, role: submitter, office: \"\"}\n"));
    auto book = *CertificateBook::FromConfig(
        *Config::FromYaml("certificates:\n  - {platform: d_sure, guarantee_number: DS-1, authentication_key: AK-1, "
                          "record: {kind: contract, issuer: east_japan_construction_surety}}\n"));
    service_ = std::make_unique<PlatformSimService>(std::move(book), auth_.get(), &clock_, options);
    GrpcServerOptions server_options;
    server_options.dev_plaintext = true;
    server_options.drain_timeout = absl::Seconds(1);
    runner_ = std::make_unique<GrpcServerRunner>(server_options);
    runner_->AddService(service_.get());
    ASSERT_TRUE(runner_->Start().ok());
    ChannelOptions channel;
    channel.target = "127.0.0.1:" + std::to_string(runner_->port());
    channel.dev_plaintext = true;
    stub_ = hosho::v1::PlatformLookup::NewStub(*MakeChannel(channel));
  }

  grpc::Status Lookup(const std::string& token, const std::string& key) {
    grpc::ClientContext context;
    AttachBearerToken(&context, token);
    hosho::v1::LookupDSureRequest request;
    request.mutable_credential()->set_guarantee_number("DS-1");
    request.mutable_credential()->set_authentication_key(key);
    hosho::v1::CertificateRecord record;
    return stub_->LookupDSure(&context, request, &record);
  }

  FakeClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<PlatformSimService> service_;
  std::unique_ptr<GrpcServerRunner> runner_;
  std::unique_ptr<hosho::v1::PlatformLookup::Stub> stub_;
};

TEST_F(PlatformSimTest, AnswersTheConnectorAndRefusesOthers) {
  Start({});
  EXPECT_TRUE(Lookup("svc", "AK-1").ok());
  EXPECT_EQ(Lookup("svc", "AK-2").error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Lookup("sub", "AK-1").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Lookup("", "AK-1").error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(PlatformSimTest, InjectedFailuresAnswerUnavailable) {
  PlatformSimOptions options;
  options.failure_rate = 1.0;
  Start(options);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Lookup("svc", "AK-1").error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(PlatformSimTest, ConfiguredLatencyIsSpentOnTheClock) {
  PlatformSimOptions options;
  options.latency = absl::Milliseconds(250);
  Start(options);
  const absl::Time before = clock_.Now();
  ASSERT_TRUE(Lookup("svc", "AK-1").ok());
  ASSERT_TRUE(Lookup("svc", "AK-1").ok());
  EXPECT_EQ(clock_.Now() - before, absl::Milliseconds(500));
}

}  // namespace
}  // namespace hosho
