#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/runtime/log.h"
#include "services/common/runtime/metrics.h"
#include "services/common/store/case_fields.h"
#include "services/common/store/case_states.h"
#include "services/common/store/case_store_redis.h"
#include "services/common/store/redis_case_keys.h"
#include "services/common/text/text.h"

namespace hosho {

namespace redis_keys {

absl::StatusOr<TransitionResult> ParseAppliedRecord(absl::string_view record, bool replayed) {
  std::vector<absl::string_view> parts = absl::StrSplit(record, absl::MaxSplits('\n', 2));
  TransitionResult result;
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &result.version)) {
    return absl::DataLossError("case store: malformed applied record");
  }
  result.state = ParseStateName(parts[1]);
  result.payload = std::string(parts[2]);
  result.replayed = replayed;
  return result;
}

}  // namespace redis_keys

namespace {

// KEYS: case hash, history list, applied hash.
// ARGV: 1 event_id, 2 expected states ("a,b"; "" = must not exist), 3 expected
// version ("" = any), 4 to_state, 5 actor, 6 reason, 7 now_ms, 8 payload,
// 9.. field/value pairs.
constexpr char kTransitionLua[] = R"lua(
local applied = redis.call('HGET', KEYS[3], ARGV[1])
if applied then
  return {'REPLAY', applied, redis.call('HGET', KEYS[1], 'office') or '', redis.call('HGET', KEYS[1], 'state') or ''}
end
local state = redis.call('HGET', KEYS[1], 'state')
if ARGV[2] == '' then
  if state then return {'EXISTS', state, ''} end
else
  if not state then return {'NOT_FOUND', '', ''} end
  local ok = false
  for s in string.gmatch(ARGV[2], '[^,]+') do
    if s == state then ok = true end
  end
  if not ok then return {'WRONG_STATE', state, ''} end
end
local version = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if ARGV[3] ~= '' and tonumber(ARGV[3]) ~= version then
  return {'WRONG_VERSION', tostring(version), ''}
end
local prev_office = redis.call('HGET', KEYS[1], 'office') or ''
version = version + 1
redis.call('HSET', KEYS[1], 'state', ARGV[4], 'version', version, 'updated_ms', ARGV[7], unpack(ARGV, 9))
redis.call('RPUSH', KEYS[2], cjson.encode({v = version, from = state or '', to = ARGV[4],
  actor = ARGV[5], reason = ARGV[6], event_id = ARGV[1], at_ms = tonumber(ARGV[7])}))
local record = version .. '\n' .. ARGV[4] .. '\n' .. ARGV[8]
redis.call('HSET', KEYS[3], ARGV[1], record)
return {'APPLIED', record, prev_office}
)lua";

// The expected states by name ("a,b"), as they are stored; `separator` between them.
std::string ExpectedNames(const TransitionRequest& request, absl::string_view separator) {
  return absl::StrJoin(request.expected_states, separator,
                       [](std::string* out, hosho::v1::CaseState s) { out->append(StateName(s)); });
}

std::vector<std::string> ScriptArgs(const TransitionRequest& request) {
  std::vector<std::string> args = {request.event_id,
                                   ExpectedNames(request, ","),
                                   request.expected_version ? std::to_string(*request.expected_version) : "",
                                   StateName(request.to_state),
                                   request.actor,
                                   request.reason,
                                   std::to_string(absl::ToUnixMillis(request.at)),
                                   request.payload};
  for (const auto& [field, value] : request.fields) {
    args.push_back(field);
    args.push_back(value);
  }
  if (!request.office.empty()) {
    args.push_back("office");
    args.push_back(request.office);
  }
  if (request.deadline) {
    args.push_back("deadline_ms");
    args.push_back(std::to_string(absl::ToUnixMillis(*request.deadline)));
  }
  return args;
}

// The script's answer as a result, and the office the case had before.
absl::StatusOr<TransitionResult> ParseScriptReply(const TransitionRequest& request,
                                                  const absl::StatusOr<RedisReply>& reply, std::string* prev_office) {
  if (!reply.ok()) return reply.status();
  if (reply->type != RedisReply::Type::kArray || reply->elements.size() < 3) {
    return absl::DataLossError("case store: unexpected script reply");
  }
  const std::string& outcome = reply->elements[0].str;
  const std::string& detail = reply->elements[1].str;
  *prev_office = reply->elements[2].str;
  if (outcome == "EXISTS") {
    return absl::AlreadyExistsError(absl::StrCat("case ", request.case_id, " already exists (", detail, ")"));
  }
  if (outcome == "NOT_FOUND") return absl::NotFoundError(absl::StrCat("case ", request.case_id, " not found"));
  if (outcome == "WRONG_STATE") {
    return absl::FailedPreconditionError(
        absl::StrCat("case ", request.case_id, " is ", detail, ", expected ", ExpectedNames(request, " or ")));
  }
  if (outcome == "WRONG_VERSION") {
    return absl::AbortedError(absl::StrCat("case ", request.case_id, " is at version ", detail));
  }
  return redis_keys::ParseAppliedRecord(detail, outcome == "REPLAY");
}

// Index commands for an applied step. The index lives outside the case's hash
// slot, so it is maintained after the script; it is derived data, and a replay
// of the same step heals it.
void AppendIndexUpdates(const TransitionRequest& request, const std::string& prev_office,
                        std::vector<std::vector<std::string>>* index) {
  const std::string office = request.office.empty() ? prev_office : request.office;
  if (!prev_office.empty() && prev_office != office) {
    index->push_back({"ZREM", redis_keys::Inflight(prev_office), request.case_id});
  }
  if (!office.empty()) {
    const std::string inflight = redis_keys::Inflight(office);
    if (request.terminal) {
      index->push_back({"ZREM", inflight, request.case_id});
      // Ended cases by office and final state, scored by when they ended (the overview's counts).
      index->push_back({"ZADD", redis_keys::Ended(office, StateName(request.to_state)),
                        std::to_string(absl::ToUnixMillis(request.at)), request.case_id});
    } else {
      const absl::Time score = request.deadline.value_or(request.at);
      index->push_back({"ZADD", inflight, std::to_string(absl::ToUnixMillis(score)), request.case_id});
    }
  }
  if (request.expected_states.empty()) {
    index->push_back(
        {"ZADD", redis_keys::kRecent, "NX", std::to_string(absl::ToUnixMillis(request.at)), request.case_id});
    for (const auto& [field, value] : request.fields) {
      if ((field == case_fields::kContractId || field == case_fields::kGuaranteeNumber) && !value.empty()) {
        index->push_back(
            {"ZADD", redis_keys::Lookup(value), "NX", std::to_string(absl::ToUnixMillis(request.at)), request.case_id});
      }
    }
  }
}

// The history is a public record read as JSON: a text that is not UTF-8 would make the whole case
// unreadable, so it is refused before anything is written.
absl::Status CheckHistoryText(absl::string_view actor, absl::string_view reason) {
  if (!IsValidUtf8(actor) || !IsValidUtf8(reason)) {
    return absl::InvalidArgumentError("case store: a history text is not valid UTF-8; nothing was written");
  }
  return absl::OkStatus();
}

// What refuses a step before Redis is asked: a missing name, a history text that is not UTF-8, a
// step the lifecycle table does not have.
absl::Status CheckStep(const TransitionRequest& r) {
  if (r.case_id.empty() || r.event_id.empty() || r.to_state == hosho::v1::CASE_STATE_UNSPECIFIED) {
    return absl::InvalidArgumentError("transition needs a case id, an event id and a target state");
  }
  if (absl::Status text = CheckHistoryText(r.actor, r.reason); !text.ok()) return text;
  return CheckTransition(r.expected_states, r.to_state);
}

// KEYS: case hash, history list, applied hash. ARGV: 1 event_id, 2 actor, 3 reason, 4 now_ms,
// 5 counter field ('' = none), 6 payload, 7.. field/value pairs.
constexpr char kNoteLua[] = R"lua(
local applied = redis.call('HGET', KEYS[3], ARGV[1])
if applied then return {'REPLAY', applied} end
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'NOT_FOUND', ''} end
local version = redis.call('HGET', KEYS[1], 'version') or '0'
if ARGV[5] ~= '' then redis.call('HINCRBY', KEYS[1], ARGV[5], 1) end
if #ARGV > 6 then redis.call('HSET', KEYS[1], unpack(ARGV, 7)) end
redis.call('RPUSH', KEYS[2], cjson.encode({v = tonumber(version), from = state, to = state,
  actor = ARGV[2], reason = ARGV[3], event_id = ARGV[1], at_ms = tonumber(ARGV[4])}))
local record = version .. '\n' .. state .. '\n' .. ARGV[6]
redis.call('HSET', KEYS[3], ARGV[1], record)
return {'APPLIED', record}
)lua";

}  // namespace

const std::string& RedisCaseStore::TransitionScript() {
  static const std::string* script = new std::string(kTransitionLua);
  return *script;
}

absl::StatusOr<TransitionResult> RedisCaseStore::Apply(const TransitionRequest& request) {
  std::vector<absl::StatusOr<TransitionResult>> results = ApplyAll({request});
  return results.front();
}

std::vector<absl::StatusOr<TransitionResult>> RedisCaseStore::ApplyAll(const std::vector<TransitionRequest>& steps) {
  std::vector<absl::StatusOr<TransitionResult>> results;
  std::vector<RedisClient::ScriptCall> calls;
  for (const TransitionRequest& r : steps) {
    if (absl::Status bad = CheckStep(r); !bad.ok()) {
      return std::vector<absl::StatusOr<TransitionResult>>(steps.size(), bad);
    }
    const std::string key = redis_keys::Case(r.case_id);
    calls.push_back({{key, key + ":history", key + ":applied"}, ScriptArgs(r)});
  }
  auto replies = redis_->EvalMany(TransitionScript(), calls);
  if (!replies.ok()) return std::vector<absl::StatusOr<TransitionResult>>(steps.size(), replies.status());
  std::vector<std::vector<std::string>> index;
  for (size_t i = 0; i < steps.size(); ++i) {
    std::string prev_office;
    results.push_back(ParseScriptReply(steps[i], (*replies)[i], &prev_office));
    // A replay heals the indexes of the step it repeats (their update follows the script and may have
    // failed), but only while the case is still in that step's state: a redelivered old step must not
    // put a case that moved on (or ended) back into the in-flight list of the office it left.
    const bool moved_on = results.back().ok() && results.back()->replayed && (*replies)[i].ok() &&
                          (*replies)[i]->elements.size() > 3 &&
                          (*replies)[i]->elements[3].str != StateName(results.back()->state);
    if (results.back().ok() && !moved_on) AppendIndexUpdates(steps[i], prev_office, &index);
  }
  if (index.empty()) return results;
  // The indexes are derived data that a replay of the same step heals; a failed update is counted
  // and logged, not returned, because the steps themselves were applied.
  auto updated = redis_->Pipeline(index);
  bool failed = !updated.ok();
  if (updated.ok()) {
    for (const auto& reply : *updated) failed = failed || !reply.ok();
  }
  if (failed) {
    Metrics()
        .GetCounter("hosho_case_index_update_failures_total",
                    "Index updates after an applied step that Redis refused (a replay of the step heals them).")
        .Increment();
    LogWarn("case index update failed", {{"steps", static_cast<int64_t>(steps.size())}});
  }
  return results;
}

absl::StatusOr<TransitionResult> RedisCaseStore::Note(const CaseNote& note) {
  if (note.case_id.empty() || note.event_id.empty()) {
    return absl::InvalidArgumentError("a case note needs a case id and an event id");
  }
  if (absl::Status text = CheckHistoryText(note.actor, note.reason); !text.ok()) return text;
  const std::string key = redis_keys::Case(note.case_id);
  std::vector<std::string> args = {note.event_id,      note.actor,
                                   note.reason,        std::to_string(absl::ToUnixMillis(note.at)),
                                   note.counter_field, note.payload};
  for (const auto& [field, value] : note.fields) {
    args.push_back(field);
    args.push_back(value);
  }
  auto reply = redis_->Eval(kNoteLua, {key, key + ":history", key + ":applied"}, args);
  if (!reply.ok()) return reply.status();
  if (reply->type != RedisReply::Type::kArray || reply->elements.size() != 2) {
    return absl::DataLossError("case store: unexpected note reply");
  }
  if (reply->elements[0].str == "NOT_FOUND") {
    return absl::NotFoundError(absl::StrCat("case ", note.case_id, " not found"));
  }
  return redis_keys::ParseAppliedRecord(reply->elements[1].str, reply->elements[0].str == "REPLAY");
}

absl::StatusOr<CaseRecord> RedisCaseStore::Get(absl::string_view case_id) {
  const std::string key = redis_keys::Case(case_id);
  auto fields = redis_->Command({"HGETALL", key});
  if (!fields.ok()) return fields.status();
  if (fields->elements.empty()) return absl::NotFoundError(absl::StrCat("case ", case_id, " not found"));
  CaseRecord record;
  record.case_id = std::string(case_id);
  for (size_t i = 0; i + 1 < fields->elements.size(); i += 2) {
    record.fields[fields->elements[i].str] = fields->elements[i + 1].str;
  }
  auto history = redis_->Command({"LRANGE", key + ":history", "0", "-1"});
  if (!history.ok()) return history.status();
  for (const auto& item : history->elements) {
    // An entry an older version cut inside a character is repaired (U+FFFD) rather than lost with
    // the whole case.
    nlohmann::json j = nlohmann::json::parse(IsValidUtf8(item.str) ? item.str : RepairUtf8(item.str), nullptr,
                                             /*allow_exceptions=*/false);
    if (j.is_discarded()) return absl::DataLossError("case store: malformed history entry");
    HistoryRecord h;
    h.version = j.value("v", int64_t{0});
    h.from_state = j.value("from", "");
    h.to_state = j.value("to", "");
    h.actor = j.value("actor", "");
    h.reason = j.value("reason", "");
    h.event_id = j.value("event_id", "");
    h.at = absl::FromUnixMillis(j.value("at_ms", int64_t{0}));
    record.history.push_back(std::move(h));
  }
  return record;
}

absl::StatusOr<std::string> RedisCaseStore::GetState(absl::string_view case_id) {
  auto reply = redis_->Command({"HGET", redis_keys::Case(case_id), "state"});
  if (!reply.ok()) return reply.status();
  if (reply->type == RedisReply::Type::kNil) return absl::NotFoundError(absl::StrCat("case ", case_id, " not found"));
  return reply->str;
}

absl::StatusOr<std::string> RedisCaseStore::AppliedPayload(absl::string_view case_id, absl::string_view event_id) {
  auto reply = redis_->Command({"HGET", redis_keys::Case(case_id) + ":applied", std::string(event_id)});
  if (!reply.ok()) return reply.status();
  if (reply->type == RedisReply::Type::kNil) {
    return absl::NotFoundError(absl::StrCat("no event ", event_id, " on case ", case_id));
  }
  auto record = redis_keys::ParseAppliedRecord(reply->str, true);
  if (!record.ok()) return record.status();
  return record->payload;
}

}  // namespace hosho
