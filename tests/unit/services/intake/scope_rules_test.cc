#include "services/intake/scope_rules.h"

#include "gtest/gtest.h"
#include "services/common/domain_text.h"

namespace hosho {
namespace {

using hosho::v1::SubmitGuaranteeRequest;

class ScopeRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    policy_.insurer_route_opens = *ParseDate("2026-04-01");
    contract_.set_contract_id("K-1");
    contract_.set_ordering_office("contract-division");
    contract_.set_department_in_charge("road-maintenance");
    contract_.set_work_category(hosho::v1::WORK_CATEGORY_CONSTRUCTION);
    today_ = *ParseDate("2026-11-26");
  }
  SubmitGuaranteeRequest Surety() {
    SubmitGuaranteeRequest r;
    r.set_client_request_id("r-1");
    r.set_contract_id("K-1");
    r.set_kind(hosho::v1::GUARANTEE_KIND_CONTRACT);
    r.set_issuer_kind(hosho::v1::ISSUER_KIND_SURETY_COMPANY);
    r.set_issuer(hosho::v1::ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY);
    r.mutable_d_sure()->set_guarantee_number("DS-1");
    r.mutable_d_sure()->set_authentication_key("AK-1");
    return r;
  }
  SubmitGuaranteeRequest Insurer() {
    SubmitGuaranteeRequest r = Surety();
    r.set_issuer_kind(hosho::v1::ISSUER_KIND_INSURER);
    r.set_issuer(hosho::v1::ISSUER_TOKIO_MARINE_NICHIDO);
    r.mutable_confirmation_system()->set_viewing_url("https://confirm.example/v/1");
    r.mutable_confirmation_system()->set_viewing_password("PW");
    return r;
  }
  std::vector<std::string> Codes(const SubmitGuaranteeRequest& r, const hosho::v1::Contract* c) {
    std::vector<std::string> out;
    for (const auto& v : CheckSubmission(r, c, policy_, today_)) {
      EXPECT_FALSE(v.message_ja.empty()) << v.code;
      EXPECT_FALSE(v.field.empty()) << v.code;
      out.push_back(v.code);
    }
    return out;
  }

  ScopePolicy policy_;
  hosho::v1::Contract contract_;
  hosho::v1::Date today_;
};

TEST_F(ScopeRulesTest, FlowsAAndCAndBAreAdmitted) {
  EXPECT_TRUE(Codes(Surety(), &contract_).empty());
  EXPECT_TRUE(Codes(Insurer(), &contract_).empty());
  auto advance = Surety();
  advance.set_kind(hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT);
  EXPECT_TRUE(Codes(advance, &contract_).empty());
}

TEST_F(ScopeRulesTest, R01IncompleteCredentials) {
  auto r = Surety();
  r.mutable_d_sure()->clear_authentication_key();
  EXPECT_EQ(Codes(r, &contract_), std::vector<std::string>{"R01_AUTHENTICATION_KEY_MISSING"});
  r = Surety();
  r.mutable_d_sure()->clear_guarantee_number();
  EXPECT_EQ(Codes(r, &contract_), std::vector<std::string>{"R01_GUARANTEE_NUMBER_MISSING"});
  r = Surety();
  r.clear_d_sure();
  EXPECT_EQ(Codes(r, &contract_), std::vector<std::string>{"R01_CREDENTIAL_MISSING"});
  r = Insurer();
  r.mutable_confirmation_system()->clear_viewing_password();
  EXPECT_EQ(Codes(r, &contract_), std::vector<std::string>{"R01_VIEWING_PASSWORD_MISSING"});
  r = Insurer();
  r.mutable_confirmation_system()->set_viewing_url("http://insecure.example/");
  EXPECT_EQ(Codes(r, &contract_), std::vector<std::string>{"R01_VIEWING_URL_INVALID"});
}

TEST_F(ScopeRulesTest, R01CredentialMustMatchTheIssuersPlatform) {
  auto r = Insurer();
  r.mutable_d_sure()->set_guarantee_number("DS-1");
  r.mutable_d_sure()->set_authentication_key("AK");
  EXPECT_EQ(Codes(r, &contract_), std::vector<std::string>{"R01_PLATFORM_MISMATCH"});
}

TEST_F(ScopeRulesTest, R02Eligibility) {
  auto bank = Surety();
  bank.set_issuer_kind(hosho::v1::ISSUER_KIND_BANK);
  bank.set_issuer(hosho::v1::ISSUER_BANK);
  EXPECT_EQ(Codes(bank, &contract_), std::vector<std::string>{"R02_BANK_NOT_ELIGIBLE"});
  auto insurer_advance = Insurer();
  insurer_advance.set_kind(hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT);
  EXPECT_EQ(Codes(insurer_advance, &contract_), std::vector<std::string>{"R02_INSURER_CONTRACT_ONLY"});
  auto unlisted = Surety();
  unlisted.set_issuer(hosho::v1::ISSUER_OTHER);
  EXPECT_EQ(Codes(unlisted, &contract_), std::vector<std::string>{"R02_ISSUER_NOT_LISTED"});
  auto insurer_as_surety = Surety();
  insurer_as_surety.set_issuer(hosho::v1::ISSUER_SOMPO_JAPAN);
  EXPECT_EQ(Codes(insurer_as_surety, &contract_), std::vector<std::string>{"R02_ISSUER_NOT_LISTED"});
}

TEST_F(ScopeRulesTest, R03ContractScopeAndRouteDate) {
  EXPECT_EQ(Codes(Surety(), nullptr), std::vector<std::string>{"R03_CONTRACT_NOT_FOUND"});
  auto other = contract_;
  other.set_ordering_office("general-affairs");
  EXPECT_EQ(Codes(Surety(), &other), std::vector<std::string>{"R03_OFFICE_OUT_OF_SCOPE"});
  other = contract_;
  other.set_work_category(hosho::v1::WORK_CATEGORY_GOODS);
  EXPECT_EQ(Codes(Surety(), &other), std::vector<std::string>{"R03_WORK_CATEGORY_OUT_OF_SCOPE"});
  today_ = *ParseDate("2026-03-31");
  EXPECT_EQ(Codes(Insurer(), &contract_), std::vector<std::string>{"R03_ROUTE_NOT_OPEN"});
  today_ = *ParseDate("2026-04-01");
  EXPECT_TRUE(Codes(Insurer(), &contract_).empty());
}

TEST_F(ScopeRulesTest, CodesMapToPreciseGrpcStatuses) {
  EXPECT_EQ(CodeFor({{"contract_id", "R03_CONTRACT_NOT_FOUND", "x"}}), absl::StatusCode::kNotFound);
  EXPECT_EQ(CodeFor({{"contract_id", "R03_OFFICE_OUT_OF_SCOPE", "x"}}), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CodeFor({{"issuer_kind", "R02_BANK_NOT_ELIGIBLE", "x"}}), absl::StatusCode::kInvalidArgument);
}

TEST_F(ScopeRulesTest, RequestIdIsRequired) {
  auto r = Surety();
  r.clear_client_request_id();
  EXPECT_EQ(Codes(r, &contract_), std::vector<std::string>{"REQUEST_ID_INVALID"});
}

}  // namespace
}  // namespace hosho
