#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace hosho {

// Outgoing mail and webhooks over libcurl (only this library calls curl for them).
// Errors: UNAVAILABLE for what may pass on a retry (no connection, timeouts, 4xx SMTP replies,
// HTTP 408/429/5xx); FAILED_PRECONDITION for a refusal that will not change (5xx SMTP replies,
// other HTTP 4xx). Messages never include the body or any credential.

struct SmtpOptions {
  // smtp://host:port (STARTTLS when the server offers it; required with require_tls) or smtps://.
  std::string url;
  std::string helo_domain = "hosho.localhost";
  std::string username;  // empty: no AUTH
  std::string password;
  bool require_tls = false;  // refuse to send in the clear (production)
  std::string ca_file;
  absl::Duration timeout = absl::Seconds(20);
};

// A plain-text Japanese message: UTF-8, base64 body, RFC 2047 subject and display names.
struct OutgoingMail {
  std::string from;  // "表示名 <addr>" or "addr"
  std::string to;    // one address
  std::string subject;
  std::string body;
  std::string message_id;                                          // without angle brackets
  std::vector<std::pair<std::string, std::string>> extra_headers;  // ASCII values only
  absl::Time date;
};

// The RFC 5322 bytes of `mail` (exposed for tests).
std::string ComposeMail(const OutgoingMail& mail);
// Sends one mail. `accepted` (when set) runs as soon as the server has answered 250 to the message,
// before the session's QUIT, so that the caller's record follows the acceptance as closely as it can.
absl::Status SendMail(const SmtpOptions& options, const OutgoingMail& mail, const std::function<void()>& accepted = {});

struct WebhookOptions {
  absl::Duration timeout = absl::Seconds(10);
  std::string ca_file;  // https: verify against this CA; system CAs when empty
};
// POSTs `body` (JSON) to `url` with `headers`. http:// is allowed only on loopback.
absl::Status PostWebhook(const WebhookOptions& options, const std::string& url,
                         const std::vector<std::pair<std::string, std::string>>& headers, absl::string_view body);

}  // namespace hosho
