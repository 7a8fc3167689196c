#include "services/hoshoctl/clerk_commands.h"

#include <fstream>
#include <iostream>
#include <string>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "services/common/domain/domain_text.h"
#include "services/common/domain/events.h"
#include "services/common/runtime/clock.h"
#include "services/common/runtime/config.h"

namespace hosho::ctl {
namespace {

void PrintTask(const hosho::v1::VerificationTask& t) {
  std::cout << t.task_id() << "  " << StateName(t.state()) << "  " << KindNameJa(t.kind()) << "  "
            << PlatformNameJa(t.platform()) << "  " << t.contract_id() << "  " << t.guarantee_number()
            << (t.claimed_by().empty() ? "" : "  claimed by " + t.claimed_by()) << "\n";
}

int HandOff(HoshoClient& client, const Args& args, HandoffStep step) {
  auto expected_version = args.IntFlag("expected-version", 0);
  if (!expected_version.ok()) return Fail(expected_version.status());
  auto done = client.Handoff(step, args.words[1], args.Flag("note"), *expected_version);
  if (!done.ok()) return Fail(done.status());
  std::cout << "case " << done->case_id() << " " << StateName(done->state()) << " @" << done->office() << " v"
            << done->version() << "\n";
  return 0;
}

// The ledger's period, default this fiscal year (April to March, in Japan time).
absl::Status SetLedgerPeriod(const Args& args, hosho::v1::ExportLedgerRequest& request) {
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), JapanTimeZone());
  const absl::CivilYear fiscal_year(today.month() >= 4 ? today.year() : today.year() - 1);
  for (const auto& [flag, fallback, date] :
       {std::tuple{"from", absl::CivilDay(fiscal_year.year(), 4, 1), request.mutable_received_from()},
        std::tuple{"to", absl::CivilDay(fiscal_year.year() + 1, 3, 31), request.mutable_received_to()}}) {
    if (!args.Has(flag)) {
      *date = FromCivilDay(fallback);
      continue;
    }
    auto parsed = ParseDateJa(args.Flag(flag));
    if (!parsed.ok()) return parsed.status();
    *date = *parsed;
  }
  return absl::OkStatus();
}

// The ledger request the flags describe: which office, period, kind and state, in which format.
absl::StatusOr<hosho::v1::ExportLedgerRequest> LedgerRequest(const Args& args) {
  hosho::v1::ExportLedgerRequest request;
  request.set_office(args.Flag("office"));
  if (absl::Status s = SetLedgerPeriod(args, request); !s.ok()) return s;
  if (args.Has("kind")) {
    auto kind = ParseEnumName(hosho::v1::GuaranteeKind_descriptor(), "GUARANTEE_KIND", args.Flag("kind"));
    if (!kind.ok()) return kind.status();
    request.set_kind(static_cast<hosho::v1::GuaranteeKind>(*kind));
  }
  if (args.Has("state")) {
    auto state = ParseEnumName(hosho::v1::CaseState_descriptor(), "CASE_STATE", args.Flag("state"));
    if (!state.ok()) return state.status();
    request.set_state(static_cast<hosho::v1::CaseState>(*state));
  }
  const std::string format = args.Flag("format", "csv");
  if (format == "csv") {
    request.set_format(hosho::v1::ExportLedgerRequest::FORMAT_CSV_UTF8);
  } else if (format == "csv-sjis") {
    request.set_format(hosho::v1::ExportLedgerRequest::FORMAT_CSV_CP932);
  } else if (format == "xlsx") {
    request.set_format(hosho::v1::ExportLedgerRequest::FORMAT_XLSX);
  } else {
    return absl::InvalidArgumentError("--format is csv, csv-sjis or xlsx");
  }
  return request;
}

}  // namespace

int ListClerkTasks(HoshoClient& client, const Args& args) {
  auto tasks = client.ListTasks(args.Flag("office"));
  if (!tasks.ok()) return Fail(tasks.status());
  for (const auto& t : tasks->tasks()) PrintTask(t);
  return 0;
}

int ClaimClerkTask(HoshoClient& client, const Args& args) {
  auto task = client.ClaimTask(args.words[1]);
  if (!task.ok()) return Fail(task.status());
  PrintTask(*task);
  return 0;
}

int ReleaseClerkTask(HoshoClient& client, const Args& args) {
  auto task = client.ReleaseTask(args.words[1]);
  if (!task.ok()) return Fail(task.status());
  PrintTask(*task);
  return 0;
}

int RevealTaskCredential(HoshoClient& client, const Args& args) {
  auto shown = client.RevealCredential(args.words[1], args.Flag("reason"));
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

int RecordTaskCertificate(HoshoClient& client, const Args& args) {
  hosho::v1::RecordCertificateRequest record;
  record.set_task_id(args.words[1]);
  if (args.Has("certificate")) {
    auto file = Config::Load("", args.Flag("certificate"));
    if (!file.ok()) return Fail(file.status());
    auto certificate = ReadCertificateRecord(*file);
    if (!certificate.ok()) return Fail(certificate.status());
    *record.mutable_certificate() = *certificate;
  } else {
    record.set_no_certificate_reason(args.Flag("no-certificate"));
  }
  auto recorded = client.RecordCertificate(record);
  if (!recorded.ok()) return Fail(recorded.status());
  PrintTask(*recorded);
  for (const auto& r : recorded->rule_results()) {
    if (r.outcome() == hosho::v1::RuleResult::OUTCOME_NA) continue;
    std::cout << "  " << r.rule() << " " << hosho::v1::RuleResult::Outcome_Name(r.outcome()).substr(8) << "  "
              << r.message_ja() << "\n";
  }
  return 0;
}

int Conclude(HoshoClient& client, const Args& args) { return HandOff(client, args, HandoffStep::kConclude); }

int Acknowledge(HoshoClient& client, const Args& args) { return HandOff(client, args, HandoffStep::kAcknowledge); }

int HandOffPayment(HoshoClient& client, const Args& args) {
  return HandOff(client, args, HandoffStep::kPaymentHandoff);
}

int Withdraw(HoshoClient& client, const Args& args) { return HandOff(client, args, HandoffStep::kWithdraw); }

int WatchOfficeNotices(HoshoClient& client, const Args& args) {
  absl::Status ended = client.WatchNotifications(
      args.words.size() == 2 ? args.words[1] : "", args.Flag("after"),
      [](const hosho::v1::OfficeNotice& n) {
        std::cout << n.cursor() << "  " << n.notice().kind() << "  " << n.notice().case_id() << "  "
                  << n.notice().subject() << std::endl;
        return true;
      },
      absl::Hours(24));
  if (!ended.ok()) return Fail(ended);
  return 0;
}

// A clerk (--as) gets their own office; an operator names one or "*".
int ExportLedger(HoshoClient& client, const Args& args) {
  auto request = LedgerRequest(args);
  if (!request.ok()) return Fail(request.status());
  auto file = client.ExportLedger(*request);
  if (!file.ok()) return Fail(file.status());
  // Without --out, the server's name in the current directory: never a path it could choose.
  std::string out = args.Flag("out", file->filename());
  if (!args.Has("out")) out = out.substr(out.find_last_of('/') + 1);
  if (out.empty() || out == "." || out == "..") return Fail(absl::InvalidArgumentError("no file name: give --out"));
  std::ofstream file_out(out, std::ios::binary | std::ios::trunc);
  file_out << file->content();
  file_out.close();
  if (!file_out) return Fail(absl::InternalError(absl::StrCat("cannot write ", out)));
  std::cout << out << "  " << file->rows() << " cases\n";
  return 0;
}

}  // namespace hosho::ctl
