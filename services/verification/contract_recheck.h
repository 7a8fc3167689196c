#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "hosho/events/v1/events.pb.h"
#include "services/common/kafka/kafka.h"
#include "services/common/runtime/clock.h"
#include "services/common/runtime/metrics.h"
#include "services/common/store/case_store.h"
#include "services/verification/rules.h"

namespace hosho {

struct RecheckOptions {
  // How long the contractor has to submit the amended guarantee (a city setting,
  // amendments.deadline_days).
  absl::Duration amended_guarantee_due = absl::Hours(24 * 14);
  absl::Duration send_timeout = absl::Seconds(10);
  // The cases of one contract looked at per change (a contract has a handful: one per guarantee).
  int max_cases_per_contract = 1000;
};

// Contract changes after a guarantee was checked (増額・減額・工期延長). Takes hosho.contracts.v1:
// for every case of the contract whose guarantee was checked (VERIFIED onwards, closed cases too)
// against an older version, runs RecheckAfterContractChange on the new one and records the result on
// the case (a history note either way). When a rule fails, the case waits for an amended guarantee
// (変更保証) by a deadline, is listed under its office's amended-guarantee timer, and a
// GuaranteeRechecked event on hosho.verifications.v1 tells hosho-notification to write to the
// contractor and the office. Every step is keyed by `<case>:rechecked:v<version>`: a redelivered
// record finds the stored outcome, lists the case again and re-sends the stored event, deciding
// nothing twice. The rules compare the new version with the terms of the verdict, so what one version
// asked for is still asked after a later one; a deadline once running is kept.
class ContractRechecker {
 public:
  ContractRechecker(CaseStore* cases, EventProducer* producer, Clock* clock, VerificationPolicy policy,
                    RecheckOptions options);
  // Dead letter for a record that is not an event envelope; retry while the store or the broker fails
  // (the record is done again whole: what was recorded replays).
  RecordResult Handle(const KafkaRecord& record);

 private:
  absl::Status Recheck(const std::string& case_id, const hosho::v1::Contract& changed, absl::Time now);
  // Records the outcome on the case (once per event id), lists the case and sends the stored event.
  absl::Status RecordAndSend(const CaseNote& note, bool required, const hosho::v1::Contract& changed);
  absl::Status ListAndSend(const std::string& case_id, const hosho::events::v1::Envelope& stored);

  CaseStore* cases_;
  EventProducer* producer_;
  Clock* clock_;
  VerificationPolicy policy_;
  RecheckOptions options_;
  // Metric handles, created once.
  Counter& unreadable_;
  Counter& amended_required_;
  Counter& covered_;
};

// An amended guarantee (a submission with supersedes_case_id) was verified: the case it supersedes
// records it (superseded_by_case_id, a history note), stops waiting for an amended guarantee, and
// leaves its office's list. Once per pair, whichever path verified it (connector, clerk, sweep).
absl::Status ResolveSuperseded(CaseStore& cases, const std::string& case_id,
                               const hosho::events::v1::SubmissionReceived& submission, absl::Time now);

}  // namespace hosho
