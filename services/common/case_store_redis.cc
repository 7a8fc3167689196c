#include "services/common/case_store_redis.h"

#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/case_view.h"
#include "services/common/text.h"

namespace hosho {
namespace {

std::string CaseKey(absl::string_view id) { return absl::StrCat("case:{", id, "}"); }

// KEYS: case hash, history list, applied hash.
// ARGV: 1 event_id, 2 expected states ("a,b"; "" = must not exist), 3 expected
// version ("" = any), 4 to_state, 5 actor, 6 reason, 7 now_ms, 8 payload,
// 9.. field/value pairs.
constexpr char kTransitionLua[] = R"lua(
local applied = redis.call('HGET', KEYS[3], ARGV[1])
if applied then
  return {'REPLAY', applied, redis.call('HGET', KEYS[1], 'office') or ''}
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

absl::StatusOr<TransitionResult> ParseRecord(absl::string_view record, bool replayed) {
  std::vector<absl::string_view> parts = absl::StrSplit(record, absl::MaxSplits('\n', 2));
  TransitionResult result;
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &result.version)) {
    return absl::DataLossError("case store: malformed applied record");
  }
  result.state = std::string(parts[1]);
  result.payload = std::string(parts[2]);
  result.replayed = replayed;
  return result;
}

}  // namespace

const std::string& RedisCaseStore::TransitionScript() {
  static const std::string* script = new std::string(kTransitionLua);
  return *script;
}

namespace {

std::vector<std::string> ScriptArgs(const TransitionRequest& request) {
  std::vector<std::string> args = {request.event_id,
                                   absl::StrJoin(request.expected_states, ","),
                                   request.expected_version ? std::to_string(*request.expected_version) : "",
                                   request.to_state,
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
  if (reply->type != RedisReply::Type::kArray || reply->elements.size() != 3) {
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
    return absl::FailedPreconditionError(absl::StrCat("case ", request.case_id, " is ", detail, ", expected ",
                                                      absl::StrJoin(request.expected_states, " or ")));
  }
  if (outcome == "WRONG_VERSION") {
    return absl::AbortedError(absl::StrCat("case ", request.case_id, " is at version ", detail));
  }
  return ParseRecord(detail, outcome == "REPLAY");
}

std::string EndedKey(absl::string_view office, absl::string_view state) {
  return absl::StrCat("ended:{", office, "}:", state);
}

// Contract ids and guarantee numbers → cases (both are identifiers people type, not secrets).
std::string LookupKey(absl::string_view term) { return absl::StrCat("lookup:{", term, "}"); }

// Index commands for an applied step. The index lives outside the case's hash
// slot, so it is maintained after the script; it is derived data, and a replay
// of the same step heals it.
void AppendIndexUpdates(const TransitionRequest& request, const std::string& prev_office,
                        std::vector<std::vector<std::string>>* index) {
  const std::string office = request.office.empty() ? prev_office : request.office;
  if (!prev_office.empty() && prev_office != office) {
    index->push_back({"ZREM", absl::StrCat("inflight:{", prev_office, "}"), request.case_id});
  }
  if (!office.empty()) {
    const std::string inflight = absl::StrCat("inflight:{", office, "}");
    if (request.terminal) {
      index->push_back({"ZREM", inflight, request.case_id});
      // Ended cases by office and final state, scored by when they ended (the overview's counts).
      index->push_back({"ZADD", EndedKey(office, request.to_state), std::to_string(absl::ToUnixMillis(request.at)),
                        request.case_id});
    } else {
      const absl::Time score = request.deadline.value_or(request.at);
      index->push_back({"ZADD", inflight, std::to_string(absl::ToUnixMillis(score)), request.case_id});
    }
  }
  if (request.expected_states.empty()) {
    index->push_back({"ZADD", "cases:recent", "NX", std::to_string(absl::ToUnixMillis(request.at)), request.case_id});
    for (const auto& [field, value] : request.fields) {
      if ((field == case_fields::kContractId || field == case_fields::kGuaranteeNumber) && !value.empty()) {
        index->push_back(
            {"ZADD", LookupKey(value), "NX", std::to_string(absl::ToUnixMillis(request.at)), request.case_id});
      }
    }
  }
}

}  // namespace

namespace {
// The history is a public record read as JSON: a text that is not UTF-8 would make the whole case
// unreadable, so it is refused before anything is written.
absl::Status CheckHistoryText(absl::string_view actor, absl::string_view reason) {
  if (!IsValidUtf8(actor) || !IsValidUtf8(reason)) {
    return absl::InvalidArgumentError("case store: a history text is not valid UTF-8; nothing was written");
  }
  return absl::OkStatus();
}
}  // namespace

absl::StatusOr<TransitionResult> RedisCaseStore::Apply(const TransitionRequest& request) {
  std::vector<absl::StatusOr<TransitionResult>> results = ApplyAll({request});
  return results.front();
}

std::vector<absl::StatusOr<TransitionResult>> RedisCaseStore::ApplyAll(const std::vector<TransitionRequest>& steps) {
  std::vector<absl::StatusOr<TransitionResult>> results;
  std::vector<RedisClient::ScriptCall> calls;
  for (const TransitionRequest& r : steps) {
    if (r.case_id.empty() || r.event_id.empty() || r.to_state.empty()) {
      return std::vector<absl::StatusOr<TransitionResult>>(
          steps.size(), absl::InvalidArgumentError("transition needs a case id, an event id and a target state"));
    }
    if (absl::Status text = CheckHistoryText(r.actor, r.reason); !text.ok()) {
      return std::vector<absl::StatusOr<TransitionResult>>(steps.size(), text);
    }
    const std::string key = CaseKey(r.case_id);
    calls.push_back({{key, key + ":history", key + ":applied"}, ScriptArgs(r)});
  }
  auto replies = redis_->EvalMany(TransitionScript(), calls);
  if (!replies.ok()) return std::vector<absl::StatusOr<TransitionResult>>(steps.size(), replies.status());
  std::vector<std::vector<std::string>> index;
  for (size_t i = 0; i < steps.size(); ++i) {
    std::string prev_office;
    results.push_back(ParseScriptReply(steps[i], (*replies)[i], &prev_office));
    if (results.back().ok()) AppendIndexUpdates(steps[i], prev_office, &index);
  }
  (void)redis_->Pipeline(index);
  return results;
}

namespace {
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

absl::StatusOr<TransitionResult> RedisCaseStore::Note(const CaseNote& note) {
  if (note.case_id.empty() || note.event_id.empty()) {
    return absl::InvalidArgumentError("a case note needs a case id and an event id");
  }
  if (absl::Status text = CheckHistoryText(note.actor, note.reason); !text.ok()) return text;
  const std::string key = CaseKey(note.case_id);
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
  return ParseRecord(reply->elements[1].str, reply->elements[0].str == "REPLAY");
}

namespace {
// KEYS: case hash, history list. ARGV: 1 clerk, 2 now_ms, 3 ttl_ms, 4 reason.
constexpr char kClaimLua[] = R"lua(
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'NOT_FOUND', '', '0', '0'} end
if redis.call('HGET', KEYS[1], 'task') ~= '1' or
   (state ~= 'AWAITING_VERIFICATION' and state ~= 'VERIFYING') then
  return {'NO_TASK', state, '0', '0'}
end
local now = tonumber(ARGV[2])
local holder = redis.call('HGET', KEYS[1], 'claimed_by') or ''
local expires = tonumber(redis.call('HGET', KEYS[1], 'claim_expires_ms') or '0')
local version = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if holder ~= '' and holder ~= ARGV[1] and expires > now then
  return {'HELD', holder, tostring(expires), tostring(version)}
end
local until_ms = now + tonumber(ARGV[3])
if state == 'AWAITING_VERIFICATION' or holder ~= ARGV[1] then
  version = version + 1
  redis.call('HSET', KEYS[1], 'state', 'VERIFYING', 'version', version, 'updated_ms', ARGV[2])
  redis.call('RPUSH', KEYS[2], cjson.encode({v = version, from = state, to = 'VERIFYING', actor = ARGV[1],
    reason = ARGV[4], event_id = '', at_ms = now}))
end
redis.call('HSET', KEYS[1], 'claimed_by', ARGV[1], 'claim_expires_ms', until_ms)
return {'CLAIMED', ARGV[1], tostring(until_ms), tostring(version)}
)lua";
}  // namespace

absl::StatusOr<ClaimResult> RedisCaseStore::Claim(const ClaimRequest& request) {
  if (absl::Status text = CheckHistoryText(request.clerk, request.reason); !text.ok()) return text;
  const std::string key = CaseKey(request.case_id);
  auto reply = redis_->Eval(kClaimLua, {key, key + ":history"},
                            {request.clerk, std::to_string(absl::ToUnixMillis(request.at)),
                             std::to_string(absl::ToInt64Milliseconds(request.ttl)), request.reason});
  if (!reply.ok()) return reply.status();
  if (reply->type != RedisReply::Type::kArray || reply->elements.size() != 4) {
    return absl::DataLossError("case store: unexpected claim reply");
  }
  const std::string& outcome = reply->elements[0].str;
  if (outcome == "NOT_FOUND") return absl::NotFoundError(absl::StrCat("case ", request.case_id, " not found"));
  if (outcome == "NO_TASK") {
    return absl::FailedPreconditionError(
        absl::StrCat("case ", request.case_id, " is not waiting for a clerk (", reply->elements[1].str, ")"));
  }
  ClaimResult result;
  result.claimed = outcome == "CLAIMED";
  result.holder = reply->elements[1].str;
  int64_t expires_ms = 0;
  (void)absl::SimpleAtoi(reply->elements[2].str, &expires_ms);
  (void)absl::SimpleAtoi(reply->elements[3].str, &result.version);
  result.expires_at = absl::FromUnixMillis(expires_ms);
  return result;
}

namespace {
// KEYS: case hash, history. ARGV: 1 clerk, 2 now_ms.
constexpr char kReleaseLua[] = R"lua(
if redis.call('HGET', KEYS[1], 'claimed_by') ~= ARGV[1] then return 0 end
local state = redis.call('HGET', KEYS[1], 'state')
redis.call('HSET', KEYS[1], 'claimed_by', '', 'claim_expires_ms', '0')
redis.call('RPUSH', KEYS[2], cjson.encode({v = tonumber(redis.call('HGET', KEYS[1], 'version') or '0'),
  from = state, to = state, actor = ARGV[1], reason = '確認作業を手放しました', event_id = '',
  at_ms = tonumber(ARGV[2])}))
return 1
)lua";
}  // namespace

absl::Status RedisCaseStore::ReleaseClaim(absl::string_view case_id, absl::string_view clerk, absl::Time at) {
  const std::string key = CaseKey(case_id);
  auto reply =
      redis_->Eval(kReleaseLua, {key, key + ":history"}, {std::string(clerk), std::to_string(absl::ToUnixMillis(at))});
  if (!reply.ok()) return reply.status();
  if (reply->integer != 1) return absl::FailedPreconditionError("the claim is not held by this clerk");
  return absl::OkStatus();
}

absl::Status RedisCaseStore::AddTask(absl::string_view office, absl::string_view case_id, absl::Time due) {
  return redis_
      ->Command(
          {"ZADD", absl::StrCat("tasks:{", office, "}"), std::to_string(absl::ToUnixMillis(due)), std::string(case_id)})
      .status();
}

absl::Status RedisCaseStore::RemoveTask(absl::string_view office, absl::string_view case_id) {
  return redis_->Command({"ZREM", absl::StrCat("tasks:{", office, "}"), std::string(case_id)}).status();
}

absl::StatusOr<std::vector<std::string>> RedisCaseStore::ListTasks(absl::string_view office, int limit, int offset) {
  auto reply = redis_->Command({"ZRANGE", absl::StrCat("tasks:{", office, "}"), std::to_string(offset),
                                std::to_string(offset + std::max(limit, 1) - 1)});
  if (!reply.ok()) return reply.status();
  std::vector<std::string> out;
  for (const auto& e : reply->elements) out.push_back(e.str);
  return out;
}

absl::StatusOr<std::string> RedisCaseStore::GetValue(absl::string_view key) {
  auto reply = redis_->Command({"GET", std::string(key)});
  if (!reply.ok()) return reply.status();
  if (reply->type == RedisReply::Type::kNil) return absl::NotFoundError("no value");
  return reply->str;
}

absl::Status RedisCaseStore::Put(absl::string_view key, absl::string_view value, absl::Duration ttl) {
  std::vector<std::string> argv = {"SET", std::string(key), std::string(value)};
  if (ttl > absl::ZeroDuration()) {
    argv.push_back("PX");
    argv.push_back(std::to_string(absl::ToInt64Milliseconds(ttl)));
  }
  return redis_->Command(argv).status();
}

absl::Status RedisCaseStore::AddTimer(absl::string_view timer, absl::string_view case_id, absl::Time due) {
  return redis_
      ->Command(
          {"ZADD", absl::StrCat("timer:{", timer, "}"), std::to_string(absl::ToUnixMillis(due)), std::string(case_id)})
      .status();
}

absl::StatusOr<std::vector<std::string>> RedisCaseStore::DueTimers(absl::string_view timer, absl::Time now, int limit) {
  auto reply = redis_->Command({"ZRANGEBYSCORE", absl::StrCat("timer:{", timer, "}"), "-inf",
                                std::to_string(absl::ToUnixMillis(now)), "LIMIT", "0", std::to_string(limit)});
  if (!reply.ok()) return reply.status();
  std::vector<std::string> out;
  for (const auto& e : reply->elements) out.push_back(e.str);
  return out;
}

absl::Status RedisCaseStore::RemoveTimer(absl::string_view timer, absl::string_view case_id) {
  return redis_->Command({"ZREM", absl::StrCat("timer:{", timer, "}"), std::string(case_id)}).status();
}

absl::StatusOr<int64_t> RedisCaseStore::CountTimers(absl::string_view timer) {
  auto reply = redis_->Command({"ZCARD", absl::StrCat("timer:{", timer, "}")});
  if (!reply.ok()) return reply.status();
  return reply->integer;
}

absl::StatusOr<std::string> RedisCaseStore::AppliedPayload(absl::string_view case_id, absl::string_view event_id) {
  auto reply = redis_->Command({"HGET", CaseKey(case_id) + ":applied", std::string(event_id)});
  if (!reply.ok()) return reply.status();
  if (reply->type == RedisReply::Type::kNil) {
    return absl::NotFoundError(absl::StrCat("no event ", event_id, " on case ", case_id));
  }
  auto record = ParseRecord(reply->str, true);
  if (!record.ok()) return record.status();
  return record->payload;
}

absl::StatusOr<CaseRecord> RedisCaseStore::Get(absl::string_view case_id) {
  const std::string key = CaseKey(case_id);
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
  auto reply = redis_->Command({"HGET", CaseKey(case_id), "state"});
  if (!reply.ok()) return reply.status();
  if (reply->type == RedisReply::Type::kNil) return absl::NotFoundError(absl::StrCat("case ", case_id, " not found"));
  return reply->str;
}

absl::StatusOr<int64_t> RedisCaseStore::CountEnded(absl::string_view office, absl::string_view state,
                                                   absl::Time since) {
  const std::string min = since == absl::InfinitePast() ? "-inf" : std::to_string(absl::ToUnixMillis(since));
  auto reply = redis_->Command({"ZCOUNT", EndedKey(office, state), min, "+inf"});
  if (!reply.ok()) return reply.status();
  return reply->integer;
}

absl::StatusOr<std::vector<std::string>> RedisCaseStore::NewestFirst(const std::string& index, int limit, int offset) {
  auto reply = redis_->Command({"ZREVRANGE", index, std::to_string(offset), std::to_string(offset + limit - 1)});
  if (!reply.ok()) return reply.status();
  std::vector<std::string> ids;
  for (const auto& e : reply->elements) ids.push_back(e.str);
  return ids;
}

absl::StatusOr<std::vector<std::string>> RedisCaseStore::ListEnded(absl::string_view office, absl::string_view state,
                                                                   int limit, int offset) {
  return NewestFirst(EndedKey(office, state), limit, offset);
}

absl::StatusOr<std::vector<std::string>> RedisCaseStore::LookupCaseIds(absl::string_view term, int limit) {
  if (term.empty()) return std::vector<std::string>{};
  return NewestFirst(LookupKey(term), limit, 0);
}

absl::StatusOr<std::vector<std::string>> RedisCaseStore::ListCaseIds(absl::string_view office, int limit, int offset) {
  return NewestFirst(office.empty() ? "cases:recent" : absl::StrCat("inflight:{", office, "}"), limit, offset);
}

absl::StatusOr<std::vector<std::string>> RedisCaseStore::ListReceived(absl::Time from, absl::Time to, int limit,
                                                                      int offset) {
  auto reply = redis_->Command({"ZRANGEBYSCORE", "cases:recent", std::to_string(absl::ToUnixMillis(from)),
                                absl::StrCat("(", absl::ToUnixMillis(to)), "LIMIT", std::to_string(offset),
                                std::to_string(limit)});
  if (!reply.ok()) return reply.status();
  std::vector<std::string> ids;
  ids.reserve(reply->elements.size());
  for (const auto& e : reply->elements) ids.push_back(e.str);
  return ids;
}

absl::StatusOr<std::vector<CaseSummary>> RedisCaseStore::Summaries(const std::vector<std::string>& case_ids) {
  std::vector<std::vector<std::string>> commands;
  commands.reserve(case_ids.size());
  for (const std::string& id : case_ids)
    commands.push_back(
        {"HMGET", CaseKey(id), "state", "office", "kind", "deadline_ms", "ordering_office", "department_in_charge"});
  auto replies = redis_->Pipeline(commands);
  if (!replies.ok()) return replies.status();
  std::vector<CaseSummary> out;
  for (size_t i = 0; i < case_ids.size(); ++i) {
    const auto& reply = (*replies)[i];
    if (!reply.ok()) return reply.status();
    if (reply->elements.size() != 6 || reply->elements[0].type == RedisReply::Type::kNil) continue;
    CaseSummary summary{case_ids[i],  reply->elements[0].str, reply->elements[1].str, reply->elements[2].str,
                        std::nullopt, reply->elements[4].str, reply->elements[5].str};
    int64_t ms = 0;
    if (absl::SimpleAtoi(reply->elements[3].str, &ms)) summary.deadline = absl::FromUnixMillis(ms);
    out.push_back(std::move(summary));
  }
  return out;
}

absl::StatusOr<std::string> RedisCaseStore::PutIfAbsent(absl::string_view key, absl::string_view value,
                                                        absl::Duration ttl) {
  std::vector<std::string> argv = {"SET", std::string(key), std::string(value), "NX", "GET"};
  if (ttl > absl::ZeroDuration()) {
    argv.push_back("PX");
    argv.push_back(std::to_string(absl::ToInt64Milliseconds(ttl)));
  }
  auto reply = redis_->Command(argv);
  if (!reply.ok()) return reply.status();
  if (reply->type == RedisReply::Type::kNil) return std::string(value);
  return reply->str;
}

absl::StatusOr<bool> RedisCaseStore::RecordNotice(absl::string_view case_id, absl::string_view delivery_id,
                                                  absl::string_view payload) {
  auto reply =
      redis_->Command({"HSETNX", CaseKey(case_id) + ":notices", std::string(delivery_id), std::string(payload)});
  if (!reply.ok()) return reply.status();
  return reply->integer == 1;
}

absl::StatusOr<std::vector<std::string>> RedisCaseStore::ListNotices(absl::string_view case_id) {
  auto reply = redis_->Command({"HVALS", CaseKey(case_id) + ":notices"});
  if (!reply.ok()) return reply.status();
  std::vector<std::string> out;
  for (const auto& e : reply->elements) out.push_back(e.str);
  return out;
}

// KEYS: contract, its version. ARGV: serialized contract, new version.
constexpr char kContractCasLua[] = R"lua(
local current = tonumber(redis.call('GET', KEYS[2]) or '0')
if current ~= tonumber(ARGV[2]) - 1 then return current end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2])
return -1
)lua";

absl::Status RedisContractStore::PutVersion(absl::string_view contract_id, absl::string_view serialized,
                                            int64_t version) {
  const std::string key = absl::StrCat("contract:{", contract_id, "}");
  auto reply =
      redis_->Eval(kContractCasLua, {key, key + ":version"}, {std::string(serialized), std::to_string(version)});
  if (!reply.ok()) return reply.status();
  if (reply->integer != -1) {
    return absl::AbortedError(absl::StrCat("contract ", contract_id, " is at version ", reply->integer));
  }
  auto add = redis_->Command({"SADD", "contracts:all", std::string(contract_id)});
  return add.ok() ? absl::OkStatus() : add.status();
}

absl::StatusOr<std::string> RedisContractStore::Get(absl::string_view contract_id) {
  auto reply = redis_->Command({"GET", absl::StrCat("contract:{", contract_id, "}")});
  if (!reply.ok()) return reply.status();
  if (reply->type == RedisReply::Type::kNil) {
    return absl::NotFoundError(absl::StrCat("contract ", contract_id, " not found"));
  }
  return reply->str;
}

absl::StatusOr<std::string> RedisContractStore::IdForNumber(absl::string_view contract_number) {
  auto reply = redis_->Command({"HGET", "contracts:by-number", std::string(contract_number)});
  if (!reply.ok()) return reply.status();
  if (reply->type == RedisReply::Type::kNil) {
    return absl::NotFoundError(absl::StrCat("no contract numbered ", contract_number));
  }
  return reply->str;
}

absl::Status RedisContractStore::IndexNumber(absl::string_view contract_number, absl::string_view contract_id) {
  return redis_->Command({"HSET", "contracts:by-number", std::string(contract_number), std::string(contract_id)})
      .status();
}

absl::StatusOr<std::vector<std::string>> RedisContractStore::ListIds() {
  auto reply = redis_->Command({"SMEMBERS", "contracts:all"});
  if (!reply.ok()) return reply.status();
  std::vector<std::string> out;
  for (const auto& e : reply->elements) out.push_back(e.str);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace hosho
