#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace hosho::testing {

// What an HTTP server answered, every header kept (Set-Cookie comes more than once).
struct HttpResult {
  int status = 0;                                   // 0: no answer (refused, or nothing before the timeout)
  std::multimap<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string Header(const std::string& name) const;
  // The value a Set-Cookie gives `name` ("" when none does).
  std::string Cookie(const std::string& name) const;
};

// One HTTP/1.1 exchange with 127.0.0.1:`port` on a fresh connection, the bytes exactly as given (no
// client-side fixing up, so a test can send what a browser never would). Reads until the server
// closes or `timeout` has passed in all (a stream such as the console's feed is cut there).
HttpResult RawHttp(int port, const std::string& method, const std::string& target,
                   const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body = "",
                   absl::Duration timeout = absl::Seconds(30));

// application/x-www-form-urlencoded, every byte but unreserved ones percent-encoded.
std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields);
std::string UrlQuery(const std::string& value);

// Signs in to hosho-console on `port` as a browser would (the sign-in form's token cookie, then the
// form); returns the session cookie ("hosho_session=…"), or "" when the sign-in was refused.
std::string ConsoleSignIn(int port, const std::string& user, const std::string& password);

}  // namespace hosho::testing
