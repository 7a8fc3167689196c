#include "services/verification/contract_recheck.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/case_view.h"
#include "services/common/domain_text.h"
#include "services/common/events.h"
#include "services/common/log.h"
#include "services/common/metrics.h"
#include "services/common/topics.h"
#include "services/verification/verdict.h"

namespace hosho {
namespace {

using hosho::v1::CaseState;
using hosho::v1::RuleResult;

// A guarantee was checked (and found good) once the case reached one of these.
bool Checked(const std::string& state) {
  for (CaseState s : {hosho::v1::CASE_STATE_VERIFIED, hosho::v1::CASE_STATE_ROUTED,
                      hosho::v1::CASE_STATE_CONTRACT_CONCLUDED, hosho::v1::CASE_STATE_FORWARDED,
                      hosho::v1::CASE_STATE_PAYMENT_HANDED_OFF, hosho::v1::CASE_STATE_CLOSED}) {
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
  return absl::StrCat("契約の変更（", ChangeJa(from, to), "）により変更保証の提出が必要です: ",
                      absl::StrJoin(failed, "、"), "。提出期限 ",
                      absl::FormatTime("%Y-%m-%d", deadline, JapanTimeZone()));
}

}  // namespace

ContractRechecker::ContractRechecker(CaseStore* cases, EventProducer* producer, Clock* clock, VerificationPolicy policy,
                                     RecheckOptions options)
    : cases_(cases), producer_(producer), clock_(clock), policy_(std::move(policy)), options_(options) {}

absl::Status ContractRechecker::Handle(const KafkaRecord& record) {
  hosho::events::v1::Envelope envelope;
  if (!envelope.ParseFromString(record.value)) return absl::InvalidArgumentError("not an event envelope");
  if (!envelope.has_contract_upserted()) return absl::OkStatus();  // nothing else rides this topic today
  const hosho::v1::Contract& changed = envelope.contract_upserted().contract();
  auto ids = cases_->LookupCaseIds(changed.contract_id(), options_.max_cases_per_contract);
  if (!ids.ok()) return ids.status();
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
      Metrics()
          .GetCounter("hosho_verification_recheck_unreadable_total", "Cases a contract change could not re-check.")
          .Increment();
      LogError("case not re-checked: its stored record is unreadable",
               {{"case_id", *id}, {"error", std::string(s.message())}});
      continue;
    }
    if (!s.ok()) return s;  // the record is retried whole; what was done replays
  }
  return absl::OkStatus();
}

absl::Status ContractRechecker::Recheck(const std::string& case_id, const hosho::v1::Contract& changed,
                                        absl::Time now) {
  namespace f = case_fields;
  const std::string event_id = absl::StrCat(case_id, ":rechecked:v", changed.version());
  // A redelivered record: what was recorded is listed and sent again, nothing is decided twice.
  if (auto recorded = cases_->AppliedPayload(case_id, event_id); recorded.ok()) {
    hosho::events::v1::Envelope stored;
    if (!stored.ParseFromString(*recorded)) return absl::DataLossError("stored re-check is unreadable");
    return ListAndSend(case_id, stored);
  } else if (!absl::IsNotFound(recorded.status())) {
    return recorded.status();
  }
  auto record = cases_->Get(case_id);
  if (absl::IsNotFound(record.status())) return absl::OkStatus();
  if (!record.ok()) return record.status();
  // The lookup index holds guarantee numbers too: only this contract's cases, checked and not replaced.
  if (record->Field(f::kContractId) != changed.contract_id() || !Checked(record->Field("state")) ||
      !record->Field(f::kSupersededBy).empty()) {
    return absl::OkStatus();
  }
  auto verified = cases_->AppliedPayload(case_id, absl::StrCat(case_id, ":verified"));
  if (absl::IsNotFound(verified.status())) return absl::OkStatus();
  if (!verified.ok()) return verified.status();
  hosho::events::v1::Envelope verdict;
  if (!verdict.ParseFromString(*verified) || !verdict.has_verification_completed()) {
    return absl::DataLossError(absl::StrCat("stored verdict of ", case_id, " is unreadable"));
  }
  const auto& completed = verdict.verification_completed();
  if (!completed.has_certificate()) return absl::OkStatus();  // nothing on record to compare
  // The version last looked at, only to skip what is not newer; the rules always compare with the
  // terms of the verdict, so a debt one version created is still there after the next.
  hosho::v1::Contract last = completed.submission().contract();
  if (const std::string seen = record->Field(f::kCheckedContract); !seen.empty() && !last.ParseFromString(seen)) {
    return absl::DataLossError(absl::StrCat("checked contract of ", case_id, " is unreadable"));
  }
  if (last.version() >= changed.version()) return absl::OkStatus();  // this version or a newer one
  const hosho::v1::Contract& terms = completed.submission().contract();
  const hosho::v1::GuaranteeKind kind = completed.submission().kind();
  const std::string state = record->Field("state");
  const bool paid = state == StateName(hosho::v1::CASE_STATE_PAYMENT_HANDED_OFF) ||
                    (state == StateName(hosho::v1::CASE_STATE_CLOSED) &&
                     record->Field(f::kAction) == std::to_string(hosho::v1::HANDOFF_ACTION_PROCESS_PAYMENT)) ||
                    (kind == hosho::v1::GUARANTEE_KIND_INTERMEDIATE_ADVANCE_PAYMENT
                         ? changed.intermediate_advance_paid_yen() > 0
                         : changed.advance_paid_yen() > 0);
  const std::vector<RuleResult> results =
      RecheckAfterContractChange(completed.certificate(), kind, terms, changed, policy_, paid);
  if (results.empty()) return absl::OkStatus();  // neither price nor period differs: the check stands
  const bool required = std::any_of(results.begin(), results.end(), [](const RuleResult& r) {
    return r.outcome() == RuleResult::OUTCOME_FAIL;
  });
  const std::string office = CheckingOffice(completed.submission());
  const absl::Time deadline = now + options_.amended_guarantee_due;

  hosho::events::v1::Envelope event;
  event.set_event_id(event_id);
  event.set_case_id(case_id);
  *event.mutable_occurred_at() = ToProto(now);
  event.set_producer("hosho-verification");
  auto* e = event.mutable_guarantee_rechecked();
  *e->mutable_contract() = changed;
  e->set_previous_version(last.version());
  e->set_kind(kind);
  e->set_office(office);
  for (const RuleResult& r : results) *e->add_rule_results() = r;
  e->set_amended_guarantee_required(required);
  e->set_guarantee_number(record->Field(f::kGuaranteeNumber));
  hosho::v1::AmendedGuaranteeRequired owed;
  if (required) {
    // A deadline already running for the same debt is kept: a later version does not extend it.
    hosho::v1::AmendedGuaranteeRequired before;
    const bool running = before.ParseFromString(record->Field(f::kAmendedGuarantee)) && before.has_deadline();
    const absl::Time due = running ? FromProto(before.deadline()) : deadline;
    *e->mutable_deadline() = ToProto(due);
    owed.set_contract_version(changed.version());
    for (const RuleResult& r : results) {
      if (r.outcome() == RuleResult::OUTCOME_FAIL) *owed.add_rule_results() = r;
    }
    *owed.mutable_deadline() = ToProto(due);
    *owed.mutable_requested_at() = running ? before.requested_at() : ToProto(now);
    owed.set_office(office);
  }

  CaseNote note;
  note.case_id = case_id;
  note.event_id = event.event_id();
  note.actor = "hosho-verification";
  note.reason = ReasonJa(terms, changed, results, required, FromProto(e->deadline()));
  note.at = now;
  note.payload = event.SerializeAsString();
  note.fields = {{f::kCheckedContract, changed.SerializeAsString()},
                 {f::kAmendedGuarantee, required ? owed.SerializeAsString() : ""}};
  auto noted = cases_->Note(note);
  if (!noted.ok()) return noted.status();
  hosho::events::v1::Envelope stored;
  if (!stored.ParseFromString(noted->payload)) return absl::DataLossError("stored re-check is unreadable");
  if (absl::Status s = ListAndSend(case_id, stored); !s.ok()) return s;
  if (!noted->replayed) {
    Metrics()
        .GetCounter("hosho_verification_rechecks_total", "Guarantees re-checked after a contract change.",
                    {{"outcome", required ? "amended_guarantee_required" : "covered"}})
        .Increment();
    LogInfo("guarantee re-checked after a contract change", {{"case_id", case_id},
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
  note.event_id = absl::StrCat(superseded, ":superseded-by:", case_id);
  note.actor = "hosho-verification";
  note.reason = absl::StrCat("変更後の保証（案件 ", case_id, "）が確認されました。この案件の保証はそれに置き換えられました");
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
