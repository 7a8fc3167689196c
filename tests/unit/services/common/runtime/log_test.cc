#include "services/common/runtime/log.h"

#include <google/protobuf/stubs/logging.h>

#include "gtest/gtest.h"
#include "services/common/text/text.h"

namespace hosho {
namespace {

TEST(LogTest, SecretFieldsAreRedacted) {
  const std::string line = FormatLogLine(LogLevel::kInfo, "submitted",
                                         {{"authentication_key", "AK-SECRET"},
                                          {"viewing_password", "PW-SECRET"},
                                          {"token", "T"},
                                          {"case_id", "HS-1"},
                                          {"key_id", "k1"}});
  EXPECT_EQ(line.find("AK-SECRET"), std::string::npos);
  EXPECT_EQ(line.find("PW-SECRET"), std::string::npos);
  EXPECT_NE(line.find("\"case_id\":\"HS-1\""), std::string::npos);
  EXPECT_NE(line.find("\"key_id\":\"k1\""), std::string::npos);
  EXPECT_NE(line.find("\"authentication_key\":\"[REDACTED]\""), std::string::npos);
}

TEST(LogTest, LinesAreOneJsonObjectWithEscapes) {
  const std::string line = FormatLogLine(LogLevel::kWarn, "a \"quoted\"\nline", {{"n", int64_t{5}}});
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  EXPECT_NE(line.find("\\\"quoted\\\"\\n"), std::string::npos);
  EXPECT_NE(line.find("\"n\":5"), std::string::npos);
  EXPECT_NE(line.find("\"level\":\"warn\""), std::string::npos);
}

// A caller's bytes that are not UTF-8 are repaired in the line (before: copied raw, so the line was
// no longer JSON and a log pipeline dropped it).
TEST(LogTest, InvalidUtf8IsRepairedSoTheLineStaysJson) {
  const std::string line = FormatLogLine(LogLevel::kInfo, "refused \xE5\x9B", {{"contract_id", "K-\xFF\xFE-1"}});
  EXPECT_TRUE(IsValidUtf8(line)) << line;
  EXPECT_NE(line.find("\"contract_id\":\"K-\xEF\xBF\xBD\xEF\xBF\xBD-1\""), std::string::npos) << line;
  EXPECT_NE(line.find("refused \xEF\xBF\xBD"), std::string::npos) << line;
}

// protobuf's own complaints become our JSON lines on stdout, not free text on stderr beside them.
TEST(LogTest, ProtobufsOwnMessagesBecomeJsonLines) {
  InitLogging("log-test", LogLevel::kInfo);
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  GOOGLE_LOG(WARNING) << "String field 'x' contains invalid UTF-8";
  const std::string out = ::testing::internal::GetCapturedStdout();
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(err, "");
  EXPECT_NE(out.find("\"level\":\"warn\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"msg\":\"protobuf\""), std::string::npos) << out;
  EXPECT_NE(out.find("contains invalid UTF-8"), std::string::npos) << out;
  EXPECT_EQ(out.find('\n'), out.size() - 1) << "one line";
}

TEST(LogTest, SecretNamesAreRecognised) {
  for (const char* name : {"authentication_key", "viewing_password", "bearer_token", "authorization", "sasl_password",
                           "client_secret", "credential"}) {
    EXPECT_TRUE(IsSecretFieldName(name)) << name;
  }
  for (const char* name : {"case_id", "key_id", "event_id", "office", "guarantee_number", "key"}) {
    EXPECT_FALSE(IsSecretFieldName(name)) << name;
  }
}

}  // namespace
}  // namespace hosho
