// Faults on a real Apache Kafka (KRaft) under the whole stack: a broker killed with SIGKILL under
// load and restarted on its log directory, and a three-node cluster (RF 3, min.insync.replicas 2)
// losing one broker and then the active controller. Every accepted submission must reach ROUTED
// exactly once: one case per request id, one verification and one routing in its history
// (tests/support/fault_load.h).
#include <cstdio>
#include <filesystem>

#include "gtest/gtest.h"
#include "services/stack/kafka_cluster.h"
#include "tests/support/await.h"
#include "tests/support/fault_load.h"

namespace hosho {
namespace {
namespace fs = std::filesystem;

class KafkaFaultsTest : public testing::FaultsTest {};

TEST_F(KafkaFaultsTest, BrokerKilledUnderLoadAndRestartedOnItsLogLosesNothingAndDoesNothingTwice) {
  StartStack(1, "hosho-kafka-faults");
  ASSERT_NE(stack_, nullptr);
  const std::string log_dir = stack_->endpoints().kafka_log_dir;
  testing::SubmissionLoad load(endpoints_, kCases, 4, kPerSecond);
  ASSERT_TRUE(testing::AwaitUntil([&] { return load.answered() >= kCases / 4; }, absl::Seconds(60)));
  ASSERT_TRUE(stack_->kafka()->Kill(1).ok());
  // While the broker is gone, intake answers UNAVAILABLE (its send budget) and the clients retry.
  ASSERT_TRUE(testing::AwaitUntil([&] { return load.unavailable() > 0; }, absl::Seconds(60)));
  const int answered_while_down = load.answered();
  ASSERT_TRUE(stack_->kafka()->Restart(1).ok());
  ExpectEveryCaseRoutedOnce(load);
  EXPECT_LT(answered_while_down, kCases) << "the kill landed under load";
  EXPECT_GT(load.unavailable(), 0);
  // The records are on disk in the broker's own log directory.
  size_t segments = 0;
  for (const auto& entry : fs::recursive_directory_iterator(log_dir)) {
    if (entry.path().extension() == ".log" &&
        entry.path().parent_path().filename().string().rfind("hosho.submissions.v1-", 0) == 0) {
      segments += entry.file_size() > 0 ? 1 : 0;
    }
  }
  EXPECT_GT(segments, 0u) << "no submission records in " << log_dir;
}

TEST_F(KafkaFaultsTest, ThreeNodeClusterLosesABrokerThenTheActiveControllerAndProducersCarryOn) {
  StartStack(3, "hosho-kafka-faults");
  ASSERT_NE(stack_, nullptr);
  KafkaCluster& kafka = *stack_->kafka();
  const std::pair<int, int64_t> leader = kafka.ActiveController();
  const int controller = leader.first;
  const int64_t epoch = leader.second;
  ASSERT_GE(controller, 1) << "no node says it leads the quorum";
  const int other = controller == 1 ? 2 : 1;
  testing::SubmissionLoad load(endpoints_, kCases, 4, kPerSecond);
  ASSERT_TRUE(testing::AwaitUntil([&] { return load.answered() >= kCases / 6; }, absl::Seconds(60)));
  // 1. A broker that is not the controller.
  ASSERT_TRUE(kafka.Kill(other).ok());
  const int before_first = load.answered();
  EXPECT_LT(before_first, kCases / 2) << "the kill lands under load";
  EXPECT_TRUE(testing::AwaitUntil([&] { return load.answered() >= before_first + kCases / 8; }, absl::Seconds(60)))
      << "acks=all with min.insync.replicas 2 carries on with two of three nodes";
  ASSERT_TRUE(kafka.Restart(other).ok());
  // 2. The active controller (with two of three voters left, the quorum elects another).
  ASSERT_TRUE(kafka.Kill(controller).ok());
  const int before_second = load.answered();
  EXPECT_LT(before_second, kCases - kCases / 8) << "the controller's kill lands under load";
  EXPECT_TRUE(testing::AwaitUntil([&] { return load.answered() >= before_second + kCases / 8; }, absl::Seconds(60)))
      << "submissions go on after the controller's loss";
  std::printf("faults: %d answered before the first kill, %d before the controller's\n", before_first, before_second);
  // Another node won a later election (the killed one's log is not read: it is not running).
  EXPECT_TRUE(testing::AwaitUntil([&] { return kafka.ActiveController().second > epoch; }, absl::Seconds(30)));
  EXPECT_NE(kafka.ActiveController().first, controller) << "another node leads the quorum";
  ASSERT_TRUE(kafka.Restart(controller).ok());
  ExpectEveryCaseRoutedOnce(load);
}

}  // namespace
}  // namespace hosho
