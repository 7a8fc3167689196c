#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hosho/events/v1/events.pb.h"
#include "services/common/store/case_store.h"
#include "services/verification/rules.h"

namespace hosho {

// The verdict on a case in VERIFYING, whoever read the certificate (the connector or a clerk):
// the rules applied to `certificate` (null: the credential opened nothing, R01), the transition
// to VERIFIED or RETURNED under the event id "<case>:verified", and the VerificationCompleted
// event as its payload. One builder, so both paths publish the same thing.
TransitionRequest BuildVerdict(const std::string& case_id, const hosho::events::v1::SubmissionReceived& submission,
                               const hosho::v1::CertificateRecord* certificate, const std::string& actor,
                               const std::string& office, absl::Time now, const VerificationPolicy& policy,
                               const RuleContext& context);

// A clerk's verdict is stored before its event is sent; this timer, set before the store write and
// cleared once Kafka has the event, lets VerificationWorker::RepublishVerdicts send a verdict whose
// send failed or whose process died in between (the connector's verdicts are re-sent by redelivery).
inline constexpr char kVerdictPublishTimer[] = "verdict-publish";
// How long a verdict may wait for its own send before the sweep sends it.
inline constexpr absl::Duration kVerdictPublishGrace = absl::Seconds(30);

// The submission with the contract as it stands now: the registry's version when it is newer than the
// snapshot taken at submission (a price or period changed while the case waited), so that a verdict
// is never reached on terms already replaced. `contracts` null: the snapshot as it is.
absl::StatusOr<hosho::events::v1::SubmissionReceived> WithCurrentTerms(
    const hosho::events::v1::SubmissionReceived& submission, ContractStore* contracts);

// The office whose clerks check a submission: the ordering office for 契約保証, the department in
// charge for advances.
std::string CheckingOffice(const hosho::events::v1::SubmissionReceived& submission);

}  // namespace hosho
