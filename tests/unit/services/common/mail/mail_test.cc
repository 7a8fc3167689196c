#include "services/common/mail/mail.h"

#include "gtest/gtest.h"
#include "tests/support/fixtures.h"

namespace hosho {
namespace {

std::string Fixture(const std::string& relative) { return testing::SourceFile(relative); }

TEST(MailTest, Iso2022JpSubjectAndBodyAndAPdfAttachment) {
  auto mail = ParseMail(Fixture("deploy/demo/channels/mail-advance.eml"));
  ASSERT_TRUE(mail.ok()) << mail.status();
  EXPECT_EQ(mail->message_id, "demo-advance-0003@shiomi-kogyo.example");
  EXPECT_EQ(mail->subject, "【電子保証】R8-橋梁-0003 潮見橋耐震補強工事");
  EXPECT_EQ(mail->from_address, "keiri@shiomi-kogyo.example");
  ASSERT_EQ(mail->parts.size(), 2u);
  EXPECT_TRUE(mail->parts[0].is_text);
  EXPECT_NE(mail->parts[0].content.find("認証キー：PLANTED-AK-M-6b0e3f9d21"), std::string::npos);
  EXPECT_EQ(mail->parts[1].media_type, "application/pdf");
  EXPECT_EQ(mail->parts[1].filename, "請求書_R8-橋梁-0003.pdf");
  EXPECT_EQ(mail->parts[1].content.substr(0, 5), "%PDF-") << "base64 decoded";
}

TEST(MailTest, Utf8BodyWithAShiftJisTextAttachment) {
  auto mail = ParseMail(Fixture("tests/data/mail/notice-utf8.eml"));
  ASSERT_TRUE(mail.ok());
  ASSERT_EQ(mail->parts.size(), 3u);
  EXPECT_NE(mail->parts[0].content.find("１２，３２０，０００円"), std::string::npos);
  EXPECT_EQ(mail->parts[1].filename, "認証キーのお知らせ.txt");
  EXPECT_TRUE(mail->parts[1].is_text);
  EXPECT_NE(mail->parts[1].content.find("保証契約番号：DS-26-000107"), std::string::npos) << "converted from Shift_JIS";
}

TEST(MailTest, BytesThatAreNotMailYieldNothingToSubmit) {
  auto mail = ParseMail("not a message at all");
  EXPECT_TRUE(!mail.ok() || (mail->subject.empty() && mail->message_id.empty() && mail->from_address.empty()));
}

TEST(MailTest, PlainImapIsOnlyForLoopback) {
  ImapOptions o;
  o.url = "imap://mail.city.example:143/INBOX";
  EXPECT_TRUE(absl::IsInvalidArgument(OpenImapMailbox(o).status()));
  o.url = "imaps://mail.city.example:993/INBOX";
  EXPECT_TRUE(OpenImapMailbox(o).ok());
  o.url = "pop3://x";
  EXPECT_FALSE(OpenImapMailbox(o).ok());
}

}  // namespace
}  // namespace hosho
