#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "services/common/auth.h"
#include "services/console/i18n.h"

namespace hosho {

// Text for an HTML element or a quoted attribute: & < > " ' escaped.
std::string Esc(absl::string_view text);
// A query-string component, percent-encoded.
std::string UrlEncode(absl::string_view text);

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
