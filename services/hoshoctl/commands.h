// hoshoctl's commands: the command line for people and scripts.
//
//   hoshoctl [--stack=.run/stack.yaml] [--as=PRINCIPAL] COMMAND ...
//     submit --contract=ID --kind=contract --issuer-kind=surety_company --issuer=east_japan_construction_surety
//            --request-id=ID (--guarantee-number=N --key-file=F | --viewing-url=U --password-file=F
//            [--project-name=工事名 --contractor-name=受注者名]) [--amount=YEN]
//     get CASE_ID            list [--office=X]         watch CASE_ID
//     contract upsert FILE.yaml                         notices CASE_ID
//     contract import FILE.csv [--report=OUT.csv]       (UTF-8 or Shift_JIS; exit 1 if a row was refused)
//     form import FILE.csv [--report=OUT.csv]           (the web form's CSV export; exit 1 if a row was refused)
//     form post FILE.json                               (signs and posts an answer to the webhook: development)
//     mail deliver FILE.eml                             (delivers into the development mailbox)
//     tasks [--office=X]    claim TASK    release TASK    (clerks; --as=<clerk principal>)
//     reveal TASK --reason=TEXT                         (prints the credential; every showing is audited)
//     record TASK (--certificate=FILE.yaml | --no-certificate=REASON)
//     demo [--scenario=deploy/demo/scenario.yaml] [--clerks=deploy/demo/certificates.yaml]
//                                                       (prints the scenario table; exit 0 only if all OK;
//                                                        --clerks: the offices' clerks check every electronic
//                                                        case, reading the platforms' certificates from FILE)
//     ledger [--office=X|*] [--from=DATE] [--to=DATE] [--kind=K] [--state=S] [--format=csv|csv-sjis|xlsx]
//            [--out=FILE]                               (保証台帳; default this fiscal year; a clerk: own office)
//     conclude CASE [--note=T]   acknowledge CASE [--note=T]   payment-handoff CASE [--note=T]
//     withdraw CASE --note=REASON                        (hand-off steps; --as=<clerk of the office>)
//     office-watch [OFFICE] [--after=CURSOR]            (an office's notices as they come; prints cursors)
//     payments                                          (what the accounting simulator received)
//     dlq list TOPIC.dlq | dlq replay TOPIC.dlq [--kafka-config=SERVICE.yaml] [--idle-ms=3000]
//                                                       (dead letters: list them, or send them back once)
//     keyring-new KEY_ID                                (prints a new sealing key ring: a Secret for a cluster)
//     principal-new NAME ROLE [OFFICE] --token-file=F [--acts-for=clerk,operator]
//                                         (writes a new token to F, prints its principals.yaml line; --acts-for
//                                         lets a service such as hosho-console call as a signed-in user)
//     account-new USERNAME OFFICE|- ROLE [DISPLAY_NAME]  (reads a password from stdin, prints its accounts line)
//
// Secrets are read from files (or '-' for stdin), never from the command line.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "services/hoshoctl/client.h"

namespace hosho::ctl {

// The command line split into --name=value flags (a bare --name is "true"; the last one given wins)
// and the words between them.
struct Args {
  std::vector<std::string> words;
  std::map<std::string, std::string> flags;

  bool Has(const std::string& flag) const { return flags.contains(flag); }
  // The flag's value, or `fallback` when it is not given.
  std::string Flag(const std::string& flag, const std::string& fallback = "") const;
  // A whole-number flag, or `fallback` when it is not given; INVALID_ARGUMENT naming the flag when
  // its value is not a number.
  absl::StatusOr<int64_t> IntFlag(const std::string& flag, int64_t fallback) const;
  std::string stack() const { return Flag("stack", ".run/stack.yaml"); }
  std::string principal() const { return Flag("as"); }
};

Args ParseArgs(int argc, const char* const* argv);

// When a command runs, and as whom it calls.
enum class Stage {
  // Needs no running stack (keys, tokens, accounts; dead letters read Kafka directly).
  kOffline,
  // Calls as --as or `acts_as` once its name matches; a wrong number of words then prints the usage.
  kOwnPrincipal,
  // Calls as --as or the operator first, as an unknown command does, then as --as or `acts_as` if set.
  kAfterOperator,
};

inline constexpr int kAnyWords = std::numeric_limits<int>::max();

struct Command {
  const char* name;  // one word, or two for a command with a subcommand ("contract import")
  Stage stage;
  int min_words = 1;  // words on the command line, the command's own included
  int max_words = kAnyWords;
  const char* required_flag = nullptr;  // without it the command does not match
  const char* acts_as = nullptr;        // the principal without --as; null: the command chooses
  bool in_usage_line = true;
  int (*offline)(const Args&) = nullptr;            // kOffline
  int (*run)(HoshoClient&, const Args&) = nullptr;  // the other stages
};

// Every command, in the order the usage line names them.
absl::Span<const Command> Commands();

// Runs the command the words name; returns the process's exit status (2: a usage error).
int RunCommandLine(const Args& args);

// Prints the usage line to stderr and returns 2.
int Usage();
// Prints `status` (and its field violations) to stderr and returns 1.
int Fail(const absl::Status& status);

}  // namespace hosho::ctl
