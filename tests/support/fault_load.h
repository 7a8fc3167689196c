#pragma once
// Load and checks shared by the fault tests (kafka_faults_test, redis_faults_test): a stack with one
// contract and one D-Sure certificate per submission, submitters that retry UNAVAILABLE with the same
// request id (as docs/api.md asks a client to), and the check that every accepted submission reached
// ROUTED exactly once.
#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "hosho/v1/intake.pb.h"
#include "services/hoshoctl/client.h"
#include "services/stack/stack.h"

namespace hosho::testing {

// Submission i of a fault test (its request id, contract and certificate).
hosho::v1::SubmitGuaranteeRequest FaultSubmission(int i);
// The contract every fault submission is for (its contractor has a mail address, so that a routed case
// mails the contractor as well as the office).
hosho::v1::Contract FaultContract();
// The platform simulator's certificates for submissions 0 .. cases-1.
absl::Status WriteFaultCertificates(const std::string& file, int cases);
// Every case record (case:{<id>}, nothing else of the case's keys) in the Redis on `redis_port`.
std::set<std::string> CaseIdsInRedis(int redis_port);

// `cases` submissions at `per_second` from `threads` clients (so that a fault lands while submissions
// keep coming); each is retried on UNAVAILABLE or DEADLINE_EXCEEDED with the same request id for up
// to 120 s.
class SubmissionLoad {
 public:
  SubmissionLoad(const Endpoints& endpoints, int cases, int threads, int per_second);
  ~SubmissionLoad() { Join(); }
  void Join();
  int answered() const { return answered_.load(); }
  int unavailable() const { return unavailable_.load(); }
  std::map<int, std::string> CaseIds();
  std::vector<std::string> Refusals();

 private:
  void SubmitUntilAnswered(HoshoClient& client, int i);

  const int cases_;
  std::vector<std::thread> threads_;
  std::atomic<int> answered_{0};
  std::atomic<int> unavailable_{0};
  absl::Mutex mu_;
  std::map<int, std::string> case_ids_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> refusals_ ABSL_GUARDED_BY(mu_);
};

class FaultsTest : public ::testing::Test {
 protected:
  static constexpr int kCases = 360;
  static constexpr int kPerSecond = 8;  // 45 s of submissions: every fault lands while they keep coming

  // A stack (no mail server: the faults are the broker's and the store's) with the fault contract and
  // kCases certificates.
  void StartStack(int kafka_nodes, const std::string& name);
  void TearDown() override;
  // Awaits ROUTED for every case, then checks each was verified and routed exactly once and that Redis
  // holds no other case.
  void ExpectEveryCaseRoutedOnce(SubmissionLoad& load);
  // Every case record (case:{<id>}, nothing else of the case's keys) in the stack's Redis.
  std::set<std::string> CasesInRedis();

  StackOptions options_;
  std::unique_ptr<Stack> stack_;
  Endpoints endpoints_;
  std::unique_ptr<HoshoClient> client_;
};

}  // namespace hosho::testing
