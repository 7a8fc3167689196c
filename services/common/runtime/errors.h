#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace grpc {
class Status;
}

namespace hosho {

// A precise reason for refusing input: the field, a stable machine code
// (e.g. "R02_BANK_NOT_ELIGIBLE") and a message for people in Japanese.
struct FieldViolation {
  std::string field;
  std::string code;
  std::string message_ja;
};

// absl::Status carrying the violations as a google.rpc.BadRequest payload.
absl::Status ViolationStatus(absl::StatusCode code, const std::vector<FieldViolation>& violations);
std::vector<FieldViolation> ViolationsOf(const absl::Status& status);

// gRPC status with google.rpc.Status details: BadRequest (field, "CODE: 日本語"),
// ErrorInfo (reason = first code, domain "hosho") and LocalizedMessage (ja-JP).
grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

// The offset a list's page_token stands for: empty is 0; otherwise only decimal digits (no sign,
// no space), up to 10,000,000. INVALID_ARGUMENT page_token PAGE_TOKEN_INVALID otherwise.
absl::StatusOr<int> PageOffsetFromToken(absl::string_view token);

}  // namespace hosho
