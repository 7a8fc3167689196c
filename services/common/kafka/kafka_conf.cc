#include "services/common/kafka/kafka_conf.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "services/common/runtime/log.h"

namespace hosho {

void KafkaLogCallback(const rd_kafka_t*, int level, const char* facility, const char* message) {
  // librdkafka never sees secrets in payloads it logs; keep its warnings and errors. A broker that
  // stays unreachable (or refuses the credentials) repeats the same line at every reconnect: each
  // distinct line is written once a minute at most.
  if (level > 4) return;
  static absl::Mutex mu(absl::kConstInit);
  static auto* last = new absl::flat_hash_map<std::string, absl::Time>();
  // librdkafka appends "(after N ms in state X, M identical error(s) suppressed)": not part of the line.
  absl::string_view text = message;
  if (const size_t after = text.find(" (after "); after != absl::string_view::npos) text = text.substr(0, after);
  const std::string line = absl::StrCat(facility, "|", text);
  const absl::Time now = absl::Now();
  {
    absl::MutexLock lock(&mu);
    auto [it, fresh] = last->try_emplace(line, now);
    if (!fresh && now - it->second < absl::Minutes(1)) return;
    it->second = now;
    if (last->size() > 1000) last->clear();
  }
  LogWarn("librdkafka", {{"facility", facility}, {"detail", message}});
}

absl::Status SetConf(rd_kafka_conf_t* conf, const std::string& name, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    return absl::InvalidArgumentError(absl::StrCat("kafka property ", name, ": ", err));
  }
  return absl::OkStatus();
}

absl::StatusOr<ConfPtr> BaseConf(const KafkaOptions& options,
                                 const std::vector<std::pair<std::string, std::string>>& fixed) {
  ConfPtr conf(rd_kafka_conf_new());
  rd_kafka_conf_set_log_cb(conf.get(), KafkaLogCallback);
  if (!options.bootstrap_servers.empty()) {
    if (auto s = SetConf(conf.get(), "bootstrap.servers", options.bootstrap_servers); !s.ok()) return s;
  }
  if (auto s = SetConf(conf.get(), "client.id", options.client_id); !s.ok()) return s;
  for (const auto& [k, v] : options.properties) {
    if (auto s = SetConf(conf.get(), k, v); !s.ok()) return s;
  }
  // Properties the delivery guarantees depend on are applied last: configuration cannot weaken them.
  for (const auto& [k, v] : fixed) {
    if (auto s = SetConf(conf.get(), k, v); !s.ok()) return s;
  }
  return conf;
}

}  // namespace hosho
