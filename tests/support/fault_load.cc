#include "tests/support/fault_load.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "services/common/redis/redis_client.h"
#include "services/common/runtime/clock.h"
#include "tests/support/await.h"
#include "tests/support/fixtures.h"

namespace hosho::testing {
namespace {
namespace fs = std::filesystem;

constexpr char kContractId[] = "K-FAULT-1";

std::string Key(int i) { return absl::StrCat("FK-", i * 7919 % 100003, "-", i); }

std::string CertificateEntry(int i) {
  return absl::StrCat("  - {platform: d_sure, guarantee_number: \"FAULT-", i, "\", authentication_key: \"", Key(i),
                      "\", record: {kind: contract, beneficiary: \"試験市長\", contractor_name: \"試験建設\", "
                      "project_name: \"試験工事\", contract_price_yen: 100000000, guaranteed_amount_yen: 10000000, "
                      "period_start: \"2026-12-01\", period_end: \"2027-12-01\", "
                      "issuer: east_japan_construction_surety}}\n");
}

}  // namespace

hosho::v1::SubmitGuaranteeRequest FaultSubmission(int i) {
  hosho::v1::SubmitGuaranteeRequest r;
  r.set_client_request_id(absl::StrCat("fault-", i));
  r.set_contract_id(kContractId);
  r.set_kind(hosho::v1::GUARANTEE_KIND_CONTRACT);
  r.set_issuer_kind(hosho::v1::ISSUER_KIND_SURETY_COMPANY);
  r.set_issuer(hosho::v1::ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY);
  r.mutable_d_sure()->set_guarantee_number(absl::StrCat("FAULT-", i));
  r.mutable_d_sure()->set_authentication_key(Key(i));
  return r;
}

SubmissionLoad::SubmissionLoad(const Endpoints& endpoints, int cases, int threads, int per_second) : cases_(cases) {
  const absl::Time start = absl::Now();
  for (int t = 0; t < threads; ++t) {
    threads_.emplace_back([this, endpoints, t, threads, per_second, start] {
      auto client = HoshoClient::Connect(endpoints);
      if (!client.ok() || !(*client)->ActAs("demo-submitter").ok()) return;
      for (int i = t; i < cases_; i += threads) {
        const absl::Time due = start + absl::Seconds(1) * i / per_second;
        if (due > absl::Now()) absl::SleepFor(due - absl::Now());  // pacing the offered load
        SubmitUntilAnswered(**client, i);
      }
    });
  }
}

void SubmissionLoad::Join() {
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

std::map<int, std::string> SubmissionLoad::CaseIds() {
  absl::MutexLock lock(&mu_);
  return case_ids_;
}

std::vector<std::string> SubmissionLoad::Refusals() {
  absl::MutexLock lock(&mu_);
  return refusals_;
}

void SubmissionLoad::SubmitUntilAnswered(HoshoClient& client, int i) {
  const absl::Time give_up = absl::Now() + absl::Seconds(120);
  while (absl::Now() < give_up) {
    auto response = client.Submit(FaultSubmission(i));
    if (response.ok()) {
      absl::MutexLock lock(&mu_);
      case_ids_[i] = response->case_id();
      ++answered_;
      return;
    }
    if (!absl::IsUnavailable(response.status()) && !absl::IsDeadlineExceeded(response.status())) {
      absl::MutexLock lock(&mu_);
      refusals_.push_back(absl::StrCat(i, ": ", response.status().ToString()));
      return;
    }
    ++unavailable_;
    absl::SleepFor(absl::Milliseconds(200));  // the client's retry backoff
  }
  absl::MutexLock lock(&mu_);
  refusals_.push_back(absl::StrCat(i, ": still unavailable after 120 s"));
}

hosho::v1::Contract FaultContract() {
  hosho::v1::Contract contract;
  contract.set_contract_id(kContractId);
  contract.set_contract_number("FAULT-1");
  contract.set_project_name("試験工事");
  contract.set_ordering_office("contract-division");
  contract.set_department_in_charge("road-maintenance");
  contract.set_work_category(hosho::v1::WORK_CATEGORY_CONSTRUCTION);
  contract.mutable_contractor()->set_name("試験建設");
  contract.mutable_contractor()->set_contact_email("shiken-kensetsu@example.test");
  contract.set_price_yen(100'000'000);
  contract.set_beneficiary("試験市長");
  contract.mutable_period_start()->set_year(2026);
  contract.mutable_period_start()->set_month(12);
  contract.mutable_period_start()->set_day(1);
  contract.mutable_period_end()->set_year(2027);
  contract.mutable_period_end()->set_month(12);
  contract.mutable_period_end()->set_day(1);
  return contract;
}

absl::Status WriteFaultCertificates(const std::string& file, int cases) {
  std::ofstream out(file);
  out << "certificates:\n";
  for (int i = 0; i < cases; ++i) out << CertificateEntry(i);
  out.close();
  return out ? absl::OkStatus() : absl::InternalError("could not write " + file);
}

void FaultsTest::StartStack(int kafka_nodes, const std::string& name) {
  options_ = TestStackOptions(name);
  options_.kafka_nodes = kafka_nodes;
  options_.python3.clear();  // no mail server: the faults here are the broker's and the store's
  options_.log_level = "warn";
  options_.submissions_per_minute = 0;
  options_.certificates_file = options_.run_dir + "/certificates.yaml";
  ASSERT_TRUE(WriteFaultCertificates(options_.certificates_file, kCases).ok());
  auto stack = Stack::Start(options_);
  ASSERT_TRUE(stack.ok()) << stack.status();
  stack_ = *std::move(stack);
  auto endpoints = EndpointsFromStackFile(options_.run_dir + "/stack.yaml");
  ASSERT_TRUE(endpoints.ok()) << endpoints.status();
  endpoints_ = *endpoints;
  client_ = *HoshoClient::Connect(endpoints_);
  ASSERT_TRUE(client_->ActAs("city-contract-system").ok());
  auto upserted = client_->UpsertContract(FaultContract());
  ASSERT_TRUE(upserted.ok()) << upserted.status();
  ASSERT_TRUE(client_->ActAs("operator").ok());
}

void FaultsTest::TearDown() {
  client_.reset();
  stack_.reset();
  std::error_code ec;
  fs::remove_all(options_.run_dir, ec);
}

void FaultsTest::ExpectEveryCaseRoutedOnce(SubmissionLoad& load) {
  load.Join();
  EXPECT_TRUE(load.Refusals().empty()) << load.Refusals().front();
  const auto ids = load.CaseIds();
  EXPECT_EQ(ids.size(), static_cast<size_t>(kCases)) << "every submission was accepted in the end";
  std::set<std::string> answered_ids;
  for (const auto& [i, id] : ids) answered_ids.insert(id);
  EXPECT_EQ(answered_ids.size(), ids.size()) << "one case per request id";
  // And nothing beside them: a retry that made a second case would show here.
  EXPECT_EQ(CasesInRedis(), answered_ids) << "the cases Redis holds are exactly the answered ones";
  int routed = 0, verified_twice = 0, routed_twice = 0;
  std::vector<std::string> stuck;
  for (const auto& entry : ids) {
    const std::string& id = entry.second;  // clang 14 cannot capture a structured binding
    absl::StatusOr<hosho::v1::Case> c = absl::UnknownError("not read");
    const bool done = AwaitUntil(
        [&] {
          c = client_->GetCase(id);
          return c.ok() && c->state() == hosho::v1::CASE_STATE_ROUTED;
        },
        absl::Seconds(120));
    if (!done) {
      stuck.push_back(absl::StrCat(id, " ", c.ok() ? hosho::v1::CaseState_Name(c->state()) : c.status().ToString()));
      continue;
    }
    ++routed;
    int verified = 0, routings = 0;
    for (const auto& h : c->history()) {
      verified += h.to_state() == hosho::v1::CASE_STATE_VERIFIED ? 1 : 0;
      routings += h.to_state() == hosho::v1::CASE_STATE_ROUTED ? 1 : 0;
    }
    verified_twice += verified != 1 ? 1 : 0;
    routed_twice += routings != 1 ? 1 : 0;
  }
  EXPECT_EQ(routed, kCases) << "stuck: " << (stuck.empty() ? "" : stuck.front()) << " (" << stuck.size() << ")";
  EXPECT_EQ(verified_twice, 0) << "cases not verified exactly once";
  EXPECT_EQ(routed_twice, 0) << "cases not routed exactly once";
  EXPECT_TRUE(stack_->Exited().empty()) << stack_->Exited().front() << " exited";
  std::printf(
      "faults: %zu accepted, %d UNAVAILABLE answers retried, %d ROUTED, %d verified twice, %d routed "
      "twice, %zu stuck\n",
      ids.size(), load.unavailable(), routed, verified_twice, routed_twice, stuck.size());
}

std::set<std::string> CaseIdsInRedis(int redis_port) {
  RedisOptions redis_options;
  redis_options.port = redis_port;
  auto redis = RedisClient::Create(redis_options, &RealClock());
  std::set<std::string> ids;
  if (!redis.ok()) return ids;
  std::string cursor = "0";
  do {
    auto page = (*redis)->Command({"SCAN", cursor, "MATCH", "case:{*}", "COUNT", "1000"});
    if (!page.ok() || page->elements.size() != 2) break;
    cursor = page->elements[0].str;
    for (const auto& key : page->elements[1].elements) {
      if (key.str.back() == '}' && key.str.find('}') == key.str.size() - 1) {
        ids.insert(key.str.substr(6, key.str.size() - 7));
      }
    }
  } while (cursor != "0");
  return ids;
}

std::set<std::string> FaultsTest::CasesInRedis() { return CaseIdsInRedis(stack_->endpoints().redis_port); }

}  // namespace hosho::testing
