#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "hosho/v1/domain.pb.h"
#include "services/common/kafka/kafka.h"
#include "services/common/store/case_ledger.h"

namespace hosho {

// What a hop does with a record whose step the store refused because the case was not in the state
// the step starts from (`refused`: the store's FAILED_PRECONDITION). `implied` is the state the record
// says the case has reached (a VERIFIED verdict implies VERIFIED).
// - The case moved on (past `implied`, or onto another branch, such as withdrawn or returned): the
//   record has nothing left to do (skipped).
// - The case is behind it (the store lost its last writes, or is restored from an older copy): the
//   hop must not skip a step the case still needs, so it waits (retry). A case that never catches up
//   reaches the dead-letter topic after the consumer's attempts, visible and replayable, not dropped.
RecordResult StepRefused(CaseLedger& ledger, absl::string_view case_id, hosho::v1::CaseState implied,
                         const absl::Status& refused);

}  // namespace hosho
