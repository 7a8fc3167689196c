// The gRPC runner over real sockets: bearer-token authentication and roles,
// health, reflection, and the refusal to serve plaintext beyond loopback.
#include "services/common/grpc/grpc_server.h"

#include <grpcpp/grpcpp.h>

#include <cstdio>

#include "gtest/gtest.h"
#include "hosho/v1/echo.grpc.pb.h"
#include "services/common/auth/auth.h"
#include "services/common/crypto/sealing.h"
#include "services/common/grpc/grpc_client.h"
#include "services/common/runtime/clock.h"
#include "services/common/runtime/errors.h"
#include "services/common/runtime/metrics.h"
#include "services/common/runtime/net.h"
#include "services/stack/stack.h"
#include "tests/support/fake_clock.h"
#include "tests/support/grpc_probe.h"

namespace hosho {
namespace {

class GuardedEcho final : public hosho::v1::Echo::Service {
 public:
  explicit GuardedEcho(const Authenticator* auth) : auth_(auth) {}
  grpc::Status Echo(grpc::ServerContext* context, const hosho::v1::EchoMessage* request,
                    hosho::v1::EchoMessage* response) override {
    auto principal = auth_->Require(*context, {Role::kOperator, Role::kClerk});
    if (!principal.ok()) return ToGrpcStatus(principal.status());
    response->set_payload(request->payload() + "/" + principal->name + "@" + principal->office);
    return grpc::Status::OK;
  }

 private:
  const Authenticator* auth_;
};

class GrpcServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string yaml =
        "tokens:\n  - {sha256: " + Sha256Hex("clerk-token") +
        ", principal: alice, role: clerk, office: contract-division}\n  - {sha256: " + Sha256Hex("submitter-token") +
        ", principal: bob, role: submitter, office: \"\"}\n  - {sha256: " + Sha256Hex("term-token") +
        ", principal: vendor, role: clerk, office: contract-division, expires_at: \"2026-04-01T00:00:00+09:00\"}\n";
    auth_ = std::make_unique<Authenticator>(*Authenticator::FromYaml(yaml, &clock_));
    service_ = std::make_unique<GuardedEcho>(auth_.get());
    GrpcServerOptions options;
    options.dev_plaintext = true;
    options.drain_timeout = absl::Seconds(1);
    runner_ = std::make_unique<GrpcServerRunner>(options);
    runner_->AddService(service_.get());
    ASSERT_TRUE(runner_->Start().ok());
    ChannelOptions channel;
    channel.target = "127.0.0.1:" + std::to_string(runner_->port());
    channel.dev_plaintext = true;
    channel_ = *MakeChannel(channel);
    stub_ = hosho::v1::Echo::NewStub(channel_);
  }

  grpc::Status Call(const std::string& token, std::string* out) {
    grpc::ClientContext context;
    AttachBearerToken(&context, token);
    hosho::v1::EchoMessage request, response;
    request.set_payload("hi");
    grpc::Status status = stub_->Echo(&context, request, &response);
    *out = response.payload();
    return status;
  }

  FakeClock clock_{absl::FromUnixSeconds(1774969200) - absl::Seconds(1)};  // 2026-03-31T23:59:59+09:00
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<GuardedEcho> service_;
  std::unique_ptr<GrpcServerRunner> runner_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<hosho::v1::Echo::Stub> stub_;
};

TEST_F(GrpcServerTest, AKnownTokenMapsToItsPrincipal) {
  std::string out;
  ASSERT_TRUE(Call("clerk-token", &out).ok());
  EXPECT_EQ(out, "hi/alice@contract-division");
}

TEST_F(GrpcServerTest, NoTokenOrAnUnknownTokenIsUnauthenticated) {
  std::string out;
  EXPECT_EQ(Call("", &out).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Call("forged", &out).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(GrpcServerTest, ATokenIsRefusedAsExpiredFromItsExpiryOn) {
  std::string out;
  ASSERT_TRUE(Call("term-token", &out).ok()) << "one second before expires_at";
  EXPECT_EQ(out, "hi/vendor@contract-division");
  clock_.Advance(absl::Seconds(1));
  const grpc::Status expired = Call("term-token", &out);
  EXPECT_EQ(expired.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  const std::vector<FieldViolation> violations = ViolationsOf(FromGrpcStatus(expired));
  ASSERT_EQ(violations.size(), 1u) << expired.error_message();
  EXPECT_EQ(violations[0].code, "TOKEN_EXPIRED");
  EXPECT_EQ(violations[0].field, "authorization");
  EXPECT_EQ(Call("clerk-token", &out).error_code(), grpc::StatusCode::OK) << "a token without expires_at lasts";
}

TEST_F(GrpcServerTest, AnExpiredTokenIsCountedAtEveryCallAndLoggedOnceAMinuteNamingItsPrincipal) {
  std::string out;
  auto& refused = Metrics().GetCounter("hosho_auth_expired_tokens_total", "", {{"principal", "vendor"}});
  const double before = refused.Value();
  clock_.Advance(absl::Seconds(1));
  ::testing::internal::CaptureStdout();  // log lines are JSON on stdout
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Call("term-token", &out).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(Call("term-token", &out).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  std::fflush(stdout);
  const std::string log = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(refused.Value() - before, 6) << "every refusal counted";
  int lines = 0;
  for (size_t at = log.find("expired token refused"); at != std::string::npos;
       at = log.find("expired token refused", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 2) << "once for the first five calls, once a minute later:\n" << log;
  EXPECT_NE(log.find("\"principal\":\"vendor\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"expired_at\":\"2026-03-31T15:00:00+00:00\""), std::string::npos) << log;
  EXPECT_EQ(log.find("term-token"), std::string::npos) << "the token itself is never logged";
}

TEST(AuthenticatorTest, ATokenWithAnExpiryIsCountedFromZeroBeforeAnyRefusal) {
  const std::string yaml = "tokens:\n  - {sha256: " + Sha256Hex("fresh") +
                           ", principal: fresh-vendor, role: integration, office: \"\", "
                           "expires_at: \"2030-04-01T00:00:00+09:00\"}\n";
  ASSERT_TRUE(Authenticator::FromYaml(yaml).ok());
  // A series that is born at its first refusal shows no increase(), and HoshoTokenExpired would miss it.
  EXPECT_NE(Metrics().RenderText().find("hosho_auth_expired_tokens_total{principal=\"fresh-vendor\"} 0\n"),
            std::string::npos);
}

TEST(AuthenticatorTest, AnExpiryThatIsNotRfc3339IsRefusedAtLoad) {
  const std::string yaml = "tokens:\n  - {sha256: " + Sha256Hex("t") +
                           ", principal: v, role: integration, office: \"\", expires_at: \"next April\"}\n";
  const auto auth = Authenticator::FromYaml(yaml);
  EXPECT_TRUE(absl::IsInvalidArgument(auth.status())) << auth.status();
}

TEST_F(GrpcServerTest, AWrongRoleIsPermissionDenied) {
  std::string out;
  EXPECT_EQ(Call("submitter-token", &out).error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(GrpcServerTest, HealthAndReflectionAreServed) {
  auto serving = testing::IsServing(channel_);
  ASSERT_TRUE(serving.ok()) << serving.status();
  EXPECT_TRUE(*serving);
  auto services = testing::ListServicesByReflection(channel_);
  ASSERT_TRUE(services.ok()) << services.status();
  EXPECT_NE(std::find(services->begin(), services->end(), "hosho.v1.Echo"), services->end());
  EXPECT_NE(std::find(services->begin(), services->end(), "grpc.health.v1.Health"), services->end());
}

TEST_F(GrpcServerTest, ShutdownTurnsHealthNotServingAndStops) {
  runner_->Shutdown();
  EXPECT_FALSE(testing::IsServing(channel_).ok());
}

TEST(GrpcServerOptionsTest, TheProbePortAnswersHealthOnlyAndFollowsTheServer) {
  auto base = FindFreePortRange(1);
  ASSERT_TRUE(base.ok()) << base.status();
  GrpcServerOptions options;
  options.dev_plaintext = true;
  options.drain_timeout = absl::Seconds(1);
  options.health_listen_address = "127.0.0.1:" + std::to_string(*base);
  hosho::v1::Echo::Service echo;
  GrpcServerRunner runner(options);
  runner.AddService(&echo);
  ASSERT_TRUE(runner.Start().ok());
  ChannelOptions channel;
  channel.target = options.health_listen_address;
  channel.dev_plaintext = true;
  auto probe = *MakeChannel(channel);
  auto serving = testing::IsServing(probe);
  ASSERT_TRUE(serving.ok()) << serving.status();
  EXPECT_TRUE(*serving);
  // gRPC's reflection plugin is process-wide, so the probe port lists the (public) service names too;
  // it serves none of them.
  grpc::ClientContext context;
  hosho::v1::EchoMessage request, response;
  EXPECT_EQ(hosho::v1::Echo::NewStub(probe)->Echo(&context, request, &response).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  runner.Shutdown();
  auto after = testing::IsServing(probe);
  EXPECT_TRUE(!after.ok() || !*after) << "a stopping server is not SERVING";
}

TEST(GrpcServerOptionsTest, PlaintextIsRefusedBeyondLoopbackAndWithoutTheFlag) {
  GrpcServerOptions options;
  options.listen_address = "0.0.0.0:0";
  options.dev_plaintext = true;
  EXPECT_TRUE(absl::IsFailedPrecondition(GrpcServerRunner(options).Start()));
  options.listen_address = "127.0.0.1:0";
  options.dev_plaintext = false;
  EXPECT_TRUE(absl::IsFailedPrecondition(GrpcServerRunner(options).Start()));
  ChannelOptions channel;
  channel.target = "10.1.2.3:443";
  channel.dev_plaintext = true;
  EXPECT_TRUE(absl::IsFailedPrecondition(MakeChannel(channel).status()));
  EXPECT_TRUE(IsLoopbackAddress("127.0.0.1:1"));
  EXPECT_TRUE(IsLoopbackAddress("[::1]:1"));
  EXPECT_TRUE(IsLoopbackAddress("localhost:1"));
  EXPECT_FALSE(IsLoopbackAddress("0.0.0.0:1"));
}

}  // namespace
}  // namespace hosho
