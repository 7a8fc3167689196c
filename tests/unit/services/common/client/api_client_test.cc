// ApiClient against a HandoffService of its own on loopback: which RPC each hand-off step calls, the
// credentials and trace every call carries (as a principal, or a service acting for a user), the
// deadline, the error details coming back, and a service it has no channel to.
#include "services/common/client/api_client.h"

#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "hosho/v1/handoff.grpc.pb.h"
#include "services/common/grpc/grpc_client.h"
#include "services/common/grpc/grpc_server.h"
#include "services/common/runtime/errors.h"

namespace hosho {
namespace {

// How much longer than the client's deadline a server may see it (see the hand-off test below).
constexpr absl::Duration kTimeoutRounding = absl::Milliseconds(100);

// What the server saw of one call.
struct Seen {
  std::string method;
  std::string case_id;
  std::string authorization;
  std::string acting_for;
  std::string traceparent;
  absl::Duration time_left;
};

class RecordingHandoff final : public hosho::v1::HandoffService::Service {
 public:
  grpc::Status ConcludeContract(grpc::ServerContext* c, const hosho::v1::HandoffRequest* r,
                                hosho::v1::Case* out) override {
    return Answer("ConcludeContract", *c, *r, out);
  }
  grpc::Status AcknowledgeReceipt(grpc::ServerContext* c, const hosho::v1::HandoffRequest* r,
                                  hosho::v1::Case* out) override {
    return Answer("AcknowledgeReceipt", *c, *r, out);
  }
  grpc::Status RecordPaymentHandoff(grpc::ServerContext* c, const hosho::v1::HandoffRequest* r,
                                    hosho::v1::Case* out) override {
    return Answer("RecordPaymentHandoff", *c, *r, out);
  }
  grpc::Status Withdraw(grpc::ServerContext* c, const hosho::v1::HandoffRequest* r, hosho::v1::Case* out) override {
    return Answer("Withdraw", *c, *r, out);
  }

  std::vector<Seen> calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }

 private:
  static std::string Header(const grpc::ServerContext& c, const std::string& name) {
    auto it = c.client_metadata().find(name);
    return it == c.client_metadata().end() ? "" : std::string(it->second.data(), it->second.size());
  }

  grpc::Status Answer(const char* method, const grpc::ServerContext& c, const hosho::v1::HandoffRequest& r,
                      hosho::v1::Case* out) {
    {
      absl::MutexLock lock(&mu_);
      calls_.push_back({method, r.case_id(), Header(c, "authorization"), Header(c, kActingForHeader),
                        Header(c, "traceparent"), absl::FromChrono(c.deadline()) - absl::Now()});
    }
    if (r.case_id() == "HS-WRONG") {
      return ToGrpcStatus(ViolationStatus(absl::StatusCode::kFailedPrecondition,
                                          {{"case_id", "HANDOFF_WRONG_STATE", "この案件は現在「受付」のため"}}));
    }
    out->set_case_id(r.case_id());
    return grpc::Status::OK;
  }

  absl::Mutex mu_;
  std::vector<Seen> calls_ ABSL_GUARDED_BY(mu_);
};

class ApiClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    GrpcServerOptions options;
    options.dev_plaintext = true;
    options.drain_timeout = absl::Seconds(1);
    runner_ = std::make_unique<GrpcServerRunner>(options);
    runner_->AddService(&service_);
    ASSERT_TRUE(runner_->Start().ok());
    ChannelOptions channel;
    channel.target = "127.0.0.1:" + std::to_string(runner_->port());
    channel.dev_plaintext = true;
    routing_ = *MakeChannel(channel);
  }

  RecordingHandoff service_;
  std::unique_ptr<GrpcServerRunner> runner_;
  std::shared_ptr<grpc::Channel> routing_;
};

TEST_F(ApiClientTest, EachHandoffStepCallsItsOwnRpc) {
  const ApiClient api(ApiChannels{.routing = routing_}, Caller{.token = "t"});
  for (HandoffStep step :
       {HandoffStep::kConclude, HandoffStep::kAcknowledge, HandoffStep::kPaymentHandoff, HandoffStep::kWithdraw}) {
    auto answer = api.Handoff(step, "HS-1", "備考", 3);
    ASSERT_TRUE(answer.ok()) << answer.status();
    EXPECT_EQ(answer->case_id(), "HS-1");
  }
  std::vector<std::string> methods;
  for (const Seen& seen : service_.calls()) methods.push_back(seen.method);
  EXPECT_EQ(methods,
            (std::vector<std::string>{"ConcludeContract", "AcknowledgeReceipt", "RecordPaymentHandoff", "Withdraw"}));
}

TEST_F(ApiClientTest, APrincipalSendsItsTokenAndTheUsualDeadline) {
  const ApiClient api(ApiChannels{.routing = routing_}, Caller{.token = "clerk-token"});
  ASSERT_TRUE(api.Handoff(HandoffStep::kConclude, "HS-1").ok());
  const Seen seen = service_.calls().at(0);
  EXPECT_EQ(seen.authorization, "Bearer clerk-token");
  EXPECT_EQ(seen.acting_for, "");
  EXPECT_EQ(seen.traceparent, "");
  // A hand-off's own deadline is 15 s.
  // The deadline travels as a timeout (the grpc-timeout header, rounded up to its unit), which the
  // server adds to its own clock: it may see a few milliseconds more than the client set.
  EXPECT_GT(seen.time_left, absl::Seconds(10));
  EXPECT_LE(seen.time_left, absl::Seconds(15) + kTimeoutRounding);
}

TEST_F(ApiClientTest, AServiceActsForTheUserWithItsTraceAndDeadline) {
  const ApiClient service(ApiChannels{.routing = routing_},
                          Caller{.token = "console-token", .deadline = absl::Seconds(3)});
  Caller for_user = service.caller();
  for_user.acting_for = Principal{.name = "sato", .role = Role::kClerk, .office = "contract-division"};
  for_user.traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  ASSERT_TRUE(service.As(for_user).Handoff(HandoffStep::kWithdraw, "HS-2", "取下げ").ok());
  const Seen seen = service_.calls().at(0);
  EXPECT_EQ(seen.method, "Withdraw");
  EXPECT_EQ(seen.authorization, "Bearer console-token");
  EXPECT_EQ(seen.acting_for, ActingForValue(*for_user.acting_for));
  EXPECT_EQ(seen.traceparent, for_user.traceparent);
  EXPECT_GT(seen.time_left, absl::ZeroDuration());
  EXPECT_LE(seen.time_left, absl::Seconds(3) + kTimeoutRounding);
  // The service's own client is unchanged by the copy made for the user.
  EXPECT_FALSE(service.caller().acting_for.has_value());
}

TEST_F(ApiClientTest, ARefusalComesBackWithItsFieldAndCode) {
  const ApiClient api(ApiChannels{.routing = routing_}, Caller{.token = "t"});
  auto answer = api.Handoff(HandoffStep::kConclude, "HS-WRONG");
  ASSERT_TRUE(absl::IsFailedPrecondition(answer.status())) << answer.status();
  const std::vector<FieldViolation> violations = ViolationsOf(answer.status());
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].field, "case_id");
  EXPECT_EQ(violations[0].code, "HANDOFF_WRONG_STATE");
}

TEST_F(ApiClientTest, AServiceWithoutAChannelAnswersFailedPrecondition) {
  const ApiClient api(ApiChannels{.routing = routing_}, Caller{.token = "t"});
  EXPECT_TRUE(absl::IsFailedPrecondition(api.GetCase("HS-1").status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(api.ListTasks().status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(api.Submit({}).status()));
  EXPECT_TRUE(service_.calls().empty());
}

}  // namespace
}  // namespace hosho
