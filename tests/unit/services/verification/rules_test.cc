#include "services/verification/rules.h"

#include <cstdio>
#include <functional>

#include "gtest/gtest.h"
#include "services/common/domain/domain_text.h"
#include "services/common/runtime/config.h"

namespace hosho {
namespace {

using hosho::v1::RuleResult;
using Sub = hosho::events::v1::SubmissionReceived;
using Cert = hosho::v1::CertificateRecord;

// A contract guarantee that passes every rule (price 48,000,000円, 1/10 = 4,800,000円).
void ContractGuarantee(Sub& s, Cert& c) {
  auto* k = s.mutable_contract();
  k->set_project_name("市道みなと線舗装補修工事");
  k->set_project_location("港町一丁目");
  k->mutable_contractor()->set_name("株式会社みなと建設");
  k->set_beneficiary("みなと市長");
  k->set_price_yen(48'000'000);
  *k->mutable_period_start() = *ParseDate("2026-12-01");
  *k->mutable_period_end() = *ParseDate("2027-03-19");
  s.set_kind(hosho::v1::GUARANTEE_KIND_CONTRACT);
  c.set_kind(hosho::v1::GUARANTEE_KIND_CONTRACT);
  c.set_beneficiary("みなと市長");
  c.set_contractor_name("株式会社みなと建設");
  c.set_project_name("市道みなと線舗装補修工事");
  c.set_project_location("港町一丁目");
  c.set_guaranteed_amount_yen(4'800'000);
  *c.mutable_period_start() = *ParseDate("2026-12-01");
  *c.mutable_period_end() = *ParseDate("2027-03-19");
}

void Advance(Sub& s, Cert& c) {
  ContractGuarantee(s, c);
  s.set_kind(hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT);
  c.set_kind(hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT);
  c.set_advance_amount_yen(19'200'000);  // 4/10
  s.set_requested_amount_yen(19'200'000);
}

void Intermediate(Sub& s, Cert& c) {
  ContractGuarantee(s, c);
  s.set_kind(hosho::v1::GUARANTEE_KIND_INTERMEDIATE_ADVANCE_PAYMENT);
  c.set_kind(hosho::v1::GUARANTEE_KIND_INTERMEDIATE_ADVANCE_PAYMENT);
  s.mutable_contract()->set_advance_paid_yen(19'200'000);
  s.mutable_contract()->set_intermediate_advance_approved(true);
  c.set_advance_amount_yen(9'600'000);  // 2/10
  s.set_requested_amount_yen(9'600'000);
}

void Amend(Sub& s, int64_t previous, int64_t now) {
  auto* a = s.mutable_contract()->add_amendments();
  a->set_previous_price_yen(previous);
  a->set_price_yen(now);
  s.mutable_contract()->set_price_yen(now);
}

struct Row {
  const char* name;
  std::function<void(Sub&, Cert&, RuleContext&)> setup;
  const char* rule;
  RuleResult::Outcome outcome;
  const char* code;
  const char* message_part;  // the expected and found values, as the message names them
};

TEST(RulesTableTest, EveryRuleAtItsBoundaries) {
  using O = RuleResult;
  const std::vector<Row> rows = {
      // R05: names compare after normalization.
      {"R05 the same contractor written with ㈱ and spaces",
       [](Sub& s, Cert& c, RuleContext&) {
         ContractGuarantee(s, c);
         c.set_contractor_name("㈱ みなと　建設");
       },
       "R05", O::OUTCOME_PASS, "R05_OK", "受注者名が一致しています"},
      {"R05 another contractor",
       [](Sub& s, Cert& c, RuleContext&) {
         ContractGuarantee(s, c);
         c.set_contractor_name("株式会社みなと建設工業");
       },
       "R05", O::OUTCOME_FAIL, "R05_CONTRACTOR_MISMATCH", "契約: 株式会社みなと建設、証書: 株式会社みなと建設工業"},
      {"R05 another city",
       [](Sub& s, Cert& c, RuleContext&) { ContractGuarantee(s, c), c.set_beneficiary("となり市長"); }, "R05",
       O::OUTCOME_FAIL, "R05_BENEFICIARY_MISMATCH", "契約: みなと市長、証書: となり市長"},
      {"R05 full-width digits in the project name",
       [](Sub& s, Cert& c, RuleContext&) {
         ContractGuarantee(s, c);
         s.mutable_contract()->set_project_name("市道1号線舗装工事");
         c.set_project_name("市道１号線舗装工事");
       },
       "R05", O::OUTCOME_PASS, "R05_OK", "工事名が一致しています"},
      {"R05 the wrong purpose",
       [](Sub& s, Cert& c, RuleContext&) {
         ContractGuarantee(s, c);
         c.set_kind(hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT);
       },
       "R05", O::OUTCOME_FAIL, "R05_KIND_MISMATCH", "証書の種類（前払金保証）が提出の種類（契約保証）"},
      // R06: exactly 1/10 passes, one yen below fails; 3/10 for a low bid; rounding up.
      {"R06 exactly 1/10", [](Sub& s, Cert& c, RuleContext&) { ContractGuarantee(s, c); }, "R06", O::OUTCOME_PASS,
       "R06_OK", "保証金額 4,800,000円 は必要額 4,800,000円（請負代金額 48,000,000円 × 1/10、円未満切り上げ）以上です"},
      {"R06 one yen below 1/10",
       [](Sub& s, Cert& c, RuleContext&) { ContractGuarantee(s, c), c.set_guaranteed_amount_yen(4'799'999); }, "R06",
       O::OUTCOME_FAIL, "R06_AMOUNT_TOO_LOW", "保証金額 4,799,999円 が必要額 4,800,000円"},
      {"R06 a low bid needs 3/10",
       [](Sub& s, Cert& c, RuleContext&) { ContractGuarantee(s, c), s.mutable_contract()->set_low_bid(true); }, "R06",
       O::OUTCOME_FAIL, "R06_AMOUNT_TOO_LOW", "必要額 14,400,000円（請負代金額 48,000,000円 × 3/10（低入札）"},
      {"R06 exactly 3/10 for a low bid",
       [](Sub& s, Cert& c, RuleContext&) {
         ContractGuarantee(s, c);
         s.mutable_contract()->set_low_bid(true);
         c.set_guaranteed_amount_yen(14'400'000);
       },
       "R06", O::OUTCOME_PASS, "R06_OK", "14,400,000円"},
      {"R06 rounds the minimum up to the yen",
       [](Sub& s, Cert& c, RuleContext&) {
         ContractGuarantee(s, c);
         s.mutable_contract()->set_price_yen(48'000'005);
         c.set_guaranteed_amount_yen(4'800'000);
       },
       "R06", O::OUTCOME_FAIL, "R06_AMOUNT_TOO_LOW", "必要額 4,800,001円"},
      {"R06 does not apply to an advance", [](Sub& s, Cert& c, RuleContext&) { Advance(s, c); }, "R06", O::OUTCOME_NA,
       "R06_NOT_APPLICABLE", "契約保証ではありません"},
      // R07: the period covers the works, extensions included.
      {"R07 ending the day before completion",
       [](Sub& s, Cert& c, RuleContext&) {
         ContractGuarantee(s, c);
         *c.mutable_period_end() = *ParseDate("2027-03-18");
       },
       "R07", O::OUTCOME_FAIL, "R07_PERIOD_NOT_COVERED",
       "保証期間（2026-12-01〜2027-03-18）が工期（2026-12-01〜2027-03-19）"},
      {"R07 starting a day late",
       [](Sub& s, Cert& c, RuleContext&) {
         ContractGuarantee(s, c);
         *c.mutable_period_start() = *ParseDate("2026-12-02");
       },
       "R07", O::OUTCOME_FAIL, "R07_PERIOD_NOT_COVERED", "を含んでいません"},
      {"R07 an extension not covered",
       [](Sub& s, Cert& c, RuleContext&) {
         ContractGuarantee(s, c);
         auto* a = s.mutable_contract()->add_amendments();
         a->set_price_yen(48'000'000);
         a->set_previous_price_yen(48'000'000);
         *s.mutable_contract()->mutable_period_end() = *ParseDate("2027-05-31");
       },
       "R07", O::OUTCOME_FAIL, "R07_PERIOD_NOT_COVERED",
       "工期（2026-12-01〜2027-05-31）を含んでいません（変更後の工期）"},
      // R08: at most 4/10 (rounded down) and equal to the invoice.
      {"R08 exactly 4/10", [](Sub& s, Cert& c, RuleContext&) { Advance(s, c); }, "R08", O::OUTCOME_PASS, "R08_OK",
       "上限 19,200,000円（請負代金額 48,000,000円 × 4/10、円未満切り捨て）"},
      {"R08 one yen above 4/10",
       [](Sub& s, Cert& c, RuleContext&) {
         Advance(s, c);
         c.set_advance_amount_yen(19'200'001);
         s.set_requested_amount_yen(19'200'001);
       },
       "R08", O::OUTCOME_FAIL, "R08_ADVANCE_TOO_HIGH", "前払金額 19,200,001円 が上限 19,200,000円"},
      {"R08 rounds the maximum down",
       [](Sub& s, Cert& c, RuleContext&) {
         Advance(s, c);
         s.mutable_contract()->set_price_yen(48'000'001);  // × 2/5 = 19,200,000.4
         c.set_advance_amount_yen(19'200'001);
         s.set_requested_amount_yen(19'200'001);
       },
       "R08", O::OUTCOME_FAIL, "R08_ADVANCE_TOO_HIGH", "上限 19,200,000円"},
      {"R08 not the invoiced amount",
       [](Sub& s, Cert& c, RuleContext&) { Advance(s, c), s.set_requested_amount_yen(19'000'000); }, "R08",
       O::OUTCOME_FAIL, "R08_INVOICE_MISMATCH", "前払金額 19,200,000円 が請求額 19,000,000円 と一致しません"},
      // R09: the advance guarantee runs to completion.
      {"R09 ending the day before completion",
       [](Sub& s, Cert& c, RuleContext&) {
         Advance(s, c);
         *c.mutable_period_end() = *ParseDate("2027-03-18");
       },
       "R09", O::OUTCOME_FAIL, "R09_ENDS_BEFORE_COMPLETION",
       "保証期間の終期（2027-03-18）が工事完成の時期（2027-03-19）より前です"},
      {"R09 ending on completion", [](Sub& s, Cert& c, RuleContext&) { Advance(s, c); }, "R09", O::OUTCOME_PASS,
       "R09_OK", "以降です"},
      // R10: intermediate advance.
      {"R10 without a paid advance",
       [](Sub& s, Cert& c, RuleContext&) { Intermediate(s, c), s.mutable_contract()->set_advance_paid_yen(0); }, "R10",
       O::OUTCOME_FAIL, "R10_NO_PRIOR_ADVANCE", "支払済み前払金: 0円"},
      {"R10 without 認定",
       [](Sub& s, Cert& c, RuleContext&) {
         Intermediate(s, c);
         s.mutable_contract()->set_intermediate_advance_approved(false);
       },
       "R10", O::OUTCOME_FAIL, "R10_NOT_APPROVED", "中間前払金の認定を受けていません"},
      {"R10 exactly 2/10", [](Sub& s, Cert& c, RuleContext&) { Intermediate(s, c); }, "R10", O::OUTCOME_PASS, "R10_OK",
       "中間前払金額 9,600,000円 は上限 9,600,000円 以内"},
      {"R10 one yen above 2/10",
       [](Sub& s, Cert& c, RuleContext&) {
         Intermediate(s, c);
         c.set_advance_amount_yen(9'600'001);
         s.set_requested_amount_yen(9'600'001);
       },
       "R10", O::OUTCOME_FAIL, "R10_AMOUNT_TOO_HIGH", "中間前払金額 9,600,001円 が上限 9,600,000円"},
      {"R10 advances above 6/10 together",
       [](Sub& s, Cert& c, RuleContext&) {
         Intermediate(s, c);
         s.mutable_contract()->set_advance_paid_yen(19'200'001);  // + 9,600,000 > 28,800,000
       },
       "R10", O::OUTCOME_FAIL, "R10_TOTAL_TOO_HIGH", "合計 28,800,001円 が上限 28,800,000円"},
      // R11: an increase of an advance before it is paid.
      {"R11 increase not yet paid",
       [](Sub& s, Cert& c, RuleContext&) {
         Advance(s, c);
         s.set_amendment_kind(hosho::v1::AMENDMENT_KIND_INCREASE);
         s.mutable_contract()->set_advance_paid_yen(15'000'000);
       },
       "R11", O::OUTCOME_PASS, "R11_OK", "支払済み 15,000,000円"},
      {"R11 increase already paid",
       [](Sub& s, Cert& c, RuleContext&) {
         Advance(s, c);
         s.set_amendment_kind(hosho::v1::AMENDMENT_KIND_INCREASE);
         s.mutable_contract()->set_advance_paid_yen(19'200'000);
       },
       "R11", O::OUTCOME_FAIL, "R11_INCREASE_ALREADY_PAID", "はすでに支払われています（支払済み 19,200,000円）"},
      {"R11 not an amendment", [](Sub& s, Cert& c, RuleContext&) { Advance(s, c); }, "R11", O::OUTCOME_NA,
       "R11_NOT_APPLICABLE", "増額変更ではありません"},
      // R12: a reduction needs the reduced contract first.
      {"R12 after the price reduction",
       [](Sub& s, Cert& c, RuleContext&) {
         ContractGuarantee(s, c);
         s.set_amendment_kind(hosho::v1::AMENDMENT_KIND_DECREASE);
         Amend(s, 48'000'000, 40'000'000);
       },
       "R12", O::OUTCOME_PASS, "R12_OK", "48,000,000円 → 40,000,000円"},
      {"R12 a reduction the contract does not show",
       [](Sub& s, Cert& c, RuleContext&) {
         ContractGuarantee(s, c);
         s.set_amendment_kind(hosho::v1::AMENDMENT_KIND_DECREASE);
       },
       "R12", O::OUTCOME_FAIL, "R12_NO_PRICE_REDUCTION", "減額変更が登録されていません"},
      // R13: R06 again on the changed price.
      {"R13 an increase of the price needs more guarantee",
       [](Sub& s, Cert& c, RuleContext&) {
         ContractGuarantee(s, c);
         Amend(s, 48'000'000, 50'000'000);
       },
       "R13", O::OUTCOME_FAIL, "R13_AMOUNT_TOO_LOW_AFTER_CHANGE",
       "変更後の請負代金額 50,000,000円 に対し、保証金額 4,800,000円 が必要額 5,000,000円 に足りません"},
      {"R13 a reduction keeps the guarantee enough",
       [](Sub& s, Cert& c, RuleContext&) {
         ContractGuarantee(s, c);
         Amend(s, 48'000'000, 40'000'000);
       },
       "R13", O::OUTCOME_PASS, "R13_OK", "必要額 4,000,000円 以上です"},
      {"R13 no change of price", [](Sub& s, Cert& c, RuleContext&) { ContractGuarantee(s, c); }, "R13", O::OUTCOME_NA,
       "R13_NOT_APPLICABLE", "変更はありません"},
      // R14: duplicates recorded on the case warn.
      {"R14 duplicates received",
       [](Sub& s, Cert& c, RuleContext& ctx) {
         ContractGuarantee(s, c);
         ctx.duplicate_count = 2;
       },
       "R14", O::OUTCOME_WARN, "R14_DUPLICATES_RECEIVED", "重ねて 2 回提出"},
      {"R14 none", [](Sub& s, Cert& c, RuleContext&) { ContractGuarantee(s, c); }, "R14", O::OUTCOME_PASS, "R14_OK",
       "重複した提出はありません"},
  };
  VerificationPolicy policy;
  for (const Row& row : rows) {
    Sub s;
    Cert c;
    RuleContext context;
    row.setup(s, c, context);
    const auto results = ApplyCertificateRules(s, c, policy, context);
    // R05 answers once per item compared: take the answer about the row's item.
    const RuleResult* found = nullptr;
    for (const auto& r : results) {
      if (r.rule() != row.rule) continue;
      if (found == nullptr) found = &r;
      if (r.code() == row.code && r.message_ja().find(row.message_part) != std::string::npos) {
        found = &r;
        break;
      }
      if (r.code() == row.code && found->code() != row.code) found = &r;
    }
    ASSERT_NE(found, nullptr) << row.name;
    EXPECT_EQ(found->outcome(), row.outcome) << row.name << ": " << found->message_ja();
    EXPECT_EQ(found->code(), row.code) << row.name << ": " << found->message_ja();
    EXPECT_NE(found->message_ja().find(row.message_part), std::string::npos) << row.name << ": " << found->message_ja();
    EXPECT_EQ(found->passed(), row.outcome != O::OUTCOME_FAIL) << row.name;
  }
}

TEST(RulesTableTest, EveryRuleAnswersOnceAndAWarningStillVerifies) {
  Sub s;
  Cert c;
  ContractGuarantee(s, c);
  RuleContext context;
  context.duplicate_count = 1;
  const auto results = ApplyCertificateRules(s, c, VerificationPolicy{}, context);
  std::map<std::string, int> count;
  for (const auto& r : results) {
    ++count[r.rule()];
    EXPECT_FALSE(r.code().empty()) << r.rule();
    EXPECT_FALSE(r.message_ja().empty()) << r.rule();
    EXPECT_NE(r.outcome(), RuleResult::OUTCOME_UNSPECIFIED) << r.rule();
  }
  for (const char* rule : {"R06", "R07", "R08", "R09", "R10", "R11", "R12", "R13", "R14"}) {
    EXPECT_EQ(count[rule], 1) << rule;
  }
  EXPECT_EQ(count["R05"], 5) << "kind, 発注者, 受注者, 工事名, 工事場所";
  EXPECT_TRUE(AllPassed(results)) << "R14 warns, it does not return the case";
}

// R05 on the beneficiary is never N_A: a contract without 発注者 is checked against the city's own
// name (deploy/city/offices.yaml), and without either the case is returned, not passed.
RuleResult BeneficiaryAnswer(const std::vector<RuleResult>& results) {
  for (const RuleResult& r : results) {
    if (r.field() == "certificate.beneficiary") return r;
  }
  return RuleResult{};
}

TEST(RulesBeneficiaryTest, AContractWithoutTheOrdererIsCheckedAgainstTheCitysName) {
  Sub s;
  Cert c;
  ContractGuarantee(s, c);
  s.mutable_contract()->clear_beneficiary();
  c.set_beneficiary("某県");
  VerificationPolicy policy;
  policy.city_beneficiary = "みなと市長";
  const auto refused = ApplyCertificateRules(s, c, policy);
  EXPECT_EQ(BeneficiaryAnswer(refused).outcome(), RuleResult::OUTCOME_FAIL);
  EXPECT_EQ(BeneficiaryAnswer(refused).code(), "R05_BENEFICIARY_MISMATCH");
  EXPECT_EQ(BeneficiaryAnswer(refused).expected(), "みなと市長");
  EXPECT_EQ(BeneficiaryAnswer(refused).found(), "某県");
  EXPECT_FALSE(AllPassed(refused));

  c.set_beneficiary("みなと市長");
  const auto passed = ApplyCertificateRules(s, c, policy);
  EXPECT_EQ(BeneficiaryAnswer(passed).code(), "R05_OK");
  EXPECT_TRUE(AllPassed(passed));
}

TEST(RulesBeneficiaryTest, TheContractsOrdererWinsOverTheCitysName) {
  Sub s;
  Cert c;
  ContractGuarantee(s, c);  // the contract names みなと市長
  c.set_beneficiary("みなと市上下水道事業管理者");
  VerificationPolicy policy;
  policy.city_beneficiary = "みなと市上下水道事業管理者";
  EXPECT_EQ(BeneficiaryAnswer(ApplyCertificateRules(s, c, policy)).code(), "R05_BENEFICIARY_MISMATCH");
}

TEST(RulesBeneficiaryTest, NoOrdererAnywhereReturnsTheCaseInsteadOfSkippingTheCheck) {
  Sub s;
  Cert c;
  ContractGuarantee(s, c);
  s.mutable_contract()->clear_beneficiary();
  const auto results = ApplyCertificateRules(s, c, VerificationPolicy{});
  EXPECT_EQ(BeneficiaryAnswer(results).outcome(), RuleResult::OUTCOME_FAIL);
  EXPECT_EQ(BeneficiaryAnswer(results).code(), "R05_BENEFICIARY_UNKNOWN");
  EXPECT_FALSE(AllPassed(results));
}

TEST(RulesBeneficiaryTest, TheServiceNeedsTheCitysNameInItsFile) {
  const std::string dir = ::testing::TempDir();
  auto write = [&](const std::string& name, const std::string& text) {
    const std::string path = dir + "/" + name;
    FILE* f = std::fopen(path.c_str(), "w");
    std::fputs(text.c_str(), f);
    std::fclose(f);
    return path;
  };
  const std::string with = write("city-with.yaml",
                                 "city: {name_ja: みなと市, beneficiary: みなと市長}\n"
                                 "offices:\n  - {code: contract-division, name_ja: 契約課}\n");
  const std::string without = write("city-without.yaml", "offices:\n  - {code: contract-division, name_ja: 契約課}\n");
  auto good = VerificationPolicyWithCity(*Config::FromYaml("city: {offices_file: \"" + with + "\"}\n"));
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_EQ(good->city_beneficiary, "みなと市長");
  auto bad = VerificationPolicyWithCity(*Config::FromYaml("city: {offices_file: \"" + without + "\"}\n"));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("city.beneficiary is missing"), std::string::npos) << bad.status();
  EXPECT_FALSE(VerificationPolicyWithCity(*Config::FromYaml("rules: {}\n")).ok());
}

TEST(RulesBeneficiaryTest, TheRepositorysCityFileNamesTheDemoCity) {
  auto policy = VerificationPolicyWithCity(
      *Config::FromYaml("city: {offices_file: \"" + std::string(HOSHO_SOURCE_DIR) + "/deploy/city/offices.yaml\"}\n"));
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->city_beneficiary, "みなと市長");
}

// A contract changed after the guarantee was checked: the rules that depend on the terms that differ
// from the checked ones run again; a FAIL means an amended guarantee is owed, a PASS or WARN asks nothing.
struct Recheck {
  const char* name;
  std::function<void(Sub&, Cert&)> guarantee;
  std::function<void(hosho::v1::Contract&)> change;
  bool paid;
  std::vector<std::pair<std::string, RuleResult::Outcome>> expected;  // code, outcome; in order
};

TEST(RecheckAfterContractChangeTest, EachChangeRunsTheRulesOfItsTermsAgainstTheCheckedOnes) {
  using O = RuleResult;
  const std::vector<Recheck> cases = {
      {"a price rise the guarantee no longer covers",
       ContractGuarantee,
       [](hosho::v1::Contract& k) { k.set_price_yen(60'000'000); },
       false,
       {{"R13_AMOUNT_TOO_LOW_AFTER_CHANGE", O::OUTCOME_FAIL}}},
      {"a rise of 9 yen: 1/10 of the new price rounds up past 4,800,000",
       ContractGuarantee,
       [](hosho::v1::Contract& k) { k.set_price_yen(48'000'000 + 9); },
       false,
       {{"R13_AMOUNT_TOO_LOW_AFTER_CHANGE", O::OUTCOME_FAIL}}},
      {"a price rise it covers",
       [](Sub& s, Cert& c) {
         ContractGuarantee(s, c);
         c.set_guaranteed_amount_yen(6'000'000);
       },
       [](hosho::v1::Contract& k) { k.set_price_yen(60'000'000); },
       false,
       {{"R13_OK", O::OUTCOME_PASS}}},
      {"a reduction R06 still meets asks nothing (reducing the guarantee is the contractor's choice)",
       ContractGuarantee,
       [](hosho::v1::Contract& k) { k.set_price_yen(40'000'000); },
       false,
       {{"R13_OK", O::OUTCOME_PASS}}},
      {"an extension past the guarantee period",
       ContractGuarantee,
       [](hosho::v1::Contract& k) { k.mutable_period_end()->set_month(6); },
       false,
       {{"R07_PERIOD_NOT_COVERED", O::OUTCOME_FAIL}}},
      {"an extension, then a reduction: the extension's debt is still there",
       ContractGuarantee,
       [](hosho::v1::Contract& k) {
         k.mutable_period_end()->set_month(6);
         k.set_price_yen(40'000'000);
       },
       false,
       {{"R13_OK", O::OUTCOME_PASS}, {"R07_PERIOD_NOT_COVERED", O::OUTCOME_FAIL}}},
      {"an earlier completion still covered",
       ContractGuarantee,
       [](hosho::v1::Contract& k) { k.mutable_period_end()->set_day(10); },
       false,
       {{"R07_OK", O::OUTCOME_PASS}}},
      {"a change of neither price nor period",
       ContractGuarantee,
       [](hosho::v1::Contract& k) { k.mutable_contractor()->set_contact_email("new@example.jp"); },
       false,
       {}},
      {"an unpaid advance after a reduction: over the new 4/10 cap (R12)",
       Advance,
       [](hosho::v1::Contract& k) { k.set_price_yen(40'000'000); },
       false,
       {{"R12_ADVANCE_OVER_REDUCED_CAP", O::OUTCOME_FAIL}}},
      {"a paid advance after a reduction: over the cap too, repaid down and amended",
       Advance,
       [](hosho::v1::Contract& k) { k.set_price_yen(40'000'000); },
       true,
       {{"R12_ADVANCE_OVER_REDUCED_CAP", O::OUTCOME_FAIL}}},
      {"an advance under the cap after a small reduction: still within it",
       [](Sub& s, Cert& c) {
         Advance(s, c);
         c.set_advance_amount_yen(18'000'000);
       },
       [](hosho::v1::Contract& k) { k.set_price_yen(47'000'000); },
       false,
       {{"R12_OK", O::OUTCOME_PASS}}},
      {"an unpaid advance after a rise: raising it needs an amended certificate first",
       Advance,
       [](hosho::v1::Contract& k) { k.set_price_yen(60'000'000); },
       false,
       {{"R11_RAISE_NEEDS_AMENDED_CERTIFICATE", O::OUTCOME_WARN}}},
      {"a paid advance after a rise: nothing",
       Advance,
       [](hosho::v1::Contract& k) { k.set_price_yen(60'000'000); },
       true,
       {}},
      {"an advance after an extension past its guarantee",
       Advance,
       [](hosho::v1::Contract& k) { k.mutable_period_end()->set_month(6); },
       false,
       {{"R09_ENDS_BEFORE_COMPLETION", O::OUTCOME_FAIL}}},
      {"an intermediate advance after a reduction: over the new 2/10 cap",
       Intermediate,
       [](hosho::v1::Contract& k) { k.set_price_yen(40'000'000); },
       false,
       {{"R12_ADVANCE_OVER_REDUCED_CAP", O::OUTCOME_FAIL}}},
  };
  for (const Recheck& c : cases) {
    Sub s;
    Cert cert;
    c.guarantee(s, cert);
    hosho::v1::Contract changed = s.contract();
    changed.set_version(s.contract().version() + 1);
    c.change(changed);
    const std::vector<RuleResult> got =
        RecheckAfterContractChange(cert, s.kind(), s.contract(), changed, VerificationPolicy{}, c.paid);
    std::vector<std::pair<std::string, RuleResult::Outcome>> codes;
    for (const RuleResult& r : got) {
      codes.emplace_back(r.code(), r.outcome());
      EXPECT_FALSE(r.message_ja().empty()) << c.name;
      EXPECT_FALSE(r.expected().empty()) << c.name << " names the expected value";
      EXPECT_FALSE(r.found().empty()) << c.name << " names the found value";
    }
    EXPECT_EQ(codes, c.expected) << c.name;
  }
}

TEST(RatioTest, ExactFractionsAndTheStatedRounding) {
  EXPECT_EQ(Ratio::Parse("1/10")->ToString(), "1/10");
  EXPECT_EQ(Ratio::Parse("0.3")->ToString(), "3/10");
  EXPECT_EQ(Ratio::Parse("0.4")->ToString(), "4/10");
  EXPECT_FALSE(Ratio::Parse("1/0").ok());
  EXPECT_FALSE(Ratio::Parse("abc").ok());
  EXPECT_EQ(AtLeast(48'000'000, {1, 10}), 4'800'000);
  EXPECT_EQ(AtLeast(48'000'001, {1, 10}), 4'800'001) << "rounded up";
  EXPECT_EQ(AtMost(48'000'009, {4, 10}), 19'200'003) << "rounded down";
  EXPECT_EQ(AtLeast(999'999'999'999, {3, 10}), 300'000'000'000) << "no overflow, no binary fractions";
}

}  // namespace
}  // namespace hosho
