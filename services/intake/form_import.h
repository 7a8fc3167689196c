#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "hosho/v1/domain.pb.h"
#include "hosho/v1/intake.pb.h"
#include "services/common/auth/auth.h"
#include "services/common/runtime/errors.h"
#include "services/common/tabular/csv.h"

namespace hosho {

class IntakeServiceImpl;

// How the city's web form (LoGoフォーム or any form service that can post or export CSV)
// names its fields: deploy/intake/form-mapping.yaml, documented in docs/api.md.
struct FormMapping {
  std::string receipt_label = "受付番号";
  // hosho field (contract_number, kind, issuer, guarantee_number, authentication_key,
  // viewing_url, viewing_password, certificate_number, requested_amount, amends_case) → form label.
  absl::flat_hash_map<std::string, std::string> labels;
  // form file label → attachment kind.
  absl::flat_hash_map<std::string, hosho::v1::AttachmentRef::Kind> file_kinds;
  // Webhook JSON member names.
  std::string json_receipt = "receipt_number";
  std::string json_answers = "answers";
  std::string json_files = "files";

  static absl::StatusOr<FormMapping> FromYaml(absl::string_view yaml);
  static absl::StatusOr<FormMapping> FromFile(const std::string& path);
  // deploy/intake/form-mapping.yaml, compiled in.
  static FormMapping Default();
  // The form label for a hosho field or a request field path ("d_sure.authentication_key"),
  // so that a refusal names what the contractor saw. The field itself when unmapped.
  std::string LabelFor(absl::string_view field) const;
};

struct FormFile {
  std::string label;
  std::string filename;
  std::string media_type;
  std::string content;
};

// One answer of the form, by label, as the webhook or one CSV row brings it.
struct FormAnswer {
  std::string receipt;
  absl::flat_hash_map<std::string, std::string> values;
  std::vector<FormFile> files;
};

// Maps an answer onto a submission (channel WEB_FORM, idempotent on the receipt). Violations
// name the form's labels. Contract numbers (工事番号) are looked up through `intake`.
absl::StatusOr<hosho::v1::SubmitGuaranteeRequest> MapFormAnswer(const FormMapping& mapping, const FormAnswer& answer,
                                                                IntakeServiceImpl& intake);

// Renames violation fields to the form's labels.
absl::Status LabelViolations(const FormMapping& mapping, const absl::Status& status);

// The form's CSV export, one answer per row (header row = labels). Writes a row-by-row report.
class FormCsvImporter {
 public:
  FormCsvImporter(FormMapping mapping, IntakeServiceImpl* intake, size_t max_bytes = 8 << 20);
  absl::StatusOr<hosho::v1::ImportReport> Import(const Principal& principal, const std::string& bytes,
                                                 const std::string& filename, const std::string& traceparent);
  const FormMapping& mapping() const { return mapping_; }

 private:
  FormMapping mapping_;
  IntakeServiceImpl* intake_;
  size_t max_bytes_;
};

// An uploaded spreadsheet export, read: at most `max_bytes`, UTF-8 or CP932, parsed, with a header
// row (rows[0]). Refusals: FILE_TOO_LARGE, CSV_ENCODING_INVALID, CSV_EMPTY.
struct Spreadsheet {
  std::string encoding;
  CsvTable table;
};
absl::StatusOr<Spreadsheet> ReadSpreadsheet(const std::string& bytes, size_t max_bytes);
// The lines whose quoting is broken, as refused report rows (CSV_ROW_BROKEN).
std::vector<hosho::v1::ImportRow> BrokenRows(const CsvTable& table);
// A row whose cell count differs from the header's (CSV_COLUMN_COUNT), or nullopt.
std::optional<hosho::v1::ImportRow> ColumnCountRefusal(const CsvRow& row, size_t header_size);
// Orders the rows by line, counts them into `report` and attaches the report as CSV.
void FinishReport(hosho::v1::ImportReport& report, std::vector<hosho::v1::ImportRow> rows);

// The report's CSV (UTF-8 with BOM): line, key, outcome, case, codes, messages.
std::string ReportCsv(const hosho::v1::ImportReport& report);
// Adds one row's outcome to the counts.
void CountRow(hosho::v1::ImportReport& report, const hosho::v1::ImportRow& row);
// The row for a refusal status (violations or a plain message).
void FillRefusal(hosho::v1::ImportRow& row, const absl::Status& status);

}  // namespace hosho
