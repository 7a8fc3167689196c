#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "services/common/auth/auth.h"
#include "services/common/http/http_server.h"
#include "services/console/i18n.h"

namespace hosho {

// Text for an HTML element or a quoted attribute: & < > " ' escaped.
std::string Esc(absl::string_view text);
// A query-string component, percent-encoded.
std::string UrlEncode(absl::string_view text);

// The options of a <select>: (value, label), in the order shown.
using Choices = std::vector<std::pair<std::string, std::string>>;

// <input type="hidden">, the value escaped.
std::string Hidden(absl::string_view name, absl::string_view value);
// <select> with `options`, the one whose value is `selected` chosen; `id` when not empty.
std::string Select(absl::string_view name, const Choices& options, absl::string_view selected,
                   absl::string_view id = "");
// A link to the case's page.
std::string CaseLink(const std::string& id);
// "2026-04-01 09:30" in Japan time; "" for an unset time (the epoch, or the infinite past).
std::string FormatJst(absl::Time t);
std::string FormatJst(const google::protobuf::Timestamp& t);

// Security headers on every console answer (CSP 'self' only, no framing, no sniffing, no caching
// of pages that show case data).
void AddSecurityHeaders(HttpReply* reply);
// An HTML answer (without the security headers: the caller adds them).
HttpReply Html(int status, std::string body);
// A 303 to `location` (without the security headers: the caller adds them).
HttpReply Redirect(const std::string& location);

// The frame every console page shares: header with navigation, the user and the language switch.
struct PageFrame {
  Lang lang = Lang::kJa;
  std::string title;
  const Principal* user = nullptr;  // null: signed out (sign-in page)
  std::string user_label;           // "田中 (契約課・職員)"
  std::string csrf;                 // for the sign-out form
  std::string path;                 // the current path, for the language switch to come back to
  std::string flash;                // a message at the top (already escaped HTML)
  bool flash_error = false;
};
std::string RenderPage(const PageFrame& frame, absl::string_view body_html);

// The stylesheet and the live feed's script, served from /static/ (the CSP allows only 'self').
absl::string_view ConsoleCss();
absl::string_view ConsoleJs();

}  // namespace hosho
