#include "services/console/pages/page_kit.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/runtime/errors.h"
#include "services/console/accounts.h"

namespace hosho {

PageKit::PageKit(ConsoleDeps deps, ConsoleOptions options) : deps_(deps), options_(std::move(options)) {}

HttpRoute PageKit::PageRoute(std::string method, std::string pattern, PageHandler page) const {
  return {std::move(method), std::move(pattern), [this, page](const HttpCall& call) { return Serve(call, page); }};
}

HttpReply PageKit::Serve(const HttpCall& call, PageHandler page) const {
  const ResolvedRequest resolved = ResolveRequest(call, deps_, options_);
  if (resolved.refusal != Refusal::kNone) return Refuse(resolved);
  HttpReply reply = page(*this, resolved.context);
  for (const std::string& c : resolved.context.set_cookies) reply.headers.emplace_back("Set-Cookie", c);
  return reply;
}

HttpReply PageKit::Refuse(const ResolvedRequest& resolved) const {
  const RequestContext& r = resolved.context;
  if (resolved.refusal == Refusal::kSignInRequired) return SignInRequired(r);
  if (resolved.refusal == Refusal::kUnavailable) {
    return Page(r, 503, std::string(T(r.lang, "error.title")), "", Esc(T(r.lang, "error.unavailable")), true);
  }
  const bool stale_form = resolved.refusal == Refusal::kStaleForm;  // else an unknown user
  return Page(r, 403, std::string(T(r.lang, "error.title")), "",
              Esc(stale_form ? T(r.lang, "error.csrf") : T(r.lang, "error.forbidden")), true);
}

// A page asks for the sign-in form and comes back after it; the event stream and forms cannot.
HttpReply PageKit::SignInRequired(const RequestContext& r) const {
  if (r.call.method == "GET" && r.call.path != "/events") {
    HttpReply reply = Redirect(absl::StrCat("/login?next=", UrlEncode(ReturnPath(r.call))));
    AddSecurityHeaders(&reply);
    return reply;
  }
  return Page(r, 401, std::string(T(r.lang, "signin.title")),
              R"(<p><a href="/login">)" + std::string(T(r.lang, "signin.title")) + "</a></p>");
}

HttpReply PageKit::Page(const RequestContext& r, int status, const std::string& title, const std::string& body,
                        const std::string& flash, bool flash_error) const {
  PageFrame frame;
  frame.lang = r.lang;
  frame.title = title;
  const bool signed_in = !r.user.name.empty();
  frame.user = signed_in ? &r.user : nullptr;
  frame.user_label = signed_in ? UserLabel(r) : "";
  frame.csrf = r.csrf;
  frame.path = r.call.path;
  frame.flash = flash;
  frame.flash_error = flash_error;
  HttpReply reply = Html(status, RenderPage(frame, body));
  AddSecurityHeaders(&reply);
  return reply;
}

HttpReply PageKit::ErrorPage(const RequestContext& r, const absl::Status& status) const {
  std::string message;
  if (absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status)) {
    message = Esc(T(r.lang, "error.unavailable"));
  } else {
    for (const FieldViolation& v : ViolationsOf(status)) {
      absl::StrAppend(&message, message.empty() ? "" : "<br>", Esc(v.message_ja), " <code>", Esc(v.code), "</code>");
    }
    if (message.empty()) message = Esc(absl::IsNotFound(status) ? T(r.lang, "case.not_found") : status.message());
  }
  return Page(r, HttpStatusFor(status.code()), std::string(T(r.lang, "error.title")),
              R"(<p><a href="/">)" + std::string(T(r.lang, "nav.overview")) + "</a></p>", message, true);
}

std::string PageKit::OfficeLabel(Lang lang, const std::string& code) const {
  if (code.empty()) return "—";
  if (code == "operators") return std::string(T(lang, "office.operators"));
  if (lang == Lang::kEn || deps_.offices == nullptr) return code;
  return deps_.offices->NameJa(code);
}

std::string PageKit::UserLabel(const RequestContext& r) const {
  const ConsoleAccount* account = deps_.accounts->Find(r.user.name);
  const std::string name = account != nullptr ? account->display_name : r.user.name;
  const std::string role = std::string(T(r.lang, absl::StrCat("user.role.", RoleName(r.user.role))));
  if (r.user.office.empty()) return absl::StrCat(name, "（", role, "）");
  return absl::StrCat(name, "（", OfficeLabel(r.lang, r.user.office), "・", role, "）");
}

Choices PageKit::OfficeChoices(Lang lang) const {
  Choices offices;
  if (deps_.offices == nullptr) return offices;
  for (const Office& o : deps_.offices->offices()) offices.emplace_back(o.code, OfficeLabel(lang, o.code));
  return offices;
}

Choices PageKit::OfficeFilterChoices(Lang lang) const {
  Choices offices = WithAny(lang, OfficeChoices(lang));
  offices.emplace_back("operators", OfficeLabel(lang, "operators"));
  return offices;
}

Choices StateChoices(Lang lang) {
  Choices states;
  for (const char* s : kCaseStates) states.emplace_back(s, StateLabel(lang, s));
  return states;
}

Choices KindChoices(Lang lang) {
  Choices kinds;
  for (const char* k : kGuaranteeKinds) kinds.emplace_back(k, KindLabel(lang, k));
  return kinds;
}

Choices WithAny(Lang lang, Choices choices) {
  choices.insert(choices.begin(), {"", std::string(T(lang, "filter.any"))});
  return choices;
}

std::string RuleTable(Lang lang, const google::protobuf::RepeatedPtrField<hosho::v1::RuleResult>& rules) {
  std::string out =
      absl::StrCat(R"(<table id="rules"><thead><tr><th>)", T(lang, "rule.rule"), "</th><th>", T(lang, "rule.outcome"),
                   "</th><th>", T(lang, "rule.message"), "</th><th>", T(lang, "rule.expected"), "</th><th>",
                   T(lang, "rule.found"), "</th></tr></thead><tbody>");
  for (const auto& rule : rules) {
    const std::string outcome = hosho::v1::RuleResult::Outcome_Name(rule.outcome());
    const char* css = rule.outcome() == hosho::v1::RuleResult::OUTCOME_FAIL   ? "bad"
                      : rule.outcome() == hosho::v1::RuleResult::OUTCOME_WARN ? "warn"
                                                                              : "ok";
    absl::StrAppend(&out, R"(<tr data-rule=")", Esc(rule.rule()), R"("><td>)", Esc(rule.rule()), R"(</td><td class=")",
                    css, R"(">)", T(lang, absl::StrCat("outcome.", outcome)), "</td><td>", Esc(rule.message_ja()),
                    " <code>", Esc(rule.code()), "</code></td><td>", Esc(rule.expected()), "</td><td>",
                    Esc(rule.found()), "</td></tr>");
  }
  return out + "</tbody></table>";
}

}  // namespace hosho
