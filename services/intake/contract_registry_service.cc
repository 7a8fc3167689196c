#include "services/intake/contract_registry_service.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/common/domain/domain_text.h"
#include "services/common/domain/events.h"
#include "services/common/domain/text_rules.h"
#include "services/common/grpc/grpc_server.h"
#include "services/common/runtime/log.h"
#include "services/common/tabular/csv.h"
#include "services/common/text/text.h"
#include "services/intake/form_import.h"

namespace hosho {

namespace {

using hosho::v1::ImportRow;

bool IsCodeText(const std::string& s, size_t max) {
  return !s.empty() && s.size() <= max && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '/';
  });
}

bool IsOfficeCode(const std::string& s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-';
  });
}

void CheckText(std::vector<FieldViolation>& v, const std::string& field, const std::string& text, size_t max_chars,
               const std::string& label, bool required) {
  CheckText(TextRule{field, label, max_chars, required, false, true}, text, v);
}

// Normalizes what people type (full-width digits, spaces) before the checks.
void NormalizeContract(hosho::v1::Contract& c) {
  c.set_contract_id(NormalizeCode(c.contract_id()));
  c.set_contract_number(NormalizeCode(c.contract_number()));
  c.set_project_name(NormalizeText(c.project_name()));
  c.set_project_location(NormalizeText(c.project_location()));
  c.set_ordering_office(NormalizeCode(c.ordering_office()));
  c.set_department_in_charge(NormalizeCode(c.department_in_charge()));
  c.set_beneficiary(NormalizeText(c.beneficiary()));
  auto* k = c.mutable_contractor();
  k->set_name(NormalizeText(k->name()));
  k->set_address(NormalizeText(k->address()));
  k->set_representative(NormalizeText(k->representative()));
  // Only the white space around an address goes: one inside it (a line break before "Bcc:") is
  // refused by the check, never removed into another address.
  k->set_contact_email(std::string(absl::StripAsciiWhitespace(Nfkc(k->contact_email()))));
}

// CSV columns: the English key or the Japanese heading.
struct Column {
  const char* key;
  const char* heading;
};
constexpr Column kColumns[] = {
    {"contract_id", "契約ID"},
    {"contract_number", "工事番号"},
    {"project_name", "工事名"},
    {"project_location", "工事場所"},
    {"ordering_office", "発注課"},
    {"department_in_charge", "工事担当課"},
    {"work_category", "業種区分"},
    {"contractor_name", "受注者名"},
    {"contractor_address", "受注者住所"},
    {"contractor_representative", "代表者"},
    {"contractor_email", "連絡先メール"},
    {"price_yen", "請負代金額"},
    {"low_bid", "低入札"},
    {"period_start", "工期開始"},
    {"period_end", "工期終了"},
    {"intermediate_advance_approved", "中間前払金認定"},
    {"advance_paid_yen", "前払金支払額"},
    {"intermediate_advance_paid_yen", "中間前払金支払額"},
    {"beneficiary", "発注者"},
    {"amendment_reason", "変更理由"},
};

// "contract.contractor.contact_email" → "contractor_email": the CSV column of an UpsertContract field.
std::string ColumnKeyOfContractField(absl::string_view field) {
  absl::ConsumePrefix(&field, "contract.");
  if (field == "contractor.contact_email") return "contractor_email";
  std::string key(field);
  if (absl::StartsWith(key, "contractor.")) key[std::string("contractor").size()] = '_';
  return key;
}

absl::StatusOr<bool> ParseYesNo(const std::string& text) {
  const std::string t = absl::AsciiStrToLower(NormalizeCode(text));
  if (t.empty() || t == "false" || t == "0" || t == "いいえ" || t == "なし" || t == "no" || t == "-") return false;
  if (t == "true" || t == "1" || t == "はい" || t == "あり" || t == "yes" || t == "○" || t == "◯") return true;
  return absl::InvalidArgumentError("yes/no");
}

absl::StatusOr<hosho::v1::WorkCategory> ParseWorkCategory(const std::string& text) {
  const std::string t = NormalizeText(text);
  if (t == "建設工事" || t == "工事") return hosho::v1::WORK_CATEGORY_CONSTRUCTION;
  if (absl::StartsWith(t, "測量")) return hosho::v1::WORK_CATEGORY_SURVEYING_CONSULTING;
  if (t == "物品") return hosho::v1::WORK_CATEGORY_GOODS;
  if (t == "役務" || t == "委託") return hosho::v1::WORK_CATEGORY_SERVICES;
  auto parsed = ParseEnumName(hosho::v1::WorkCategory_descriptor(), "WORK_CATEGORY_", t);
  if (!parsed.ok() || *parsed == 0) return absl::InvalidArgumentError("work category");
  return static_cast<hosho::v1::WorkCategory>(*parsed);
}

// Where each known column is in a file, and the heading it has there: a refusal names what the clerk
// sees in the file (受注者名), not the key.
struct ContractColumns {
  absl::flat_hash_map<std::string, size_t> index;
  absl::flat_hash_map<std::string, std::string> heading_of;

  std::string Cell(const CsvRow& row, const char* key) const {
    auto it = index.find(key);
    return it == index.end() ? "" : row.cells[it->second];
  }
  std::string Heading(const std::string& key) const {
    auto it = heading_of.find(key);
    return it == heading_of.end() ? key : it->second;
  }
};

constexpr const char* kRequiredColumns[] = {
    "contract_id",   "contract_number", "project_name", "ordering_office", "department_in_charge",
    "work_category", "contractor_name", "price_yen",    "period_start",    "period_end"};

// The header row: headings may be the keys or the Japanese names. CSV_HEADER_INVALID names the first
// required column missing.
absl::StatusOr<ContractColumns> ReadContractHeader(const std::vector<std::string>& header) {
  ContractColumns columns;
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string h = NormalizeText(header[i]);
    for (const Column& c : kColumns) {
      if (h == c.key || h == c.heading) {
        columns.index[c.key] = i;
        columns.heading_of[c.key] = header[i];
      }
    }
  }
  for (const char* required : kRequiredColumns) {
    if (columns.index.contains(required)) continue;
    const Column* c = std::find_if(std::begin(kColumns), std::end(kColumns),
                                   [&](const Column& col) { return std::string(col.key) == required; });
    return ViolationStatus(absl::StatusCode::kInvalidArgument,
                           {{"csv", "CSV_HEADER_INVALID",
                             std::string("見出し行に「") + c->heading + "」（" + required + "）の列がありません"}});
  }
  return columns;
}

// The amounts, flags and dates of a row, parsed into `c`; what cannot be read is a violation.
void ReadContractFigures(const ContractColumns& columns, const CsvRow& csv, hosho::v1::Contract& c,
                         std::vector<FieldViolation>& v) {
  auto cell = [&](const char* key) { return columns.Cell(csv, key); };
  auto bad = [&](const char* key, const char* code, const std::string& message) {
    v.push_back({columns.Heading(key), code, message});
  };
  if (auto price = ParseYen(cell("price_yen")); price.ok()) {
    c.set_price_yen(*price);
  } else {
    bad("price_yen", "PRICE_INVALID", "請負代金額は円単位の数字で入力してください");
  }
  for (const char* key : {"advance_paid_yen", "intermediate_advance_paid_yen"}) {
    if (cell(key).empty()) continue;
    auto yen = ParseYen(cell(key));
    if (!yen.ok()) {
      bad(key, "AMOUNT_INVALID", "支払額は円単位の数字で入力してください");
    } else if (std::string(key) == "advance_paid_yen") {
      c.set_advance_paid_yen(*yen);
    } else {
      c.set_intermediate_advance_paid_yen(*yen);
    }
  }
  if (auto yes = ParseYesNo(cell("low_bid")); yes.ok()) {
    c.set_low_bid(*yes);
  } else {
    bad("low_bid", "FLAG_INVALID", "低入札は「はい」または「いいえ」で入力してください");
  }
  if (auto yes = ParseYesNo(cell("intermediate_advance_approved")); yes.ok()) {
    c.set_intermediate_advance_approved(*yes);
  } else {
    bad("intermediate_advance_approved", "FLAG_INVALID", "中間前払金認定は「はい」または「いいえ」で入力してください");
  }
  for (const char* key : {"period_start", "period_end"}) {
    auto date = ParseDateJa(cell(key));
    if (!date.ok()) {
      bad(key, "DATE_INVALID", "日付は 2026-04-01 の形で入力してください");
    } else if (std::string(key) == "period_start") {
      *c.mutable_period_start() = *date;
    } else {
      *c.mutable_period_end() = *date;
    }
  }
}

// One row as a contract, with the violations of what cannot be read (checked further by Upsert).
hosho::v1::Contract ContractFromRow(const ContractColumns& columns, const CsvRow& csv, std::vector<FieldViolation>& v) {
  auto cell = [&](const char* key) { return columns.Cell(csv, key); };
  hosho::v1::Contract c;
  c.set_contract_id(cell("contract_id"));
  c.set_contract_number(cell("contract_number"));
  c.set_project_name(cell("project_name"));
  c.set_project_location(cell("project_location"));
  c.set_ordering_office(cell("ordering_office"));
  c.set_department_in_charge(cell("department_in_charge"));
  if (auto category = ParseWorkCategory(cell("work_category")); category.ok()) {
    c.set_work_category(*category);
  } else {
    v.push_back({columns.Heading("work_category"), "WORK_CATEGORY_INVALID",
                 "業種区分は 建設工事 / 測量・建設コンサルタント等業務 / 物品 / 役務 です"});
  }
  c.mutable_contractor()->set_name(cell("contractor_name"));
  c.mutable_contractor()->set_address(cell("contractor_address"));
  c.mutable_contractor()->set_representative(cell("contractor_representative"));
  c.mutable_contractor()->set_contact_email(cell("contractor_email"));
  ReadContractFigures(columns, csv, c, v);
  c.set_beneficiary(cell("beneficiary"));
  return c;
}

// One row of the import: read, then upserted as the contract system's push would be.
ImportRow ImportContractRow(ContractRegistryImpl& registry, const Principal& principal, const ContractColumns& columns,
                            const CsvRow& csv, const std::string& traceparent) {
  ImportRow row;
  row.set_line(csv.line);
  row.set_key(TruncateText(NormalizeCode(columns.Cell(csv, "contract_id")), 64));
  std::vector<FieldViolation> v;
  hosho::v1::Contract c = ContractFromRow(columns, csv, v);
  if (!v.empty()) {
    FillRefusal(row, ViolationStatus(absl::StatusCode::kInvalidArgument, v));
    return row;
  }
  auto result = registry.Upsert(principal, c, 0, columns.Cell(csv, "amendment_reason"), traceparent);
  if (!result.ok()) {
    FillRefusal(row, result.status());
    // The upsert names the request's field (contract.contractor.name); a clerk reading the report
    // needs the file's column heading (受注者名).
    for (auto& violation : *row.mutable_violations()) {
      const std::string key = ColumnKeyOfContractField(violation.field());
      if (columns.heading_of.contains(key)) violation.set_field(columns.heading_of.at(key));
    }
    return row;
  }
  row.set_case_id(absl::StrCat(result->contract.contract_id(), " v", result->contract.version()));
  row.set_outcome(result->changed ? ImportRow::OUTCOME_ACCEPTED : ImportRow::OUTCOME_UNCHANGED);
  return row;
}

}  // namespace

std::vector<FieldViolation> CheckContract(const hosho::v1::Contract& c) {
  std::vector<FieldViolation> v;
  if (!IsCodeText(c.contract_id(), 64)) {
    v.push_back({"contract.contract_id", "CONTRACT_ID_INVALID",
                 "契約IDは1〜64文字の半角英数字と記号（- _ . /）で指定してください"});
  }
  if (c.contract_number().empty()) {
    v.push_back({"contract.contract_number", "CONTRACT_NUMBER_MISSING", "工事番号を入力してください"});
  } else if (!IsValidUtf8(c.contract_number()) || CharacterCount(c.contract_number()) > 64 ||
             HasControlCharacters(c.contract_number()) || LooksLikeFormula(c.contract_number()) ||
             c.contract_number().find_first_of("'\";<>\\`") != std::string::npos) {
    v.push_back({"contract.contract_number", "CONTRACT_NUMBER_INVALID",
                 "工事番号に使用できない文字が含まれています（引用符・セミコロン・制御文字などは使えません）"});
  }
  CheckText(v, "contract.project_name", c.project_name(), 200, "工事名", true);
  CheckText(v, "contract.project_location", c.project_location(), 200, "工事場所", false);
  CheckText(v, "contract.beneficiary", c.beneficiary(), 100, "発注者", false);
  if (!IsOfficeCode(c.ordering_office())) {
    v.push_back({"contract.ordering_office", "ORDERING_OFFICE_INVALID",
                 "発注課は課コード（半角英小文字・数字・ハイフン）で指定してください"});
  }
  if (!IsOfficeCode(c.department_in_charge())) {
    v.push_back({"contract.department_in_charge", "DEPARTMENT_INVALID",
                 "工事担当課は課コード（半角英小文字・数字・ハイフン）で指定してください"});
  }
  if (c.work_category() == hosho::v1::WORK_CATEGORY_UNSPECIFIED ||
      !hosho::v1::WorkCategory_IsValid(c.work_category())) {
    v.push_back({"contract.work_category", "WORK_CATEGORY_MISSING", "業種区分を指定してください"});
  }
  CheckText(v, "contract.contractor.name", c.contractor().name(), 100, "受注者名", true);
  CheckText(v, "contract.contractor.address", c.contractor().address(), 200, "受注者住所", false);
  CheckText(v, "contract.contractor.representative", c.contractor().representative(), 100, "代表者", false);
  if (const std::string& email = c.contractor().contact_email();
      !email.empty() && (email.size() > 254 || email.find('@') == std::string::npos || email.front() == '@' ||
                         email.back() == '@' || !std::all_of(email.begin(), email.end(), [](unsigned char ch) {
                           return ch > 0x20 && ch < 0x7f && ch != ',' && ch != ';' && ch != '<' && ch != '>';
                         }))) {
    v.push_back({"contract.contractor.contact_email", "EMAIL_INVALID", "連絡先メールアドレスが正しくありません"});
  }
  if (c.price_yen() <= 0 || c.price_yen() > 1'000'000'000'000) {
    v.push_back({"contract.price_yen", "PRICE_INVALID", "請負代金額は1円以上で入力してください"});
  }
  if (c.advance_paid_yen() < 0 || c.intermediate_advance_paid_yen() < 0) {
    v.push_back({"contract.advance_paid_yen", "AMOUNT_INVALID", "支払額は0円以上で入力してください"});
  }
  if (!IsSet(c.period_start()) || !IsSet(c.period_end()) || !IsValidDate(c.period_start()) ||
      !IsValidDate(c.period_end()) || ToCivilDay(c.period_end()) < ToCivilDay(c.period_start())) {
    v.push_back({"contract.period_end", "PERIOD_INVALID", "工期の開始日と終了日を正しく入力してください"});
  }
  return v;
}

ContractRegistryImpl::ContractRegistryImpl(ContractStore* contracts, EventProducer* producer, const Authenticator* auth,
                                           Clock* clock)
    : contracts_(contracts), producer_(producer), auth_(auth), clock_(clock) {
  // Every unary method parses its own request (grpc_precise.h), in the proto's order.
  MarkMethodStreamed(0, PreciseMethod("UpsertContract", auth_, this, &ContractRegistryImpl::UpsertContract));
  MarkMethodStreamed(1, PreciseMethod("GetContract", auth_, this, &ContractRegistryImpl::GetContract));
  MarkMethodStreamed(2, PreciseMethod("ListContracts", auth_, this, &ContractRegistryImpl::ListContracts));
  MarkMethodStreamed(3, PreciseMethod("ImportContractsCsv", auth_, this, &ContractRegistryImpl::ImportContractsCsv));
}

absl::StatusOr<ContractRegistryImpl::UpsertResult> ContractRegistryImpl::Upsert(const Principal& principal,
                                                                                hosho::v1::Contract contract,
                                                                                int64_t expected_version,
                                                                                const std::string& amendment_reason,
                                                                                const std::string& traceparent) {
  NormalizeContract(contract);
  if (auto v = CheckContract(contract); !v.empty()) return ViolationStatus(absl::StatusCode::kInvalidArgument, v);
  hosho::v1::Contract old;
  bool exists = false;
  if (auto existing = contracts_->Get(contract.contract_id()); existing.ok()) {
    exists = old.ParseFromString(*existing);
  } else if (!absl::IsNotFound(existing.status())) {
    return existing.status();
  }
  const int64_t current_version = exists ? old.version() : 0;
  auto conflict = [&](int64_t at) {
    return ViolationStatus(absl::StatusCode::kAborted,
                           {{"expected_version", "CONTRACT_VERSION_MISMATCH",
                             "契約は他の更新により変更されています（現在の版 " + std::to_string(at) + "）"}});
  };
  if (expected_version != 0 && expected_version != current_version) return conflict(current_version);
  if (exists) {
    // The history of price and period is the registry's: carried over, and a change recorded.
    if (contract.amendments_size() < old.amendments_size()) *contract.mutable_amendments() = old.amendments();
    if (contract.price_yen() != old.price_yen() || ToCivilDay(contract.period_end()) != ToCivilDay(old.period_end())) {
      if (contract.amendments_size() == old.amendments_size()) {
        auto* a = contract.add_amendments();
        a->set_price_yen(contract.price_yen());
        *a->mutable_period_end() = contract.period_end();
        a->set_reason(amendment_reason.empty() ? "変更契約" : NormalizeText(amendment_reason));
        a->set_previous_price_yen(old.price_yen());
        *a->mutable_previous_period_end() = old.period_end();
        *a->mutable_amended_at() = ToProto(clock_->Now());
      }
    }
    hosho::v1::Contract same = contract;
    same.set_version(old.version());
    if (same.SerializeAsString() == old.SerializeAsString()) return UpsertResult{old, false};
  }
  contract.set_version(current_version + 1);
  // The version step is a compare-and-set in the store, so concurrent upserts (from several
  // replicas too) cannot both become the same version. Then the event: if Kafka does not confirm
  // it, the caller is told to retry, and the retry publishes the next version.
  if (absl::Status s = contracts_->PutVersion(contract.contract_id(), contract.SerializeAsString(), contract.version());
      !s.ok()) {
    if (absl::IsAborted(s)) return conflict(current_version + 1);
    return s;
  }
  if (absl::Status s = contracts_->IndexNumber(contract.contract_number(), contract.contract_id()); !s.ok()) return s;
  hosho::events::v1::Envelope envelope;
  envelope.set_event_id(absl::StrCat(contract.contract_id(), ":v", contract.version()));
  envelope.set_case_id(contract.contract_id());
  *envelope.mutable_occurred_at() = ToProto(clock_->Now());
  envelope.set_producer("hosho-intake");
  *envelope.mutable_contract_upserted()->mutable_contract() = contract;
  envelope.mutable_contract_upserted()->set_upserted_by(principal.name);
  if (absl::Status s = producer_->Send(ToRecord(topics::kContracts, envelope, traceparent), absl::Seconds(10));
      !s.ok()) {
    return absl::UnavailableError("契約イベントを保存できませんでした。再送してください");
  }
  LogInfo("contract upserted",
          {{"contract_id", contract.contract_id()}, {"version", contract.version()}, {"principal", principal.name}});
  return UpsertResult{contract, true};
}

grpc::Status ContractRegistryImpl::UpsertContract(grpc::ServerContext* context,
                                                  const hosho::v1::UpsertContractRequest* request,
                                                  hosho::v1::Contract* response) {
  const absl::Time started = absl::Now();
  auto principal = auth_->Require(*context, {Role::kIntegration, Role::kOperator});
  if (!principal.ok()) return ObserveRpc("UpsertContract", started, ToGrpcStatus(principal.status()));
  auto result = Upsert(*principal, request->contract(), request->expected_version(), "", TraceparentOf(*context));
  if (!result.ok()) return ObserveRpc("UpsertContract", started, ToGrpcStatus(result.status()));
  *response = result->contract;
  return ObserveRpc("UpsertContract", started, grpc::Status::OK);
}

grpc::Status ContractRegistryImpl::ImportContractsCsv(grpc::ServerContext* context,
                                                      const hosho::v1::ImportContractsCsvRequest* request,
                                                      hosho::v1::ImportReport* response) {
  const absl::Time started = absl::Now();
  auto principal = auth_->Require(*context, {Role::kIntegration, Role::kOperator});
  if (!principal.ok()) return ObserveRpc("ImportContractsCsv", started, ToGrpcStatus(principal.status()));
  auto report = ImportCsv(*principal, request->csv(), TraceparentOf(*context));
  if (!report.ok()) return ObserveRpc("ImportContractsCsv", started, ToGrpcStatus(report.status()));
  *response = *std::move(report);
  return ObserveRpc("ImportContractsCsv", started, grpc::Status::OK);
}

absl::StatusOr<hosho::v1::ImportReport> ContractRegistryImpl::ImportCsv(const Principal& principal,
                                                                        const std::string& bytes,
                                                                        const std::string& traceparent) {
  auto sheet = ReadSpreadsheet(bytes, 8u << 20);
  if (!sheet.ok()) return sheet.status();
  const std::string& encoding = sheet->encoding;
  const CsvTable& table = sheet->table;
  const size_t header_size = table.rows.front().cells.size();
  auto columns = ReadContractHeader(table.rows.front().cells);
  if (!columns.ok()) return columns.status();
  hosho::v1::ImportReport report;
  report.set_encoding(encoding);
  std::vector<ImportRow> rows = BrokenRows(table);
  for (size_t r = 1; r < table.rows.size(); ++r) {
    if (auto refused = ColumnCountRefusal(table.rows[r], header_size)) {
      rows.push_back(*std::move(refused));
      continue;
    }
    rows.push_back(ImportContractRow(*this, principal, *columns, table.rows[r], traceparent));
  }
  FinishReport(report, std::move(rows));
  LogInfo("contracts csv imported", {{"encoding", encoding},
                                     {"accepted", report.accepted()},
                                     {"unchanged", report.unchanged()},
                                     {"refused", report.refused()},
                                     {"principal", principal.name}});
  return report;
}

grpc::Status ContractRegistryImpl::GetContract(grpc::ServerContext* context,
                                               const hosho::v1::GetContractRequest* request,
                                               hosho::v1::Contract* response) {
  const absl::Time started = absl::Now();
  auto principal = auth_->Authenticate(*context);
  if (!principal.ok()) return ObserveRpc("GetContract", started, ToGrpcStatus(principal.status()));
  auto stored = contracts_->Get(request->contract_id());
  if (!stored.ok()) return ObserveRpc("GetContract", started, ToGrpcStatus(stored.status()));
  if (!response->ParseFromString(*stored)) {
    return ObserveRpc("GetContract", started, ToGrpcStatus(absl::DataLossError("stored contract is unreadable")));
  }
  return ObserveRpc("GetContract", started, grpc::Status::OK);
}

grpc::Status ContractRegistryImpl::ListContracts(grpc::ServerContext* context,
                                                 const hosho::v1::ListContractsRequest* request,
                                                 hosho::v1::ListContractsResponse* response) {
  const absl::Time started = absl::Now();
  auto principal = auth_->Authenticate(*context);
  if (!principal.ok()) return ObserveRpc("ListContracts", started, ToGrpcStatus(principal.status()));
  auto ids = contracts_->ListIds();
  if (!ids.ok()) return ObserveRpc("ListContracts", started, ToGrpcStatus(ids.status()));
  const int page_size = request->page_size() > 0 ? std::min(request->page_size(), 500) : 50;
  auto token = PageOffsetFromToken(request->page_token());
  if (!token.ok()) return ObserveRpc("ListContracts", started, ToGrpcStatus(token.status()));
  const size_t start = static_cast<size_t>(*token);
  size_t i = start;
  for (; i < ids->size() && response->contracts_size() < page_size; ++i) {
    auto stored = contracts_->Get((*ids)[i]);
    if (!stored.ok()) continue;
    hosho::v1::Contract c;
    if (!c.ParseFromString(*stored)) continue;
    if (!request->ordering_office().empty() && c.ordering_office() != request->ordering_office()) continue;
    *response->add_contracts() = std::move(c);
  }
  if (i < ids->size()) response->set_next_page_token(std::to_string(i));
  return ObserveRpc("ListContracts", started, grpc::Status::OK);
}

}  // namespace hosho
