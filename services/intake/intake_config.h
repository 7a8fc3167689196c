#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/http/http_server.h"
#include "services/common/mail/mail.h"
#include "services/common/runtime/config.h"
#include "services/intake/intake_service.h"
#include "services/intake/scope_rules.h"

namespace hosho {

// hosho-intake's defaults.yaml, embedded at build time.
extern const char kIntakeDefaults[];

// Everything hosho-intake reads from its configuration, read once.
struct IntakeConfig {
  IntakeOptions options;               // intake.send_timeout_ms, idempotency_ttl_hours, verification_sla_hours
  ScopePolicy scope;                   // scope.*, limits.max_attachment_bytes, limits.max_attachments
  std::string blobs_dir;               // blobs.dir, resolved
  int64_t submissions_per_minute = 0;  // limits.submissions_per_minute
  std::string form_mapping_file;       // intake.form_mapping, resolved; empty: the compiled-in mapping
  std::string webhook_secret;          // webhook.secret_file's content; empty (or unreadable): the webhook is off
  HttpServerOptions webhook;           // webhook.listen_host, port, max_body_bytes, tls_cert_file, tls_key_file
  ImapOptions mail;                    // mail.url, username, password_file, ca_file; no url: polling is off
  absl::Duration mail_poll_interval;   // mail.poll_interval_ms

  static absl::StatusOr<IntakeConfig> FromConfig(const Config& config);
};

}  // namespace hosho
