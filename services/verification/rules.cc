#include "services/verification/rules.h"

#include "absl/strings/str_cat.h"
#include "services/common/config.h"
#include "services/common/domain_text.h"

namespace hosho {
namespace {

using hosho::v1::RuleResult;

RuleResult Pass(const char* rule, const char* field) {
  RuleResult r;
  r.set_rule(rule);
  r.set_passed(true);
  r.set_field(field);
  return r;
}

RuleResult Fail(const char* rule, const char* code, const char* field, std::string message) {
  RuleResult r;
  r.set_rule(rule);
  r.set_passed(false);
  r.set_code(code);
  r.set_field(field);
  r.set_message_ja(std::move(message));
  return r;
}

// price × ratio, rounded up to the yen: the least amount that satisfies "≥ ratio".
int64_t AtLeast(int64_t price, double ratio) {
  const double exact = static_cast<double>(price) * ratio;
  const auto floor = static_cast<int64_t>(exact);
  return static_cast<double>(floor) < exact ? floor + 1 : floor;
}

// price × ratio, rounded down: the most amount that satisfies "≤ ratio".
int64_t AtMost(int64_t price, double ratio) { return static_cast<int64_t>(static_cast<double>(price) * ratio); }

std::string Yen(int64_t v) { return absl::StrCat(v, "円"); }

}  // namespace

VerificationPolicy VerificationPolicyFromConfig(const Config& config) {
  VerificationPolicy p;
  p.contract_guarantee_ratio = config.GetDouble("rules.contract_guarantee_ratio", p.contract_guarantee_ratio);
  p.low_bid_contract_guarantee_ratio =
      config.GetDouble("rules.low_bid_contract_guarantee_ratio", p.low_bid_contract_guarantee_ratio);
  p.advance_max_ratio = config.GetDouble("rules.advance_max_ratio", p.advance_max_ratio);
  p.intermediate_max_ratio = config.GetDouble("rules.intermediate_max_ratio", p.intermediate_max_ratio);
  p.advances_total_max_ratio = config.GetDouble("rules.advances_total_max_ratio", p.advances_total_max_ratio);
  return p;
}

std::vector<RuleResult> ApplyCertificateRules(const hosho::events::v1::SubmissionReceived& submission,
                                              const hosho::v1::CertificateRecord& cert,
                                              const VerificationPolicy& policy) {
  const hosho::v1::Contract& contract = submission.contract();
  const auto kind = submission.kind();
  std::vector<RuleResult> out;

  // R05: the certificate is the one for this city, contractor, project and purpose.
  if (cert.kind() != kind) {
    out.push_back(Fail("R05", "R05_KIND_MISMATCH", "certificate.kind",
                       absl::StrCat("証書の種類（", KindNameJa(cert.kind()), "）が提出の種類（", KindNameJa(kind),
                                    "）と一致しません")));
  } else if (!contract.beneficiary().empty() && cert.beneficiary() != contract.beneficiary()) {
    out.push_back(
        Fail("R05", "R05_BENEFICIARY_MISMATCH", "certificate.beneficiary",
             absl::StrCat("発注者（", cert.beneficiary(), "）が当市（", contract.beneficiary(), "）ではありません")));
  } else if (cert.contractor_name() != contract.contractor().name()) {
    out.push_back(Fail("R05", "R05_CONTRACTOR_MISMATCH", "certificate.contractor_name",
                       absl::StrCat("受注者名（", cert.contractor_name(), "）が契約の受注者（",
                                    contract.contractor().name(), "）と一致しません")));
  } else if (cert.project_name() != contract.project_name()) {
    out.push_back(Fail("R05", "R05_PROJECT_MISMATCH", "certificate.project_name",
                       absl::StrCat("工事名（", cert.project_name(), "）が契約の工事名（", contract.project_name(),
                                    "）と一致しません")));
  } else if (!cert.project_location().empty() && !contract.project_location().empty() &&
             cert.project_location() != contract.project_location()) {
    out.push_back(Fail("R05", "R05_LOCATION_MISMATCH", "certificate.project_location",
                       absl::StrCat("工事場所（", cert.project_location(), "）が契約の工事場所と一致しません")));
  } else {
    out.push_back(Pass("R05", "certificate"));
  }

  const int64_t price = contract.price_yen();
  if (kind == hosho::v1::GUARANTEE_KIND_CONTRACT) {
    // R06 (and R13 on an amended price: the contract carries the current price).
    const double ratio = contract.low_bid() ? policy.low_bid_contract_guarantee_ratio : policy.contract_guarantee_ratio;
    const int64_t least = AtLeast(price, ratio);
    if (cert.guaranteed_amount_yen() < least) {
      out.push_back(
          Fail("R06", "R06_AMOUNT_TOO_LOW", "certificate.guaranteed_amount_yen",
               absl::StrCat("保証金額 ", Yen(cert.guaranteed_amount_yen()), " は請負代金額の",
                            contract.low_bid() ? "10分の3" : "10分の1", "（", Yen(least), "）以上が必要です")));
    } else {
      out.push_back(Pass("R06", "certificate.guaranteed_amount_yen"));
    }
    // R07: the guarantee period covers the construction period (including extensions).
    if (!IsSet(cert.period_start()) || !IsSet(cert.period_end()) ||
        ToCivilDay(cert.period_start()) > ToCivilDay(contract.period_start()) ||
        ToCivilDay(cert.period_end()) < ToCivilDay(contract.period_end())) {
      out.push_back(Fail("R07", "R07_PERIOD_NOT_COVERED", "certificate.period_end",
                         absl::StrCat("保証期間（", FormatDate(cert.period_start()), "〜",
                                      FormatDate(cert.period_end()), "）が工期（", FormatDate(contract.period_start()),
                                      "〜", FormatDate(contract.period_end()), "）を含んでいません")));
    } else {
      out.push_back(Pass("R07", "certificate.period_end"));
    }
  }

  if (kind == hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT) {
    // R08: ≤ 4/10 of the price and equal to the invoice.
    const int64_t most = AtMost(price, policy.advance_max_ratio);
    if (cert.advance_amount_yen() > most) {
      out.push_back(Fail("R08", "R08_ADVANCE_TOO_HIGH", "certificate.advance_amount_yen",
                         absl::StrCat("前払金額 ", Yen(cert.advance_amount_yen()), " は請負代金額の10分の4（",
                                      Yen(most), "）以内でなければなりません")));
    } else if (cert.advance_amount_yen() != submission.requested_amount_yen()) {
      out.push_back(Fail("R08", "R08_INVOICE_MISMATCH", "requested_amount_yen",
                         absl::StrCat("前払金額 ", Yen(cert.advance_amount_yen()), " が請求額 ",
                                      Yen(submission.requested_amount_yen()), " と一致しません")));
    } else {
      out.push_back(Pass("R08", "certificate.advance_amount_yen"));
    }
  }

  if (kind == hosho::v1::GUARANTEE_KIND_INTERMEDIATE_ADVANCE_PAYMENT) {
    // R10: an advance was paid first, the intermediate advance is approved, within limits.
    const int64_t most = AtMost(price, policy.intermediate_max_ratio);
    const int64_t total_most = AtMost(price, policy.advances_total_max_ratio);
    if (contract.advance_paid_yen() <= 0) {
      out.push_back(
          Fail("R10", "R10_NO_PRIOR_ADVANCE", "contract.advance_paid_yen", "中間前払金の前に前払金の支払いが必要です"));
    } else if (!contract.intermediate_advance_approved()) {
      out.push_back(Fail("R10", "R10_NOT_APPROVED", "contract.intermediate_advance_approved",
                         "中間前払金の認定を受けていません"));
    } else if (cert.advance_amount_yen() > most) {
      out.push_back(Fail("R10", "R10_AMOUNT_TOO_HIGH", "certificate.advance_amount_yen",
                         absl::StrCat("中間前払金額は請負代金額の10分の2（", Yen(most), "）以内でなければなりません")));
    } else if (contract.advance_paid_yen() + cert.advance_amount_yen() > total_most) {
      out.push_back(
          Fail("R10", "R10_TOTAL_TOO_HIGH", "certificate.advance_amount_yen",
               absl::StrCat("前払金と中間前払金の合計は請負代金額の10分の6（", Yen(total_most), "）以内です")));
    } else if (cert.advance_amount_yen() != submission.requested_amount_yen()) {
      out.push_back(
          Fail("R10", "R10_INVOICE_MISMATCH", "requested_amount_yen",
               absl::StrCat("中間前払金額が請求額 ", Yen(submission.requested_amount_yen()), " と一致しません")));
    } else {
      out.push_back(Pass("R10", "certificate.advance_amount_yen"));
    }
  }

  if (kind == hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT ||
      kind == hosho::v1::GUARANTEE_KIND_INTERMEDIATE_ADVANCE_PAYMENT) {
    // R09: the guarantee runs at least to the completion date.
    if (!IsSet(cert.period_end()) || ToCivilDay(cert.period_end()) < ToCivilDay(contract.period_end())) {
      out.push_back(Fail("R09", "R09_ENDS_BEFORE_COMPLETION", "certificate.period_end",
                         absl::StrCat("保証期間の終期（", FormatDate(cert.period_end()), "）が工事完成の時期（",
                                      FormatDate(contract.period_end()), "）より前です")));
    } else {
      out.push_back(Pass("R09", "certificate.period_end"));
    }
  }
  return out;
}

bool AllPassed(const std::vector<RuleResult>& results) {
  for (const auto& r : results) {
    if (!r.passed()) return false;
  }
  return true;
}

}  // namespace hosho
