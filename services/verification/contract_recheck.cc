#include "services/verification/contract_recheck.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/domain/case_view.h"
#include "services/common/domain/domain_text.h"
#include "services/common/domain/event_ids.h"
#include "services/common/domain/events.h"
#include "services/common/kafka/topics.h"
#include "services/common/runtime/log.h"
#include "services/common/runtime/metrics.h"
#include "services/verification/verdict.h"

namespace hosho {
namespace {

using hosho::v1::CaseState;
using hosho::v1::RuleResult;

// A guarantee was checked (and found good) once the case reached one of these.
bool Checked(const std::string& state) {
  for (CaseState s :
       {hosho::v1::CASE_STATE_VERIFIED, hosho::v1::CASE_STATE_ROUTED, hosho::v1::CASE_STATE_CONTRACT_CONCLUDED,
        hosho::v1::CASE_STATE_FORWARDED, hosho::v1::CASE_STATE_PAYMENT_HANDED_OFF, hosho::v1::CASE_STATE_CLOSED}) {
    if (state == StateName(s)) return true;
  }
  return false;
}

// "第3版: 請負代金額 48,000,000円 → 60,000,000円、工期の終わり 2027-03-19 → 2027-06-30"
std::string ChangeJa(const hosho::v1::Contract& from, const hosho::v1::Contract& to) {
  std::vector<std::string> parts;
  if (from.price_yen() != to.price_yen()) {
    parts.push_back(absl::StrCat("請負代金額 ", FormatYen(from.price_yen()), " → ", FormatYen(to.price_yen())));
  }
  if (FormatDate(from.period_end()) != FormatDate(to.period_end())) {
    parts.push_back(absl::StrCat("工期の終わり ", FormatDate(from.period_end()), " → ", FormatDate(to.period_end())));
  }
  return absl::StrCat("第", to.version(), "版: ", absl::StrJoin(parts, "、"));
}

std::string ReasonJa(const hosho::v1::Contract& from, const hosho::v1::Contract& to,
                     const std::vector<RuleResult>& results, bool required, absl::Time deadline) {
  if (!required) {
    std::vector<std::string> codes;
    for (const RuleResult& r : results) codes.push_back(r.code());
    return absl::StrCat("契約の変更（", ChangeJa(from, to), "）を確認しました。保証は変更後の契約を満たしています（",
                        absl::StrJoin(codes, "、"), "）");
  }
  std::vector<std::string> failed;
  for (const RuleResult& r : results) {
    if (r.outcome() == RuleResult::OUTCOME_FAIL) {
      failed.push_back(absl::StrCat(r.code(), "（期待 ", r.expected(), "、確認 ", r.found(), "）"));
    }
  }
  return absl::StrCat("契約の変更（", ChangeJa(from, to),
                      "）により変更保証の提出が必要です: ", absl::StrJoin(failed, "、"), "。提出期限 ",
                      absl::FormatTime("%Y-%m-%d", deadline, JapanTimeZone()));
}

// A case's guarantee as last checked: what a contract change is compared with.
struct CheckedGuarantee {
  CaseRecord record;
  hosho::events::v1::VerificationCompleted verdict;
  hosho::v1::Contract last_seen;  // the version last looked at (the verdict's terms until a re-check)
};

// The checked guarantee of `case_id` that `changed` concerns; nullopt when it concerns nothing
// (another contract's case found by guarantee number, not checked yet, replaced, no certificate on
// record, or this version or a newer one already looked at).
absl::StatusOr<std::optional<CheckedGuarantee>> LoadCheckedGuarantee(CaseLedger& cases, const std::string& case_id,
                                                                     const hosho::v1::Contract& changed) {
  namespace f = case_fields;
  CheckedGuarantee checked;
  auto record = cases.Get(case_id);
  if (absl::IsNotFound(record.status())) return std::nullopt;
  if (!record.ok()) return record.status();
  checked.record = *std::move(record);
  const CaseRecord& r = checked.record;
  // The lookup index holds guarantee numbers too: only this contract's cases, checked and not replaced.
  if (r.Field(f::kContractId) != changed.contract_id() || !Checked(r.Field("state")) ||
      !r.Field(f::kSupersededBy).empty()) {
    return std::nullopt;
  }
  auto verified = cases.AppliedPayload(case_id, event_ids::Verified(case_id));
  if (absl::IsNotFound(verified.status())) return std::nullopt;
  if (!verified.ok()) return verified.status();
  hosho::events::v1::Envelope verdict;
  if (!verdict.ParseFromString(*verified) || !verdict.has_verification_completed()) {
    return absl::DataLossError(absl::StrCat("stored verdict of ", case_id, " is unreadable"));
  }
  checked.verdict = verdict.verification_completed();
  if (!checked.verdict.has_certificate()) return std::nullopt;  // nothing on record to compare
  // The version last looked at, only to skip what is not newer; the rules always compare with the
  // terms of the verdict, so a debt one version created is still there after the next.
  checked.last_seen = checked.verdict.submission().contract();
  if (const std::string seen = r.Field(f::kCheckedContract);
      !seen.empty() && !checked.last_seen.ParseFromString(seen)) {
    return absl::DataLossError(absl::StrCat("checked contract of ", case_id, " is unreadable"));
  }
  if (checked.last_seen.version() >= changed.version()) return std::nullopt;  // this version or a newer one
  return checked;
}

// Whether the advance this guarantee covers was paid already (a raise then asks nothing more).
bool AdvancePaid(const CaseRecord& record, hosho::v1::GuaranteeKind kind, const hosho::v1::Contract& changed) {
  const std::string state = record.Field("state");
  return state == StateName(hosho::v1::CASE_STATE_PAYMENT_HANDED_OFF) ||
         (state == StateName(hosho::v1::CASE_STATE_CLOSED) &&
          record.Field(case_fields::kAction) == std::to_string(hosho::v1::HANDOFF_ACTION_PROCESS_PAYMENT)) ||
         (kind == hosho::v1::GUARANTEE_KIND_INTERMEDIATE_ADVANCE_PAYMENT ? changed.intermediate_advance_paid_yen() > 0
                                                                         : changed.advance_paid_yen() > 0);
}

Counter& RechecksCounter(const char* outcome) {
  return Metrics().GetCounter("hosho_verification_rechecks_total", "Guarantees re-checked after a contract change.",
                              {{"outcome", outcome}});
}

// What the contractor owes after failed rules: the failures and a deadline. A deadline already
// running for the same debt is kept: a later version does not extend it.
hosho::v1::AmendedGuaranteeRequired Owed(const CaseRecord& record, const hosho::v1::Contract& changed,
                                         const std::vector<RuleResult>& results, const std::string& office,
                                         absl::Time now, absl::Time deadline) {
  hosho::v1::AmendedGuaranteeRequired before;
  const bool running = before.ParseFromString(record.Field(case_fields::kAmendedGuarantee)) && before.has_deadline();
  hosho::v1::AmendedGuaranteeRequired owed;
  owed.set_contract_version(changed.version());
  for (const RuleResult& r : results) {
    if (r.outcome() == RuleResult::OUTCOME_FAIL) *owed.add_rule_results() = r;
  }
  *owed.mutable_deadline() = running ? before.deadline() : ToProto(deadline);
  *owed.mutable_requested_at() = running ? before.requested_at() : ToProto(now);
  owed.set_office(office);
  return owed;
}

}  // namespace

ContractRechecker::ContractRechecker(CaseStore* cases, EventProducer* producer, Clock* clock, VerificationPolicy policy,
                                     RecheckOptions options)
    : cases_(cases),
      producer_(producer),
      clock_(clock),
      policy_(std::move(policy)),
      options_(options),
      unreadable_(Metrics().GetCounter("hosho_verification_recheck_unreadable_total",
                                       "Cases a contract change could not re-check.")),
      amended_required_(RechecksCounter("amended_guarantee_required")),
      covered_(RechecksCounter("covered")) {}

RecordResult ContractRechecker::Handle(const KafkaRecord& record) {
  hosho::events::v1::Envelope envelope;
  if (!envelope.ParseFromString(record.value)) {
    return RecordResult::DeadLetter(absl::InvalidArgumentError("not an event envelope"));
  }
  if (!envelope.has_contract_upserted()) return RecordResult::Done();  // nothing else rides this topic today
  const hosho::v1::Contract& changed = envelope.contract_upserted().contract();
  auto ids = cases_->LookupCaseIds(changed.contract_id(), options_.max_cases_per_contract);
  if (!ids.ok()) return RecordResult::DependencyFailed(ids.status());
  if (static_cast<int>(ids->size()) == options_.max_cases_per_contract) {
    LogError("contract has more cases than one re-check reads; the oldest are not re-checked",
             {{"contract_id", changed.contract_id()}, {"cases", static_cast<int64_t>(ids->size())}});
  }
  const absl::Time now = clock_->Now();
  // Oldest first (the index lists newest first): a case and the amended guarantee that replaced it are
  // looked at in the order they arrived.
  for (auto id = ids->rbegin(); id != ids->rend(); ++id) {
    absl::Status s = Recheck(*id, changed, now);
    if (absl::IsDataLoss(s)) {
      // One damaged record must not keep the contract's other guarantees from their re-check.
      unreadable_.Increment();
      LogError("case not re-checked: its stored record is unreadable",
               {{"case_id", *id}, {"error", std::string(s.message())}});
      continue;
    }
    if (!s.ok()) return RecordResult::DependencyFailed(s);  // the record is retried whole; what was done replays
  }
  return RecordResult::Done();
}

absl::Status ContractRechecker::Recheck(const std::string& case_id, const hosho::v1::Contract& changed,
                                        absl::Time now) {
  const std::string event_id = event_ids::Rechecked(case_id, changed.version());
  // A redelivered record: what was recorded is listed and sent again, nothing is decided twice.
  if (auto recorded = cases_->AppliedPayload(case_id, event_id); recorded.ok()) {
    hosho::events::v1::Envelope stored;
    if (!stored.ParseFromString(*recorded)) return absl::DataLossError("stored re-check is unreadable");
    return ListAndSend(case_id, stored);
  } else if (!absl::IsNotFound(recorded.status())) {
    return recorded.status();
  }
  auto checked = LoadCheckedGuarantee(*cases_, case_id, changed);
  if (!checked.ok()) return checked.status();
  if (!checked->has_value()) return absl::OkStatus();
  const CheckedGuarantee& guarantee = **checked;
  const hosho::events::v1::SubmissionReceived& submission = guarantee.verdict.submission();
  const std::vector<RuleResult> results =
      RecheckAfterContractChange(guarantee.verdict.certificate(), submission.kind(), submission.contract(), changed,
                                 policy_, AdvancePaid(guarantee.record, submission.kind(), changed));
  if (results.empty()) return absl::OkStatus();  // neither price nor period differs: the check stands
  const bool required = std::any_of(results.begin(), results.end(),
                                    [](const RuleResult& r) { return r.outcome() == RuleResult::OUTCOME_FAIL; });
  const std::string office = CheckingOffice(submission);
  const hosho::v1::AmendedGuaranteeRequired owed =
      required ? Owed(guarantee.record, changed, results, office, now, now + options_.amended_guarantee_due)
               : hosho::v1::AmendedGuaranteeRequired();

  hosho::events::v1::Envelope event = NewEnvelope(case_id, event_id, "hosho-verification", now);
  auto* e = event.mutable_guarantee_rechecked();
  *e->mutable_contract() = changed;
  e->set_previous_version(guarantee.last_seen.version());
  e->set_kind(submission.kind());
  e->set_office(office);
  for (const RuleResult& r : results) *e->add_rule_results() = r;
  e->set_amended_guarantee_required(required);
  e->set_guarantee_number(guarantee.record.Field(case_fields::kGuaranteeNumber));
  if (required) *e->mutable_deadline() = owed.deadline();

  CaseNote note;
  note.case_id = case_id;
  note.event_id = event.event_id();
  note.actor = "hosho-verification";
  note.reason = ReasonJa(submission.contract(), changed, results, required, FromProto(e->deadline()));
  note.at = now;
  note.payload = event.SerializeAsString();
  note.fields = {{case_fields::kCheckedContract, changed.SerializeAsString()},
                 {case_fields::kAmendedGuarantee, required ? owed.SerializeAsString() : ""}};
  return RecordAndSend(note, required, changed);
}

absl::Status ContractRechecker::RecordAndSend(const CaseNote& note, bool required, const hosho::v1::Contract& changed) {
  auto noted = cases_->Note(note);
  if (!noted.ok()) return noted.status();
  hosho::events::v1::Envelope stored;
  if (!stored.ParseFromString(noted->payload)) return absl::DataLossError("stored re-check is unreadable");
  if (absl::Status s = ListAndSend(note.case_id, stored); !s.ok()) return s;
  if (!noted->replayed) {
    (required ? amended_required_ : covered_).Increment();
    LogInfo("guarantee re-checked after a contract change", {{"case_id", note.case_id},
                                                             {"contract_id", changed.contract_id()},
                                                             {"version", changed.version()},
                                                             {"amended_guarantee_required", required}});
  }
  return absl::OkStatus();
}

absl::Status ContractRechecker::ListAndSend(const std::string& case_id, const hosho::events::v1::Envelope& stored) {
  // The list of cases waiting for an amended guarantee follows the stored outcome.
  const auto& outcome = stored.guarantee_rechecked();
  const std::string timer = AmendedGuaranteeTimer(outcome.office());
  absl::Status listed = outcome.amended_guarantee_required()
                            ? cases_->AddTimer(timer, case_id, FromProto(outcome.deadline()))
                            : cases_->RemoveTimer(timer, case_id);
  if (!listed.ok()) return listed;
  // Unconfirmed, the record is redelivered and this runs again from the stored event.
  return producer_->Send(ToRecord(topics::kVerifications, stored, ""), options_.send_timeout);
}

absl::Status ResolveSuperseded(CaseStore& cases, const std::string& case_id,
                               const hosho::events::v1::SubmissionReceived& submission, absl::Time now) {
  namespace f = case_fields;
  const std::string& superseded = submission.supersedes_case_id();
  if (superseded.empty()) return absl::OkStatus();
  CaseNote note;
  note.case_id = superseded;
  note.event_id = event_ids::SupersededBy(superseded, case_id);
  note.actor = "hosho-verification";
  note.reason =
      absl::StrCat("変更後の保証（案件 ", case_id, "）が確認されました。この案件の保証はそれに置き換えられました");
  note.at = now;
  note.fields = {{f::kSupersededBy, case_id}, {f::kAmendedGuarantee, ""}};
  // The list that holds the case is the one its requirement names (read before the note clears it).
  std::string office = CheckingOffice(submission);
  if (auto old = cases.Get(superseded); old.ok()) {
    hosho::v1::AmendedGuaranteeRequired owed;
    if (owed.ParseFromString(old->Field(f::kAmendedGuarantee)) && !owed.office().empty()) office = owed.office();
  }
  auto noted = cases.Note(note);
  if (absl::IsNotFound(noted.status())) return absl::OkStatus();  // intake checked it existed; nothing to mark
  if (!noted.ok()) return noted.status();
  return cases.RemoveTimer(AmendedGuaranteeTimer(office), superseded);
}

}  // namespace hosho
