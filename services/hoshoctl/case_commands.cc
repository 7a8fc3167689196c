#include "services/hoshoctl/case_commands.h"

#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/common/domain/domain_text.h"
#include "services/common/domain/events.h"
#include "services/common/runtime/clock.h"
#include "services/common/runtime/config.h"
#include "services/hoshoctl/scenario.h"
#include "services/hoshoctl/yaml_input.h"
#include "services/platform_sim/certificate_book.h"

namespace hosho::ctl {
namespace {

std::string ReadSecretFile(const std::string& path) {
  std::string secret;
  if (path == "-") {
    std::getline(std::cin, secret);
  } else {
    std::ifstream in(path);
    std::getline(in, secret);
  }
  return secret;
}

absl::StatusOr<std::string> ReadBinaryFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot read " + path);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

void PrintReport(const hosho::v1::ImportReport& report) {
  std::cout << "encoding " << report.encoding() << ": " << report.accepted() << " accepted, " << report.unchanged()
            << " unchanged, " << report.duplicates() << " duplicates, " << report.refused() << " refused\n";
  for (const auto& row : report.rows()) {
    std::cout << "  line " << row.line() << "  " << (row.key().empty() ? "-" : row.key()) << "  "
              << hosho::v1::ImportRow::Outcome_Name(row.outcome()).substr(8) << "  " << row.case_id();
    for (const auto& v : row.violations())
      std::cout << "\n      " << v.field() << ": " << v.code() << " " << v.message_ja();
    std::cout << "\n";
  }
}

void PrintCaseSummary(const hosho::v1::Case& c) {
  std::cout << "case " << c.case_id() << "  " << StateName(c.state()) << "  v" << c.version() << "  "
            << KindNameJa(c.kind()) << "  office=" << c.office() << "\n";
  std::cout << "  channel " << hosho::v1::Channel_Name(c.channel()).substr(8)
            << (c.source_receipt().empty() ? "" : "  receipt " + c.source_receipt())
            << (c.duplicate_count() > 0 ? "  duplicates " + std::to_string(c.duplicate_count()) : "") << "\n";
  if (!c.stated_project_name().empty() || !c.stated_contractor_name().empty()) {
    std::cout << "  format 工事名 " << (c.stated_project_name().empty() ? "(記載なし)" : c.stated_project_name())
              << "  受注者名 " << (c.stated_contractor_name().empty() ? "(記載なし)" : c.stated_contractor_name())
              << "\n";
  }
  for (const auto& a : c.attachments()) {
    std::cout << "  attachment " << hosho::v1::AttachmentRef::Kind_Name(a.kind()).substr(5) << "  " << a.filename()
              << "  " << a.size_bytes() << " bytes  sha256 " << a.sha256() << "\n";
  }
}

// The case, its checks and its history.
void PrintCase(const hosho::v1::Case& c) {
  PrintCaseSummary(c);
  for (const auto& r : c.rule_results()) {
    if (r.outcome() == hosho::v1::RuleResult::OUTCOME_NA) continue;
    const std::string outcome = r.outcome() == hosho::v1::RuleResult::OUTCOME_UNSPECIFIED
                                    ? (r.passed() ? "PASS" : "FAIL")
                                    : hosho::v1::RuleResult::Outcome_Name(r.outcome()).substr(8);
    std::cout << "  rule " << r.rule() << " " << outcome << "  " << r.code() << "  " << r.message_ja() << "\n";
  }
  for (const auto& h : c.history()) {
    std::cout << "  " << absl::FormatTime("%Y-%m-%d %H:%M:%E3S", FromProto(h.at()), JapanTimeZone()) << "  "
              << (h.from_state() == hosho::v1::CASE_STATE_UNSPECIFIED ? "-" : StateName(h.from_state())) << " -> "
              << StateName(h.to_state()) << "  by " << h.actor() << "  " << h.reason() << "\n";
  }
}

// The submission the flags describe; the credential is read from its file.
absl::StatusOr<hosho::v1::SubmitGuaranteeRequest> SubmissionFromFlags(const Args& args) {
  const std::string yaml = absl::StrCat(
      "request_id: \"", args.Flag("request-id"), "\"\ncontract_id: \"", args.Flag("contract"),
      "\"\nkind: ", args.Flag("kind"), "\nissuer_kind: ", args.Flag("issuer-kind"),
      "\nissuer: ", args.Flag("issuer", "unspecified"), "\nrequested_amount_yen: ", args.Flag("amount", "0"), "\n");
  auto item = Config::FromYaml(yaml);
  if (!item.ok()) return item.status();
  auto request = SubmissionFromYaml(*item);
  if (!request.ok()) return request.status();
  if (args.Has("guarantee-number")) {
    request->mutable_d_sure()->set_guarantee_number(args.Flag("guarantee-number"));
    request->mutable_d_sure()->set_authentication_key(ReadSecretFile(args.Flag("key-file")));
  } else if (args.Has("viewing-url")) {
    request->mutable_confirmation_system()->set_viewing_url(args.Flag("viewing-url"));
    request->mutable_confirmation_system()->set_viewing_password(ReadSecretFile(args.Flag("password-file")));
    request->mutable_confirmation_system()->set_project_name(args.Flag("project-name"));
    request->mutable_confirmation_system()->set_contractor_name(args.Flag("contractor-name"));
  }
  return request;
}

// contract import and form import: the file as the server reads it, its report printed.
int ImportCsv(HoshoClient& client, const Args& args, bool contracts) {
  const std::string& path = args.words[2];
  auto bytes = ReadBinaryFile(path);
  if (!bytes.ok()) return Fail(bytes.status());
  auto report = contracts ? client.ImportContractsCsv(*bytes) : client.ImportFormCsv(*bytes, path);
  if (!report.ok()) return Fail(report.status());
  PrintReport(*report);
  if (args.Has("report")) std::ofstream(args.Flag("report"), std::ios::binary) << report->report_csv();
  return report->refused() == 0 ? 0 : 1;
}

}  // namespace

int RunDemo(HoshoClient& client, const Args& args) {
  auto scenario = Config::Load("", args.Flag("scenario", "deploy/demo/scenario.yaml"));
  if (!scenario.ok()) return Fail(scenario.status());
  std::optional<CertificateBook> platforms;
  if (args.Has("clerks")) {
    const std::string clerks = args.Flag("clerks");
    auto book = CertificateBook::FromFile(clerks == "true" ? "deploy/demo/certificates.yaml" : clerks);
    if (!book.ok()) return Fail(book.status());
    platforms = *std::move(book);
  }
  auto rows =
      RunScenario(client, *scenario, absl::Seconds(30), ScenarioClerks{platforms.has_value() ? &*platforms : nullptr});
  if (!rows.ok()) return Fail(rows.status());
  std::cout << FormatScenarioTable(*rows);
  for (const auto& r : *rows) {
    if (!r.ok) return 1;
  }
  return 0;
}

int Submit(HoshoClient& client, const Args& args) {
  auto request = SubmissionFromFlags(args);
  if (!request.ok()) return Fail(request.status());
  auto response = client.Submit(*request);
  if (!response.ok()) return Fail(response.status());
  std::cout << "case " << response->case_id() << " " << StateName(response->state())
            << (response->replayed() ? " (replayed)" : "") << "\n";
  return 0;
}

int GetCase(HoshoClient& client, const Args& args) {
  auto got = client.GetCase(args.words[1]);
  if (!got.ok()) return Fail(got.status());
  PrintCase(*got);
  return 0;
}

int ListCases(HoshoClient& client, const Args& args) {
  hosho::v1::ListCasesRequest request;
  request.set_office(args.Flag("office"));
  request.set_page_size(100);
  auto listed = client.ListCases(request);
  if (!listed.ok()) return Fail(listed.status());
  for (const auto& k : listed->cases()) {
    std::cout << k.case_id() << "  " << StateName(k.state()) << "  " << KindNameJa(k.kind()) << "  " << k.office()
              << "\n";
  }
  return 0;
}

int WatchCase(HoshoClient& client, const Args& args) {
  auto last = client.WatchUntil(
      args.words[1], [](const hosho::v1::Case& k) { return IsTerminal(k.state()); }, absl::Hours(24),
      [](const hosho::v1::Case& k) { std::cout << StateName(k.state()) << " v" << k.version() << std::endl; });
  if (!last.ok()) return Fail(last.status());
  return 0;
}

int ListCaseNotices(HoshoClient& client, const Args& args) {
  auto notices = client.ListNotices(args.words[1]);
  if (!notices.ok()) return Fail(notices.status());
  for (const auto& n : notices->notices()) {
    std::cout << n.delivery_id() << "  to " << n.recipient() << "  " << n.subject() << "\n";
    for (const auto& d : n.deliveries()) {
      std::cout << "  " << d.channel() << " → " << d.target() << "  "
                << hosho::v1::Delivery::State_Name(d.state()).substr(6) << "  attempts " << d.attempts()
                << (d.possible_repeats() > 0
                        ? absl::StrCat("  possible repeats ", d.possible_repeats(), " (same Message-ID)")
                        : "")
                << (d.last_error().empty() ? "" : "  last error: " + d.last_error()) << "\n";
    }
    std::cout << "  " << n.body() << "\n";
  }
  return 0;
}

int ListPayments(HoshoClient& client, const Args& /*args*/) {
  auto payments = client.ListAdvancePayments();
  if (!payments.ok()) return Fail(payments.status());
  for (int i = 0; i < payments->requests_size(); ++i) {
    const auto& r = payments->requests(i);
    std::cout << payments->references(i) << "  " << r.case_id() << "  " << r.office() << "  "
              << FormatYen(r.amount_yen()) << "  支払期限 "
              << absl::FormatTime("%Y-%m-%d", FromProto(r.pay_by()), JapanTimeZone()) << "\n";
  }
  return 0;
}

int UpsertContracts(HoshoClient& client, const Args& args) {
  auto file = Config::Load("", args.words[2]);
  if (!file.ok()) return Fail(file.status());
  auto items = file->GetList("contracts");
  if (items.empty()) items.push_back(*file);
  for (const auto& item : items) {
    auto contract = ContractFromYaml(item);
    if (!contract.ok()) return Fail(contract.status());
    auto stored = client.UpsertContract(*contract);
    if (!stored.ok()) return Fail(stored.status());
    std::cout << "contract " << stored->contract_id() << " v" << stored->version() << "\n";
  }
  return 0;
}

int ImportContracts(HoshoClient& client, const Args& args) { return ImportCsv(client, args, true); }

int ImportForms(HoshoClient& client, const Args& args) { return ImportCsv(client, args, false); }

int PostForm(HoshoClient& client, const Args& args) {
  auto body = ReadBinaryFile(args.words[2]);
  if (!body.ok()) return Fail(body.status());
  auto posted = client.PostFormWebhook(*body);
  if (!posted.ok()) return Fail(posted.status());
  std::cout << "HTTP " << posted->first << " " << posted->second << "\n";
  return posted->first == 200 ? 0 : 1;
}

int DeliverMail(HoshoClient& client, const Args& args) {
  auto raw = ReadBinaryFile(args.words[2]);
  if (!raw.ok()) return Fail(raw.status());
  if (auto s = client.DeliverMail(*raw); !s.ok()) return Fail(s);
  std::cout << "delivered to the development mailbox\n";
  return 0;
}

}  // namespace hosho::ctl
