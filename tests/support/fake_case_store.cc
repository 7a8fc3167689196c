#include "tests/support/fake_case_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/store/case_fields.h"
#include "services/common/store/case_states.h"
#include "services/common/text/text.h"

namespace hosho::testing {
namespace {

std::string Inflight(absl::string_view office) { return absl::StrCat("inflight:{", office, "}"); }
std::string Ended(absl::string_view office, absl::string_view state) {
  return absl::StrCat("ended:{", office, "}:", state);
}
std::string Lookup(absl::string_view term) { return absl::StrCat("lookup:{", term, "}"); }
std::string Tasks(absl::string_view office) { return absl::StrCat("tasks:{", office, "}"); }
std::string TimerKey(absl::string_view timer) { return absl::StrCat("timer:{", timer, "}"); }
constexpr char kRecent[] = "cases:recent";

absl::Status CheckHistoryText(absl::string_view actor, absl::string_view reason) {
  if (!IsValidUtf8(actor) || !IsValidUtf8(reason)) {
    return absl::InvalidArgumentError("case store: a history text is not valid UTF-8; nothing was written");
  }
  return absl::OkStatus();
}

int64_t Version(const absl::flat_hash_map<std::string, std::string>& fields) {
  int64_t version = 0;
  auto it = fields.find("version");
  if (it != fields.end()) (void)absl::SimpleAtoi(it->second, &version);  // written by this class only
  return version;
}

std::string FieldOf(const absl::flat_hash_map<std::string, std::string>& fields, const std::string& name) {
  auto it = fields.find(name);
  return it == fields.end() ? "" : it->second;
}

}  // namespace

void FakeCaseStore::Refuse(int calls, int after, absl::Status status) {
  absl::MutexLock lock(&mu_);
  refuse_calls_ = calls;
  answer_first_ = after;
  refusal_ = std::move(status);
}

int FakeCaseStore::refused() const {
  absl::MutexLock lock(&mu_);
  return refused_;
}

std::map<std::string, absl::Time> FakeCaseStore::Timer(absl::string_view timer) const {
  absl::MutexLock lock(&mu_);
  auto it = sets_.find(TimerKey(timer));
  return it == sets_.end() ? std::map<std::string, absl::Time>{} : it->second;
}

absl::Status FakeCaseStore::RefusedCall() {
  if (refuse_calls_ <= 0) return absl::OkStatus();
  if (answer_first_ > 0) {
    --answer_first_;
    return absl::OkStatus();
  }
  --refuse_calls_;
  ++refused_;
  return refusal_;
}

std::vector<std::string> FakeCaseStore::ByScore(const SortedSet& set, bool newest_first, int limit, int offset) {
  std::vector<std::pair<absl::Time, std::string>> members;
  for (const auto& [member, score] : set) members.emplace_back(score, member);
  std::sort(members.begin(), members.end());
  if (newest_first) std::reverse(members.begin(), members.end());
  std::vector<std::string> out;
  for (int i = std::max(offset, 0); i < static_cast<int>(members.size()) && static_cast<int>(out.size()) < limit; ++i) {
    out.push_back(members[i].second);
  }
  return out;
}

absl::StatusOr<TransitionResult> FakeCaseStore::Apply(const TransitionRequest& request) {
  return ApplyAll({request}).front();
}

std::vector<absl::StatusOr<TransitionResult>> FakeCaseStore::ApplyAll(const std::vector<TransitionRequest>& steps) {
  absl::MutexLock lock(&mu_);
  if (absl::Status refused = RefusedCall(); !refused.ok()) {
    return std::vector<absl::StatusOr<TransitionResult>>(steps.size(), refused);
  }
  for (const TransitionRequest& r : steps) {
    absl::Status bad = r.case_id.empty() || r.event_id.empty() || r.to_state == hosho::v1::CASE_STATE_UNSPECIFIED
                           ? absl::InvalidArgumentError("transition needs a case id, an event id and a target state")
                           : CheckHistoryText(r.actor, r.reason);
    if (bad.ok()) bad = CheckTransition(r.expected_states, r.to_state);  // as Redis: before anything is written
    if (!bad.ok()) return std::vector<absl::StatusOr<TransitionResult>>(steps.size(), bad);
  }
  std::vector<absl::StatusOr<TransitionResult>> results;
  for (const TransitionRequest& r : steps) results.push_back(ApplyLocked(r));
  return results;
}

absl::StatusOr<TransitionResult> FakeCaseStore::ApplyLocked(const TransitionRequest& request) {
  auto found = cases_.find(request.case_id);
  if (found != cases_.end()) {
    auto applied = found->second.applied.find(request.event_id);
    if (applied != found->second.applied.end()) {
      TransitionResult replay = applied->second;
      replay.replayed = true;
      // As the Redis store: a replay heals the step's indexes only while the case is still in its state.
      if (FieldOf(found->second.fields, "state") == StateName(replay.state)) {
        UpdateIndexes(request, FieldOf(found->second.fields, "office"));
      }
      return replay;
    }
  }
  const bool exists = found != cases_.end();
  if (request.expected_states.empty()) {
    if (exists) return absl::AlreadyExistsError(absl::StrCat("case ", request.case_id, " already exists"));
  } else {
    if (!exists) return absl::NotFoundError(absl::StrCat("case ", request.case_id, " not found"));
    const std::string state = FieldOf(found->second.fields, "state");
    if (std::find(request.expected_states.begin(), request.expected_states.end(), ParseStateName(state)) ==
        request.expected_states.end()) {
      return absl::FailedPreconditionError(
          absl::StrCat("case ", request.case_id, " is ", state, ", expected ",
                       absl::StrJoin(request.expected_states, " or ",
                                     [](std::string* out, hosho::v1::CaseState s) { out->append(StateName(s)); })));
    }
  }
  const int64_t version = exists ? Version(found->second.fields) : 0;
  if (request.expected_version && *request.expected_version != version) {
    return absl::AbortedError(absl::StrCat("case ", request.case_id, " is at version ", version));
  }
  StoredCase& stored = cases_[request.case_id];
  if (!exists) stored.created = request.at;
  const std::string from = FieldOf(stored.fields, "state");
  const std::string prev_office = FieldOf(stored.fields, "office");
  stored.fields["state"] = StateName(request.to_state);
  stored.fields["version"] = std::to_string(version + 1);
  stored.fields["updated_ms"] = std::to_string(absl::ToUnixMillis(request.at));
  for (const auto& [field, value] : request.fields) stored.fields[field] = value;
  if (!request.office.empty()) stored.fields["office"] = request.office;
  if (request.deadline) stored.fields["deadline_ms"] = std::to_string(absl::ToUnixMillis(*request.deadline));
  stored.history.push_back(
      {version + 1, from, StateName(request.to_state), request.actor, request.reason, request.event_id, request.at});
  TransitionResult result{false, version + 1, request.to_state, request.payload};
  stored.applied[request.event_id] = result;
  UpdateIndexes(request, prev_office);
  return result;
}

void FakeCaseStore::UpdateIndexes(const TransitionRequest& request, const std::string& prev_office) {
  const std::string office = request.office.empty() ? prev_office : request.office;
  if (!prev_office.empty() && prev_office != office) sets_[Inflight(prev_office)].erase(request.case_id);
  if (!office.empty()) {
    if (request.terminal) {
      sets_[Inflight(office)].erase(request.case_id);
      sets_[Ended(office, StateName(request.to_state))][request.case_id] = request.at;
    } else {
      sets_[Inflight(office)][request.case_id] = request.deadline.value_or(request.at);
    }
  }
  if (request.expected_states.empty()) {
    sets_[kRecent].emplace(request.case_id, request.at);
    for (const auto& [field, value] : request.fields) {
      if ((field == case_fields::kContractId || field == case_fields::kGuaranteeNumber) && !value.empty()) {
        sets_[Lookup(value)].emplace(request.case_id, request.at);
      }
    }
  }
}

absl::StatusOr<TransitionResult> FakeCaseStore::Note(const CaseNote& note) {
  if (note.case_id.empty() || note.event_id.empty()) {
    return absl::InvalidArgumentError("a case note needs a case id and an event id");
  }
  if (absl::Status text = CheckHistoryText(note.actor, note.reason); !text.ok()) return text;
  absl::MutexLock lock(&mu_);
  if (absl::Status refused = RefusedCall(); !refused.ok()) return refused;
  auto found = cases_.find(note.case_id);
  if (found == cases_.end()) return absl::NotFoundError(absl::StrCat("case ", note.case_id, " not found"));
  StoredCase& stored = found->second;
  if (auto applied = stored.applied.find(note.event_id); applied != stored.applied.end()) {
    TransitionResult replay = applied->second;
    replay.replayed = true;
    return replay;
  }
  const std::string state = FieldOf(stored.fields, "state");
  const int64_t version = Version(stored.fields);
  if (!note.counter_field.empty()) {
    int64_t count = 0;
    (void)absl::SimpleAtoi(FieldOf(stored.fields, note.counter_field), &count);  // absent: zero, as HINCRBY
    stored.fields[note.counter_field] = std::to_string(count + 1);
  }
  for (const auto& [field, value] : note.fields) stored.fields[field] = value;
  stored.history.push_back({version, state, state, note.actor, note.reason, note.event_id, note.at});
  TransitionResult result{false, version, ParseStateName(state), note.payload};
  stored.applied[note.event_id] = result;
  return result;
}

absl::StatusOr<CaseRecord> FakeCaseStore::Get(absl::string_view case_id) {
  absl::MutexLock lock(&mu_);
  if (absl::Status refused = RefusedCall(); !refused.ok()) return refused;
  auto found = cases_.find(case_id);
  if (found == cases_.end()) return absl::NotFoundError(absl::StrCat("case ", case_id, " not found"));
  return CaseRecord{std::string(case_id), found->second.fields, found->second.history};
}

absl::StatusOr<std::string> FakeCaseStore::GetState(absl::string_view case_id) {
  absl::MutexLock lock(&mu_);
  if (absl::Status refused = RefusedCall(); !refused.ok()) return refused;
  auto found = cases_.find(case_id);
  if (found == cases_.end()) return absl::NotFoundError(absl::StrCat("case ", case_id, " not found"));
  return FieldOf(found->second.fields, "state");
}

absl::StatusOr<std::string> FakeCaseStore::AppliedPayload(absl::string_view case_id, absl::string_view event_id) {
  absl::MutexLock lock(&mu_);
  if (absl::Status refused = RefusedCall(); !refused.ok()) return refused;
  auto found = cases_.find(case_id);
  if (found != cases_.end()) {
    auto applied = found->second.applied.find(event_id);
    if (applied != found->second.applied.end()) return applied->second.payload;
  }
  return absl::NotFoundError(absl::StrCat("no event ", event_id, " on case ", case_id));
}

absl::StatusOr<ClaimResult> FakeCaseStore::Claim(const ClaimRequest& request) {
  if (absl::Status text = CheckHistoryText(request.clerk, request.reason); !text.ok()) return text;
  absl::MutexLock lock(&mu_);
  if (absl::Status refused = RefusedCall(); !refused.ok()) return refused;
  auto found = cases_.find(request.case_id);
  if (found == cases_.end()) return absl::NotFoundError(absl::StrCat("case ", request.case_id, " not found"));
  auto& fields = found->second.fields;
  const std::string state = FieldOf(fields, "state");
  if (FieldOf(fields, "task") != "1" || (state != "AWAITING_VERIFICATION" && state != "VERIFYING")) {
    return absl::FailedPreconditionError(
        absl::StrCat("case ", request.case_id, " is not waiting for a clerk (", state, ")"));
  }
  const std::string holder = FieldOf(fields, "claimed_by");
  int64_t expires_ms = 0;
  (void)absl::SimpleAtoi(FieldOf(fields, "claim_expires_ms"), &expires_ms);  // absent: no claim
  int64_t version = Version(fields);
  if (!holder.empty() && holder != request.clerk && absl::FromUnixMillis(expires_ms) > request.at) {
    return ClaimResult{false, holder, absl::FromUnixMillis(expires_ms), version};
  }
  if (state == "AWAITING_VERIFICATION" || holder != request.clerk) {
    ++version;
    fields["state"] = "VERIFYING";
    fields["version"] = std::to_string(version);
    fields["updated_ms"] = std::to_string(absl::ToUnixMillis(request.at));
    found->second.history.push_back({version, state, "VERIFYING", request.clerk, request.reason, "", request.at});
  }
  const absl::Time until =
      absl::FromUnixMillis(absl::ToUnixMillis(request.at) + absl::ToInt64Milliseconds(request.ttl));
  fields["claimed_by"] = request.clerk;
  fields["claim_expires_ms"] = std::to_string(absl::ToUnixMillis(until));
  return ClaimResult{true, request.clerk, until, version};
}

absl::Status FakeCaseStore::ReleaseClaim(absl::string_view case_id, absl::string_view clerk, absl::Time at) {
  absl::MutexLock lock(&mu_);
  if (absl::Status refused = RefusedCall(); !refused.ok()) return refused;
  auto found = cases_.find(case_id);
  if (found == cases_.end() || FieldOf(found->second.fields, "claimed_by") != clerk) {
    return absl::FailedPreconditionError("the claim is not held by this clerk");
  }
  auto& fields = found->second.fields;
  fields["claimed_by"] = "";
  fields["claim_expires_ms"] = "0";
  const std::string state = FieldOf(fields, "state");
  found->second.history.push_back(
      {Version(fields), state, state, std::string(clerk), "確認作業を手放しました", "", at});
  return absl::OkStatus();
}

absl::Status FakeCaseStore::AddTask(absl::string_view office, absl::string_view case_id, absl::Time due) {
  absl::MutexLock lock(&mu_);
  if (absl::Status refused = RefusedCall(); !refused.ok()) return refused;
  sets_[Tasks(office)][std::string(case_id)] = due;
  return absl::OkStatus();
}

absl::Status FakeCaseStore::RemoveTask(absl::string_view office, absl::string_view case_id) {
  absl::MutexLock lock(&mu_);
  if (absl::Status refused = RefusedCall(); !refused.ok()) return refused;
  sets_[Tasks(office)].erase(std::string(case_id));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> FakeCaseStore::ListTasks(absl::string_view office, int limit, int offset) {
  absl::MutexLock lock(&mu_);
  if (absl::Status refused = RefusedCall(); !refused.ok()) return refused;
  return ByScore(sets_[Tasks(office)], /*newest_first=*/false, std::max(limit, 1), offset);
}

absl::Status FakeCaseStore::AddTimer(absl::string_view timer, absl::string_view case_id, absl::Time due) {
  absl::MutexLock lock(&mu_);
  if (absl::Status refused = RefusedCall(); !refused.ok()) return refused;
  sets_[TimerKey(timer)][std::string(case_id)] = due;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> FakeCaseStore::DueTimers(absl::string_view timer, absl::Time now, int limit) {
  absl::MutexLock lock(&mu_);
  if (absl::Status refused = RefusedCall(); !refused.ok()) return refused;
  SortedSet due;
  for (const auto& [member, at] : sets_[TimerKey(timer)]) {
    if (at <= now) due[member] = at;
  }
  return ByScore(due, /*newest_first=*/false, limit, 0);
}

absl::Status FakeCaseStore::RemoveTimer(absl::string_view timer, absl::string_view case_id) {
  absl::MutexLock lock(&mu_);
  if (absl::Status refused = RefusedCall(); !refused.ok()) return refused;
  sets_[TimerKey(timer)].erase(std::string(case_id));
  return absl::OkStatus();
}

absl::StatusOr<int64_t> FakeCaseStore::CountTimers(absl::string_view timer) {
  absl::MutexLock lock(&mu_);
  if (absl::Status refused = RefusedCall(); !refused.ok()) return refused;
  return static_cast<int64_t>(sets_[TimerKey(timer)].size());
}

absl::StatusOr<std::vector<std::string>> FakeCaseStore::ListCaseIds(absl::string_view office, int limit, int offset) {
  absl::MutexLock lock(&mu_);
  if (absl::Status refused = RefusedCall(); !refused.ok()) return refused;
  return ByScore(sets_[office.empty() ? std::string(kRecent) : Inflight(office)], /*newest_first=*/true, limit, offset);
}

absl::StatusOr<std::vector<std::string>> FakeCaseStore::ListReceived(absl::Time from, absl::Time to, int limit,
                                                                     int offset) {
  absl::MutexLock lock(&mu_);
  if (absl::Status refused = RefusedCall(); !refused.ok()) return refused;
  SortedSet in_period;
  for (const auto& [member, at] : sets_[kRecent]) {
    if (at >= from && at < to) in_period[member] = at;
  }
  return ByScore(in_period, /*newest_first=*/false, limit, offset);
}

absl::StatusOr<int64_t> FakeCaseStore::CountEnded(absl::string_view office, absl::string_view state, absl::Time since) {
  absl::MutexLock lock(&mu_);
  if (absl::Status refused = RefusedCall(); !refused.ok()) return refused;
  int64_t count = 0;
  for (const auto& [member, at] : sets_[Ended(office, state)]) count += at >= since ? 1 : 0;
  return count;
}

absl::StatusOr<std::vector<std::string>> FakeCaseStore::ListEnded(absl::string_view office, absl::string_view state,
                                                                  int limit, int offset) {
  absl::MutexLock lock(&mu_);
  if (absl::Status refused = RefusedCall(); !refused.ok()) return refused;
  return ByScore(sets_[Ended(office, state)], /*newest_first=*/true, limit, offset);
}

absl::StatusOr<std::vector<std::string>> FakeCaseStore::LookupCaseIds(absl::string_view term, int limit) {
  absl::MutexLock lock(&mu_);
  if (absl::Status refused = RefusedCall(); !refused.ok()) return refused;
  if (term.empty()) return std::vector<std::string>{};
  return ByScore(sets_[Lookup(term)], /*newest_first=*/true, limit, 0);
}

absl::StatusOr<std::vector<CaseSummary>> FakeCaseStore::Summaries(const std::vector<std::string>& case_ids) {
  absl::MutexLock lock(&mu_);
  if (absl::Status refused = RefusedCall(); !refused.ok()) return refused;
  std::vector<CaseSummary> out;
  for (const std::string& id : case_ids) {
    auto found = cases_.find(id);
    if (found == cases_.end()) continue;
    const auto& f = found->second.fields;
    CaseSummary summary{id,
                        FieldOf(f, "state"),
                        FieldOf(f, "office"),
                        FieldOf(f, "kind"),
                        std::nullopt,
                        FieldOf(f, "ordering_office"),
                        FieldOf(f, "department_in_charge")};
    int64_t ms = 0;
    if (absl::SimpleAtoi(FieldOf(f, "deadline_ms"), &ms)) summary.deadline = absl::FromUnixMillis(ms);
    out.push_back(std::move(summary));
  }
  return out;
}

absl::StatusOr<std::string> FakeCaseStore::GetValue(const IdempotencyKey& key) {
  absl::MutexLock lock(&mu_);
  if (absl::Status refused = RefusedCall(); !refused.ok()) return refused;
  auto found = values_.find(key.name());
  if (found == values_.end()) return absl::NotFoundError("no value");
  return found->second;
}

absl::StatusOr<std::string> FakeCaseStore::PutIfAbsent(const IdempotencyKey& key, absl::string_view value,
                                                       absl::Duration) {
  absl::MutexLock lock(&mu_);
  if (absl::Status refused = RefusedCall(); !refused.ok()) return refused;
  return values_.try_emplace(key.name(), std::string(value)).first->second;
}

absl::Status FakeCaseStore::Put(const IdempotencyKey& key, absl::string_view value, absl::Duration) {
  absl::MutexLock lock(&mu_);
  if (absl::Status refused = RefusedCall(); !refused.ok()) return refused;
  values_[key.name()] = std::string(value);
  return absl::OkStatus();
}

absl::StatusOr<bool> FakeCaseStore::RecordNotice(absl::string_view case_id, absl::string_view delivery_id,
                                                 absl::string_view payload) {
  absl::MutexLock lock(&mu_);
  if (absl::Status refused = RefusedCall(); !refused.ok()) return refused;
  return notices_[case_id].try_emplace(std::string(delivery_id), std::string(payload)).second;
}

absl::StatusOr<std::vector<std::string>> FakeCaseStore::ListNotices(absl::string_view case_id) {
  absl::MutexLock lock(&mu_);
  if (absl::Status refused = RefusedCall(); !refused.ok()) return refused;
  std::vector<std::string> out;
  auto found = notices_.find(case_id);
  if (found == notices_.end()) return out;
  for (const auto& [id, notice] : found->second) out.push_back(notice);
  return out;
}

}  // namespace hosho::testing
