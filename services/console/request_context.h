#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "services/common/auth/auth.h"
#include "services/common/http/http_server.h"
#include "services/console/console_deps.h"
#include "services/console/i18n.h"

namespace hosho {

inline constexpr char kSessionCookie[] = "hosho_session";
inline constexpr char kLangCookie[] = "hosho_lang";
inline constexpr char kSignInCookie[] = "hosho_signin";  // double-submit token of the sign-in form

// One call to the console as its page sees it: who asks, in which language, with which form token.
struct RequestContext {
  const HttpCall& call;
  Lang lang = Lang::kJa;
  Principal user = {};  // no name: nobody is signed in
  std::string csrf = {};
  // Set-Cookie values for the page's answer (a session opened for a user a trusted proxy named).
  std::vector<std::string> set_cookies = {};

  // The i-th group the route's pattern captured ("" when there is none).
  std::string Path(size_t i) const { return i < call.path_params.size() ? call.path_params[i] : ""; }
};

// Why the request layer ends a call before its page runs.
enum class Refusal {
  kNone,
  kUnavailable,     // the session store did not answer
  kUnknownUser,     // a trusted proxy named a user the accounts file does not hold
  kStaleForm,       // a form without its session's token, or sent from another origin
  kSignInRequired,  // nobody is signed in
};

// What the request layer made of a call. A refused call keeps what was learnt before the refusal
// (the language, and the user whose form was refused), so that the refusal page can say it.
struct ResolvedRequest {
  RequestContext context;
  Refusal refusal = Refusal::kNone;
};

// A call's context before anyone is known: only its language (the language cookie).
RequestContext GuestRequest(const HttpCall& call);

// The request layer in front of every signed-in page: the user from the session cookie or, from a
// trusted proxy's address, from the proxy's header (office and role always from the accounts file);
// for a POST, the session's form token and a same-origin Origin.
ResolvedRequest ResolveRequest(const HttpCall& call, const ConsoleDeps& deps, const ConsoleOptions& options);

// The value of cookie `name` in the call's Cookie header ("" when absent).
std::string CookieValue(const HttpCall& call, absl::string_view name);
// A Set-Cookie value: HttpOnly, SameSite=Strict, Secure when `secure`, then `extra` (e.g. "; Max-Age=0").
std::string Cookie(absl::string_view name, absl::string_view value, bool secure, absl::string_view extra = "");
// Equal and not empty, compared in constant time.
bool SameToken(absl::string_view a, absl::string_view b);

// Where the language switch and sign-in may send a browser back to: `target` when it is one of the
// console's own pages with a plain query, "/" otherwise.
std::string SafeLocalPath(absl::string_view target);
// The call's path and its query (sorted, encoded): where sign-in brings the browser back to.
std::string ReturnPath(const HttpCall& call);

}  // namespace hosho
