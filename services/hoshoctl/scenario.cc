#include "services/hoshoctl/scenario.h"

#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "grpcpp/support/status.h"
#include "services/common/config.h"
#include "services/common/domain_text.h"
#include "services/common/errors.h"
#include "services/common/events.h"
#include "services/common/sealing.h"
#include "services/hoshoctl/yaml_input.h"
#include "services/platform_sim/certificate_book.h"

namespace hosho {
namespace {

// Display width of UTF-8 text: CJK and full-width forms count two columns.
size_t DisplayWidth(const std::string& s) {
  size_t width = 0;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    width += len >= 3 ? 2 : 1;
    i += static_cast<size_t>(len);
  }
  return width;
}

std::string Pad(const std::string& s, size_t width) {
  const size_t w = DisplayWidth(s);
  return w >= width ? s : s + std::string(width - w, ' ');
}

std::string CodeName(absl::StatusCode code) { return absl::StatusCodeToString(code); }

absl::StatusOr<std::string> ReadBinaryFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// A string member of a flat JSON answer (the webhook's).
std::string JsonString(const std::string& json, const std::string& key) {
  const std::string marker = absl::StrCat("\"", key, "\":\"");
  const size_t at = json.find(marker);
  if (at == std::string::npos) return "";
  const size_t start = at + marker.size();
  return json.substr(start, json.find('"', start) - start);
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
      shown->has_d_sure() ? platforms.LookupDSure(shown->d_sure().guarantee_number(),
                                                  shown->d_sure().authentication_key())
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

}  // namespace

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

// A contract changes after its guarantee was checked (`contract_changes`): the contract system upserts
// the new terms, the case shows 変更保証の提出が必要 with the rule; the amended guarantee, submitted with
// supersedes, is checked (by a clerk in clerk-first mode) and the old case shows it took its place.
absl::Status RunContractChanges(HoshoClient& client, const Config& scenario,
                                std::map<std::string, std::string>& case_by_request, absl::Duration deadline,
                                const ScenarioClerks& clerks, std::vector<ScenarioRow>& rows) {
  for (const Config& item : scenario.GetList("contract_changes")) {
    ScenarioRow row;
    row.label = item.GetString("label");
    const std::string amended = case_by_request[item.GetString("request_id")];
    if (auto s = client.ActAs("city-contract-system"); !s.ok()) return s;
    auto contract = client.GetContract(item.GetString("contract_id"));
    if (!contract.ok()) return contract.status();
    contract->set_price_yen(item.GetInt("price_yen", contract->price_yen()));
    if (item.Has("period_end")) {
      if (absl::Status s = ReadDateField(item, "period_end", contract->mutable_period_end()); !s.ok()) return s;
    }
    if (auto upserted = client.UpsertContract(*contract); !upserted.ok()) return upserted.status();
    if (auto s = client.ActAs("operator"); !s.ok()) return s;
    const std::string rule = item.GetString("expect.rule");
    row.case_id = amended;
    row.expected = absl::StrCat("変更保証の提出が必要 ", rule);
    // Polled, not watched: a watch ends at a terminal state, and the re-checked case may be closed.
    auto owed = PollCase(client, amended, [](const hosho::v1::Case& c) { return c.has_amended_guarantee_required(); },
                         deadline);
    row.actual = "not asked";
    if (owed.ok() && owed->has_amended_guarantee_required()) {
      const auto& rules = owed->amended_guarantee_required().rule_results();
      row.actual = absl::StrCat("変更保証の提出が必要 ", rules.empty() ? "" : rules[0].code(), "（期限 ",
                                absl::FormatTime("%Y-%m-%d", FromProto(owed->amended_guarantee_required().deadline()),
                                           JapanTimeZone()),
                                "）");
      row.ok = !rules.empty() && rules[0].code() == rule;
    }
    rows.push_back(row);

    // The amended guarantee.
    ScenarioRow answer;
    answer.label = item.GetString("amended.label");
    auto request = SubmissionFromYaml(item.Child("amended"));
    if (!request.ok()) return request.status();
    request->set_supersedes_case_id(amended);
    if (auto s = client.ActAs("demo-submitter"); !s.ok()) return s;
    auto submitted = client.Submit(*request);
    answer.expected = absl::StrCat("ROUTED, replaces ", amended);
    if (!submitted.ok()) {
      answer.actual = absl::StrCat("refused: ", submitted.status().message());
      rows.push_back(answer);
      continue;
    }
    answer.case_id = submitted->case_id();
    case_by_request[request->client_request_id()] = answer.case_id;
    if (auto s = client.ActAs("operator"); !s.ok()) return s;
    std::string checked_by;
    if (clerks.certificates != nullptr) {
      auto queued = client.WatchUntil(
          answer.case_id,
          [](const hosho::v1::Case& c) { return c.state() != hosho::v1::CASE_STATE_RECEIVED; }, deadline);
      if (queued.ok() && queued->state() == hosho::v1::CASE_STATE_AWAITING_VERIFICATION) {
        auto clerk = CheckAsClerk(client, *clerks.certificates, answer.case_id, queued->office());
        if (auto s = client.ActAs("operator"); !s.ok()) return s;
        if (!clerk.ok()) return clerk.status();
        checked_by = *clerk;
      }
    }
    auto routed = client.WatchUntil(
        answer.case_id,
        [](const hosho::v1::Case& c) { return c.state() == hosho::v1::CASE_STATE_ROUTED || IsTerminal(c.state()); },
        deadline);
    auto replaced = PollCase(
        client, amended, [&](const hosho::v1::Case& c) { return c.superseded_by_case_id() == answer.case_id; },
        deadline);
    answer.ok = replaced.ok() && replaced->superseded_by_case_id() == answer.case_id &&
                !replaced->has_amended_guarantee_required() && routed.ok() &&
                routed->state() == hosho::v1::CASE_STATE_ROUTED;
    answer.actual = absl::StrCat(routed.ok() ? StateName(routed->state()) : "unreadable",
                                 checked_by.empty() ? "" : absl::StrCat(" (", checked_by, ")"),
                                 routed.ok() ? absl::StrCat(" @", routed->office()) : "",
                                 answer.ok ? absl::StrCat(", replaces ", amended) : ", the old case still waits");
    rows.push_back(answer);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ScenarioRow>> RunScenario(HoshoClient& client, const Config& scenario,
                                                     absl::Duration per_case_deadline, ScenarioClerks clerks) {
  std::vector<ScenarioRow> rows;
  // Contracts, imported from the city's CSV or pushed as the city's contract system would.
  if (auto s = client.ActAs("city-contract-system"); !s.ok()) return s;
  if (const std::string csv = scenario.GetString("contracts_csv"); !csv.empty()) {
    auto bytes = ReadBinaryFile(scenario.ResolvePath(csv));
    if (!bytes.ok()) return bytes.status();
    auto report = client.ImportContractsCsv(*bytes);
    if (!report.ok()) return report.status();
    ScenarioRow row;
    row.label = absl::StrCat("契約の取り込み（", csv, "）");
    row.expected = "every row accepted or unchanged";
    row.actual = absl::StrCat(report->encoding(), ": ", report->accepted(), " accepted, ", report->unchanged(),
                              " unchanged, ", report->refused(), " refused");
    row.ok = report->refused() == 0 && report->rows_size() > 0;
    rows.push_back(row);
  }
  for (const Config& item : scenario.GetList("contracts")) {
    auto contract = ContractFromYaml(item);
    if (!contract.ok()) return contract.status();
    if (auto stored = client.UpsertContract(*contract); !stored.ok()) {
      return absl::Status(stored.status().code(),
                          absl::StrCat("contract ", contract->contract_id(), ": ", stored.status().message()));
    }
  }

  std::map<std::string, std::string> case_by_request;
  struct Pending {
    size_t row;
    std::string case_id;
    Config expect;
  };
  std::vector<Pending> pending;
  for (const Config& item : scenario.GetList("submissions")) {
    ScenarioRow row;
    row.label = item.GetString("label");
    if (auto s = client.ActAs(item.GetString("act_as", "demo-submitter")); !s.ok()) return s;
    auto request = SubmissionFromYaml(item);
    if (!request.ok()) return request.status();
    auto response = client.Submit(*request);
    const std::string expected_error = item.GetString("expect.error");
    if (!expected_error.empty()) {
      row.expected = absl::StrCat(item.GetString("expect.grpc_code"), " ", expected_error);
      if (response.ok()) {
        row.actual = absl::StrCat("accepted as ", response->case_id());
      } else {
        const auto violations = ViolationsOf(response.status());
        const std::string code = violations.empty() ? "(no details)" : violations.front().code;
        const std::string field = violations.empty() ? "" : violations.front().field;
        row.actual = absl::StrCat(CodeName(response.status().code()), " ", code);
        row.ok = code == expected_error && CodeName(response.status().code()) == item.GetString("expect.grpc_code") &&
                 (item.GetString("expect.field").empty() || field == item.GetString("expect.field")) &&
                 !violations.front().message_ja.empty();
      }
      rows.push_back(row);
      continue;
    }
    if (!response.ok()) {
      row.expected = item.GetString("expect.state");
      row.actual = absl::StrCat("refused: ", response.status().message());
      rows.push_back(row);
      continue;
    }
    row.case_id = response->case_id();
    const std::string same_as = item.GetString("expect.same_case_as");
    if (!same_as.empty()) {
      row.expected = absl::StrCat("same case as ", same_as, " (replay)");
      const bool same = case_by_request[same_as] == response->case_id() && response->replayed();
      row.actual =
          same ? "same case, replayed" : absl::StrCat("case ", response->case_id(), " replayed=", response->replayed());
      row.ok = same;
      rows.push_back(row);
      continue;
    }
    case_by_request[item.GetString("request_id")] = response->case_id();
    pending.push_back({rows.size(), response->case_id(), item});
    rows.push_back(row);
  }

  // The other channels: the web form's webhook and CSV export, and mail.
  if (auto s = client.ActAs("operator"); !s.ok()) return s;
  if (const std::string file = scenario.GetString("channels.webhook.file"); !file.empty()) {
    auto body = ReadBinaryFile(scenario.ResolvePath(file));
    if (!body.ok()) return body.status();
    for (int attempt = 0; attempt < 2; ++attempt) {
      ScenarioRow row;
      row.label = attempt == 0 ? "Webフォーム（Webhook、署名付き）" : "Webフォームの再送（同じ受付番号）";
      auto posted = client.PostFormWebhook(*body);
      if (!posted.ok()) return posted.status();
      const std::string case_id = JsonString(posted->second, "case_id");
      if (attempt == 0) {
        row.case_id = case_id;
        case_by_request["webhook"] = case_id;
        pending.push_back({rows.size(), case_id, scenario.Child("channels.webhook")});
      } else {
        row.case_id = case_id;
        row.expected = "same case (replay)";
        const bool same = posted->first == 200 && case_id == case_by_request["webhook"] &&
                          posted->second.find("\"replayed\":true") != std::string::npos;
        row.actual = same ? "same case, replayed" : absl::StrCat("HTTP ", posted->first, " ", posted->second);
        row.ok = same;
      }
      rows.push_back(row);
    }
  }
  if (const std::string file = scenario.GetString("channels.form_csv.file"); !file.empty()) {
    auto bytes = ReadBinaryFile(scenario.ResolvePath(file));
    if (!bytes.ok()) return bytes.status();
    auto report = client.ImportFormCsv(*bytes, file);
    if (!report.ok()) return report.status();
    const Config expect = scenario.Child("channels.form_csv.expect");
    ScenarioRow row;
    row.label = "Webフォームの CSV 取り込み";
    row.expected = absl::StrCat(expect.GetInt("accepted"), " accepted, ", expect.GetInt("unchanged"), " unchanged, ",
                                expect.GetInt("refused"), " refused");
    row.actual = absl::StrCat(report->encoding(), ": ", report->accepted(), " accepted, ", report->unchanged(),
                              " unchanged, ", report->refused(), " refused");
    row.ok = report->accepted() == expect.GetInt("accepted") && report->unchanged() == expect.GetInt("unchanged") &&
             report->refused() == expect.GetInt("refused");
    rows.push_back(row);
    for (const Config& awaited : scenario.GetList("channels.form_csv.await")) {
      ScenarioRow r;
      r.label = absl::StrCat("  CSV の受付 ", awaited.GetString("receipt"));
      for (const auto& line : report->rows()) {
        if (line.key() == awaited.GetString("receipt")) r.case_id = line.case_id();
      }
      pending.push_back({rows.size(), r.case_id, awaited});
      rows.push_back(r);
    }
  }
  for (const Config& mail : scenario.GetList("channels.mail")) {
    auto raw = ReadBinaryFile(scenario.ResolvePath(mail.GetString("file")));
    if (!raw.ok()) return raw.status();
    if (auto s = client.DeliverMail(*raw); !s.ok()) return s;
    ScenarioRow row;
    row.label = mail.GetString("label", "メール（IMAP）");
    // Intake names a mailed case's receipt after its Message-ID.
    const std::string receipt = absl::StrCat("mail-", Sha256Hex(mail.GetString("message_id")).substr(0, 40));
    const absl::Time give_up = absl::Now() + per_case_deadline;
    while (row.case_id.empty() && absl::Now() < give_up) {
      hosho::v1::ListCasesRequest request;
      request.set_page_size(200);
      if (auto listed = client.ListCases(request); listed.ok()) {
        for (const auto& k : listed->cases()) {
          if (k.source_receipt() == receipt) row.case_id = k.case_id();
        }
      }
      if (row.case_id.empty()) absl::SleepFor(absl::Milliseconds(100));  // awaiting the mailbox poll
    }
    pending.push_back({rows.size(), row.case_id, mail});
    rows.push_back(row);
  }

  // Await each accepted case's end state and its notices.
  for (Pending& p : pending) {
    ScenarioRow& row = rows[p.row];
    if (p.case_id.empty()) {
      row.expected = p.expect.GetString("expect.state");
      row.actual = "no case arrived";
      continue;
    }
    const std::string want = p.expect.GetString("expect.state");
    row.expected = want;
    const std::string office = p.expect.GetString("expect.office");
    const std::string action = p.expect.GetString("expect.action");
    const std::string rule = p.expect.GetString("expect.rule");
    if (!office.empty()) absl::StrAppend(&row.expected, " @", office);
    if (!rule.empty()) absl::StrAppend(&row.expected, " ", rule);
    std::string checked_by;
    if (clerks.certificates != nullptr && want != StateName(hosho::v1::CASE_STATE_AWAITING_VERIFICATION)) {
      auto queued = client.WatchUntil(
          p.case_id,
          [&](const hosho::v1::Case& c) {
            return c.state() == hosho::v1::CASE_STATE_AWAITING_VERIFICATION || StateName(c.state()) == want ||
                   IsTerminal(c.state());
          },
          per_case_deadline);
      if (queued.ok() && queued->state() == hosho::v1::CASE_STATE_AWAITING_VERIFICATION) {
        auto clerk = CheckAsClerk(client, *clerks.certificates, p.case_id, queued->office());
        if (auto s = client.ActAs("operator"); !s.ok()) return s;
        if (!clerk.ok()) {
          row.actual = absl::StrCat("clerk refused: ", clerk.status().message());
          continue;
        }
        checked_by = *clerk;
      }
    }
    auto final_case = client.WatchUntil(
        p.case_id, [&](const hosho::v1::Case& c) { return StateName(c.state()) == want || IsTerminal(c.state()); },
        per_case_deadline);
    if (!final_case.ok()) {
      row.actual = absl::StrCat("watch failed: ", final_case.status().message());
      continue;
    }
    row.actual = StateName(final_case->state());
    if (!checked_by.empty()) absl::StrAppend(&row.actual, " (", checked_by, ")");
    if (!final_case->office().empty()) absl::StrAppend(&row.actual, " @", final_case->office());
    bool ok = StateName(final_case->state()) == want && (office.empty() || final_case->office() == office) &&
              (action.empty() || hosho::v1::HandoffAction_Name(final_case->action()) == "HANDOFF_ACTION_" + action);
    if (!rule.empty()) {
      bool found = false;
      for (const auto& r : final_case->rule_results()) {
        if (!r.passed() && r.code() == rule) found = true;
      }
      absl::StrAppend(&row.actual, found ? absl::StrCat(" ", rule) : " (rule missing)");
      ok = ok && found;
    }
    // Everyone involved is told: the office (and the contractor) get a notice.
    bool noticed = false;
    const absl::Time give_up = absl::Now() + per_case_deadline;
    while (ok && absl::Now() < give_up) {
      auto notices = client.ListNotices(p.case_id);
      if (notices.ok() && notices->notices_size() > 0) {
        noticed = true;
        absl::StrAppend(&row.actual, ", ", notices->notices_size(), " notices");
        break;
      }
      absl::SleepFor(absl::Milliseconds(20));  // awaiting the notification consumer
    }
    row.ok = ok && noticed;
  }
  // A clerk checks what no connector can read (paper): claim, record what the certificate says.
  for (const Config& item : scenario.GetList("clerk")) {
    ScenarioRow row;
    row.label = item.GetString("label");
    row.case_id = case_by_request[item.GetString("request_id")];
    row.expected = item.GetString("expect.state");
    if (!item.GetString("expect.office").empty()) absl::StrAppend(&row.expected, " @", item.GetString("expect.office"));
    if (row.case_id.empty()) {
      row.actual = "no case for " + item.GetString("request_id");
      rows.push_back(row);
      continue;
    }
    auto certificate = ReadCertificateRecord(item.Child("certificate"));
    if (!certificate.ok()) return certificate.status();
    if (auto s = client.ActAs(item.GetString("act_as")); !s.ok()) return s;
    auto claimed = client.ClaimTask(row.case_id);
    hosho::v1::RecordCertificateRequest record;
    record.set_task_id(row.case_id);
    *record.mutable_certificate() = *certificate;
    auto recorded =
        claimed.ok() ? client.RecordCertificate(record) : absl::StatusOr<hosho::v1::VerificationTask>(claimed.status());
    if (!recorded.ok()) {
      row.actual = absl::StrCat("refused: ", recorded.status().message());
      rows.push_back(row);
      continue;
    }
    if (auto s = client.ActAs("operator"); !s.ok()) return s;
    const std::string want = item.GetString("expect.state");
    auto final_case = client.WatchUntil(
        row.case_id, [&](const hosho::v1::Case& c) { return StateName(c.state()) == want || IsTerminal(c.state()); },
        per_case_deadline);
    if (!final_case.ok()) {
      row.actual = absl::StrCat("watch failed: ", final_case.status().message());
    } else {
      row.actual = absl::StrCat(StateName(final_case->state()), " @", final_case->office(), ", verified by ",
                                item.GetString("act_as"));
      row.ok = StateName(final_case->state()) == want &&
               (item.GetString("expect.office").empty() || final_case->office() == item.GetString("expect.office"));
    }
    rows.push_back(row);
  }
  // The offices act: conclude, acknowledge, hand the payment off (and a refusal across offices).
  const std::map<std::string, HoshoClient::HandoffStep> steps = {
      {"conclude", HoshoClient::HandoffStep::kConclude},
      {"acknowledge", HoshoClient::HandoffStep::kAcknowledge},
      {"payment-handoff", HoshoClient::HandoffStep::kPaymentHandoff},
      {"withdraw", HoshoClient::HandoffStep::kWithdraw}};
  for (const Config& item : scenario.GetList("handoffs")) {
    ScenarioRow row;
    row.label = item.GetString("label");
    if (item.Has("expect.mails_delivered")) {
      // Every e-mail of the named cases' notices, awaited until delivered.
      const int want = static_cast<int>(item.GetInt("expect.mails_delivered"));
      row.expected = absl::StrCat(want, " mails delivered");
      if (auto s = client.ActAs("operator"); !s.ok()) return s;
      int delivered = 0, total = 0;
      const absl::Time give_up = absl::Now() + per_case_deadline;
      do {
        delivered = total = 0;
        for (const std::string& request_id : item.GetStringList("request_ids")) {
          auto notices = client.ListNotices(case_by_request[request_id]);
          if (!notices.ok()) continue;
          for (const auto& n : notices->notices()) {
            for (const auto& d : n.deliveries()) {
              if (d.channel() != "email") continue;
              ++total;
              delivered += d.state() == hosho::v1::Delivery::STATE_DELIVERED ? 1 : 0;
            }
          }
        }
        if (delivered == want && total == want) break;
        absl::SleepFor(absl::Milliseconds(50));  // awaiting the outbox; the API has no push for it
      } while (absl::Now() < give_up);
      row.actual = absl::StrCat(delivered, " of ", total, " mails delivered");
      row.ok = delivered == want && total == want;
      rows.push_back(row);
      continue;
    }
    row.case_id = case_by_request[item.GetString("request_id")];
    auto step = steps.find(item.GetString("step"));
    if (step == steps.end()) return absl::InvalidArgumentError("handoffs: unknown step " + item.GetString("step"));
    if (auto s = client.ActAs(item.GetString("act_as")); !s.ok()) return s;
    auto done = client.Handoff(step->second, row.case_id, item.GetString("note"));
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
    rows.push_back(row);
  }
  if (absl::Status s = RunContractChanges(client, scenario, case_by_request, per_case_deadline, clerks, rows);
      !s.ok()) {
    return s;
  }
  return rows;
}

std::string FormatScenarioTable(const std::vector<ScenarioRow>& rows) {
  size_t w_label = 4, w_case = 4, w_expected = 8, w_actual = 6;
  for (const auto& r : rows) {
    w_label = std::max(w_label, DisplayWidth(r.label));
    w_case = std::max(w_case, DisplayWidth(r.case_id));
    w_expected = std::max(w_expected, DisplayWidth(r.expected));
    w_actual = std::max(w_actual, DisplayWidth(r.actual));
  }
  std::string out;
  auto line = [&](const std::string& a, const std::string& b, const std::string& c, const std::string& d,
                  const std::string& e) {
    absl::StrAppend(&out, Pad(a, w_label), "  ", Pad(b, w_case), "  ", Pad(c, w_expected), "  ", Pad(d, w_actual), "  ",
                    e, "\n");
  };
  line("case", "id", "expected", "actual", "");
  line(std::string(w_label, '-'), std::string(w_case, '-'), std::string(w_expected, '-'), std::string(w_actual, '-'),
       "--");
  int passed = 0;
  for (const auto& r : rows) {
    line(r.label, r.case_id.empty() ? "-" : r.case_id, r.expected, r.actual, r.ok ? "OK" : "NG");
    passed += r.ok ? 1 : 0;
  }
  absl::StrAppend(&out, "\n", passed, "/", rows.size(), " cases as expected\n");
  return out;
}

}  // namespace hosho
