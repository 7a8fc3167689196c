// One case: its page (summary, the hand-off forms its user may use, rules, attachments, history),
// the audited attachment download, and the hand-off steps.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/crypto/passwords.h"
#include "services/common/domain/case_view.h"
#include "services/common/domain/domain_text.h"
#include "services/common/domain/events.h"
#include "services/common/runtime/clock.h"
#include "services/common/runtime/log.h"
#include "services/console/html.h"
#include "services/console/overview.h"
#include "services/console/pages/page_kit.h"
#include "services/console/pages/routes.h"

namespace hosho {

namespace {

// A two-column table, one row at a time.
class SummaryTable {
 public:
  void Row(absl::string_view label, const std::string& value_html, absl::string_view id_attr = "") {
    absl::StrAppend(&html_, "<tr><th>", label, "</th><td",
                    id_attr.empty() ? "" : absl::StrCat(R"( id=")", id_attr, R"(")"), ">", value_html, "</td></tr>");
  }
  std::string Html() const { return absl::StrCat(R"(<table id="summary"><tbody>)", html_, "</tbody></table>"); }

 private:
  std::string html_;
};

// What a contract change asks of the case: the amended guarantee owed, and the cases it amends or
// that amend it.
void AddAmendmentRows(const RequestContext& r, const hosho::v1::Case& c, SummaryTable* summary) {
  if (c.has_amended_guarantee_required()) {
    // The contract changed after the guarantee was checked and it no longer covers it.
    const auto& owed = c.amended_guarantee_required();
    std::string rules;
    for (const auto& rule : owed.rule_results()) {
      absl::StrAppend(&rules, "<br><code>", Esc(rule.code()), "</code> ", Esc(rule.message_ja()));
    }
    summary->Row(T(r.lang, "case.amended_guarantee"),
                 absl::StrCat(R"(<span class="bad">)", T(r.lang, "case.amended_guarantee_due"), " ",
                              FormatJst(owed.deadline()), "</span>", rules),
                 "amended-guarantee");
  }
  if (!c.supersedes_case_id().empty()) {
    summary->Row(T(r.lang, "case.supersedes"), CaseLink(c.supersedes_case_id()), "supersedes");
  }
  if (!c.superseded_by_case_id().empty()) {
    summary->Row(T(r.lang, "case.superseded_by"), CaseLink(c.superseded_by_case_id()), "superseded-by");
  }
}

std::string CaseSummary(const PageKit& kit, const RequestContext& r, const hosho::v1::Case& c) {
  const std::string state = StateName(c.state());
  SummaryTable summary;
  summary.Row(T(r.lang, "col.state"), Esc(StateLabel(r.lang, state)), "case-state");
  summary.Row(T(r.lang, "col.kind"), Esc(KindLabel(r.lang, hosho::v1::GuaranteeKind_Name(c.kind()))));
  summary.Row(T(r.lang, "col.office"), Esc(kit.OfficeLabel(r.lang, c.office())), "case-office");
  summary.Row(T(r.lang, "col.contract"), Esc(c.contract_id()));
  summary.Row(T(r.lang, "col.guarantee"), Esc(c.guarantee_number()));
  summary.Row(T(r.lang, "col.platform"), Esc(PlatformNameJa(c.platform())));
  // What the contractor wrote on the insurer's format; intake already matched it with the contract.
  if (!c.stated_project_name().empty()) {
    summary.Row(T(r.lang, "case.stated_project"), Esc(c.stated_project_name()), "stated-project");
  }
  if (!c.stated_contractor_name().empty()) {
    summary.Row(T(r.lang, "case.stated_contractor"), Esc(c.stated_contractor_name()), "stated-contractor");
  }
  summary.Row(T(r.lang, "case.channel"), Esc(hosho::v1::Channel_Name(c.channel())));
  summary.Row(T(r.lang, "col.received"), FormatJst(c.received_at()));
  if (c.has_deadline() && StateHasDeadline(state)) summary.Row(T(r.lang, "col.deadline"), FormatJst(c.deadline()));
  if (c.action() != hosho::v1::HANDOFF_ACTION_UNSPECIFIED) {
    summary.Row(T(r.lang, "case.action"), Esc(ActionLabel(r.lang, hosho::v1::HandoffAction_Name(c.action()))));
  }
  if (!c.waiting_reason().empty()) summary.Row(T(r.lang, "case.waiting"), Esc(c.waiting_reason()));
  AddAmendmentRows(r, c, &summary);
  if (c.amount_yen() > 0) summary.Row(T(r.lang, "case.amount"), Esc(FormatYen(c.amount_yen())));
  summary.Row(T(r.lang, "case.version"), std::to_string(c.version()), "case-version");
  return summary.Html();
}

// The form of one hand-off step, with the version it was shown at; withdrawing needs a reason.
std::string StepForm(const RequestContext& r, const hosho::v1::Case& c, absl::string_view step,
                     absl::string_view label_key, bool reason_required) {
  return absl::StrCat(R"(<form method="post" class="stack" id="form-)", step, R"(" action="/cases/)",
                      UrlEncode(c.case_id()), "/", step, R"(">)", Hidden("csrf", r.csrf),
                      Hidden("expected_version", std::to_string(c.version())), "<label>",
                      T(r.lang, reason_required ? "handoff.withdraw_reason" : "handoff.note"),
                      R"(<textarea name="note" rows="2" maxlength="500")", reason_required ? " required" : "",
                      R"(></textarea></label><p><button type="submit")", reason_required ? R"( class="secondary")" : "",
                      ">", T(r.lang, label_key), "</button></p></form>");
}

// The steps the user may take on the case now: the holding office's clerk concludes, hands off for
// payment or acknowledges; the holder or an operator opens the verification task or withdraws.
std::string CaseActions(const RequestContext& r, const hosho::v1::Case& c) {
  std::string actions;
  const bool holder = r.user.role == Role::kClerk && r.user.office == c.office();
  const bool holder_or_operator = holder || r.user.role == Role::kOperator;
  if (holder && c.state() == hosho::v1::CASE_STATE_ROUTED &&
      c.action() == hosho::v1::HANDOFF_ACTION_CONCLUDE_CONTRACT) {
    absl::StrAppend(&actions, StepForm(r, c, "conclude", "handoff.conclude", false));
  }
  if (holder && c.state() == hosho::v1::CASE_STATE_ROUTED && c.action() == hosho::v1::HANDOFF_ACTION_PROCESS_PAYMENT) {
    absl::StrAppend(&actions, StepForm(r, c, "payment-handoff", "handoff.payment", false));
  }
  if (holder && c.state() == hosho::v1::CASE_STATE_FORWARDED) {
    absl::StrAppend(&actions, StepForm(r, c, "acknowledge", "handoff.acknowledge", false));
  }
  if ((c.state() == hosho::v1::CASE_STATE_AWAITING_VERIFICATION || c.state() == hosho::v1::CASE_STATE_VERIFYING) &&
      holder_or_operator) {
    absl::StrAppend(&actions, R"(<p><a id="open-task" href="/tasks/)", UrlEncode(c.case_id()), R"(">)",
                    T(r.lang, "task.title"), "</a></p>");
  }
  if (!IsTerminal(c.state()) && holder_or_operator) {
    absl::StrAppend(&actions, "<details><summary>", T(r.lang, "handoff.withdraw"), "</summary>",
                    StepForm(r, c, "withdraw", "handoff.withdraw", true), "</details>");
  }
  if (actions.empty()) return "";
  return absl::StrCat(R"(<section class="no-print"><h2>)", T(r.lang, "case.actions"), "</h2>", actions, "</section>");
}

std::string AttachmentList(const RequestContext& r, const hosho::v1::Case& c) {
  if (c.attachments().empty()) return absl::StrCat("<p>", T(r.lang, "case.no_attachments"), "</p>");
  std::string list = R"(<ul id="attachments">)";
  for (const auto& a : c.attachments()) {
    absl::StrAppend(&list, R"(<li><a href="/cases/)", UrlEncode(c.case_id()), "/attachments/", a.sha256(), R"(">)",
                    Esc(a.filename().empty() ? a.sha256().substr(0, 12) : a.filename()), "</a> (",
                    hosho::v1::AttachmentRef::Kind_Name(a.kind()), ", ", a.size_bytes(), " bytes)</li>");
  }
  return list + "</ul>";
}

std::string HistoryTable(const RequestContext& r, const hosho::v1::Case& c) {
  std::string history = absl::StrCat(R"(<table id="history"><thead><tr><th>)", T(r.lang, "col.time"), "</th><th>",
                                     T(r.lang, "case.transition"), "</th><th>", T(r.lang, "case.actor"), "</th><th>",
                                     T(r.lang, "case.reason"), "</th></tr></thead><tbody>");
  for (const auto& h : c.history()) {
    const std::string from = StateName(h.from_state());
    const std::string to = StateName(h.to_state());
    absl::StrAppend(&history, "<tr><td>", FormatJst(h.at()), "</td><td>",
                    h.from_state() == h.to_state() || h.from_state() == hosho::v1::CASE_STATE_UNSPECIFIED
                        ? Esc(StateLabel(r.lang, to))
                        : absl::StrCat(Esc(StateLabel(r.lang, from)), " → ", Esc(StateLabel(r.lang, to))),
                    "</td><td>", Esc(h.actor()), "</td><td>", Esc(h.reason()), "</td></tr>");
  }
  return history + "</tbody></table>";
}

HttpReply CasePage(const PageKit& kit, const RequestContext& r) {
  const std::string id = r.Path(0);
  auto record = kit.deps().cases->Get(id);
  if (!record.ok() && !absl::IsNotFound(record.status())) return kit.ErrorPage(r, record.status());
  // Someone who may not see a case learns nothing, not even that it exists.
  if (!record.ok() || !MaySee(r.user, *record)) {
    LogInfo("console: case refused or absent", {{"user", r.user.name}, {"case_id", id}});
    return kit.Page(r, 404, std::string(T(r.lang, "case.title")), "", Esc(T(r.lang, "case.not_found")), true);
  }
  const hosho::v1::Case c = CaseFromRecord(*record);
  std::string flash;
  if (r.call.Param("done") == "1") flash = Esc(T(r.lang, "handoff.done"));
  const std::string body = absl::StrCat(
      CaseSummary(kit, r, c), CaseActions(r, c), "<h2>", T(r.lang, "case.rules"), "</h2>",
      c.rule_results().empty() ? absl::StrCat("<p>", T(r.lang, "case.no_rules"), "</p>")
                               : RuleTable(r.lang, c.rule_results()),
      "<h2>", T(r.lang, "case.attachments"), "</h2>", AttachmentList(r, c), "<h2>", T(r.lang, "case.history"), "</h2>",
      HistoryTable(r, c),
      // On paper only: when and by whom the page was printed (a filed copy says which state it shows).
      R"(<p class="print-only" id="printed">)", T(r.lang, "case.printed"), " ",
      absl::FormatTime("%Y-%m-%d %H:%M", absl::Now(), JapanTimeZone()), " ", Esc(kit.UserLabel(r)), "</p>");
  return kit.Page(r, 200, absl::StrCat(T(r.lang, "case.title"), " ", c.case_id()), body, flash);
}

// Audited before a byte leaves: a history entry on the case (and a log line once it is sent).
absl::Status NoteDownload(const PageKit& kit, const RequestContext& r, const hosho::v1::AttachmentRef& ref) {
  const std::string sha = r.Path(1);
  CaseNote note;
  note.case_id = r.Path(0);
  note.event_id = absl::StrCat("console-download:", RandomToken(12));
  note.actor = r.user.name;
  note.reason = absl::StrCat("添付ファイルをダウンロード: ", ref.filename(), " (", sha.substr(0, 12), ")");
  note.at = kit.deps().clock->Now();
  return kit.deps().cases->Note(note).status();
}

HttpReply AttachmentDownload(const PageKit& kit, const RequestContext& r) {
  const std::string id = r.Path(0);
  const std::string sha = r.Path(1);
  auto record = kit.deps().cases->Get(id);
  if (!record.ok() || !MaySee(r.user, *record)) {
    return kit.Page(r, 404, std::string(T(r.lang, "case.title")), "", Esc(T(r.lang, "case.not_found")), true);
  }
  const hosho::v1::Case c = CaseFromRecord(*record);
  const hosho::v1::AttachmentRef* ref = nullptr;
  for (const auto& a : c.attachments()) {
    if (a.sha256() == sha) ref = &a;
  }
  if (ref == nullptr || kit.deps().blobs == nullptr) {
    return kit.Page(r, 404, std::string(T(r.lang, "case.attachments")), "", Esc(T(r.lang, "error.not_found")), true);
  }
  if (absl::Status noted = NoteDownload(kit, r, *ref); !noted.ok()) return kit.ErrorPage(r, noted);
  auto blob = kit.deps().blobs->Get(sha);
  if (!blob.ok()) return kit.ErrorPage(r, blob.status());
  LogInfo("console attachment download", {{"user", r.user.name}, {"case_id", id}, {"sha256", sha}});
  HttpReply reply;
  reply.body = blob->value();
  // The type comes from the bytes, never from what a caller once claimed for them.
  reply.content_type = absl::StartsWith(reply.body, "%PDF-") ? "application/pdf" : "application/octet-stream";
  AddSecurityHeaders(&reply);
  const std::string ascii_name = absl::StrCat(sha.substr(0, 12), ".pdf");
  reply.headers.emplace_back("Content-Disposition", absl::StrCat("attachment; filename=\"", ascii_name,
                                                                 "\"; filename*=UTF-8''", UrlEncode(ref->filename())));
  return reply;
}

HandoffStep StepOf(const std::string& step) {
  if (step == "acknowledge") return HandoffStep::kAcknowledge;
  if (step == "payment-handoff") return HandoffStep::kPaymentHandoff;
  if (step == "withdraw") return HandoffStep::kWithdraw;
  return HandoffStep::kConclude;
}

HttpReply CaseHandoff(const PageKit& kit, const RequestContext& r) {
  const std::string id = r.Path(0);
  const std::string step = r.Path(1);
  hosho::v1::HandoffRequest request;
  request.set_case_id(id);
  int64_t version = 0;
  if (absl::SimpleAtoi(r.call.Param("expected_version"), &version)) request.set_expected_version(version);
  request.set_note(r.call.Param("note"));
  auto done = kit.deps().backends->Handoff(r.user, StepOf(step), request);
  if (!done.ok()) {
    LogInfo("console hand-off refused", {{"user", r.user.name},
                                         {"case_id", id},
                                         {"step", step},
                                         {"code", absl::StatusCodeToString(done.status().code())}});
    return kit.ErrorPage(r, done.status());
  }
  LogInfo("console hand-off", {{"user", r.user.name}, {"case_id", id}, {"step", step}});
  return Redirect(absl::StrCat("/cases/", UrlEncode(id), "?done=1"));
}

}  // namespace

std::vector<HttpRoute> CaseRoutes(const PageKit& kit) {
  return {
      kit.PageRoute("GET", "/cases/([A-Za-z0-9_.:-]+)", CasePage),
      kit.PageRoute("GET", "/cases/([A-Za-z0-9_.:-]+)/attachments/([0-9a-f]{64})", AttachmentDownload),
      kit.PageRoute("POST", "/cases/([A-Za-z0-9_.:-]+)/(conclude|acknowledge|payment-handoff|withdraw)", CaseHandoff),
  };
}

}  // namespace hosho
