#include "services/common/store/redis_contract_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace hosho {
namespace {

// KEYS: contract, its version. ARGV: serialized contract, new version.
constexpr char kContractCasLua[] = R"lua(
local current = tonumber(redis.call('GET', KEYS[2]) or '0')
if current ~= tonumber(ARGV[2]) - 1 then return current end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2])
return -1
)lua";

}  // namespace

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
