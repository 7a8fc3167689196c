#include "services/platform_sim/certificate_book.h"

#include "gtest/gtest.h"
#include "services/common/runtime/config.h"

namespace hosho {
namespace {

constexpr char kBook[] = R"yaml(
certificates:
  - platform: d_sure
    guarantee_number: "DS-1"
    authentication_key: "AK-1"
    record: {kind: contract, contractor_name: "建設", contract_price_yen: 10, guaranteed_amount_yen: 1,
             period_start: "2026-12-01", period_end: "2027-03-01", issuer: east_japan_construction_surety}
  - platform: confirmation_system
    viewing_url: "https://confirm.example/v/1"
    viewing_password: "PW-1"
    record: {guarantee_number: "TM-1", kind: contract, issuer: tokio_marine_nichido}
)yaml";

TEST(CertificateBookTest, LooksUpByNumberAndKeyOrByUrlAndPassword) {
  auto book = CertificateBook::FromConfig(*Config::FromYaml(kBook));
  ASSERT_TRUE(book.ok()) << book.status();
  EXPECT_EQ(book->size(), 2u);
  auto dsure = book->LookupDSure("DS-1", "AK-1");
  ASSERT_TRUE(dsure.ok());
  EXPECT_EQ(dsure->guarantee_number(), "DS-1");
  EXPECT_EQ(dsure->period_end().year(), 2027);
  EXPECT_EQ(dsure->issuer(), hosho::v1::ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY);
  auto insurer = book->LookupConfirmationSystem("https://confirm.example/v/1", "PW-1");
  ASSERT_TRUE(insurer.ok());
  EXPECT_EQ(insurer->guarantee_number(), "TM-1");
}

TEST(CertificateBookTest, AWrongKeyAndAnUnknownNumberLookTheSame) {
  auto book = *CertificateBook::FromConfig(*Config::FromYaml(kBook));
  auto wrong_key = book.LookupDSure("DS-1", "AK-2");
  auto unknown = book.LookupDSure("DS-9", "AK-1");
  EXPECT_TRUE(absl::IsNotFound(wrong_key.status()));
  EXPECT_TRUE(absl::IsNotFound(unknown.status()));
  EXPECT_EQ(wrong_key.status().message(), unknown.status().message());
  EXPECT_TRUE(absl::IsNotFound(book.LookupConfirmationSystem("https://confirm.example/v/1", "AK-1").status()));
}

TEST(CertificateBookTest, BadFilesAreRefusedWithTheEntryNamed) {
  auto twice = CertificateBook::FromConfig(*Config::FromYaml(R"yaml(
certificates:
  - {platform: d_sure, guarantee_number: A, authentication_key: K, record: {kind: contract, issuer: bank}}
  - {platform: d_sure, guarantee_number: A, authentication_key: L, record: {kind: contract, issuer: bank}}
)yaml"));
  EXPECT_FALSE(twice.ok());
  EXPECT_NE(twice.status().message().find("#1"), std::string::npos);
  auto no_secret = CertificateBook::FromConfig(*Config::FromYaml(
      "certificates:\n  - {platform: d_sure, guarantee_number: A, record: {kind: contract, issuer: bank}}\n"));
  EXPECT_FALSE(no_secret.ok());
  auto no_kind = CertificateBook::FromConfig(*Config::FromYaml(
      "certificates:\n  - {platform: d_sure, guarantee_number: A, authentication_key: K, record: {issuer: bank}}\n"));
  EXPECT_FALSE(no_kind.ok());
}

}  // namespace
}  // namespace hosho
