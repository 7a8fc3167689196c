// hosho-stack's supervision against the real binaries: a service killed with SIGKILL
// is restarted after its backoff and serves again, said on stdout, in its log and in the metrics
// file; a second crash in a row waits twice as long; an orderly stop (SIGTERM, status 0) stays
// stopped.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "services/common/http/http_server.h"
#include "services/hoshoctl/client.h"
#include "services/stack/stack.h"
#include "tests/support/await.h"
#include "tests/support/fixtures.h"

namespace hosho {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

pid_t PidOf(Stack& stack, const std::string& name) {
  for (const auto& [n, pid] : stack.Pids()) {
    if (n == name) return pid;
  }
  return 0;
}

bool Ready(Stack& stack, const std::string& name) {
  auto reply = HttpGet("127.0.0.1", stack.endpoints().admin.at(name), "/readyz", {});
  return reply.ok() && reply->status == 200;
}

TEST(StackSupervisionTest, ACrashedServiceComesBackAndAnOrderlyStopStaysStopped) {
  StackOptions options = testing::TestStackOptions("hosho-supervision");
  auto started = Stack::Start(options);
  ASSERT_TRUE(started.ok()) << started.status();
  Stack& stack = **started;
  SupervisionOptions supervision;
  supervision.poll = absl::Milliseconds(50);
  supervision.first_backoff = absl::Milliseconds(300);
  stack.Supervise(supervision);
  const std::string intake_log = stack.endpoints().logs_dir + "/intake.log";
  const std::string metrics = options.run_dir + "/stack-metrics.prom";
  EXPECT_TRUE(absl::StrContains(ReadFile(metrics), "hosho_stack_restarts_total{child=\"intake\"} 0"));

  // A crash: SIGKILL. The supervisor restarts intake, which serves again.
  const pid_t first = PidOf(stack, "intake");
  ASSERT_GT(first, 0);
  ASSERT_EQ(kill(first, SIGKILL), 0);
  ASSERT_TRUE(testing::AwaitUntil(
      [&] {
        const pid_t now = PidOf(stack, "intake");
        return now != 0 && now != first && Ready(stack, "intake");
      },
      absl::Seconds(60)));
  EXPECT_EQ(stack.Restarts()["intake"], 1);
  EXPECT_TRUE(testing::AwaitUntil(
      [&] { return absl::StrContains(ReadFile(metrics), "hosho_stack_restarts_total{child=\"intake\"} 1"); }));
  const std::string log = ReadFile(intake_log);
  EXPECT_TRUE(absl::StrContains(log, "killed by signal 9; restarting in 300ms (crash 1 in a row)")) << log;
  EXPECT_TRUE(absl::StrContains(log, "restarted after an unexpected exit (restart 1)")) << log;

  // The restarted intake takes a submission (its state is Redis and Kafka, not the process).
  auto endpoints = EndpointsFromStackFile(options.run_dir + "/stack.yaml");
  ASSERT_TRUE(endpoints.ok()) << endpoints.status();
  auto client = *HoshoClient::Connect(*endpoints);
  ASSERT_TRUE(client->ActAs("city-contract-system").ok());
  auto imported = client->ImportContractsCsv(testing::SourceFile("deploy/demo/contracts.csv"));
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->refused(), 0);

  // A second crash in a row waits twice as long.
  const pid_t second = PidOf(stack, "intake");
  ASSERT_EQ(kill(second, SIGKILL), 0);
  ASSERT_TRUE(testing::AwaitUntil(
      [&] {
        const pid_t now = PidOf(stack, "intake");
        return now != 0 && now != second && Ready(stack, "intake");
      },
      absl::Seconds(60)));
  EXPECT_EQ(stack.Restarts()["intake"], 2);
  EXPECT_TRUE(absl::StrContains(ReadFile(intake_log), "killed by signal 9; restarting in 600ms (crash 2 in a row)"));

  // An orderly stop (SIGTERM: routing drains and exits 0) is what an operator asked for.
  const pid_t routing = PidOf(stack, "routing");
  ASSERT_GT(routing, 0);
  ASSERT_EQ(kill(routing, SIGTERM), 0);
  ASSERT_TRUE(testing::AwaitUntil(
      [&] {
        return absl::StrContains(ReadFile(stack.endpoints().logs_dir + "/routing.log"),
                                 "exited with status 0 (an orderly stop): not restarted");
      },
      absl::Seconds(60)));
  EXPECT_EQ(PidOf(stack, "routing"), 0);
  EXPECT_EQ(stack.Restarts()["routing"], 0);

  // Stop() is not a crash either: nothing is restarted while the stack goes down.
  stack.Stop();
  EXPECT_EQ(stack.Restarts()["intake"], 2);
  fs::remove_all(options.run_dir);
}

}  // namespace
}  // namespace hosho
