#include "services/common/grpc/grpc_precise.h"

#include "gtest/gtest.h"
#include "hosho/v1/intake.pb.h"

namespace hosho {
namespace {

std::string FirstField(const absl::Status& s) {
  auto v = ViolationsOf(s);
  return v.empty() ? "" : v.front().code + " " + v.front().field;
}

TEST(ParseRefusalTest, NamesTheStringFieldWithInvalidUtf8AtAnyDepth) {
  hosho::v1::SubmitGuaranteeRequest r;
  r.set_client_request_id("ok");
  r.mutable_confirmation_system()->set_viewing_url("https://x.example/");
  r.mutable_confirmation_system()->set_viewing_password("\xc3\x28");  // serialized anyway (logged)
  EXPECT_EQ(FirstField(ParseRefusal(r.SerializeAsString(), *hosho::v1::SubmitGuaranteeRequest::descriptor())),
            "TEXT_INVALID_UTF8 confirmation_system.viewing_password");
  hosho::v1::SubmitGuaranteeRequest uploads;
  uploads.add_uploads()->set_filename("a.pdf");
  uploads.add_uploads()->set_filename("\xff");
  EXPECT_EQ(FirstField(ParseRefusal(uploads.SerializeAsString(), *hosho::v1::SubmitGuaranteeRequest::descriptor())),
            "TEXT_INVALID_UTF8 uploads[1].filename");
}

TEST(ParseRefusalTest, BytesThatAreNoMessageAreUnreadable) {
  EXPECT_EQ(FirstField(ParseRefusal("\xff\xff\xff\xff", *hosho::v1::SubmitGuaranteeRequest::descriptor())),
            "REQUEST_UNREADABLE ");
  absl::Status s = ParseRefusal("\xff\xff\xff\xff", *hosho::v1::SubmitGuaranteeRequest::descriptor());
  EXPECT_TRUE(absl::IsInvalidArgument(s));
}

}  // namespace
}  // namespace hosho
