// The client kits (clients/java, clients/python) run as a vendor would run them, against a live
// stack over TLS with bearer tokens: each registers a contract, submits a guarantee (and again:
// the same case, replayed), decodes a refusal's field, code and Japanese message, reads the case
// and its history, follows an office's notices across a restart of hosho-notification (a draining
// server), retries a submission while intake is down, and shows the documented status for an
// expired token, a wrong CA and a request over intake's limit.
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "services/common/crypto/sealing.h"
#include "services/hoshoctl/client.h"
#include "services/stack/child_process.h"
#include "services/stack/stack.h"
#include "tests/support/await.h"
#include "tests/support/fixtures.h"

namespace hosho {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr char kVendorToken[] = "kit-vendor-token-0123456789abcdef";
constexpr char kExpiredToken[] = "kit-expired-token-0123456789abcdef";

struct Kit {
  std::string name;
  std::vector<std::string> command;  // the program a vendor runs, before its arguments
};

std::ostream& operator<<(std::ostream& out, const Kit& kit) { return out << kit.name; }

std::vector<Kit> Kits() {
  return {{"java", {"/usr/bin/java", "-jar", HOSHO_JAVA_KIT_JAR}},
          {"python", {HOSHO_PYTHON_KIT_PYTHON, HOSHO_SOURCE_DIR "/clients/python/example.py"}}};
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The JSON lines a kit printed (its other output, a JVM's warnings, is left out).
std::vector<json> JsonLines(const std::string& log) {
  std::vector<json> out;
  for (absl::string_view line : absl::StrSplit(ReadAll(log), '\n')) {
    if (!absl::StartsWith(line, "{")) continue;
    json parsed = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_discarded()) out.push_back(std::move(parsed));
  }
  return out;
}

std::vector<json> Steps(const std::vector<json>& lines, const std::string& step) {
  std::vector<json> out;
  for (const json& j : lines) {
    if (j.value("step", "") == step) out.push_back(j);
  }
  return out;
}

class ClientKitsTest : public ::testing::TestWithParam<Kit> {
 protected:
  static void SetUpTestSuite() {
    StackOptions options = testing::TestStackOptions("hosho-kits");
    options.grpc_tls = true;
    options.extra_tokens = absl::StrCat("  - {sha256: ", Sha256Hex(kVendorToken),
                                        ", principal: kit-vendor, role: integration, office: \"\", expires_at: "
                                        "\"2099-01-01T00:00:00Z\"}\n  - {sha256: ",
                                        Sha256Hex(kExpiredToken),
                                        ", principal: kit-lapsed, role: integration, office: \"\", expires_at: "
                                        "\"2026-01-01T00:00:00Z\"}");
    auto stack = Stack::Start(options);
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = stack->release();
    dir_ = new std::string(options.run_dir);
    Write("vendor.token", kVendorToken);
    Write("expired.token", kExpiredToken);
    fs::create_directories(*dir_ + "/other-ca");
    ASSERT_TRUE(testing::MakeTestCertificates(*dir_ + "/other-ca")) << "openssl failed";
  }
  static void TearDownTestSuite() {
    if (stack_ != nullptr) stack_->Stop();
    delete stack_;
    stack_ = nullptr;
  }
  static void Write(const std::string& name, const std::string& text) {
    std::ofstream(*dir_ + "/" + name) << text << "\n";
  }

  // The kit with the vendor's token and the stack's CA unless told otherwise; output in `log`.
  ChildProcess Start(const std::vector<std::string>& args, const std::string& log, const std::string& token_file = "",
                     const std::string& ca_file = "") {
    const StackEndpoints& e = stack_->endpoints();
    setenv("HOSHO_INTAKE", e.grpc.at("intake").c_str(), 1);
    setenv("HOSHO_CASES", e.grpc.at("console").c_str(), 1);
    setenv("HOSHO_NOTIFICATION", e.grpc.at("notification").c_str(), 1);
    setenv("HOSHO_CA_FILE", (ca_file.empty() ? e.tls_ca_file : ca_file).c_str(), 1);
    setenv("HOSHO_TOKEN_FILE", (token_file.empty() ? *dir_ + "/vendor.token" : token_file).c_str(), 1);
    std::vector<std::string> argv = GetParam().command;
    argv.insert(argv.end(), args.begin(), args.end());
    auto child = ChildProcess::Spawn(argv, log);
    EXPECT_TRUE(child.ok()) << child.status();
    return child.ok() ? *child : ChildProcess();
  }

  // Runs the kit to its end; returns its exit status and leaves its JSON lines in `lines`.
  int Run(const std::vector<std::string>& args, std::vector<json>* lines, const std::string& token_file = "",
          const std::string& ca_file = "") {
    const std::string log = Log(args.front());
    ChildProcess kit = Start(args, log, token_file, ca_file);
    EXPECT_TRUE(testing::AwaitUntil([&] { return !kit.Running(); }, absl::Seconds(120)))
        << GetParam() << " did not finish:\n"
        << ReadAll(log);
    *lines = JsonLines(log);
    return kit.exit_status();
  }

  std::string Log(const std::string& what) {
    return absl::StrCat(*dir_, "/", GetParam().name, "-", what, "-", ++runs_, ".log");
  }
  std::string Id(const std::string& what) const { return absl::StrCat("KIT-", GetParam().name, "-", what); }

  static Stack* stack_;
  static std::string* dir_;
  static inline int runs_ = 0;  // one log file per run in the whole suite (a log is appended to)
};

Stack* ClientKitsTest::stack_ = nullptr;
std::string* ClientKitsTest::dir_ = nullptr;

std::vector<std::string> SubmitArgs(const std::string& command, const std::string& id) {
  return {command,
          "--contract=" + id,
          "--number=R8-連携-" + id,
          "--guarantee=DS-" + id,
          "--key=AK-" + id + "-secret",
          "--request-id=req-" + id};
}

TEST_P(ClientKitsTest, TheTourRegistersSubmitsIsRefusedPreciselyAndReadsTheCase) {
  std::vector<json> lines;
  const std::string id = Id("tour");
  ASSERT_EQ(Run(SubmitArgs("tour", id), &lines), 0) << json(lines).dump(1);
  const auto contract = Steps(lines, "contract");
  ASSERT_EQ(contract.size(), 1u);
  EXPECT_EQ(contract[0]["contract_id"], id);
  EXPECT_GE(contract[0]["version"].get<int>(), 1);

  const auto submitted = Steps(lines, "submitted");
  const auto resubmitted = Steps(lines, "resubmitted");
  ASSERT_EQ(submitted.size(), 1u);
  ASSERT_EQ(resubmitted.size(), 1u);
  const std::string case_id = submitted[0]["case_id"];
  EXPECT_FALSE(case_id.empty());
  EXPECT_EQ(submitted[0]["replayed"], false);
  EXPECT_EQ(resubmitted[0]["case_id"], case_id) << "the same client_request_id is the same case";
  EXPECT_EQ(resubmitted[0]["replayed"], true);

  const auto reuse = Steps(lines, "reuse");
  ASSERT_EQ(reuse.size(), 1u);
  EXPECT_EQ(reuse[0]["status"], "ALREADY_EXISTS");
  EXPECT_EQ(reuse[0]["code"], "REQUEST_ID_REUSED");
  EXPECT_EQ(reuse[0]["field"], "client_request_id");
  EXPECT_TRUE(absl::StrContains(reuse[0]["message_ja"].get<std::string>(), "別の内容の提出で使用済み"))
      << reuse[0]["message_ja"];
  EXPECT_EQ(reuse[0]["retryable"], false);

  const auto found = Steps(lines, "case");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]["case_id"], case_id);
  EXPECT_EQ(found[0]["contract_id"], id);
  EXPECT_EQ(found[0]["guarantee_number"], "DS-" + id);
  EXPECT_TRUE(absl::StartsWith(found[0]["state"].get<std::string>(), "CASE_STATE_")) << found[0]["state"];
  EXPECT_NE(found[0]["state"], "CASE_STATE_UNSPECIFIED");
  const auto history = Steps(lines, "history");
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0]["case_id"], case_id);
  EXPECT_GE(history[0]["entries"].get<int>(), 1);
  EXPECT_EQ(history[0]["first_to_state"], "CASE_STATE_RECEIVED");
}

TEST_P(ClientKitsTest, ASubmissionWhileIntakeIsDownIsRetriedWithTheSameRequestIdIntoOneCase) {
  std::vector<json> lines;
  const std::string id = Id("retry");
  ASSERT_EQ(Run(SubmitArgs("tour", id), &lines), 0) << json(lines).dump(1);  // the contract, and a first case
  ASSERT_TRUE(stack_->StopService("intake").ok());
  const std::string log = Log("submit");
  std::vector<std::string> args = SubmitArgs("submit", id);
  args.back() = "--request-id=req-" + id + "-during-outage";
  args.push_back("--guarantee=DS-" + id + "-2");
  args.push_back("--attempts=60");
  ChildProcess kit = Start(args, log);
  ASSERT_TRUE(testing::AwaitUntil([&] { return !Steps(JsonLines(log), "attempt").empty(); }, absl::Seconds(60)))
      << ReadAll(log);
  ASSERT_TRUE(stack_->RestartService("intake").ok());
  ASSERT_TRUE(testing::AwaitUntil([&] { return !kit.Running(); }, absl::Seconds(60))) << ReadAll(log);
  EXPECT_EQ(kit.exit_status(), 0) << ReadAll(log);
  lines = JsonLines(log);
  const auto attempts = Steps(lines, "attempt");
  ASSERT_GE(attempts.size(), 1u);
  EXPECT_EQ(attempts[0]["status"], "UNAVAILABLE");
  EXPECT_EQ(attempts[0]["retryable"], true);
  EXPECT_TRUE(absl::StartsWith(attempts[0]["advice"].get<std::string>(), "retry:")) << attempts[0]["advice"];
  const auto submitted = Steps(lines, "submitted");
  ASSERT_EQ(submitted.size(), 1u);
  EXPECT_EQ(submitted[0]["attempts"].get<int>(), static_cast<int>(attempts.size()) + 1);
  EXPECT_EQ(submitted[0]["replayed"], false) << "no attempt before intake came back reached it";
  // The same request once more is the same case: a retry never makes a second one.
  args.back() = "--attempts=1";
  std::vector<json> again;
  ASSERT_EQ(Run(args, &again), 0) << json(again).dump(1);
  ASSERT_EQ(Steps(again, "submitted").size(), 1u);
  EXPECT_EQ(Steps(again, "submitted")[0]["case_id"], submitted[0]["case_id"]);
  EXPECT_EQ(Steps(again, "submitted")[0]["replayed"], true);
}

TEST_P(ClientKitsTest, FollowingAnOfficeResumesFromItsCursorAcrossARestartWithEveryNoticeOnce) {
  std::vector<json> lines;
  const std::string first = Id("follow-1");
  ASSERT_EQ(Run(SubmitArgs("tour", first), &lines), 0) << json(lines).dump(1);
  const std::string first_case = Steps(lines, "submitted").at(0)["case_id"];
  auto endpoints = EndpointsFromStackFile(*dir_ + "/stack.yaml");
  ASSERT_TRUE(endpoints.ok()) << endpoints.status();
  auto operator_client = HoshoClient::Connect(*endpoints);
  ASSERT_TRUE(operator_client.ok()) << operator_client.status();
  ASSERT_TRUE((*operator_client)->ActAs("operator").ok());
  // The office's notices of a case, as hosho records them (those with a stream delivery).
  auto office_notices = [&](const std::string& case_id) {
    std::set<std::string> ids;
    auto notices = (*operator_client)->ListNotices(case_id);
    if (!notices.ok()) return ids;
    for (const auto& n : notices->notices()) {
      for (const auto& d : n.deliveries()) {
        if (d.channel() == "stream" && d.target() == "contract-division") ids.insert(n.delivery_id());
      }
    }
    return ids;
  };
  ASSERT_TRUE(testing::AwaitUntil([&] { return !office_notices(first_case).empty(); }, absl::Seconds(60)));

  const std::string log = Log("follow");
  ChildProcess follower = Start({"follow", "--office=contract-division"}, log);
  auto received = [&](const std::string& case_id) {
    std::set<std::string> ids;
    for (const json& n : Steps(JsonLines(log), "notice")) {
      if (n["case_id"] == case_id) ids.insert(n["delivery_id"].get<std::string>());
    }
    return ids;
  };
  ASSERT_TRUE(
      testing::AwaitUntil([&] { return received(first_case) == office_notices(first_case); }, absl::Seconds(60)))
      << ReadAll(log);
  // An orderly restart: the server drains, the stream ends UNAVAILABLE, the kit resumes.
  ASSERT_TRUE(stack_->StopService("notification").ok());
  ASSERT_TRUE(testing::AwaitUntil([&] { return !Steps(JsonLines(log), "reconnect").empty(); }, absl::Seconds(60)))
      << ReadAll(log);
  ASSERT_TRUE(stack_->RestartService("notification").ok());
  const std::string second = Id("follow-2");
  ASSERT_EQ(Run(SubmitArgs("tour", second), &lines), 0) << json(lines).dump(1);
  const std::string second_case = Steps(lines, "submitted").at(0)["case_id"];
  ASSERT_TRUE(testing::AwaitUntil(
      [&] { return !office_notices(second_case).empty() && received(second_case) == office_notices(second_case); },
      absl::Seconds(60)))
      << ReadAll(log);
  follower.Terminate(absl::Seconds(5));

  lines = JsonLines(log);
  const auto reconnects = Steps(lines, "reconnect");
  ASSERT_GE(reconnects.size(), 1u);
  EXPECT_EQ(reconnects[0]["status"], "UNAVAILABLE") << reconnects[0].dump();
  std::set<std::string> cursors;
  std::set<std::string> deliveries;
  size_t notices = 0;
  for (const json& n : Steps(lines, "notice")) {
    ++notices;
    cursors.insert(n["cursor"].get<std::string>());
    deliveries.insert(n["delivery_id"].get<std::string>());
  }
  EXPECT_EQ(cursors.size(), notices) << "a notice came twice across the reconnect";
  EXPECT_EQ(deliveries.size(), notices);
  EXPECT_EQ(received(first_case), office_notices(first_case));
  EXPECT_EQ(received(second_case), office_notices(second_case));
}

TEST_P(ClientKitsTest, AnExpiredTokenIsUnauthenticatedTokenExpiredAndNotRetried) {
  std::vector<json> lines;
  EXPECT_EQ(Run(SubmitArgs("tour", Id("expired")), &lines, *dir_ + "/expired.token"), 3) << json(lines).dump(1);
  const auto refused = Steps(lines, "refused");
  ASSERT_EQ(refused.size(), 1u) << json(lines).dump(1);
  EXPECT_EQ(refused[0]["status"], "UNAUTHENTICATED");
  EXPECT_EQ(refused[0]["code"], "TOKEN_EXPIRED");
  EXPECT_EQ(refused[0]["field"], "authorization");
  EXPECT_FALSE(refused[0]["message_ja"].get<std::string>().empty());
  EXPECT_EQ(refused[0]["retryable"], false);
  EXPECT_TRUE(absl::StartsWith(refused[0]["advice"].get<std::string>(), "renew-token:")) << refused[0]["advice"];
  EXPECT_TRUE(Steps(lines, "contract").empty()) << "nothing was registered";
}

TEST_P(ClientKitsTest, AServerCertificateFromAnotherCaIsUnavailableAndAConfigurationFault) {
  std::vector<json> lines;
  EXPECT_EQ(Run(SubmitArgs("tour", Id("wrong-ca")), &lines, "", *dir_ + "/other-ca/ca.crt"), 3) << json(lines).dump(1);
  const auto refused = Steps(lines, "refused");
  ASSERT_EQ(refused.size(), 1u) << json(lines).dump(1);
  EXPECT_EQ(refused[0]["status"], "UNAVAILABLE");
  EXPECT_EQ(refused[0]["retryable"], false) << "a TLS handshake failure never heals by retrying";
  EXPECT_TRUE(absl::StartsWith(refused[0]["advice"].get<std::string>(), "fix-configuration:")) << refused[0].dump();
}

TEST_P(ClientKitsTest, ARequestOverIntakesLimitIsResourceExhausted) {
  std::vector<json> lines;
  const std::string id = Id("large");
  ASSERT_EQ(Run(SubmitArgs("tour", id), &lines), 0) << json(lines).dump(1);  // the contract exists
  EXPECT_EQ(Run({"large", "--contract=" + id, "--request-id=req-" + id + "-large"}, &lines), 3) << json(lines).dump(1);
  const auto refused = Steps(lines, "refused");
  ASSERT_EQ(refused.size(), 1u) << json(lines).dump(1);
  EXPECT_EQ(refused[0]["status"], "RESOURCE_EXHAUSTED");
  EXPECT_TRUE(absl::StartsWith(refused[0]["advice"].get<std::string>(), "too-large:")) << refused[0].dump();
  EXPECT_TRUE(Steps(lines, "large").empty());
}

INSTANTIATE_TEST_SUITE_P(Kits, ClientKitsTest, ::testing::ValuesIn(Kits()),
                         [](const ::testing::TestParamInfo<Kit>& info) { return info.param.name; });

}  // namespace
}  // namespace hosho
