#include "services/verification/verdict.h"

#include "absl/strings/str_cat.h"
#include "services/common/domain/case_view.h"
#include "services/common/domain/event_ids.h"
#include "services/common/domain/events.h"

namespace hosho {

using hosho::events::v1::VerificationCompleted;

std::string CheckingOffice(const hosho::events::v1::SubmissionReceived& submission) {
  return submission.kind() == hosho::v1::GUARANTEE_KIND_CONTRACT ? submission.contract().ordering_office()
                                                                 : submission.contract().department_in_charge();
}

TransitionRequest BuildVerdict(const std::string& case_id, const hosho::events::v1::SubmissionReceived& submission,
                               const hosho::v1::CertificateRecord* certificate, const std::string& actor,
                               const std::string& office, absl::Time now, const VerificationPolicy& policy,
                               const RuleContext& context) {
  TransitionRequest verdict;
  verdict.case_id = case_id;
  verdict.event_id = event_ids::Verified(case_id);
  verdict.expected_states = {hosho::v1::CASE_STATE_VERIFYING};
  verdict.actor = actor;
  verdict.at = now;
  verdict.office = office;

  hosho::events::v1::Envelope out = NewEnvelope(case_id, verdict.event_id, "hosho-verification", now);
  VerificationCompleted* completed = out.mutable_verification_completed();
  *completed->mutable_submission() = submission;
  completed->set_verified_by(actor);
  std::vector<hosho::v1::RuleResult> results;
  if (certificate == nullptr) {
    hosho::v1::RuleResult r;
    r.set_rule("R01");
    r.set_code("R01_CREDENTIAL_OPENS_NOTHING");
    r.set_field("credential");
    r.set_message_ja(
        "提出された認証情報で保証証書を確認できませんでした。認証キー（またはURL・パスワード）をご確認ください");
    results.push_back(r);
  } else {
    results = ApplyCertificateRules(submission, *certificate, policy, context);
    *completed->mutable_certificate() = *certificate;
  }
  const bool passed = AllPassed(results);
  for (auto& r : results) *completed->add_rule_results() = r;
  completed->set_verdict(passed ? VerificationCompleted::VERDICT_VERIFIED : VerificationCompleted::VERDICT_RETURNED);
  verdict.to_state = passed ? hosho::v1::CASE_STATE_VERIFIED : hosho::v1::CASE_STATE_RETURNED;
  verdict.terminal = !passed;
  std::string codes;
  for (const auto& r : results) {
    if (!r.passed()) absl::StrAppend(&codes, codes.empty() ? "" : ",", r.code());
  }
  verdict.reason = passed ? "保証証書を確認しました（R05〜R14 適合）" : absl::StrCat("不備により差し戻し: ", codes);
  verdict.fields = {{case_fields::kRuleResults, EncodeRuleResults(completed->rule_results())},
                    {"task", "0"},
                    {"claimed_by", ""},
                    {"claim_expires_ms", "0"}};
  verdict.payload = out.SerializeAsString();
  return verdict;
}

absl::StatusOr<hosho::events::v1::SubmissionReceived> WithCurrentTerms(
    const hosho::events::v1::SubmissionReceived& submission, ContractStore* contracts) {
  if (contracts == nullptr) return submission;
  auto stored = contracts->Get(submission.contract().contract_id());
  if (absl::IsNotFound(stored.status())) return submission;
  if (!stored.ok()) return stored.status();
  hosho::v1::Contract current;
  if (!current.ParseFromString(*stored)) return absl::DataLossError("stored contract is unreadable");
  if (current.version() <= submission.contract().version()) return submission;
  hosho::events::v1::SubmissionReceived now = submission;
  *now.mutable_contract() = std::move(current);
  return now;
}

}  // namespace hosho
