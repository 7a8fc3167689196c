// What happens once the cases are in: each accepted case's end state and notices (checked by a clerk
// first in clerk-first mode), the paper cases clerks check, the offices' hand-off steps, and contracts
// that change after their guarantee was checked.
#include <algorithm>
#include <functional>
#include <iterator>
#include <string>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/domain/domain_text.h"
#include "services/common/domain/events.h"
#include "services/common/runtime/clock.h"
#include "services/common/runtime/errors.h"
#include "services/hoshoctl/scenario_steps.h"
#include "services/hoshoctl/yaml_input.h"
#include "services/platform_sim/certificate_book.h"

namespace hosho {
namespace {

constexpr std::pair<const char*, HandoffStep> kHandoffSteps[] = {{"conclude", HandoffStep::kConclude},
                                                                 {"acknowledge", HandoffStep::kAcknowledge},
                                                                 {"payment-handoff", HandoffStep::kPaymentHandoff},
                                                                 {"withdraw", HandoffStep::kWithdraw}};

// The case once `done` holds, or as it last was when `deadline` passed.
absl::StatusOr<hosho::v1::Case> PollCase(HoshoClient& client, const std::string& case_id,
                                         const std::function<bool(const hosho::v1::Case&)>& done,
                                         absl::Duration deadline) {
  const absl::Time give_up = absl::Now() + deadline;
  for (;;) {
    auto c = client.GetCase(case_id);
    if ((c.ok() && done(*c)) || absl::Now() >= give_up) return c;
    absl::SleepFor(absl::Milliseconds(50));  // the API has no stream that outlives a closed case
  }
}

// The checking office's clerk reads the certificate on the platform and records it: claim, reveal
// (audited), record what the platform shows, or that the credential opens nothing. Returns the clerk.
absl::StatusOr<std::string> CheckAsClerk(HoshoClient& client, const CertificateBook& platforms,
                                         const std::string& case_id, const std::string& office) {
  const std::string clerk = office + "-clerk";
  if (auto s = client.ActAs(clerk); !s.ok()) return s;
  if (auto claimed = client.ClaimTask(case_id); !claimed.ok()) return claimed.status();
  auto shown = client.RevealCredential(case_id, "プラットフォームで証書を確認するため");
  if (!shown.ok()) return shown.status();
  const absl::StatusOr<hosho::v1::CertificateRecord> certificate =
      shown->has_d_sure()
          ? platforms.LookupDSure(shown->d_sure().guarantee_number(), shown->d_sure().authentication_key())
          : platforms.LookupConfirmationSystem(shown->confirmation_system().viewing_url(),
                                               shown->confirmation_system().viewing_password());
  hosho::v1::RecordCertificateRequest record;
  record.set_task_id(case_id);
  if (certificate.ok()) {
    *record.mutable_certificate() = *certificate;
  } else if (absl::IsNotFound(certificate.status())) {
    record.set_no_certificate_reason("認証情報では証書が表示されませんでした");
  } else {
    return certificate.status();
  }
  if (auto recorded = client.RecordCertificate(record); !recorded.ok()) return recorded.status();
  return clerk;
}

// A clerk's check of a case that waited in its office's queue.
struct ClerkCheck {
  std::string clerk;     // who checked it; empty: the case did not wait for a clerk
  absl::Status refusal;  // why the clerk could not record the check
};

// In clerk-first mode, a case that waits in its office's queue (before it gets where it is expected
// to end, `want`) is checked by that office's clerk; the calls go on as the operator.
absl::StatusOr<ClerkCheck> CheckIfQueued(ScenarioRun& run, const std::string& case_id, const std::string& want) {
  ClerkCheck check;
  if (run.clerks.certificates == nullptr || want == StateName(hosho::v1::CASE_STATE_AWAITING_VERIFICATION)) {
    return check;
  }
  auto queued = run.client.WatchUntil(
      case_id,
      [&](const hosho::v1::Case& c) {
        return c.state() == hosho::v1::CASE_STATE_AWAITING_VERIFICATION || StateName(c.state()) == want ||
               IsTerminal(c.state());
      },
      run.deadline);
  if (!queued.ok() || queued->state() != hosho::v1::CASE_STATE_AWAITING_VERIFICATION) return check;
  auto clerk = CheckAsClerk(run.client, *run.clerks.certificates, case_id, queued->office());
  if (auto s = run.client.ActAs("operator"); !s.ok()) return s;
  if (clerk.ok()) {
    check.clerk = *clerk;
  } else {
    check.refusal = clerk.status();
  }
  return check;
}

// Whether the case ended where the scenario expects (state, office, hand-off action, a failed rule);
// what it shows goes into the row.
bool MeetsExpectation(const hosho::v1::Case& c, const Config& expect, const std::string& checked_by, ScenarioRow& row) {
  const std::string want = expect.GetString("expect.state");
  const std::string office = expect.GetString("expect.office");
  const std::string action = expect.GetString("expect.action");
  const std::string rule = expect.GetString("expect.rule");
  row.actual = StateName(c.state());
  if (!checked_by.empty()) absl::StrAppend(&row.actual, " (", checked_by, ")");
  if (!c.office().empty()) absl::StrAppend(&row.actual, " @", c.office());
  bool ok = StateName(c.state()) == want && (office.empty() || c.office() == office) &&
            (action.empty() || hosho::v1::HandoffAction_Name(c.action()) == "HANDOFF_ACTION_" + action);
  if (!rule.empty()) {
    bool found = false;
    for (const auto& r : c.rule_results()) {
      if (!r.passed() && r.code() == rule) found = true;
    }
    absl::StrAppend(&row.actual, found ? absl::StrCat(" ", rule) : " (rule missing)");
    ok = ok && found;
  }
  return ok;
}

// Everyone involved is told: the office (and the contractor) get a notice.
bool AwaitNotices(ScenarioRun& run, const std::string& case_id, ScenarioRow& row) {
  const absl::Time give_up = absl::Now() + run.deadline;
  while (absl::Now() < give_up) {
    auto notices = run.client.ListNotices(case_id);
    if (notices.ok() && notices->notices_size() > 0) {
      absl::StrAppend(&row.actual, ", ", notices->notices_size(), " notices");
      return true;
    }
    absl::SleepFor(absl::Milliseconds(20));  // awaiting the notification consumer
  }
  return false;
}

absl::Status AwaitEndState(ScenarioRun& run, const PendingCase& p) {
  ScenarioRow& row = run.rows[p.row];
  const std::string want = p.expect.GetString("expect.state");
  row.expected = want;
  if (p.case_id.empty()) {
    row.actual = "no case arrived";
    return absl::OkStatus();
  }
  const std::string office = p.expect.GetString("expect.office");
  const std::string rule = p.expect.GetString("expect.rule");
  if (!office.empty()) absl::StrAppend(&row.expected, " @", office);
  if (!rule.empty()) absl::StrAppend(&row.expected, " ", rule);
  absl::StatusOr<ClerkCheck> check = CheckIfQueued(run, p.case_id, want);
  if (!check.ok()) return check.status();
  if (!check->refusal.ok()) {
    row.actual = absl::StrCat("clerk refused: ", check->refusal.message());
    return absl::OkStatus();
  }
  auto final_case = run.client.WatchUntil(
      p.case_id, [&](const hosho::v1::Case& c) { return StateName(c.state()) == want || IsTerminal(c.state()); },
      run.deadline);
  if (!final_case.ok()) {
    row.actual = absl::StrCat("watch failed: ", final_case.status().message());
    return absl::OkStatus();
  }
  const bool ok = MeetsExpectation(*final_case, p.expect, check->clerk, row);
  row.ok = ok && AwaitNotices(run, p.case_id, row);
  return absl::OkStatus();
}

// A clerk checks what no connector can read (paper): claim, record what the certificate says.
absl::Status CheckPaperCase(ScenarioRun& run, const Config& item) {
  ScenarioRow row;
  row.label = item.GetString("label");
  row.case_id = run.case_by_request[item.GetString("request_id")];
  row.expected = item.GetString("expect.state");
  if (!item.GetString("expect.office").empty()) absl::StrAppend(&row.expected, " @", item.GetString("expect.office"));
  if (row.case_id.empty()) {
    row.actual = "no case for " + item.GetString("request_id");
    run.rows.push_back(row);
    return absl::OkStatus();
  }
  auto certificate = ReadCertificateRecord(item.Child("certificate"));
  if (!certificate.ok()) return certificate.status();
  if (auto s = run.client.ActAs(item.GetString("act_as")); !s.ok()) return s;
  auto claimed = run.client.ClaimTask(row.case_id);
  hosho::v1::RecordCertificateRequest record;
  record.set_task_id(row.case_id);
  *record.mutable_certificate() = *certificate;
  auto recorded = claimed.ok() ? run.client.RecordCertificate(record)
                               : absl::StatusOr<hosho::v1::VerificationTask>(claimed.status());
  if (!recorded.ok()) {
    row.actual = absl::StrCat("refused: ", recorded.status().message());
    run.rows.push_back(row);
    return absl::OkStatus();
  }
  if (auto s = run.client.ActAs("operator"); !s.ok()) return s;
  const std::string want = item.GetString("expect.state");
  auto final_case = run.client.WatchUntil(
      row.case_id, [&](const hosho::v1::Case& c) { return StateName(c.state()) == want || IsTerminal(c.state()); },
      run.deadline);
  if (!final_case.ok()) {
    row.actual = absl::StrCat("watch failed: ", final_case.status().message());
  } else {
    row.actual = absl::StrCat(StateName(final_case->state()), " @", final_case->office(), ", verified by ",
                              item.GetString("act_as"));
    row.ok = StateName(final_case->state()) == want &&
             (item.GetString("expect.office").empty() || final_case->office() == item.GetString("expect.office"));
  }
  run.rows.push_back(row);
  return absl::OkStatus();
}

// The e-mails of the notices of the cases the item names: how many were delivered, and how many there are.
std::pair<int, int> CountMails(ScenarioRun& run, const Config& item) {
  int delivered = 0, total = 0;
  for (const std::string& request_id : item.GetStringList("request_ids")) {
    auto notices = run.client.ListNotices(run.case_by_request[request_id]);
    if (!notices.ok()) continue;
    for (const auto& n : notices->notices()) {
      for (const auto& d : n.deliveries()) {
        if (d.channel() != "email") continue;
        ++total;
        delivered += d.state() == hosho::v1::Delivery::STATE_DELIVERED ? 1 : 0;
      }
    }
  }
  return {delivered, total};
}

// Every e-mail of the named cases' notices, awaited until delivered.
absl::Status AwaitMailsDelivered(ScenarioRun& run, const Config& item, ScenarioRow& row) {
  const int want = static_cast<int>(item.GetInt("expect.mails_delivered"));
  row.expected = absl::StrCat(want, " mails delivered");
  if (auto s = run.client.ActAs("operator"); !s.ok()) return s;
  int delivered = 0, total = 0;
  const absl::Time give_up = absl::Now() + run.deadline;
  do {
    std::tie(delivered, total) = CountMails(run, item);
    if (delivered == want && total == want) break;
    absl::SleepFor(absl::Milliseconds(50));  // awaiting the outbox; the API has no push for it
  } while (absl::Now() < give_up);
  row.actual = absl::StrCat(delivered, " of ", total, " mails delivered");
  row.ok = delivered == want && total == want;
  return absl::OkStatus();
}

// An office acts on a case (conclude, acknowledge, hand the payment off), or is refused as expected.
absl::Status TakeHandoffStep(ScenarioRun& run, const Config& item, ScenarioRow& row) {
  row.case_id = run.case_by_request[item.GetString("request_id")];
  const auto* step = std::find_if(std::begin(kHandoffSteps), std::end(kHandoffSteps),
                                  [&](const auto& s) { return s.first == item.GetString("step"); });
  if (step == std::end(kHandoffSteps)) {
    return absl::InvalidArgumentError("handoffs: unknown step " + item.GetString("step"));
  }
  if (auto s = run.client.ActAs(item.GetString("act_as")); !s.ok()) return s;
  auto done = run.client.Handoff(step->second, row.case_id, item.GetString("note"));
  if (item.Has("expect.error")) {
    row.expected = absl::StrCat(item.GetString("expect.grpc_code"), " ", item.GetString("expect.error"));
    const auto violations = ViolationsOf(done.status());
    row.actual = done.ok() ? "accepted"
                           : absl::StrCat(absl::StatusCodeToString(done.status().code()), " ",
                                          violations.empty() ? "" : violations.front().code);
    row.ok = row.actual == row.expected;
  } else {
    row.expected = absl::StrCat(item.GetString("expect.state"), " @", item.GetString("expect.office"));
    row.actual = done.ok()
                     ? absl::StrCat(StateName(done->state()), " @", done->office(), ", by ", item.GetString("act_as"))
                     : absl::StrCat("refused: ", done.status().message());
    row.ok = done.ok() && StateName(done->state()) == item.GetString("expect.state") &&
             done->office() == item.GetString("expect.office");
  }
  return absl::OkStatus();
}

// The contract system upserts the contract's new terms; the checked case then shows 変更保証の提出が必要
// with the rule. Polled, not watched: a watch ends at a terminal state, and the case may be closed.
absl::Status ChangeContract(ScenarioRun& run, const Config& item, const std::string& amended) {
  ScenarioRow row;
  row.label = item.GetString("label");
  if (auto s = run.client.ActAs("city-contract-system"); !s.ok()) return s;
  auto contract = run.client.GetContract(item.GetString("contract_id"));
  if (!contract.ok()) return contract.status();
  contract->set_price_yen(item.GetInt("price_yen", contract->price_yen()));
  if (item.Has("period_end")) {
    if (absl::Status s = ReadDateField(item, "period_end", contract->mutable_period_end()); !s.ok()) return s;
  }
  if (auto upserted = run.client.UpsertContract(*contract); !upserted.ok()) return upserted.status();
  if (auto s = run.client.ActAs("operator"); !s.ok()) return s;
  const std::string rule = item.GetString("expect.rule");
  row.case_id = amended;
  row.expected = absl::StrCat("変更保証の提出が必要 ", rule);
  auto owed = PollCase(
      run.client, amended, [](const hosho::v1::Case& c) { return c.has_amended_guarantee_required(); }, run.deadline);
  row.actual = "not asked";
  if (owed.ok() && owed->has_amended_guarantee_required()) {
    const auto& rules = owed->amended_guarantee_required().rule_results();
    row.actual = absl::StrCat(
        "変更保証の提出が必要 ", rules.empty() ? "" : rules[0].code(), "（期限 ",
        absl::FormatTime("%Y-%m-%d", FromProto(owed->amended_guarantee_required().deadline()), JapanTimeZone()), "）");
    row.ok = !rules.empty() && rules[0].code() == rule;
  }
  run.rows.push_back(row);
  return absl::OkStatus();
}

// In clerk-first mode the amended guarantee waits for its office's clerk, who checks it; the calls go
// on as the operator. Returns the clerk, or "" when the case did not wait for one.
absl::StatusOr<std::string> CheckAmendmentIfQueued(ScenarioRun& run, const std::string& case_id) {
  if (run.clerks.certificates == nullptr) return std::string();
  auto queued = run.client.WatchUntil(
      case_id, [](const hosho::v1::Case& c) { return c.state() != hosho::v1::CASE_STATE_RECEIVED; }, run.deadline);
  if (!queued.ok() || queued->state() != hosho::v1::CASE_STATE_AWAITING_VERIFICATION) return std::string();
  auto clerk = CheckAsClerk(run.client, *run.clerks.certificates, case_id, queued->office());
  if (auto s = run.client.ActAs("operator"); !s.ok()) return s;
  return clerk;
}

// The amended guarantee, submitted with supersedes: routed, and the old case shows it took its place.
absl::Status SubmitAmendment(ScenarioRun& run, const Config& item, const std::string& amended) {
  ScenarioRow answer;
  answer.label = item.GetString("amended.label");
  auto request = SubmissionFromYaml(item.Child("amended"));
  if (!request.ok()) return request.status();
  request->set_supersedes_case_id(amended);
  if (auto s = run.client.ActAs("demo-submitter"); !s.ok()) return s;
  auto submitted = run.client.Submit(*request);
  answer.expected = absl::StrCat("ROUTED, replaces ", amended);
  if (!submitted.ok()) {
    answer.actual = absl::StrCat("refused: ", submitted.status().message());
    run.rows.push_back(answer);
    return absl::OkStatus();
  }
  answer.case_id = submitted->case_id();
  run.case_by_request[request->client_request_id()] = answer.case_id;
  if (auto s = run.client.ActAs("operator"); !s.ok()) return s;
  absl::StatusOr<std::string> checked_by = CheckAmendmentIfQueued(run, answer.case_id);
  if (!checked_by.ok()) return checked_by.status();
  auto routed = run.client.WatchUntil(
      answer.case_id,
      [](const hosho::v1::Case& c) { return c.state() == hosho::v1::CASE_STATE_ROUTED || IsTerminal(c.state()); },
      run.deadline);
  auto replaced = PollCase(
      run.client, amended, [&](const hosho::v1::Case& c) { return c.superseded_by_case_id() == answer.case_id; },
      run.deadline);
  answer.ok = replaced.ok() && replaced->superseded_by_case_id() == answer.case_id &&
              !replaced->has_amended_guarantee_required() && routed.ok() &&
              routed->state() == hosho::v1::CASE_STATE_ROUTED;
  answer.actual = absl::StrCat(routed.ok() ? StateName(routed->state()) : "unreadable",
                               checked_by->empty() ? "" : absl::StrCat(" (", *checked_by, ")"),
                               routed.ok() ? absl::StrCat(" @", routed->office()) : "",
                               answer.ok ? absl::StrCat(", replaces ", amended) : ", the old case still waits");
  run.rows.push_back(answer);
  return absl::OkStatus();
}

}  // namespace

absl::Status AwaitEndStates(ScenarioRun& run) {
  for (const PendingCase& p : run.pending) {
    if (absl::Status s = AwaitEndState(run, p); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status CheckPaperCases(ScenarioRun& run) {
  for (const Config& item : run.scenario.GetList("clerk")) {
    if (absl::Status s = CheckPaperCase(run, item); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// The offices act: conclude, acknowledge, hand the payment off (and a refusal across offices); or the
// mails of the named cases are awaited.
absl::Status RunHandoffs(ScenarioRun& run) {
  for (const Config& item : run.scenario.GetList("handoffs")) {
    ScenarioRow row;
    row.label = item.GetString("label");
    const absl::Status s =
        item.Has("expect.mails_delivered") ? AwaitMailsDelivered(run, item, row) : TakeHandoffStep(run, item, row);
    if (!s.ok()) return s;
    run.rows.push_back(row);
  }
  return absl::OkStatus();
}

// A contract changes after its guarantee was checked: the case asks for an amended guarantee, which is
// submitted, checked (by a clerk in clerk-first mode) and takes the old case's place.
absl::Status RunContractChanges(ScenarioRun& run) {
  for (const Config& item : run.scenario.GetList("contract_changes")) {
    const std::string amended = run.case_by_request[item.GetString("request_id")];
    if (absl::Status s = ChangeContract(run, item, amended); !s.ok()) return s;
    if (absl::Status s = SubmitAmendment(run, item, amended); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace hosho
