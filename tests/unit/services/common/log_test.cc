#include "services/common/log.h"

#include "gtest/gtest.h"

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
