// Verification tasks: an office's list, one task with its forms (claim, release, reveal the
// credential, record the certificate or its absence), and the verdict.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "services/common/domain/case_view.h"
#include "services/common/domain/domain_text.h"
#include "services/common/domain/events.h"
#include "services/common/runtime/errors.h"
#include "services/common/runtime/log.h"
#include "services/console/html.h"
#include "services/console/pages/page_kit.h"
#include "services/console/pages/routes.h"

namespace hosho {

namespace {

// (field, message) of each certificate field that was refused, in the form's order.
using FieldErrors = std::vector<std::pair<std::string, std::string>>;

HttpReply TasksPage(const PageKit& kit, const RequestContext& r) {
  std::string office = r.user.role == Role::kClerk ? r.user.office : r.call.Param("office");
  std::string body;
  if (r.user.role == Role::kOperator) {
    const Choices offices = kit.OfficeChoices(r.lang);
    if (office.empty() && !offices.empty()) office = offices.front().first;
    body = absl::StrCat(R"(<form method="get" action="/tasks" class="filters"><label>)", T(r.lang, "filter.office"),
                        Select("office", offices, office), R"(</label><button type="submit">)",
                        T(r.lang, "filter.search"), "</button></form>");
  }
  auto tasks = kit.deps().backends->ListTasks(r.user, office);
  if (!tasks.ok()) return kit.ErrorPage(r, tasks.status());
  if (tasks->tasks().empty()) {
    absl::StrAppend(&body, "<p>", T(r.lang, "tasks.none"), "</p>");
    return kit.Page(r, 200, std::string(T(r.lang, "tasks.title")), body);
  }
  absl::StrAppend(&body, R"(<table id="tasks"><thead><tr><th>)", T(r.lang, "col.case"), "</th><th>",
                  T(r.lang, "col.kind"), "</th><th>", T(r.lang, "col.platform"), "</th><th>", T(r.lang, "col.received"),
                  "</th><th>", T(r.lang, "col.due"), "</th><th>", T(r.lang, "col.claimed_by"),
                  "</th><th></th></tr></thead><tbody>");
  for (const auto& t : tasks->tasks()) {
    const bool mine = t.claimed_by() == r.user.name;
    std::string claim;
    if (r.user.role == Role::kClerk && !mine && t.claimed_by().empty()) {
      claim = absl::StrCat(R"(<form method="post" class="inline" action="/tasks/)", UrlEncode(t.task_id()),
                           R"(/claim">)", Hidden("csrf", r.csrf), R"(<button type="submit">)", T(r.lang, "tasks.claim"),
                           "</button></form> ");
    }
    absl::StrAppend(&body, R"(<tr data-task-id=")", Esc(t.task_id()), R"("><td>)", CaseLink(t.case_id()), "</td><td>",
                    Esc(KindLabel(r.lang, hosho::v1::GuaranteeKind_Name(t.kind()))), "</td><td>",
                    Esc(PlatformNameJa(t.platform())), "</td><td>", FormatJst(t.received_at()), "</td><td>",
                    FormatJst(t.due_at()), "</td><td>", Esc(t.claimed_by()), "</td><td>", claim, R"(<a href="/tasks/)",
                    UrlEncode(t.task_id()), R"(">)", T(r.lang, "tasks.open"), "</a></td></tr>");
  }
  absl::StrAppend(&body, "</tbody></table>");
  return kit.Page(r, 200, std::string(T(r.lang, "tasks.title")), body);
}

// The task of `id` as verification lists it for the case's office; NOT_FOUND when it is no task.
absl::StatusOr<hosho::v1::VerificationTask> FindTask(const PageKit& kit, const Principal& user, const std::string& id) {
  auto record = kit.deps().cases->Get(id);
  if (!record.ok()) return record.status();
  if (!MaySee(user, *record)) return absl::NotFoundError("task not found");
  auto tasks = kit.deps().backends->ListTasks(user, record->Field("office"));
  if (!tasks.ok()) return tasks.status();
  for (const auto& t : tasks->tasks()) {
    if (t.task_id() == id) return t;
  }
  return absl::NotFoundError("task not found");
}

std::string TaskSummary(const RequestContext& r, const hosho::v1::VerificationTask& t) {
  return absl::StrCat(R"(<table id="task"><tbody><tr><th>)", T(r.lang, "col.case"), "</th><td>", CaseLink(t.case_id()),
                      "</td></tr><tr><th>", T(r.lang, "col.kind"), "</th><td>",
                      Esc(KindLabel(r.lang, hosho::v1::GuaranteeKind_Name(t.kind()))), "</td></tr><tr><th>",
                      T(r.lang, "col.platform"), "</th><td>", Esc(PlatformNameJa(t.platform())), "</td></tr><tr><th>",
                      T(r.lang, "col.contract"), "</th><td>", Esc(t.contract_id()), "</td></tr><tr><th>",
                      T(r.lang, "col.due"), "</th><td>", FormatJst(t.due_at()), "</td></tr><tr><th>",
                      T(r.lang, "col.claimed_by"), R"(</th><td id="claimed-by">)", Esc(t.claimed_by()),
                      "</td></tr></tbody></table>");
}

// Paper has no key or password to reveal: the clerk reads the paper itself.
std::string RevealForm(const RequestContext& r, const hosho::v1::VerificationTask& t) {
  if (t.platform() == hosho::v1::PLATFORM_PAPER) {
    return absl::StrCat(R"(<p class="muted" id="paper-note">)", T(r.lang, "task.paper"), "</p>");
  }
  return absl::StrCat("<h2>", T(r.lang, "reveal.title"),
                      R"(</h2><form method="post" class="stack" id="reveal" action="/tasks/)", UrlEncode(t.task_id()),
                      R"(/reveal">)", Hidden("csrf", r.csrf), R"(<label for="reveal-reason">)",
                      T(r.lang, "reveal.reason"),
                      R"(</label><input id="reveal-reason" name="reason" required value="保証書の内容確認のため">)",
                      R"(<p><button type="submit">)", T(r.lang, "reveal.submit"), "</button></p></form>");
}

std::string FieldError(const FieldErrors& errors, const std::string& name) {
  for (const auto& [field, message] : errors) {
    if (field == name) {
      return absl::StrCat(R"(<span class="field-error" id="error-)", name, R"(">)", Esc(message), "</span>");
    }
  }
  return "";
}

// A labelled input of the certificate form, with what was typed and the field's error.
std::string CertificateInput(const RequestContext& r, const FieldErrors& errors, const std::string& name,
                             absl::string_view type, bool required, absl::string_view extra = "") {
  return absl::StrCat(R"(<label for="cert-)", name, R"(">)", T(r.lang, absl::StrCat("cert.", name)),
                      R"(</label><input id="cert-)", name, R"(" name=")", name, R"(" type=")", type, R"(" value=")",
                      Esc(r.call.Param(name)), R"(")", required ? " required" : "", extra, ">",
                      FieldError(errors, name));
}

// Every issuer a certificate may name (not "unspecified", not "other").
Choices IssuerChoices() {
  Choices issuers;
  const auto* issuer_enum = hosho::v1::Issuer_descriptor();
  for (int i = 0; i < issuer_enum->value_count(); ++i) {
    const auto issuer = static_cast<hosho::v1::Issuer>(issuer_enum->value(i)->number());
    if (issuer == hosho::v1::ISSUER_UNSPECIFIED || issuer == hosho::v1::ISSUER_OTHER) continue;
    issuers.emplace_back(issuer_enum->value(i)->name(), IssuerNameJa(issuer));
  }
  return issuers;
}

std::string CertificateForm(const RequestContext& r, const hosho::v1::VerificationTask& t, const FieldErrors& errors) {
  const std::string selected_kind =
      r.call.Param("kind").empty() ? hosho::v1::GuaranteeKind_Name(t.kind()) : r.call.Param("kind");
  const std::string number = R"( inputmode="numeric" pattern="[0-9,]*")";
  auto input = [&r, &errors](const std::string& name, absl::string_view type, bool required,
                             absl::string_view extra = "") {
    return CertificateInput(r, errors, name, type, required, extra);
  };
  return absl::StrCat(
      "<h2>", T(r.lang, "cert.title"), R"(</h2><form method="post" class="stack" id="certificate" action="/tasks/)",
      UrlEncode(t.task_id()), R"(/certificate" novalidate>)", Hidden("csrf", r.csrf), Hidden("outcome", "certificate"),
      input("guarantee_number", "text", true), R"(<label for="cert-kind">)", T(r.lang, "cert.kind"), "</label>",
      Select("kind", KindChoices(r.lang), selected_kind, "cert-kind"), R"(<label for="cert-issuer">)",
      T(r.lang, "cert.issuer"), "</label>", Select("issuer", IssuerChoices(), r.call.Param("issuer"), "cert-issuer"),
      FieldError(errors, "issuer"), input("beneficiary", "text", true), input("contractor_name", "text", true),
      input("project_name", "text", true), input("project_location", "text", false),
      input("contract_price_yen", "text", true, number), input("guaranteed_amount_yen", "text", false, number),
      input("advance_amount_yen", "text", false, number), input("period_start", "date", true),
      input("period_end", "date", true), input("issue_date", "date", true), R"(<p><button type="submit">)",
      T(r.lang, "cert.submit"), "</button></p></form>");
}

std::string NoCertificateForm(const RequestContext& r, const hosho::v1::VerificationTask& t) {
  return absl::StrCat("<details><summary>", T(r.lang, "cert.no_certificate"),
                      R"(</summary><form method="post" class="stack" id="no-certificate" action="/tasks/)",
                      UrlEncode(t.task_id()), R"(/certificate">)", Hidden("csrf", r.csrf), Hidden("outcome", "none"),
                      R"(<label for="no-cert-reason">)", T(r.lang, "cert.no_certificate_reason"),
                      R"(</label><textarea id="no-cert-reason" name="no_certificate_reason" required></textarea>)",
                      R"(<p><button type="submit" class="secondary">)", T(r.lang, "cert.no_certificate_submit"),
                      "</button></p></form></details>");
}

// The task's page: its summary and rules, then what its user may do with it. `flash` is HTML.
HttpReply RenderTask(const PageKit& kit, const RequestContext& r, const hosho::v1::VerificationTask& t,
                     const std::string& flash, bool flash_error, const FieldErrors& errors) {
  const std::string title = absl::StrCat(T(r.lang, "task.title"), " ", t.task_id());
  std::string body = TaskSummary(r, t);
  if (!t.rule_results().empty()) {
    absl::StrAppend(&body, "<h2>", T(r.lang, "case.rules"), "</h2>", RuleTable(r.lang, t.rule_results()));
  }
  if (t.claimed_by() != r.user.name) {
    absl::StrAppend(&body, "<p>", T(r.lang, "task.claim_first"), "</p>");
    if (r.user.role == Role::kClerk && t.claimed_by().empty()) {
      absl::StrAppend(&body, R"(<form method="post" id="claim" action="/tasks/)", UrlEncode(t.task_id()), R"(/claim">)",
                      Hidden("csrf", r.csrf), R"(<button type="submit">)", T(r.lang, "tasks.claim"),
                      "</button></form>");
    }
    // A refused step on a task the clerk does not hold is a refusal (422), not a page like any other.
    return kit.Page(r, flash_error ? 422 : 200, title, body, flash, flash_error);
  }
  absl::StrAppend(&body, R"(<form method="post" id="release" action="/tasks/)", UrlEncode(t.task_id()), R"(/release">)",
                  Hidden("csrf", r.csrf), R"(<button type="submit" class="secondary">)", T(r.lang, "tasks.release"),
                  "</button></form>", RevealForm(r, t), CertificateForm(r, t, errors), NoCertificateForm(r, t));
  return kit.Page(r, errors.empty() ? 200 : 422, title, body, flash, flash_error);
}

HttpReply TaskPage(const PageKit& kit, const RequestContext& r) {
  auto task = FindTask(kit, r.user, r.Path(0));
  if (absl::IsNotFound(task.status())) {
    return kit.Page(r, 404, std::string(T(r.lang, "task.title")), absl::StrCat("<p>", CaseLink(r.Path(0)), "</p>"),
                    Esc(T(r.lang, "task.not_found")), true);
  }
  if (!task.ok()) return kit.ErrorPage(r, task.status());
  std::string flash;
  if (r.call.Param("claimed") == "1") flash = Esc(T(r.lang, "task.claimed"));
  return RenderTask(kit, r, *task, flash, false, {});
}

HttpReply TaskClaim(const PageKit& kit, const RequestContext& r) {
  auto task = kit.deps().backends->ClaimTask(r.user, r.Path(0));
  if (!task.ok()) return kit.ErrorPage(r, task.status());
  LogInfo("console task claimed", {{"user", r.user.name}, {"case_id", task->case_id()}});
  return Redirect(absl::StrCat("/tasks/", UrlEncode(r.Path(0)), "?claimed=1"));
}

HttpReply TaskRelease(const PageKit& kit, const RequestContext& r) {
  auto task = kit.deps().backends->ReleaseTask(r.user, r.Path(0));
  if (!task.ok()) return kit.ErrorPage(r, task.status());
  return Redirect("/tasks");
}

// The secret is in this answer only: no log line carries it, the page is never cached.
HttpReply TaskReveal(const PageKit& kit, const RequestContext& r) {
  auto revealed = kit.deps().backends->RevealCredential(r.user, r.Path(0), r.call.Param("reason"));
  if (!revealed.ok()) return kit.ErrorPage(r, revealed.status());
  std::string body = absl::StrCat(R"(<p class="flash error" role="alert">)", T(r.lang, "reveal.warning"),
                                  R"(</p><table id="credential"><tbody>)");
  if (revealed->has_d_sure()) {
    absl::StrAppend(&body, "<tr><th>", T(r.lang, "reveal.number"), R"(</th><td class="secret" id="secret-number">)",
                    Esc(revealed->d_sure().guarantee_number()), "</td></tr><tr><th>", T(r.lang, "reveal.key"),
                    R"(</th><td class="secret" id="secret-key">)", Esc(revealed->d_sure().authentication_key()),
                    "</td></tr>");
  } else if (revealed->has_confirmation_system()) {
    const auto& cs = revealed->confirmation_system();
    absl::StrAppend(&body, "<tr><th>", T(r.lang, "reveal.url"), R"(</th><td class="secret" id="secret-url">)",
                    Esc(cs.viewing_url()), "</td></tr><tr><th>", T(r.lang, "reveal.password"),
                    R"(</th><td class="secret" id="secret-password">)", Esc(cs.viewing_password()), "</td></tr>");
    if (!cs.certificate_number().empty()) {
      absl::StrAppend(&body, "<tr><th>", T(r.lang, "reveal.number"), "</th><td>", Esc(cs.certificate_number()),
                      "</td></tr>");
    }
  }
  absl::StrAppend(&body, R"(</tbody></table><p><a id="back-to-task" href="/tasks/)", UrlEncode(r.Path(0)), R"(">)",
                  T(r.lang, "back"), "</a></p>");
  return kit.Page(r, 200, std::string(T(r.lang, "reveal.title")), body);
}

// Reads the certificate form's fields, noting each one that is missing or cannot be read.
class CertificateFormReader {
 public:
  CertificateFormReader(const RequestContext& r, FieldErrors* errors) : r_(r), errors_(errors) {}

  std::string Text(const std::string& name, bool required) {
    std::string v = std::string(absl::StripAsciiWhitespace(r_.call.Param(name)));
    if (required && v.empty()) errors_->emplace_back(name, std::string(T(r_.lang, "cert.required")));
    return v;
  }
  // Yen as clerks type them: "48,000,000", "48，000，000円".
  int64_t Yen(const std::string& name, bool required) {
    const std::string v = absl::StrReplaceAll(Text(name, required), {{",", ""}, {"，", ""}, {"円", ""}});
    if (v.empty()) return 0;
    int64_t n = 0;
    if (!absl::SimpleAtoi(v, &n) || n < 0) {
      errors_->emplace_back(name, std::string(T(r_.lang, "cert.bad_number")));
      return 0;
    }
    return n;
  }
  void Date(const std::string& name, hosho::v1::Date* out) {
    const std::string v = Text(name, true);
    if (v.empty()) return;
    auto d = ParseDate(v);
    if (!d.ok()) {
      errors_->emplace_back(name, std::string(T(r_.lang, "cert.bad_date")));
      return;
    }
    *out = *d;
  }
  // An enum value by its name (`parse` is the enum's generated _Parse); "unspecified" or an unknown
  // name is a missing field.
  template <typename Enum, typename Parse>
  Enum Choice(const std::string& name, Parse parse, Enum unspecified) {
    Enum value{};
    if (!parse(r_.call.Param(name), &value) || value == unspecified) {
      errors_->emplace_back(name, std::string(T(r_.lang, "cert.required")));
    }
    return value;
  }

 private:
  const RequestContext& r_;
  FieldErrors* errors_;
};

hosho::v1::CertificateRecord CertificateOf(const RequestContext& r, FieldErrors* errors) {
  CertificateFormReader form(r, errors);
  hosho::v1::CertificateRecord cert;
  cert.set_guarantee_number(form.Text("guarantee_number", true));
  cert.set_kind(form.Choice("kind", hosho::v1::GuaranteeKind_Parse, hosho::v1::GUARANTEE_KIND_UNSPECIFIED));
  cert.set_issuer(form.Choice("issuer", hosho::v1::Issuer_Parse, hosho::v1::ISSUER_UNSPECIFIED));
  cert.set_beneficiary(form.Text("beneficiary", true));
  cert.set_contractor_name(form.Text("contractor_name", true));
  cert.set_project_name(form.Text("project_name", true));
  cert.set_project_location(form.Text("project_location", false));
  cert.set_contract_price_yen(form.Yen("contract_price_yen", true));
  cert.set_guaranteed_amount_yen(form.Yen("guaranteed_amount_yen", false));
  cert.set_advance_amount_yen(form.Yen("advance_amount_yen", false));
  form.Date("period_start", cert.mutable_period_start());
  form.Date("period_end", cert.mutable_period_end());
  form.Date("issue_date", cert.mutable_issue_date());
  return cert;
}

// The task's page again, with the fields verification refused marked; any other refusal is an error page.
HttpReply RecordRefused(const PageKit& kit, const RequestContext& r,
                        const absl::StatusOr<hosho::v1::VerificationTask>& current, const absl::Status& refused) {
  if (!current.ok() || !(absl::IsInvalidArgument(refused) || absl::IsFailedPrecondition(refused))) {
    return kit.ErrorPage(r, refused);
  }
  FieldErrors field_errors;
  std::string message;
  for (const FieldViolation& v : ViolationsOf(refused)) {
    std::string field = v.field;
    if (absl::StartsWith(field, "certificate.")) field = field.substr(12);
    field_errors.emplace_back(field, v.message_ja);
    absl::StrAppend(&message, message.empty() ? "" : "<br>", Esc(v.message_ja), " <code>", Esc(v.code), "</code>");
  }
  return RenderTask(kit, r, *current, message.empty() ? Esc(refused.message()) : message, true, field_errors);
}

HttpReply VerdictPage(const PageKit& kit, const RequestContext& r, const hosho::v1::VerificationTask& task) {
  const std::string state = StateName(task.state());
  LogInfo("console certificate recorded", {{"user", r.user.name}, {"case_id", task.case_id()}, {"state", state}});
  const std::string verdict_key =
      state == "RETURNED" ? "verdict.RETURNED"
                          : (state == "VERIFIED" || state == "ROUTED" ? "verdict.VERIFIED" : "verdict.other");
  const std::string body =
      absl::StrCat(R"(<p id="verdict" data-state=")", state, R"(" class=")", state == "RETURNED" ? "bad" : "ok",
                   R"(">)", T(r.lang, verdict_key), "</p>", RuleTable(r.lang, task.rule_results()), "<p>",
                   CaseLink(task.case_id()), R"( · <a href="/tasks">)", T(r.lang, "tasks.title"), "</a></p>");
  return kit.Page(r, 200, std::string(T(r.lang, "verdict.title")), body);
}

// The certificate (or why there is none) as typed: checked here for what a form can get wrong, then
// recorded by verification, whose verdict the page shows.
HttpReply TaskRecord(const PageKit& kit, const RequestContext& r) {
  hosho::v1::RecordCertificateRequest request;
  request.set_task_id(r.Path(0));
  FieldErrors errors;
  if (r.call.Param("outcome") == "none") {
    request.set_no_certificate_reason(r.call.Param("no_certificate_reason"));
  } else {
    *request.mutable_certificate() = CertificateOf(r, &errors);
  }
  auto current = FindTask(kit, r.user, r.Path(0));
  if (!errors.empty()) {
    if (!current.ok()) return kit.ErrorPage(r, current.status());
    return RenderTask(kit, r, *current, Esc(T(r.lang, "cert.invalid")), true, errors);
  }
  auto task = kit.deps().backends->RecordCertificate(r.user, request);
  if (!task.ok()) return RecordRefused(kit, r, current, task.status());
  return VerdictPage(kit, r, *task);
}

}  // namespace

std::vector<HttpRoute> TaskRoutes(const PageKit& kit) {
  return {
      kit.PageRoute("GET", "/tasks", TasksPage),
      kit.PageRoute("GET", "/tasks/([A-Za-z0-9_.:-]+)", TaskPage),
      kit.PageRoute("POST", "/tasks/([A-Za-z0-9_.:-]+)/claim", TaskClaim),
      kit.PageRoute("POST", "/tasks/([A-Za-z0-9_.:-]+)/release", TaskRelease),
      kit.PageRoute("POST", "/tasks/([A-Za-z0-9_.:-]+)/reveal", TaskReveal),
      kit.PageRoute("POST", "/tasks/([A-Za-z0-9_.:-]+)/certificate", TaskRecord),
  };
}

}  // namespace hosho
