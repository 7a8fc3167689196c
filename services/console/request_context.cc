#include "services/console/request_context.h"

#include <algorithm>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/common/runtime/log.h"
#include "services/console/html.h"

namespace hosho {

namespace {

// A user a trusted proxy names: their account, and the session that carries their form token (the
// one they have, or a new one). A fresh session has no form token yet, so a form sent with it is
// refused.
Refusal AdmitProxiedUser(const std::string& name, const absl::StatusOr<ConsoleSession>& session,
                         const ConsoleDeps& deps, const ConsoleOptions& options, RequestContext* r) {
  const ConsoleAccount* account = deps.accounts->Find(name);
  if (account == nullptr) {
    LogWarn("console: proxy named an unknown user", {{"user", name}, {"remote", r->call.remote_address}});
    return Refusal::kUnknownUser;
  }
  r->user = PrincipalOf(*account);
  if (session.ok() && session->user.name == account->username) {
    r->csrf = session->csrf;
    return Refusal::kNone;
  }
  auto created = deps.sessions->Create(r->user);
  if (!created.ok()) return Refusal::kUnavailable;
  r->csrf = created->csrf;
  r->set_cookies.push_back(Cookie(kSessionCookie, created->id, options.cookie_secure));
  return r->call.method == "POST" ? Refusal::kStaleForm : Refusal::kNone;
}

// The user of a session, while the accounts file still says the same: a removed account or a changed
// office or role ends the session. Returns whether the session still holds.
bool AdmitSessionUser(const ConsoleSession& session, const ConsoleDeps& deps, RequestContext* r) {
  const ConsoleAccount* account = deps.accounts->Find(session.user.name);
  const Principal now = account != nullptr ? PrincipalOf(*account) : Principal{};
  if (account == nullptr || now.role != session.user.role || now.office != session.user.office) {
    (void)deps.sessions->Delete(session.id);
    return false;
  }
  r->user = now;
  r->csrf = session.csrf;
  return true;
}

// CSRF: the session's token in the form, and (when the browser says) a same-origin Origin.
bool FormIsTrusted(const RequestContext& r) {
  const std::string origin = r.call.Header("origin");
  const std::string host = r.call.Header("host");
  const bool origin_ok =
      origin.empty() || origin == absl::StrCat("http://", host) || origin == absl::StrCat("https://", host);
  if (SameToken(r.call.Param("csrf"), r.csrf) && origin_ok) return true;
  LogWarn("console: form refused (CSRF)", {{"user", r.user.name}, {"path", r.call.path}});
  return false;
}

}  // namespace

RequestContext GuestRequest(const HttpCall& call) {
  RequestContext r{call};
  r.lang = ParseLang(CookieValue(call, kLangCookie));
  return r;
}

ResolvedRequest ResolveRequest(const HttpCall& call, const ConsoleDeps& deps, const ConsoleOptions& options) {
  ResolvedRequest resolved{GuestRequest(call)};
  RequestContext& r = resolved.context;
  const std::string proxied_user =
      options.trusted_proxy_addresses.contains(call.remote_address) ? call.Header(options.proxy_user_header) : "";
  auto session = deps.sessions->Find(CookieValue(call, kSessionCookie));
  if (!session.ok() && !absl::IsNotFound(session.status())) {
    resolved.refusal = Refusal::kUnavailable;
    return resolved;
  }
  bool known = false;
  if (!proxied_user.empty()) {
    resolved.refusal = AdmitProxiedUser(proxied_user, session, deps, options, &r);
    if (resolved.refusal != Refusal::kNone) return resolved;
    known = true;
  } else if (session.ok()) {
    known = AdmitSessionUser(*session, deps, &r);
  }
  if (!known) {
    resolved.refusal = Refusal::kSignInRequired;
  } else if (call.method == "POST" && !FormIsTrusted(r)) {
    resolved.refusal = Refusal::kStaleForm;
  }
  return resolved;
}

std::string CookieValue(const HttpCall& call, absl::string_view name) {
  for (absl::string_view part : absl::StrSplit(call.Header("cookie"), ';')) {
    part = absl::StripAsciiWhitespace(part);
    if (absl::ConsumePrefix(&part, name) && absl::ConsumePrefix(&part, "=")) return std::string(part);
  }
  return "";
}

std::string Cookie(absl::string_view name, absl::string_view value, bool secure, absl::string_view extra) {
  return absl::StrCat(name, "=", value, "; Path=/; HttpOnly; SameSite=Strict", secure ? "; Secure" : "", extra);
}

bool SameToken(absl::string_view a, absl::string_view b) {
  if (a.empty() || a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// Only one of the console's own pages (/, /feed, /cases, /cases/<id>, /tasks, /tasks/<id>) with a
// plain query. Anything else (another host, "/\t/host", an encoded slash, a page that does not exist)
// goes to "/": browsers strip tabs and line breaks from a Location and follow "//host", so a prefix
// check is not enough.
std::string SafeLocalPath(absl::string_view target) {
  const size_t q = target.find('?');
  const absl::string_view path = target.substr(0, q);
  const absl::string_view query = q == absl::string_view::npos ? "" : target.substr(q + 1);
  auto id_chars = [](absl::string_view id) {
    return !id.empty() && std::all_of(id.begin(), id.end(), [](unsigned char c) {
      return absl::ascii_isalnum(c) || c == '_' || c == '.' || c == ':' || c == '-';
    });
  };
  const bool page = path == "/" || path == "/feed" || path == "/cases" || path == "/tasks" ||
                    (absl::StartsWith(path, "/cases/") && id_chars(path.substr(7))) ||
                    (absl::StartsWith(path, "/tasks/") && id_chars(path.substr(7)));
  const bool plain_query = std::all_of(query.begin(), query.end(), [](unsigned char c) {
    return absl::ascii_isalnum(c) || c == '_' || c == '.' || c == '-' || c == '=' || c == '&' || c == '%' || c == '+';
  });
  return page && plain_query ? std::string(target) : "/";
}

std::string ReturnPath(const HttpCall& call) {
  std::string path = call.path;
  if (call.query.empty()) return path;
  std::vector<std::string> parts;
  for (const auto& [k, v] : call.query) parts.push_back(absl::StrCat(UrlEncode(k), "=", UrlEncode(v)));
  std::sort(parts.begin(), parts.end());
  absl::StrAppend(&path, "?", absl::StrJoin(parts, "&"));
  return path;
}

}  // namespace hosho
