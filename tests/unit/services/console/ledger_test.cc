// The guarantee ledger's pure parts: who may ask for what, one case's row, and the three files.
// The case store is not needed here; the end-to-end test (demo_scenario_test) collects a real one.
#include "services/console/ledger.h"

#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "services/common/domain/domain_text.h"
#include "services/common/domain/events.h"
#include "services/common/runtime/config.h"
#include "services/common/runtime/errors.h"
#include "services/common/tabular/csv.h"
#include "services/common/text/text.h"

namespace hosho {
namespace {

using hosho::v1::ExportLedgerRequest;

Principal Clerk(const std::string& office) { return {"clerk", Role::kClerk, office}; }

ExportLedgerRequest Period(const char* from, const char* to) {
  ExportLedgerRequest r;
  *r.mutable_received_from() = *ParseDate(from);
  *r.mutable_received_to() = *ParseDate(to);
  return r;
}

std::string CodeOf(const absl::Status& status) {
  auto v = ViolationsOf(status);
  return v.empty() ? status.ToString() : absl::StrCat(v[0].code, " ", v[0].field);
}

TEST(LedgerTest, AClerkGetsTheirOwnOfficeAndNoOther) {
  auto own = LedgerQueryFor(Clerk("contract-division"), Period("2026-04-01", "2027-03-31"));
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_EQ(own->office, "contract-division");
  EXPECT_EQ(own->format, ExportLedgerRequest::FORMAT_CSV_UTF8);
  ExportLedgerRequest other = Period("2026-04-01", "2027-03-31");
  other.set_office("road-maintenance");
  auto refused = LedgerQueryFor(Clerk("contract-division"), other);
  EXPECT_TRUE(absl::IsPermissionDenied(refused.status()));
  EXPECT_EQ(CodeOf(refused.status()), "LEDGER_OFFICE_NOT_ALLOWED office");
  other.set_office("*");
  EXPECT_EQ(CodeOf(LedgerQueryFor(Clerk("contract-division"), other).status()), "LEDGER_OFFICE_NOT_ALLOWED office");
  const Principal submitter{"demo-submitter", Role::kSubmitter, ""};
  EXPECT_TRUE(absl::IsPermissionDenied(LedgerQueryFor(submitter, Period("2026-04-01", "2026-04-30")).status()));
  const Principal operator_{"operator", Role::kOperator, ""};
  EXPECT_EQ(CodeOf(LedgerQueryFor(operator_, Period("2026-04-01", "2026-04-30")).status()),
            "LEDGER_OFFICE_MISSING office");
  EXPECT_TRUE(LedgerQueryFor(operator_, other).ok()) << "an operator may take every office's";
  EXPECT_EQ(CodeOf(LedgerQueryFor(submitter, Period("2026-04-01", "2026-04-30")).status()),
            "ROLE_NOT_ALLOWED authorization");
  // A clerk principal without an office (a token can be one) gets nobody's ledger, not everybody's.
  EXPECT_EQ(CodeOf(LedgerQueryFor(Clerk(""), Period("2026-04-01", "2026-04-30")).status()),
            "LEDGER_OFFICE_NOT_ALLOWED office");
  // An operator's typo is told, not answered with an empty ledger.
  auto offices = OfficeDirectory::FromConfig(*Config::FromYaml(
      "offices: [{code: parks, name_ja: 公園課, mailbox: parks@city.example}]\ncity: {name_ja: みなと市, beneficiary: "
      "みなと市長}\n"));
  ASSERT_TRUE(offices.ok()) << offices.status();
  ExportLedgerRequest typo = Period("2026-04-01", "2026-04-30");
  typo.set_office("prks");
  EXPECT_EQ(CodeOf(LedgerQueryFor(operator_, typo, &*offices).status()), "LEDGER_OFFICE_UNKNOWN office");
  typo.set_office("parks");
  EXPECT_TRUE(LedgerQueryFor(operator_, typo, &*offices).ok());
}

TEST(LedgerTest, ThePeriodIsRequiredInOrderAndAtMostAYearAndADay) {
  const Principal clerk = Clerk("parks");
  EXPECT_TRUE(LedgerQueryFor(clerk, Period("2026-04-01", "2027-04-01")).ok()) << "366 days";
  EXPECT_EQ(CodeOf(LedgerQueryFor(clerk, Period("2026-04-01", "2027-04-02")).status()),
            "LEDGER_PERIOD_INVALID received_to");
  EXPECT_EQ(CodeOf(LedgerQueryFor(clerk, Period("2026-05-01", "2026-04-30")).status()),
            "LEDGER_PERIOD_INVALID received_to");
  ExportLedgerRequest missing;
  EXPECT_EQ(CodeOf(LedgerQueryFor(clerk, missing).status()), "LEDGER_PERIOD_INVALID received_from");
  ExportLedgerRequest bad_day = Period("2026-04-01", "2026-04-30");
  bad_day.mutable_received_to()->set_day(31);
  EXPECT_EQ(CodeOf(LedgerQueryFor(clerk, bad_day).status()), "LEDGER_PERIOD_INVALID received_to");
  ExportLedgerRequest bad_format = Period("2026-04-01", "2026-04-30");
  bad_format.set_format(static_cast<ExportLedgerRequest::Format>(9));
  EXPECT_EQ(CodeOf(LedgerQueryFor(clerk, bad_format).status()), "FORMAT_INVALID format");
  ExportLedgerRequest bad_state = Period("2026-04-01", "2026-04-30");
  bad_state.set_state(static_cast<hosho::v1::CaseState>(99));
  EXPECT_EQ(CodeOf(LedgerQueryFor(clerk, bad_state).status()), "STATE_INVALID state");
}

hosho::v1::HistoryEntry Entry(hosho::v1::CaseState from, hosho::v1::CaseState to, const char* at, const char* actor,
                              const std::string& event_id) {
  hosho::v1::HistoryEntry h;
  h.set_from_state(from);
  h.set_to_state(to);
  h.set_actor(actor);
  h.set_event_id(event_id);
  absl::Time t;
  std::string error;
  EXPECT_TRUE(absl::ParseTime("%Y-%m-%d %H:%M", at, JapanTimeZone(), &t, &error)) << error;
  *h.mutable_at() = ToProto(t);
  return h;
}

TEST(LedgerTest, ARowCarriesContractCertificateVerdictCheckerAndEachStepsDay) {
  using S = hosho::v1::CaseState;
  hosho::v1::Case c;
  c.set_case_id("C-1");
  c.set_state(S::CASE_STATE_CLOSED);
  c.set_kind(hosho::v1::GUARANTEE_KIND_CONTRACT);
  c.set_issuer(hosho::v1::ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY);
  c.set_channel(hosho::v1::CHANNEL_WEB_FORM);
  c.set_office("road-maintenance");
  c.set_contract_id("K-1");
  c.set_guarantee_number("DS-26-000101");
  *c.add_history() =
      Entry(S::CASE_STATE_UNSPECIFIED, S::CASE_STATE_RECEIVED, "2026-12-01 09:00", "web", "C-1:submitted");
  *c.add_history() =
      Entry(S::CASE_STATE_VERIFYING, S::CASE_STATE_VERIFIED, "2026-12-01 10:30", "keiyaku", "C-1:verified");
  *c.add_history() = Entry(S::CASE_STATE_ROUTED, S::CASE_STATE_CONTRACT_CONCLUDED, "2026-12-02 11:00", "k", "x");
  *c.add_history() = Entry(S::CASE_STATE_CONTRACT_CONCLUDED, S::CASE_STATE_FORWARDED, "2026-12-02 11:00", "k", "y");
  *c.add_history() = Entry(S::CASE_STATE_FORWARDED, S::CASE_STATE_CLOSED, "2026-12-04 16:20", "douro", "z");
  *c.mutable_received_at() = c.history(0).at();
  hosho::events::v1::SubmissionReceived submission;
  submission.mutable_contract()->set_contract_number("R8-土木-0001");
  submission.mutable_contract()->set_project_name("市道みなと線舗装補修工事");
  submission.mutable_contract()->mutable_contractor()->set_name("株式会社みなと建設");
  submission.mutable_contract()->set_ordering_office("contract-division");
  submission.mutable_contract()->set_department_in_charge("road-maintenance");
  hosho::events::v1::VerificationCompleted verification;
  verification.set_verdict(hosho::events::v1::VerificationCompleted::VERDICT_VERIFIED);
  verification.set_verified_by("contract-division-clerk");
  verification.mutable_certificate()->set_guaranteed_amount_yen(4'800'000);
  *verification.mutable_certificate()->mutable_period_start() = *ParseDate("2026-12-01");
  *verification.mutable_certificate()->mutable_period_end() = *ParseDate("2027-03-19");
  auto* warned = verification.add_rule_results();
  warned->set_code("R07_PERIOD_SHORT");
  warned->set_outcome(hosho::v1::RuleResult::OUTCOME_WARN);
  auto* passed = verification.add_rule_results();
  passed->set_code("R06_OK");
  passed->set_outcome(hosho::v1::RuleResult::OUTCOME_PASS);
  passed->set_passed(true);

  const std::vector<std::string> row = LedgerRowFor(c, &submission, &verification, nullptr);
  const std::vector<std::string>& header = LedgerHeader();
  ASSERT_EQ(row.size(), header.size());
  auto cell = [&](const std::string& name) {
    return row[std::find(header.begin(), header.end(), name) - header.begin()];
  };
  EXPECT_EQ(cell("案件番号"), "C-1");
  EXPECT_EQ(cell("状態"), "完了");
  EXPECT_EQ(cell("受付日時"), "2026-12-01 09:00");
  EXPECT_EQ(cell("受付経路"), "Webフォーム");
  EXPECT_EQ(cell("発注課"), "contract-division") << "codes without an office directory";
  EXPECT_EQ(cell("工事番号"), "R8-土木-0001");
  EXPECT_EQ(cell("工事名"), "市道みなと線舗装補修工事");
  EXPECT_EQ(cell("受注者"), "株式会社みなと建設");
  EXPECT_EQ(cell("発行者"), IssuerNameJa(hosho::v1::ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY));
  EXPECT_EQ(cell("保証金額（円）"), "4800000");
  EXPECT_EQ(cell("保証期間（始期）"), "2026-12-01");
  EXPECT_EQ(cell("保証期間（終期）"), "2027-03-19");
  EXPECT_EQ(cell("判定"), "適合");
  EXPECT_EQ(cell("不適合・注意のルール"), "R07_PERIOD_SHORT") << "warnings too, never the passes";
  EXPECT_EQ(cell("確認者"), "contract-division-clerk");
  EXPECT_EQ(cell("確認日時"), "2026-12-01 10:30");
  EXPECT_EQ(cell("契約締結日"), "2026-12-02");
  EXPECT_EQ(cell("送付日"), "2026-12-02");
  EXPECT_EQ(cell("支払引継日"), "");
  EXPECT_EQ(cell("完了日"), "2026-12-04");

  // A case not yet checked: no verdict, nothing invented.
  const std::vector<std::string> fresh = LedgerRowFor(c, nullptr, nullptr, nullptr);
  EXPECT_EQ(fresh[std::find(header.begin(), header.end(), "判定") - header.begin()], "");
  EXPECT_EQ(fresh[std::find(header.begin(), header.end(), "工事名") - header.begin()], "");
}

TEST(LedgerTest, TheFilesAreUtf8WithABomCp932AndXlsxWithFormulasNeutralised) {
  LedgerQuery query;
  query.office = "parks";
  query.received_from = absl::CivilDay(2026, 4, 1);
  query.received_to = absl::CivilDay(2027, 3, 31);
  std::vector<std::string> row(LedgerHeader().size());
  row[0] = "C-1";
  row[9] = "=HYPERLINK(\"x\")";  // a project name typed like a formula
  row[10] = "𠮷野建設";          // a character CP932 lacks
  const std::vector<std::vector<std::string>> rows = {row};

  auto utf8 = RenderLedger(query, rows);
  ASSERT_TRUE(utf8.ok()) << utf8.status();
  EXPECT_EQ(utf8->filename(), "保証台帳_parks_2026-04-01_2027-03-31.csv");
  EXPECT_EQ(utf8->rows(), 1);
  ASSERT_TRUE(absl::StartsWith(utf8->content(), "\xEF\xBB\xBF案件番号,状態,"));
  EXPECT_TRUE(absl::StrContains(utf8->content(), "\r\nC-1,")) << "CRLF rows";
  const CsvTable table = ParseCsv(utf8->content().substr(3));
  ASSERT_EQ(table.rows.size(), 2u);
  EXPECT_EQ(table.rows[1].cells[9], "'=HYPERLINK(\"x\")") << "never runs as a formula in Excel";
  EXPECT_EQ(table.rows[1].cells[10], "𠮷野建設");

  query.format = ExportLedgerRequest::FORMAT_CSV_CP932;
  auto sjis = RenderLedger(query, rows);
  ASSERT_TRUE(sjis.ok()) << sjis.status();
  EXPECT_EQ(sjis->filename(), "保証台帳_parks_2026-04-01_2027-03-31_sjis.csv");
  auto back = ToUtf8(sjis->content(), "windows-31j");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, absl::StrReplaceAll(utf8->content().substr(3), {{"𠮷", "?"}}));

  query.format = ExportLedgerRequest::FORMAT_XLSX;
  query.office = kEveryOffice;
  auto xlsx = RenderLedger(query, rows);
  ASSERT_TRUE(xlsx.ok()) << xlsx.status();
  EXPECT_EQ(xlsx->filename(), "保証台帳_all_2026-04-01_2027-03-31.xlsx");
  EXPECT_TRUE(absl::StartsWith(xlsx->content(), "PK\x03\x04")) << "a zip, as every .xlsx";
  EXPECT_EQ(xlsx->media_type(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
}

}  // namespace
}  // namespace hosho
