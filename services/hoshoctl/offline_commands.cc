#include "services/hoshoctl/offline_commands.h"

#include <sys/stat.h>

#include <fstream>
#include <iostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "services/common/auth/auth.h"
#include "services/common/crypto/passwords.h"
#include "services/common/crypto/sealing.h"
#include "services/common/kafka/kafka_impl.h"
#include "services/common/runtime/config.h"
#include "services/hoshoctl/dlq.h"

namespace hosho::ctl {
namespace {

// The users a service's token may act for, as the principals file lists them ("clerk, operator").
absl::StatusOr<std::string> ActsFor(const Args& args) {
  std::string acts_for;
  if (!args.Has("acts-for")) return acts_for;
  if (args.words[2] != "service") return absl::InvalidArgumentError("only a service may act for users");
  const std::string roles = args.Flag("acts-for");
  for (absl::string_view role : absl::StrSplit(roles, ',')) {
    if (role != "clerk" && role != "operator") {
      return absl::InvalidArgumentError("--acts-for may name clerk and operator only");
    }
    absl::StrAppend(&acts_for, acts_for.empty() ? "" : ", ", role);
  }
  return acts_for;
}

// Dead letters from a service's Kafka configuration (production: SASL, TLS) or the development stack file.
int DeadLetters(const Args& args, bool replay) {
  auto config = Config::Load("", args.Flag("kafka-config", args.stack()));
  if (!config.ok()) return Fail(config.status());
  KafkaOptions kafka = KafkaOptionsFromConfig(*config, "hoshoctl");
  if (kafka.bootstrap_servers.empty()) kafka.bootstrap_servers = config->GetString("kafka");
  auto idle_ms = args.IntFlag("idle-ms", 3000);
  if (!idle_ms.ok()) return Fail(idle_ms.status());
  const absl::Duration idle = absl::Milliseconds(*idle_ms);
  auto letters = replay ? ReplayDeadLetters(kafka, args.words[2], idle) : ListDeadLetters(kafka, args.words[2], idle);
  if (!letters.ok()) return Fail(letters.status());
  for (const auto& d : *letters) {
    std::cout << d.dlq_topic << "/" << d.partition << "/" << d.offset << "  " << d.event_id << "  from "
              << d.source_topic << " " << d.source_offset << "  group " << d.group << "  after " << d.attempts
              << " attempts: " << d.error_code << " " << d.error << "\n";
  }
  std::cout << letters->size() << (replay ? " replayed\n" : " dead letters\n");
  return 0;
}

}  // namespace

int NewKeyRing(const Args& args) {
  std::cout << KeyRing::GenerateYaml(args.words[1]);
  return 0;
}

int NewPrincipal(const Args& args) {
  const std::string& name = args.words[1];
  const std::string& role = args.words[2];
  if (!ParseRole(role).ok()) return Fail(absl::InvalidArgumentError("unknown role " + role));
  absl::StatusOr<std::string> acts_for = ActsFor(args);
  if (!acts_for.ok()) return Fail(acts_for.status());
  const std::string token = RandomHex(24);
  const std::string token_file = args.Flag("token-file");
  {
    std::ofstream out(token_file, std::ios::trunc);
    if (!out) return Fail(absl::InvalidArgumentError("cannot write " + token_file));
    out << token << "\n";
  }
  chmod(token_file.c_str(), 0600);
  std::cout << "  - {sha256: " << Sha256Hex(token) << ", principal: " << name << ", role: " << role << ", office: \""
            << (args.words.size() == 4 ? args.words[3] : "") << "\""
            << (acts_for->empty() ? "" : absl::StrCat(", acts_for: [", *acts_for, "]")) << "}\n";
  return 0;
}

int NewAccount(const Args& args) {
  const std::string& username = args.words[1];
  const std::string& office = args.words[2];
  const std::string& role = args.words[3];
  if (role != "clerk" && role != "operator") return Fail(absl::InvalidArgumentError("role must be clerk or operator"));
  if (role == "clerk" && (office.empty() || office == "-")) {
    return Fail(absl::InvalidArgumentError("a clerk needs an office"));
  }
  std::string password;
  std::getline(std::cin, password);
  if (password.size() < 12) return Fail(absl::InvalidArgumentError("the password needs at least 12 characters"));
  auto hash = HashPassword(password);
  if (!hash.ok()) return Fail(hash.status());
  std::cout << "  - {username: " << username << ", display_name: \""
            << (args.words.size() == 5 ? args.words[4] : username) << "\", office: \"" << (office == "-" ? "" : office)
            << "\", role: " << role << ", password_hash: \"" << *hash << "\"}\n";
  return 0;
}

int ListDlq(const Args& args) { return DeadLetters(args, false); }

int ReplayDlq(const Args& args) { return DeadLetters(args, true); }

}  // namespace hosho::ctl
