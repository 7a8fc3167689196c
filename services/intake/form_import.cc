#include "services/intake/form_import.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/crypto/sealing.h"
#include "services/common/domain/domain_text.h"
#include "services/common/runtime/config.h"
#include "services/common/runtime/log.h"
#include "services/common/runtime/metrics.h"
#include "services/common/tabular/csv.h"
#include "services/common/text/text.h"
#include "services/intake/intake_service.h"

namespace hosho {
namespace {

using hosho::v1::AttachmentRef;
using hosho::v1::ImportRow;

constexpr const char* kKnownFields[] = {
    "contract_number",    "kind",           "issuer",           "guarantee_number",
    "authentication_key", "viewing_url",    "viewing_password", "certificate_number",
    "requested_amount",   "amends_case",    "amendment_kind",   "resubmits_case",
    "project_name",       "contractor_name"};

// Request field paths → the hosho field whose label the contractor saw.
std::string FieldKey(absl::string_view field) {
  if (field == "contract_id") return "contract_number";
  if (field == "issuer" || field == "issuer_kind" || field == "issuer_name") return "issuer";
  if (field == "d_sure.guarantee_number") return "guarantee_number";
  if (field == "d_sure.authentication_key" || field == "credential" || field == "d_sure") return "authentication_key";
  if (field == "confirmation_system.viewing_url" || field == "confirmation_system") return "viewing_url";
  if (field == "confirmation_system.viewing_password") return "viewing_password";
  if (field == "confirmation_system.certificate_number") return "certificate_number";
  if (field == "confirmation_system.project_name") return "project_name";
  if (field == "confirmation_system.contractor_name") return "contractor_name";
  if (field == "requested_amount_yen") return "requested_amount";
  if (field == "supersedes_case_id") return "amends_case";
  if (field == "amendment_kind") return "amendment_kind";
  if (field == "resubmits_case_id") return "resubmits_case";
  return std::string(field);
}

bool IsBankName(absl::string_view name) {
  for (absl::string_view word : {"銀行", "信用金庫", "信用組合", "農業協同組合", "労働金庫", "ゆうちょ"}) {
    if (absl::StrContains(name, word)) return true;
  }
  return false;
}

std::string Value(const FormMapping& m, const FormAnswer& a, absl::string_view field) {
  auto label = m.labels.find(field);
  if (label == m.labels.end()) return "";
  auto value = a.values.find(label->second);
  return value == a.values.end() ? "" : value->second;
}

// Every value strict UTF-8 without control characters, and a receipt number (受付番号) the key can
// hold: what must hold before anything is mapped.
std::vector<FieldViolation> CheckAnswerShape(const FormMapping& m, const FormAnswer& a) {
  std::vector<FieldViolation> v;
  for (const auto& [label, value] : a.values) {
    if (!IsValidUtf8(value)) {
      v.push_back({label, "TEXT_INVALID_UTF8", label + "の文字コードが正しくありません（UTF-8）"});
    } else if (HasControlCharacters(value, "\n\r\t")) {  // multi-line answers (備考) keep their lines
      v.push_back({label, "TEXT_CONTROL_CHARACTERS", label + "に使用できない文字（制御文字など）が含まれています"});
    }
  }
  const std::string receipt = NormalizeCode(a.receipt);
  if (receipt.empty()) {
    v.push_back({m.receipt_label, "RECEIPT_MISSING", m.receipt_label + "がありません"});
  } else if (receipt.size() > 100 || !std::all_of(receipt.begin(), receipt.end(), [](unsigned char c) {
               return absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.';
             })) {
    v.push_back({m.receipt_label, "RECEIPT_INVALID", m.receipt_label + "は100文字以内の半角英数字とハイフンです"});
  }
  return v;
}

// 工事番号 → the registered contract, set on `r`; a violation when there is none, an error when the
// registry cannot be asked.
absl::Status MapFormContract(const FormMapping& m, const FormAnswer& a, IntakeServiceImpl& intake,
                             hosho::v1::SubmitGuaranteeRequest& r, std::vector<FieldViolation>& v) {
  const std::string number = NormalizeCode(Value(m, a, "contract_number"));
  if (number.empty()) {
    v.push_back({m.LabelFor("contract_number"), "CONTRACT_ID_MISSING", "工事番号を入力してください"});
  } else if (auto id = intake.ContractIdForNumber(number); id.ok()) {
    r.set_contract_id(*id);
  } else if (absl::IsNotFound(id.status())) {
    v.push_back({m.LabelFor("contract_number"), "R03_CONTRACT_NOT_FOUND",
                 "工事番号 " + TruncateText(number, 40) + " の契約が見つかりません"});
  } else {
    return id.status();
  }
  return absl::OkStatus();
}

void MapFormKind(const FormMapping& m, const FormAnswer& a, hosho::v1::SubmitGuaranteeRequest& r,
                 std::vector<FieldViolation>& v) {
  r.set_kind(GuaranteeKindFromNameJa(Value(m, a, "kind")));
  if (r.kind() == hosho::v1::GUARANTEE_KIND_UNSPECIFIED) {
    v.push_back(
        {m.LabelFor("kind"), "KIND_MISSING", "保証の種類（契約保証・前払金保証・中間前払金保証）を選択してください"});
  }
}

// A listed issuer by name; a bank (paper only, refused at the door with its own code); any other
// name kept as written, an insurer when it says so.
void MapFormIssuer(const FormMapping& m, const FormAnswer& a, hosho::v1::SubmitGuaranteeRequest& r,
                   std::vector<FieldViolation>& v) {
  const std::string issuer_text = NormalizeText(Value(m, a, "issuer"));
  const hosho::v1::Issuer issuer = IssuerFromNameJa(issuer_text);
  if (issuer != hosho::v1::ISSUER_UNSPECIFIED) {
    r.set_issuer(issuer);
    r.set_issuer_kind(IssuerKindOf(issuer));
  } else if (IsBankName(issuer_text)) {
    r.set_issuer(hosho::v1::ISSUER_BANK);
    r.set_issuer_kind(hosho::v1::ISSUER_KIND_BANK);
    r.set_issuer_name(issuer_text);
  } else if (issuer_text.empty()) {
    v.push_back({m.LabelFor("issuer"), "R02_ISSUER_KIND_MISSING", "保証会社名を入力してください"});
  } else {
    r.set_issuer(hosho::v1::ISSUER_OTHER);
    r.set_issuer_kind(absl::StrContains(issuer_text, "保険") ? hosho::v1::ISSUER_KIND_INSURER
                                                             : hosho::v1::ISSUER_KIND_SURETY_COMPANY);
    r.set_issuer_name(issuer_text);
  }
}

// D-Sure (保証契約番号, 認証キー) or the confirmation system (閲覧用URL, 閲覧用パスワード and what the
// insurer's format states).
void MapFormCredential(const FormMapping& m, const FormAnswer& a, hosho::v1::SubmitGuaranteeRequest& r) {
  const std::string key = Value(m, a, "authentication_key");
  const std::string url = Value(m, a, "viewing_url");
  const std::string password = Value(m, a, "viewing_password");
  if (!key.empty() || !Value(m, a, "guarantee_number").empty()) {
    r.mutable_d_sure()->set_guarantee_number(Value(m, a, "guarantee_number"));
    r.mutable_d_sure()->set_authentication_key(key);
  } else if (!url.empty() || !password.empty()) {
    r.mutable_confirmation_system()->set_viewing_url(url);
    r.mutable_confirmation_system()->set_viewing_password(password);
    r.mutable_confirmation_system()->set_certificate_number(Value(m, a, "certificate_number"));
    r.mutable_confirmation_system()->set_project_name(Value(m, a, "project_name"));
    r.mutable_confirmation_system()->set_contractor_name(Value(m, a, "contractor_name"));
  }
}

// The amount asked for, the cases an answer names (an amended one, a returned one) and the kind of
// amendment.
void MapFormDetails(const FormMapping& m, const FormAnswer& a, hosho::v1::SubmitGuaranteeRequest& r,
                    std::vector<FieldViolation>& v) {
  if (const std::string amount = Value(m, a, "requested_amount"); !amount.empty()) {
    auto yen = ParseYen(amount);
    if (yen.ok()) {
      r.set_requested_amount_yen(*yen);
    } else {
      v.push_back({m.LabelFor("requested_amount"), "AMOUNT_INVALID", "請求金額は円単位の数字で入力してください"});
    }
  }
  if (const std::string amends = NormalizeCode(Value(m, a, "amends_case")); !amends.empty()) {
    r.set_supersedes_case_id(amends);
  }
  if (const std::string returned = NormalizeCode(Value(m, a, "resubmits_case")); !returned.empty()) {
    r.set_resubmits_case_id(returned);
  }
  if (const std::string what = Value(m, a, "amendment_kind"); !what.empty()) {
    r.set_amendment_kind(AmendmentKindFromNameJa(what));
    if (r.amendment_kind() == hosho::v1::AMENDMENT_KIND_UNSPECIFIED) {
      v.push_back(
          {m.LabelFor("amendment_kind"), "AMENDMENT_KIND_MISSING", "変更の種類は 増額・減額・工期延長 のいずれかです"});
    }
  }
}

// The form's files, each of a kind the mapping names.
void MapFormFiles(const FormMapping& m, const FormAnswer& a, hosho::v1::SubmitGuaranteeRequest& r,
                  std::vector<FieldViolation>& v) {
  for (const FormFile& file : a.files) {
    auto kind = m.file_kinds.find(NormalizeText(file.label));
    if (kind == m.file_kinds.end()) {
      v.push_back({file.label, "ATTACHMENT_KIND_UNKNOWN", "この添付ファイルの項目は受け付けていません: " + file.label});
      continue;
    }
    auto* upload = r.add_uploads();
    upload->set_kind(kind->second);
    upload->set_filename(file.filename);
    upload->set_media_type(file.media_type);
    upload->set_content(file.content);
  }
}

}  // namespace

absl::StatusOr<FormMapping> FormMapping::FromYaml(absl::string_view yaml) {
  auto config = Config::FromYaml(yaml);
  if (!config.ok()) return config.status();
  FormMapping m;
  m.receipt_label = config->GetString("receipt", m.receipt_label);
  m.json_receipt = config->GetString("json.receipt", m.json_receipt);
  m.json_answers = config->GetString("json.answers", m.json_answers);
  m.json_files = config->GetString("json.files", m.json_files);
  for (const auto& [field, label] : config->GetMap("fields")) {
    if (std::find(std::begin(kKnownFields), std::end(kKnownFields), field) == std::end(kKnownFields)) {
      return absl::InvalidArgumentError(absl::StrCat("form mapping: unknown field '", field, "'"));
    }
    m.labels[field] = NormalizeText(label);
  }
  for (const auto& [label, kind] : config->GetMap("files")) {
    auto parsed = ParseEnumName(AttachmentRef::Kind_descriptor(), "KIND_", kind);
    if (!parsed.ok()) return absl::InvalidArgumentError(absl::StrCat("form mapping: unknown file kind '", kind, "'"));
    m.file_kinds[NormalizeText(label)] = static_cast<AttachmentRef::Kind>(*parsed);
  }
  for (const char* required : {"contract_number", "kind", "issuer"}) {
    if (!m.labels.contains(required)) {
      return absl::InvalidArgumentError(absl::StrCat("form mapping: fields.", required, " is required"));
    }
  }
  return m;
}

absl::StatusOr<FormMapping> FormMapping::FromFile(const std::string& path) {
  std::string text;
  if (FILE* f = std::fopen(path.c_str(), "rb")) {
    char buf[4096];
    size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    std::fclose(f);
  } else {
    return absl::NotFoundError(absl::StrCat("form mapping ", path, " cannot be read"));
  }
  return FromYaml(text);
}

FormMapping FormMapping::Default() {
  static constexpr char kDefault[] = R"yaml(
receipt: 受付番号
fields:
  contract_number: 工事番号
  kind: 保証の種類
  issuer: 保証会社名
  guarantee_number: 保証契約番号
  authentication_key: 認証キー
  viewing_url: 閲覧用URL
  viewing_password: 閲覧用パスワード
  certificate_number: 証券番号
  project_name: 工事名
  contractor_name: 受注者名
  requested_amount: 請求金額
  amends_case: 変更前の案件番号
  amendment_kind: 変更の種類
  resubmits_case: 差し戻し案件番号
files:
  請求書: invoice
  発注者提出用フォーマット: orderer_format
  保証証書: certificate
)yaml";
  auto mapping = FromYaml(kDefault);
  return mapping.ok() ? *std::move(mapping) : FormMapping{};
}

std::string FormMapping::LabelFor(absl::string_view field) const {
  const std::string key = FieldKey(field);
  if (key == "source_receipt" || key == "client_request_id") return receipt_label;
  auto it = labels.find(key);
  return it == labels.end() ? std::string(field) : it->second;
}

absl::Status LabelViolations(const FormMapping& mapping, const absl::Status& status) {
  std::vector<FieldViolation> violations = ViolationsOf(status);
  if (violations.empty()) return status;
  for (auto& v : violations) {
    if (absl::StartsWith(v.field, "uploads[")) continue;
    v.field = mapping.LabelFor(v.field);
  }
  return ViolationStatus(status.code(), violations);
}

absl::StatusOr<hosho::v1::SubmitGuaranteeRequest> MapFormAnswer(const FormMapping& m, const FormAnswer& a,
                                                                IntakeServiceImpl& intake) {
  std::vector<FieldViolation> v = CheckAnswerShape(m, a);
  if (!v.empty()) return ViolationStatus(absl::StatusCode::kInvalidArgument, v);
  const std::string receipt = NormalizeCode(a.receipt);
  hosho::v1::SubmitGuaranteeRequest r;
  r.set_client_request_id(absl::StrCat("form-", receipt));
  r.set_source_receipt(receipt);
  r.set_channel(hosho::v1::CHANNEL_WEB_FORM);
  if (absl::Status s = MapFormContract(m, a, intake, r, v); !s.ok()) return s;
  MapFormKind(m, a, r, v);
  MapFormIssuer(m, a, r, v);
  MapFormCredential(m, a, r);
  MapFormDetails(m, a, r, v);
  MapFormFiles(m, a, r, v);
  if (!v.empty()) {
    if (r.has_d_sure()) WipeString(r.mutable_d_sure()->mutable_authentication_key());
    if (r.has_confirmation_system()) WipeString(r.mutable_confirmation_system()->mutable_viewing_password());
    return ViolationStatus(absl::StatusCode::kInvalidArgument, v);
  }
  return r;
}

FormCsvImporter::FormCsvImporter(FormMapping mapping, IntakeServiceImpl* intake, size_t max_bytes)
    : mapping_(std::move(mapping)), intake_(intake), max_bytes_(max_bytes) {}

void CountRow(hosho::v1::ImportReport& report, const ImportRow& row) {
  switch (row.outcome()) {
    case ImportRow::OUTCOME_ACCEPTED:
      report.set_accepted(report.accepted() + 1);
      break;
    case ImportRow::OUTCOME_UNCHANGED:
      report.set_unchanged(report.unchanged() + 1);
      break;
    case ImportRow::OUTCOME_DUPLICATE:
      report.set_duplicates(report.duplicates() + 1);
      break;
    default:
      report.set_refused(report.refused() + 1);
  }
  *report.add_rows() = row;
  // The key is what the file said (a 受付番号): the report stays readable whatever it held.
  auto& added = report.mutable_rows()->at(report.rows_size() - 1);
  if (!IsValidUtf8(added.key())) added.set_key(RepairUtf8(added.key()));
}

void FillRefusal(ImportRow& row, const absl::Status& status) {
  row.set_outcome(ImportRow::OUTCOME_REFUSED);
  std::vector<FieldViolation> violations = ViolationsOf(status);
  if (violations.empty()) {
    auto* v = row.add_violations();
    v->set_code(absl::StatusCodeToString(status.code()));
    v->set_message_ja(RepairUtf8(status.message()));
  }
  for (const auto& fv : violations) {
    auto* v = row.add_violations();
    v->set_field(fv.field);
    v->set_code(fv.code);
    v->set_message_ja(fv.message_ja);
  }
}

absl::StatusOr<Spreadsheet> ReadSpreadsheet(const std::string& bytes, size_t max_bytes) {
  if (bytes.size() > max_bytes) {
    return ViolationStatus(
        absl::StatusCode::kInvalidArgument,
        {{"csv", "FILE_TOO_LARGE", absl::StrCat("CSVファイルは", max_bytes >> 20, "MB以内にしてください")}});
  }
  Spreadsheet sheet;
  auto text = DecodeSpreadsheetText(bytes, &sheet.encoding);
  if (!text.ok()) {
    return ViolationStatus(
        absl::StatusCode::kInvalidArgument,
        {{"csv", "CSV_ENCODING_INVALID", "CSVファイルの文字コードはUTF-8またはShift_JISにしてください"}});
  }
  sheet.table = ParseCsv(*text);
  if (sheet.table.rows.empty()) {
    return ViolationStatus(absl::StatusCode::kInvalidArgument,
                           {{"csv", "CSV_EMPTY", "CSVファイルに見出し行がありません"}});
  }
  return sheet;
}

std::vector<ImportRow> BrokenRows(const CsvTable& table) {
  std::vector<ImportRow> rows;
  for (const auto& [line, why] : table.broken) {
    ImportRow row;
    row.set_line(line);
    FillRefusal(row, ViolationStatus(absl::StatusCode::kInvalidArgument, {{"", "CSV_ROW_BROKEN", why}}));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::optional<ImportRow> ColumnCountRefusal(const CsvRow& csv, size_t header_size) {
  if (csv.cells.size() == header_size) return std::nullopt;
  ImportRow row;
  row.set_line(csv.line);
  FillRefusal(row, ViolationStatus(absl::StatusCode::kInvalidArgument,
                                   {{"", "CSV_COLUMN_COUNT",
                                     absl::StrCat("列の数が見出し行と違います（", csv.cells.size(), "列、見出しは",
                                                  header_size, "列）")}}));
  return row;
}

void FinishReport(hosho::v1::ImportReport& report, std::vector<ImportRow> rows) {
  std::sort(rows.begin(), rows.end(), [](const ImportRow& a, const ImportRow& b) { return a.line() < b.line(); });
  for (const auto& row : rows) CountRow(report, row);
  report.set_report_csv(ReportCsv(report));
}

std::string ReportCsv(const hosho::v1::ImportReport& report) {
  std::string out = "\xEF\xBB\xBF行,受付番号・契約ID,結果,案件・版,項目,コード,理由\r\n";
  for (const auto& row : report.rows()) {
    std::string outcome;
    switch (row.outcome()) {
      case ImportRow::OUTCOME_ACCEPTED:
        outcome = "受付";
        break;
      case ImportRow::OUTCOME_UNCHANGED:
        outcome = "変更なし（受付済み）";
        break;
      case ImportRow::OUTCOME_DUPLICATE:
        outcome = "重複（既存の案件に記録）";
        break;
      default:
        outcome = "不受理";
    }
    std::vector<std::string> fields, codes, messages;
    for (const auto& v : row.violations()) {
      fields.push_back(v.field());
      codes.push_back(v.code());
      messages.push_back(v.message_ja());
    }
    absl::StrAppend(&out, row.line(), ",", CsvCell(row.key()), ",", CsvCell(outcome), ",", CsvCell(row.case_id()), ",",
                    CsvCell(absl::StrJoin(fields, " / ")), ",", CsvCell(absl::StrJoin(codes, " / ")), ",",
                    CsvCell(absl::StrJoin(messages, " / ")), "\r\n");
  }
  return out;
}

absl::StatusOr<hosho::v1::ImportReport> FormCsvImporter::Import(const Principal& principal, const std::string& bytes,
                                                                const std::string& filename,
                                                                const std::string& traceparent) {
  auto sheet = ReadSpreadsheet(bytes, max_bytes_);
  if (!sheet.ok()) return sheet.status();
  const std::string& encoding = sheet->encoding;
  const CsvTable& table = sheet->table;
  hosho::v1::ImportReport report;
  report.set_encoding(encoding);
  std::vector<std::string> header;
  for (const auto& cell : table.rows.front().cells) header.push_back(NormalizeText(cell));
  const auto receipt_column = std::find(header.begin(), header.end(), mapping_.receipt_label);
  if (receipt_column == header.end()) {
    return ViolationStatus(
        absl::StatusCode::kInvalidArgument,
        {{"csv", "CSV_HEADER_INVALID", "見出し行に「" + mapping_.receipt_label + "」の列がありません"}});
  }
  // Each row is a submission: the file as a whole uses that many of the sender's budget, or is
  // refused whole before anything is recorded.
  if (absl::Status admitted = intake_->AdmitRows(principal, static_cast<int64_t>(table.rows.size()) - 1);
      !admitted.ok()) {
    return admitted;
  }
  std::vector<ImportRow> rows = BrokenRows(table);
  for (size_t i = 1; i < table.rows.size(); ++i) {
    const CsvRow& csv = table.rows[i];
    if (auto refused = ColumnCountRefusal(csv, header.size())) {
      rows.push_back(*std::move(refused));
      continue;
    }
    ImportRow row;
    row.set_line(csv.line);
    FormAnswer answer;
    for (size_t c = 0; c < header.size(); ++c) answer.values[header[c]] = csv.cells[c];
    answer.receipt = csv.cells[receipt_column - header.begin()];
    row.set_key(TruncateText(NormalizeCode(answer.receipt), 100));
    auto request = MapFormAnswer(mapping_, answer, *intake_);
    if (!request.ok()) {
      FillRefusal(row, request.status());
      rows.push_back(std::move(row));
      continue;
    }
    auto result = intake_->Submit(principal, *request, traceparent, absl::InfiniteFuture(), /*rate_limited=*/false);
    if (!result.ok()) {
      FillRefusal(row, LabelViolations(mapping_, result.status()));
    } else {
      row.set_case_id(result->case_id());
      row.set_outcome(result->duplicate()  ? ImportRow::OUTCOME_DUPLICATE
                      : result->replayed() ? ImportRow::OUTCOME_UNCHANGED
                                           : ImportRow::OUTCOME_ACCEPTED);
    }
    rows.push_back(std::move(row));
  }
  FinishReport(report, std::move(rows));
  LogInfo("form csv imported", {{"file", TruncateText(filename, 100)},
                                {"encoding", encoding},
                                {"accepted", report.accepted()},
                                {"unchanged", report.unchanged()},
                                {"duplicates", report.duplicates()},
                                {"refused", report.refused()},
                                {"principal", principal.name}});
  return report;
}

}  // namespace hosho
