// Contract changes after a guarantee was checked (増額・減額・工期延長), on the real binaries: the city's
// contract system upserts a new version, hosho-verification re-checks every checked guarantee of that
// contract (closed cases too) against it, records the outcome on each case, lists the cases that now
// owe an amended guarantee (変更保証) under ListCases(awaiting_amended_guarantee) and has
// hosho-notification write to the contractor and the office; a verified amended guarantee submitted
// with supersedes_case_id resolves it, and both cases show the chain.
#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "services/common/domain/domain_text.h"
#include "services/common/domain/events.h"
#include "services/common/runtime/errors.h"
#include "services/hoshoctl/client.h"
#include "services/stack/stack.h"
#include "tests/support/await.h"
#include "tests/support/fixtures.h"
#include "tests/support/raw_http.h"

namespace hosho {
namespace {

namespace fs = std::filesystem;
using testing::AwaitUntil;
using Step = HandoffStep;

class ContractChangesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    StackOptions options = testing::TestStackOptions("hosho-contract-changes");
    auto stack = Stack::Start(options);
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = stack->release();
    run_dir_ = new std::string(options.run_dir);
    client_ = HoshoClient::Connect(*EndpointsFromStackFile(options.run_dir + "/stack.yaml"))->release();
    ASSERT_TRUE(client_->ActAs("city-contract-system").ok());
    auto report = client_->ImportContractsCsv(testing::SourceFile("deploy/demo/contracts.csv"));
    ASSERT_TRUE(report.ok()) << report.status();
    ASSERT_EQ(report->accepted(), 6);
  }
  static void TearDownTestSuite() {
    delete client_;
    delete stack_;
    if (run_dir_ != nullptr) fs::remove_all(*run_dir_);
    delete run_dir_;
  }

  // A D-Sure guarantee of the demo's certificate book, awaited until it is ROUTED.
  static std::string RoutedGuarantee(const std::string& id, const std::string& contract, hosho::v1::GuaranteeKind kind,
                                     const std::string& number, const std::string& key, int64_t amount = 0,
                                     const std::string& supersedes = "") {
    EXPECT_TRUE(client_->ActAs("demo-submitter").ok());
    hosho::v1::SubmitGuaranteeRequest r;
    r.set_client_request_id(id);
    r.set_contract_id(contract);
    r.set_kind(kind);
    r.set_issuer_kind(hosho::v1::ISSUER_KIND_SURETY_COMPANY);
    r.set_issuer(hosho::v1::ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY);
    r.mutable_d_sure()->set_guarantee_number(number);
    r.mutable_d_sure()->set_authentication_key(key);
    r.set_requested_amount_yen(amount);
    if (!supersedes.empty()) {
      r.set_supersedes_case_id(supersedes);
      r.set_amendment_kind(hosho::v1::AMENDMENT_KIND_INCREASE);
    }
    auto submitted = client_->Submit(r);
    EXPECT_TRUE(submitted.ok()) << submitted.status();
    if (!submitted.ok()) return "";
    EXPECT_TRUE(client_->ActAs("operator").ok());
    EXPECT_TRUE(AwaitState(submitted->case_id(), hosho::v1::CASE_STATE_ROUTED)) << id;
    return submitted->case_id();
  }
  static bool AwaitState(const std::string& case_id, hosho::v1::CaseState state) {
    return AwaitUntil(
        [&] {
          auto c = client_->GetCase(case_id);
          return c.ok() && c->state() == state;
        },
        absl::Seconds(30));
  }
  static hosho::v1::Contract Contract(const std::string& id) {
    EXPECT_TRUE(client_->ActAs("city-contract-system").ok());
    auto c = client_->GetContract(id);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *c : hosho::v1::Contract();
  }
  static void Upsert(const hosho::v1::Contract& changed) {
    ASSERT_TRUE(client_->ActAs("city-contract-system").ok());
    auto upserted = client_->UpsertContract(changed);
    ASSERT_TRUE(upserted.ok()) << upserted.status();
  }
  // The re-check of `case_id` against contract version `version`, once it is in the history.
  static bool AwaitRecheck(const std::string& case_id, int64_t version) {
    EXPECT_TRUE(client_->ActAs("operator").ok());
    return AwaitUntil(
        [&] {
          auto c = client_->GetCase(case_id);
          if (!c.ok()) return false;
          for (const auto& h : c->history()) {
            if (h.event_id() == absl::StrCat(case_id, ":rechecked:v", version)) return true;
          }
          return false;
        },
        absl::Seconds(30));
  }
  static std::string RecheckReason(const std::string& case_id, int64_t version) {
    auto c = client_->GetCase(case_id);
    for (const auto& h : c->history()) {
      if (h.event_id() == absl::StrCat(case_id, ":rechecked:v", version)) return h.reason();
    }
    return "";
  }
  // Notices of `kind` recorded for the case, by audience ("office", "contractor").
  static std::map<std::string, int> Notices(const std::string& case_id, const std::string& kind) {
    std::map<std::string, int> out;
    auto listed = client_->ListNotices(case_id);
    if (!listed.ok()) return out;
    for (const auto& n : listed->notices()) {
      if (n.kind() != kind) continue;
      ++out[n.audience() == hosho::v1::Notice::AUDIENCE_OFFICE ? "office" : "contractor"];
    }
    return out;
  }
  // A console page as 契約課's clerk (keiyaku) sees it.
  static std::string ConsolePage(const std::string& target) {
    const StackEndpoints& e = stack_->endpoints();
    static const std::string* cookie =
        new std::string(testing::ConsoleSignIn(e.console_port, "keiyaku", e.console_passwords.at("keiyaku")));
    EXPECT_FALSE(cookie->empty()) << "keiyaku signed in";
    const testing::HttpResult page = testing::RawHttp(e.console_port, "GET", target, {{"Cookie", *cookie}});
    EXPECT_EQ(page.status, 200) << target;
    return page.body;
  }
  // The list follows the stored outcome a moment later (the re-check stores the note, then lists the
  // case): awaited, not read once.
  static bool AwaitAwaiting(const std::string& office, const std::function<bool(const std::set<std::string>&)>& want) {
    std::set<std::string> last;
    const bool ok = AwaitUntil([&] {
      last = Awaiting(office);
      return want(last);
    });
    if (!ok) ADD_FAILURE() << "the list of " << office << " holds " << absl::StrJoin(last, ",");
    return ok;
  }
  static bool AwaitListed(const std::string& office, const std::set<std::string>& exactly) {
    return AwaitAwaiting(office, [&](const std::set<std::string>& l) { return l == exactly; });
  }
  static bool AwaitIncludes(const std::string& office, const std::string& id) {
    return AwaitAwaiting(office, [&](const std::set<std::string>& l) { return l.count(id) == 1; });
  }
  static std::set<std::string> Awaiting(const std::string& office) {
    EXPECT_TRUE(client_->ActAs("operator").ok());
    hosho::v1::ListCasesRequest list;
    list.set_office(office);
    list.set_awaiting_amended_guarantee(true);
    list.set_page_size(100);
    std::set<std::string> ids;
    auto listed = client_->ListCases(list);
    EXPECT_TRUE(listed.ok()) << listed.status();
    if (listed.ok()) {
      for (const auto& c : listed->cases()) ids.insert(c.case_id());
    }
    return ids;
  }

  static Stack* stack_;
  static std::string* run_dir_;
  static HoshoClient* client_;
};

Stack* ContractChangesTest::stack_ = nullptr;
std::string* ContractChangesTest::run_dir_ = nullptr;
HoshoClient* ContractChangesTest::client_ = nullptr;

// 増額 after ROUTED: the contract guarantee (4,800,000円 for 48,000,000円) no longer covers 60,000,000円
// (R13); the unpaid advance is within its new cap and only warned (R11). The amended guarantee,
// verified, resolves it; a later change that leaves everything covered asks nothing.
TEST_F(ContractChangesTest, APriceRiseAfterRoutingAsksForAnAmendedGuaranteeAndItsArrivalResolvesIt) {
  const std::string a = RoutedGuarantee("cc-a", "K-2026-0001", hosho::v1::GUARANTEE_KIND_CONTRACT, "DS-26-000101",
                                        "PLANTED-AK-A-7f3c9e21d4");
  const std::string b = RoutedGuarantee("cc-b", "K-2026-0001", hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT,
                                        "DS-26-000102", "PLANTED-AK-B-52be0a9c61", 19'200'000);
  hosho::v1::Contract changed = Contract("K-2026-0001");
  const int64_t v2 = changed.version() + 1;
  changed.set_price_yen(60'000'000);
  Upsert(changed);
  ASSERT_TRUE(AwaitRecheck(a, v2));
  ASSERT_TRUE(AwaitRecheck(b, v2));

  auto owed = client_->GetCase(a);
  ASSERT_TRUE(owed.ok());
  EXPECT_EQ(owed->state(), hosho::v1::CASE_STATE_ROUTED) << "the case keeps its state";
  ASSERT_TRUE(owed->has_amended_guarantee_required());
  EXPECT_EQ(owed->amended_guarantee_required().contract_version(), v2);
  ASSERT_EQ(owed->amended_guarantee_required().rule_results_size(), 1);
  const auto& r13 = owed->amended_guarantee_required().rule_results(0);
  EXPECT_EQ(r13.code(), "R13_AMOUNT_TOO_LOW_AFTER_CHANGE");
  EXPECT_EQ(r13.expected(), "≥ 6,000,000円");
  EXPECT_EQ(r13.found(), "4,800,000円");
  const absl::Duration due = FromProto(owed->amended_guarantee_required().deadline()) -
                             FromProto(owed->amended_guarantee_required().requested_at());
  EXPECT_EQ(due, absl::Hours(24 * 14)) << "amendments.deadline_days";
  EXPECT_TRUE(absl::StrContains(RecheckReason(a, v2), "変更保証の提出が必要です"));
  EXPECT_TRUE(absl::StrContains(RecheckReason(a, v2), "請負代金額 48,000,000円 → 60,000,000円"));
  EXPECT_TRUE(AwaitListed("contract-division", {a}));
  // The console's list and the case page say the same.
  EXPECT_TRUE(absl::StrContains(ConsolePage("/cases?amend=1"), absl::StrCat("data-case-id=\"", a, "\"")));
  const std::string page = ConsolePage("/cases/" + a);
  EXPECT_TRUE(absl::StrContains(page, "id=\"amended-guarantee\"")) << "the case page shows what is owed";
  EXPECT_TRUE(absl::StrContains(page, "R13_AMOUNT_TOO_LOW_AFTER_CHANGE"));
  ASSERT_TRUE(AwaitUntil([&] { return Notices(a, "amended_guarantee_required").size() == 2; }, absl::Seconds(30)));
  EXPECT_EQ(Notices(a, "amended_guarantee_required"), (std::map<std::string, int>{{"contractor", 1}, {"office", 1}}));

  auto covered = client_->GetCase(b);
  ASSERT_TRUE(covered.ok());
  EXPECT_FALSE(covered->has_amended_guarantee_required()) << "an unpaid advance within the new cap owes nothing";
  EXPECT_TRUE(absl::StrContains(RecheckReason(b, v2), "保証は変更後の契約を満たしています"));
  EXPECT_TRUE(absl::StrContains(RecheckReason(b, v2), "R11_RAISE_NEEDS_AMENDED_CERTIFICATE"));
  EXPECT_TRUE(Notices(b, "amended_guarantee_required").empty());
  EXPECT_TRUE(AwaitListed("road-maintenance", {}));

  // The amended guarantee (6,000,000円), superseding A: verified, and A stops waiting.
  const std::string amended = RoutedGuarantee("cc-a-amended", "K-2026-0001", hosho::v1::GUARANTEE_KIND_CONTRACT,
                                              "DS-26-000121", "PLANTED-AK-AMEND-3b7c51e0a4", 0, a);
  ASSERT_TRUE(AwaitUntil(
      [&] {
        auto c = client_->GetCase(a);
        return c.ok() && c->superseded_by_case_id() == amended;
      },
      absl::Seconds(30)));
  auto resolved = client_->GetCase(a);
  EXPECT_FALSE(resolved->has_amended_guarantee_required());
  EXPECT_TRUE(AwaitListed("contract-division", {}));
  auto successor = client_->GetCase(amended);
  EXPECT_EQ(successor->supersedes_case_id(), a) << "the chain, from the other end";
  EXPECT_FALSE(absl::StrContains(ConsolePage("/cases?amend=1"), absl::StrCat("data-case-id=\"", a, "\"")));
  EXPECT_TRUE(
      absl::StrContains(ConsolePage("/cases/" + a), absl::StrCat("id=\"superseded-by\"><a href=\"/cases/", amended)));
  EXPECT_TRUE(
      absl::StrContains(ConsolePage("/cases/" + amended), absl::StrCat("id=\"supersedes\"><a href=\"/cases/", a)));

  // A change that leaves every guarantee covering the contract: recorded, nothing asked.
  hosho::v1::Contract earlier = Contract("K-2026-0001");
  const int64_t v3 = earlier.version() + 1;
  *earlier.mutable_period_end() = *ParseDate("2027-03-10");
  Upsert(earlier);
  ASSERT_TRUE(AwaitRecheck(amended, v3));
  ASSERT_TRUE(AwaitRecheck(b, v3));
  EXPECT_TRUE(absl::StrContains(RecheckReason(amended, v3), "R07_OK"));
  EXPECT_TRUE(absl::StrContains(RecheckReason(b, v3), "R09_OK"));
  EXPECT_TRUE(AwaitListed("contract-division", {}));
  EXPECT_TRUE(AwaitListed("road-maintenance", {}));
  // The re-check goes oldest first, so with B's note there, A (older) has been looked at already.
  auto history = client_->GetCase(a);
  for (const auto& h : history->history()) {
    EXPECT_NE(h.event_id(), absl::StrCat(a, ":rechecked:v", v3)) << "a superseded guarantee is not re-checked";
  }
}

// 工期延長 after CLOSED: a closed case is a public record and still owes the extended guarantee.
TEST_F(ContractChangesTest, APeriodExtensionAfterClosingAsksTheClosedCaseForAnAmendedGuarantee) {
  const std::string c = RoutedGuarantee("cc-c", "K-2026-0004", hosho::v1::GUARANTEE_KIND_CONTRACT, "DS-26-000104",
                                        "PLANTED-AK-W-4a1f09c2e7");
  ASSERT_TRUE(client_->ActAs("contract-division-clerk").ok());
  ASSERT_TRUE(client_->Handoff(Step::kConclude, c).ok());
  ASSERT_TRUE(client_->ActAs("road-maintenance-clerk").ok());
  ASSERT_TRUE(client_->Handoff(Step::kAcknowledge, c).ok());
  ASSERT_TRUE(client_->ActAs("operator").ok());
  ASSERT_TRUE(AwaitState(c, hosho::v1::CASE_STATE_CLOSED));
  hosho::v1::Contract extended = Contract("K-2026-0004");
  const int64_t version = extended.version() + 1;
  *extended.mutable_period_end() = *ParseDate("2027-09-30");
  Upsert(extended);
  ASSERT_TRUE(AwaitRecheck(c, version));
  auto owed = client_->GetCase(c);
  EXPECT_EQ(owed->state(), hosho::v1::CASE_STATE_CLOSED);
  ASSERT_TRUE(owed->has_amended_guarantee_required());
  ASSERT_EQ(owed->amended_guarantee_required().rule_results_size(), 1);
  EXPECT_EQ(owed->amended_guarantee_required().rule_results(0).code(), "R07_PERIOD_NOT_COVERED");
  EXPECT_EQ(owed->amended_guarantee_required().rule_results(0).expected(), "2027-01-10〜2027-09-30");
  EXPECT_TRUE(AwaitIncludes("contract-division", c));
  ASSERT_TRUE(AwaitUntil([&] { return Notices(c, "amended_guarantee_required").size() == 2; }, absl::Seconds(30)));
  // A later version that changes something else (a reduction R06 still meets) keeps the extension's
  // debt and its deadline: the rules compare with the terms the guarantee was checked on.
  const auto first_deadline = owed->amended_guarantee_required().deadline();
  hosho::v1::Contract reduced = Contract("K-2026-0004");
  reduced.set_price_yen(30'000'000);
  Upsert(reduced);
  ASSERT_TRUE(AwaitRecheck(c, version + 1));
  auto still = client_->GetCase(c);
  ASSERT_TRUE(still->has_amended_guarantee_required());
  ASSERT_EQ(still->amended_guarantee_required().rule_results_size(), 1);
  EXPECT_EQ(still->amended_guarantee_required().rule_results(0).code(), "R07_PERIOD_NOT_COVERED");
  EXPECT_EQ(FromProto(still->amended_guarantee_required().deadline()), FromProto(first_deadline));
  EXPECT_TRUE(absl::StrContains(RecheckReason(c, version + 1), "請負代金額 30,800,000円 → 30,000,000円"));
  EXPECT_TRUE(absl::StrContains(RecheckReason(c, version + 1), "R07_PERIOD_NOT_COVERED"));
  EXPECT_TRUE(AwaitIncludes("contract-division", c));
}

// 減額: the contract guarantee still meets 1/10 of the new price and owes nothing (a reduction of the
// guarantee is the contractor's choice); the advance is over the new 4/10 cap and owes the reduced
// certificate right after (R12), in its checking office's list.
TEST_F(ContractChangesTest, AReductionAsksOnlyTheAdvanceOverTheNewCap) {
  EXPECT_TRUE(client_->ActAs("demo-submitter").ok());
  hosho::v1::SubmitGuaranteeRequest insurer;
  insurer.set_client_request_id("cc-d");
  insurer.set_contract_id("K-2026-0002");
  insurer.set_kind(hosho::v1::GUARANTEE_KIND_CONTRACT);
  insurer.set_issuer_kind(hosho::v1::ISSUER_KIND_INSURER);
  insurer.set_issuer(hosho::v1::ISSUER_TOKIO_MARINE_NICHIDO);
  insurer.mutable_confirmation_system()->set_viewing_url("https://confirm.example/v/8d41c2e0");
  insurer.mutable_confirmation_system()->set_viewing_password("PLANTED-PW-C-e19a44b0f7");
  auto submitted = client_->Submit(insurer);
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  const std::string d = submitted->case_id();
  ASSERT_TRUE(client_->ActAs("operator").ok());
  ASSERT_TRUE(AwaitState(d, hosho::v1::CASE_STATE_ROUTED));
  const std::string e = RoutedGuarantee("cc-e", "K-2026-0002", hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT,
                                        "DS-26-000105", "PLANTED-AK-F-8c2d7e5a10", 36'000'000);
  hosho::v1::Contract reduced = Contract("K-2026-0002");
  const int64_t version = reduced.version() + 1;
  reduced.set_price_yen(80'000'000);
  Upsert(reduced);
  ASSERT_TRUE(AwaitRecheck(d, version));
  ASSERT_TRUE(AwaitRecheck(e, version));
  auto contract_guarantee = client_->GetCase(d);
  EXPECT_FALSE(contract_guarantee->has_amended_guarantee_required());
  EXPECT_TRUE(absl::StrContains(RecheckReason(d, version), "R13_OK"));
  EXPECT_TRUE(absl::StrContains(RecheckReason(d, version), "請負代金額 120,000,000円 → 80,000,000円"));
  auto advance = client_->GetCase(e);
  ASSERT_TRUE(advance->has_amended_guarantee_required());
  ASSERT_EQ(advance->amended_guarantee_required().rule_results_size(), 1);
  EXPECT_EQ(advance->amended_guarantee_required().rule_results(0).code(), "R12_ADVANCE_OVER_REDUCED_CAP");
  EXPECT_EQ(advance->amended_guarantee_required().rule_results(0).expected(), "≤ 32,000,000円");
  EXPECT_EQ(advance->amended_guarantee_required().office(), "sewerage-works");
  EXPECT_TRUE(AwaitListed("water-sewerage-policy", {}));
  EXPECT_TRUE(AwaitListed("sewerage-works", {e}));
  const std::set<std::string> every = Awaiting("");
  EXPECT_TRUE(every.count(e) == 1 && every.count(d) == 0) << "an operator without an office sees every office's";
  // A clerk of another office finds neither.
  ASSERT_TRUE(client_->ActAs("road-maintenance-clerk").ok());
  hosho::v1::ListCasesRequest theirs;
  theirs.set_awaiting_amended_guarantee(true);
  auto listed = client_->ListCases(theirs);
  ASSERT_TRUE(listed.ok()) << listed.status();
  for (const auto& k : listed->cases()) EXPECT_TRUE(k.case_id() != d && k.case_id() != e);
}

// The contract changes a city system may not make, refused with precise codes and nothing re-checked.
TEST_F(ContractChangesTest, ImpossibleChangesAreRefusedPrecisely) {
  ASSERT_TRUE(client_->ActAs("city-contract-system").ok());
  auto code_of = [](const absl::Status& s) {
    auto v = ViolationsOf(s);
    return v.empty() ? s.ToString() : absl::StrCat(absl::StatusCodeToString(s.code()), " ", v[0].code, " ", v[0].field);
  };
  // A version that goes backwards (the registry's compare-and-set): version 2 is there, 1 is asked for.
  hosho::v1::Contract first = Contract("K-2026-0005");
  first.mutable_contractor()->set_contact_email("keiri@minato-zoen.example");
  Upsert(first);
  hosho::v1::Contract current = Contract("K-2026-0005");
  ASSERT_EQ(current.version(), 2);
  hosho::v1::Contract stale = current;
  stale.set_price_yen(current.price_yen() + 1);
  EXPECT_EQ(code_of(client_->UpsertContract(stale, current.version() - 1).status()),
            "ABORTED CONTRACT_VERSION_MISMATCH expected_version");
  // An amendment (an expected version) of a contract the registry does not hold.
  hosho::v1::Contract unknown = stale;
  unknown.set_contract_id("K-2026-9999");
  unknown.set_contract_number("R8-なし-9999");
  EXPECT_EQ(code_of(client_->UpsertContract(unknown, 2).status()),
            "ABORTED CONTRACT_VERSION_MISMATCH expected_version");
  EXPECT_TRUE(absl::IsNotFound(client_->GetContract("K-2026-9999").status())) << "nothing created";
  // A period that ends before it starts.
  hosho::v1::Contract inverted = current;
  *inverted.mutable_period_end() = *ParseDate("2026-12-31");
  *inverted.mutable_period_start() = *ParseDate("2027-01-15");
  EXPECT_EQ(code_of(client_->UpsertContract(inverted).status()), "INVALID_ARGUMENT PERIOD_INVALID contract.period_end");
  EXPECT_EQ(Contract("K-2026-0005").version(), current.version()) << "no version was written";
  // A superseding submission naming a case of another contract.
  const std::string other = RoutedGuarantee("cc-f", "K-2026-0001", hosho::v1::GUARANTEE_KIND_CONTRACT, "DS-26-000101",
                                            "PLANTED-AK-A-7f3c9e21d4");
  ASSERT_TRUE(client_->ActAs("demo-submitter").ok());
  hosho::v1::SubmitGuaranteeRequest wrong;
  wrong.set_client_request_id("cc-wrong-contract");
  wrong.set_contract_id("K-2026-0004");
  wrong.set_kind(hosho::v1::GUARANTEE_KIND_CONTRACT);
  wrong.set_issuer_kind(hosho::v1::ISSUER_KIND_SURETY_COMPANY);
  wrong.set_issuer(hosho::v1::ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY);
  wrong.mutable_d_sure()->set_guarantee_number("DS-26-000199");
  wrong.mutable_d_sure()->set_authentication_key("PLANTED-AK-WRONG-CONTRACT");
  wrong.set_supersedes_case_id(other);
  wrong.set_amendment_kind(hosho::v1::AMENDMENT_KIND_INCREASE);
  EXPECT_EQ(code_of(client_->Submit(wrong).status()),
            "FAILED_PRECONDITION SUPERSEDED_CASE_MISMATCH supersedes_case_id");
}

// A guarantee still waiting when the contract changes is decided on the new terms, not on the
// snapshot taken at submission: a bank's paper guarantee of 1/10 of 12,000,000円, checked by the clerk
// after the price rose to 15,000,000円, falls short (R06) and is returned.
TEST_F(ContractChangesTest, AGuaranteeCheckedAfterAChangeIsCheckedAgainstTheNewTerms) {
  ASSERT_TRUE(client_->ActAs("contract-division-clerk").ok());
  hosho::v1::SubmitGuaranteeRequest paper;
  paper.set_client_request_id("cc-paper");
  paper.set_contract_id("K-2026-0005");
  paper.set_kind(hosho::v1::GUARANTEE_KIND_CONTRACT);
  paper.set_issuer_kind(hosho::v1::ISSUER_KIND_BANK);
  paper.set_issuer(hosho::v1::ISSUER_BANK);
  paper.set_issuer_name("みなと銀行");
  paper.mutable_paper()->set_guarantee_number("MB-CC-1");
  *paper.mutable_paper()->mutable_received_on() = FromCivilDay(absl::ToCivilDay(absl::Now(), JapanTimeZone()));
  auto submitted = client_->Submit(paper);
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  const std::string id = submitted->case_id();
  ASSERT_TRUE(AwaitUntil([&] { return client_->ClaimTask(id).ok(); }, absl::Seconds(30)));

  hosho::v1::Contract raised = Contract("K-2026-0005");
  const int64_t version = raised.version() + 1;
  raised.set_price_yen(15'000'000);
  Upsert(raised);
  ASSERT_TRUE(AwaitUntil([&] { return Contract("K-2026-0005").version() == version; }, absl::Seconds(10)));

  ASSERT_TRUE(client_->ActAs("contract-division-clerk").ok());
  hosho::v1::RecordCertificateRequest record;
  record.set_task_id(id);
  auto* cert = record.mutable_certificate();
  cert->set_guarantee_number("MB-CC-1");
  cert->set_kind(hosho::v1::GUARANTEE_KIND_CONTRACT);
  cert->set_issuer(hosho::v1::ISSUER_BANK);
  cert->set_beneficiary("みなと市長");
  cert->set_contractor_name("みなと造園株式会社");
  cert->set_project_name("中央公園遊具更新工事");
  cert->set_contract_price_yen(12'000'000);
  cert->set_guaranteed_amount_yen(1'200'000);
  *cert->mutable_period_start() = *ParseDate("2027-01-15");
  *cert->mutable_period_end() = *ParseDate("2027-03-31");
  *cert->mutable_issue_date() = *ParseDate("2026-11-20");
  auto decided = client_->RecordCertificate(record);
  ASSERT_TRUE(decided.ok()) << decided.status();
  EXPECT_EQ(decided->state(), hosho::v1::CASE_STATE_RETURNED);
  ASSERT_TRUE(client_->ActAs("operator").ok());
  auto c = client_->GetCase(id);
  ASSERT_TRUE(c.ok());
  bool r06 = false;
  for (const auto& r : c->rule_results()) {
    if (r.code() == "R06_AMOUNT_TOO_LOW") {
      r06 = true;
      EXPECT_EQ(r.expected(), "≥ 1,500,000円") << "1/10 of the price as it stands now";
    }
  }
  EXPECT_TRUE(r06);
}

}  // namespace
}  // namespace hosho
