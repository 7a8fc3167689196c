#include "services/hoshoctl/commands.h"

#include <iostream>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "services/common/runtime/errors.h"
#include "services/hoshoctl/case_commands.h"
#include "services/hoshoctl/clerk_commands.h"
#include "services/hoshoctl/offline_commands.h"

namespace hosho::ctl {
namespace {

constexpr char kClerk[] = "contract-division-clerk";  // the development stack's clerk
constexpr char kContractSystem[] = "city-contract-system";

constexpr Command kCommands[] = {
    {.name = "submit", .stage = Stage::kOwnPrincipal, .acts_as = "demo-submitter", .run = Submit},
    {.name = "get", .stage = Stage::kAfterOperator, .min_words = 2, .max_words = 2, .run = GetCase},
    {.name = "list", .stage = Stage::kAfterOperator, .run = ListCases},
    {.name = "watch", .stage = Stage::kAfterOperator, .min_words = 2, .max_words = 2, .run = WatchCase},
    {.name = "contract upsert",
     .stage = Stage::kAfterOperator,
     .min_words = 3,
     .max_words = 3,
     .acts_as = kContractSystem,
     .run = UpsertContracts},
    {.name = "contract import",
     .stage = Stage::kAfterOperator,
     .min_words = 3,
     .max_words = 3,
     .acts_as = kContractSystem,
     .run = ImportContracts},
    {.name = "form import", .stage = Stage::kAfterOperator, .min_words = 3, .max_words = 3, .run = ImportForms},
    {.name = "form post", .stage = Stage::kAfterOperator, .min_words = 3, .max_words = 3, .run = PostForm},
    {.name = "mail deliver", .stage = Stage::kAfterOperator, .min_words = 3, .max_words = 3, .run = DeliverMail},
    {.name = "notices", .stage = Stage::kAfterOperator, .min_words = 2, .max_words = 2, .run = ListCaseNotices},
    {.name = "tasks", .stage = Stage::kOwnPrincipal, .acts_as = kClerk, .run = ListClerkTasks},
    {.name = "claim",
     .stage = Stage::kOwnPrincipal,
     .min_words = 2,
     .max_words = 2,
     .acts_as = kClerk,
     .run = ClaimClerkTask},
    {.name = "release",
     .stage = Stage::kOwnPrincipal,
     .min_words = 2,
     .max_words = 2,
     .acts_as = kClerk,
     .run = ReleaseClerkTask},
    {.name = "reveal",
     .stage = Stage::kOwnPrincipal,
     .min_words = 2,
     .max_words = 2,
     .acts_as = kClerk,
     .run = RevealTaskCredential},
    {.name = "record",
     .stage = Stage::kOwnPrincipal,
     .min_words = 2,
     .max_words = 2,
     .acts_as = kClerk,
     .run = RecordTaskCertificate},
    {.name = "conclude",
     .stage = Stage::kAfterOperator,
     .min_words = 2,
     .max_words = 2,
     .acts_as = kClerk,
     .run = Conclude},
    {.name = "acknowledge",
     .stage = Stage::kAfterOperator,
     .min_words = 2,
     .max_words = 2,
     .acts_as = kClerk,
     .run = Acknowledge},
    {.name = "payment-handoff",
     .stage = Stage::kAfterOperator,
     .min_words = 2,
     .max_words = 2,
     .acts_as = kClerk,
     .run = HandOffPayment},
    {.name = "withdraw",
     .stage = Stage::kAfterOperator,
     .min_words = 2,
     .max_words = 2,
     .acts_as = kClerk,
     .run = Withdraw},
    {.name = "office-watch",
     .stage = Stage::kAfterOperator,
     .max_words = 2,
     .acts_as = kClerk,
     .run = WatchOfficeNotices},
    {.name = "payments", .stage = Stage::kAfterOperator, .acts_as = "operator", .run = ListPayments},
    // docs/api.md describes the ledger; the usage line is printed as it always was, without it.
    {.name = "ledger", .stage = Stage::kAfterOperator, .in_usage_line = false, .run = ExportLedger},
    {.name = "dlq list", .stage = Stage::kOffline, .min_words = 3, .max_words = 3, .offline = ListDlq},
    {.name = "dlq replay", .stage = Stage::kOffline, .min_words = 3, .max_words = 3, .offline = ReplayDlq},
    {.name = "keyring-new", .stage = Stage::kOffline, .min_words = 2, .max_words = 2, .offline = NewKeyRing},
    {.name = "principal-new",
     .stage = Stage::kOffline,
     .min_words = 3,
     .max_words = 4,
     .required_flag = "token-file",
     .offline = NewPrincipal},
    {.name = "account-new", .stage = Stage::kOffline, .min_words = 4, .max_words = 5, .offline = NewAccount},
    {.name = "demo", .stage = Stage::kOwnPrincipal, .run = RunDemo},
};

// The first word, and the second of a two-word name.
bool NameMatches(const Command& command, const Args& args) {
  const absl::string_view name = command.name;
  const size_t space = name.find(' ');
  if (name.substr(0, space) != args.words[0]) return false;
  return space == absl::string_view::npos || (args.words.size() >= 2 && args.words[1] == name.substr(space + 1));
}

bool ArgumentsFit(const Command& command, const Args& args) {
  const int words = static_cast<int>(args.words.size());
  return words >= command.min_words && words <= command.max_words &&
         (command.required_flag == nullptr || args.Has(command.required_flag));
}

// The command of `stage` that the words name; `fitting`: whose arguments fit as well.
const Command* Find(const Args& args, Stage stage, bool fitting) {
  for (const Command& command : kCommands) {
    if (command.stage == stage && NameMatches(command, args) && (!fitting || ArgumentsFit(command, args))) {
      return &command;
    }
  }
  return nullptr;
}

absl::Status ActAs(HoshoClient& client, const Args& args, const char* fallback) {
  const std::string principal = args.principal();
  return client.ActAs(principal.empty() ? fallback : principal);
}

absl::StatusOr<std::unique_ptr<HoshoClient>> ConnectToStack(const Args& args) {
  auto endpoints = EndpointsFromStackFile(args.stack());
  if (!endpoints.ok()) return endpoints.status();
  return HoshoClient::Connect(*endpoints);
}

int RunAgainstStack(HoshoClient& client, const Args& args) {
  if (const Command* own = Find(args, Stage::kOwnPrincipal, false); own != nullptr) {
    if (own->acts_as != nullptr) {
      if (absl::Status s = ActAs(client, args, own->acts_as); !s.ok()) return Fail(s);
    }
    return ArgumentsFit(*own, args) ? own->run(client, args) : Usage();
  }
  if (absl::Status s = ActAs(client, args, "operator"); !s.ok()) return Fail(s);
  const Command* command = Find(args, Stage::kAfterOperator, true);
  if (command == nullptr) return Usage();
  if (command->acts_as != nullptr) {
    if (absl::Status s = ActAs(client, args, command->acts_as); !s.ok()) return Fail(s);
  }
  return command->run(client, args);
}

}  // namespace

std::string Args::Flag(const std::string& flag, const std::string& fallback) const {
  const auto it = flags.find(flag);
  return it == flags.end() ? fallback : it->second;
}

absl::StatusOr<int64_t> Args::IntFlag(const std::string& flag, int64_t fallback) const {
  const auto it = flags.find(flag);
  if (it == flags.end()) return fallback;
  int64_t value = 0;
  if (!absl::SimpleAtoi(it->second, &value)) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, " must be a whole number, not \"", it->second, "\""));
  }
  return value;
}

Args ParseArgs(int argc, const char* const* argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (!absl::StartsWith(a, "--")) {
      args.words.push_back(a);
      continue;
    }
    const size_t eq = a.find('=');
    args.flags[a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2)] =
        eq == std::string::npos ? "true" : a.substr(eq + 1);
  }
  return args;
}

absl::Span<const Command> Commands() { return kCommands; }

int RunCommandLine(const Args& args) {
  if (args.words.empty()) return Usage();
  if (const Command* offline = Find(args, Stage::kOffline, true); offline != nullptr) return offline->offline(args);
  auto client = ConnectToStack(args);
  if (!client.ok()) return Fail(client.status());
  return RunAgainstStack(**client, args);
}

int Usage() {
  std::string names;
  for (const Command& command : kCommands) {
    if (command.in_usage_line) absl::StrAppend(&names, names.empty() ? "" : "|", command.name);
  }
  std::cerr << "usage: hoshoctl [--stack=.run/stack.yaml] [--as=PRINCIPAL] " << names << " ...\n";
  return 2;
}

int Fail(const absl::Status& status) {
  std::cerr << "error: " << absl::StatusCodeToString(status.code()) << ": " << status.message() << "\n";
  for (const auto& v : ViolationsOf(status)) {
    std::cerr << "  " << v.field << ": " << v.code << " " << v.message_ja << "\n";
  }
  return 1;
}

}  // namespace hosho::ctl
