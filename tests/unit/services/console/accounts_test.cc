#include "services/console/accounts.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/common/crypto/passwords.h"

namespace hosho {
namespace {

TEST(PasswordsTest, Argon2idHashesVerifyOnlyTheirPassword) {
  auto hash = HashPassword("correct horse");
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u) << *hash;
  EXPECT_TRUE(VerifyPassword(*hash, "correct horse"));
  EXPECT_FALSE(VerifyPassword(*hash, "correct horse "));
  EXPECT_FALSE(VerifyPassword(*hash, ""));
  EXPECT_FALSE(VerifyPassword("$2b$10$notargon", "correct horse"));
  EXPECT_NE(*HashPassword("correct horse"), *hash) << "every hash has its own salt";
  EXPECT_FALSE(HashPassword("").ok());
}

TEST(PasswordsTest, RandomTokensAreUrlSafeAndDistinct) {
  const std::string a = RandomToken();
  EXPECT_EQ(a.size(), 43u);  // 32 bytes, base64url without padding
  EXPECT_EQ(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), std::string::npos);
  EXPECT_NE(a, RandomToken());
}

class AccountBookTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { hash_ = new std::string(*HashPassword("pw-tanaka")); }
  static void TearDownTestSuite() { delete hash_; }
  static std::string* hash_;
};
std::string* AccountBookTest::hash_ = nullptr;

TEST_F(AccountBookTest, SignInChecksThePasswordAndKeepsOfficeAndRole) {
  auto book = AccountBook::FromYaml(absl::StrCat(
      "accounts:\n  - {username: tanaka, display_name: 田中, office: contract-division, role: clerk, password_hash: \"",
      *hash_, "\"}\n  - {username: proxied, office: road-maintenance, role: clerk}\n"));
  ASSERT_TRUE(book.ok()) << book.status();
  auto ok = book->SignIn("tanaka", "pw-tanaka");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->office, "contract-division");
  EXPECT_EQ(PrincipalOf(*ok).role, Role::kClerk);
  EXPECT_EQ(PrincipalOf(*ok).office, "contract-division");
  EXPECT_TRUE(absl::IsUnauthenticated(book->SignIn("tanaka", "wrong").status()));
  EXPECT_TRUE(absl::IsUnauthenticated(book->SignIn("nobody", "pw-tanaka").status()));
  // An account without a hash signs in only through the trusted proxy.
  EXPECT_TRUE(absl::IsUnauthenticated(book->SignIn("proxied", "").status()));
  ASSERT_NE(book->Find("proxied"), nullptr);
}

TEST_F(AccountBookTest, RefusesAccountsThatCannotBeRight) {
  for (const char* yaml : {
           "accounts: [{username: a, role: clerk}]",                                  // clerk without office
           "accounts: [{username: a, role: submitter, office: x}]",                   // not a console role
           "accounts: [{username: \"a;b\", role: operator}]",                         // breaks acting-for
           "accounts: [{username: a, role: operator, password_hash: \"$2b$10$x\"}]",  // not Argon2id
           "accounts: [{username: a, role: operator}, {username: a, role: operator}]",
       }) {
    EXPECT_TRUE(absl::IsInvalidArgument(AccountBook::FromYaml(yaml).status())) << yaml;
  }
}

}  // namespace
}  // namespace hosho
