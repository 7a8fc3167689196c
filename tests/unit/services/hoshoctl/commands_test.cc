#include "services/hoshoctl/commands.h"

#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace hosho::ctl {
namespace {

struct Outcome {
  int exit_code = 0;
  std::string out;
  std::string err;
};

// Runs a command line as hoshoctl does, keeping what it prints.
Outcome RunHoshoctl(std::vector<const char*> words) {
  words.insert(words.begin(), "hoshoctl");
  std::stringstream out, err;
  std::streambuf* const cout = std::cout.rdbuf(out.rdbuf());
  std::streambuf* const cerr = std::cerr.rdbuf(err.rdbuf());
  const int code = RunCommandLine(ParseArgs(static_cast<int>(words.size()), words.data()));
  std::cout.rdbuf(cout);
  std::cerr.rdbuf(cerr);
  return {code, out.str(), err.str()};
}

TEST(ParseArgsTest, SplitsFlagsFromWordsAndTheLastFlagWins) {
  const char* argv[] = {"hoshoctl", "--as=clerk", "contract", "--report", "import", "f.csv", "--as=other"};
  const Args args = ParseArgs(7, argv);
  EXPECT_EQ(args.words, (std::vector<std::string>{"contract", "import", "f.csv"}));
  EXPECT_EQ(args.principal(), "other");
  EXPECT_EQ(args.Flag("report"), "true");
  EXPECT_EQ(args.stack(), ".run/stack.yaml");
  EXPECT_EQ(args.Flag("missing", "fallback"), "fallback");
}

TEST(CommandsTest, WithoutACommandPrintsTheUsageLine) {
  const Outcome run = RunHoshoctl({"--as=operator"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err,
            "usage: hoshoctl [--stack=.run/stack.yaml] [--as=PRINCIPAL] "
            "submit|get|list|watch|contract upsert|contract import|form import|form post|mail deliver|notices|"
            "tasks|claim|release|reveal|record|conclude|acknowledge|payment-handoff|withdraw|office-watch|payments|"
            "dlq list|dlq replay|keyring-new|principal-new|account-new|demo ...\n");
}

TEST(CommandsTest, EachCommandHasOneEntryAndOneWayToRun) {
  std::set<std::string> names;
  for (const Command& command : Commands()) {
    EXPECT_TRUE(names.insert(command.name).second) << command.name;
    EXPECT_EQ(command.offline != nullptr, command.stage == Stage::kOffline) << command.name;
    EXPECT_EQ(command.run != nullptr, command.stage != Stage::kOffline) << command.name;
    EXPECT_LE(command.min_words, command.max_words) << command.name;
  }
  EXPECT_TRUE(names.contains("ledger"));
}

TEST(CommandsTest, OfflineCommandsNeedNoStack) {
  const Outcome ring = RunHoshoctl({"--stack=/nonexistent/stack.yaml", "keyring-new", "k-test"});
  EXPECT_EQ(ring.exit_code, 0) << ring.err;
  EXPECT_NE(ring.out.find("active: k-test"), std::string::npos) << ring.out;
  const Outcome role =
      RunHoshoctl({"--stack=/nonexistent/stack.yaml", "principal-new", "x", "wizard", "--token-file=/t"});
  EXPECT_EQ(role.exit_code, 1);
  EXPECT_EQ(role.err, "error: INVALID_ARGUMENT: unknown role wizard\n");
}

}  // namespace
}  // namespace hosho::ctl
