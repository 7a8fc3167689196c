#include "services/verification/rules.h"

#include "gtest/gtest.h"
#include "services/common/domain_text.h"

namespace hosho {
namespace {

class RulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto* c = submission_.mutable_contract();
    c->set_project_name("市道みなと線舗装補修工事");
    c->set_project_location("港町一丁目");
    c->mutable_contractor()->set_name("株式会社みなと建設");
    c->set_beneficiary("みなと市長");
    c->set_price_yen(48'000'000);
    *c->mutable_period_start() = *ParseDate("2026-12-01");
    *c->mutable_period_end() = *ParseDate("2027-03-19");
    submission_.set_kind(hosho::v1::GUARANTEE_KIND_CONTRACT);
    cert_.set_kind(hosho::v1::GUARANTEE_KIND_CONTRACT);
    cert_.set_beneficiary("みなと市長");
    cert_.set_contractor_name("株式会社みなと建設");
    cert_.set_project_name("市道みなと線舗装補修工事");
    cert_.set_project_location("港町一丁目");
    cert_.set_guaranteed_amount_yen(4'800'000);
    *cert_.mutable_period_start() = *ParseDate("2026-12-01");
    *cert_.mutable_period_end() = *ParseDate("2027-03-19");
  }
  std::vector<std::string> Failed() {
    std::vector<std::string> codes;
    for (const auto& r : ApplyCertificateRules(submission_, cert_, policy_)) {
      if (!r.passed()) {
        EXPECT_FALSE(r.message_ja().empty());
        codes.push_back(r.code());
      }
    }
    return codes;
  }
  hosho::events::v1::SubmissionReceived submission_;
  hosho::v1::CertificateRecord cert_;
  VerificationPolicy policy_;
};

TEST_F(RulesTest, AGoodContractGuaranteePassesR05R06R07) {
  auto results = ApplyCertificateRules(submission_, cert_, policy_);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].rule(), "R05");
  EXPECT_EQ(results[1].rule(), "R06");
  EXPECT_EQ(results[2].rule(), "R07");
  EXPECT_TRUE(AllPassed(results));
}

TEST_F(RulesTest, R05MismatchesAreCaught) {
  cert_.set_beneficiary("となり市長");
  EXPECT_EQ(Failed(), std::vector<std::string>{"R05_BENEFICIARY_MISMATCH"});
  SetUp();
  cert_.set_contractor_name("別の建設");
  EXPECT_EQ(Failed(), std::vector<std::string>{"R05_CONTRACTOR_MISMATCH"});
  SetUp();
  cert_.set_project_name("別の工事");
  EXPECT_EQ(Failed(), std::vector<std::string>{"R05_PROJECT_MISMATCH"});
  SetUp();
  cert_.set_kind(hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT);
  EXPECT_EQ(Failed().front(), "R05_KIND_MISMATCH");
}

TEST_F(RulesTest, R06OneTenthAndThreeTenthsForLowBids) {
  cert_.set_guaranteed_amount_yen(4'799'999);
  EXPECT_EQ(Failed(), std::vector<std::string>{"R06_AMOUNT_TOO_LOW"});
  cert_.set_guaranteed_amount_yen(4'800'000);
  EXPECT_TRUE(Failed().empty());
  submission_.mutable_contract()->set_low_bid(true);
  EXPECT_EQ(Failed(), std::vector<std::string>{"R06_AMOUNT_TOO_LOW"});
  cert_.set_guaranteed_amount_yen(14'400'000);
  EXPECT_TRUE(Failed().empty());
}

TEST_F(RulesTest, R06RoundsUpForPricesNotDivisibleByTen) {
  submission_.mutable_contract()->set_price_yen(48'000'005);
  cert_.set_guaranteed_amount_yen(4'800'000);
  EXPECT_EQ(Failed(), std::vector<std::string>{"R06_AMOUNT_TOO_LOW"});
  cert_.set_guaranteed_amount_yen(4'800'001);
  EXPECT_TRUE(Failed().empty());
}

TEST_F(RulesTest, R07PeriodMustCoverTheWorks) {
  *cert_.mutable_period_end() = *ParseDate("2027-03-18");
  EXPECT_EQ(Failed(), std::vector<std::string>{"R07_PERIOD_NOT_COVERED"});
  SetUp();
  *cert_.mutable_period_start() = *ParseDate("2026-12-02");
  EXPECT_EQ(Failed(), std::vector<std::string>{"R07_PERIOD_NOT_COVERED"});
}

TEST_F(RulesTest, R08AndR09ForAnAdvance) {
  submission_.set_kind(hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT);
  cert_.set_kind(hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT);
  cert_.set_advance_amount_yen(19'200'000);
  submission_.set_requested_amount_yen(19'200'000);
  EXPECT_TRUE(Failed().empty());
  cert_.set_advance_amount_yen(19'200'001);
  submission_.set_requested_amount_yen(19'200'001);
  EXPECT_EQ(Failed(), std::vector<std::string>{"R08_ADVANCE_TOO_HIGH"});
  cert_.set_advance_amount_yen(10'000'000);
  submission_.set_requested_amount_yen(12'000'000);
  EXPECT_EQ(Failed(), std::vector<std::string>{"R08_INVOICE_MISMATCH"});
  submission_.set_requested_amount_yen(10'000'000);
  *cert_.mutable_period_end() = *ParseDate("2027-03-01");
  EXPECT_EQ(Failed(), std::vector<std::string>{"R09_ENDS_BEFORE_COMPLETION"});
}

TEST_F(RulesTest, R10IntermediateAdvance) {
  submission_.set_kind(hosho::v1::GUARANTEE_KIND_INTERMEDIATE_ADVANCE_PAYMENT);
  cert_.set_kind(hosho::v1::GUARANTEE_KIND_INTERMEDIATE_ADVANCE_PAYMENT);
  cert_.set_advance_amount_yen(9'600'000);
  submission_.set_requested_amount_yen(9'600'000);
  EXPECT_EQ(Failed(), std::vector<std::string>{"R10_NO_PRIOR_ADVANCE"});
  submission_.mutable_contract()->set_advance_paid_yen(19'200'000);
  EXPECT_EQ(Failed(), std::vector<std::string>{"R10_NOT_APPROVED"});
  submission_.mutable_contract()->set_intermediate_advance_approved(true);
  EXPECT_TRUE(Failed().empty());
  cert_.set_advance_amount_yen(9'600'001);
  submission_.set_requested_amount_yen(9'600'001);
  EXPECT_EQ(Failed(), std::vector<std::string>{"R10_AMOUNT_TOO_HIGH"});
}

}  // namespace
}  // namespace hosho
