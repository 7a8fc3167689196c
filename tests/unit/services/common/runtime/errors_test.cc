#include "services/common/runtime/errors.h"

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
// One page-token rule for every list: digits only (before: "-5" and "+3" were read as offsets).
TEST(ErrorsTest, PageTokensAreDigitsOnly) {
  EXPECT_EQ(*PageOffsetFromToken(""), 0);
  EXPECT_EQ(*PageOffsetFromToken("50"), 50);
  for (const char* bad : {"-5", "+3", " 5", "5 ", "abc", "99999999999", "0x10", "１２"}) {
    auto got = PageOffsetFromToken(bad);
    ASSERT_FALSE(got.ok()) << bad;
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    ASSERT_EQ(ViolationsOf(got.status()).size(), 1u) << bad;
    EXPECT_EQ(ViolationsOf(got.status())[0].field, "page_token");
    EXPECT_EQ(ViolationsOf(got.status())[0].code, "PAGE_TOKEN_INVALID");
  }
}

// A message quoting what a caller sent stays encodable (before: an invalid UTF-8 quote made the
// BadRequest unserialisable and the caller got INTERNAL or no message at all).
TEST(ErrorsTest, ViolationTextIsRepairedToUtf8) {
  const absl::Status status = ViolationStatus(
      absl::StatusCode::kInvalidArgument, {{"contract_number", "R03_CONTRACT_NOT_FOUND", "工事番号 \xE5\x9B の契約"}});
  const auto violations = ViolationsOf(status);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].message_ja, "工事番号 \xEF\xBF\xBD の契約");
  const grpc::Status wire = ToGrpcStatus(status);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(wire.error_details()));
}

}  // namespace hosho
