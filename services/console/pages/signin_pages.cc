// Sign-in, sign-out and the language switch.
#include <string>

#include "absl/strings/str_cat.h"
#include "services/common/crypto/passwords.h"
#include "services/common/runtime/log.h"
#include "services/console/html.h"
#include "services/console/pages/page_kit.h"
#include "services/console/pages/routes.h"
#include "services/console/request_context.h"

namespace hosho {

namespace {

// The sign-in form, with a fresh double-submit token in the form and its cookie; `error_key` says why
// the last attempt failed ("" for none).
HttpReply SignInPage(const PageKit& kit, const HttpCall& call, const std::string& error_key) {
  const RequestContext r = GuestRequest(call);
  const std::string token = RandomToken(24);
  const std::string next = SafeLocalPath(call.Param("next"));
  const std::string body = absl::StrCat(
      R"(<form method="post" action="/login" class="stack" id="signin">)", Hidden("signin_token", token),
      Hidden("next", next), R"(<label for="username">)", T(r.lang, "signin.username"),
      R"(</label><input id="username" name="username" autocomplete="username" required autofocus>)",
      R"(<label for="password">)", T(r.lang, "signin.password"),
      R"(</label><input id="password" name="password" type="password" autocomplete="current-password" required>)",
      R"(<p><button type="submit">)", T(r.lang, "signin.submit"), "</button></p></form>");
  HttpReply reply = kit.Page(r, error_key.empty() ? 200 : (error_key == "signin.limited" ? 429 : 401),
                             std::string(T(r.lang, "signin.title")), body,
                             error_key.empty() ? "" : Esc(T(r.lang, error_key)), !error_key.empty());
  reply.headers.emplace_back("Set-Cookie", Cookie(kSignInCookie, token, kit.options().cookie_secure, "; Max-Age=1800"));
  return reply;
}

// Whether the sign-in budgets admit one more attempt from the call's network for `username`.
// Budgets count by network: an IPv6 client's whole /64 is one place (ClientNetwork).
absl::Status AdmitSignIn(const PageKit& kit, const HttpCall& call, const std::string& username, bool known) {
  const std::string network = ClientNetwork(call.remote_address);
  absl::Status admitted = absl::OkStatus();
  if (kit.deps().signin_address_limiter != nullptr) {
    admitted = kit.deps().signin_address_limiter->Admit(absl::StrCat("console-signin-from:", network));
  }
  // Per name *and* client address: guessing a clerk's password from one place exhausts that place
  // only, so whoever knows a clerk's name cannot keep the clerk out from the clerk's own desk (the
  // per-address budget above bounds how many names one place may try).
  if (admitted.ok() && known && kit.deps().signin_limiter != nullptr) {
    admitted = kit.deps().signin_limiter->Admit(absl::StrCat("console-signin:", username, "@", network));
  }
  return admitted;
}

HttpReply SignIn(const PageKit& kit, const HttpCall& call) {
  if (!SameToken(call.Param("signin_token"), CookieValue(call, kSignInCookie))) {
    return SignInPage(kit, call, "signin.expired");
  }
  const std::string username = call.Param("username");
  // What someone typed as a user name may be their password: only a name that is an account here
  // is ever logged or made part of a key.
  const bool known = kit.deps().accounts->Find(username) != nullptr;
  const std::string who = known ? username : "(unknown name)";
  if (absl::Status admitted = AdmitSignIn(kit, call, username, known); !admitted.ok()) {
    LogWarn("console sign-in refused: too many attempts", {{"user", who}, {"remote", call.remote_address}});
    return SignInPage(kit, call, absl::IsResourceExhausted(admitted) ? "signin.limited" : "error.unavailable");
  }
  auto account = kit.deps().accounts->SignIn(username, call.Param("password"));
  if (absl::IsUnavailable(account.status())) {
    LogWarn("console sign-in refused: every verification slot busy", {{"remote", call.remote_address}});
    return SignInPage(kit, call, "signin.busy");
  }
  if (!account.ok()) {
    LogWarn("console sign-in failed", {{"user", who}, {"remote", call.remote_address}});
    return SignInPage(kit, call, "signin.failed");
  }
  auto session = kit.deps().sessions->Create(PrincipalOf(*account));
  if (!session.ok()) return SignInPage(kit, call, "error.unavailable");
  LogInfo("console sign-in", {{"user", account->username},
                              {"office", account->office},
                              {"role", std::string(RoleName(account->role))},
                              {"remote", call.remote_address}});
  const bool secure = kit.options().cookie_secure;
  HttpReply reply = Redirect(SafeLocalPath(call.Param("next")));
  reply.headers.emplace_back("Set-Cookie", Cookie(kSessionCookie, session->id, secure));
  reply.headers.emplace_back("Set-Cookie", Cookie(kSignInCookie, "", secure, "; Max-Age=0"));
  AddSecurityHeaders(&reply);
  return reply;
}

HttpReply SignOut(const PageKit& kit, const RequestContext& r) {
  (void)kit.deps().sessions->Delete(CookieValue(r.call, kSessionCookie));
  LogInfo("console sign-out", {{"user", r.user.name}});
  HttpReply reply = Redirect("/login");
  reply.headers.emplace_back("Set-Cookie", Cookie(kSessionCookie, "", kit.options().cookie_secure, "; Max-Age=0"));
  AddSecurityHeaders(&reply);
  return reply;
}

HttpReply SwitchLanguage(const PageKit& kit, const HttpCall& call) {
  const std::string lang = call.path_params.empty() ? "ja" : call.path_params[0];
  HttpReply reply = Redirect(SafeLocalPath(call.Param("back")));
  // Not HttpOnly-sensitive, but kept alike; a year, since it is only a preference.
  reply.headers.emplace_back("Set-Cookie",
                             Cookie(kLangCookie, lang, kit.options().cookie_secure, "; Max-Age=31536000"));
  AddSecurityHeaders(&reply);
  return reply;
}

}  // namespace

std::vector<HttpRoute> SignInRoutes(const PageKit& kit) {
  const PageKit* k = &kit;
  return {
      {"GET", "/login", [k](const HttpCall& call) { return SignInPage(*k, call, ""); }},
      {"POST", "/login", [k](const HttpCall& call) { return SignIn(*k, call); }},
      {"GET", "/lang/(ja|en)", [k](const HttpCall& call) { return SwitchLanguage(*k, call); }},
      kit.PageRoute("POST", "/logout", SignOut),
  };
}

}  // namespace hosho
