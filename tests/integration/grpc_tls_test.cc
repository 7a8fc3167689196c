// TLS and mTLS from files over real sockets: an mTLS client certificate maps to
// its principal; a client without one cannot connect; TLS may listen beyond loopback.
#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "hosho/v1/echo.grpc.pb.h"
#include "services/common/auth/auth.h"
#include "services/common/crypto/sealing.h"
#include "services/common/grpc/grpc_client.h"
#include "services/common/grpc/grpc_server.h"
#include "services/common/runtime/errors.h"
#include "tests/support/fixtures.h"
#include "tests/support/redis_server.h"

namespace hosho {
namespace {

class WhoAmI final : public hosho::v1::Echo::Service {
 public:
  explicit WhoAmI(const Authenticator* auth) : auth_(auth) {}
  grpc::Status Echo(grpc::ServerContext* context, const hosho::v1::EchoMessage*,
                    hosho::v1::EchoMessage* response) override {
    auto principal = auth_->Authenticate(*context);
    if (!principal.ok()) return ToGrpcStatus(principal.status());
    response->set_payload(absl::StrCat(principal->name, "/", RoleName(principal->role)));
    return grpc::Status::OK;
  }

 private:
  const Authenticator* auth_;
};

class GrpcTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(testing::MakeTempDir("hosho-tls"));
    const std::string d = *dir_;
    ASSERT_TRUE(testing::MakeTestCertificates(d)) << "openssl failed; see " << d;
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }

  std::unique_ptr<GrpcServerRunner> Serve(bool mtls, const std::string& listen = "127.0.0.1:0") {
    auth_ = std::make_unique<Authenticator>(*Authenticator::FromYaml(
        "tokens:\n  - {sha256: " + Sha256Hex("operator-token") +
        ", principal: ops, role: operator, office: \"\"}\n"
        "mtls:\n  - {common_name: hosho-verification, principal: hosho-verification, role: service, office: \"\"}\n"));
    service_ = std::make_unique<WhoAmI>(auth_.get());
    GrpcServerOptions options;
    options.listen_address = listen;
    options.tls_cert_file = *dir_ + "/server.crt";
    options.tls_key_file = *dir_ + "/server.key";
    if (mtls) options.tls_client_ca_file = *dir_ + "/ca.crt";
    options.drain_timeout = absl::Seconds(1);
    auto runner = std::make_unique<GrpcServerRunner>(options);
    runner->AddService(service_.get());
    EXPECT_TRUE(runner->Start().ok());
    return runner;
  }

  grpc::Status Call(int port, bool client_cert, const std::string& token, std::string* who) {
    ChannelOptions options;
    options.target = absl::StrCat("localhost:", port);
    options.ca_file = *dir_ + "/ca.crt";
    if (client_cert) {
      options.cert_file = *dir_ + "/client.crt";
      options.key_file = *dir_ + "/client.key";
    }
    auto channel = MakeChannel(options);
    EXPECT_TRUE(channel.ok()) << channel.status();
    auto stub = hosho::v1::Echo::NewStub(*channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    AttachBearerToken(&context, token);
    hosho::v1::EchoMessage request, response;
    grpc::Status status = stub->Echo(&context, request, &response);
    *who = response.payload();
    return status;
  }

  static std::string* dir_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<WhoAmI> service_;
};

std::string* GrpcTlsTest::dir_ = nullptr;

TEST_F(GrpcTlsTest, AnMtlsClientCertificateMapsToItsPrincipal) {
  auto server = Serve(/*mtls=*/true);
  std::string who;
  grpc::Status status = Call(server->port(), /*client_cert=*/true, "", &who);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(who, "hosho-verification/service");
}

TEST_F(GrpcTlsTest, WithoutAClientCertificateAnMtlsServerRefusesTheConnection) {
  auto server = Serve(/*mtls=*/true);
  std::string who;
  EXPECT_EQ(Call(server->port(), /*client_cert=*/false, "operator-token", &who).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(GrpcTlsTest, OverTlsABearerTokenStillIdentifiesTheCaller) {
  auto server = Serve(/*mtls=*/false, "0.0.0.0:0");  // TLS may listen beyond loopback
  std::string who;
  grpc::Status status = Call(server->port(), /*client_cert=*/false, "operator-token", &who);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(who, "ops/operator");
  EXPECT_EQ(Call(server->port(), false, "", &who).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

}  // namespace
}  // namespace hosho
