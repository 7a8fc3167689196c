// The console's forms and cookies, as a browser (or anyone) sends them, through the console's own
// routes (ConsoleApp::Routes) without a server: the request target and an
// application/x-www-form-urlencoded body are parsed by cpp-httplib's parser, exactly as
// services/common/http/http_server.cc does, then the route handles the call.
//
// Input: line 1 "METHOD TARGET", line 2 the Cookie header, the rest the form body. In a cookie,
// "@SESSION@" stands for a live session's id, and in the body "@CSRF@" for its form token on
// POST /logout, so that signed-in requests are reached at all (random tokens cannot be guessed).
//
// What must hold for every request: no header value carries a line break (header injection); a
// Location is a path of this console (the redirect-target check, SafeLocalPath in request_context.cc,
// reached here through /lang/<code>?back= and the sign-in form's next=);
// markup sent in is never reflected unescaped; every answer carries the security headers.
#include <httplib.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "services/common/http/http_server.h"
#include "services/common/runtime/clock.h"
#include "services/common/store/rate_limiter.h"
#include "services/common/text/text.h"
#include "services/console/accounts.h"
#include "services/console/console_app.h"
#include "services/console/sessions.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_session_store.h"

namespace hosho::fuzz {
namespace {

// Markup the seeds plant in paths, queries, cookies and fields: it must never come back unescaped.
constexpr char kMarker[] = "<x-fuzz";

struct Console {
  Console()
      : clock(FuzzNow()),
        sessions(&clock, SessionPolicy{}),
        accounts(*AccountBook::FromYaml("accounts:\n"
                                        "  - {username: keiyaku, display_name: 契約課 職員, office: contract-division,"
                                        " role: clerk}\n")),
        app(ConsoleDeps{.sessions = &sessions,
                        .accounts = &accounts,
                        .clock = &clock,
                        .signin_limiter = &limiter,
                        .signin_address_limiter = &limiter},
            ConsoleOptions{}) {
    for (HttpRoute& route : app.Routes()) {
      compiled.push_back({route.method, std::regex(route.pattern), route.pattern, std::move(route.handler)});
    }
  }
  struct Route {
    std::string method;
    std::regex pattern;
    std::string text;
    std::function<HttpReply(const HttpCall&)> handler;
  };
  FakeClock clock;
  FakeSessionStore sessions;
  AccountBook accounts;
  // A sign-in with a valid form token stops here (429) instead of waiting out an Argon2id check.
  RefusingLimiter limiter;
  ConsoleApp app;
  std::vector<Route> compiled;
};

// A redirect target a browser would follow to this console only: one absolute path, no scheme or
// host, no "//" or "/\" (another host), nothing a browser strips or rewrites.
bool LocalTarget(absl::string_view location) {
  if (location.empty() || location[0] != '/') return false;
  if (location.size() > 1 && (location[1] == '/' || location[1] == '\\')) return false;
  for (unsigned char c : location) {
    if (c <= 0x20 || c >= 0x7F || c == '\\') return false;
  }
  return true;
}

void CheckReply(const HttpCall& call, const Console::Route& route, const HttpReply& reply) {
  const std::string where = absl::StrCat(call.method, " ", route.text, " → ", reply.status);
  FUZZ_CHECK(
      reply.status == 200 || reply.status == 303 || reply.status == 401 || reply.status == 403 || reply.status == 429,
      where);
  bool csp = false;
  for (const auto& [name, value] : reply.headers) {
    FUZZ_CHECK(value.find_first_of("\r\n", 0) == std::string::npos && value.find('\0') == std::string::npos,
               absl::StrCat(where, ": a line break in ", name));
    csp |= name == "Content-Security-Policy";
    if (name == "Location") FUZZ_CHECK(LocalTarget(value), absl::StrCat(where, ": redirect to ", value));
    if (name == "Location" && absl::StartsWith(route.text, "/lang/")) {
      // SafeLocalPath: the page asked for, or the overview.
      FUZZ_CHECK(value == "/" || value == call.Param("back"), absl::StrCat(where, ": language switch to ", value));
    }
    if (name == "Set-Cookie") FUZZ_CHECK(absl::StartsWith(value, "hosho_"), absl::StrCat(where, ": cookie ", value));
  }
  FUZZ_CHECK(csp, where + ": no security headers");
  FUZZ_CHECK(!absl::StrContains(reply.body, kMarker), where + ": markup reflected unescaped");
}

}  // namespace
}  // namespace hosho::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  hosho::fuzz::QuietLogs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hosho;
  using namespace hosho::fuzz;
  static Console* console = new Console();
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t first = input.find('\n');
  if (first == std::string::npos) return 0;
  const size_t second = input.find('\n', first + 1);
  const std::string request_line = input.substr(0, first);
  std::string cookie = input.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
  std::string body = second == std::string::npos ? "" : input.substr(second + 1);

  const size_t space = request_line.find(' ');
  if (space == std::string::npos) return 0;
  HttpCall call;
  call.method = request_line.substr(0, space);
  if (call.method != "GET" && call.method != "POST") return 0;
  const std::string target = request_line.substr(space + 1);
  // cpp-httplib's server: the path percent-decoded, the query parsed into params (last one wins).
  const size_t q = target.find('?');
  call.path = httplib::detail::decode_url(target.substr(0, q), false);
  // libstdc++'s std::regex recurses per character; cpp-httplib matches only bounded request lines.
  if (call.path.size() > 512) return 0;
  httplib::Params params;
  if (q != std::string::npos) httplib::detail::parse_query_text(target.substr(q + 1), params);

  // A live session, when the cookie names one (created per input, so inputs stay independent).
  ConsoleSession session;
  const bool signed_in = absl::StrContains(cookie, "@SESSION@");
  if (signed_in) {
    Principal clerk = PrincipalOf(*console->accounts.Find("keiyaku"));
    auto created = console->sessions.Create(clerk);
    FUZZ_CHECK(created.ok(), created.status().ToString());
    session = *created;
    cookie = absl::StrReplaceAll(cookie, {{"@SESSION@", session.id}});
  }
  call.headers["cookie"] = cookie;
  call.headers["host"] = "console.city.example";
  call.remote_address = "192.0.2.10";

  const Console::Route* route = nullptr;
  std::smatch match;
  for (const Console::Route& r : console->compiled) {
    if (r.method == call.method && std::regex_match(call.path, match, r.pattern)) {
      route = &r;
      for (size_t i = 1; i < match.size(); ++i) call.path_params.push_back(match[i].str());
      break;
    }
  }
  if (route == nullptr) {
    if (signed_in) (void)console->sessions.Delete(session.id);
    return 0;
  }
  if (signed_in && route->text == "/logout") body = absl::StrReplaceAll(body, {{"@CSRF@", session.csrf}});
  if (call.method == "POST") {
    call.headers["content-type"] = "application/x-www-form-urlencoded";
    httplib::Params form;
    httplib::detail::parse_query_text(body, form);
    for (const auto& [name, value] : form) params.emplace(name, value);  // after the query's: the form wins
    call.body = body;
  }
  for (const auto& [name, value] : params) call.query[name] = value;
  // Signed in, a page would call the case store and the other services, which are not here. Sent are
  // only what needs neither: the routes outside a session (static files, sign-in, language), sign-out,
  // and any other form whose token is not the session's (the CSRF check refuses it before the page).
  const bool outside_session =
      absl::StartsWith(route->text, "/static/") || absl::StartsWith(route->text, "/lang/") || route->text == "/login";
  const bool refused_by_csrf = call.method == "POST" && call.Param("csrf") != session.csrf;
  if (!signed_in || outside_session || route->text == "/logout" || refused_by_csrf) {
    CheckReply(call, *route, route->handler(call));
  }
  if (signed_in) (void)console->sessions.Delete(session.id);
  return 0;
}
