#include "services/console/console_app.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/common/case_view.h"
#include "services/common/domain_text.h"
#include "services/common/errors.h"
#include "services/common/events.h"
#include "services/common/log.h"
#include "services/common/metrics.h"
#include "services/common/passwords.h"
#include "services/common/sealing.h"
#include "services/console/html.h"
#include "services/console/ledger.h"

namespace hosho {

namespace {

constexpr char kSessionCookie[] = "hosho_session";
constexpr char kLangCookie[] = "hosho_lang";
constexpr char kSignInCookie[] = "hosho_signin";  // double-submit token of the sign-in form

const char* const kStates[] = {"RECEIVED", "AWAITING_VERIFICATION", "VERIFYING", "VERIFIED",           "RETURNED",
                               "ROUTED",   "CONTRACT_CONCLUDED",    "FORWARDED", "PAYMENT_HANDED_OFF", "CLOSED",
                               "WITHDRAWN"};
const char* const kKinds[] = {"GUARANTEE_KIND_CONTRACT", "GUARANTEE_KIND_ADVANCE_PAYMENT",
                              "GUARANTEE_KIND_INTERMEDIATE_ADVANCE_PAYMENT"};

std::string CookieValue(const HttpCall& call, absl::string_view name) {
  for (absl::string_view part : absl::StrSplit(call.Header("cookie"), ';')) {
    part = absl::StripAsciiWhitespace(part);
    if (absl::ConsumePrefix(&part, name) && absl::ConsumePrefix(&part, "=")) return std::string(part);
  }
  return "";
}

bool SameToken(absl::string_view a, absl::string_view b) {
  if (a.empty() || a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// Where the language switch and sign-in may send a browser back to: only one of the console's own
// pages (/, /feed, /cases, /cases/<id>, /tasks, /tasks/<id>) with a plain query. Anything else
// (another host, "/\t/host", an encoded slash, a page that does not exist) goes to "/": browsers
// strip tabs and line breaks from a Location and follow "//host", so a prefix check is not enough.
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

HttpReply Html(int status, std::string body) {
  HttpReply reply;
  reply.status = status;
  reply.body = std::move(body);
  reply.content_type = "text/html; charset=utf-8";
  return reply;
}

HttpReply Redirect(const std::string& location) {
  HttpReply reply;
  reply.status = 303;
  reply.content_type = "text/plain; charset=utf-8";
  reply.headers.emplace_back("Location", location);
  return reply;
}

std::string Cookie(absl::string_view name, absl::string_view value, bool secure, absl::string_view extra = "") {
  return absl::StrCat(name, "=", value, "; Path=/; HttpOnly; SameSite=Strict", secure ? "; Secure" : "", extra);
}

std::string FormatJst(absl::Time t) {
  if (t == absl::InfinitePast() || t == absl::UnixEpoch()) return "";
  return absl::FormatTime("%Y-%m-%d %H:%M", t, JapanTimeZone());
}

std::string FormatJst(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "";
  return FormatJst(FromProto(t));
}

std::string CaseLink(const std::string& id) {
  return absl::StrCat(R"(<a href="/cases/)", UrlEncode(id), R"(">)", Esc(id), "</a>");
}

std::string Hidden(absl::string_view name, absl::string_view value) {
  return absl::StrCat(R"(<input type="hidden" name=")", name, R"(" value=")", Esc(value), R"(">)");
}

std::string Select(absl::string_view name, const std::vector<std::pair<std::string, std::string>>& options,
                   absl::string_view selected, absl::string_view id = "") {
  std::string out =
      absl::StrCat(R"(<select name=")", name, R"(")", id.empty() ? "" : absl::StrCat(R"( id=")", id, R"(")"), ">");
  for (const auto& [value, label] : options) {
    absl::StrAppend(&out, R"(<option value=")", Esc(value), R"(")", value == selected ? " selected" : "", ">",
                    Esc(label), "</option>");
  }
  return out + "</select>";
}

}  // namespace

struct ConsoleApp::Request {
  const HttpCall& call;
  Lang lang = Lang::kJa;
  Principal user = {};
  std::string csrf = {};
  std::vector<std::string> set_cookies = {};
  std::string Path(size_t i) const { return i < call.path_params.size() ? call.path_params[i] : ""; }
};

void AddSecurityHeaders(HttpReply* reply) {
  reply->headers.emplace_back("Content-Security-Policy",
                              "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                              "frame-ancestors 'none'; form-action 'self'; base-uri 'none'");
  reply->headers.emplace_back("X-Content-Type-Options", "nosniff");
  reply->headers.emplace_back("X-Frame-Options", "DENY");
  reply->headers.emplace_back("Referrer-Policy", "same-origin");
  reply->headers.emplace_back("Cache-Control", "no-store");
}

ConsoleApp::ConsoleApp(ConsoleDeps deps, ConsoleOptions options) : deps_(deps), options_(std::move(options)) {}

std::vector<HttpRoute> ConsoleApp::Routes() {
  auto page = [this](bool needs_user, HttpReply (ConsoleApp::*handler)(const Request&)) {
    return [this, needs_user, handler](const HttpCall& call) { return Dispatch(call, needs_user, handler); };
  };
  auto plain = [](HttpReply reply) {
    return [reply](const HttpCall&) {
      HttpReply r = reply;
      AddSecurityHeaders(&r);
      return r;
    };
  };
  HttpReply css;
  css.body = std::string(ConsoleCss());
  css.content_type = "text/css; charset=utf-8";
  HttpReply js;
  js.body = std::string(ConsoleJs());
  js.content_type = "text/javascript; charset=utf-8";
  return {
      {"GET", "/static/console.css", plain(css)},
      {"GET", "/static/console.js", plain(js)},
      {"GET", "/login", [this](const HttpCall& call) { return SignInPage(call, ""); }},
      {"POST", "/login", [this](const HttpCall& call) { return SignIn(call); }},
      {"GET", "/lang/(ja|en)", [this](const HttpCall& call) { return SwitchLanguage(call); }},
      {"POST", "/logout", page(true, &ConsoleApp::SignOut)},
      {"GET", "/", page(true, &ConsoleApp::OverviewPage)},
      {"GET", "/api/overview", page(true, &ConsoleApp::OverviewJson)},
      {"GET", "/feed", page(true, &ConsoleApp::FeedPage)},
      {"GET", "/events", page(true, &ConsoleApp::FeedStream)},
      {"GET", "/cases", page(true, &ConsoleApp::CasesPage)},
      {"GET", "/ledger", page(true, &ConsoleApp::LedgerDownload)},
      {"GET", "/cases/([A-Za-z0-9_.:-]+)", page(true, &ConsoleApp::CasePage)},
      {"GET", "/cases/([A-Za-z0-9_.:-]+)/attachments/([0-9a-f]{64})", page(true, &ConsoleApp::AttachmentDownload)},
      {"POST", "/cases/([A-Za-z0-9_.:-]+)/(conclude|acknowledge|payment-handoff|withdraw)",
       page(true, &ConsoleApp::CaseHandoff)},
      {"GET", "/tasks", page(true, &ConsoleApp::TasksPage)},
      {"GET", "/tasks/([A-Za-z0-9_.:-]+)", page(true, &ConsoleApp::TaskPage)},
      {"POST", "/tasks/([A-Za-z0-9_.:-]+)/claim", page(true, &ConsoleApp::TaskClaim)},
      {"POST", "/tasks/([A-Za-z0-9_.:-]+)/release", page(true, &ConsoleApp::TaskRelease)},
      {"POST", "/tasks/([A-Za-z0-9_.:-]+)/reveal", page(true, &ConsoleApp::TaskReveal)},
      {"POST", "/tasks/([A-Za-z0-9_.:-]+)/certificate", page(true, &ConsoleApp::TaskRecord)},
  };
}

HttpReply ConsoleApp::Dispatch(const HttpCall& call, bool needs_user,
                               HttpReply (ConsoleApp::*handler)(const Request&)) {
  Request r{call};
  r.lang = ParseLang(CookieValue(call, kLangCookie));
  bool known = false;
  const std::string proxied_user =
      options_.trusted_proxy_addresses.contains(call.remote_address) ? call.Header(options_.proxy_user_header) : "";
  auto session = deps_.sessions->Find(CookieValue(call, kSessionCookie));
  if (!session.ok() && !absl::IsNotFound(session.status())) {
    HttpReply reply =
        Page(r, 503, std::string(T(r.lang, "error.title")), "", Esc(T(r.lang, "error.unavailable")), true);
    return reply;
  }
  if (!proxied_user.empty()) {
    const ConsoleAccount* account = deps_.accounts->Find(proxied_user);
    if (account == nullptr) {
      LogWarn("console: proxy named an unknown user", {{"user", proxied_user}, {"remote", call.remote_address}});
      return Page(r, 403, std::string(T(r.lang, "error.title")), "", Esc(T(r.lang, "error.forbidden")), true);
    }
    r.user = PrincipalOf(*account);
    if (session.ok() && session->user.name == account->username) {
      r.csrf = session->csrf;
    } else {
      auto created = deps_.sessions->Create(r.user);
      if (!created.ok()) {
        return Page(r, 503, std::string(T(r.lang, "error.title")), "", Esc(T(r.lang, "error.unavailable")), true);
      }
      r.csrf = created->csrf;
      r.set_cookies.push_back(Cookie(kSessionCookie, created->id, options_.cookie_secure));
      if (call.method == "POST") {
        // A fresh session has no form token yet: the form that was sent cannot be trusted.
        return Page(r, 403, std::string(T(r.lang, "error.title")), "", Esc(T(r.lang, "error.csrf")), true);
      }
    }
    known = true;
  } else if (session.ok()) {
    // The accounts file is the authority: a removed account or a changed office ends its sessions.
    const ConsoleAccount* account = deps_.accounts->Find(session->user.name);
    const Principal now = account != nullptr ? PrincipalOf(*account) : Principal{};
    if (account != nullptr && now.role == session->user.role && now.office == session->user.office) {
      r.user = now;
      r.csrf = session->csrf;
      known = true;
    } else {
      (void)deps_.sessions->Delete(session->id);
    }
  }
  if (needs_user && !known) {
    if (call.method == "GET" && call.path != "/events") {
      std::string next = call.path;
      if (!call.query.empty()) {
        std::vector<std::string> parts;
        for (const auto& [k, v] : call.query) parts.push_back(absl::StrCat(UrlEncode(k), "=", UrlEncode(v)));
        std::sort(parts.begin(), parts.end());
        absl::StrAppend(&next, "?", absl::StrJoin(parts, "&"));
      }
      HttpReply reply = Redirect(absl::StrCat("/login?next=", UrlEncode(next)));
      AddSecurityHeaders(&reply);
      return reply;
    }
    return Page(r, 401, std::string(T(r.lang, "signin.title")),
                R"(<p><a href="/login">)" + std::string(T(r.lang, "signin.title")) + "</a></p>");
  }
  if (call.method == "POST") {
    // CSRF: the session's token in the form, and (when the browser says) a same-origin Origin.
    const std::string origin = call.Header("origin");
    const std::string host = call.Header("host");
    const bool origin_ok =
        origin.empty() || origin == absl::StrCat("http://", host) || origin == absl::StrCat("https://", host);
    if (!SameToken(call.Param("csrf"), r.csrf) || !origin_ok) {
      LogWarn("console: form refused (CSRF)", {{"user", r.user.name}, {"path", call.path}});
      return Page(r, 403, std::string(T(r.lang, "error.title")), "", Esc(T(r.lang, "error.csrf")), true);
    }
  }
  HttpReply reply = (this->*handler)(r);
  for (const std::string& c : r.set_cookies) reply.headers.emplace_back("Set-Cookie", c);
  return reply;
}

std::string ConsoleApp::OfficeLabel(const Request& r, const std::string& code) const {
  if (code.empty()) return "—";
  if (code == "operators") return r.lang == Lang::kEn ? "Operators" : "運用担当";
  if (r.lang == Lang::kEn || deps_.offices == nullptr) return code;
  return deps_.offices->NameJa(code);
}

std::string ConsoleApp::UserLabel(const Request& r) const {
  const ConsoleAccount* account = deps_.accounts->Find(r.user.name);
  const std::string name = account != nullptr ? account->display_name : r.user.name;
  const std::string role = std::string(T(r.lang, absl::StrCat("user.role.", RoleName(r.user.role))));
  if (r.user.office.empty()) return absl::StrCat(name, "（", role, "）");
  return absl::StrCat(name, "（", OfficeLabel(r, r.user.office), "・", role, "）");
}

HttpReply ConsoleApp::Page(const Request& r, int status, const std::string& title, const std::string& body,
                           const std::string& flash, bool flash_error) {
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

HttpReply ConsoleApp::ErrorPage(const Request& r, const absl::Status& status) {
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

// ------------------------------------------------------------------------------------------ sign-in

HttpReply ConsoleApp::SignInPage(const HttpCall& call, const std::string& error_key) {
  Request r{call};
  r.lang = ParseLang(CookieValue(call, kLangCookie));
  const std::string token = RandomToken(24);
  const std::string next = SafeLocalPath(call.Param("next"));
  const std::string body = absl::StrCat(
      R"(<form method="post" action="/login" class="stack" id="signin">)", Hidden("signin_token", token),
      Hidden("next", next), R"(<label for="username">)", T(r.lang, "signin.username"),
      R"(</label><input id="username" name="username" autocomplete="username" required autofocus>)",
      R"(<label for="password">)", T(r.lang, "signin.password"),
      R"(</label><input id="password" name="password" type="password" autocomplete="current-password" required>)",
      R"(<p><button type="submit">)", T(r.lang, "signin.submit"), "</button></p></form>");
  HttpReply reply = Page(r, error_key.empty() ? 200 : (error_key == "signin.limited" ? 429 : 401),
                         std::string(T(r.lang, "signin.title")), body,
                         error_key.empty() ? "" : Esc(T(r.lang, error_key)), !error_key.empty());
  reply.headers.emplace_back("Set-Cookie", Cookie(kSignInCookie, token, options_.cookie_secure, "; Max-Age=1800"));
  return reply;
}

HttpReply ConsoleApp::SignIn(const HttpCall& call) {
  if (!SameToken(call.Param("signin_token"), CookieValue(call, kSignInCookie))) {
    return SignInPage(call, "signin.expired");
  }
  const std::string username = call.Param("username");
  // What someone typed as a user name may be their password: only a name that is an account here
  // is ever logged or made part of a key.
  const bool known = deps_.accounts->Find(username) != nullptr;
  const std::string who = known ? username : "(unknown name)";
  absl::Status admitted = absl::OkStatus();
  // Budgets count by network: an IPv6 client's whole /64 is one place (ClientNetwork).
  const std::string network = ClientNetwork(call.remote_address);
  if (deps_.signin_address_limiter != nullptr) {
    admitted = deps_.signin_address_limiter->Admit(absl::StrCat("console-signin-from:", network));
  }
  // Per name *and* client address: guessing a clerk's password from one place exhausts that place
  // only, so whoever knows a clerk's name cannot keep the clerk out from the clerk's own desk (the
  // per-address budget above bounds how many names one place may try).
  if (admitted.ok() && known && deps_.signin_limiter != nullptr) {
    admitted = deps_.signin_limiter->Admit(absl::StrCat("console-signin:", username, "@", network));
  }
  if (!admitted.ok()) {
    LogWarn("console sign-in refused: too many attempts", {{"user", who}, {"remote", call.remote_address}});
    return SignInPage(call, absl::IsResourceExhausted(admitted) ? "signin.limited" : "error.unavailable");
  }
  auto account = deps_.accounts->SignIn(username, call.Param("password"));
  if (absl::IsUnavailable(account.status())) {
    LogWarn("console sign-in refused: every verification slot busy", {{"remote", call.remote_address}});
    return SignInPage(call, "signin.busy");
  }
  if (!account.ok()) {
    LogWarn("console sign-in failed", {{"user", who}, {"remote", call.remote_address}});
    return SignInPage(call, "signin.failed");
  }
  auto session = deps_.sessions->Create(PrincipalOf(*account));
  if (!session.ok()) return SignInPage(call, "error.unavailable");
  LogInfo("console sign-in", {{"user", account->username},
                              {"office", account->office},
                              {"role", std::string(RoleName(account->role))},
                              {"remote", call.remote_address}});
  HttpReply reply = Redirect(SafeLocalPath(call.Param("next")));
  reply.headers.emplace_back("Set-Cookie", Cookie(kSessionCookie, session->id, options_.cookie_secure));
  reply.headers.emplace_back("Set-Cookie", Cookie(kSignInCookie, "", options_.cookie_secure, "; Max-Age=0"));
  AddSecurityHeaders(&reply);
  return reply;
}

HttpReply ConsoleApp::SignOut(const Request& r) {
  (void)deps_.sessions->Delete(CookieValue(r.call, kSessionCookie));
  LogInfo("console sign-out", {{"user", r.user.name}});
  HttpReply reply = Redirect("/login");
  reply.headers.emplace_back("Set-Cookie", Cookie(kSessionCookie, "", options_.cookie_secure, "; Max-Age=0"));
  AddSecurityHeaders(&reply);
  return reply;
}

HttpReply ConsoleApp::SwitchLanguage(const HttpCall& call) {
  const std::string lang = call.path_params.empty() ? "ja" : call.path_params[0];
  HttpReply reply = Redirect(SafeLocalPath(call.Param("back")));
  // Not HttpOnly-sensitive, but kept alike; a year, since it is only a preference.
  reply.headers.emplace_back("Set-Cookie", Cookie(kLangCookie, lang, options_.cookie_secure, "; Max-Age=31536000"));
  AddSecurityHeaders(&reply);
  return reply;
}

// ----------------------------------------------------------------------------------------- overview

// A state × office table of counts (in flight, or ended); adds the shown counts to *total.
std::string ConsoleApp::StateOfficeTable(const Request& r, const char* id,
                                         const std::map<std::string, std::map<std::string, int64_t>>& counts,
                                         const std::vector<std::string>& offices, int64_t* total) const {
  std::string table = absl::StrCat(R"(<table id=")", id, R"("><thead><tr><th>)", T(r.lang, "col.state"), "</th>");
  for (const std::string& office : offices) absl::StrAppend(&table, "<th>", Esc(OfficeLabel(r, office)), "</th>");
  absl::StrAppend(&table, "<th>", T(r.lang, "total"), "</th></tr></thead><tbody>");
  for (const char* state : kStates) {
    auto it = counts.find(state);
    if (it == counts.end()) continue;
    int64_t row_total = 0;
    std::string cells;
    for (const std::string& office : offices) {
      auto c = it->second.find(office);
      const int64_t n = c == it->second.end() ? 0 : c->second;
      row_total += n;
      absl::StrAppend(&cells, R"(<td class="num" data-office=")", Esc(office), R"(">)", n, "</td>");
    }
    if (row_total == 0) continue;
    *total += row_total;
    absl::StrAppend(&table, R"(<tr data-state=")", state, R"("><th><a href="/cases?state=)", state, R"(">)",
                    Esc(StateLabel(r.lang, state)), "</a></th>", cells, R"(<td class="num">)", row_total, "</td></tr>");
  }
  absl::StrAppend(&table, "</tbody></table>");
  return table;
}

HttpReply ConsoleApp::OverviewPage(const Request& r) {
  auto overview = deps_.overview->Get();
  if (!overview.ok()) return ErrorPage(r, overview.status());
  const bool all = r.user.role == Role::kOperator;
  auto visible = [&](const std::string& office) { return all || office == r.user.office; };
  std::vector<std::string> offices;
  for (const auto* counts : {&overview->by_state_office, &overview->ended_by_state_office}) {
    for (const auto& [state, by_office] : *counts) {
      for (const auto& [office, count] : by_office) {
        if (visible(office) && std::find(offices.begin(), offices.end(), office) == offices.end()) {
          offices.push_back(office);
        }
      }
    }
  }
  if (!all && std::find(offices.begin(), offices.end(), r.user.office) == offices.end())
    offices.push_back(r.user.office);
  std::sort(offices.begin(), offices.end());
  int64_t in_flight = 0;
  int64_t ended = 0;
  int64_t approaching = 0;
  int64_t breached = 0;
  const std::string table = StateOfficeTable(r, "by-state", overview->by_state_office, offices, &in_flight);
  const std::string ended_table = StateOfficeTable(r, "ended", overview->ended_by_state_office, offices, &ended);
  std::string deadlines = absl::StrCat(R"(<table id="deadlines"><thead><tr><th>)", T(r.lang, "col.case"), "</th><th>",
                                       T(r.lang, "col.state"), "</th><th>", T(r.lang, "col.office"), "</th><th>",
                                       T(r.lang, "col.deadline"), "</th><th></th></tr></thead><tbody>");
  int shown = 0;
  for (const auto& d : overview->deadlines) {
    if (!visible(d.office)) continue;
    (d.breached ? breached : approaching)++;
    if (++shown > 50) continue;
    absl::StrAppend(&deadlines, "<tr><td>", CaseLink(d.case_id), "</td><td>", Esc(StateLabel(r.lang, d.state)),
                    "</td><td>", Esc(OfficeLabel(r, d.office)), "</td><td>", FormatJst(d.deadline), "</td><td class=\"",
                    d.breached ? "bad" : "warn", "\">",
                    T(r.lang, d.breached ? "overview.breached" : "overview.approaching"), "</td></tr>");
  }
  absl::StrAppend(&deadlines, "</tbody></table>");
  if (shown == 0) deadlines = absl::StrCat("<p>", T(r.lang, "overview.no_deadlines"), "</p>");
  int64_t dlq_total = 0;
  std::string dlq = R"(<table id="dlq"><tbody>)";
  for (const auto& [topic, depth] : overview->dlq_depth) {
    if (depth > 0) dlq_total += depth;
    absl::StrAppend(&dlq, "<tr><th><code>", Esc(topic), R"(</code></th><td class="num )", depth > 0 ? "bad" : "", "\">",
                    depth < 0 ? std::string(T(r.lang, "overview.unknown")) : std::to_string(depth), "</td></tr>");
  }
  absl::StrAppend(&dlq, "</tbody></table>");
  std::string connectors = R"(<table id="connectors"><tbody>)";
  for (const auto& c : overview->connectors) {
    hosho::v1::Platform platform = hosho::v1::PLATFORM_UNSPECIFIED;
    (void)hosho::v1::Platform_Parse(c.platform, &platform);
    absl::StrAppend(&connectors, R"(<tr data-platform=")", c.platform, R"("><th>)", Esc(PlatformNameJa(platform)),
                    R"(</th><td class=")", c.status == "SERVING" ? "ok" : "bad", R"(">)",
                    T(r.lang, absl::StrCat("health.", c.status)), "</td></tr>");
  }
  absl::StrAppend(&connectors, "</tbody></table>");
  const std::string cards = absl::StrCat(
      R"(<div class="cards"><div class="card" id="card-in-flight"><div>)", T(r.lang, "overview.in_flight"),
      R"(</div><div class="figure">)", in_flight, R"(</div></div><div class="card" id="card-approaching"><div>)",
      T(r.lang, "overview.approaching"), R"(</div><div class="figure warn">)", approaching,
      R"(</div></div><div class="card" id="card-breached"><div>)", T(r.lang, "overview.breached"),
      R"(</div><div class="figure bad">)", breached,
      R"(</div></div><div class="card" id="card-dlq"><div>DLQ</div><div class="figure">)", dlq_total,
      R"(</div></div><div class="card" id="card-ended"><div>)", T(r.lang, "overview.ended_total"),
      R"(</div><div class="figure">)", ended, "</div></div></div>");
  const std::string body = absl::StrCat(
      cards, "<h2>", T(r.lang, "overview.by_state"), "</h2>", table, "<h2>", T(r.lang, "overview.deadlines"), "</h2>",
      deadlines, "<h2>", T(r.lang, "overview.ended"), "</h2>",
      ended == 0 ? absl::StrCat("<p>", T(r.lang, "overview.none_ended"), "</p>") : ended_table, "<h2>",
      T(r.lang, "overview.connectors"), "</h2>", connectors, "<h2>", T(r.lang, "overview.dlq"), "</h2>", dlq,
      R"(<p class="muted">)", T(r.lang, "overview.computed_at"), " ", FormatJst(overview->computed_at), "</p>");
  return Page(r, 200, std::string(T(r.lang, "overview.title")), body);
}

HttpReply ConsoleApp::OverviewJson(const Request& r) {
  auto overview = deps_.overview->Get();
  HttpReply reply;
  AddSecurityHeaders(&reply);
  if (!overview.ok()) {
    reply.status = HttpStatusFor(overview.status().code());
    reply.body = R"({"error":{"code":"UNAVAILABLE","message_ja":"集計できませんでした"}})";
    return reply;
  }
  const bool all = r.user.role == Role::kOperator;
  std::string json = R"({"in_flight":[)";
  bool first = true;
  for (const auto& [state, by_office] : overview->by_state_office) {
    for (const auto& [office, count] : by_office) {
      if (!all && office != r.user.office) continue;
      absl::StrAppend(&json, first ? "" : ",", R"({"state":")", state, R"(","office":")", office, R"(","count":)",
                      count, "}");
      first = false;
    }
  }
  absl::StrAppend(&json, R"(],"ended":[)");
  first = true;
  for (const auto& [state, by_office] : overview->ended_by_state_office) {
    for (const auto& [office, count] : by_office) {
      if (!all && office != r.user.office) continue;
      absl::StrAppend(&json, first ? "" : ",", R"({"state":")", state, R"(","office":")", office, R"(","count":)",
                      count, "}");
      first = false;
    }
  }
  absl::StrAppend(&json, R"(],"deadlines":[)");
  first = true;
  for (const auto& d : overview->deadlines) {
    if (!all && d.office != r.user.office) continue;
    absl::StrAppend(&json, first ? "" : ",", R"({"case_id":")", d.case_id, R"(","state":")", d.state, R"(","office":")",
                    d.office, R"(","deadline":")", absl::FormatTime(absl::RFC3339_sec, d.deadline, absl::UTCTimeZone()),
                    R"(","breached":)", d.breached ? "true" : "false", "}");
    first = false;
  }
  absl::StrAppend(&json, R"(],"dlq_depth":{)");
  first = true;
  for (const auto& [topic, depth] : overview->dlq_depth) {
    absl::StrAppend(&json, first ? "" : ",", "\"", topic, "\":", depth);
    first = false;
  }
  absl::StrAppend(&json, R"(},"connectors":{)");
  first = true;
  for (const auto& c : overview->connectors) {
    absl::StrAppend(&json, first ? "" : ",", "\"", c.platform, "\":\"", c.status, "\"");
    first = false;
  }
  absl::StrAppend(&json, "}}");
  reply.body = std::move(json);
  return reply;
}

// ------------------------------------------------------------------------------------------- feed

HttpReply ConsoleApp::FeedPage(const Request& r) {
  std::vector<std::pair<std::string, std::string>> offices = {{"", std::string(T(r.lang, "filter.any"))}};
  if (deps_.offices != nullptr) {
    for (const Office& o : deps_.offices->offices()) offices.emplace_back(o.code, OfficeLabel(r, o.code));
  }
  offices.emplace_back("operators", OfficeLabel(r, "operators"));
  std::vector<std::pair<std::string, std::string>> kinds = {{"", std::string(T(r.lang, "filter.any"))}};
  for (const char* k : kKinds) kinds.emplace_back(k, KindLabel(r.lang, k));
  std::vector<std::pair<std::string, std::string>> states = {{"", std::string(T(r.lang, "filter.any"))}};
  for (const char* s : kStates) states.emplace_back(s, StateLabel(r.lang, s));
  // Labels for the script, which receives codes.
  std::string labels = "{";
  auto label = [&labels](absl::string_view code, absl::string_view text) {
    absl::StrAppend(&labels, labels.size() > 1 ? "," : "", "\"", code, "\":\"");
    AppendJsonEscaped(labels, text);
    labels += "\"";
  };
  for (const auto& [code, text] : offices) {
    if (!code.empty()) label(code, text);
  }
  for (const char* k : kKinds) label(k, KindLabel(r.lang, k));
  for (const char* s : kStates) label(s, StateLabel(r.lang, s));
  labels += "}";
  const std::string body = absl::StrCat(
      R"(<form id="feed-filter" class="filters"><label>)", T(r.lang, "filter.office"),
      Select("office", offices, r.call.Param("office"), "filter-office"), "</label><label>", T(r.lang, "filter.kind"),
      Select("kind", kinds, r.call.Param("kind"), "filter-kind"), "</label><label>", T(r.lang, "filter.state"),
      Select("state", states, r.call.Param("state"), "filter-state"),
      R"(</label><span id="feed-status" data-connected=")", T(r.lang, "feed.connected"), R"(" data-disconnected=")",
      T(r.lang, "feed.disconnected"), R"("></span></form>)", R"(<table id="feed"><thead><tr><th>)",
      T(r.lang, "col.time"), "</th><th>", T(r.lang, "col.case"), "</th><th>", T(r.lang, "col.event"), "</th><th>",
      T(r.lang, "col.detail"), "</th><th>", T(r.lang, "col.state"), "</th><th>", T(r.lang, "col.office"), "</th><th>",
      T(r.lang, "col.kind"), R"(</th></tr></thead><tbody id="feed-body" data-labels=")", Esc(labels),
      R"("></tbody></table><script src="/static/console.js"></script>)");
  return Page(r, 200, std::string(T(r.lang, "feed.title")), body);
}

HttpReply ConsoleApp::FeedStream(const Request& r) {
  HttpReply reply;
  // Exactly this type: cpp-httplib compresses (and so holds back) every other text/* stream.
  reply.content_type = "text/event-stream";
  AddSecurityHeaders(&reply);
  reply.headers.emplace_back("X-Accel-Buffering", "no");  // a proxy must not hold events back
  // A slot among the open feeds, given back when the stream ends (its state is destroyed).
  struct FeedSlot {
    std::shared_ptr<std::atomic<int>> open;
    ~FeedSlot() {
      const int now = --*open;
      Metrics().GetGauge("hosho_console_feed_streams", "Live feeds open on this replica.").Set(now);
    }
  };
  if (++*open_feeds_ > options_.max_feed_streams) {
    --*open_feeds_;
    LogWarn("console: live feed refused, every feed slot is taken", {{"user", r.user.name}});
    reply.status = 503;
    reply.headers.emplace_back("Retry-After", "10");
    reply.body = ": busy\n\n";
    return reply;
  }
  const std::shared_ptr<FeedSlot> slot(new FeedSlot{open_feeds_});
  Metrics().GetGauge("hosho_console_feed_streams", "Live feeds open on this replica.").Set(open_feeds_->load());
  FeedFilter filter{r.call.Param("office"), r.call.Param("kind"), r.call.Param("state")};
  LiveFeed* feed = deps_.feed;
  // -1: start with the recent backlog (a new page, or an id from another replica or a restart).
  const int64_t after = feed->ResumeAfter(r.call.Header("last-event-id"));
  struct StreamState {
    int64_t after;
    std::string session_id;
    Principal viewer;
    FeedFilter filter;
    absl::Time last_session_check;
  };
  auto state = std::make_shared<StreamState>(
      StreamState{after, CookieValue(r.call, kSessionCookie), r.user, filter, deps_.clock->Now()});
  SessionStore* sessions = deps_.sessions;
  Clock* clock = deps_.clock;
  const absl::Duration keepalive = options_.feed_keepalive;
  reply.stream = [state, slot, feed, sessions, clock, keepalive](const HttpChunkWriter& write) {
    if (feed->closed()) return false;
    std::vector<FeedItem> items;
    if (state->after < 0) {
      // Read before the backlog: an event published in between is in the backlog or comes next.
      state->after = feed->last_seq();
      items = feed->Recent(100);
      if (!write("retry: 2000\n\n")) return false;
    } else {
      items = feed->WaitAfter(state->after, keepalive);
    }
    std::string out;
    for (const FeedItem& item : items) {
      state->after = std::max(state->after, item.seq);
      if (MaySeeFeedItem(state->viewer, item) && state->filter.Matches(item)) {
        out += ToServerSentEvent(item, feed->EventId(item.seq));
      }
    }
    if (out.empty()) out = ": keep-alive\n\n";
    if (!write(out)) return false;
    // A signed-out session stops receiving within a minute.
    if (clock->Now() - state->last_session_check > absl::Minutes(1) && !state->session_id.empty()) {
      state->last_session_check = clock->Now();
      if (absl::IsNotFound(sessions->Find(state->session_id).status())) return false;
    }
    return true;
  };
  return reply;
}

// ------------------------------------------------------------------------------------------ cases

HttpReply ConsoleApp::CasesPage(const Request& r) {
  const std::string q = std::string(absl::StripAsciiWhitespace(r.call.Param("q")));
  const std::string state = r.call.Param("state");
  const std::string kind = r.call.Param("kind");
  const std::string office = r.call.Param("office");
  if (!q.empty()) {
    auto record = deps_.cases->Get(q);
    if (record.ok() && MaySee(r.user, *record)) return Redirect(absl::StrCat("/cases/", UrlEncode(q)));
  }
  int offset = 0;
  (void)absl::SimpleAtoi(r.call.Param("offset"), &offset);
  offset = std::max(0, offset);
  constexpr int kPage = 50;
  constexpr int kScan = 500;
  // Where to look: an exact contract id or guarantee number first; an office with an ended state in
  // that office's ended index; an office otherwise in its in-flight index; else the most recent
  // cases. The filters below then apply to what was found (a partial term matches there).
  absl::StatusOr<std::vector<std::string>> ids = std::vector<std::string>{};
  const bool amend = r.call.Param("amend") == "1";
  if (amend) {
    // Only the cases waiting for an amended guarantee, from each office's list.
    std::vector<std::string> codes = {office};
    if (office.empty() && deps_.offices != nullptr) {
      codes.clear();
      for (const Office& o : deps_.offices->offices()) codes.push_back(o.code);
    }
    ids = CasesAwaitingAmendedGuarantee(*deps_.cases, codes, kScan, 0);
  } else if (!q.empty()) {
    ids = deps_.cases->LookupCaseIds(q, kScan);
  }
  if (!amend && ids.ok() && ids->empty()) {
    const bool ended = state == "CLOSED" || state == "WITHDRAWN" || state == "RETURNED";
    ids = ended && !office.empty() ? deps_.cases->ListEnded(office, state, kScan, 0)
                                   : deps_.cases->ListCaseIds(office, kScan, 0);
  }
  if (!ids.ok()) return ErrorPage(r, ids.status());
  std::string rows;
  int matched = 0;
  int shown = 0;
  for (const std::string& id : *ids) {
    auto record = deps_.cases->Get(id);
    if (!record.ok() || !MaySee(r.user, *record)) continue;
    hosho::v1::Case c = CaseFromRecord(*record);
    const std::string c_state = StateName(c.state());
    const std::string c_kind = hosho::v1::GuaranteeKind_Name(c.kind());
    if (!state.empty() && c_state != state) continue;
    if (!kind.empty() && c_kind != kind) continue;
    if (!q.empty() && !absl::StrContains(c.case_id(), q) && !absl::StrContains(c.guarantee_number(), q) &&
        !absl::StrContains(c.contract_id(), q)) {
      continue;
    }
    if (matched++ < offset || shown >= kPage) continue;
    ++shown;
    absl::StrAppend(&rows, R"(<tr data-case-id=")", Esc(c.case_id()), R"("><td>)", CaseLink(c.case_id()), "</td><td>",
                    Esc(KindLabel(r.lang, c_kind)), "</td><td>", Esc(StateLabel(r.lang, c_state)), "</td><td>",
                    Esc(OfficeLabel(r, c.office())), "</td><td>", Esc(c.contract_id()), "</td><td>",
                    Esc(c.guarantee_number()), "</td><td>", FormatJst(c.received_at()), "</td><td>",
                    StateHasDeadline(c_state) ? FormatJst(c.deadline()) : "", "</td></tr>");
  }
  std::vector<std::pair<std::string, std::string>> states = {{"", std::string(T(r.lang, "filter.any"))}};
  for (const char* s : kStates) states.emplace_back(s, StateLabel(r.lang, s));
  std::vector<std::pair<std::string, std::string>> kinds = {{"", std::string(T(r.lang, "filter.any"))}};
  for (const char* k : kKinds) kinds.emplace_back(k, KindLabel(r.lang, k));
  std::vector<std::pair<std::string, std::string>> offices = {{"", std::string(T(r.lang, "filter.any"))}};
  if (deps_.offices != nullptr) {
    for (const Office& o : deps_.offices->offices()) offices.emplace_back(o.code, OfficeLabel(r, o.code));
  }
  offices.emplace_back("operators", OfficeLabel(r, "operators"));
  std::string body = absl::StrCat(R"(<form method="get" action="/cases" class="filters" id="case-search"><label>)",
                                  T(r.lang, "filter.query"), R"(<input name="q" id="q" value=")", Esc(q),
                                  R"("></label><label>)", T(r.lang, "filter.state"), Select("state", states, state),
                                  "</label><label>", T(r.lang, "filter.kind"), Select("kind", kinds, kind),
                                  "</label><label>", T(r.lang, "filter.office"), Select("office", offices, office),
                                  R"(</label><label class="check"><input type="checkbox" name="amend" value="1" id="amend")",
                                  amend ? " checked" : "", ">", T(r.lang, "filter.amend"),
                                  R"(</label><button type="submit">)", T(r.lang, "filter.search"), "</button></form>");
  if (shown == 0) {
    absl::StrAppend(&body, "<p>", T(r.lang, "cases.none"), "</p>");
  } else {
    absl::StrAppend(&body, R"(<table id="cases"><thead><tr><th>)", T(r.lang, "col.case"), "</th><th>",
                    T(r.lang, "col.kind"), "</th><th>", T(r.lang, "col.state"), "</th><th>", T(r.lang, "col.office"),
                    "</th><th>", T(r.lang, "col.contract"), "</th><th>", T(r.lang, "col.guarantee"), "</th><th>",
                    T(r.lang, "col.received"), "</th><th>", T(r.lang, "col.deadline"), "</th></tr></thead><tbody>",
                    rows, "</tbody></table>");
    if (matched > offset + shown) {
      absl::StrAppend(&body, R"(<p><a id="next-page" href="/cases?q=)", UrlEncode(q), "&state=", UrlEncode(state),
                      "&kind=", UrlEncode(kind), "&office=", UrlEncode(office), amend ? "&amend=1" : "",
                      "&offset=", offset + shown, "\">",
                      T(r.lang, "cases.next"), "</a></p>");
    }
  }
  absl::StrAppend(&body, LedgerForm(r));
  return Page(r, 200, std::string(T(r.lang, "cases.title")), body);
}

std::string ConsoleApp::LedgerForm(const Request& r) const {
  // The fiscal year (April to March) this day falls in, the period a clerk files by default.
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), JapanTimeZone());
  const int year = today.month() >= 4 ? static_cast<int>(today.year()) : static_cast<int>(today.year()) - 1;
  std::string office_field;
  if (r.user.role == Role::kClerk) {
    office_field = Hidden("office", r.user.office);
  } else {
    std::vector<std::pair<std::string, std::string>> offices = {{kEveryOffice, std::string(T(r.lang, "ledger.all"))}};
    if (deps_.offices != nullptr) {
      for (const Office& o : deps_.offices->offices()) offices.emplace_back(o.code, OfficeLabel(r, o.code));
    }
    office_field = absl::StrCat("<label>", T(r.lang, "filter.office"), Select("office", offices, kEveryOffice), "</label>");
  }
  std::vector<std::pair<std::string, std::string>> kinds = {{"", std::string(T(r.lang, "filter.any"))}};
  for (const char* k : kKinds) kinds.emplace_back(k, KindLabel(r.lang, k));
  std::vector<std::pair<std::string, std::string>> states = {{"", std::string(T(r.lang, "filter.any"))}};
  for (const char* s : kStates) states.emplace_back(s, StateLabel(r.lang, s));
  const std::vector<std::pair<std::string, std::string>> formats = {
      {"xlsx", "Excel (.xlsx)"}, {"csv", "CSV (UTF-8)"}, {"csv-sjis", "CSV (Shift_JIS)"}};
  return absl::StrCat(
      R"(<section class="ledger no-print"><h2>)", T(r.lang, "ledger.title"), "</h2><p>", T(r.lang, "ledger.help"),
      R"(</p><form method="get" action="/ledger" class="filters" id="ledger-form">)", office_field, "<label>",
      T(r.lang, "ledger.from"), R"(<input type="date" name="from" required value=")",
      absl::FormatCivilTime(absl::CivilDay(year, 4, 1)), R"("></label><label>)", T(r.lang, "ledger.to"),
      R"(<input type="date" name="to" required value=")", absl::FormatCivilTime(absl::CivilDay(year + 1, 3, 31)),
      R"("></label><label>)", T(r.lang, "filter.kind"), Select("kind", kinds, ""), "</label><label>",
      T(r.lang, "filter.state"), Select("state", states, ""), "</label><label>", T(r.lang, "ledger.format"),
      Select("format", formats, "xlsx"), R"(</label><button type="submit" id="ledger-download">)",
      T(r.lang, "ledger.download"), "</button></form></section>");
}

HttpReply ConsoleApp::LedgerDownload(const Request& r) {
  hosho::v1::ExportLedgerRequest request;
  request.set_office(r.call.Param("office"));
  for (const auto& [param, date] : {std::pair{"from", request.mutable_received_from()},
                                    std::pair{"to", request.mutable_received_to()}}) {
    // An unreadable date stays unset and is refused by LedgerQueryFor with its field named.
    if (auto parsed = ParseDate(r.call.Param(param)); parsed.ok()) *date = *parsed;
  }
  if (const std::string kind = r.call.Param("kind"); !kind.empty()) {
    hosho::v1::GuaranteeKind parsed;
    request.set_kind(hosho::v1::GuaranteeKind_Parse(kind, &parsed) ? parsed : static_cast<hosho::v1::GuaranteeKind>(-1));
  }
  if (const std::string state = r.call.Param("state"); !state.empty()) {
    request.set_state(ParseStateName(state) != hosho::v1::CASE_STATE_UNSPECIFIED
                          ? ParseStateName(state)
                          : static_cast<hosho::v1::CaseState>(-1));
  }
  const std::string format = r.call.Param("format");
  request.set_format(format == "csv-sjis" ? hosho::v1::ExportLedgerRequest::FORMAT_CSV_CP932
                     : format == "csv"    ? hosho::v1::ExportLedgerRequest::FORMAT_CSV_UTF8
                     : format.empty() || format == "xlsx"
                         ? hosho::v1::ExportLedgerRequest::FORMAT_XLSX
                         : static_cast<hosho::v1::ExportLedgerRequest::Format>(-1));
  auto query = LedgerQueryFor(r.user, request, deps_.offices);
  if (!query.ok()) return ErrorPage(r, query.status());
  auto rows = CollectLedger(*deps_.cases, *query, deps_.offices);
  if (!rows.ok()) return ErrorPage(r, rows.status());
  auto file = RenderLedger(*query, *rows);
  if (!file.ok()) return ErrorPage(r, file.status());
  LogInfo("ledger exported", {{"user", r.user.name}, {"office", query->office}, {"rows", std::to_string(file->rows())}});
  HttpReply reply;
  reply.body = file->content();
  reply.content_type = file->media_type();
  // RFC 6266: an ASCII name for old clients, the Japanese one (RFC 5987) for the rest.
  reply.headers.emplace_back("Content-Disposition",
                             absl::StrCat("attachment; filename=\"ledger", absl::StrContains(file->filename(), ".xlsx")
                                                                           ? ".xlsx"
                                                                           : ".csv",
                                          "\"; filename*=UTF-8''", UrlEncode(file->filename())));
  reply.headers.emplace_back("Cache-Control", "no-store");
  AddSecurityHeaders(&reply);
  return reply;
}

namespace {

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

}  // namespace

HttpReply ConsoleApp::CasePage(const Request& r) {
  const std::string id = r.Path(0);
  auto record = deps_.cases->Get(id);
  if (!record.ok() && !absl::IsNotFound(record.status())) return ErrorPage(r, record.status());
  // Someone who may not see a case learns nothing, not even that it exists.
  if (!record.ok() || !MaySee(r.user, *record)) {
    LogInfo("console: case refused or absent", {{"user", r.user.name}, {"case_id", id}});
    return Page(r, 404, std::string(T(r.lang, "case.title")), "", Esc(T(r.lang, "case.not_found")), true);
  }
  const hosho::v1::Case c = CaseFromRecord(*record);
  const std::string state = StateName(c.state());
  const std::string kind = hosho::v1::GuaranteeKind_Name(c.kind());
  std::string summary = R"(<table id="summary"><tbody>)";
  auto row = [&summary](absl::string_view label, const std::string& value_html, absl::string_view id_attr = "") {
    absl::StrAppend(&summary, "<tr><th>", label, "</th><td",
                    id_attr.empty() ? "" : absl::StrCat(R"( id=")", id_attr, R"(")"), ">", value_html, "</td></tr>");
  };
  row(T(r.lang, "col.state"), Esc(StateLabel(r.lang, state)), "case-state");
  row(T(r.lang, "col.kind"), Esc(KindLabel(r.lang, kind)));
  row(T(r.lang, "col.office"), Esc(OfficeLabel(r, c.office())), "case-office");
  row(T(r.lang, "col.contract"), Esc(c.contract_id()));
  row(T(r.lang, "col.guarantee"), Esc(c.guarantee_number()));
  row(T(r.lang, "col.platform"), Esc(PlatformNameJa(c.platform())));
  // What the contractor wrote on the insurer's format; intake already matched it with the contract.
  if (!c.stated_project_name().empty()) row(T(r.lang, "case.stated_project"), Esc(c.stated_project_name()), "stated-project");
  if (!c.stated_contractor_name().empty()) {
    row(T(r.lang, "case.stated_contractor"), Esc(c.stated_contractor_name()), "stated-contractor");
  }
  row(T(r.lang, "case.channel"), Esc(hosho::v1::Channel_Name(c.channel())));
  row(T(r.lang, "col.received"), FormatJst(c.received_at()));
  if (c.has_deadline() && StateHasDeadline(state)) row(T(r.lang, "col.deadline"), FormatJst(c.deadline()));
  if (c.action() != hosho::v1::HANDOFF_ACTION_UNSPECIFIED) {
    row(T(r.lang, "case.action"), Esc(ActionLabel(r.lang, hosho::v1::HandoffAction_Name(c.action()))));
  }
  if (!c.waiting_reason().empty()) row(T(r.lang, "case.waiting"), Esc(c.waiting_reason()));
  if (c.has_amended_guarantee_required()) {
    // The contract changed after the guarantee was checked and it no longer covers it.
    const auto& owed = c.amended_guarantee_required();
    std::string rules;
    for (const auto& rule : owed.rule_results()) {
      absl::StrAppend(&rules, "<br><code>", Esc(rule.code()), "</code> ", Esc(rule.message_ja()));
    }
    row(T(r.lang, "case.amended_guarantee"),
        absl::StrCat(R"(<span class="bad">)", T(r.lang, "case.amended_guarantee_due"), " ", FormatJst(owed.deadline()),
                     "</span>", rules),
        "amended-guarantee");
  }
  if (!c.supersedes_case_id().empty()) row(T(r.lang, "case.supersedes"), CaseLink(c.supersedes_case_id()), "supersedes");
  if (!c.superseded_by_case_id().empty()) {
    row(T(r.lang, "case.superseded_by"), CaseLink(c.superseded_by_case_id()), "superseded-by");
  }
  if (c.amount_yen() > 0) row(r.lang == Lang::kEn ? "Requested (yen)" : "請求額", Esc(FormatYen(c.amount_yen())));
  row(T(r.lang, "case.version"), std::to_string(c.version()), "case-version");
  absl::StrAppend(&summary, "</tbody></table>");

  std::string actions;
  const std::string csrf = Hidden("csrf", r.csrf);
  const std::string version = Hidden("expected_version", std::to_string(c.version()));
  auto step_form = [&](absl::string_view step, absl::string_view label_key, bool reason_required) {
    absl::StrAppend(&actions, R"(<form method="post" class="stack" id="form-)", step, R"(" action="/cases/)",
                    UrlEncode(c.case_id()), "/", step, R"(">)", csrf, version, "<label>",
                    T(r.lang, reason_required ? "handoff.withdraw_reason" : "handoff.note"),
                    R"(<textarea name="note" rows="2" maxlength="500")", reason_required ? " required" : "",
                    R"(></textarea></label><p><button type="submit")", reason_required ? R"( class="secondary")" : "",
                    ">", T(r.lang, label_key), "</button></p></form>");
  };
  const bool holder = r.user.role == Role::kClerk && r.user.office == c.office();
  if (holder && c.state() == hosho::v1::CASE_STATE_ROUTED &&
      c.action() == hosho::v1::HANDOFF_ACTION_CONCLUDE_CONTRACT) {
    step_form("conclude", "handoff.conclude", false);
  }
  if (holder && c.state() == hosho::v1::CASE_STATE_ROUTED && c.action() == hosho::v1::HANDOFF_ACTION_PROCESS_PAYMENT) {
    step_form("payment-handoff", "handoff.payment", false);
  }
  if (holder && c.state() == hosho::v1::CASE_STATE_FORWARDED) step_form("acknowledge", "handoff.acknowledge", false);
  if ((c.state() == hosho::v1::CASE_STATE_AWAITING_VERIFICATION || c.state() == hosho::v1::CASE_STATE_VERIFYING) &&
      (holder || r.user.role == Role::kOperator)) {
    absl::StrAppend(&actions, R"(<p><a id="open-task" href="/tasks/)", UrlEncode(c.case_id()), R"(">)",
                    T(r.lang, "task.title"), "</a></p>");
  }
  if (!IsTerminal(c.state()) && (holder || r.user.role == Role::kOperator)) {
    absl::StrAppend(&actions, "<details><summary>", T(r.lang, "handoff.withdraw"), "</summary>");
    step_form("withdraw", "handoff.withdraw", true);
    absl::StrAppend(&actions, "</details>");
  }

  std::string attachments;
  if (c.attachments().empty()) {
    attachments = absl::StrCat("<p>", T(r.lang, "case.no_attachments"), "</p>");
  } else {
    attachments = R"(<ul id="attachments">)";
    for (const auto& a : c.attachments()) {
      absl::StrAppend(&attachments, R"(<li><a href="/cases/)", UrlEncode(c.case_id()), "/attachments/", a.sha256(),
                      R"(">)", Esc(a.filename().empty() ? a.sha256().substr(0, 12) : a.filename()), "</a> (",
                      hosho::v1::AttachmentRef::Kind_Name(a.kind()), ", ", a.size_bytes(), " bytes)</li>");
    }
    attachments += "</ul>";
  }
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
  absl::StrAppend(&history, "</tbody></table>");
  std::string flash;
  if (r.call.Param("done") == "1") flash = Esc(T(r.lang, "handoff.done"));
  const std::string body = absl::StrCat(
      summary,
      actions.empty() ? "" : absl::StrCat(R"(<section class="no-print"><h2>)", T(r.lang, "case.actions"), "</h2>",
                                          actions, "</section>"),
      "<h2>",
      T(r.lang, "case.rules"), "</h2>",
      c.rule_results().empty() ? absl::StrCat("<p>", T(r.lang, "case.no_rules"), "</p>")
                               : RuleTable(r.lang, c.rule_results()),
      "<h2>", T(r.lang, "case.attachments"), "</h2>", attachments, "<h2>", T(r.lang, "case.history"), "</h2>", history,
      // On paper only: when and by whom the page was printed (a filed copy says which state it shows).
      R"(<p class="print-only" id="printed">)", T(r.lang, "case.printed"), " ",
      absl::FormatTime("%Y-%m-%d %H:%M", absl::Now(), JapanTimeZone()), " ", Esc(UserLabel(r)), "</p>");
  return Page(r, 200, absl::StrCat(T(r.lang, "case.title"), " ", c.case_id()), body, flash);
}

HttpReply ConsoleApp::AttachmentDownload(const Request& r) {
  const std::string id = r.Path(0);
  const std::string sha = r.Path(1);
  auto record = deps_.cases->Get(id);
  if (!record.ok() || !MaySee(r.user, *record)) {
    return Page(r, 404, std::string(T(r.lang, "case.title")), "", Esc(T(r.lang, "case.not_found")), true);
  }
  const hosho::v1::Case c = CaseFromRecord(*record);
  const hosho::v1::AttachmentRef* ref = nullptr;
  for (const auto& a : c.attachments()) {
    if (a.sha256() == sha) ref = &a;
  }
  if (ref == nullptr || deps_.blobs == nullptr) {
    return Page(r, 404, std::string(T(r.lang, "case.attachments")), "", Esc(T(r.lang, "error.not_found")), true);
  }
  // Audited before a byte leaves: a history entry on the case, and a log line.
  CaseNote note;
  note.case_id = id;
  note.event_id = absl::StrCat("console-download:", RandomToken(12));
  note.actor = r.user.name;
  note.reason = absl::StrCat("添付ファイルをダウンロード: ", ref->filename(), " (", sha.substr(0, 12), ")");
  note.at = deps_.clock->Now();
  if (auto noted = deps_.cases->Note(note); !noted.ok()) return ErrorPage(r, noted.status());
  auto blob = deps_.blobs->Get(sha);
  if (!blob.ok()) return ErrorPage(r, blob.status());
  LogInfo("console attachment download", {{"user", r.user.name}, {"case_id", id}, {"sha256", sha}});
  HttpReply reply;
  reply.body = blob->value();
  // The type comes from the bytes, never from what a caller once claimed for them.
  reply.content_type = absl::StartsWith(reply.body, "%PDF-") ? "application/pdf" : "application/octet-stream";
  AddSecurityHeaders(&reply);
  std::string ascii_name = absl::StrCat(sha.substr(0, 12), ".pdf");
  reply.headers.emplace_back("Content-Disposition", absl::StrCat("attachment; filename=\"", ascii_name,
                                                                 "\"; filename*=UTF-8''", UrlEncode(ref->filename())));
  return reply;
}

HttpReply ConsoleApp::CaseHandoff(const Request& r) {
  const std::string id = r.Path(0);
  const std::string step = r.Path(1);
  hosho::v1::HandoffRequest request;
  request.set_case_id(id);
  int64_t version = 0;
  if (absl::SimpleAtoi(r.call.Param("expected_version"), &version)) request.set_expected_version(version);
  request.set_note(r.call.Param("note"));
  ConsoleBackends::HandoffStep which = ConsoleBackends::HandoffStep::kConclude;
  if (step == "acknowledge") which = ConsoleBackends::HandoffStep::kAcknowledge;
  if (step == "payment-handoff") which = ConsoleBackends::HandoffStep::kPaymentHandoff;
  if (step == "withdraw") which = ConsoleBackends::HandoffStep::kWithdraw;
  auto done = deps_.backends->Handoff(r.user, which, request);
  if (!done.ok()) {
    LogInfo("console hand-off refused", {{"user", r.user.name},
                                         {"case_id", id},
                                         {"step", step},
                                         {"code", absl::StatusCodeToString(done.status().code())}});
    return ErrorPage(r, done.status());
  }
  LogInfo("console hand-off", {{"user", r.user.name}, {"case_id", id}, {"step", step}});
  return Redirect(absl::StrCat("/cases/", UrlEncode(id), "?done=1"));
}

// ------------------------------------------------------------------------------------------ tasks

HttpReply ConsoleApp::TasksPage(const Request& r) {
  std::string office = r.user.role == Role::kClerk ? r.user.office : r.call.Param("office");
  std::string picker;
  if (r.user.role == Role::kOperator) {
    std::vector<std::pair<std::string, std::string>> offices;
    if (deps_.offices != nullptr) {
      for (const Office& o : deps_.offices->offices()) offices.emplace_back(o.code, OfficeLabel(r, o.code));
    }
    if (office.empty() && !offices.empty()) office = offices.front().first;
    picker = absl::StrCat(R"(<form method="get" action="/tasks" class="filters"><label>)", T(r.lang, "filter.office"),
                          Select("office", offices, office), R"(</label><button type="submit">)",
                          T(r.lang, "filter.search"), "</button></form>");
  }
  auto tasks = deps_.backends->ListTasks(r.user, office);
  if (!tasks.ok()) return ErrorPage(r, tasks.status());
  std::string body = picker;
  if (tasks->tasks().empty()) {
    absl::StrAppend(&body, "<p>", T(r.lang, "tasks.none"), "</p>");
  } else {
    absl::StrAppend(&body, R"(<table id="tasks"><thead><tr><th>)", T(r.lang, "col.case"), "</th><th>",
                    T(r.lang, "col.kind"), "</th><th>", T(r.lang, "col.platform"), "</th><th>",
                    T(r.lang, "col.received"), "</th><th>", T(r.lang, "col.due"), "</th><th>",
                    T(r.lang, "col.claimed_by"), "</th><th></th></tr></thead><tbody>");
    for (const auto& t : tasks->tasks()) {
      const bool mine = t.claimed_by() == r.user.name;
      std::string claim;
      if (r.user.role == Role::kClerk && !mine && t.claimed_by().empty()) {
        claim = absl::StrCat(R"(<form method="post" class="inline" action="/tasks/)", UrlEncode(t.task_id()),
                             R"(/claim">)", Hidden("csrf", r.csrf), R"(<button type="submit">)",
                             T(r.lang, "tasks.claim"), "</button></form> ");
      }
      absl::StrAppend(&body, R"(<tr data-task-id=")", Esc(t.task_id()), R"("><td>)", CaseLink(t.case_id()), "</td><td>",
                      Esc(KindLabel(r.lang, hosho::v1::GuaranteeKind_Name(t.kind()))), "</td><td>",
                      Esc(PlatformNameJa(t.platform())), "</td><td>", FormatJst(t.received_at()), "</td><td>",
                      FormatJst(t.due_at()), "</td><td>", Esc(t.claimed_by()), "</td><td>", claim,
                      R"(<a href="/tasks/)", UrlEncode(t.task_id()), R"(">)", T(r.lang, "tasks.open"),
                      "</a></td></tr>");
    }
    absl::StrAppend(&body, "</tbody></table>");
  }
  return Page(r, 200, std::string(T(r.lang, "tasks.title")), body);
}

namespace {

// The task of `id` as verification lists it for the case's office; NOT_FOUND when it is no task.
absl::StatusOr<hosho::v1::VerificationTask> FindTask(ConsoleBackends* backends, CaseStore* cases, const Principal& user,
                                                     const std::string& id) {
  auto record = cases->Get(id);
  if (!record.ok()) return record.status();
  if (!MaySee(user, *record)) return absl::NotFoundError("task not found");
  auto tasks = backends->ListTasks(user, record->Field("office"));
  if (!tasks.ok()) return tasks.status();
  for (const auto& t : tasks->tasks()) {
    if (t.task_id() == id) return t;
  }
  return absl::NotFoundError("task not found");
}

}  // namespace

HttpReply ConsoleApp::TaskPage(const Request& r) {
  auto task = FindTask(deps_.backends, deps_.cases, r.user, r.Path(0));
  if (absl::IsNotFound(task.status())) {
    return Page(r, 404, std::string(T(r.lang, "task.title")), absl::StrCat("<p>", CaseLink(r.Path(0)), "</p>"),
                Esc(T(r.lang, "task.not_found")), true);
  }
  if (!task.ok()) return ErrorPage(r, task.status());
  std::string flash;
  if (r.call.Param("claimed") == "1") flash = Esc(T(r.lang, "task.claimed"));
  return RenderTask(r, *task, flash, false, {});
}

HttpReply ConsoleApp::RenderTask(const Request& r, const hosho::v1::VerificationTask& t, const std::string& flash,
                                 bool flash_error, const std::vector<std::pair<std::string, std::string>>& errors) {
  const bool mine = t.claimed_by() == r.user.name;
  std::string body = absl::StrCat(R"(<table id="task"><tbody><tr><th>)", T(r.lang, "col.case"), "</th><td>",
                                  CaseLink(t.case_id()), "</td></tr><tr><th>", T(r.lang, "col.kind"), "</th><td>",
                                  Esc(KindLabel(r.lang, hosho::v1::GuaranteeKind_Name(t.kind()))), "</td></tr><tr><th>",
                                  T(r.lang, "col.platform"), "</th><td>", Esc(PlatformNameJa(t.platform())),
                                  "</td></tr><tr><th>", T(r.lang, "col.contract"), "</th><td>", Esc(t.contract_id()),
                                  "</td></tr><tr><th>", T(r.lang, "col.due"), "</th><td>", FormatJst(t.due_at()),
                                  "</td></tr><tr><th>", T(r.lang, "col.claimed_by"), R"(</th><td id="claimed-by">)",
                                  Esc(t.claimed_by()), "</td></tr></tbody></table>");
  if (!t.rule_results().empty())
    absl::StrAppend(&body, "<h2>", T(r.lang, "case.rules"), "</h2>", RuleTable(r.lang, t.rule_results()));
  const std::string csrf = Hidden("csrf", r.csrf);
  const std::string id = UrlEncode(t.task_id());
  if (!mine) {
    absl::StrAppend(&body, "<p>", T(r.lang, "task.claim_first"), "</p>");
    if (r.user.role == Role::kClerk && t.claimed_by().empty()) {
      absl::StrAppend(&body, R"(<form method="post" id="claim" action="/tasks/)", id, R"(/claim">)", csrf,
                      R"(<button type="submit">)", T(r.lang, "tasks.claim"), "</button></form>");
    }
    // A refused step on a task the clerk does not hold is a refusal (422), not a page like any other.
    return Page(r, flash_error ? 422 : 200, absl::StrCat(T(r.lang, "task.title"), " ", t.task_id()), body, flash,
                flash_error);
  }
  absl::StrAppend(&body, R"(<form method="post" id="release" action="/tasks/)", id, R"(/release">)", csrf,
                  R"(<button type="submit" class="secondary">)", T(r.lang, "tasks.release"), "</button></form>");
  if (t.platform() == hosho::v1::PLATFORM_PAPER) {
    // Paper has no key or password to reveal: the clerk reads the paper itself.
    absl::StrAppend(&body, R"(<p class="muted" id="paper-note">)", T(r.lang, "task.paper"), "</p>");
  } else {
    absl::StrAppend(&body, "<h2>", T(r.lang, "reveal.title"),
                    R"(</h2><form method="post" class="stack" id="reveal" action="/tasks/)", id, R"(/reveal">)", csrf,
                    R"(<label for="reveal-reason">)", T(r.lang, "reveal.reason"),
                    R"(</label><input id="reveal-reason" name="reason" required value="保証書の内容確認のため">)",
                    R"(<p><button type="submit">)", T(r.lang, "reveal.submit"), "</button></p></form>");
  }
  auto value = [&r](const std::string& name) { return Esc(r.call.Param(name)); };
  auto error_of = [&errors](const std::string& name) {
    for (const auto& [field, message] : errors) {
      if (field == name)
        return absl::StrCat(R"(<span class="field-error" id="error-)", name, R"(">)", Esc(message), "</span>");
    }
    return std::string();
  };
  auto input = [&](const std::string& name, absl::string_view type, bool required, absl::string_view extra = "") {
    return absl::StrCat(R"(<label for="cert-)", name, R"(">)", T(r.lang, absl::StrCat("cert.", name)),
                        R"(</label><input id="cert-)", name, R"(" name=")", name, R"(" type=")", type, R"(" value=")",
                        value(name), R"(")", required ? " required" : "", extra, ">", error_of(name));
  };
  std::vector<std::pair<std::string, std::string>> kinds;
  for (const char* k : kKinds) kinds.emplace_back(k, KindLabel(r.lang, k));
  std::vector<std::pair<std::string, std::string>> issuers;
  const auto* issuer_enum = hosho::v1::Issuer_descriptor();
  for (int i = 0; i < issuer_enum->value_count(); ++i) {
    const auto issuer = static_cast<hosho::v1::Issuer>(issuer_enum->value(i)->number());
    if (issuer == hosho::v1::ISSUER_UNSPECIFIED || issuer == hosho::v1::ISSUER_OTHER) continue;
    issuers.emplace_back(issuer_enum->value(i)->name(), IssuerNameJa(issuer));
  }
  const std::string selected_kind =
      r.call.Param("kind").empty() ? hosho::v1::GuaranteeKind_Name(t.kind()) : r.call.Param("kind");
  const std::string number_attrs = R"( inputmode="numeric" pattern="[0-9,]*")";
  absl::StrAppend(
      &body, "<h2>", T(r.lang, "cert.title"),
      R"(</h2><form method="post" class="stack" id="certificate" action="/tasks/)", id, R"(/certificate" novalidate>)",
      csrf, Hidden("outcome", "certificate"), input("guarantee_number", "text", true), R"(<label for="cert-kind">)",
      T(r.lang, "cert.kind"), "</label>", Select("kind", kinds, selected_kind, "cert-kind"),
      R"(<label for="cert-issuer">)", T(r.lang, "cert.issuer"), "</label>",
      Select("issuer", issuers, r.call.Param("issuer"), "cert-issuer"), error_of("issuer"),
      input("beneficiary", "text", true), input("contractor_name", "text", true), input("project_name", "text", true),
      input("project_location", "text", false), input("contract_price_yen", "text", true, number_attrs),
      input("guaranteed_amount_yen", "text", false, number_attrs),
      input("advance_amount_yen", "text", false, number_attrs), input("period_start", "date", true),
      input("period_end", "date", true), input("issue_date", "date", true), R"(<p><button type="submit">)",
      T(r.lang, "cert.submit"), "</button></p></form>");
  absl::StrAppend(&body, "<details><summary>", T(r.lang, "cert.no_certificate"),
                  R"(</summary><form method="post" class="stack" id="no-certificate" action="/tasks/)", id,
                  R"(/certificate">)", csrf, Hidden("outcome", "none"), R"(<label for="no-cert-reason">)",
                  T(r.lang, "cert.no_certificate_reason"),
                  R"(</label><textarea id="no-cert-reason" name="no_certificate_reason" required></textarea>)",
                  R"(<p><button type="submit" class="secondary">)", T(r.lang, "cert.no_certificate_submit"),
                  "</button></p></form></details>");
  return Page(r, errors.empty() ? 200 : 422, absl::StrCat(T(r.lang, "task.title"), " ", t.task_id()), body, flash,
              flash_error);
}

HttpReply ConsoleApp::TaskClaim(const Request& r) {
  auto task = deps_.backends->ClaimTask(r.user, r.Path(0));
  if (!task.ok()) return ErrorPage(r, task.status());
  LogInfo("console task claimed", {{"user", r.user.name}, {"case_id", task->case_id()}});
  return Redirect(absl::StrCat("/tasks/", UrlEncode(r.Path(0)), "?claimed=1"));
}

HttpReply ConsoleApp::TaskRelease(const Request& r) {
  auto task = deps_.backends->ReleaseTask(r.user, r.Path(0));
  if (!task.ok()) return ErrorPage(r, task.status());
  return Redirect("/tasks");
}

HttpReply ConsoleApp::TaskReveal(const Request& r) {
  auto revealed = deps_.backends->RevealCredential(r.user, r.Path(0), r.call.Param("reason"));
  if (!revealed.ok()) return ErrorPage(r, revealed.status());
  // The secret is in this answer only: no log line carries it, the page is never cached.
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
  return Page(r, 200, std::string(T(r.lang, "reveal.title")), body);
}

HttpReply ConsoleApp::TaskRecord(const Request& r) {
  hosho::v1::RecordCertificateRequest request;
  request.set_task_id(r.Path(0));
  std::vector<std::pair<std::string, std::string>> errors;
  if (r.call.Param("outcome") == "none") {
    request.set_no_certificate_reason(r.call.Param("no_certificate_reason"));
  } else {
    hosho::v1::CertificateRecord* cert = request.mutable_certificate();
    auto text = [&](const std::string& name, bool required) {
      std::string v = std::string(absl::StripAsciiWhitespace(r.call.Param(name)));
      if (required && v.empty()) errors.emplace_back(name, std::string(T(r.lang, "cert.required")));
      return v;
    };
    auto yen = [&](const std::string& name, bool required) -> int64_t {
      std::string v = absl::StrReplaceAll(text(name, required), {{",", ""}, {"，", ""}, {"円", ""}});
      if (v.empty()) return 0;
      int64_t n = 0;
      if (!absl::SimpleAtoi(v, &n) || n < 0) {
        errors.emplace_back(name, std::string(T(r.lang, "cert.bad_number")));
        return 0;
      }
      return n;
    };
    auto date = [&](const std::string& name, hosho::v1::Date* out) {
      const std::string v = text(name, true);
      if (v.empty()) return;
      auto d = ParseDate(v);
      if (!d.ok()) {
        errors.emplace_back(name, std::string(T(r.lang, "cert.bad_date")));
        return;
      }
      *out = *d;
    };
    cert->set_guarantee_number(text("guarantee_number", true));
    hosho::v1::GuaranteeKind kind{};
    if (!hosho::v1::GuaranteeKind_Parse(r.call.Param("kind"), &kind) || kind == hosho::v1::GUARANTEE_KIND_UNSPECIFIED) {
      errors.emplace_back("kind", std::string(T(r.lang, "cert.required")));
    }
    cert->set_kind(kind);
    hosho::v1::Issuer issuer{};
    if (!hosho::v1::Issuer_Parse(r.call.Param("issuer"), &issuer) || issuer == hosho::v1::ISSUER_UNSPECIFIED) {
      errors.emplace_back("issuer", std::string(T(r.lang, "cert.required")));
    }
    cert->set_issuer(issuer);
    cert->set_beneficiary(text("beneficiary", true));
    cert->set_contractor_name(text("contractor_name", true));
    cert->set_project_name(text("project_name", true));
    cert->set_project_location(text("project_location", false));
    cert->set_contract_price_yen(yen("contract_price_yen", true));
    cert->set_guaranteed_amount_yen(yen("guaranteed_amount_yen", false));
    cert->set_advance_amount_yen(yen("advance_amount_yen", false));
    date("period_start", cert->mutable_period_start());
    date("period_end", cert->mutable_period_end());
    date("issue_date", cert->mutable_issue_date());
  }
  auto current = FindTask(deps_.backends, deps_.cases, r.user, r.Path(0));
  if (!errors.empty()) {
    if (!current.ok()) return ErrorPage(r, current.status());
    return RenderTask(r, *current, Esc(T(r.lang, "cert.invalid")), true, errors);
  }
  auto task = deps_.backends->RecordCertificate(r.user, request);
  if (!task.ok()) {
    if (current.ok() && (absl::IsInvalidArgument(task.status()) || absl::IsFailedPrecondition(task.status()))) {
      std::vector<std::pair<std::string, std::string>> field_errors;
      std::string message;
      for (const FieldViolation& v : ViolationsOf(task.status())) {
        std::string field = v.field;
        if (absl::StartsWith(field, "certificate.")) field = field.substr(12);
        field_errors.emplace_back(field, v.message_ja);
        absl::StrAppend(&message, message.empty() ? "" : "<br>", Esc(v.message_ja), " <code>", Esc(v.code), "</code>");
      }
      return RenderTask(r, *current, message.empty() ? Esc(task.status().message()) : message, true, field_errors);
    }
    return ErrorPage(r, task.status());
  }
  const std::string state = StateName(task->state());
  LogInfo("console certificate recorded", {{"user", r.user.name}, {"case_id", task->case_id()}, {"state", state}});
  const std::string verdict_key =
      state == "RETURNED" ? "verdict.RETURNED"
                          : (state == "VERIFIED" || state == "ROUTED" ? "verdict.VERIFIED" : "verdict.other");
  const std::string body =
      absl::StrCat(R"(<p id="verdict" data-state=")", state, R"(" class=")", state == "RETURNED" ? "bad" : "ok",
                   R"(">)", T(r.lang, verdict_key), "</p>", RuleTable(r.lang, task->rule_results()), "<p>",
                   CaseLink(task->case_id()), R"( · <a href="/tasks">)", T(r.lang, "tasks.title"), "</a></p>");
  return Page(r, 200, std::string(T(r.lang, "verdict.title")), body);
}

}  // namespace hosho
