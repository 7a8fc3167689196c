// hoshoctl: the command line for people and scripts.
//
//   hoshoctl [--stack=.run/stack.yaml] [--as=PRINCIPAL] COMMAND ...
//     submit --contract=ID --kind=contract --issuer-kind=surety_company --issuer=east_japan_construction_surety
//            --request-id=ID (--guarantee-number=N --key-file=F | --viewing-url=U --password-file=F
//            [--project-name=工事名 --contractor-name=受注者名]) [--amount=YEN]
//     get CASE_ID            list [--office=X]         watch CASE_ID
//     contract upsert FILE.yaml                         notices CASE_ID
//     contract import FILE.csv [--report=OUT.csv]       (UTF-8 or Shift_JIS; exit 1 if a row was refused)
//     form import FILE.csv [--report=OUT.csv]           (the web form's CSV export; exit 1 if a row was refused)
//     form post FILE.json                               (signs and posts an answer to the webhook: development)
//     mail deliver FILE.eml                             (delivers into the development mailbox)
//     tasks [--office=X]    claim TASK    release TASK    (clerks; --as=<clerk principal>)
//     reveal TASK --reason=TEXT                         (prints the credential; every showing is audited)
//     record TASK (--certificate=FILE.yaml | --no-certificate=REASON)
//     demo [--scenario=deploy/demo/scenario.yaml] [--clerks=deploy/demo/certificates.yaml]
//                                                       (prints the scenario table; exit 0 only if all OK;
//                                                        --clerks: the offices' clerks check every electronic
//                                                        case, reading the platforms' certificates from FILE)
//     ledger [--office=X|*] [--from=DATE] [--to=DATE] [--kind=K] [--state=S] [--format=csv|csv-sjis|xlsx]
//            [--out=FILE]                               (保証台帳; default this fiscal year; a clerk: own office)
//     conclude CASE [--note=T]   acknowledge CASE [--note=T]   payment-handoff CASE [--note=T]
//     withdraw CASE --note=REASON                        (hand-off steps; --as=<clerk of the office>)
//     office-watch [OFFICE] [--after=CURSOR]            (an office's notices as they come; prints cursors)
//     payments                                          (what the accounting simulator received)
//     dlq list TOPIC.dlq | dlq replay TOPIC.dlq [--kafka-config=SERVICE.yaml] [--idle-ms=3000]
//                                                       (dead letters: list them, or send them back once)
//     keyring-new KEY_ID                                (prints a new sealing key ring: a Secret for a cluster)
//     principal-new NAME ROLE [OFFICE] --token-file=F [--acts-for=clerk,operator]
//                                         (writes a new token to F, prints its principals.yaml line; --acts-for
//                                         lets a service such as hosho-console call as a signed-in user)
//
// Secrets are read from files (or '-' for stdin), never from the command line.
#include <sys/stat.h>

#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/text_format.h"
#include "services/common/auth.h"
#include "services/common/config.h"
#include "services/common/domain_text.h"
#include "services/common/errors.h"
#include "services/common/events.h"
#include "services/common/passwords.h"
#include "services/common/sealing.h"
#include "services/hoshoctl/client.h"
#include "services/hoshoctl/dlq.h"
#include "services/hoshoctl/scenario.h"
#include "services/platform_sim/certificate_book.h"
#include "services/hoshoctl/yaml_input.h"

namespace {

using hosho::HoshoClient;

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

int Usage() {
  std::cerr << "usage: hoshoctl [--stack=.run/stack.yaml] [--as=PRINCIPAL] "
               "submit|get|list|watch|contract upsert|contract import|form import|form post|mail deliver|notices|"
               "tasks|claim|release|reveal|record|conclude|acknowledge|payment-handoff|withdraw|office-watch|payments|"
               "dlq list|dlq replay|keyring-new|principal-new|account-new|demo ...\n";
  return 2;
}

int Fail(const absl::Status& status) {
  std::cerr << "error: " << absl::StatusCodeToString(status.code()) << ": " << status.message() << "\n";
  for (const auto& v : hosho::ViolationsOf(status)) {
    std::cerr << "  " << v.field << ": " << v.code << " " << v.message_ja << "\n";
  }
  return 1;
}

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

void PrintCase(const hosho::v1::Case& c) {
  std::cout << "case " << c.case_id() << "  " << hosho::StateName(c.state()) << "  v" << c.version() << "  "
            << hosho::KindNameJa(c.kind()) << "  office=" << c.office() << "\n";
  std::cout << "  channel " << hosho::v1::Channel_Name(c.channel()).substr(8)
            << (c.source_receipt().empty() ? "" : "  receipt " + c.source_receipt())
            << (c.duplicate_count() > 0 ? "  duplicates " + std::to_string(c.duplicate_count()) : "") << "\n";
  if (!c.stated_project_name().empty() || !c.stated_contractor_name().empty()) {
    std::cout << "  format 工事名 " << (c.stated_project_name().empty() ? "(記載なし)" : c.stated_project_name())
              << "  受注者名 " << (c.stated_contractor_name().empty() ? "(記載なし)" : c.stated_contractor_name()) << "\n";
  }
  for (const auto& a : c.attachments()) {
    std::cout << "  attachment " << hosho::v1::AttachmentRef::Kind_Name(a.kind()).substr(5) << "  " << a.filename()
              << "  " << a.size_bytes() << " bytes  sha256 " << a.sha256() << "\n";
  }
  for (const auto& r : c.rule_results()) {
    if (r.outcome() == hosho::v1::RuleResult::OUTCOME_NA) continue;
    const std::string outcome = r.outcome() == hosho::v1::RuleResult::OUTCOME_UNSPECIFIED
                                    ? (r.passed() ? "PASS" : "FAIL")
                                    : hosho::v1::RuleResult::Outcome_Name(r.outcome()).substr(8);
    std::cout << "  rule " << r.rule() << " " << outcome << "  " << r.code() << "  " << r.message_ja() << "\n";
  }
  for (const auto& h : c.history()) {
    std::cout << "  " << absl::FormatTime("%Y-%m-%d %H:%M:%E3S", hosho::FromProto(h.at()), hosho::JapanTimeZone())
              << "  " << (h.from_state() == hosho::v1::CASE_STATE_UNSPECIFIED ? "-" : hosho::StateName(h.from_state()))
              << " -> " << hosho::StateName(h.to_state()) << "  by " << h.actor() << "  " << h.reason() << "\n";
  }
}

// ledger: the guarantee ledger of an office for a period (default: this fiscal year, April to March,
// in Japan time) into a file; a clerk (--as) gets their own office, an operator names one or "*".
int Ledger(hosho::HoshoClient& c, std::map<std::string, std::string>& flags) {
  hosho::v1::ExportLedgerRequest request;
  request.set_office(flags.count("office") ? flags["office"] : "");
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), hosho::JapanTimeZone());
  const absl::CivilYear fiscal_year(today.month() >= 4 ? today.year() : today.year() - 1);
  for (const auto& [flag, fallback, date] :
       {std::tuple{"from", absl::CivilDay(fiscal_year.year(), 4, 1), request.mutable_received_from()},
        std::tuple{"to", absl::CivilDay(fiscal_year.year() + 1, 3, 31), request.mutable_received_to()}}) {
    if (!flags.count(flag)) {
      *date = hosho::FromCivilDay(fallback);
      continue;
    }
    auto parsed = hosho::ParseDateJa(flags[flag]);
    if (!parsed.ok()) return Fail(parsed.status());
    *date = *parsed;
  }
  if (flags.count("kind")) {
    auto kind = hosho::ParseEnumName(hosho::v1::GuaranteeKind_descriptor(), "GUARANTEE_KIND", flags["kind"]);
    if (!kind.ok()) return Fail(kind.status());
    request.set_kind(static_cast<hosho::v1::GuaranteeKind>(*kind));
  }
  if (flags.count("state")) {
    auto state = hosho::ParseEnumName(hosho::v1::CaseState_descriptor(), "CASE_STATE", flags["state"]);
    if (!state.ok()) return Fail(state.status());
    request.set_state(static_cast<hosho::v1::CaseState>(*state));
  }
  const std::string format = flags.count("format") ? flags["format"] : "csv";
  if (format == "csv") {
    request.set_format(hosho::v1::ExportLedgerRequest::FORMAT_CSV_UTF8);
  } else if (format == "csv-sjis") {
    request.set_format(hosho::v1::ExportLedgerRequest::FORMAT_CSV_CP932);
  } else if (format == "xlsx") {
    request.set_format(hosho::v1::ExportLedgerRequest::FORMAT_XLSX);
  } else {
    return Fail(absl::InvalidArgumentError("--format is csv, csv-sjis or xlsx"));
  }
  auto file = c.ExportLedger(request);
  if (!file.ok()) return Fail(file.status());
  // Without --out, the server's name in the current directory: never a path it could choose.
  std::string out = flags.count("out") ? flags["out"] : file->filename();
  if (!flags.count("out")) out = out.substr(out.find_last_of('/') + 1);
  if (out.empty() || out == "." || out == "..") return Fail(absl::InvalidArgumentError("no file name: give --out"));
  std::ofstream file_out(out, std::ios::binary | std::ios::trunc);
  file_out << file->content();
  file_out.close();
  if (!file_out) return Fail(absl::InternalError(absl::StrCat("cannot write ", out)));
  std::cout << out << "  " << file->rows() << " cases\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string stack = ".run/stack.yaml";
  std::string principal;
  std::vector<std::string> positional;
  std::map<std::string, std::string> flags;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (absl::StartsWith(a, "--")) {
      const size_t eq = a.find('=');
      flags[a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2)] =
          eq == std::string::npos ? "true" : a.substr(eq + 1);
    } else {
      positional.push_back(a);
    }
  }
  if (flags.count("stack")) stack = flags["stack"];
  if (flags.count("as")) principal = flags["as"];
  if (positional.empty()) return Usage();
  const std::string command = positional[0];

  // Offline commands for a platform team: no stack needed.
  if (command == "keyring-new" && positional.size() == 2) {
    std::cout << hosho::KeyRing::GenerateYaml(positional[1]);
    return 0;
  }
  if (command == "principal-new" && (positional.size() == 3 || positional.size() == 4) && flags.count("token-file")) {
    if (!hosho::ParseRole(positional[2]).ok()) return Fail(absl::InvalidArgumentError("unknown role " + positional[2]));
    std::string acts_for;
    if (flags.count("acts-for")) {
      if (positional[2] != "service") return Fail(absl::InvalidArgumentError("only a service may act for users"));
      for (absl::string_view role : absl::StrSplit(flags["acts-for"], ',')) {
        if (role != "clerk" && role != "operator") {
          return Fail(absl::InvalidArgumentError("--acts-for may name clerk and operator only"));
        }
        absl::StrAppend(&acts_for, acts_for.empty() ? "" : ", ", role);
      }
    }
    const std::string token = hosho::RandomHex(24);
    {
      std::ofstream out(flags["token-file"], std::ios::trunc);
      if (!out) return Fail(absl::InvalidArgumentError("cannot write " + flags["token-file"]));
      out << token << "\n";
    }
    chmod(flags["token-file"].c_str(), 0600);
    std::cout << "  - {sha256: " << hosho::Sha256Hex(token) << ", principal: " << positional[1]
              << ", role: " << positional[2] << ", office: \"" << (positional.size() == 4 ? positional[3] : "") << "\""
              << (acts_for.empty() ? "" : absl::StrCat(", acts_for: [", acts_for, "]")) << "}\n";
    return 0;
  }

  // A console account line: the password is read from standard input and only its Argon2id hash printed.
  if (command == "account-new" && (positional.size() == 4 || positional.size() == 5)) {
    const std::string& role = positional[3];
    if (role != "clerk" && role != "operator")
      return Fail(absl::InvalidArgumentError("role must be clerk or operator"));
    if (role == "clerk" && (positional[2].empty() || positional[2] == "-")) {
      return Fail(absl::InvalidArgumentError("a clerk needs an office"));
    }
    std::string password;
    std::getline(std::cin, password);
    if (password.size() < 12) return Fail(absl::InvalidArgumentError("the password needs at least 12 characters"));
    auto hash = hosho::HashPassword(password);
    if (!hash.ok()) return Fail(hash.status());
    std::cout << "  - {username: " << positional[1] << ", display_name: \""
              << (positional.size() == 5 ? positional[4] : positional[1]) << "\", office: \""
              << (positional[2] == "-" ? "" : positional[2]) << "\", role: " << role << ", password_hash: \"" << *hash
              << "\"}\n";
    return 0;
  }
  if (command == "dlq" && positional.size() == 3 && (positional[1] == "list" || positional[1] == "replay")) {
    // Kafka from a service's configuration (production: SASL, TLS) or from the development stack file.
    auto config = hosho::Config::Load("", flags.count("kafka-config") ? flags["kafka-config"] : stack);
    if (!config.ok()) return Fail(config.status());
    hosho::KafkaOptions kafka = hosho::KafkaOptionsFromConfig(*config, "hoshoctl");
    if (kafka.bootstrap_servers.empty()) kafka.bootstrap_servers = config->GetString("kafka");
    const absl::Duration idle = absl::Milliseconds(flags.count("idle-ms") ? std::stoi(flags["idle-ms"]) : 3000);
    auto letters = positional[1] == "list" ? hosho::ListDeadLetters(kafka, positional[2], idle)
                                           : hosho::ReplayDeadLetters(kafka, positional[2], idle);
    if (!letters.ok()) return Fail(letters.status());
    for (const auto& d : *letters) {
      std::cout << d.dlq_topic << "/" << d.partition << "/" << d.offset << "  " << d.event_id << "  from "
                << d.source_topic << " " << d.source_offset << "  group " << d.group << "  after " << d.attempts
                << " attempts: " << d.error_code << " " << d.error << "\n";
    }
    std::cout << letters->size() << (positional[1] == "list" ? " dead letters\n" : " replayed\n");
    return 0;
  }

  auto endpoints = hosho::EndpointsFromStackFile(stack);
  if (!endpoints.ok()) return Fail(endpoints.status());
  auto client = HoshoClient::Connect(*endpoints);
  if (!client.ok()) return Fail(client.status());
  HoshoClient& c = **client;
  auto act = [&](const std::string& fallback) { return c.ActAs(principal.empty() ? fallback : principal); };

  if (command == "demo") {
    auto scenario = hosho::Config::Load("", flags.count("scenario") ? flags["scenario"] : "deploy/demo/scenario.yaml");
    if (!scenario.ok()) return Fail(scenario.status());
    std::optional<hosho::CertificateBook> platforms;
    if (flags.count("clerks")) {
      auto book = hosho::CertificateBook::FromFile(flags["clerks"] == "true" ? "deploy/demo/certificates.yaml"
                                                                            : flags["clerks"]);
      if (!book.ok()) return Fail(book.status());
      platforms = *std::move(book);
    }
    auto rows = hosho::RunScenario(c, *scenario, absl::Seconds(30),
                                   hosho::ScenarioClerks{platforms.has_value() ? &*platforms : nullptr});
    if (!rows.ok()) return Fail(rows.status());
    std::cout << hosho::FormatScenarioTable(*rows);
    for (const auto& r : *rows) {
      if (!r.ok) return 1;
    }
    return 0;
  }
  if (command == "submit") {
    if (auto s = act("demo-submitter"); !s.ok()) return Fail(s);
    std::string yaml = absl::StrCat("request_id: \"", flags["request-id"], "\"\ncontract_id: \"", flags["contract"],
                                    "\"\nkind: ", flags["kind"], "\nissuer_kind: ", flags["issuer-kind"],
                                    "\nissuer: ", flags.count("issuer") ? flags["issuer"] : "unspecified",
                                    "\nrequested_amount_yen: ", flags.count("amount") ? flags["amount"] : "0", "\n");
    auto item = hosho::Config::FromYaml(yaml);
    if (!item.ok()) return Fail(item.status());
    auto request = hosho::SubmissionFromYaml(*item);
    if (!request.ok()) return Fail(request.status());
    if (flags.count("guarantee-number")) {
      request->mutable_d_sure()->set_guarantee_number(flags["guarantee-number"]);
      request->mutable_d_sure()->set_authentication_key(ReadSecretFile(flags["key-file"]));
    } else if (flags.count("viewing-url")) {
      request->mutable_confirmation_system()->set_viewing_url(flags["viewing-url"]);
      request->mutable_confirmation_system()->set_viewing_password(ReadSecretFile(flags["password-file"]));
      request->mutable_confirmation_system()->set_project_name(flags["project-name"]);
      request->mutable_confirmation_system()->set_contractor_name(flags["contractor-name"]);
    }
    auto response = c.Submit(*request);
    if (!response.ok()) return Fail(response.status());
    std::cout << "case " << response->case_id() << " " << hosho::StateName(response->state())
              << (response->replayed() ? " (replayed)" : "") << "\n";
    return 0;
  }
  // Clerk commands: the principal must be a clerk (--as); the development stack has contract-division-clerk.
  if (command == "tasks" || command == "claim" || command == "release" || command == "reveal" || command == "record") {
    if (auto s = act("contract-division-clerk"); !s.ok()) return Fail(s);
    auto print_task = [](const hosho::v1::VerificationTask& t) {
      std::cout << t.task_id() << "  " << hosho::StateName(t.state()) << "  " << hosho::KindNameJa(t.kind()) << "  "
                << hosho::PlatformNameJa(t.platform()) << "  " << t.contract_id() << "  " << t.guarantee_number()
                << (t.claimed_by().empty() ? "" : "  claimed by " + t.claimed_by()) << "\n";
    };
    if (command == "tasks") {
      auto tasks = c.ListTasks(flags["office"]);
      if (!tasks.ok()) return Fail(tasks.status());
      for (const auto& t : tasks->tasks()) print_task(t);
      return 0;
    }
    if (positional.size() != 2) return Usage();
    if (command == "claim" || command == "release") {
      auto task = command == "claim" ? c.ClaimTask(positional[1]) : c.ReleaseTask(positional[1]);
      if (!task.ok()) return Fail(task.status());
      print_task(*task);
      return 0;
    }
    if (command == "reveal") {
      auto shown = c.RevealCredential(positional[1], flags["reason"]);
      if (!shown.ok()) return Fail(shown.status());
      if (shown->has_d_sure()) {
        std::cout << "保証契約番号: " << shown->d_sure().guarantee_number()
                  << "\n認証キー: " << shown->d_sure().authentication_key() << "\n";
      } else {
        std::cout << "閲覧用URL: " << shown->confirmation_system().viewing_url()
                  << "\n閲覧用パスワード: " << shown->confirmation_system().viewing_password() << "\n";
      }
      std::cerr << "(this showing is recorded in the case history)\n";
      return 0;
    }
    hosho::v1::RecordCertificateRequest record;
    record.set_task_id(positional[1]);
    if (flags.count("certificate")) {
      auto file = hosho::Config::Load("", flags["certificate"]);
      if (!file.ok()) return Fail(file.status());
      auto certificate = hosho::ReadCertificateRecord(*file);
      if (!certificate.ok()) return Fail(certificate.status());
      *record.mutable_certificate() = *certificate;
    } else {
      record.set_no_certificate_reason(flags["no-certificate"]);
    }
    auto recorded = c.RecordCertificate(record);
    if (!recorded.ok()) return Fail(recorded.status());
    print_task(*recorded);
    for (const auto& r : recorded->rule_results()) {
      if (r.outcome() == hosho::v1::RuleResult::OUTCOME_NA) continue;
      std::cout << "  " << r.rule() << " " << hosho::v1::RuleResult::Outcome_Name(r.outcome()).substr(8) << "  "
                << r.message_ja() << "\n";
    }
    return 0;
  }
  if (auto s = act("operator"); !s.ok()) return Fail(s);
  if (command == "get" && positional.size() == 2) {
    auto got = c.GetCase(positional[1]);
    if (!got.ok()) return Fail(got.status());
    PrintCase(*got);
    return 0;
  }
  if (command == "list") {
    hosho::v1::ListCasesRequest request;
    request.set_office(flags["office"]);
    request.set_page_size(100);
    auto listed = c.ListCases(request);
    if (!listed.ok()) return Fail(listed.status());
    for (const auto& k : listed->cases()) {
      std::cout << k.case_id() << "  " << hosho::StateName(k.state()) << "  " << hosho::KindNameJa(k.kind()) << "  "
                << k.office() << "\n";
    }
    return 0;
  }
  if (command == "watch" && positional.size() == 2) {
    auto last = c.WatchUntil(
        positional[1], [](const hosho::v1::Case& k) { return hosho::IsTerminal(k.state()); }, absl::Hours(24),
        [](const hosho::v1::Case& k) { std::cout << hosho::StateName(k.state()) << " v" << k.version() << std::endl; });
    if (!last.ok()) return Fail(last.status());
    return 0;
  }
  if (command == "notices" && positional.size() == 2) {
    auto notices = c.ListNotices(positional[1]);
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
  // Hand-off steps (HandoffService): the clerk of the office that holds the case (--as).
  const std::map<std::string, HoshoClient::HandoffStep> steps = {
      {"conclude", HoshoClient::HandoffStep::kConclude},
      {"acknowledge", HoshoClient::HandoffStep::kAcknowledge},
      {"payment-handoff", HoshoClient::HandoffStep::kPaymentHandoff},
      {"withdraw", HoshoClient::HandoffStep::kWithdraw}};
  if (auto step = steps.find(command); step != steps.end() && positional.size() == 2) {
    if (auto s = act("contract-division-clerk"); !s.ok()) return Fail(s);
    auto done = c.Handoff(step->second, positional[1], flags["note"],
                          flags.count("expected-version") ? std::stoll(flags["expected-version"]) : 0);
    if (!done.ok()) return Fail(done.status());
    std::cout << "case " << done->case_id() << " " << hosho::StateName(done->state()) << " @" << done->office() << " v"
              << done->version() << "\n";
    return 0;
  }
  if (command == "office-watch" && positional.size() <= 2) {
    if (auto s = act("contract-division-clerk"); !s.ok()) return Fail(s);
    absl::Status ended = c.WatchNotifications(
        positional.size() == 2 ? positional[1] : "", flags["after"],
        [](const hosho::v1::OfficeNotice& n) {
          std::cout << n.cursor() << "  " << n.notice().kind() << "  " << n.notice().case_id() << "  "
                    << n.notice().subject() << std::endl;
          return true;
        },
        absl::Hours(24));
    if (!ended.ok()) return Fail(ended);
    return 0;
  }
  if (command == "payments") {
    if (auto s = act("operator"); !s.ok()) return Fail(s);
    auto payments = c.ListAdvancePayments();
    if (!payments.ok()) return Fail(payments.status());
    for (int i = 0; i < payments->requests_size(); ++i) {
      const auto& r = payments->requests(i);
      std::cout << payments->references(i) << "  " << r.case_id() << "  " << r.office() << "  "
                << hosho::FormatYen(r.amount_yen()) << "  支払期限 "
                << absl::FormatTime("%Y-%m-%d", hosho::FromProto(r.pay_by()), hosho::JapanTimeZone()) << "\n";
    }
    return 0;
  }
  if (command == "ledger") return Ledger(c, flags);
  if ((command == "contract" || command == "form") && positional.size() == 3 && positional[1] == "import") {
    if (command == "contract" && principal.empty()) {
      if (auto s = c.ActAs("city-contract-system"); !s.ok()) return Fail(s);
    }
    std::ifstream in(positional[2], std::ios::binary);
    if (!in) return Fail(absl::NotFoundError("cannot read " + positional[2]));
    std::stringstream bytes;
    bytes << in.rdbuf();
    auto report =
        command == "contract" ? c.ImportContractsCsv(bytes.str()) : c.ImportFormCsv(bytes.str(), positional[2]);
    if (!report.ok()) return Fail(report.status());
    PrintReport(*report);
    if (flags.count("report")) std::ofstream(flags["report"], std::ios::binary) << report->report_csv();
    return report->refused() == 0 ? 0 : 1;
  }
  if (command == "form" && positional.size() == 3 && positional[1] == "post") {
    std::ifstream in(positional[2], std::ios::binary);
    if (!in) return Fail(absl::NotFoundError("cannot read " + positional[2]));
    std::stringstream body;
    body << in.rdbuf();
    auto posted = c.PostFormWebhook(body.str());
    if (!posted.ok()) return Fail(posted.status());
    std::cout << "HTTP " << posted->first << " " << posted->second << "\n";
    return posted->first == 200 ? 0 : 1;
  }
  if (command == "mail" && positional.size() == 3 && positional[1] == "deliver") {
    std::ifstream in(positional[2], std::ios::binary);
    if (!in) return Fail(absl::NotFoundError("cannot read " + positional[2]));
    std::stringstream raw;
    raw << in.rdbuf();
    if (auto s = c.DeliverMail(raw.str()); !s.ok()) return Fail(s);
    std::cout << "delivered to the development mailbox\n";
    return 0;
  }
  if (command == "contract" && positional.size() == 3 && positional[1] == "upsert") {
    if (principal.empty()) {
      if (auto s = c.ActAs("city-contract-system"); !s.ok()) return Fail(s);
    }
    auto file = hosho::Config::Load("", positional[2]);
    if (!file.ok()) return Fail(file.status());
    auto items = file->GetList("contracts");
    if (items.empty()) items.push_back(*file);
    for (const auto& item : items) {
      auto contract = hosho::ContractFromYaml(item);
      if (!contract.ok()) return Fail(contract.status());
      auto stored = c.UpsertContract(*contract);
      if (!stored.ok()) return Fail(stored.status());
      std::cout << "contract " << stored->contract_id() << " v" << stored->version() << "\n";
    }
    return 0;
  }
  return Usage();
}
