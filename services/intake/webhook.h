#pragma once

#include <string>

#include "absl/time/time.h"
#include "services/common/auth/auth.h"
#include "services/common/http/http_server.h"
#include "services/common/runtime/clock.h"
#include "services/intake/form_import.h"

namespace hosho {

class IntakeServiceImpl;

// POST /webhooks/form: the city web form posts each answer as JSON (docs/api.md):
//   {"receipt_number": "...", "answers": {"工事番号": "...", ...},
//    "files": [{"label": "請求書", "filename": "...", "content_type": "application/pdf", "data_base64": "..."}]}
// signed with HMAC-SHA-256 over "<timestamp>.<body>" in
//   X-Hosho-Timestamp: <unix seconds>   X-Hosho-Signature: sha256=<hex>
// Idempotent on the receipt number. Answers JSON: 200 {case_id, state, replayed, duplicate}, or
// {error: {code, message_ja, violations: [{field, code, message_ja}]}} with 400/401/404/409/415/422/429/503.
class FormWebhook {
 public:
  FormWebhook(const FormMapping* mapping, IntakeServiceImpl* intake, std::string secret, Clock* clock,
              absl::Duration max_skew = absl::Minutes(5));
  HttpReply Handle(const HttpCall& call);

 private:
  // Maps an answer read from the body and submits it; the JSON answer.
  HttpReply Submit(const FormAnswer& answer, const std::string& traceparent);

  const FormMapping* mapping_;
  IntakeServiceImpl* intake_;
  std::string secret_;
  Clock* clock_;
  absl::Duration max_skew_;
  Principal principal_{"web-form", Role::kIntegration, ""};
};

}  // namespace hosho
