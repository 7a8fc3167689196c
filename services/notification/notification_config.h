#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/mail/outbound.h"
#include "services/common/runtime/config.h"
#include "services/notification/delivery.h"

namespace hosho {

// hosho-notification's defaults.yaml, embedded at build time.
extern const char kNotificationDefaults[];

// Everything hosho-notification reads from its configuration, read once.
struct NotificationConfig {
  std::string templates_file;  // resolved
  std::string offices_file;    // resolved
  absl::Duration poll;         // the outbox and the watch streams look for other replicas' work
  int64_t stream_max_len = 0;
  bool mail_enabled = false;
  SmtpOptions smtp;
  std::vector<WebhookSubscriber> webhooks;
  WebhookOptions webhook_client;
  DispatchOptions dispatch;

  // INVALID_ARGUMENT for a webhook without a name or a url; a missing secret file's error.
  static absl::StatusOr<NotificationConfig> FromConfig(const Config& config);
};

}  // namespace hosho
