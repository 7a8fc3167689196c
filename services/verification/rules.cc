#include "services/verification/rules.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/domain/domain_text.h"
#include "services/common/domain/offices.h"
#include "services/common/runtime/config.h"
#include "services/common/text/text.h"

namespace hosho {
namespace {

using hosho::v1::RuleResult;

struct Answer {
  const char* rule;
  RuleResult::Outcome outcome;
  std::string code;
  const char* field;
  std::string message;
  std::string expected;
  std::string found;
};

RuleResult Make(Answer a) {
  RuleResult r;
  r.set_rule(a.rule);
  r.set_outcome(a.outcome);
  r.set_passed(a.outcome != RuleResult::OUTCOME_FAIL);
  r.set_code(std::move(a.code));
  r.set_field(a.field);
  r.set_message_ja(std::move(a.message));
  r.set_expected(std::move(a.expected));
  r.set_found(std::move(a.found));
  return r;
}

RuleResult NotApplicable(const char* rule, absl::string_view why) {
  return Make({rule, RuleResult::OUTCOME_NA, absl::StrCat(rule, "_NOT_APPLICABLE"), "", std::string(why), "", ""});
}

bool IsAdvance(hosho::v1::GuaranteeKind kind) {
  return kind == hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT ||
         kind == hosho::v1::GUARANTEE_KIND_INTERMEDIATE_ADVANCE_PAYMENT;
}

std::string Period(const hosho::v1::Date& from, const hosho::v1::Date& to) {
  return absl::StrCat(FormatDate(from), "〜", FormatDate(to));
}

// One R05 comparison: PASS when equal after normalization.
RuleResult Same(const char* code, const char* field, const char* label, const std::string& expected,
                const std::string& found, bool company) {
  if (SameStatedName(expected, found, company)) {
    return Make({"R05", RuleResult::OUTCOME_PASS, "R05_OK", field,
                 absl::StrCat(label, "が一致しています（", found, "）"), expected, found});
  }
  return Make(
      {"R05", RuleResult::OUTCOME_FAIL, code, field,
       absl::StrCat(label, "が一致しません（契約: ", expected, "、証書: ", found.empty() ? "記載なし" : found, "）"),
       expected, found});
}

// What every certificate rule reads.
struct CertificateCheck {
  const hosho::events::v1::SubmissionReceived& submission;
  const hosho::v1::CertificateRecord& cert;
  const VerificationPolicy& policy;
  const RuleContext& context;
};

// One rule: appends its results (one each, R05 one per item compared).
using CertificateRule = void (*)(const CertificateCheck& check, std::vector<RuleResult>* results);

void CheckR05(const CertificateCheck& check, std::vector<RuleResult>* results) {
  const hosho::v1::Contract& contract = check.submission.contract();
  const auto kind = check.submission.kind();
  const hosho::v1::CertificateRecord& cert = check.cert;
  const VerificationPolicy& policy = check.policy;
  std::vector<RuleResult>& out = *results;
  // R05: the certificate is the one for this purpose, city, contractor and project.
  if (cert.kind() != kind) {
    out.push_back(Make({"R05", RuleResult::OUTCOME_FAIL, "R05_KIND_MISMATCH", "certificate.kind",
                        absl::StrCat("証書の種類（", KindNameJa(cert.kind()), "）が提出の種類（", KindNameJa(kind),
                                     "）と一致しません"),
                        KindNameJa(kind), KindNameJa(cert.kind())}));
  } else {
    out.push_back(Make({"R05", RuleResult::OUTCOME_PASS, "R05_OK", "certificate.kind",
                        absl::StrCat("保証の種類が一致しています（", KindNameJa(kind), "）"), KindNameJa(kind),
                        KindNameJa(cert.kind())}));
  }
  // Never N_A: a contract registered without 発注者 is checked against the city's own name.
  const std::string& beneficiary = contract.beneficiary().empty() ? policy.city_beneficiary : contract.beneficiary();
  if (beneficiary.empty()) {
    out.push_back(Make({"R05", RuleResult::OUTCOME_FAIL, "R05_BENEFICIARY_UNKNOWN", "certificate.beneficiary",
                        "発注者が契約にも市の設定にもないため、証書の発注者を確認できません", "", cert.beneficiary()}));
  } else {
    out.push_back(
        Same("R05_BENEFICIARY_MISMATCH", "certificate.beneficiary", "発注者", beneficiary, cert.beneficiary(), false));
  }
  out.push_back(Same("R05_CONTRACTOR_MISMATCH", "certificate.contractor_name", "受注者名", contract.contractor().name(),
                     cert.contractor_name(), true));
  out.push_back(Same("R05_PROJECT_MISMATCH", "certificate.project_name", "工事名", contract.project_name(),
                     cert.project_name(), false));
  if (!cert.project_location().empty() && !contract.project_location().empty()) {
    out.push_back(Same("R05_LOCATION_MISMATCH", "certificate.project_location", "工事場所", contract.project_location(),
                       cert.project_location(), false));
  }
}

void CheckR06(const CertificateCheck& check, std::vector<RuleResult>* results) {
  const hosho::v1::Contract& contract = check.submission.contract();
  const auto kind = check.submission.kind();
  const int64_t price = check.submission.contract().price_yen();
  const hosho::v1::CertificateRecord& cert = check.cert;
  const VerificationPolicy& policy = check.policy;
  std::vector<RuleResult>& out = *results;
  // R06 (契約保証): at least n/d of the current price (rounded up to the yen).
  if (kind == hosho::v1::GUARANTEE_KIND_CONTRACT) {
    const Ratio ratio = contract.low_bid() ? policy.low_bid_contract_guarantee : policy.contract_guarantee;
    const int64_t least = AtLeast(price, ratio);
    const std::string basis = absl::StrCat("請負代金額 ", FormatYen(price), " × ", ratio.ToString(),
                                           contract.low_bid() ? "（低入札）" : "", "、円未満切り上げ");
    const std::string expected = absl::StrCat("≥ ", FormatYen(least));
    if (cert.guaranteed_amount_yen() < least) {
      out.push_back(Make({"R06", RuleResult::OUTCOME_FAIL, "R06_AMOUNT_TOO_LOW", "certificate.guaranteed_amount_yen",
                          absl::StrCat("保証金額 ", FormatYen(cert.guaranteed_amount_yen()), " が必要額 ",
                                       FormatYen(least), "（", basis, "）に足りません"),
                          expected, FormatYen(cert.guaranteed_amount_yen())}));
    } else {
      out.push_back(Make({"R06", RuleResult::OUTCOME_PASS, "R06_OK", "certificate.guaranteed_amount_yen",
                          absl::StrCat("保証金額 ", FormatYen(cert.guaranteed_amount_yen()), " は必要額 ",
                                       FormatYen(least), "（", basis, "）以上です"),
                          expected, FormatYen(cert.guaranteed_amount_yen())}));
    }
  } else {
    out.push_back(NotApplicable("R06", "契約保証ではありません"));
  }
}

void CheckR07(const CertificateCheck& check, std::vector<RuleResult>* results) {
  const hosho::v1::Contract& contract = check.submission.contract();
  const auto kind = check.submission.kind();
  const hosho::v1::CertificateRecord& cert = check.cert;
  std::vector<RuleResult>& out = *results;
  if (kind != hosho::v1::GUARANTEE_KIND_CONTRACT) {
    out.push_back(NotApplicable("R07", "契約保証ではありません"));
    return;
  }
  // R07: the guarantee period covers the construction period, extensions included.
  const bool covers = IsSet(cert.period_start()) && IsSet(cert.period_end()) &&
                      ToCivilDay(cert.period_start()) <= ToCivilDay(contract.period_start()) &&
                      ToCivilDay(cert.period_end()) >= ToCivilDay(contract.period_end());
  out.push_back(
      Make({"R07", covers ? RuleResult::OUTCOME_PASS : RuleResult::OUTCOME_FAIL,
            covers ? "R07_OK" : "R07_PERIOD_NOT_COVERED", "certificate.period_end",
            absl::StrCat("保証期間（", Period(cert.period_start(), cert.period_end()), "）", covers ? "は" : "が",
                         "工期（", Period(contract.period_start(), contract.period_end()), "）",
                         covers ? "を含んでいます" : "を含んでいません",
                         contract.amendments_size() > 0 ? "（変更後の工期）" : ""),
            Period(contract.period_start(), contract.period_end()), Period(cert.period_start(), cert.period_end())}));
}

void CheckR08(const CertificateCheck& check, std::vector<RuleResult>* results) {
  const auto kind = check.submission.kind();
  const int64_t price = check.submission.contract().price_yen();
  const hosho::v1::CertificateRecord& cert = check.cert;
  const hosho::events::v1::SubmissionReceived& submission = check.submission;
  const VerificationPolicy& policy = check.policy;
  std::vector<RuleResult>& out = *results;
  // R08 (前払金): at most n/d of the price (rounded down) and equal to the invoice.
  if (kind == hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT) {
    const int64_t most = AtMost(price, policy.advance_max);
    const std::string basis =
        absl::StrCat("請負代金額 ", FormatYen(price), " × ", policy.advance_max.ToString(), "、円未満切り捨て");
    if (cert.advance_amount_yen() > most) {
      out.push_back(Make({"R08", RuleResult::OUTCOME_FAIL, "R08_ADVANCE_TOO_HIGH", "certificate.advance_amount_yen",
                          absl::StrCat("前払金額 ", FormatYen(cert.advance_amount_yen()), " が上限 ", FormatYen(most),
                                       "（", basis, "）を超えています"),
                          absl::StrCat("≤ ", FormatYen(most)), FormatYen(cert.advance_amount_yen())}));
    } else if (cert.advance_amount_yen() != submission.requested_amount_yen()) {
      out.push_back(Make({"R08", RuleResult::OUTCOME_FAIL, "R08_INVOICE_MISMATCH", "requested_amount_yen",
                          absl::StrCat("前払金額 ", FormatYen(cert.advance_amount_yen()), " が請求額 ",
                                       FormatYen(submission.requested_amount_yen()), " と一致しません"),
                          FormatYen(submission.requested_amount_yen()), FormatYen(cert.advance_amount_yen())}));
    } else {
      out.push_back(Make({"R08", RuleResult::OUTCOME_PASS, "R08_OK", "certificate.advance_amount_yen",
                          absl::StrCat("前払金額 ", FormatYen(cert.advance_amount_yen()), " は上限 ", FormatYen(most),
                                       "（", basis, "）以内で、請求額と一致しています"),
                          absl::StrCat("≤ ", FormatYen(most), "、= 請求額"), FormatYen(cert.advance_amount_yen())}));
    }
  } else {
    out.push_back(NotApplicable("R08", "前払金保証ではありません"));
  }
}

void CheckR09(const CertificateCheck& check, std::vector<RuleResult>* results) {
  const hosho::v1::Contract& contract = check.submission.contract();
  const auto kind = check.submission.kind();
  const hosho::v1::CertificateRecord& cert = check.cert;
  std::vector<RuleResult>& out = *results;
  // R09 (前払金・中間前払金): the guarantee runs at least to the completion date.
  if (IsAdvance(kind)) {
    const bool ok = IsSet(cert.period_end()) && ToCivilDay(cert.period_end()) >= ToCivilDay(contract.period_end());
    out.push_back(
        Make({"R09", ok ? RuleResult::OUTCOME_PASS : RuleResult::OUTCOME_FAIL,
              ok ? "R09_OK" : "R09_ENDS_BEFORE_COMPLETION", "certificate.period_end",
              absl::StrCat("保証期間の終期（", FormatDate(cert.period_end()), "）", ok ? "は" : "が",
                           "工事完成の時期（", FormatDate(contract.period_end()), "）", ok ? "以降です" : "より前です"),
              absl::StrCat("≥ ", FormatDate(contract.period_end())), FormatDate(cert.period_end())}));
  } else {
    out.push_back(NotApplicable("R09", "前払金保証ではありません"));
  }
}

void CheckR10(const CertificateCheck& check, std::vector<RuleResult>* results) {
  const hosho::v1::Contract& contract = check.submission.contract();
  const auto kind = check.submission.kind();
  const int64_t price = check.submission.contract().price_yen();
  const hosho::v1::CertificateRecord& cert = check.cert;
  const hosho::events::v1::SubmissionReceived& submission = check.submission;
  const VerificationPolicy& policy = check.policy;
  std::vector<RuleResult>& out = *results;
  // R10 (中間前払金): a paid advance, the 認定, at most 2/10, advances in total at most 6/10.
  if (kind == hosho::v1::GUARANTEE_KIND_INTERMEDIATE_ADVANCE_PAYMENT) {
    const int64_t most = AtMost(price, policy.intermediate_max);
    const int64_t total_most = AtMost(price, policy.advances_total_max);
    const int64_t total = contract.advance_paid_yen() + cert.advance_amount_yen();
    if (contract.advance_paid_yen() <= 0) {
      out.push_back(Make({"R10", RuleResult::OUTCOME_FAIL, "R10_NO_PRIOR_ADVANCE", "contract.advance_paid_yen",
                          "中間前払金の前に前払金の支払いが必要です（支払済み前払金: 0円）", "> 0円", "0円"}));
    } else if (!contract.intermediate_advance_approved()) {
      out.push_back(Make({"R10", RuleResult::OUTCOME_FAIL, "R10_NOT_APPROVED", "contract.intermediate_advance_approved",
                          "中間前払金の認定を受けていません", "認定あり", "認定なし"}));
    } else if (cert.advance_amount_yen() > most) {
      out.push_back(
          Make({"R10", RuleResult::OUTCOME_FAIL, "R10_AMOUNT_TOO_HIGH", "certificate.advance_amount_yen",
                absl::StrCat("中間前払金額 ", FormatYen(cert.advance_amount_yen()), " が上限 ", FormatYen(most),
                             "（請負代金額 × ", policy.intermediate_max.ToString(), "、円未満切り捨て）を超えています"),
                absl::StrCat("≤ ", FormatYen(most)), FormatYen(cert.advance_amount_yen())}));
    } else if (total > total_most) {
      out.push_back(Make({"R10", RuleResult::OUTCOME_FAIL, "R10_TOTAL_TOO_HIGH", "certificate.advance_amount_yen",
                          absl::StrCat("前払金 ", FormatYen(contract.advance_paid_yen()), " と中間前払金 ",
                                       FormatYen(cert.advance_amount_yen()), " の合計 ", FormatYen(total), " が上限 ",
                                       FormatYen(total_most), "（請負代金額 × ", policy.advances_total_max.ToString(),
                                       "）を超えています"),
                          absl::StrCat("≤ ", FormatYen(total_most)), FormatYen(total)}));
    } else if (cert.advance_amount_yen() != submission.requested_amount_yen()) {
      out.push_back(Make({"R10", RuleResult::OUTCOME_FAIL, "R10_INVOICE_MISMATCH", "requested_amount_yen",
                          absl::StrCat("中間前払金額 ", FormatYen(cert.advance_amount_yen()), " が請求額 ",
                                       FormatYen(submission.requested_amount_yen()), " と一致しません"),
                          FormatYen(submission.requested_amount_yen()), FormatYen(cert.advance_amount_yen())}));
    } else {
      out.push_back(
          Make({"R10", RuleResult::OUTCOME_PASS, "R10_OK", "certificate.advance_amount_yen",
                absl::StrCat("中間前払金額 ", FormatYen(cert.advance_amount_yen()), " は上限 ", FormatYen(most),
                             " 以内、前払金との合計 ", FormatYen(total), " は ", FormatYen(total_most), " 以内です"),
                absl::StrCat("≤ ", FormatYen(most)), FormatYen(cert.advance_amount_yen())}));
    }
  } else {
    out.push_back(NotApplicable("R10", "中間前払金保証ではありません"));
  }
}

void CheckR11(const CertificateCheck& check, std::vector<RuleResult>* results) {
  const hosho::v1::Contract& contract = check.submission.contract();
  const auto kind = check.submission.kind();
  const hosho::v1::CertificateRecord& cert = check.cert;
  const auto amendment = check.submission.amendment_kind();
  std::vector<RuleResult>& out = *results;
  // R11: an increase of an advance needs the amended certificate before the increase is paid.
  if (amendment == hosho::v1::AMENDMENT_KIND_INCREASE && IsAdvance(kind)) {
    const int64_t paid = kind == hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT ? contract.advance_paid_yen()
                                                                           : contract.intermediate_advance_paid_yen();
    const bool before_payment = paid < cert.advance_amount_yen();
    out.push_back(Make({"R11", before_payment ? RuleResult::OUTCOME_PASS : RuleResult::OUTCOME_FAIL,
                        before_payment ? "R11_OK" : "R11_INCREASE_ALREADY_PAID", "contract.advance_paid_yen",
                        before_payment ? absl::StrCat("増額後の前払金 ", FormatYen(cert.advance_amount_yen()),
                                                      " の支払い前に変更後の保証証書が提出されています（支払済み ",
                                                      FormatYen(paid), "）")
                                       : absl::StrCat("増額後の前払金 ", FormatYen(cert.advance_amount_yen()),
                                                      " はすでに支払われています（支払済み ", FormatYen(paid),
                                                      "）。変更後の保証証書は支払い前に必要です"),
                        absl::StrCat("支払済み < ", FormatYen(cert.advance_amount_yen())), FormatYen(paid)}));
  } else {
    out.push_back(NotApplicable("R11", "前払金の増額変更ではありません"));
  }
}

void CheckR12(const CertificateCheck& check, std::vector<RuleResult>* results) {
  const hosho::v1::Contract& contract = check.submission.contract();
  const int64_t price = check.submission.contract().price_yen();
  const auto amendment = check.submission.amendment_kind();
  std::vector<RuleResult>& out = *results;
  // R12: a price reduction needs the amended certificate right after the reduction is registered.
  if (amendment == hosho::v1::AMENDMENT_KIND_DECREASE) {
    const hosho::v1::ContractAmendment* last =
        contract.amendments_size() > 0 ? &contract.amendments(contract.amendments_size() - 1) : nullptr;
    const bool ok = last != nullptr && last->price_yen() < last->previous_price_yen();
    out.push_back(Make({"R12", ok ? RuleResult::OUTCOME_PASS : RuleResult::OUTCOME_FAIL,
                        ok ? "R12_OK" : "R12_NO_PRICE_REDUCTION", "contract.amendments",
                        ok ? absl::StrCat("契約の減額変更（", FormatYen(last->previous_price_yen()), " → ",
                                          FormatYen(last->price_yen()), "）に対する変更後の保証証書です")
                           : "契約に減額変更が登録されていません。減額の変更契約の後に提出してください",
                        "減額変更あり", ok ? FormatYen(price) : "減額変更なし"}));
  } else {
    out.push_back(NotApplicable("R12", "減額変更ではありません"));
  }
}

void CheckR13(const CertificateCheck& check, std::vector<RuleResult>* results) {
  const hosho::v1::Contract& contract = check.submission.contract();
  const auto kind = check.submission.kind();
  const int64_t price = check.submission.contract().price_yen();
  const hosho::v1::CertificateRecord& cert = check.cert;
  const VerificationPolicy& policy = check.policy;
  std::vector<RuleResult>& out = *results;
  // R13: a change of price re-runs R06 on the new price (R06 above used the current price).
  if (kind == hosho::v1::GUARANTEE_KIND_CONTRACT && contract.amendments_size() > 0) {
    const Ratio ratio = contract.low_bid() ? policy.low_bid_contract_guarantee : policy.contract_guarantee;
    const int64_t least = AtLeast(price, ratio);
    const bool ok = cert.guaranteed_amount_yen() >= least;
    out.push_back(Make({"R13", ok ? RuleResult::OUTCOME_PASS : RuleResult::OUTCOME_FAIL,
                        ok ? "R13_OK" : "R13_AMOUNT_TOO_LOW_AFTER_CHANGE", "certificate.guaranteed_amount_yen",
                        absl::StrCat("変更後の請負代金額 ", FormatYen(price), " に対し、保証金額 ",
                                     FormatYen(cert.guaranteed_amount_yen()), ok ? " は必要額 " : " が必要額 ",
                                     FormatYen(least), ok ? " 以上です" : " に足りません"),
                        absl::StrCat("≥ ", FormatYen(least)), FormatYen(cert.guaranteed_amount_yen())}));
  } else {
    out.push_back(NotApplicable("R13", "請負代金額の変更はありません"));
  }
}

void CheckR14(const CertificateCheck& check, std::vector<RuleResult>* results) {
  const RuleContext& context = check.context;
  std::vector<RuleResult>& out = *results;
  // R14: the same guarantee arrived more than once (recorded on this case at intake).
  if (context.duplicate_count > 0) {
    out.push_back(Make({"R14", RuleResult::OUTCOME_WARN, "R14_DUPLICATES_RECEIVED", "duplicate_count",
                        absl::StrCat("同じ保証が重ねて ", context.duplicate_count,
                                     " 回提出されています（この案件に記録済み、新しい案件は作られていません）"),
                        "0", std::to_string(context.duplicate_count)}));
  } else {
    out.push_back(
        Make({"R14", RuleResult::OUTCOME_PASS, "R14_OK", "duplicate_count", "重複した提出はありません", "0", "0"}));
  }
}

// In the order the results are shown (and the tests expect).
constexpr CertificateRule kCertificateRules[] = {CheckR05, CheckR06, CheckR07, CheckR08, CheckR09,
                                                 CheckR10, CheckR11, CheckR12, CheckR13, CheckR14};

}  // namespace

std::vector<RuleResult> ApplyCertificateRules(const hosho::events::v1::SubmissionReceived& submission,
                                              const hosho::v1::CertificateRecord& cert,
                                              const VerificationPolicy& policy, const RuleContext& context) {
  const CertificateCheck check{submission, cert, policy, context};
  std::vector<RuleResult> out;
  for (CertificateRule rule : kCertificateRules) rule(check, &out);
  return out;
}

std::vector<RuleResult> RecheckAfterContractChange(const hosho::v1::CertificateRecord& cert,
                                                   hosho::v1::GuaranteeKind kind, const hosho::v1::Contract& checked,
                                                   const hosho::v1::Contract& changed, const VerificationPolicy& policy,
                                                   bool advance_paid) {
  std::vector<RuleResult> out;
  const int64_t price = changed.price_yen();
  const bool price_changed = price != checked.price_yen();
  const bool period_changed = IsSet(changed.period_end()) && IsSet(checked.period_end()) &&
                              ToCivilDay(changed.period_end()) != ToCivilDay(checked.period_end());
  const std::string price_change = absl::StrCat("請負代金額 ", FormatYen(checked.price_yen()), " → ", FormatYen(price));
  if (kind == hosho::v1::GUARANTEE_KIND_CONTRACT) {
    if (price_changed) {
      const Ratio ratio = changed.low_bid() ? policy.low_bid_contract_guarantee : policy.contract_guarantee;
      const int64_t least = AtLeast(price, ratio);
      const bool ok = cert.guaranteed_amount_yen() >= least;
      out.push_back(
          Make({"R13", ok ? RuleResult::OUTCOME_PASS : RuleResult::OUTCOME_FAIL,
                ok ? "R13_OK" : "R13_AMOUNT_TOO_LOW_AFTER_CHANGE", "certificate.guaranteed_amount_yen",
                absl::StrCat("変更後の請負代金額 ", FormatYen(price), "（", ratio.ToString(), "）に対し、保証金額 ",
                             FormatYen(cert.guaranteed_amount_yen()), ok ? " は必要額 " : " が必要額 ",
                             FormatYen(least), ok ? " 以上です" : " に足りません"),
                absl::StrCat("≥ ", FormatYen(least)), FormatYen(cert.guaranteed_amount_yen())}));
    }
    if (period_changed) {
      const bool covers = IsSet(cert.period_start()) && IsSet(cert.period_end()) &&
                          ToCivilDay(cert.period_start()) <= ToCivilDay(changed.period_start()) &&
                          ToCivilDay(cert.period_end()) >= ToCivilDay(changed.period_end());
      out.push_back(
          Make({"R07", covers ? RuleResult::OUTCOME_PASS : RuleResult::OUTCOME_FAIL,
                covers ? "R07_OK" : "R07_PERIOD_NOT_COVERED", "certificate.period_end",
                absl::StrCat("保証期間（", Period(cert.period_start(), cert.period_end()), "）", covers ? "は" : "が",
                             "変更後の工期（", Period(changed.period_start(), changed.period_end()), "）",
                             covers ? "を含んでいます" : "を含んでいません"),
                Period(changed.period_start(), changed.period_end()), Period(cert.period_start(), cert.period_end())}));
    }
    return out;
  }
  if (!IsAdvance(kind)) return out;
  if (period_changed) {
    const bool ok = IsSet(cert.period_end()) && ToCivilDay(cert.period_end()) >= ToCivilDay(changed.period_end());
    out.push_back(Make({"R09", ok ? RuleResult::OUTCOME_PASS : RuleResult::OUTCOME_FAIL,
                        ok ? "R09_OK" : "R09_ENDS_BEFORE_COMPLETION", "certificate.period_end",
                        absl::StrCat("保証期間の終期（", FormatDate(cert.period_end()), "）", ok ? "は" : "が",
                                     "変更後の工事完成の時期（", FormatDate(changed.period_end()), "）",
                                     ok ? "以降です" : "より前です"),
                        absl::StrCat("≥ ", FormatDate(changed.period_end())), FormatDate(cert.period_end())}));
  }
  const bool intermediate = kind == hosho::v1::GUARANTEE_KIND_INTERMEDIATE_ADVANCE_PAYMENT;
  const char* what = intermediate ? "中間前払金" : "前払金";
  if (price < checked.price_yen()) {
    const Ratio cap = intermediate ? policy.intermediate_max : policy.advance_max;
    const int64_t most = AtMost(price, cap);
    const bool ok = cert.advance_amount_yen() <= most;
    out.push_back(Make(
        {"R12", ok ? RuleResult::OUTCOME_PASS : RuleResult::OUTCOME_FAIL,
         ok ? "R12_OK" : "R12_ADVANCE_OVER_REDUCED_CAP", "certificate.advance_amount_yen",
         absl::StrCat("契約の減額（", price_change, "）後の上限 ", FormatYen(most), "（× ", cap.ToString(),
                      "）に対し、", what, "額 ", FormatYen(cert.advance_amount_yen()),
                      ok ? " は上限以内です" : " が上限を超えています。減額変更後の保証証書を直ちに提出してください"),
         absl::StrCat("≤ ", FormatYen(most)), FormatYen(cert.advance_amount_yen())}));
  } else if (price > checked.price_yen() && !advance_paid) {
    out.push_back(Make({"R11", RuleResult::OUTCOME_WARN, "R11_RAISE_NEEDS_AMENDED_CERTIFICATE", "contract.price_yen",
                        absl::StrCat("契約が増額変更されました（", price_change, "）。", what,
                                     "を増額して請求するときは、支払い前に変更後の保証証書が必要です"),
                        "増額するときは支払い前に変更保証", FormatYen(cert.advance_amount_yen())}));
  }
  return out;
}

bool AllPassed(const std::vector<RuleResult>& results) {
  for (const auto& r : results) {
    if (r.outcome() == RuleResult::OUTCOME_FAIL || (!r.passed() && r.outcome() == RuleResult::OUTCOME_UNSPECIFIED)) {
      return false;
    }
  }
  return true;
}

}  // namespace hosho
