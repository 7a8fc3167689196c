// The form's CSV export as a clerk uploads it: ParseCsv on the raw bytes (its promise that every
// physical line is in a row or reported), CsvCell written and read back, and the importer's pure
// steps (ReadSpreadsheet, the refused rows, each row mapped and checked at the door, the report CSV,
// which must read back as what it says).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/common/tabular/csv.h"
#include "services/common/text/text.h"
#include "services/intake/form_import.h"
#include "tests/fuzz/fuzz_support.h"

namespace hosho::fuzz {
namespace {

// The file's physical lines are LF-terminated (CRLF included). ParseCsv ends a row at a lone CR too
// but resumes after a broken row at the next LF, so line numbers are only defined without lone CRs.
bool EveryCrBeforeLf(absl::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n')) return false;
  }
  return true;
}

// csv.h: "every line of the file is either in a row or reported" (blank lines are neither: an empty
// line, or one empty quoted cell, which ParseCsv also reads as a blank row), rows in order, and a
// quoted line break only in a row of the header's width.
void CheckLineAccounting(absl::string_view text, const CsvTable& table) {
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  if (!text.empty() && text.back() == '\n') lines.pop_back();  // the final LF ends a line, starts none
  const int physical = static_cast<int>(lines.size());
  std::vector<int> covered(physical + 2, 0);
  int previous = 0;
  for (const CsvRow& row : table.rows) {
    FUZZ_CHECK(row.line > previous, absl::StrCat("rows out of order at line ", row.line));
    previous = row.line;
    int span = 1;
    for (const std::string& cell : row.cells) span += static_cast<int>(std::count(cell.begin(), cell.end(), '\n'));
    FUZZ_CHECK(row.line >= 1 && row.line + span - 1 <= physical,
               absl::StrCat("row at line ", row.line, " spans past the end"));
    for (int k = row.line; k < row.line + span; ++k) ++covered[k];
    if (span > 1 && &row != &table.rows.front()) {
      FUZZ_CHECK(row.cells.size() == table.rows.front().cells.size(),
                 absl::StrCat("a multi-line row of another width than the header's at line ", row.line));
    }
  }
  for (const auto& [line, why] : table.broken) {
    FUZZ_CHECK(line >= 1 && line <= physical, absl::StrCat("broken line ", line, " is not in the file"));
    FUZZ_CHECK(!why.empty(), "a broken line without a reason");
    ++covered[line];
  }
  for (int k = 1; k <= physical; ++k) {
    const absl::string_view l = absl::StripSuffix(lines[k - 1], "\r");
    FUZZ_CHECK(covered[k] <= 1, absl::StrCat("line ", k, " counted ", covered[k], " times"));
    FUZZ_CHECK(covered[k] == 1 || l.empty() || l == "\"\"",
               absl::StrCat("line ", k, " is neither in a row nor reported"));
  }
}

// What CsvCell writes reads back as the value (after the formula guard's leading quote).
void CheckCellRoundTrip(absl::string_view a, absl::string_view b) {
  const std::string line = absl::StrCat(CsvCell(a), ",", CsvCell(b), "\r\n");
  CsvTable table = ParseCsv(line);
  FUZZ_CHECK(table.broken.empty(), "CsvCell wrote a broken row: " + line);
  FUZZ_CHECK(table.rows.size() == 1 && table.rows[0].cells.size() == 2, "CsvCell's row does not read back: " + line);
  auto written = [](absl::string_view v) { return LooksLikeFormula(v) ? absl::StrCat("'", v) : std::string(v); };
  FUZZ_CHECK(table.rows[0].cells[0] == written(a) && table.rows[0].cells[1] == written(b),
             "CsvCell's cells read back different: " + line);
}

// FormCsvImporter::Import without the stores: the same steps up to Submit, which is replaced by the
// rules at the door.
void CheckImport(const std::string& bytes, FakeIntake& intake) {
  const FormMapping mapping = FormMapping::Default();
  auto sheet = ReadSpreadsheet(bytes, 64 << 10);
  if (!sheet.ok()) {
    CheckRefusal(sheet.status());
    return;
  }
  FUZZ_CHECK(sheet->encoding == "UTF-8" || sheet->encoding == "CP932", "encoding " + sheet->encoding);
  for (const CsvRow& row : sheet->table.rows) {
    for (const std::string& cell : row.cells) FUZZ_CHECK(IsValidUtf8(cell), "a decoded cell that is not UTF-8");
  }
  const CsvTable& table = sheet->table;
  std::vector<std::string> header;
  for (const auto& cell : table.rows.front().cells) header.push_back(NormalizeText(cell));
  const auto receipt_column = std::find(header.begin(), header.end(), mapping.receipt_label);
  if (receipt_column == header.end()) return;
  std::vector<hosho::v1::ImportRow> rows = BrokenRows(table);
  for (size_t i = 1; i < table.rows.size(); ++i) {
    const CsvRow& csv = table.rows[i];
    if (auto refused = ColumnCountRefusal(csv, header.size())) {
      FUZZ_CHECK(csv.cells.size() != header.size(), "a row of the header's width refused for its width");
      rows.push_back(*std::move(refused));
      continue;
    }
    hosho::v1::ImportRow row;
    row.set_line(csv.line);
    FormAnswer answer;
    for (size_t c = 0; c < header.size(); ++c) answer.values[header[c]] = csv.cells[c];
    answer.receipt = csv.cells[receipt_column - header.begin()];
    row.set_key(TruncateText(NormalizeCode(answer.receipt), 100));
    auto request = MapFormAnswer(mapping, answer, intake.intake);
    if (!request.ok()) {
      CheckRefusal(request.status());
      FillRefusal(row, LabelViolations(mapping, request.status()));
    } else {
      FUZZ_CHECK(request->channel() == hosho::v1::CHANNEL_WEB_FORM, "a form row not on the web-form channel");
      FUZZ_CHECK(request->client_request_id() == "form-" + request->source_receipt(), "request id is not the receipt");
      std::vector<FieldViolation> violations = DoorChecks(*request);
      if (!violations.empty())
        FillRefusal(row, ViolationStatus(CodeFor(violations), violations));
      else
        row.set_outcome(hosho::v1::ImportRow::OUTCOME_ACCEPTED);
    }
    rows.push_back(std::move(row));
  }
  const size_t count = rows.size();
  hosho::v1::ImportReport report;
  FinishReport(report, std::move(rows));
  FUZZ_CHECK(static_cast<size_t>(report.rows_size()) == count, "the report lost rows");
  FUZZ_CHECK(report.accepted() + report.refused() == static_cast<int64_t>(count), "the report's counts do not add up");
  FUZZ_CHECK(FirstInvalidUtf8Field(report).empty(),
             "the report has a non-UTF-8 field " + FirstInvalidUtf8Field(report));

  // The report reads back as what it says (unless a cell carries a line break: ParseCsv then applies
  // its stray-quote heuristics, which a label from the file's header can trigger on purpose).
  bool multi_line = false;
  for (const auto& row : report.rows()) {
    for (const auto& v : row.violations()) {
      multi_line |= absl::StrContains(v.field(), "\n") || absl::StrContains(v.message_ja(), "\n") ||
                    absl::StrContains(v.field(), "\r") || absl::StrContains(v.message_ja(), "\r");
    }
  }
  if (multi_line) return;
  std::string encoding;
  auto text = DecodeSpreadsheetText(report.report_csv(), &encoding);
  FUZZ_CHECK(text.ok() && encoding == "UTF-8", "the report CSV is not UTF-8");
  CsvTable read = ParseCsv(*text);
  FUZZ_CHECK(read.broken.empty(), "the report CSV has broken lines");
  FUZZ_CHECK(read.rows.size() == static_cast<size_t>(report.rows_size()) + 1, "the report CSV has another row count");
  for (int i = 0; i < report.rows_size(); ++i) {
    const CsvRow& r = read.rows[i + 1];
    FUZZ_CHECK(r.cells.size() == 7, absl::StrCat("report row ", i, " has ", r.cells.size(), " cells"));
    FUZZ_CHECK(r.cells[0] == absl::StrCat(report.rows(i).line()), "report line number");
    const std::string& key = report.rows(i).key();
    FUZZ_CHECK(r.cells[1] == (LooksLikeFormula(key) ? "'" + key : key), "report key " + key);
  }
}

}  // namespace
}  // namespace hosho::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  hosho::fuzz::QuietLogs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hosho;
  using namespace hosho::fuzz;
  static FakeIntake* intake = new FakeIntake();  // lives for the process, like the service's
  const std::string bytes(reinterpret_cast<const char*>(data), size);

  const CsvTable table = ParseCsv(bytes);
  if (EveryCrBeforeLf(bytes)) CheckLineAccounting(bytes, table);

  // Two cells from the input (split at its first NUL, which CSV never needs): written, then read.
  const size_t nul = bytes.find('\0');
  CheckCellRoundTrip(absl::string_view(bytes).substr(0, nul),
                     nul == std::string::npos ? "" : absl::string_view(bytes).substr(nul + 1));

  CheckImport(bytes, *intake);
  return 0;
}
