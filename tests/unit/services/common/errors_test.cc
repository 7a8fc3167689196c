#include "services/common/errors.h"

#include <grpcpp/support/status.h>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

namespace hosho {
namespace {

TEST(ErrorsTest, ViolationsTravelAsGoogleRpcDetails) {
  absl::Status status =
      ViolationStatus(absl::StatusCode::kInvalidArgument,
                      {{"issuer_kind", "R02_BANK_NOT_ELIGIBLE", "金融機関の保証は電子保証の対象外です"}});
  grpc::Status wire = ToGrpcStatus(status);
  EXPECT_EQ(wire.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(wire.error_details()));
  bool bad_request = false, error_info = false, localized = false;
  for (const auto& any : details.details()) {
    google::rpc::BadRequest br;
    google::rpc::ErrorInfo info;
    google::rpc::LocalizedMessage lm;
    if (any.UnpackTo(&br)) {
      bad_request = br.field_violations_size() == 1 && br.field_violations(0).field() == "issuer_kind";
    } else if (any.UnpackTo(&info)) {
      error_info = info.reason() == "R02_BANK_NOT_ELIGIBLE" && info.domain() == "hosho";
    } else if (any.UnpackTo(&lm)) {
      localized = lm.locale() == "ja-JP" && lm.message() == "金融機関の保証は電子保証の対象外です";
    }
  }
  EXPECT_TRUE(bad_request);
  EXPECT_TRUE(error_info);
  EXPECT_TRUE(localized);

  absl::Status back = FromGrpcStatus(wire);
  auto violations = ViolationsOf(back);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].code, "R02_BANK_NOT_ELIGIBLE");
  EXPECT_EQ(violations[0].field, "issuer_kind");
  EXPECT_EQ(violations[0].message_ja, "金融機関の保証は電子保証の対象外です");
}

TEST(ErrorsTest, PlainStatusesKeepCodeAndMessage) {
  grpc::Status wire = ToGrpcStatus(absl::UnavailableError("later"));
  EXPECT_EQ(wire.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(wire.error_message(), "later");
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

}  // namespace
}  // namespace hosho
