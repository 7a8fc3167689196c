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
  const absl::Time now = clock_->Now();
  for (const std::string& id : *ids) {
    if (absl::Status s = Recheck(id, changed, now); !s.ok()) return s;  // the record is retried whole
  }
  return absl::OkStatus();
}

absl::Status ContractRechecker::Recheck(const std::string& case_id, const hosho::v1::Contract& changed,
                                        absl::Time now) {
  namespace f = case_fields;
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
  hosho::v1::Contract checked = completed.submission().contract();
  if (const std::string last = record->Field(f::kCheckedContract); !last.empty() && !checked.ParseFromString(last)) {
    return absl::DataLossError(absl::StrCat("checked contract of ", case_id, " is unreadable"));
  }
  if (checked.version() >= changed.version()) return absl::OkStatus();  // this version or a newer one
  const hosho::v1::GuaranteeKind kind = completed.submission().kind();
  const std::vector<RuleResult> results =
      RecheckAfterContractChange(completed.certificate(), kind, checked, changed, policy_);
  if (results.empty()) return absl::OkStatus();  // neither price nor period moved: the check stands
  const bool required = std::any_of(results.begin(), results.end(), [](const RuleResult& r) {
    return r.outcome() == RuleResult::OUTCOME_FAIL;
  });
  const std::string office = CheckingOffice(completed.submission());
  const absl::Time deadline = now + options_.amended_guarantee_due;

  hosho::events::v1::Envelope event;
  event.set_event_id(absl::StrCat(case_id, ":rechecked:v", changed.version()));
  event.set_case_id(case_id);
  *event.mutable_occurred_at() = ToProto(now);
  event.set_producer("hosho-verification");
  auto* e = event.mutable_guarantee_rechecked();
  *e->mutable_contract() = changed;
  e->set_previous_version(checked.version());
  e->set_kind(kind);
  e->set_office(office);
  for (const RuleResult& r : results) *e->add_rule_results() = r;
  e->set_amended_guarantee_required(required);
  e->set_guarantee_number(record->Field(f::kGuaranteeNumber));
  hosho::v1::AmendedGuaranteeRequired owed;
  if (required) {
    *e->mutable_deadline() = ToProto(deadline);
    owed.set_contract_version(changed.version());
    for (const RuleResult& r : results) {
      if (r.outcome() == RuleResult::OUTCOME_FAIL) *owed.add_rule_results() = r;
    }
    *owed.mutable_deadline() = ToProto(deadline);
    *owed.mutable_requested_at() = ToProto(now);
  }

  CaseNote note;
  note.case_id = case_id;
  note.event_id = event.event_id();
  note.actor = "hosho-verification";
  note.reason = ReasonJa(checked, changed, results, required, deadline);
  note.at = now;
  note.payload = event.SerializeAsString();
  note.fields = {{f::kCheckedContract, changed.SerializeAsString()},
                 {f::kAmendedGuarantee, required ? owed.SerializeAsString() : ""}};
  auto noted = cases_->Note(note);
  if (!noted.ok()) return noted.status();
  // The list of cases waiting for an amended guarantee follows the stored outcome (a replay sets it again).
  hosho::events::v1::Envelope stored;
  if (!stored.ParseFromString(noted->payload)) return absl::DataLossError("stored re-check is unreadable");
  const auto& outcome = stored.guarantee_rechecked();
  absl::Status listed = outcome.amended_guarantee_required()
                            ? cases_->AddTimer(AmendedGuaranteeTimer(office), case_id, FromProto(outcome.deadline()))
                            : cases_->RemoveTimer(AmendedGuaranteeTimer(office), case_id);
  if (!listed.ok()) return listed;
  if (absl::Status sent = producer_->Send(ToRecord(topics::kVerifications, stored, ""), options_.send_timeout);
      !sent.ok()) {
    return sent;  // the record is redelivered: the note replays and the same event is sent again
  }
  if (!noted->replayed) {
    Metrics()
        .GetCounter("hosho_verification_rechecks_total", "Guarantees re-checked after a contract change.",
                    {{"outcome", outcome.amended_guarantee_required() ? "amended_guarantee_required" : "covered"}})
        .Increment();
    LogInfo("guarantee re-checked after a contract change",
            {{"case_id", case_id},
             {"contract_id", changed.contract_id()},
             {"version", changed.version()},
             {"amended_guarantee_required", outcome.amended_guarantee_required()}});
  }
  return absl::OkStatus();
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
  auto noted = cases.Note(note);
  if (absl::IsNotFound(noted.status())) return absl::OkStatus();  // intake checked it existed; nothing to mark
  if (!noted.ok()) return noted.status();
  return cases.RemoveTimer(AmendedGuaranteeTimer(CheckingOffice(submission)), superseded);
}

}  // namespace hosho
