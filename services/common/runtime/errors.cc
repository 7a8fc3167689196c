#include "services/common/runtime/errors.h"

#include <grpcpp/support/status.h>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "services/common/text/text.h"

namespace hosho {
namespace {
constexpr char kBadRequestUrl[] = "type.googleapis.com/google.rpc.BadRequest";

google::rpc::BadRequest ToBadRequest(const std::vector<FieldViolation>& violations) {
  google::rpc::BadRequest bad;
  for (const auto& v : violations) {
    auto* fv = bad.add_field_violations();
    fv->set_field(v.field);
    fv->set_description(absl::StrCat(v.code, ": ", v.message_ja));
  }
  return bad;
}

std::vector<FieldViolation> FromBadRequest(const google::rpc::BadRequest& bad) {
  std::vector<FieldViolation> out;
  for (const auto& fv : bad.field_violations()) {
    std::pair<std::string, std::string> parts = absl::StrSplit(fv.description(), absl::MaxSplits(": ", 1));
    out.push_back({fv.field(), parts.first, parts.second});
  }
  return out;
}
}  // namespace

absl::Status ViolationStatus(absl::StatusCode code, const std::vector<FieldViolation>& given) {
  // A message may quote what the caller sent: repaired to UTF-8 here, so no answer (a protobuf
  // string, a JSON body) ever fails to encode because of it.
  std::vector<FieldViolation> violations = given;
  for (FieldViolation& v : violations) {
    if (!IsValidUtf8(v.field)) v.field = RepairUtf8(v.field);
    if (!IsValidUtf8(v.message_ja)) v.message_ja = RepairUtf8(v.message_ja);
  }
  std::string message;
  for (const auto& v : violations) {
    if (!message.empty()) message += "; ";
    absl::StrAppend(&message, v.code, " (", v.field, "): ", v.message_ja);
  }
  absl::Status status(code, message);
  status.SetPayload(kBadRequestUrl, absl::Cord(ToBadRequest(violations).SerializeAsString()));
  return status;
}

std::vector<FieldViolation> ViolationsOf(const absl::Status& status) {
  auto payload = status.GetPayload(kBadRequestUrl);
  if (!payload) return {};
  google::rpc::BadRequest bad;
  if (!bad.ParseFromString(std::string(*payload))) return {};
  return FromBadRequest(bad);
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(status.code());
  const std::vector<FieldViolation> violations = ViolationsOf(status);
  if (violations.empty()) return grpc::Status(code, std::string(status.message()));
  google::rpc::Status details;
  details.set_code(static_cast<int>(status.code()));
  details.set_message(std::string(status.message()));
  details.add_details()->PackFrom(ToBadRequest(violations));
  google::rpc::ErrorInfo info;
  info.set_reason(violations.front().code);
  info.set_domain("hosho");
  (*info.mutable_metadata())["field"] = violations.front().field;
  details.add_details()->PackFrom(info);
  google::rpc::LocalizedMessage localized;
  localized.set_locale("ja-JP");
  localized.set_message(violations.front().message_ja);
  details.add_details()->PackFrom(localized);
  return grpc::Status(code, std::string(status.message()), details.SerializeAsString());
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  const auto code = static_cast<absl::StatusCode>(status.error_code());
  google::rpc::Status details;
  if (!status.error_details().empty() && details.ParseFromString(status.error_details())) {
    for (const auto& any : details.details()) {
      google::rpc::BadRequest bad;
      if (any.UnpackTo(&bad)) return ViolationStatus(code, FromBadRequest(bad));
    }
  }
  return absl::Status(code, status.error_message());
}

absl::StatusOr<int> PageOffsetFromToken(absl::string_view token) {
  constexpr int kMaxOffset = 10'000'000;
  int offset = 0;
  const bool digits = token.size() <= 8 && token.find_first_not_of("0123456789") == absl::string_view::npos;
  if (token.empty()) return 0;
  if (digits && absl::SimpleAtoi(token, &offset) && offset <= kMaxOffset) return offset;
  return ViolationStatus(absl::StatusCode::kInvalidArgument,
                         {{"page_token", "PAGE_TOKEN_INVALID", "page_token が不正です"}});
}

}  // namespace hosho
