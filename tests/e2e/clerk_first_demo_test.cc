// Clerk-first, as a city runs hosho (D-Sure and the insurers' system publish no API): the demo
// scenario against the real binaries with the automated connector off (hosho-stack
// --verification=clerks). Every electronic case waits in its office's queue and is checked by that
// office's clerk (claim, reveal, record what the platform shows), and every case still reaches the
// outcome the scenario expects.
#include <filesystem>
#include <set>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "services/common/domain/events.h"
#include "services/common/runtime/config.h"
#include "services/hoshoctl/client.h"
#include "services/hoshoctl/scenario.h"
#include "services/platform_sim/certificate_book.h"
#include "services/stack/stack.h"
#include "tests/support/fixtures.h"

namespace hosho {
namespace {

namespace fs = std::filesystem;

// The electronic cases of deploy/demo/scenario.yaml that reach a verdict: flows A–D over the API,
// the web form's webhook, the form CSV's new row, the mail and A's amended guarantee.
constexpr int kElectronicCasesInTheDemo = 8;

TEST(ClerkFirstDemoTest, EveryElectronicCaseIsCheckedByItsOfficesClerkAndReachesItsOutcome) {
  StackOptions options = testing::TestStackOptions("hosho-clerks");
  options.connector_enabled = false;
  auto stack = Stack::Start(options);
  ASSERT_TRUE(stack.ok()) << stack.status();
  auto endpoints = EndpointsFromStackFile(options.run_dir + "/stack.yaml");
  ASSERT_TRUE(endpoints.ok()) << endpoints.status();
  auto client = *HoshoClient::Connect(*endpoints);
  auto scenario = Config::Load("", std::string(HOSHO_SOURCE_DIR) + "/deploy/demo/scenario.yaml");
  ASSERT_TRUE(scenario.ok()) << scenario.status();
  auto platforms = CertificateBook::FromFile(std::string(HOSHO_SOURCE_DIR) + "/deploy/demo/certificates.yaml");
  ASSERT_TRUE(platforms.ok()) << platforms.status();

  auto rows = RunScenario(*client, *scenario, absl::Seconds(30), ScenarioClerks{&*platforms});
  ASSERT_TRUE(rows.ok()) << rows.status();
  std::cout << FormatScenarioTable(*rows);
  ASSERT_EQ(rows->size(), 28u) << "the same table as with the connector";
  int rows_by_clerks = 0;
  for (const ScenarioRow& row : *rows) {
    EXPECT_TRUE(row.ok) << row.label << ": " << row.actual;
    if (absl::StrContains(row.actual, "-clerk) @")) ++rows_by_clerks;
  }
  EXPECT_EQ(rows_by_clerks, kElectronicCasesInTheDemo) << "each awaited in its office's queue and checked there";

  // Each case that got a verdict got it from a clerk of the office that checks it, after a claim
  // and an audited reveal; the connector decided nothing.
  ASSERT_TRUE(client->ActAs("operator").ok());
  std::set<std::string> case_ids;
  for (const ScenarioRow& row : *rows) {
    if (!row.case_id.empty()) case_ids.insert(row.case_id);
  }
  int by_clerks = 0;
  for (const std::string& id : case_ids) {
    auto c = client->GetCase(id);
    ASSERT_TRUE(c.ok()) << id << ": " << c.status();
    bool revealed = false;
    for (const auto& h : c->history()) {
      EXPECT_FALSE(absl::StartsWith(h.actor(), "connector:")) << id << ": " << h.reason();
      if (absl::StrContains(h.reason(), "認証情報を表示しました")) revealed = true;
      const bool verdict =
          h.to_state() == hosho::v1::CASE_STATE_VERIFIED || h.to_state() == hosho::v1::CASE_STATE_RETURNED;
      if (!verdict || h.from_state() != hosho::v1::CASE_STATE_VERIFYING) continue;
      EXPECT_TRUE(absl::EndsWith(h.actor(), "-clerk")) << id << " decided by " << h.actor();
      if (c->platform() == hosho::v1::PLATFORM_PAPER) continue;  // paper is checked by a clerk either way
      EXPECT_TRUE(revealed) << id << ": the clerk saw the credential, audited, before deciding";
      ++by_clerks;
    }
  }
  // Every electronic guarantee the scenario accepts (API submissions and channel arrivals).
  EXPECT_EQ(by_clerks, kElectronicCasesInTheDemo);
  // The stack first (its mail server may still be writing a message), then its directory.
  stack->reset();
  std::error_code ec;
  fs::remove_all(options.run_dir, ec);
}

}  // namespace
}  // namespace hosho
