#include "services/intake/mail_intake.h"

#include "gtest/gtest.h"
#include "services/common/mail/mail.h"

namespace hosho {
namespace {

MailPart Text(std::string bytes) {
  MailPart part;
  part.media_type = "text/plain";
  part.is_text = true;
  part.content = std::move(bytes);
  return part;
}

// A text part whose charset label is missing or wrong is read as Japanese mail is written (before:
// a Shift_JIS body without a label was skipped silently and the mail refused as KIND_MISSING).
TEST(MailIntakeTest, AnUnlabelledJapaneseBodyIsDecoded) {
  // 「保証の種類：契約保証」 in Shift_JIS (CP932) and in ISO-2022-JP.
  const std::string sjis = "\x95\xDB\x8F\xD8\x82\xCC\x8E\xED\x97\xDE\x81\x46\x8C\x5F\x96\xF1\x95\xDB\x8F\xD8";
  const std::string jis = "\x1b$BJ]>Z$N<oN`!'7@LsJ]>Z\x1b(B";
  EXPECT_EQ(*MailPartText(Text(sjis)), "保証の種類：契約保証");
  EXPECT_EQ(*MailPartText(Text(jis)), "保証の種類：契約保証");
  EXPECT_EQ(*MailPartText(Text("保証の種類：契約保証")), "保証の種類：契約保証") << "UTF-8 as it is";
}

TEST(MailIntakeTest, ABodyInNoKnownEncodingIsRefusedNotSkipped) {
  EXPECT_FALSE(MailPartText(Text("\xFF\xFE\xFD\xFF\xFF")).ok());
}

}  // namespace
}  // namespace hosho
