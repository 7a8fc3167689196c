// The automated connector while the platform simulator goes away mid-run: cases wait in a visible
// state (VERIFYING with a reason), and when it comes back every case finishes, none lost and none
// verified twice. Real binaries, started by the stack launcher.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/common/domain/events.h"
#include "services/hoshoctl/client.h"
#include "services/stack/stack.h"
#include "tests/support/await.h"
#include "tests/support/fixtures.h"
#include "tests/support/redis_server.h"

namespace hosho {
namespace {

namespace fs = std::filesystem;

std::string Source(const std::string& relative) { return testing::SourceFile(relative); }

struct Planted {
  const char* contract;
  hosho::v1::GuaranteeKind kind;
  hosho::v1::Issuer issuer;
  const char* number;
  const char* key;
  int64_t amount;
};

TEST(ConnectorOutageTest, EveryCaseFinishesAfterThePlatformComesBackOnceEach) {
  StackOptions options = testing::TestStackOptions("hosho-outage");
  auto stack = Stack::Start(options);
  ASSERT_TRUE(stack.ok()) << stack.status();
  auto endpoints = *EndpointsFromStackFile(options.run_dir + "/stack.yaml");
  auto client = *HoshoClient::Connect(endpoints);
  ASSERT_TRUE(client->ActAs("city-contract-system").ok());
  ASSERT_EQ(client->ImportContractsCsv(Source("deploy/demo/contracts.csv"))->refused(), 0);

  using K = hosho::v1::GuaranteeKind;
  const std::vector<Planted> known = {
      {"K-2026-0001", K::GUARANTEE_KIND_CONTRACT, hosho::v1::ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY, "DS-26-000101",
       "PLANTED-AK-A-7f3c9e21d4", 0},
      {"K-2026-0001", K::GUARANTEE_KIND_ADVANCE_PAYMENT, hosho::v1::ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY,
       "DS-26-000102", "PLANTED-AK-B-52be0a9c61", 19'200'000},
      {"K-2026-0003", K::GUARANTEE_KIND_CONTRACT, hosho::v1::ISSUER_WEST_JAPAN_CONSTRUCTION_SURETY, "DS-26-000103",
       "PLANTED-AK-D-0c77d2aa93", 0},
      {"K-2026-0004", K::GUARANTEE_KIND_CONTRACT, hosho::v1::ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY, "DS-26-000104",
       "PLANTED-AK-W-4a1f09c2e7", 0},
      {"K-2026-0002", K::GUARANTEE_KIND_ADVANCE_PAYMENT, hosho::v1::ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY,
       "DS-26-000105", "PLANTED-AK-F-8c2d7e5a10", 36'000'000},
      {"K-2026-0003", K::GUARANTEE_KIND_ADVANCE_PAYMENT, hosho::v1::ISSUER_WEST_JAPAN_CONSTRUCTION_SURETY,
       "DS-26-000106", "PLANTED-AK-M-6b0e3f9d21", 26'000'000},
      {"K-2026-0004", K::GUARANTEE_KIND_ADVANCE_PAYMENT, hosho::v1::ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY,
       "DS-26-000107", "PLANTED-AK-N-2f6a8c0d44", 12'320'000},
  };
  ASSERT_TRUE(client->ActAs("demo-submitter").ok());
  std::vector<std::string> case_ids;
  auto submit = [&](const Planted& p, const std::string& request_id) {
    hosho::v1::SubmitGuaranteeRequest r;
    r.set_client_request_id(request_id);
    r.set_contract_id(p.contract);
    r.set_kind(p.kind);
    r.set_issuer_kind(hosho::v1::ISSUER_KIND_SURETY_COMPANY);
    r.set_issuer(p.issuer);
    r.mutable_d_sure()->set_guarantee_number(p.number);
    r.mutable_d_sure()->set_authentication_key(p.key);
    r.set_requested_amount_yen(p.amount);
    auto submitted = client->Submit(r);
    EXPECT_TRUE(submitted.ok()) << submitted.status();
    if (submitted.ok()) case_ids.push_back(submitted->case_id());
  };
  auto finished = [&](const std::string& id) {
    auto c = client->GetCase(id);
    return c.ok() && (c->state() == hosho::v1::CASE_STATE_ROUTED || c->state() == hosho::v1::CASE_STATE_RETURNED);
  };

  // Two cases before the outage finish normally.
  submit(known[0], "outage-0");
  submit(known[1], "outage-1");
  ASSERT_TRUE(client->ActAs("operator").ok());
  ASSERT_TRUE(testing::AwaitUntil([&] { return finished(case_ids[0]) && finished(case_ids[1]); }, absl::Seconds(30)));

  // The platform goes away; more cases arrive, known and unknown credentials alike.
  ASSERT_TRUE((*stack)->StopService("platform-sim").ok());
  ASSERT_TRUE(client->ActAs("demo-submitter").ok());
  for (size_t i = 2; i < known.size(); ++i) submit(known[i], absl::StrCat("outage-", i));
  std::vector<std::string> unknown_numbers, unknown_keys;
  for (int i = 0; i < 5; ++i) {
    unknown_numbers.push_back(absl::StrCat("DS-26-00090", i));
    unknown_keys.push_back(absl::StrCat("PLANTED-AK-UNKNOWN-", i));
  }
  for (int i = 0; i < 5; ++i) {
    submit({"K-2026-0005", K::GUARANTEE_KIND_CONTRACT, hosho::v1::ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY,
            unknown_numbers[i].c_str(), unknown_keys[i].c_str(), 0},
           absl::StrCat("outage-unknown-", i));
  }
  ASSERT_EQ(case_ids.size(), 12u);

  // They wait, visibly: VERIFYING with the reason, nothing decided and nothing lost.
  ASSERT_TRUE(client->ActAs("operator").ok());
  ASSERT_TRUE(testing::AwaitUntil(
      [&] {
        for (size_t i = 2; i < case_ids.size(); ++i) {
          auto c = client->GetCase(case_ids[i]);
          if (!c.ok() || c->state() != hosho::v1::CASE_STATE_VERIFYING || c->waiting_reason().empty()) return false;
        }
        return true;
      },
      absl::Seconds(60)));
  auto waiting = client->GetCase(case_ids[2]);
  ASSERT_TRUE(waiting.ok());
  EXPECT_NE(waiting->waiting_reason().find("D-Sure"), std::string::npos) << waiting->waiting_reason();

  // The platform comes back: every case finishes.
  ASSERT_TRUE((*stack)->RestartService("platform-sim").ok());
  ASSERT_TRUE(testing::AwaitUntil(
      [&] {
        for (const auto& id : case_ids) {
          if (!finished(id)) return false;
        }
        return true;
      },
      absl::Seconds(90)));
  int routed = 0, returned = 0;
  for (const auto& id : case_ids) {
    auto c = client->GetCase(id);
    ASSERT_TRUE(c.ok());
    int verdicts = 0;
    for (const auto& h : c->history()) {
      if (h.to_state() == hosho::v1::CASE_STATE_VERIFIED || h.to_state() == hosho::v1::CASE_STATE_RETURNED) {
        ++verdicts;
      }
    }
    EXPECT_EQ(verdicts, 1) << id << " verified exactly once";
    EXPECT_TRUE(c->waiting_reason().empty()) << id;
    (c->state() == hosho::v1::CASE_STATE_ROUTED ? routed : returned) += 1;
  }
  EXPECT_EQ(returned, 1 + 5) << "D's amount is too low (R06), and the five unknown credentials open nothing";
  EXPECT_EQ(routed, 6);
  EXPECT_TRUE((*stack)->Exited().empty());
  (*stack)->Stop();
  fs::remove_all(options.run_dir);
}

}  // namespace
}  // namespace hosho
