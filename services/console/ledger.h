#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "hosho/events/v1/events.pb.h"
#include "hosho/v1/cases.pb.h"
#include "services/common/auth/auth.h"
#include "services/common/domain/offices.h"
#include "services/common/store/case_store.h"

namespace hosho {

// The guarantee ledger (保証台帳): what a Japanese office reconciles in Excel and files on paper. One
// row a case received in a period, with the contract it was for, what the certificate said, the
// verdict with its rule codes, who checked it and when, and the date of each later step. Served as
// CaseService.ExportLedger (hoshoctl ledger) and as the console's download on the search page.

// A file a clerk may ask for at most (refused beyond: LEDGER_TOO_LARGE, narrow the period): rows, and
// bytes, so that the file fits a gRPC message every client receives by default (4 MiB).
inline constexpr int kLedgerMaxRows = 5000;
inline constexpr size_t kLedgerMaxBytes = 3 * 1024 * 1024;
// The longest period one file covers: a fiscal year and a day.
inline constexpr int kLedgerMaxDays = 366;
// The office value that asks for every office (operators, integrations and services only).
inline constexpr char kEveryOffice[] = "*";

struct LedgerQuery {
  std::string office;                                                     // an office code, or kEveryOffice
  absl::CivilDay received_from;                                           // Japan time, inclusive
  absl::CivilDay received_to;                                             // Japan time, inclusive
  hosho::v1::GuaranteeKind kind = hosho::v1::GUARANTEE_KIND_UNSPECIFIED;  // any
  hosho::v1::CaseState state = hosho::v1::CASE_STATE_UNSPECIFIED;         // any
  hosho::v1::ExportLedgerRequest::Format format = hosho::v1::ExportLedgerRequest::FORMAT_CSV_UTF8;
};

// The request checked and resolved for `principal`: a clerk gets their own office (another office,
// or a clerk without one, is PERMISSION_DENIED LEDGER_OFFICE_NOT_ALLOWED); operators, integrations
// and services name an office of `offices` (LEDGER_OFFICE_UNKNOWN otherwise; null: not checked) or
// "*"; a submitter may not export (ROLE_NOT_ALLOWED). The period is required, in order and at most
// kLedgerMaxDays days counting both ends (LEDGER_PERIOD_INVALID); unknown enum values are refused
// (KIND_INVALID, STATE_INVALID, FORMAT_INVALID).
absl::StatusOr<LedgerQuery> LedgerQueryFor(const Principal& principal, const hosho::v1::ExportLedgerRequest& request,
                                           const OfficeDirectory* offices = nullptr);

// The column headings, in Japanese, in the order of LedgerRowFor's cells.
const std::vector<std::string>& LedgerHeader();

// One case's row. `submission` and `verification` are the events the case stored when it was
// received and checked (null when there is none yet); `offices` names the offices (null: codes).
std::vector<std::string> LedgerRowFor(const hosho::v1::Case& c, const hosho::events::v1::SubmissionReceived* submission,
                                      const hosho::events::v1::VerificationCompleted* verification,
                                      const OfficeDirectory* offices);

// The rows of every case the query selects, oldest received first: a case belongs to an office's
// ledger when the office ordered it, is in charge of the works or is responsible for it now. The
// cases are counted from their summaries first (LEDGER_TOO_LARGE before any is loaded); `cancelled`
// (optional) stops the work when the caller has gone (CANCELLED).
absl::StatusOr<std::vector<std::vector<std::string>>> CollectLedger(CaseStore& cases, const LedgerQuery& query,
                                                                    const OfficeDirectory* offices,
                                                                    const std::function<bool()>& cancelled = {});

// The file: CSV in UTF-8 with a byte-order mark or in CP932 (CRLF, cells quoted and formula
// prefixes neutralised as every hosho CSV), or a one-sheet .xlsx; named after office and period.
absl::StatusOr<hosho::v1::ExportLedgerResponse> RenderLedger(const LedgerQuery& query,
                                                             const std::vector<std::vector<std::string>>& rows);

}  // namespace hosho
