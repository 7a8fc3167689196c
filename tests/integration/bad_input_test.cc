// The bad-input catalogue: every entry point of hosho, the real binaries started by the
// stack launcher, fed one bad input at a time. Each entry states the exact answer (gRPC status or
// HTTP status, the stable code and the field of the first violation) and, after each group and
// after the whole catalogue, nothing else may have changed: the same Redis keys with the same
// content (cases, histories, notices, deliveries, receipts, contracts), the same end offsets on
// every Kafka topic and its DLQ twin, no mail sent, no blob stored.
//
// An entry is one line: a name, the change to a known-good request, and the expected answer. The
// good requests are submitted once each at set-up (they are the cases the catalogue then aims at),
// so an entry's refusal is its own bad input's, never its base's.
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/client_unary_call.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "services/common/auth/auth.h"
#include "services/common/crypto/sealing.h"
#include "services/common/domain/domain_text.h"
#include "services/common/grpc/grpc_precise.h"
#include "services/common/http/http_server.h"
#include "services/common/kafka/kafka_impl.h"
#include "services/common/kafka/topics.h"
#include "services/common/mail/mail.h"
#include "services/common/redis/redis_client.h"
#include "services/common/runtime/clock.h"
#include "services/common/runtime/errors.h"
#include "services/hoshoctl/client.h"
#include "services/intake/webhook.h"
#include "services/stack/stack.h"
#include "tests/support/await.h"
#include "tests/support/fixtures.h"
#include "tests/support/raw_http.h"

namespace hosho {
namespace {

namespace fs = std::filesystem;
namespace v1 = hosho::v1;
using absl::StatusCode;
using nlohmann::json;

std::string Source(const std::string& relative) { return testing::SourceFile(relative); }

// ------------------------------------------------------------------------------------ bad texts

std::string Repeat(absl::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out.append(s.data(), s.size());
  return out;
}
const std::string kKanji10k = Repeat("漢", 10'000);
const std::string kKanji10kLines = Repeat(Repeat("確", 99) + "\n", 101);  // 10,100 characters with line breaks
const std::string kBadUtf8 = "\xe5\xb7";                                  // 工 cut in the middle
const std::string kRlo = "請求\u202Efdp.exe";                             // a bidi override
const std::string kEsc = "北\x1b[2J保証";
const std::string kC1 = "保証\u0085会社";
const std::string kDel = "保証\x7f会社";
constexpr char kFormula[] = "=SUM(A1:A9)";
const std::string kPdf = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

v1::Date Day(int y, int m, int d) {
  v1::Date out;
  out.set_year(y);
  out.set_month(m);
  out.set_day(d);
  return out;
}
v1::Date DaysFromToday(int days) {
  const v1::Date today = TodayInJapan(absl::Now());
  return FromCivilDay(absl::CivilDay(today.year(), today.month(), today.day()) + days);
}

// ------------------------------------------------------------------------------------ expectations

// An answer as the catalogue compares it: a gRPC status (or an HTTP status), the first violation.
struct Answer {
  int status = 0;  // gRPC code, or HTTP status
  std::string code;
  std::string field;
  std::string message_ja;
  std::string detail;    // for the failure message
  bool created = false;  // an import row was accepted (a refusal must create nothing)
};

struct Entry {
  std::string group;  // the entry point, for the counts
  std::string name;
  std::function<Answer()> call;
  int status;
  std::string code;
  std::string field;
};

Answer FromStatus(const absl::Status& s) {
  Answer a;
  a.status = static_cast<int>(s.code());
  a.detail = s.ToString().substr(0, 400);
  auto v = ViolationsOf(s);
  if (!v.empty()) {
    a.code = v.front().code;
    a.field = v.front().field;
    a.message_ja = v.front().message_ja;
  }
  return a;
}

// The first refused row of a report; `created` when any row made something.
Answer FromReport(const absl::StatusOr<v1::ImportReport>& report) {
  if (!report.ok()) return FromStatus(report.status());
  Answer a;
  a.status = 0;
  a.created = report->accepted() + report->unchanged() + report->duplicates() > 0;
  a.detail = absl::StrCat("encoding=", report->encoding(), " accepted=", report->accepted(),
                          " unchanged=", report->unchanged(), " duplicates=", report->duplicates(),
                          " refused=", report->refused());
  for (const auto& row : report->rows()) {
    if (row.outcome() != v1::ImportRow::OUTCOME_REFUSED || row.violations().empty()) continue;
    a.code = row.violations(0).code();
    a.field = row.violations(0).field();
    a.message_ja = row.violations(0).message_ja();
    absl::StrAppend(&a.detail, " first refused line ", row.line());
    break;
  }
  return a;
}

// hosho's JSON refusal: {"error": {"code", "message_ja", "violations": [{"field", "code", "message_ja"}]}}.
Answer FromJsonReply(int http, const std::string& body) {
  Answer a;
  a.status = http;
  a.detail = body.substr(0, 400);
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("error")) return a;
  const json& e = j["error"];
  a.code = e.value("code", "");
  a.message_ja = e.value("message_ja", "");
  if (e.contains("violations") && e["violations"].is_array() && !e["violations"].empty()) {
    const json& v = e["violations"][0];
    a.field = v.value("field", "");
    if (v.value("code", "") != a.code) a.detail += " (first violation's code differs: " + v.value("code", "") + ")";
  } else {
    a.field = "<no violations>";
  }
  return a;
}

void Check(const Entry& e) {
  const Answer got = e.call();
  EXPECT_EQ(got.status, e.status) << "[" << e.group << "] " << e.name << ": " << got.detail;
  EXPECT_FALSE(got.created) << "[" << e.group << "] " << e.name << ": the import made something: " << got.detail;
  EXPECT_EQ(got.code, e.code) << "[" << e.group << "] " << e.name << ": " << got.detail;
  EXPECT_EQ(got.field, e.field) << "[" << e.group << "] " << e.name << ": " << got.detail;
  if (!got.code.empty()) {
    EXPECT_FALSE(got.message_ja.empty()) << "[" << e.group << "] " << e.name << ": no Japanese message";
  }
}

// ------------------------------------------------------------------------------------ raw gRPC

// Sends `bytes` as the request of `method`, unparsed: what a broken or hostile client sends.
absl::Status RawCall(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                     const std::string& authorization, const std::string& bytes) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(15)));
  if (!authorization.empty()) context.AddMetadata("authorization", authorization);
  RawRequest request{bytes};
  RawRequest response;
  const grpc::internal::RpcMethod rpc(method.c_str(), grpc::internal::RpcMethod::NORMAL_RPC);
  grpc::Status s = grpc::internal::BlockingUnaryCall<RawRequest, RawRequest, RawRequest, RawRequest>(
      channel.get(), rpc, &context, request, &response);
  return FromGrpcStatus(s);
}

// ------------------------------------------------------------------------------------ raw HTTP

using testing::FormEncode;
using testing::HttpResult;
using testing::RawHttp;
using testing::UrlQuery;

// ------------------------------------------------------------------------------------ the suite

class BadInputTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    StackOptions options = testing::TestStackOptions("hosho-bad-input");
    options.connector_enabled = false;  // every case waits for a clerk: nothing moves on its own
    auto stack = Stack::Start(options);
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = stack->release();
    run_dir_ = new std::string(options.run_dir);
    endpoints_ = new Endpoints(*EndpointsFromStackFile(options.run_dir + "/stack.yaml"));
    RedisOptions ro;
    ro.port = stack_->endpoints().redis_port;
    redis_ = RedisClient::Create(ro, &RealClock())->release();
    for (const auto& [service, target] : std::map<std::string, std::string>{{"intake", endpoints_->intake},
                                                                            {"console", endpoints_->console},
                                                                            {"notification", endpoints_->notification},
                                                                            {"verification", endpoints_->verification},
                                                                            {"routing", endpoints_->routing}}) {
      (*channels_)[service] = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
    }
    Seed();
  }
  static void TearDownTestSuite() {
    delete redis_;
    delete endpoints_;
    delete stack_;
    if (run_dir_ != nullptr) fs::remove_all(*run_dir_);
    delete run_dir_;
  }

  // ------------------------------------------------------------------ credentials and calls

  static std::string Token(const std::string& principal) {
    std::ifstream in(endpoints_->token_files.at(principal));
    std::string t;
    std::getline(in, t);
    return t;
  }
  // "" no credential; "=<value>" that authorization header as given; else the principal's token.
  static std::string Authorization(const std::string& who) {
    if (who.empty()) return "";
    if (who.front() == '=') return who.substr(1);
    return "Bearer " + Token(who);
  }
  static std::unique_ptr<HoshoClient> As(const std::string& principal) {
    auto client = *HoshoClient::Connect(*endpoints_);
    EXPECT_TRUE(client->ActAs(principal).ok());
    return client;
  }
  template <class Service>
  static std::unique_ptr<typename Service::Stub> Stub(const std::string& service) {
    return Service::NewStub(channels_->at(service));
  }
  template <class StubT, class Req, class Resp>
  static absl::Status Call(StubT* stub, grpc::Status (StubT::*method)(grpc::ClientContext*, const Req&, Resp*),
                           const std::string& who, const Req& request) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
    if (const std::string a = Authorization(who); !a.empty()) context.AddMetadata("authorization", a);
    Resp response;
    return FromGrpcStatus((stub->*method)(&context, request, &response));
  }

  // A server-streaming call that must be refused: the status it ends with (a message that arrives
  // instead cancels the stream, so the entry fails with CANCELLED rather than hanging).
  template <class StubT, class Req, class Resp>
  static absl::Status StreamCall(StubT* stub,
                                 std::unique_ptr<grpc::ClientReader<Resp>> (StubT::*method)(grpc::ClientContext*,
                                                                                            const Req&),
                                 const std::string& who, const Req& request) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
    if (const std::string a = Authorization(who); !a.empty()) context.AddMetadata("authorization", a);
    std::unique_ptr<grpc::ClientReader<Resp>> reader = (stub->*method)(&context, request);
    Resp message;
    while (reader->Read(&message)) context.TryCancel();
    return FromGrpcStatus(reader->Finish());
  }

  // ------------------------------------------------------------------ known-good requests

  enum class Base { kDSure, kInsurer, kPaper, kUpload, kWebForm };
  // A request that is accepted as it is (each is submitted once at set-up); `n` makes it fresh.
  static v1::SubmitGuaranteeRequest Good(Base base, int n) {
    v1::SubmitGuaranteeRequest r;
    r.set_client_request_id(absl::StrCat("bad-input-", n));
    r.set_kind(v1::GUARANTEE_KIND_CONTRACT);
    switch (base) {
      case Base::kDSure:
      case Base::kUpload:
      case Base::kWebForm:
        r.set_contract_id(base == Base::kDSure ? "K-2026-0001" : base == Base::kUpload ? "K-2026-0003" : "K-2026-0004");
        r.set_issuer_kind(v1::ISSUER_KIND_SURETY_COMPANY);
        r.set_issuer(v1::ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY);
        r.mutable_d_sure()->set_guarantee_number(absl::StrCat("DS-26-9", 10000 + n));
        r.mutable_d_sure()->set_authentication_key(absl::StrCat("PLANTED-AK-BAD-", n));
        if (base == Base::kUpload) {
          auto* u = r.add_uploads();
          u->set_kind(v1::AttachmentRef::KIND_ORDERER_FORMAT);
          u->set_filename("発注者提出用フォーマット.pdf");
          u->set_media_type("application/pdf");
          u->set_content(kPdf);
        }
        if (base == Base::kWebForm) {
          r.set_channel(v1::CHANNEL_WEB_FORM);
          r.set_source_receipt(absl::StrCat("LF-BAD-", n));
        }
        break;
      case Base::kInsurer:
        r.set_contract_id("K-2026-0002");
        r.set_issuer_kind(v1::ISSUER_KIND_INSURER);
        r.set_issuer(v1::ISSUER_SOMPO_JAPAN);
        r.mutable_confirmation_system()->set_viewing_url(absl::StrCat("https://confirm.example/v/bad-", n));
        r.mutable_confirmation_system()->set_viewing_password(absl::StrCat("PLANTED-PW-BAD-", n));
        break;
      case Base::kPaper:
        r.set_contract_id("K-2026-0005");
        r.set_issuer_kind(v1::ISSUER_KIND_BANK);
        r.set_issuer(v1::ISSUER_BANK);
        r.set_issuer_name("みなと銀行");
        r.mutable_paper()->set_guarantee_number(absl::StrCat("MB-BAD-", n));
        *r.mutable_paper()->mutable_received_on() = DaysFromToday(-1);
        break;
    }
    return r;
  }
  static std::string SubmitterOf(Base base) {
    if (base == Base::kPaper) return "contract-division-clerk";
    if (base == Base::kWebForm) return "city-contract-system";
    return "demo-submitter";
  }
  static v1::CertificateRecord GoodCertificate() {  // for case K-2026-0001 / DS-26-000101
    v1::CertificateRecord c;
    c.set_guarantee_number("DS-26-000101");
    c.set_kind(v1::GUARANTEE_KIND_CONTRACT);
    c.set_beneficiary("みなと市長");
    c.set_contractor_name("株式会社みなと建設");
    c.set_project_name("市道みなと線舗装補修工事");
    c.set_project_location("みなと市中央区港町一丁目");
    c.set_contract_price_yen(48'000'000);
    c.set_guaranteed_amount_yen(4'800'000);
    *c.mutable_period_start() = Day(2026, 12, 1);
    *c.mutable_period_end() = Day(2027, 3, 19);
    *c.mutable_issue_date() = Day(2026, 11, 20);
    c.set_issuer(v1::ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY);
    return c;
  }
  static v1::Contract GoodContract(const std::string& id) {
    v1::Contract c;
    c.set_contract_id(id);
    c.set_contract_number("R8-" + id);
    c.set_project_name("市道補修工事 " + id);
    c.set_project_location("みなと市中央区");
    c.set_ordering_office("contract-division");
    c.set_department_in_charge("road-maintenance");
    c.set_work_category(v1::WORK_CATEGORY_CONSTRUCTION);
    c.mutable_contractor()->set_name("株式会社みなと建設");
    c.mutable_contractor()->set_contact_email("keiyaku@minato-kensetsu.example");
    c.set_price_yen(10'000'000);
    *c.mutable_period_start() = Day(2027, 1, 1);
    *c.mutable_period_end() = Day(2027, 3, 1);
    c.set_beneficiary("みなと市長");
    return c;
  }

  static std::string AwaitTask(const std::string& clerk, const std::string& case_id) {
    auto c = As(clerk);
    EXPECT_TRUE(testing::AwaitUntil([&] {
      auto tasks = c->ListTasks();
      if (!tasks.ok()) return false;
      for (const auto& t : tasks->tasks()) {
        if (t.case_id() == case_id) return true;
      }
      return false;
    })) << case_id
        << " never reached " << clerk << "'s queue";
    return case_id;
  }
  static std::string SubmitGood(Base base, int n, const std::function<void(v1::SubmitGuaranteeRequest&)>& m = {}) {
    v1::SubmitGuaranteeRequest r = Good(base, n);
    if (m) m(r);
    auto submitted = As(SubmitterOf(base))->Submit(r);
    EXPECT_TRUE(submitted.ok()) << "a known-good request was refused: " << submitted.status();
    return submitted.ok() ? submitted->case_id() : "";
  }

  // The cases the catalogue aims at, each made from a known-good request (which proves it good).
  static void Seed() {
    auto city = As("city-contract-system");
    auto imported = city->ImportContractsCsv(Source("deploy/demo/contracts.csv"));
    ASSERT_TRUE(imported.ok()) << imported.status();
    ASSERT_EQ(imported->refused(), 0);
    ASSERT_TRUE(city->UpsertContract(GoodContract("K-BAD-BASE")).ok()) << "the good contract is good";
    // ROUTED at 契約課 (a clerk verified it), for the hand-off calls.
    routed_ = SubmitGood(Base::kDSure, 0, [](auto& r) {
      r.mutable_d_sure()->set_guarantee_number("DS-26-000101");
      r.mutable_d_sure()->set_authentication_key("PLANTED-AK-A-7f3c9e21d4");
    });
    ASSERT_FALSE(routed_.empty());
    AwaitTask("contract-division-clerk", routed_);
    auto clerk = As("contract-division-clerk");
    ASSERT_TRUE(clerk->ClaimTask(routed_).ok());
    v1::RecordCertificateRequest record;
    record.set_task_id(routed_);
    *record.mutable_certificate() = GoodCertificate();
    auto recorded = clerk->RecordCertificate(record);
    ASSERT_TRUE(recorded.ok()) << recorded.status();
    ASSERT_TRUE(testing::AwaitUntil(
        [&] {
          auto c = As("operator")->GetCase(routed_);
          return c.ok() && c->state() == v1::CASE_STATE_ROUTED;
        },
        absl::Seconds(60)))
        << "the verified case was never routed";
    // Waiting for a clerk, nobody holds it.
    open_ = AwaitTask("contract-division-clerk", SubmitGood(Base::kDSure, 1, [](auto& r) {
                        r.mutable_d_sure()->set_guarantee_number("DS-26-000201");
                      }));
    open_request_id_ = Good(Base::kDSure, 1).client_request_id();
    // Held by contract-division-clerk, with a PDF that intake now holds (its hash is reusable).
    claimed_ = AwaitTask("contract-division-clerk", SubmitGood(Base::kUpload, 2));
    ASSERT_TRUE(clerk->ClaimTask(claimed_).ok());
    auto claimed = As("operator")->GetCase(claimed_);
    ASSERT_TRUE(claimed.ok() && claimed->attachments_size() == 1);
    known_sha_ = new std::string(claimed->attachments(0).sha256());
    // An insurer's guarantee waiting at 上下水道事業政策課.
    insurer_ = AwaitTask("water-sewerage-policy-clerk", SubmitGood(Base::kInsurer, 3));
    // A bank's paper guarantee, held by the second clerk of 契約課: nothing to reveal.
    paper_ = AwaitTask("contract-division-clerk", SubmitGood(Base::kPaper, 4));
    ASSERT_TRUE(As("contract-division-clerk-2")->ClaimTask(paper_).ok());
    // A web-form arrival (receipt LF-2026-000501) of 契約課, and the integration's own channel.
    auto posted = city->PostFormWebhook(Source("deploy/demo/channels/form-webhook.json"));
    ASSERT_TRUE(posted.ok() && posted->first == 200) << (posted.ok() ? posted->second : posted.status().ToString());
    json answer = json::parse(posted->second);
    form_ = AwaitTask("contract-division-clerk", answer["case_id"].get<std::string>());
    AwaitTask("contract-division-clerk", SubmitGood(Base::kWebForm, 5));
    for (const std::string* id : {&routed_, &open_, &claimed_, &insurer_, &paper_, &form_}) seeded_->push_back(*id);
  }

  // ------------------------------------------------------------------ what must not change

  struct State {
    std::map<std::string, std::string> redis;  // key → digest of its DUMP
    std::map<std::string, int64_t> topics;     // topic → records (end offsets summed)
    size_t mails = 0;
    size_t blobs = 0;
    size_t listed_cases = 0;
    std::map<std::string, int> history;  // seeded case → history entries
    std::map<std::string, int> notices;  // seeded case → notices
    bool operator==(const State&) const = default;
  };
  static State Snapshot() {
    State s;
    std::string cursor = "0";
    do {
      auto page = redis_->Command({"SCAN", cursor, "COUNT", "1000"});
      if (!page.ok() || page->elements.size() != 2) break;
      cursor = page->elements[0].str;
      for (const auto& key : page->elements[1].elements) {
        // Sessions and rate-limit counters are the console's and the limiters' own bookkeeping.
        if (absl::StartsWith(key.str, "console:session") || absl::StartsWith(key.str, "rate:")) continue;
        auto dump = redis_->Command({"DUMP", key.str});
        s.redis[key.str] = dump.ok() ? Sha256Hex(dump->str).substr(0, 16) : "?";
      }
    } while (cursor != "0");
    KafkaOptions kafka;
    kafka.bootstrap_servers = stack_->endpoints().kafka_bootstrap;
    static auto* probe = KafkaBacklogProbe::Create(kafka, "bad-input-offsets-never-commits")->release();
    static const auto* catalogue =
        new std::vector<TopicSpec>(*LoadTopicCatalogue(std::string(HOSHO_SOURCE_DIR) + "/deploy/kafka/topics.yaml"));
    for (const TopicSpec& t : *catalogue) {
      for (const std::string& name : {t.name, t.name + ".dlq"}) {
        auto n = probe->Backlog(name, absl::Seconds(5));
        s.topics[name] = n.ok() ? *n : -1;
      }
    }
    if (fs::exists(stack_->endpoints().smtp_outbox)) {
      for (const auto& f : fs::directory_iterator(stack_->endpoints().smtp_outbox)) s.mails += f.is_regular_file();
    }
    for (const auto& f : fs::recursive_directory_iterator(*run_dir_ + "/blobs")) s.blobs += f.is_regular_file();
    auto ops = As("operator");
    v1::ListCasesRequest list;
    list.set_page_size(500);
    if (auto listed = ops->ListCases(list); listed.ok()) s.listed_cases = static_cast<size_t>(listed->cases_size());
    for (const std::string& id : *seeded_) {
      auto c = ops->GetCase(id);
      s.history[id] = c.ok() ? c->history_size() : -1;
      auto n = ops->ListNotices(id);
      s.notices[id] = n.ok() ? n->notices_size() : -1;
    }
    return s;
  }
  static std::string Diff(const State& a, const State& b) {
    std::vector<std::string> out;
    for (const auto& [k, v] : b.redis) {
      auto it = a.redis.find(k);
      if (it == a.redis.end())
        out.push_back("new redis key " + k);
      else if (it->second != v)
        out.push_back("changed redis key " + k);
    }
    for (const auto& [k, v] : a.redis) {
      if (!b.redis.contains(k)) out.push_back("removed redis key " + k);
    }
    for (const auto& [t, n] : b.topics) {
      if (a.topics.at(t) != n) out.push_back(absl::StrCat("topic ", t, ": ", a.topics.at(t), " → ", n, " records"));
    }
    if (a.mails != b.mails) out.push_back(absl::StrCat("mails sent: ", a.mails, " → ", b.mails));
    if (a.blobs != b.blobs) out.push_back(absl::StrCat("blobs: ", a.blobs, " → ", b.blobs));
    if (a.listed_cases != b.listed_cases) out.push_back(absl::StrCat("cases: ", a.listed_cases, " → ", b.listed_cases));
    for (const auto& [id, n] : b.history) {
      if (a.history.at(id) != n) out.push_back(absl::StrCat("history of ", id, ": ", a.history.at(id), " → ", n));
    }
    for (const auto& [id, n] : b.notices) {
      if (a.notices.at(id) != n) out.push_back(absl::StrCat("notices of ", id, ": ", a.notices.at(id), " → ", n));
    }
    if (out.size() > 40) out.resize(40);
    return absl::StrJoin(out, "\n  ");
  }
  // The state once nothing moves any more (the notices of set-up delivered, the feed caught up).
  static State Settled() {
    State last = Snapshot();
    for (int i = 0; i < 30; ++i) {
      absl::SleepFor(absl::Seconds(1));
      State now = Snapshot();
      if (now == last) return now;
      last = std::move(now);
    }
    ADD_FAILURE() << "the stack never settled";
    return last;
  }

  // Runs a group of entries and checks that it changed nothing.
  static void RunGroup(const std::string& group, const std::vector<Entry>& entries) {
    SCOPED_TRACE(group);
    const State before = Settled();
    for (const Entry& e : entries) {
      Check(e);
      (*counts_)[e.group]++;
    }
    absl::SleepFor(absl::Seconds(1));  // anything a refusal set going would show by now
    const State after = Snapshot();
    EXPECT_TRUE(before == after) << group << " changed something:\n  " << Diff(before, after);
  }

  static Stack* stack_;
  static std::string* run_dir_;
  static Endpoints* endpoints_;
  static RedisClient* redis_;
  static std::map<std::string, std::shared_ptr<grpc::Channel>>* channels_;
  static std::string routed_, open_, claimed_, insurer_, paper_, form_, open_request_id_;
  static std::string* known_sha_;
  static std::vector<std::string>* seeded_;
  static std::map<std::string, int>* counts_;
  static State* initial_;
};

Stack* BadInputTest::stack_ = nullptr;
std::string* BadInputTest::run_dir_ = nullptr;
Endpoints* BadInputTest::endpoints_ = nullptr;
RedisClient* BadInputTest::redis_ = nullptr;
std::map<std::string, std::shared_ptr<grpc::Channel>>* BadInputTest::channels_ =
    new std::map<std::string, std::shared_ptr<grpc::Channel>>();
std::string BadInputTest::routed_, BadInputTest::open_, BadInputTest::claimed_, BadInputTest::insurer_,
    BadInputTest::paper_, BadInputTest::form_, BadInputTest::open_request_id_;
std::string* BadInputTest::known_sha_ = nullptr;
std::vector<std::string>* BadInputTest::seeded_ = new std::vector<std::string>();
std::map<std::string, int>* BadInputTest::counts_ = new std::map<std::string, int>();
BadInputTest::State* BadInputTest::initial_ = nullptr;

constexpr int kInvalid = static_cast<int>(StatusCode::kInvalidArgument);
constexpr int kNotFound = static_cast<int>(StatusCode::kNotFound);
constexpr int kUnauth = static_cast<int>(StatusCode::kUnauthenticated);
constexpr int kDenied = static_cast<int>(StatusCode::kPermissionDenied);
constexpr int kPrecondition = static_cast<int>(StatusCode::kFailedPrecondition);
constexpr int kExists = static_cast<int>(StatusCode::kAlreadyExists);
constexpr int kAborted = static_cast<int>(StatusCode::kAborted);
constexpr int kOk = 0;

const std::string kWrongToken = "=Bearer 0000000000000000000000000000000000000000000000";

// ============================================================================ the catalogue

// Runs first: the state every later group is compared with at the very end.
TEST_F(BadInputTest, A_StateBeforeTheCatalogue) { initial_ = new State(Settled()); }

TEST_F(BadInputTest, SubmitGuarantee) {
  using Req = v1::SubmitGuaranteeRequest;
  using M = std::function<void(Req&)>;
  static int serial = 100;
  auto stub = Stub<v1::IntakeService>("intake");
  auto* s = stub.get();
  const std::string sha = *known_sha_;
  std::vector<Entry> entries;
  // One entry: a known-good request of `base`, changed by `m`, sent as `who`.
  auto sub = [&](std::string name, Base base, std::string who, M m, int status, std::string code, std::string field) {
    const int n = ++serial;
    if (who == "*") who = SubmitterOf(base);
    entries.push_back({"SubmitGuarantee", std::move(name),
                       [s, base, n, who, m] {
                         Req r = Good(base, n);
                         m(r);
                         return FromStatus(Call(s, &v1::IntakeService::Stub::SubmitGuarantee, who, r));
                       },
                       status, std::move(code), std::move(field)});
  };
  auto d = [&](std::string name, M m, int status, std::string code, std::string field) {
    sub(std::move(name), Base::kDSure, "*", std::move(m), status, std::move(code), std::move(field));
  };
  auto raw = [&](std::string name, std::string who, std::string bytes, int status, std::string code,
                 std::string field) {
    auto ch = channels_->at("intake");
    entries.push_back({"SubmitGuarantee", std::move(name),
                       [ch, who, bytes] {
                         return FromStatus(
                             RawCall(ch, "/hosho.v1.IntakeService/SubmitGuarantee", Authorization(who), bytes));
                       },
                       status, std::move(code), std::move(field)});
  };
  auto upload = [](Req& r) -> v1::AttachmentUpload& { return *r.mutable_uploads(0); };
  auto ref = [sha](Req& r) -> v1::AttachmentRef& {
    auto* a = r.add_attachments();
    a->set_kind(v1::AttachmentRef::KIND_ORDERER_FORMAT);
    a->set_sha256(sha);
    a->set_media_type("application/pdf");
    a->set_filename("発注者提出用フォーマット.pdf");
    return *a;
  };
  const M same = [](Req&) {};

  // Who is calling: always answered first, whatever the body holds.
  sub("no credential", Base::kDSure, "", same, kUnauth, "CREDENTIAL_MISSING", "authorization");
  sub("a wrong token", Base::kDSure, kWrongToken, same, kUnauth, "TOKEN_UNKNOWN", "authorization");
  sub("an empty bearer token", Base::kDSure, "=Bearer ", same, kUnauth, "TOKEN_UNKNOWN", "authorization");
  sub("another scheme (Basic)", Base::kDSure, "=Basic ZGVtbzpkZW1v", same, kUnauth, "TOKEN_UNKNOWN", "authorization");
  sub(
      "no credential and an invalid body", Base::kDSure, "", [](Req& r) { r.clear_kind(); }, kUnauth,
      "CREDENTIAL_MISSING", "authorization");
  sub(
      "no credential and invalid UTF-8", Base::kDSure, "", [](Req& r) { r.set_issuer_name(kBadUtf8); }, kUnauth,
      "CREDENTIAL_MISSING", "authorization");
  raw("a wrong token and bytes that are no request", kWrongToken, "\xff\xff\xff\xff", kUnauth, "TOKEN_UNKNOWN",
      "authorization");
  raw("no credential and bytes that are no request", "", "\x0a\xff\x01", kUnauth, "CREDENTIAL_MISSING",
      "authorization");
  sub("a service principal (not a submitter role)", Base::kDSure, "hosho-routing", same, kDenied, "ROLE_NOT_ALLOWED",
      "authorization");
  // Bytes and encodings.
  raw("bytes that are no request", "demo-submitter", "\xff\xff\xff\xff", kInvalid, "REQUEST_UNREADABLE", "");
  raw("an empty message", "demo-submitter", "", kInvalid, "REQUEST_ID_INVALID", "client_request_id");
  d(
      "invalid UTF-8 in contract_id", [](Req& r) { r.set_contract_id("K-" + kBadUtf8); }, kInvalid, "TEXT_INVALID_UTF8",
      "contract_id");
  d(
      "invalid UTF-8 in the key", [](Req& r) { r.mutable_d_sure()->set_authentication_key("AK" + kBadUtf8); }, kInvalid,
      "TEXT_INVALID_UTF8", "d_sure.authentication_key");
  d(
      "invalid UTF-8 in supersedes_case_id", [](Req& r) { r.set_supersedes_case_id(kBadUtf8); }, kInvalid,
      "TEXT_INVALID_UTF8", "supersedes_case_id");
  d(
      "invalid UTF-8 in source_receipt", [](Req& r) { r.set_source_receipt("LF-" + kBadUtf8); }, kInvalid,
      "TEXT_INVALID_UTF8", "source_receipt");
  // client_request_id.
  d(
      "client_request_id empty", [](Req& r) { r.clear_client_request_id(); }, kInvalid, "REQUEST_ID_INVALID",
      "client_request_id");
  d(
      "client_request_id of 129 characters", [](Req& r) { r.set_client_request_id(std::string(129, 'r')); }, kInvalid,
      "REQUEST_ID_INVALID", "client_request_id");
  d(
      "client_request_id with a space", [](Req& r) { r.set_client_request_id("req 1"); }, kInvalid,
      "REQUEST_ID_INVALID", "client_request_id");
  d(
      "client_request_id in kanji", [](Req& r) { r.set_client_request_id("受付一"); }, kInvalid, "REQUEST_ID_INVALID",
      "client_request_id");
  d(
      "client_request_id with a control character", [](Req& r) { r.set_client_request_id("req\x01"); }, kInvalid,
      "REQUEST_ID_INVALID", "client_request_id");
  d(
      "client_request_id reused with other content", [id = open_request_id_](Req& r) { r.set_client_request_id(id); },
      kExists, "REQUEST_ID_REUSED", "client_request_id");
  // kind.
  d(
      "kind unspecified", [](Req& r) { r.clear_kind(); }, kInvalid, "KIND_MISSING", "kind");
  d(
      "kind 99", [](Req& r) { r.set_kind(static_cast<v1::GuaranteeKind>(99)); }, kInvalid, "KIND_MISSING", "kind");
  d(
      "kind -1", [](Req& r) { r.set_kind(static_cast<v1::GuaranteeKind>(-1)); }, kInvalid, "KIND_MISSING", "kind");
  // contract_id.
  d(
      "contract_id empty", [](Req& r) { r.clear_contract_id(); }, kInvalid, "CONTRACT_ID_MISSING", "contract_id");
  d(
      "contract_id of 65 characters", [](Req& r) { r.set_contract_id(std::string(65, 'K')); }, kInvalid,
      "CONTRACT_ID_INVALID", "contract_id");
  d(
      "contract_id a formula", [](Req& r) { r.set_contract_id(kFormula); }, kInvalid, "CONTRACT_ID_INVALID",
      "contract_id");
  d(
      "contract_id with SQL", [](Req& r) { r.set_contract_id("K' OR '1'='1"); }, kInvalid, "CONTRACT_ID_INVALID",
      "contract_id");
  d(
      "contract_id in kanji", [](Req& r) { r.set_contract_id("契約一"); }, kInvalid, "CONTRACT_ID_INVALID",
      "contract_id");
  d(
      "contract_id with ../", [](Req& r) { r.set_contract_id("../K-2026-0001"); }, kNotFound, "R03_CONTRACT_NOT_FOUND",
      "contract_id");
  d(
      "contract_id not registered", [](Req& r) { r.set_contract_id("K-9999-0000"); }, kNotFound,
      "R03_CONTRACT_NOT_FOUND", "contract_id");
  d(
      "contract of an office out of scope", [](Req& r) { r.set_contract_id("K-2026-0099"); }, kPrecondition,
      "R03_OFFICE_OUT_OF_SCOPE", "contract_id");
  // issuer_kind, issuer, issuer_name.
  d(
      "issuer_kind unspecified", [](Req& r) { r.clear_issuer_kind(); }, kInvalid, "R02_ISSUER_KIND_MISSING",
      "issuer_kind");
  d(
      "issuer_kind 99", [](Req& r) { r.set_issuer_kind(static_cast<v1::IssuerKind>(99)); }, kInvalid,
      "R02_ISSUER_KIND_INVALID", "issuer_kind");
  d(
      "issuer 50 (no such issuer)", [](Req& r) { r.set_issuer(static_cast<v1::Issuer>(50)); }, kInvalid,
      "R02_ISSUER_NOT_LISTED", "issuer");
  d(
      "an insurer as a surety company", [](Req& r) { r.set_issuer(v1::ISSUER_SOMPO_JAPAN); }, kInvalid,
      "R02_ISSUER_NOT_LISTED", "issuer");
  d(
      "a bank through D-Sure", [](Req& r) { r.set_issuer_kind(v1::ISSUER_KIND_BANK); }, kInvalid,
      "R02_BANK_NOT_ELIGIBLE", "issuer_kind");
  sub(
      "an insurer's advance payment guarantee", Base::kInsurer, "*",
      [](Req& r) { r.set_kind(v1::GUARANTEE_KIND_ADVANCE_PAYMENT); }, kInvalid, "R02_INSURER_CONTRACT_ONLY", "kind");
  auto other = [](std::string name) {
    return [name](Req& r) {
      r.set_issuer(v1::ISSUER_OTHER);
      r.set_issuer_name(name);
    };
  };
  d("issuer_name with an escape sequence", other(kEsc), kInvalid, "TEXT_CONTROL_CHARACTERS", "issuer_name");
  d("issuer_name with U+202E", other(kRlo), kInvalid, "TEXT_CONTROL_CHARACTERS", "issuer_name");
  d("issuer_name with a C1 control", other(kC1), kInvalid, "TEXT_CONTROL_CHARACTERS", "issuer_name");
  d("issuer_name with DEL", other(kDel), kInvalid, "TEXT_CONTROL_CHARACTERS", "issuer_name");
  d("issuer_name a formula", other(kFormula), kInvalid, "TEXT_FORMULA", "issuer_name");
  d("issuer_name starting with @", other("@SUM(1)"), kInvalid, "TEXT_FORMULA", "issuer_name");
  d("issuer_name of 10,000 kanji", other(kKanji10k), kInvalid, "TEXT_TOO_LONG", "issuer_name");
  d("issuer_name of 101 characters", other(Repeat("保", 101)), kInvalid, "TEXT_TOO_LONG", "issuer_name");
  d("issuer_name invalid UTF-8", other("保証" + kBadUtf8), kInvalid, "TEXT_INVALID_UTF8", "issuer_name");
  // channel.
  d(
      "channel 99", [](Req& r) { r.set_channel(static_cast<v1::Channel>(99)); }, kInvalid, "CHANNEL_INVALID",
      "channel");
  d(
      "channel -3", [](Req& r) { r.set_channel(static_cast<v1::Channel>(-3)); }, kInvalid, "CHANNEL_INVALID",
      "channel");
  // The D-Sure credential.
  d(
      "no credential at all", [](Req& r) { r.clear_d_sure(); }, kInvalid, "R01_CREDENTIAL_MISSING", "credential");
  d(
      "guarantee number empty", [](Req& r) { r.mutable_d_sure()->clear_guarantee_number(); }, kInvalid,
      "R01_GUARANTEE_NUMBER_MISSING", "d_sure.guarantee_number");
  d(
      "guarantee number with SQL", [](Req& r) { r.mutable_d_sure()->set_guarantee_number("1' OR '1'='1"); }, kInvalid,
      "R01_GUARANTEE_NUMBER_INVALID", "d_sure.guarantee_number");
  d(
      "guarantee number of 65 characters",
      [](Req& r) { r.mutable_d_sure()->set_guarantee_number(std::string(65, '1')); }, kInvalid,
      "R01_GUARANTEE_NUMBER_INVALID", "d_sure.guarantee_number");
  d(
      "guarantee number of 10,000 kanji", [](Req& r) { r.mutable_d_sure()->set_guarantee_number(kKanji10k); }, kInvalid,
      "R01_GUARANTEE_NUMBER_INVALID", "d_sure.guarantee_number");
  d(
      "key empty", [](Req& r) { r.mutable_d_sure()->clear_authentication_key(); }, kInvalid,
      "R01_AUTHENTICATION_KEY_MISSING", "d_sure.authentication_key");
  d(
      "key of 257 characters", [](Req& r) { r.mutable_d_sure()->set_authentication_key(std::string(257, 'k')); },
      kInvalid, "R01_AUTHENTICATION_KEY_INVALID", "d_sure.authentication_key");
  d(
      "key with a space inside", [](Req& r) { r.mutable_d_sure()->set_authentication_key("AK 1234"); }, kInvalid,
      "R01_AUTHENTICATION_KEY_INVALID", "d_sure.authentication_key");
  d(
      "key with U+202E", [](Req& r) { r.mutable_d_sure()->set_authentication_key("AK" + kRlo); }, kInvalid,
      "R01_AUTHENTICATION_KEY_INVALID", "d_sure.authentication_key");
  d(
      "the certificate PDF as the key", [](Req& r) { r.mutable_d_sure()->set_authentication_key(kPdf); }, kInvalid,
      "R04_CERTIFICATE_NOT_CREDENTIAL", "d_sure.authentication_key");
  d(
      "a PDF file name as the key", [](Req& r) { r.mutable_d_sure()->set_authentication_key("保証証書.pdf"); },
      kInvalid, "R04_CERTIFICATE_NOT_CREDENTIAL", "d_sure.authentication_key");
  d(
      "a confirmation-system credential for a surety company",
      [](Req& r) {
        r.mutable_confirmation_system()->set_viewing_url("https://confirm.example/v/x");
        r.mutable_confirmation_system()->set_viewing_password("PW");
      },
      kInvalid, "R01_PLATFORM_MISMATCH", "confirmation_system");
  // The confirmation-system credential.
  auto cs = [&](std::string name, M m, int status, std::string code, std::string field) {
    sub(std::move(name), Base::kInsurer, "*", std::move(m), status, std::move(code), std::move(field));
  };
  cs(
      "a D-Sure credential for an insurer",
      [](Req& r) {
        r.mutable_d_sure()->set_guarantee_number("DS-26-955555");
        r.mutable_d_sure()->set_authentication_key("AK-INSURER");
      },
      kInvalid, "R01_PLATFORM_MISMATCH", "d_sure");
  cs(
      "viewing URL empty", [](Req& r) { r.mutable_confirmation_system()->clear_viewing_url(); }, kInvalid,
      "R01_VIEWING_URL_MISSING", "confirmation_system.viewing_url");
  cs(
      "viewing URL over plain http",
      [](Req& r) { r.mutable_confirmation_system()->set_viewing_url("http://c.example/v"); }, kInvalid,
      "R01_VIEWING_URL_INVALID", "confirmation_system.viewing_url");
  cs(
      "viewing URL javascript:",
      [](Req& r) { r.mutable_confirmation_system()->set_viewing_url("javascript:alert(1)"); }, kInvalid,
      "R01_VIEWING_URL_INVALID", "confirmation_system.viewing_url");
  cs(
      "viewing URL of 2,049 characters",
      [](Req& r) { r.mutable_confirmation_system()->set_viewing_url("https://c.example/" + std::string(2031, 'v')); },
      kInvalid, "R01_VIEWING_URL_INVALID", "confirmation_system.viewing_url");
  cs(
      "viewing URL with kanji",
      [](Req& r) { r.mutable_confirmation_system()->set_viewing_url("https://確認.example/v/1"); }, kInvalid,
      "R01_VIEWING_URL_INVALID", "confirmation_system.viewing_url");
  cs(
      "viewing password empty", [](Req& r) { r.mutable_confirmation_system()->clear_viewing_password(); }, kInvalid,
      "R01_VIEWING_PASSWORD_MISSING", "confirmation_system.viewing_password");
  cs(
      "viewing password of 257 characters",
      [](Req& r) { r.mutable_confirmation_system()->set_viewing_password(std::string(257, 'p')); }, kInvalid,
      "R01_VIEWING_PASSWORD_INVALID", "confirmation_system.viewing_password");
  cs(
      "viewing password with an escape", [](Req& r) { r.mutable_confirmation_system()->set_viewing_password(kEsc); },
      kInvalid, "R01_VIEWING_PASSWORD_INVALID", "confirmation_system.viewing_password");
  cs(
      "the certificate PDF as the password",
      [](Req& r) { r.mutable_confirmation_system()->set_viewing_password("JVBERi0xLjQK"); }, kInvalid,
      "R04_CERTIFICATE_NOT_CREDENTIAL", "confirmation_system.viewing_password");
  cs(
      "viewing password invalid UTF-8",
      [](Req& r) { r.mutable_confirmation_system()->set_viewing_password("PW\xc3\x28"); }, kInvalid,
      "TEXT_INVALID_UTF8", "confirmation_system.viewing_password");
  cs(
      "certificate number with a quote",
      [](Req& r) { r.mutable_confirmation_system()->set_certificate_number("C-1\"2"); }, kInvalid,
      "R01_GUARANTEE_NUMBER_INVALID", "confirmation_system.certificate_number");
  // Paper.
  auto p = [&](std::string name, M m, int status, std::string code, std::string field) {
    sub(std::move(name), Base::kPaper, "*", std::move(m), status, std::move(code), std::move(field));
  };
  sub("paper from a submitter", Base::kPaper, "demo-submitter", same, kDenied, "PAPER_CLERK_ONLY", "paper");
  sub("paper from a clerk of another office", Base::kPaper, "sewerage-works-clerk", same, kDenied, "PAPER_CLERK_ONLY",
      "paper");
  p(
      "paper number empty", [](Req& r) { r.mutable_paper()->clear_guarantee_number(); }, kInvalid,
      "PAPER_NUMBER_MISSING", "paper.guarantee_number");
  p(
      "paper received on 2026-13-45", [](Req& r) { *r.mutable_paper()->mutable_received_on() = Day(2026, 13, 45); },
      kInvalid, "PAPER_RECEIVED_ON_INVALID", "paper.received_on");
  p(
      "paper received on 0000-00-00", [](Req& r) { *r.mutable_paper()->mutable_received_on() = Day(0, 0, 0); },
      kInvalid, "PAPER_RECEIVED_ON_INVALID", "paper.received_on");
  p(
      "paper received on 2099-12-31", [](Req& r) { *r.mutable_paper()->mutable_received_on() = Day(2099, 12, 31); },
      kInvalid, "PAPER_RECEIVED_ON_INVALID", "paper.received_on");
  p(
      "paper received tomorrow", [](Req& r) { *r.mutable_paper()->mutable_received_on() = DaysFromToday(1); }, kInvalid,
      "PAPER_RECEIVED_ON_INVALID", "paper.received_on");
  p(
      "paper note of 501 characters", [](Req& r) { r.mutable_paper()->set_note(Repeat("備", 501)); }, kInvalid,
      "TEXT_TOO_LONG", "paper.note");
  p(
      "paper note of 10,000 kanji with line breaks", [](Req& r) { r.mutable_paper()->set_note(kKanji10kLines); },
      kInvalid, "TEXT_TOO_LONG", "paper.note");
  p(
      "paper note with an escape", [](Req& r) { r.mutable_paper()->set_note(kEsc); }, kInvalid,
      "TEXT_CONTROL_CHARACTERS", "paper.note");
  p(
      "paper note with U+202E", [](Req& r) { r.mutable_paper()->set_note(kRlo); }, kInvalid, "TEXT_CONTROL_CHARACTERS",
      "paper.note");
  p(
      "a bank's advance payment guarantee", [](Req& r) { r.set_kind(v1::GUARANTEE_KIND_ADVANCE_PAYMENT); }, kInvalid,
      "R02_BANK_CONTRACT_ONLY", "kind");
  p(
      "a bank without its name", [](Req& r) { r.clear_issuer_name(); }, kInvalid, "R02_ISSUER_NAME_MISSING",
      "issuer_name");
  // submitted_on (a real day, from 7 days ago to today, Asia/Tokyo).
  auto on = [](v1::Date day) { return [day](Req& r) { *r.mutable_submitted_on() = day; }; };
  d("submitted on 2026-13-45", on(Day(2026, 13, 45)), kInvalid, "SUBMITTED_ON_INVALID", "submitted_on");
  d("submitted on 0000-00-00", on(Day(0, 0, 0)), kInvalid, "SUBMITTED_ON_INVALID", "submitted_on");
  d("submitted on 2026-02-30", on(Day(2026, 2, 30)), kInvalid, "SUBMITTED_ON_INVALID", "submitted_on");
  d("submitted on 9999-12-31", on(Day(9999, 12, 31)), kInvalid, "SUBMITTED_ON_INVALID", "submitted_on");
  d("submitted tomorrow", on(DaysFromToday(1)), kInvalid, "SUBMITTED_ON_INVALID", "submitted_on");
  d("submitted 8 days ago", on(DaysFromToday(-8)), kInvalid, "SUBMITTED_ON_INVALID", "submitted_on");
  d("submitted in the year -1", on(Day(-1, 1, 1)), kInvalid, "SUBMITTED_ON_INVALID", "submitted_on");
  // Amounts.
  auto yen = [](int64_t v) { return [v](Req& r) { r.set_requested_amount_yen(v); }; };
  d("amount -1", yen(-1), kInvalid, "AMOUNT_INVALID", "requested_amount_yen");
  d("amount INT64_MIN", yen(std::numeric_limits<int64_t>::min()), kInvalid, "AMOUNT_INVALID", "requested_amount_yen");
  d("amount INT64_MAX", yen(std::numeric_limits<int64_t>::max()), kInvalid, "AMOUNT_INVALID", "requested_amount_yen");
  d("amount of a trillion and one yen", yen(1'000'000'000'001), kInvalid, "AMOUNT_INVALID", "requested_amount_yen");
  // Amendments and resubmissions.
  const std::string open = open_, insurer = insurer_;
  d(
      "amendment_kind 99",
      [open](Req& r) {
        r.set_supersedes_case_id(open);
        r.set_amendment_kind(static_cast<v1::AmendmentKind>(99));
      },
      kInvalid, "AMENDMENT_KIND_MISSING", "amendment_kind");
  d(
      "an amendment without its kind", [open](Req& r) { r.set_supersedes_case_id(open); }, kInvalid,
      "AMENDMENT_KIND_MISSING", "amendment_kind");
  d(
      "amendment_kind without the amended case", [](Req& r) { r.set_amendment_kind(v1::AMENDMENT_KIND_INCREASE); },
      kInvalid, "AMENDED_CASE_MISSING", "supersedes_case_id");
  auto amends = [](std::string id) {
    return [id](Req& r) {
      r.set_supersedes_case_id(id);
      r.set_amendment_kind(v1::AMENDMENT_KIND_INCREASE);
    };
  };
  d("amending an unknown case", amends("HS-20260101-000000000000"), kNotFound, "SUPERSEDED_CASE_NOT_FOUND",
    "supersedes_case_id");
  d("amending ../../etc/passwd", amends("../../etc/passwd"), kNotFound, "SUPERSEDED_CASE_NOT_FOUND",
    "supersedes_case_id");
  d("amending a case of another contract", amends(insurer), kPrecondition, "SUPERSEDED_CASE_MISMATCH",
    "supersedes_case_id");
  d(
      "resubmitting an unknown case", [](Req& r) { r.set_resubmits_case_id("HS-20260101-000000000000"); }, kNotFound,
      "RESUBMITTED_CASE_NOT_FOUND", "resubmits_case_id");
  d(
      "resubmitting ../../etc/passwd", [](Req& r) { r.set_resubmits_case_id("../../etc/passwd"); }, kNotFound,
      "RESUBMITTED_CASE_NOT_FOUND", "resubmits_case_id");
  d(
      "resubmitting a case id with a quote", [](Req& r) { r.set_resubmits_case_id("HS-1'--"); }, kInvalid,
      "RESUBMITTED_CASE_NOT_FOUND", "resubmits_case_id");
  d(
      "resubmitting a case that was not returned", [open](Req& r) { r.set_resubmits_case_id(open); }, kPrecondition,
      "RESUBMITTED_CASE_NOT_RETURNED", "resubmits_case_id");
  d(
      "resubmitting a case of another contract", [insurer](Req& r) { r.set_resubmits_case_id(insurer); }, kPrecondition,
      "RESUBMITTED_CASE_MISMATCH", "resubmits_case_id");
  d(
      "a resubmission that is also an amendment",
      [open, amends](Req& r) {
        amends(open)(r);
        r.set_resubmits_case_id(open);
      },
      kInvalid, "RESUBMISSION_AND_AMENDMENT", "resubmits_case_id");
  // Uploads.
  auto up = [&](std::string name, M m, int status, std::string code, std::string field) {
    sub(std::move(name), Base::kUpload, "*", std::move(m), status, std::move(code), std::move(field));
  };
  up(
      "upload kind unspecified", [&](Req& r) { upload(r).clear_kind(); }, kInvalid, "ATTACHMENT_KIND_MISSING",
      "uploads[0].kind");
  up(
      "upload kind 99", [&](Req& r) { upload(r).set_kind(static_cast<v1::AttachmentRef::Kind>(99)); }, kInvalid,
      "ATTACHMENT_KIND_MISSING", "uploads[0].kind");
  up(
      "the certificate uploaded", [&](Req& r) { upload(r).set_kind(v1::AttachmentRef::KIND_CERTIFICATE); }, kInvalid,
      "R04_CERTIFICATE_NOT_CREDENTIAL", "uploads[0]");
  up(
      "an empty upload", [&](Req& r) { upload(r).clear_content(); }, kInvalid, "ATTACHMENT_EMPTY",
      "uploads[0].content");
  up(
      "an upload that is no PDF", [&](Req& r) { upload(r).set_content("MZ\x90\x00 not a pdf"); }, kInvalid,
      "ATTACHMENT_NOT_PDF", "uploads[0].content");
  up(
      "a PDF declared image/png", [&](Req& r) { upload(r).set_media_type("image/png"); }, kInvalid,
      "ATTACHMENT_NOT_PDF", "uploads[0].content");
  up(
      "a PDF declared text/html", [&](Req& r) { upload(r).set_media_type("text/html"); }, kInvalid,
      "ATTACHMENT_NOT_PDF", "uploads[0].content");
  up(
      "an upload without media type", [&](Req& r) { upload(r).clear_media_type(); }, kInvalid, "ATTACHMENT_NOT_PDF",
      "uploads[0].content");
  up(
      "an upload without file name", [&](Req& r) { upload(r).clear_filename(); }, kInvalid,
      "ATTACHMENT_FILENAME_INVALID", "uploads[0].filename");
  up(
      "an upload named ../../etc/passwd", [&](Req& r) { upload(r).set_filename("../../etc/passwd"); }, kInvalid,
      "ATTACHMENT_FILENAME_INVALID", "uploads[0].filename");
  up(
      "an upload named with a backslash", [&](Req& r) { upload(r).set_filename("..\\請求書.pdf"); }, kInvalid,
      "ATTACHMENT_FILENAME_INVALID", "uploads[0].filename");
  up(
      "an upload named as a formula", [&](Req& r) { upload(r).set_filename("=cmd|' /C calc'!A0.pdf"); }, kInvalid,
      "ATTACHMENT_FILENAME_INVALID", "uploads[0].filename");
  up(
      "an upload named with U+202E", [&](Req& r) { upload(r).set_filename(kRlo); }, kInvalid,
      "ATTACHMENT_FILENAME_INVALID", "uploads[0].filename");
  up(
      "an upload name of 256 bytes", [&](Req& r) { upload(r).set_filename(std::string(252, 'a') + ".pdf"); }, kInvalid,
      "ATTACHMENT_FILENAME_INVALID", "uploads[0].filename");
  up(
      "an upload name invalid UTF-8", [&](Req& r) { upload(r).set_filename("\xe8\xab.pdf"); }, kInvalid,
      "TEXT_INVALID_UTF8", "uploads[0].filename");
  up(
      "an upload of 11 MB", [&](Req& r) { upload(r).set_content(kPdf + std::string(11 << 20, 'x')); }, kInvalid,
      "ATTACHMENT_TOO_LARGE", "uploads[0].content");
  up(
      "six uploads",
      [&](Req& r) {
        for (int i = 0; i < 5; ++i) *r.add_uploads() = upload(r);
      },
      kInvalid, "TOO_MANY_ATTACHMENTS", "uploads");
  up(
      "the same PDF uploaded twice", [&](Req& r) { *r.add_uploads() = upload(r); }, kInvalid, "ATTACHMENT_DUPLICATE",
      "uploads[1].content");
  // Attachments by reference (a blob intake already holds).
  d(
      "a reference to no blob", [&](Req& r) { ref(r).set_sha256(std::string(64, 'a')); }, kNotFound,
      "ATTACHMENT_NOT_FOUND", "attachments[0].sha256");
  d(
      "a reference ../../etc/passwd", [&](Req& r) { ref(r).set_sha256("../../etc/passwd"); }, kNotFound,
      "ATTACHMENT_NOT_FOUND", "attachments[0].sha256");
  d(
      "a reference in upper case",
      [&](Req& r) {
        auto& a = ref(r);
        a.set_sha256(absl::AsciiStrToUpper(a.sha256()));
      },
      kNotFound, "ATTACHMENT_NOT_FOUND", "attachments[0].sha256");
  d(
      "a reference declared image/png", [&](Req& r) { ref(r).set_media_type("image/png"); }, kInvalid,
      "ATTACHMENT_NOT_PDF", "attachments[0].media_type");
  d(
      "a reference without media type", [&](Req& r) { ref(r).clear_media_type(); }, kInvalid, "ATTACHMENT_NOT_PDF",
      "attachments[0].media_type");
  d(
      "a reference of kind unspecified", [&](Req& r) { ref(r).clear_kind(); }, kInvalid, "ATTACHMENT_KIND_MISSING",
      "attachments[0].kind");
  d(
      "a reference of kind 99", [&](Req& r) { ref(r).set_kind(static_cast<v1::AttachmentRef::Kind>(99)); }, kInvalid,
      "ATTACHMENT_KIND_MISSING", "attachments[0].kind");
  d(
      "a reference named ../x.pdf", [&](Req& r) { ref(r).set_filename("../x.pdf"); }, kInvalid,
      "ATTACHMENT_FILENAME_INVALID", "attachments[0].filename");
  d(
      "a reference without file name", [&](Req& r) { ref(r).clear_filename(); }, kInvalid,
      "ATTACHMENT_FILENAME_INVALID", "attachments[0].filename");
  d(
      "a reference named with U+202E", [&](Req& r) { ref(r).set_filename(kRlo); }, kInvalid,
      "ATTACHMENT_FILENAME_INVALID", "attachments[0].filename");
  // Receipts (受付番号).
  auto wf = [&](std::string name, std::string who, M m, int status, std::string code, std::string field) {
    sub(std::move(name), Base::kWebForm, std::move(who), std::move(m), status, std::move(code), std::move(field));
  };
  wf(
      "a receipt of 201 characters", "*", [](Req& r) { r.set_source_receipt(std::string(201, 'L')); }, kInvalid,
      "RECEIPT_INVALID", "source_receipt");
  wf(
      "a receipt in kanji", "*", [](Req& r) { r.set_source_receipt("受付一"); }, kInvalid, "RECEIPT_INVALID",
      "source_receipt");
  wf(
      "a receipt with a quote", "*", [](Req& r) { r.set_source_receipt("LF-1'--"); }, kInvalid, "RECEIPT_INVALID",
      "source_receipt");
  wf(
      "another office's web-form receipt, from a clerk", "sewerage-works-clerk",
      [](Req& r) { r.set_source_receipt("LF-2026-000501"); }, kExists, "RECEIPT_IN_USE", "source_receipt");
  wf(
      "another office's web-form receipt, new content", "water-sewerage-policy-clerk",
      [](Req& r) {
        r.set_source_receipt("LF-2026-000501");
        r.set_contract_id("K-2026-0002");
      },
      kExists, "RECEIPT_IN_USE", "source_receipt");
  // A guarantee number is printed on the certificate: someone who may not see the case holding it
  // and does not send its secret learns nothing of that case and writes nothing on it.
  sub(
      "another office's guarantee number, from a clerk, with a guessed key", Base::kDSure, "sewerage-works-clerk",
      [](Req& r) {
        r.mutable_d_sure()->set_guarantee_number("DS-26-000101");
        r.mutable_d_sure()->set_authentication_key("GUESSED-KEY-1");
      },
      kExists, "R14_DUPLICATE_GUARANTEE", "credential");
  RunGroup("SubmitGuarantee", entries);
}

TEST_F(BadInputTest, ContractRegistry) {
  using C = v1::Contract;
  using M = std::function<void(C&)>;
  static int serial = 0;
  auto stub = Stub<v1::ContractRegistry>("intake");
  auto* s = stub.get();
  std::vector<Entry> entries;
  auto up = [&](std::string name, std::string who, M m, int status, std::string code, std::string field,
                int64_t expected_version = 0) {
    const int n = ++serial;
    entries.push_back({"UpsertContract", std::move(name),
                       [s, who, m, n, expected_version] {
                         v1::UpsertContractRequest r;
                         *r.mutable_contract() = GoodContract(absl::StrCat("K-BAD-", n));
                         m(*r.mutable_contract());
                         r.set_expected_version(expected_version);
                         return FromStatus(Call(s, &v1::ContractRegistry::Stub::UpsertContract, who, r));
                       },
                       status, std::move(code), std::move(field)});
  };
  auto c = [&](std::string name, M m, std::string code, std::string field) {
    up(std::move(name), "city-contract-system", std::move(m), kInvalid, std::move(code), std::move(field));
  };
  up(
      "no credential", "", [](C&) {}, kUnauth, "CREDENTIAL_MISSING", "authorization");
  up(
      "no credential and invalid UTF-8", "", [](C& k) { k.set_project_name(kBadUtf8); }, kUnauth, "CREDENTIAL_MISSING",
      "authorization");
  up(
      "a submitter", "demo-submitter", [](C&) {}, kDenied, "ROLE_NOT_ALLOWED", "authorization");
  up(
      "a stale expected_version", "city-contract-system", [](C& k) { k.set_contract_id("K-BAD-BASE"); }, kAborted,
      "CONTRACT_VERSION_MISMATCH", "expected_version", 7);
  c(
      "contract_id empty", [](C& k) { k.clear_contract_id(); }, "CONTRACT_ID_INVALID", "contract.contract_id");
  c(
      "contract_id with a quote", [](C& k) { k.set_contract_id("K-1'--"); }, "CONTRACT_ID_INVALID",
      "contract.contract_id");
  c(
      "contract_id of 65 characters", [](C& k) { k.set_contract_id(std::string(65, 'K')); }, "CONTRACT_ID_INVALID",
      "contract.contract_id");
  c(
      "contract_number empty", [](C& k) { k.clear_contract_number(); }, "CONTRACT_NUMBER_MISSING",
      "contract.contract_number");
  c(
      "contract_number with SQL", [](C& k) { k.set_contract_number("R8-1'; DROP TABLE contracts;--"); },
      "CONTRACT_NUMBER_INVALID", "contract.contract_number");
  c(
      "contract_number a formula", [](C& k) { k.set_contract_number(kFormula); }, "CONTRACT_NUMBER_INVALID",
      "contract.contract_number");
  c(
      "project_name empty", [](C& k) { k.clear_project_name(); }, "FIELD_MISSING", "contract.project_name");
  c(
      "project_name of 10,000 kanji", [](C& k) { k.set_project_name(kKanji10k); }, "TEXT_TOO_LONG",
      "contract.project_name");
  c(
      "project_name with U+202E", [](C& k) { k.set_project_name(kRlo); }, "TEXT_CONTROL_CHARACTERS",
      "contract.project_name");
  c(
      "project_name a formula", [](C& k) { k.set_project_name(kFormula); }, "TEXT_FORMULA", "contract.project_name");
  c(
      "project_name invalid UTF-8", [](C& k) { k.set_project_name(kBadUtf8); }, "TEXT_INVALID_UTF8",
      "contract.project_name");
  c(
      "project_location with an escape", [](C& k) { k.set_project_location(kEsc); }, "TEXT_CONTROL_CHARACTERS",
      "contract.project_location");
  c(
      "ordering_office not a code", [](C& k) { k.set_ordering_office("Contract Division!"); },
      "ORDERING_OFFICE_INVALID", "contract.ordering_office");
  c(
      "department_in_charge ../etc", [](C& k) { k.set_department_in_charge("../etc"); }, "DEPARTMENT_INVALID",
      "contract.department_in_charge");
  c(
      "work_category 99", [](C& k) { k.set_work_category(static_cast<v1::WorkCategory>(99)); }, "WORK_CATEGORY_MISSING",
      "contract.work_category");
  c(
      "contractor name empty", [](C& k) { k.mutable_contractor()->clear_name(); }, "FIELD_MISSING",
      "contract.contractor.name");
  c(
      "contractor name of 101 characters", [](C& k) { k.mutable_contractor()->set_name(Repeat("建", 101)); },
      "TEXT_TOO_LONG", "contract.contractor.name");
  c(
      "contact e-mail a@", [](C& k) { k.mutable_contractor()->set_contact_email("a@"); }, "EMAIL_INVALID",
      "contract.contractor.contact_email");
  c(
      "contact e-mail with a header",
      [](C& k) { k.mutable_contractor()->set_contact_email("a@b.example\r\nBcc: x@y"); }, "EMAIL_INVALID",
      "contract.contractor.contact_email");
  c(
      "price -1", [](C& k) { k.set_price_yen(-1); }, "PRICE_INVALID", "contract.price_yen");
  c(
      "price INT64_MAX", [](C& k) { k.set_price_yen(std::numeric_limits<int64_t>::max()); }, "PRICE_INVALID",
      "contract.price_yen");
  c(
      "advance paid -5", [](C& k) { k.set_advance_paid_yen(-5); }, "AMOUNT_INVALID", "contract.advance_paid_yen");
  c(
      "period end 2026-13-45", [](C& k) { *k.mutable_period_end() = Day(2026, 13, 45); }, "PERIOD_INVALID",
      "contract.period_end");
  c(
      "period 0000-00-00", [](C& k) { *k.mutable_period_start() = Day(0, 0, 0); }, "PERIOD_INVALID",
      "contract.period_end");
  c(
      "period ending before it starts", [](C& k) { *k.mutable_period_end() = Day(2026, 1, 1); }, "PERIOD_INVALID",
      "contract.period_end");
  {
    auto ch = channels_->at("intake");
    entries.push_back({"UpsertContract", "bytes that are no request",
                       [ch] {
                         return FromStatus(RawCall(ch, "/hosho.v1.ContractRegistry/UpsertContract",
                                                   Authorization("city-contract-system"), "\xff\xff\xff"));
                       },
                       kInvalid, "REQUEST_UNREADABLE", ""});
  }

  // ImportContractsCsv: the file refused whole, or a row refused (and the file's others fine).
  const std::string header =
      "契約ID,工事番号,工事名,工事場所,発注課,工事担当課,業種区分,受注者名,受注者住所,代表者,連絡先メール,請負代金額,"
      "低入札,工期開始,工期終了,中間前払金認定,前払金支払額,発注者\r\n";
  auto row = [](int n, const std::map<int, std::string>& change) {
    std::vector<std::string> cells = {absl::StrCat("K-CSV-", n),
                                      absl::StrCat("R8-CSV-", n),
                                      "市道補修工事",
                                      "みなと市",
                                      "contract-division",
                                      "road-maintenance",
                                      "建設工事",
                                      "株式会社みなと建設",
                                      "みなと市北区",
                                      "代表取締役",
                                      "a@b.example",
                                      "\"10,000,000\"",
                                      "いいえ",
                                      "2027-01-01",
                                      "2027-03-01",
                                      "いいえ",
                                      "0",
                                      "みなと市長"};
    for (const auto& [i, v] : change) cells[static_cast<size_t>(i)] = v;
    return absl::StrJoin(cells, ",") + "\r\n";
  };
  auto file = [&](std::string name, std::string who, std::string bytes, int status, std::string code,
                  std::string field) {
    entries.push_back({"ImportContractsCsv", std::move(name),
                       [s, who, bytes] {
                         v1::ImportContractsCsvRequest r;
                         r.set_csv(bytes);
                         grpc::ClientContext context;
                         context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
                         if (const std::string a = Authorization(who); !a.empty()) {
                           context.AddMetadata("authorization", a);
                         }
                         v1::ImportReport report;
                         grpc::Status st = s->ImportContractsCsv(&context, r, &report);
                         if (!st.ok()) return FromStatus(FromGrpcStatus(st));
                         return FromReport(report);
                       },
                       status, std::move(code), std::move(field)});
  };
  auto bad_row = [&](std::string name, std::map<int, std::string> change, std::string code, std::string field) {
    file(std::move(name), "city-contract-system", header + row(++serial, change), kOk, std::move(code),
         std::move(field));
  };
  file("no credential", "", header + row(++serial, {}), kUnauth, "CREDENTIAL_MISSING", "authorization");
  file("a submitter", "demo-submitter", header + row(++serial, {}), kDenied, "ROLE_NOT_ALLOWED", "authorization");
  file("an empty file", "city-contract-system", "", kInvalid, "CSV_EMPTY", "csv");
  file("neither UTF-8 nor Shift_JIS", "city-contract-system", std::string("\x80\x80\xff\xfe\x81", 5), kInvalid,
       "CSV_ENCODING_INVALID", "csv");
  file("no 工事番号 column", "city-contract-system", "契約ID,工事名\r\nK-1,工事\r\n", kInvalid, "CSV_HEADER_INVALID",
       "csv");
  file("a file of 9 MB", "city-contract-system", header + std::string(9 << 20, ','), kInvalid, "FILE_TOO_LARGE", "csv");
  file("a stray quote", "city-contract-system", header + "K-CSV-Q,\"R8-Q,工事\r\n", kOk, "CSV_ROW_BROKEN", "");
  file("too few cells", "city-contract-system", header + "K-CSV-F,R8-CSV-F,工事\r\n", kOk, "CSV_COLUMN_COUNT", "");
  bad_row("too many cells", {{17, "みなと市長,余分,余分"}}, "CSV_COLUMN_COUNT", "");
  file("a BOM and a quote in 工事番号", "city-contract-system",
       "\xEF\xBB\xBF" + header + row(++serial, {{1, "\"R8-1'; DROP TABLE contracts;--\""}}), kOk,
       "CONTRACT_NUMBER_INVALID", "工事番号");
  bad_row("a formula as 工事名", {{2, "\"=HYPERLINK(\"\"http://evil.example\"\")\""}}, "TEXT_FORMULA", "工事名");
  bad_row("工事名 of 10,000 kanji", {{2, kKanji10k}}, "TEXT_TOO_LONG", "工事名");
  bad_row("請負代金額 not a number", {{11, "たくさん"}}, "PRICE_INVALID", "請負代金額");
  bad_row("工期開始 2026-13-45", {{13, "2026-13-45"}}, "DATE_INVALID", "工期開始");
  bad_row("工期開始 0000-00-00", {{13, "0000-00-00"}}, "DATE_INVALID", "工期開始");
  bad_row("低入札 neither yes nor no", {{12, "たぶん"}}, "FLAG_INVALID", "低入札");
  bad_row("業種区分 unknown", {{6, "宇宙開発"}}, "WORK_CATEGORY_INVALID", "業種区分");
  file("Shift_JIS with 工期開始 2026-13-45", "city-contract-system",
       Source("tests/data/bad_inputs/contracts-bad-date-cp932.csv"), kOk, "DATE_INVALID", "工期開始");
  RunGroup("ContractRegistry", entries);
}

TEST_F(BadInputTest, ImportFormCsv) {
  auto stub = Stub<v1::IntakeService>("intake");
  auto* s = stub.get();
  std::vector<Entry> entries;
  const std::string header = "受付番号,工事番号,保証の種類,保証会社名,保証契約番号,認証キー,請求金額\r\n";
  static int serial = 0;
  auto row = [](int n, const std::map<int, std::string>& change) {
    std::vector<std::string> cells = {absl::StrCat("LF-CSV-", n),
                                      "R8-道路-0004",
                                      "契約保証",
                                      "東日本建設業保証株式会社",
                                      absl::StrCat("DS-26-98", 1000 + n),
                                      absl::StrCat("AK-CSV-", n),
                                      ""};
    for (const auto& [i, v] : change) cells[static_cast<size_t>(i)] = v;
    return absl::StrJoin(cells, ",") + "\r\n";
  };
  auto file = [&](std::string name, std::string who, std::string bytes, int status, std::string code, std::string field,
                  std::string filename = "bad.csv") {
    entries.push_back({"ImportFormCsv", std::move(name),
                       [s, who, bytes, filename] {
                         v1::ImportFormCsvRequest r;
                         r.set_csv(bytes);
                         r.set_filename(filename);
                         grpc::ClientContext context;
                         context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
                         if (const std::string a = Authorization(who); !a.empty()) {
                           context.AddMetadata("authorization", a);
                         }
                         v1::ImportReport report;
                         grpc::Status st = s->ImportFormCsv(&context, r, &report);
                         if (!st.ok()) return FromStatus(FromGrpcStatus(st));
                         return FromReport(report);
                       },
                       status, std::move(code), std::move(field)});
  };
  auto bad_row = [&](std::string name, std::map<int, std::string> change, std::string code, std::string field) {
    file(std::move(name), "operator", header + row(++serial, change), kOk, std::move(code), std::move(field));
  };
  file("no credential", "", header + row(++serial, {}), kUnauth, "CREDENTIAL_MISSING", "authorization");
  file("a wrong token and a file name not UTF-8", kWrongToken, header, kUnauth, "TOKEN_UNKNOWN", "authorization",
       kBadUtf8);
  file("a submitter", "demo-submitter", header + row(++serial, {}), kDenied, "ROLE_NOT_ALLOWED", "authorization");
  file("an empty file", "operator", "", kInvalid, "CSV_EMPTY", "csv");
  file("neither UTF-8 nor Shift_JIS", "operator", std::string("\x80\x80\xff\xfe\x81", 5), kInvalid,
       "CSV_ENCODING_INVALID", "csv");
  file("no 受付番号 column", "operator", "工事番号,保証の種類\r\nR8-道路-0004,契約保証\r\n", kInvalid,
       "CSV_HEADER_INVALID", "csv");
  file("a file name not UTF-8", "operator", header + row(++serial, {}), kInvalid, "TEXT_INVALID_UTF8", "filename",
       "export" + kBadUtf8 + ".csv");
  file("a stray quote", "operator", header + "LF-CSV-Q,\"R8-道路-0004,契約保証\r\n", kOk, "CSV_ROW_BROKEN", "");
  file("too few cells", "operator", header + "LF-CSV-F,R8-道路-0004\r\n", kOk, "CSV_COLUMN_COUNT", "");
  bad_row("too many cells", {{6, ",余分"}}, "CSV_COLUMN_COUNT", "");
  bad_row("an unknown 工事番号", {{1, "R8-存在しない-9999"}}, "R03_CONTRACT_NOT_FOUND", "工事番号");
  bad_row("a formula as 工事番号", {{1, "\"=cmd|' /C calc'!A0\""}}, "R03_CONTRACT_NOT_FOUND", "工事番号");
  // #15 finding 9: the report quotes the 工事番号, cut between characters (before: INTERNAL after the import).
  bad_row("a 工事番号 of 500 kanji", {{1, Repeat("漢", 500)}}, "R03_CONTRACT_NOT_FOUND", "工事番号");
  bad_row("保証の種類 unknown", {{2, "保険"}}, "KIND_MISSING", "保証の種類");
  bad_row("a 受付番号 with SQL", {{0, "LF-1'; DROP TABLE cases;--"}}, "RECEIPT_INVALID", "受付番号");
  bad_row("a 受付番号 of 10,000 kanji", {{0, kKanji10k}}, "RECEIPT_INVALID", "受付番号");
  bad_row("an escape in 保証会社名", {{3, kEsc}}, "TEXT_CONTROL_CHARACTERS", "保証会社名");
  bad_row("U+202E in 保証会社名", {{3, kRlo}}, "TEXT_CONTROL_CHARACTERS", "保証会社名");
  bad_row("a bank", {{3, "みなと銀行"}}, "R02_BANK_NOT_ELIGIBLE", "保証会社名");
  bad_row("the certificate PDF as 認証キー", {{5, "%PDF-1.4"}}, "R04_CERTIFICATE_NOT_CREDENTIAL", "認証キー");
  bad_row("請求金額 -5", {{6, "-5"}}, "AMOUNT_INVALID", "請求金額");
  file("a BOM and an unknown 工事番号", "operator", "\xEF\xBB\xBF" + header + row(++serial, {{1, "R8-無い-0001"}}), kOk,
       "R03_CONTRACT_NOT_FOUND", "工事番号");
  file("Shift_JIS with an unknown 工事番号", "operator",
       Source("tests/data/bad_inputs/form-unknown-contract-cp932.csv"), kOk, "R03_CONTRACT_NOT_FOUND", "工事番号");
  file("another office's receipt, from a clerk", "sewerage-works-clerk",
       header + row(++serial, {{0, "LF-2026-000501"}}), kOk, "RECEIPT_IN_USE", "受付番号");
  RunGroup("ImportFormCsv", entries);
}

TEST_F(BadInputTest, CaseServiceAndNotices) {
  auto cases = Stub<v1::CaseService>("console");
  auto notices = Stub<v1::NotificationService>("notification");
  auto* c = cases.get();
  auto* n = notices.get();
  std::vector<Entry> entries;
  auto get = [&](std::string name, std::string who, std::string id, int status, std::string code, std::string field) {
    entries.push_back({"GetCase", name,
                       [c, who, id] {
                         v1::GetCaseRequest r;
                         r.set_case_id(id);
                         return FromStatus(Call(c, &v1::CaseService::Stub::GetCase, who, r));
                       },
                       status, code, field});
    entries.push_back({"GetCaseHistory", name,
                       [c, who, id] {
                         v1::GetCaseRequest r;
                         r.set_case_id(id);
                         return FromStatus(Call(c, &v1::CaseService::Stub::GetCaseHistory, who, r));
                       },
                       status, code, field});
    entries.push_back({"ListNotices", name,
                       [n, who, id] {
                         v1::ListNoticesRequest r;
                         r.set_case_id(id);
                         return FromStatus(Call(n, &v1::NotificationService::Stub::ListNotices, who, r));
                       },
                       status, code, field});
  };
  get("no credential", "", routed_, kUnauth, "CREDENTIAL_MISSING", "authorization");
  get("a wrong token", kWrongToken, routed_, kUnauth, "TOKEN_UNKNOWN", "authorization");
  get("no credential and invalid UTF-8", "", kBadUtf8, kUnauth, "CREDENTIAL_MISSING", "authorization");
  get("an unknown case", "operator", "HS-20260101-000000000000", kNotFound, "CASE_NOT_FOUND", "case_id");
  get("a case id with ../", "operator", "../../etc/passwd", kNotFound, "CASE_NOT_FOUND", "case_id");
  get("a case id with spaces", "operator", "HS 2026 1", kNotFound, "CASE_NOT_FOUND", "case_id");
  get("a case id empty", "operator", "", kInvalid, "CASE_ID_MISSING", "case_id");
  get("a case id invalid UTF-8", "operator", "HS-" + kBadUtf8, kInvalid, "TEXT_INVALID_UTF8", "case_id");
  get("another office's case", "sewerage-works-clerk", open_, kNotFound, "CASE_NOT_FOUND", "case_id");
  // The streams parse their own request too: a bad field is named, never INTERNAL.
  auto watch = [&](std::string name, std::string who, std::string id, int status, std::string code, std::string field) {
    entries.push_back({"WatchCase", std::move(name),
                       [c, who, id] {
                         v1::WatchCaseRequest r;
                         r.set_case_id(id);
                         return FromStatus(StreamCall(c, &v1::CaseService::Stub::WatchCase, who, r));
                       },
                       status, std::move(code), std::move(field)});
  };
  watch("no credential and invalid UTF-8", "", kBadUtf8, kUnauth, "CREDENTIAL_MISSING", "authorization");
  watch("a case id invalid UTF-8", "operator", "HS-" + kBadUtf8, kInvalid, "TEXT_INVALID_UTF8", "case_id");
  watch("an unknown case", "operator", "HS-20260101-000000000000", kNotFound, "CASE_NOT_FOUND", "case_id");
  watch("another office's case", "sewerage-works-clerk", open_, kNotFound, "CASE_NOT_FOUND", "case_id");
  auto office_watch = [&](std::string name, std::string who, std::string office, std::string cursor, int status,
                          std::string code, std::string field) {
    entries.push_back({"WatchNotifications", std::move(name),
                       [n, who, office, cursor] {
                         v1::WatchNotificationsRequest r;
                         r.set_office(office);
                         r.set_after_cursor(cursor);
                         return FromStatus(StreamCall(n, &v1::NotificationService::Stub::WatchNotifications, who, r));
                       },
                       status, std::move(code), std::move(field)});
  };
  office_watch("no credential", "", "contract-division", "", kUnauth, "CREDENTIAL_MISSING", "authorization");
  office_watch("office invalid UTF-8", "operator", kBadUtf8, "", kInvalid, "TEXT_INVALID_UTF8", "office");
  office_watch("cursor invalid UTF-8", "operator", "contract-division", kBadUtf8, kInvalid, "TEXT_INVALID_UTF8",
               "after_cursor");
  office_watch("a cursor that is no cursor", "operator", "contract-division", "../0-0", kInvalid, "CURSOR_INVALID",
               "after_cursor");
  office_watch("another office, from a clerk", "sewerage-works-clerk", "contract-division", "", kDenied,
               "OFFICE_NOT_YOURS", "office");
  auto list = [&](std::string name, std::string who, std::function<void(v1::ListCasesRequest&)> m, int status,
                  std::string code, std::string field) {
    entries.push_back({"ListCases", std::move(name),
                       [c, who, m] {
                         v1::ListCasesRequest r;
                         m(r);
                         return FromStatus(Call(c, &v1::CaseService::Stub::ListCases, who, r));
                       },
                       status, std::move(code), std::move(field)});
  };
  list(
      "no credential", "", [](auto&) {}, kUnauth, "CREDENTIAL_MISSING", "authorization");
  list(
      "page_token -5", "operator", [](auto& r) { r.set_page_token("-5"); }, kInvalid, "PAGE_TOKEN_INVALID",
      "page_token");
  list(
      "page_token abc", "operator", [](auto& r) { r.set_page_token("abc"); }, kInvalid, "PAGE_TOKEN_INVALID",
      "page_token");
  list(
      "page_token past int64", "operator", [](auto& r) { r.set_page_token("99999999999999999999"); }, kInvalid,
      "PAGE_TOKEN_INVALID", "page_token");
  list(
      "page_token ../", "operator", [](auto& r) { r.set_page_token("../1"); }, kInvalid, "PAGE_TOKEN_INVALID",
      "page_token");
  list(
      "page_token invalid UTF-8", "operator", [](auto& r) { r.set_page_token(kBadUtf8); }, kInvalid,
      "TEXT_INVALID_UTF8", "page_token");
  list(
      "office invalid UTF-8", "operator", [](auto& r) { r.set_office(kBadUtf8); }, kInvalid, "TEXT_INVALID_UTF8",
      "office");
  {
    auto ch = channels_->at("console");
    entries.push_back({"ListCases", "bytes that are no request",
                       [ch] {
                         return FromStatus(
                             RawCall(ch, "/hosho.v1.CaseService/ListCases", Authorization("operator"), "\xff\xff"));
                       },
                       kInvalid, "REQUEST_UNREADABLE", ""});
    auto nch = channels_->at("notification");
    entries.push_back({"ListNotices", "bytes that are no request",
                       [nch] {
                         return FromStatus(RawCall(nch, "/hosho.v1.NotificationService/ListNotices",
                                                   Authorization("operator"), "\xff\xff"));
                       },
                       kInvalid, "REQUEST_UNREADABLE", ""});
  }
  RunGroup("CaseService and ListNotices", entries);
}

TEST_F(BadInputTest, VerificationService) {
  auto stub = Stub<v1::VerificationService>("verification");
  auto* s = stub.get();
  using S = v1::VerificationService::Stub;
  std::vector<Entry> entries;
  auto add = [&](std::string rpc, std::string name, std::function<absl::Status()> f, int status, std::string code,
                 std::string field) {
    entries.push_back(
        {std::move(rpc), std::move(name), [f] { return FromStatus(f()); }, status, std::move(code), std::move(field)});
  };
  auto tasks = [&](std::string name, std::string who, std::string office, std::string token, int status,
                   std::string code, std::string field) {
    add(
        "ListTasks", std::move(name),
        [s, who, office, token] {
          v1::ListTasksRequest r;
          r.set_office(office);
          r.set_page_token(token);
          return Call(s, &S::ListTasks, who, r);
        },
        status, std::move(code), std::move(field));
  };
  tasks("no credential", "", "", "", kUnauth, "CREDENTIAL_MISSING", "authorization");
  tasks("a submitter", "demo-submitter", "contract-division", "", kDenied, "ROLE_NOT_ALLOWED", "authorization");
  tasks("another office's queue", "sewerage-works-clerk", "contract-division", "", kDenied, "OFFICE_NOT_YOURS",
        "office");
  tasks("an operator naming no office", "operator", "", "", kInvalid, "OFFICE_MISSING", "office");
  tasks("page_token abc", "contract-division-clerk", "", "abc", kInvalid, "PAGE_TOKEN_INVALID", "page_token");
  tasks("page_token -5", "contract-division-clerk", "", "-5", kInvalid, "PAGE_TOKEN_INVALID", "page_token");
  tasks("office invalid UTF-8", "operator", kBadUtf8, "", kInvalid, "TEXT_INVALID_UTF8", "office");
  auto claim = [&](std::string name, std::string who, std::string id, int status, std::string code, std::string field) {
    add(
        "ClaimTask", std::move(name),
        [s, who, id] {
          v1::ClaimTaskRequest r;
          r.set_task_id(id);
          return Call(s, &S::ClaimTask, who, r);
        },
        status, std::move(code), std::move(field));
  };
  claim("no credential", "", open_, kUnauth, "CREDENTIAL_MISSING", "authorization");
  claim("a submitter", "demo-submitter", open_, kDenied, "ROLE_NOT_ALLOWED", "authorization");
  claim("another office's task", "sewerage-works-clerk", open_, kNotFound, "TASK_NOT_FOUND", "task_id");
  claim("an unknown task", "contract-division-clerk", "HS-20260101-000000000000", kNotFound, "TASK_NOT_FOUND",
        "task_id");
  claim("a task id with ../", "contract-division-clerk", "../" + open_, kNotFound, "TASK_NOT_FOUND", "task_id");
  claim("a task id with spaces", "contract-division-clerk", "HS 1", kNotFound, "TASK_NOT_FOUND", "task_id");
  claim("a task id of 65 characters", "contract-division-clerk", std::string(65, 'H'), kNotFound, "TASK_NOT_FOUND",
        "task_id");
  claim("a task id invalid UTF-8", "contract-division-clerk", kBadUtf8, kInvalid, "TEXT_INVALID_UTF8", "task_id");
  claim("a task another clerk holds", "contract-division-clerk-2", claimed_, kAborted, "TASK_CLAIMED_BY_OTHER",
        "task_id");
  claim("a case no longer waiting", "contract-division-clerk", routed_, kPrecondition, "TASK_NOT_OPEN", "task_id");
  auto reveal = [&](std::string name, std::string who, std::string id, std::string reason, int status, std::string code,
                    std::string field) {
    add(
        "RevealCredential", std::move(name),
        [s, who, id, reason] {
          v1::RevealCredentialRequest r;
          r.set_task_id(id);
          r.set_reason(reason);
          return Call(s, &S::RevealCredential, who, r);
        },
        status, std::move(code), std::move(field));
  };
  const std::string holder = "contract-division-clerk";
  reveal("no credential", "", claimed_, "確認", kUnauth, "CREDENTIAL_MISSING", "authorization");
  reveal("an open task nobody claimed", holder, open_, "確認", kPrecondition, "TASK_NOT_CLAIMED", "task_id");
  reveal("a task another clerk holds", "contract-division-clerk-2", claimed_, "確認", kPrecondition, "TASK_NOT_CLAIMED",
         "task_id");
  reveal("another office's task", "sewerage-works-clerk", claimed_, "確認", kNotFound, "TASK_NOT_FOUND", "task_id");
  reveal("paper: nothing to reveal", "contract-division-clerk-2", paper_, "確認", kPrecondition, "NO_CREDENTIAL",
         "task_id");
  reveal("a reason of 301 characters", holder, claimed_, Repeat("理", 301), kInvalid, "TEXT_TOO_LONG", "reason");
  reveal("a reason of 10,000 kanji", holder, claimed_, kKanji10k, kInvalid, "TEXT_TOO_LONG", "reason");
  reveal("a reason of 10,000 kanji with line breaks", holder, claimed_, kKanji10kLines, kInvalid, "TEXT_TOO_LONG",
         "reason");
  reveal("a reason with an escape", holder, claimed_, kEsc, kInvalid, "TEXT_CONTROL_CHARACTERS", "reason");
  reveal("a reason with U+202E", holder, claimed_, kRlo, kInvalid, "TEXT_CONTROL_CHARACTERS", "reason");
  reveal("a reason invalid UTF-8", holder, claimed_, kBadUtf8, kInvalid, "TEXT_INVALID_UTF8", "reason");
  {
    auto ch = channels_->at("verification");
    add(
        "RevealCredential", "a wrong token and bytes that are no request",
        [ch] { return RawCall(ch, "/hosho.v1.VerificationService/RevealCredential", kWrongToken.substr(1), "\xff"); },
        kUnauth, "TOKEN_UNKNOWN", "authorization");
  }
  using R = v1::RecordCertificateRequest;
  auto record = [&](std::string name, std::string who, std::string id, std::function<void(R&)> m, int status,
                    std::string code, std::string field) {
    add(
        "RecordCertificate", std::move(name),
        [s, who, id, m] {
          R r;
          r.set_task_id(id);
          *r.mutable_certificate() = GoodCertificate();
          m(r);
          return Call(s, &S::RecordCertificate, who, r);
        },
        status, std::move(code), std::move(field));
  };
  auto cert = [&](std::string name, std::function<void(v1::CertificateRecord&)> m, std::string code,
                  std::string field) {
    record(
        std::move(name), holder, claimed_, [m](R& r) { m(*r.mutable_certificate()); }, kInvalid, std::move(code),
        std::move(field));
  };
  record(
      "no credential", "", claimed_, [](R&) {}, kUnauth, "CREDENTIAL_MISSING", "authorization");
  record(
      "neither certificate nor reason", holder, claimed_, [](R& r) { r.clear_certificate(); }, kInvalid,
      "OUTCOME_MISSING", "outcome");
  record(
      "not the holder", "contract-division-clerk-2", claimed_, [](R&) {}, kPrecondition, "TASK_NOT_CLAIMED", "task_id");
  record(
      "an open task nobody claimed", holder, open_, [](R&) {}, kPrecondition, "TASK_NOT_CLAIMED", "task_id");
  record(
      "a decided case", holder, routed_, [](R&) {}, kPrecondition, "TASK_NOT_OPEN", "task_id");
  record(
      "another office's task", "sewerage-works-clerk", claimed_, [](R&) {}, kNotFound, "TASK_NOT_FOUND", "task_id");
  record(
      "a task id invalid UTF-8", holder, kBadUtf8, [](R&) {}, kInvalid, "TEXT_INVALID_UTF8", "task_id");
  cert(
      "certificate number empty", [](auto& c) { c.clear_guarantee_number(); }, "CERTIFICATE_NUMBER_MISSING",
      "certificate.guarantee_number");
  cert(
      "certificate number of 65 characters", [](auto& c) { c.set_guarantee_number(std::string(65, '1')); },
      "CERTIFICATE_NUMBER_MISSING", "certificate.guarantee_number");
  cert(
      "certificate kind 99", [](auto& c) { c.set_kind(static_cast<v1::GuaranteeKind>(99)); },
      "CERTIFICATE_KIND_MISSING", "certificate.kind");
  cert(
      "beneficiary empty", [](auto& c) { c.clear_beneficiary(); }, "CERTIFICATE_FIELD_MISSING",
      "certificate.beneficiary");
  cert(
      "project name of 10,000 kanji", [](auto& c) { c.set_project_name(kKanji10k); }, "TEXT_TOO_LONG",
      "certificate.project_name");
  cert(
      "contractor with U+202E", [](auto& c) { c.set_contractor_name(kRlo); }, "TEXT_CONTROL_CHARACTERS",
      "certificate.contractor_name");
  cert(
      "beneficiary with an escape", [](auto& c) { c.set_beneficiary(kEsc); }, "TEXT_CONTROL_CHARACTERS",
      "certificate.beneficiary");
  cert(
      "project name invalid UTF-8", [](auto& c) { c.set_project_name(kBadUtf8); }, "TEXT_INVALID_UTF8",
      "certificate.project_name");
  cert(
      "guaranteed amount -1", [](auto& c) { c.set_guaranteed_amount_yen(-1); }, "AMOUNT_INVALID",
      "certificate.guaranteed_amount_yen");
  cert(
      "contract price INT64_MIN", [](auto& c) { c.set_contract_price_yen(std::numeric_limits<int64_t>::min()); },
      "AMOUNT_INVALID", "certificate.guaranteed_amount_yen");
  cert(
      "guaranteed amount 0", [](auto& c) { c.set_guaranteed_amount_yen(0); }, "AMOUNT_MISSING",
      "certificate.guaranteed_amount_yen");
  cert(
      "period end 2026-13-45", [](auto& c) { *c.mutable_period_end() = Day(2026, 13, 45); }, "PERIOD_INVALID",
      "certificate.period_end");
  cert(
      "period 0000-00-00", [](auto& c) { *c.mutable_period_start() = Day(0, 0, 0); }, "PERIOD_INVALID",
      "certificate.period_end");
  cert(
      "issue date 2026-02-30", [](auto& c) { *c.mutable_issue_date() = Day(2026, 2, 30); }, "DATE_INVALID",
      "certificate.issue_date");
  auto reason = [](std::string text) {
    return [text](R& r) {
      r.clear_certificate();
      r.set_no_certificate_reason(text);
    };
  };
  record("a reason of 301 characters", holder, claimed_, reason(Repeat("開", 301)), kInvalid, "TEXT_TOO_LONG",
         "no_certificate_reason");
  record("a reason of 10,000 kanji with line breaks", holder, claimed_, reason(kKanji10kLines), kInvalid,
         "TEXT_TOO_LONG", "no_certificate_reason");
  record("a reason with an escape", holder, claimed_, reason("開けません\x1b[31m"), kInvalid, "TEXT_CONTROL_CHARACTERS",
         "no_certificate_reason");
  record("a reason with U+202E", holder, claimed_, reason(kRlo), kInvalid, "TEXT_CONTROL_CHARACTERS",
         "no_certificate_reason");
  auto release = [&](std::string name, std::string who, std::string id, int status, std::string code,
                     std::string field) {
    add(
        "ReleaseTask", std::move(name),
        [s, who, id] {
          v1::ReleaseTaskRequest r;
          r.set_task_id(id);
          return Call(s, &S::ReleaseTask, who, r);
        },
        status, std::move(code), std::move(field));
  };
  release("no credential", "", claimed_, kUnauth, "CREDENTIAL_MISSING", "authorization");
  release("not the holder", "contract-division-clerk-2", claimed_, kPrecondition, "TASK_NOT_CLAIMED", "task_id");
  release("an open task nobody claimed", holder, open_, kPrecondition, "TASK_NOT_CLAIMED", "task_id");
  release("another office's task", "sewerage-works-clerk", claimed_, kNotFound, "TASK_NOT_FOUND", "task_id");
  release("a task id invalid UTF-8", holder, "\xff" + claimed_, kInvalid, "TEXT_INVALID_UTF8", "task_id");
  RunGroup("VerificationService", entries);
}

TEST_F(BadInputTest, HandoffService) {
  auto stub = Stub<v1::HandoffService>("routing");
  auto* s = stub.get();
  using S = v1::HandoffService::Stub;
  using Method = grpc::Status (S::*)(grpc::ClientContext*, const v1::HandoffRequest&, v1::Case*);
  std::vector<Entry> entries;
  const std::string clerk = "contract-division-clerk";
  auto h = [&](std::string rpc, Method m, std::string name, std::string who, std::string id, std::string note,
               int64_t version, int status, std::string code, std::string field) {
    entries.push_back({std::move(rpc), std::move(name),
                       [s, m, who, id, note, version] {
                         v1::HandoffRequest r;
                         r.set_case_id(id);
                         r.set_note(note);
                         r.set_expected_version(version);
                         return FromStatus(Call(s, m, who, r));
                       },
                       status, std::move(code), std::move(field)});
  };
  auto conclude = [&](std::string name, std::string who, std::string id, std::string note, int64_t version, int status,
                      std::string code, std::string field) {
    h("ConcludeContract", &S::ConcludeContract, std::move(name), std::move(who), std::move(id), std::move(note),
      version, status, std::move(code), std::move(field));
  };
  conclude("no credential", "", routed_, "", 0, kUnauth, "CREDENTIAL_MISSING", "authorization");
  conclude("a wrong token and invalid UTF-8", kWrongToken, kBadUtf8, "", 0, kUnauth, "TOKEN_UNKNOWN", "authorization");
  conclude("case id empty", clerk, "", "", 0, kInvalid, "CASE_ID_MISSING", "case_id");
  conclude("an unknown case", clerk, "HS-20260101-000000000000", "", 0, kNotFound, "CASE_NOT_FOUND", "case_id");
  conclude("a case id with ../", clerk, "../" + routed_, "", 0, kNotFound, "CASE_NOT_FOUND", "case_id");
  conclude("a case id with spaces", clerk, "HS 2026", "", 0, kNotFound, "CASE_NOT_FOUND", "case_id");
  conclude("a case id invalid UTF-8", clerk, "HS-" + kBadUtf8, "", 0, kInvalid, "TEXT_INVALID_UTF8", "case_id");
  conclude("another office's case", "sewerage-works-clerk", routed_, "", 0, kNotFound, "CASE_NOT_FOUND", "case_id");
  conclude("a submitter", "demo-submitter", routed_, "", 0, kNotFound, "CASE_NOT_FOUND", "case_id");
  conclude("a note of 501 characters", clerk, routed_, Repeat("備", 501), 0, kInvalid, "TEXT_TOO_LONG", "note");
  conclude("a note of 10,000 kanji with line breaks", clerk, routed_, kKanji10kLines, 0, kInvalid, "TEXT_TOO_LONG",
           "note");
  conclude("a note with an escape", clerk, routed_, kEsc, 0, kInvalid, "TEXT_CONTROL_CHARACTERS", "note");
  conclude("a note with U+202E", clerk, routed_, kRlo, 0, kInvalid, "TEXT_CONTROL_CHARACTERS", "note");
  conclude("a note invalid UTF-8", clerk, routed_, "備考" + kBadUtf8, 0, kInvalid, "TEXT_INVALID_UTF8", "note");
  conclude("a stale expected_version", clerk, routed_, "", 999, kAborted, "VERSION_MISMATCH", "expected_version");
  conclude("a negative expected_version", clerk, routed_, "", -1, kInvalid, "VERSION_INVALID", "expected_version");
  conclude("a case still waiting for a clerk", clerk, open_, "", 0, kPrecondition, "HANDOFF_WRONG_STATE", "case_id");
  h("AcknowledgeReceipt", &S::AcknowledgeReceipt, "a case not forwarded", clerk, routed_, "", 0, kPrecondition,
    "HANDOFF_WRONG_STATE", "case_id");
  h("AcknowledgeReceipt", &S::AcknowledgeReceipt, "no credential", "", routed_, "", 0, kUnauth, "CREDENTIAL_MISSING",
    "authorization");
  h("RecordPaymentHandoff", &S::RecordPaymentHandoff, "a contract guarantee", clerk, routed_, "", 0, kPrecondition,
    "HANDOFF_WRONG_STATE", "case_id");
  h("RecordPaymentHandoff", &S::RecordPaymentHandoff, "another office's case", "sewerage-works-clerk", routed_, "", 0,
    kNotFound, "CASE_NOT_FOUND", "case_id");
  h("Withdraw", &S::Withdraw, "no reason", clerk, routed_, "", 0, kInvalid, "WITHDRAW_REASON_MISSING", "note");
  h("Withdraw", &S::Withdraw, "a reason of white space only", clerk, routed_, "　 \t", 0, kInvalid,
    "WITHDRAW_REASON_MISSING", "note");
  h("Withdraw", &S::Withdraw, "another office's case", "sewerage-works-clerk", routed_, "取下げ", 0, kNotFound,
    "CASE_NOT_FOUND", "case_id");
  h("Withdraw", &S::Withdraw, "a reason with U+202E", clerk, routed_, kRlo, 0, kInvalid, "TEXT_CONTROL_CHARACTERS",
    "note");
  {
    auto ch = channels_->at("routing");
    entries.push_back({"Withdraw", "bytes that are no request",
                       [ch] {
                         return FromStatus(RawCall(ch, "/hosho.v1.HandoffService/Withdraw",
                                                   Authorization("contract-division-clerk"), "\xff\xff"));
                       },
                       kInvalid, "REQUEST_UNREADABLE", ""});
  }
  RunGroup("HandoffService", entries);
}

TEST_F(BadInputTest, FormWebhook) {
  const int port = stack_->endpoints().webhook_port;
  std::string secret;
  {
    std::ifstream in(stack_->endpoints().webhook_secret_file);
    std::getline(in, secret);
  }
  const std::string replay = Source("deploy/demo/channels/form-webhook.json");  // LF-2026-000501, already a case
  static int serial = 0;
  // A fresh, good body; `answers` replaces answers, `extra` adds members (e.g. files).
  auto body = [](int n, std::map<std::string, json> answers, const std::string& extra = "") {
    json a = {{"工事番号", "R8-道路-0004"},
              {"保証の種類", "契約保証"},
              {"保証会社名", "東日本建設業保証株式会社"},
              {"保証契約番号", absl::StrCat("DS-26-97", 1000 + n)},
              {"認証キー", absl::StrCat("PLANTED-AK-HOOK-", n)}};
    for (auto& [k, v] : answers) a[k] = v;
    json j = {{"receipt_number", absl::StrCat("LF-HOOK-", n)}, {"answers", a}};
    std::string s = j.dump();
    // `extra` is a JSON object of members to add: its braces go.
    if (!extra.empty()) s = s.substr(0, s.size() - 1) + "," + (extra.front() == '{' ? extra.substr(1) : extra + "}");
    return s;
  };
  auto file = [](const std::string& label, const std::string& name, const std::string& type, const std::string& data) {
    return json{{"files", json::array({{{"label", label},
                                        {"filename", name},
                                        {"content_type", type},
                                        {"data_base64", absl::Base64Escape(data)}}})}}
        .dump();
  };
  std::vector<Entry> entries;
  // `headers` as sent; "{sig}" in a value is the right signature of `body` at `signed_at`.
  auto post = [&](std::string name, std::string b, std::vector<std::pair<std::string, std::string>> headers,
                  int64_t signed_at, int status, std::string code, std::string field,
                  std::string path = "/webhooks/form") {
    entries.push_back({"webhook", std::move(name),
                       [port, secret, b, headers, signed_at, path] {
                         std::vector<std::pair<std::string, std::string>> h;
                         for (auto [k, v] : headers) {
                           v = absl::StrReplaceAll(v, {{"{sig}", WebhookSignature(secret, signed_at, b)},
                                                       {"{now}", std::to_string(signed_at)}});
                           h.emplace_back(k, v);
                         }
                         HttpResult r = RawHttp(port, "POST", path, h, b);
                         return FromJsonReply(r.status, r.body);
                       },
                       status, std::move(code), std::move(field)});
  };
  // The signature's time is taken when the entry runs, so that none of them goes stale on the way.
  auto signed_post = [&](std::string name, std::string b, int status, std::string code, std::string field,
                         std::string type = "application/json") {
    entries.push_back({"webhook", std::move(name),
                       [port, secret, b, type] {
                         const int64_t at = absl::ToUnixSeconds(absl::Now());
                         std::vector<std::pair<std::string, std::string>> h = {
                             {"X-Hosho-Timestamp", std::to_string(at)},
                             {"X-Hosho-Signature", WebhookSignature(secret, at, b)}};
                         if (!type.empty()) h.emplace_back("Content-Type", type);
                         HttpResult r = RawHttp(port, "POST", "/webhooks/form", h, b);
                         return FromJsonReply(r.status, r.body);
                       },
                       status, std::move(code), std::move(field)});
  };
  auto timestamp = [&](std::string name, std::function<std::string(int64_t)> ts, int64_t sign_offset, int status,
                       std::string code) {
    entries.push_back({"webhook", std::move(name),
                       [port, secret, replay, ts, sign_offset] {
                         const int64_t at = absl::ToUnixSeconds(absl::Now());
                         std::vector<std::pair<std::string, std::string>> h = {
                             {"X-Hosho-Timestamp", ts(at)},
                             {"X-Hosho-Signature", WebhookSignature(secret, at + sign_offset, replay)},
                             {"Content-Type", "application/json"}};
                         HttpResult r = RawHttp(port, "POST", "/webhooks/form", h, replay);
                         return FromJsonReply(r.status, r.body);
                       },
                       status, std::move(code), "X-Hosho-Timestamp"});
  };
  // Who is posting.
  post("no signature headers", replay, {{"Content-Type", "application/json"}}, 0, 401, "SIGNATURE_MISSING",
       "X-Hosho-Signature");
  post("a timestamp without signature", replay, {{"X-Hosho-Timestamp", "1"}, {"Content-Type", "application/json"}}, 0,
       401, "SIGNATURE_MISSING", "X-Hosho-Signature");
  post("a signature without timestamp", replay,
       {{"X-Hosho-Signature", "sha256=00"}, {"Content-Type", "application/json"}}, 0, 401, "SIGNATURE_MISSING",
       "X-Hosho-Signature");
  entries.push_back({"webhook", "signed with the wrong secret",
                     [port, replay] {
                       const int64_t at = absl::ToUnixSeconds(absl::Now());
                       HttpResult r = RawHttp(port, "POST", "/webhooks/form",
                                              {{"X-Hosho-Timestamp", std::to_string(at)},
                                               {"X-Hosho-Signature", WebhookSignature("not-the-secret", at, replay)},
                                               {"Content-Type", "application/json"}},
                                              replay);
                       return FromJsonReply(r.status, r.body);
                     },
                     401, "SIGNATURE_INVALID", "X-Hosho-Signature"});
  entries.push_back({"webhook", "an empty signature",
                     [port, replay] {
                       HttpResult r = RawHttp(port, "POST", "/webhooks/form",
                                              {{"X-Hosho-Timestamp", std::to_string(absl::ToUnixSeconds(absl::Now()))},
                                               {"X-Hosho-Signature", "sha256="},
                                               {"Content-Type", "application/json"}},
                                              replay);
                       return FromJsonReply(r.status, r.body);
                     },
                     401, "SIGNATURE_INVALID", "X-Hosho-Signature"});
  entries.push_back({"webhook", "a body changed after signing",
                     [port, secret, replay] {
                       const int64_t at = absl::ToUnixSeconds(absl::Now());
                       HttpResult r = RawHttp(port, "POST", "/webhooks/form",
                                              {{"X-Hosho-Timestamp", std::to_string(at)},
                                               {"X-Hosho-Signature", WebhookSignature(secret, at, replay)},
                                               {"Content-Type", "application/json"}},
                                              absl::StrReplaceAll(replay, {{"LF-2026-000501", "LF-2026-000999"}}));
                       return FromJsonReply(r.status, r.body);
                     },
                     401, "SIGNATURE_INVALID", "X-Hosho-Signature"});
  timestamp(
      "a stale timestamp (an hour ago)", [](int64_t at) { return std::to_string(at - 3600); }, -3600, 401,
      "SIGNATURE_EXPIRED");
  timestamp(
      "a timestamp an hour ahead", [](int64_t at) { return std::to_string(at + 3600); }, 3600, 401,
      "SIGNATURE_EXPIRED");
  timestamp(
      "a timestamp +<seconds>", [](int64_t at) { return absl::StrCat("+", at); }, 0, 401,
      "SIGNATURE_TIMESTAMP_INVALID");
  timestamp(
      "a timestamp with a leading space", [](int64_t at) { return absl::StrCat(" ", at, "x"); }, 0, 401,
      "SIGNATURE_TIMESTAMP_INVALID");
  timestamp(
      "a timestamp with decimals", [](int64_t at) { return absl::StrCat(at, ".0"); }, 0, 401,
      "SIGNATURE_TIMESTAMP_INVALID");
  timestamp(
      "a timestamp in hex", [](int64_t at) { return absl::StrCat("0x", absl::Hex(at)); }, 0, 401,
      "SIGNATURE_TIMESTAMP_INVALID");
  timestamp(
      "a negative timestamp", [](int64_t at) { return absl::StrCat("-", at); }, 0, 401, "SIGNATURE_TIMESTAMP_INVALID");
  timestamp(
      "a timestamp that is words", [](int64_t) { return std::string("yesterday"); }, 0, 401,
      "SIGNATURE_TIMESTAMP_INVALID");
  // What is posted.
  signed_post("Content-Type text/plain", replay, 415, "CONTENT_TYPE_INVALID", "Content-Type", "text/plain");
  signed_post("Content-Type urlencoded", replay, 415, "CONTENT_TYPE_INVALID", "Content-Type",
              "application/x-www-form-urlencoded");
  signed_post("no Content-Type", replay, 415, "CONTENT_TYPE_INVALID", "Content-Type", "");
  signed_post("not JSON", "receipt_number=LF-1", 400, "JSON_INVALID", "");
  signed_post("truncated JSON", replay.substr(0, replay.size() / 2), 400, "JSON_INVALID", "");
  signed_post("an empty body", "", 400, "JSON_INVALID", "");
  signed_post("a JSON array", "[1, 2, 3]", 400, "JSON_NOT_OBJECT", "");
  signed_post("a JSON string", "\"LF-1\"", 400, "JSON_NOT_OBJECT", "");
  signed_post("invalid UTF-8", "{\"receipt_number\": \"LF-\xff\xfe\", \"answers\": {}}", 400, "TEXT_INVALID_UTF8", "");
  signed_post("no receipt number", R"({"answers": {"工事番号": "R8-道路-0004"}})", 400, "RECEIPT_MISSING",
              "receipt_number");
  signed_post("a receipt number that is an object", R"({"receipt_number": {"x": 1}, "answers": {}})", 400,
              "RECEIPT_MISSING", "receipt_number");
  signed_post("no answers", R"({"receipt_number": "LF-HOOK-X1"})", 400, "ANSWERS_MISSING", "answers");
  signed_post("answers as an array", R"({"receipt_number": "LF-HOOK-X2", "answers": ["工事番号"]})", 400,
              "ANSWERS_MISSING", "answers");
  signed_post("an answer that is an object", body(++serial, {{"工事番号", json{{"x", 1}}}}), 400, "FIELD_TYPE_INVALID",
              "工事番号");
  signed_post("an answer that is a float", body(++serial, {{"請求金額", 1.5}}), 400, "FIELD_TYPE_INVALID", "請求金額");
  signed_post("files that are no array", body(++serial, {}, R"("files": {"x": 1})"), 400, "FIELD_TYPE_INVALID",
              "files");
  signed_post("a file without data", body(++serial, {}, R"("files": [{"label": "請求書"}])"), 400, "FIELD_TYPE_INVALID",
              "files");
  signed_post("a file of broken base64",
              body(++serial, {}, R"("files": [{"label": "請求書", "filename": "a.pdf", "data_base64": "!!!"}])"), 400,
              "ATTACHMENT_BASE64_INVALID", "請求書");
  signed_post("an unknown 工事番号", body(++serial, {{"工事番号", "R8-存在しない-9999"}}), 422,
              "R03_CONTRACT_NOT_FOUND", "工事番号");
  signed_post("a formula as 工事番号", body(++serial, {{"工事番号", "=cmd|' /C calc'!A0"}}), 422,
              "R03_CONTRACT_NOT_FOUND", "工事番号");
  // #15 finding 9: a long non-ASCII 工事番号 (before: HTTP 500, the exception text in a header).
  signed_post("a 工事番号 of 500 kanji", body(++serial, {{"工事番号", Repeat("漢", 500)}}), 422,
              "R03_CONTRACT_NOT_FOUND", "工事番号");
  signed_post("an escape in 保証会社名", body(++serial, {{"保証会社名", kEsc}}), 422, "TEXT_CONTROL_CHARACTERS",
              "保証会社名");
  signed_post("U+202E in 保証会社名", body(++serial, {{"保証会社名", kRlo}}), 422, "TEXT_CONTROL_CHARACTERS",
              "保証会社名");
  signed_post("a receipt number with SQL",
              absl::StrReplaceAll(body(++serial, {}), {{"LF-HOOK-", "LF-1'; DROP TABLE cases;--"}}), 422,
              "RECEIPT_INVALID", "受付番号");
  signed_post("a receipt number of 10,000 kanji",
              json{{"receipt_number", kKanji10k}, {"answers", {{"工事番号", "x"}}}}.dump(), 422, "RECEIPT_INVALID",
              "受付番号");
  signed_post("保証の種類 unknown", body(++serial, {{"保証の種類", "よくわからない保証"}}), 422, "KIND_MISSING",
              "保証の種類");
  signed_post("a bank", body(++serial, {{"保証会社名", "みなと銀行"}}), 422, "R02_BANK_NOT_ELIGIBLE", "保証会社名");
  signed_post("請求金額 not a number", body(++serial, {{"請求金額", "たくさん"}}), 422, "AMOUNT_INVALID", "請求金額");
  signed_post("the certificate PDF as 認証キー", body(++serial, {{"認証キー", "%PDF-1.4"}}), 422,
              "R04_CERTIFICATE_NOT_CREDENTIAL", "認証キー");
  signed_post("a file that is no PDF", body(++serial, {}, file("請求書", "請求書.pdf", "application/pdf", "MZ exe")),
              422, "ATTACHMENT_NOT_PDF", "uploads[0].content");
  signed_post("a PDF declared image/png", body(++serial, {}, file("請求書", "請求書.pdf", "image/png", kPdf)), 422,
              "ATTACHMENT_NOT_PDF", "uploads[0].content");
  signed_post("a file named ../../x.pdf", body(++serial, {}, file("請求書", "../../x.pdf", "application/pdf", kPdf)),
              422, "ATTACHMENT_FILENAME_INVALID", "uploads[0].filename");
  signed_post("a file of an unknown label", body(++serial, {}, file("写真", "a.pdf", "application/pdf", kPdf)), 422,
              "ATTACHMENT_KIND_UNKNOWN", "写真");
  signed_post("the certificate as a file",
              body(++serial, {}, file("保証証書", "保証証書.pdf", "application/pdf", kPdf)), 422,
              "R04_CERTIFICATE_NOT_CREDENTIAL", "uploads[0]");
  entries.push_back({"webhook", "a 10 MB body",
                     [port, secret] {
                       const std::string big = absl::StrCat(R"({"receipt_number": "LF-HOOK-BIG", "pad": ")",
                                                            std::string(10 << 20, 'x'), "\"}");
                       const int64_t at = absl::ToUnixSeconds(absl::Now());
                       auto r = HttpPost("127.0.0.1", port, "/webhooks/form",
                                         {{"X-Hosho-Timestamp", std::to_string(at)},
                                          {"X-Hosho-Signature", WebhookSignature(secret, at, big)}},
                                         big, "application/json");
                       return r.ok() ? FromJsonReply(r->first, r->second) : FromStatus(r.status());
                     },
                     413, "BODY_TOO_LARGE", ""});
  post("another path", replay, {{"Content-Type", "application/json"}}, 0, 404, "NOT_FOUND", "", "/webhooks/other");
  RunGroup("FormWebhook", entries);
}

TEST_F(BadInputTest, Mail) {
  ASSERT_NE(endpoints_->dovecot_config, "") << "the mail path needs Debian's dovecot";
  ImapOptions imap;
  imap.url = absl::StrCat("imap://127.0.0.1:", stack_->endpoints().imap_port, "/INBOX");
  imap.username = stack_->endpoints().mail_user;
  imap.password = testing::ReadFileBytes(*run_dir_ + "/mail/password");
  imap.password.pop_back();
  auto mailbox = *OpenImapMailbox(imap);
  auto client = As("operator");
  static int serial = 0;
  // A UTF-8 mail in the shape the docs describe, with `body` lines and optional PDF attachments.
  auto mail = [](const std::string& subject, const std::string& body,
                 const std::vector<std::pair<std::string, std::string>>& files = {}) {
    const int n = ++serial;
    std::string m =
        absl::StrCat("From: koji@midori-doboku.example\r\nTo: intake@city.example\r\nSubject: =?utf-8?b?",
                     absl::Base64Escape(subject), "?=\r\nMessage-ID: <bad-input-", n,
                     "@midori-doboku.example>\r\nDate: Wed, 02 Dec 2026 10:00:00 +0900\r\nMIME-Version: 1.0\r\n",
                     "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n",
                     "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
                     absl::Base64Escape(body), "\r\n");
    for (const auto& [name, content] : files) {
      absl::StrAppend(&m, "--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n",
                      "Content-Disposition: attachment; filename*=utf-8''", UrlQuery(name), "\r\n\r\n",
                      absl::Base64Escape(content), "\r\n");
    }
    return m + "--b--\r\n";
  };
  auto lines = [](const std::string& kind, const std::string& issuer, const std::string& extra = "") {
    static int k = 0;
    ++k;
    return absl::StrCat("みなと市 契約課 御中\n\n保証の種類：", kind, "\n保証会社：", issuer,
                        "\n保証契約番号：DS-26-96", 1000 + k, "\n認証キー：PLANTED-AK-MAIL-", k, "\n", extra);
  };
  const std::string subject = "【電子保証】R8-道路-0004 緑町通り歩道整備工事";
  struct MailEntry {
    std::string name;
    std::string raw;
    std::string code;
  };
  const std::vector<MailEntry> mails = {
      {"a subject without 【電子保証】", mail("保証書の件", lines("契約保証", "東日本建設業保証株式会社")),
       "MAIL_SUBJECT_FORMAT"},
      {"an unknown 工事番号 in the subject",
       mail("【電子保証】R8-存在しない-9999 工事", lines("契約保証", "東日本建設業保証株式会社")),
       "R03_CONTRACT_NOT_FOUND"},
      {"no kind of guarantee", mail(subject, lines("", "東日本建設業保証株式会社")), "KIND_MISSING"},
      {"a bank as the issuer", mail(subject, lines("契約保証", "みなと銀行")), "R02_ISSUER_NOT_LISTED"},
      {"the certificate attached",
       mail(subject, lines("契約保証", "東日本建設業保証株式会社"), {{"保証証書.pdf", kPdf}}),
       "R04_CERTIFICATE_NOT_CREDENTIAL"},
      {"an attachment that is no PDF",
       mail(subject, lines("契約保証", "東日本建設業保証株式会社"), {{"発注者提出用フォーマット.pdf", "MZ exe"}}),
       "ATTACHMENT_NOT_PDF"},
      {"an amount that is words",
       mail(subject, lines("前払金保証", "東日本建設業保証株式会社", "請求金額：たくさん\n")), "AMOUNT_INVALID"},
      // #15 finding 9: a long non-ASCII 工事番号 (the error quotes it, cut between characters).
      {"a 工事番号 of 200 kanji in the subject",
       mail("【電子保証】" + Repeat("漢", 200) + " 工事", lines("契約保証", "東日本建設業保証株式会社")),
       "R03_CONTRACT_NOT_FOUND"},
      // #15 finding 12: a body in no known encoding, and a multipart whose boundary never comes, are
      // said as such (before: KIND_MISSING, the text skipped silently).
      {"a body in no known encoding",
       absl::StrCat("From: koji@midori-doboku.example\r\nSubject: =?utf-8?b?", absl::Base64Escape(subject),
                    "?=\r\nMessage-ID: <bad-input-enc@midori-doboku.example>\r\nMIME-Version: 1.0\r\n",
                    "Content-Type: text/plain\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\xFF\xFE\xFD\xFF\xFF\r\n"),
       "MAIL_TEXT_UNREADABLE"},
      {"a multipart whose boundary never comes",
       absl::StrCat("From: koji@midori-doboku.example\r\nSubject: =?utf-8?b?", absl::Base64Escape(subject),
                    "?=\r\nMessage-ID: <bad-input-mime@midori-doboku.example>\r\nMIME-Version: 1.0\r\n",
                    "Content-Type: multipart/mixed; boundary=\"never\"\r\n\r\n保証の種類：契約保証\r\n"),
       "MAIL_TEXT_MISSING"},
  };
  const State before = Settled();
  auto all = mailbox->ListWithout("$NoSuchKeyword");
  ASSERT_TRUE(all.ok());
  std::set<int64_t> known(all->begin(), all->end());
  for (const MailEntry& m : mails) {
    ASSERT_TRUE(client->DeliverMail(m.raw).ok()) << m.name;
    int64_t uid = -1;
    ASSERT_TRUE(testing::AwaitUntil([&] {
      auto now = mailbox->ListWithout("$NoSuchKeyword");
      if (!now.ok()) return false;
      for (int64_t u : *now) {
        if (!known.contains(u)) uid = u;
      }
      return uid >= 0;
    })) << m.name;
    known.insert(uid);
    ASSERT_TRUE(testing::AwaitUntil(
        [&] {
          auto open = mailbox->ListWithout("$HoshoDone");
          return open.ok() && std::find(open->begin(), open->end(), uid) == open->end();
        },
        absl::Seconds(30)))
        << m.name << ": never handled";
    auto without_refused = mailbox->ListWithout("$HoshoRefused");
    auto without_code = mailbox->ListWithout("$Hosho_" + m.code);
    ASSERT_TRUE(without_refused.ok() && without_code.ok());
    EXPECT_EQ(std::count(without_refused->begin(), without_refused->end(), uid), 0) << m.name << ": not refused";
    EXPECT_EQ(std::count(without_code->begin(), without_code->end(), uid), 0)
        << m.name << ": not flagged $Hosho_" << m.code;
    (*counts_)["mail"]++;
  }
  absl::SleepFor(absl::Seconds(1));
  const State after = Snapshot();
  EXPECT_TRUE(before == after) << "the refused mails changed something:\n  " << Diff(before, after);
}

TEST_F(BadInputTest, Console) {
  const int port = stack_->endpoints().console_port;
  const auto& passwords = stack_->endpoints().console_passwords;
  std::vector<Entry> entries;
  // `check`: "Location: X" (exact), "!cookie N" (no cookie N set), or a substring of the body.
  auto page = [&](std::string name, std::function<HttpResult()> f, int status, std::string check) {
    entries.push_back({"console", std::move(name),
                       [f, check] {
                         HttpResult r = f();
                         Answer a;
                         a.status = r.status;
                         a.detail = absl::StrCat("Location: ", r.Header("location"), " body: ", r.body.substr(0, 300));
                         if (absl::StartsWith(check, "Location: ")) {
                           a.code = "Location: " + r.Header("location");
                         } else if (absl::StartsWith(check, "!cookie ")) {
                           a.code =
                               r.Cookie(check.substr(8)).empty() ? check : "a cookie " + check.substr(8) + " was set";
                         } else {
                           a.code = absl::StrContains(r.body, check) ? check : "(not in the page)";
                         }
                         a.message_ja = "-";
                         return a;
                       },
                       status, check, ""});
  };
  auto get = [port](std::string target, std::string cookie = "") {
    return [port, target, cookie] {
      std::vector<std::pair<std::string, std::string>> h;
      if (!cookie.empty()) h.emplace_back("Cookie", cookie);
      return RawHttp(port, "GET", target, h);
    };
  };
  // A sign-in form as a browser sends it: the form's token and its cookie, then the fields.
  auto sign_in = [port](std::vector<std::pair<std::string, std::string>> fields, bool with_token = true,
                        bool matching_cookie = true) {
    HttpResult form = RawHttp(port, "GET", "/login", {});
    const std::string token = form.Cookie("hosho_signin");
    if (with_token) fields.insert(fields.begin(), {"signin_token", token});
    return RawHttp(port, "POST", "/login",
                   {{"Content-Type", "application/x-www-form-urlencoded"},
                    {"Cookie", "hosho_signin=" + (matching_cookie ? token : std::string("other-token"))}},
                   FormEncode(fields));
  };
  auto session_of = [&](const std::string& user) {
    HttpResult r = sign_in({{"username", user}, {"password", passwords.at(user)}, {"next", "/"}});
    const std::string session = r.Cookie("hosho_session");
    HttpResult home = RawHttp(port, "GET", "/", {{"Cookie", "hosho_session=" + session}});
    const std::string marker = R"(name="csrf" value=")";
    const size_t at = home.body.find(marker);
    const std::string csrf =
        at == std::string::npos
            ? ""
            : home.body.substr(at + marker.size(), home.body.find('"', at + marker.size()) - at - marker.size());
    EXPECT_FALSE(session.empty() || csrf.empty()) << user << " could not sign in";
    return std::make_pair(session, csrf);
  };
  // Redirects: back= and next= only ever lead to one of the console's own pages.
  for (const std::string bad :
       {"//evil.example/", "https://evil.example/", "/\t/evil.example", "javascript:alert(1)", "/cases/../../admin",
        "/cases?q=<script>", "/admin", "/\\evil.example", "%2F%2Fevil.example"}) {
    page("lang back=" + bad, get("/lang/en?back=" + UrlQuery(bad)), 303, "Location: /");
  }
  for (const std::string bad : {"//evil.example/", "https://evil.example/", "/\r\nSet-Cookie: x=1", "/tasks/../../x"}) {
    page("sign-in form next=" + absl::CEscape(bad), get("/login?next=" + UrlQuery(bad)), 200,
         R"(name="next" value="/")");
  }
  page("lang not ja or en", get("/lang/xx?back=/"), 404, "NOT_FOUND");
  // Sign-in.
  page(
      "sign-in without the form's token",
      [=] {
        return sign_in({{"username", "gesui"}, {"password", "x"}}, false);
      },
      401, "!cookie hosho_session");
  page(
      "sign-in with another form's token",
      [=] {
        return sign_in({{"username", "gesui"}, {"password", passwords.at("gesui")}}, true, false);
      },
      401, "!cookie hosho_session");
  page(
      "sign-in with a wrong password",
      [=] {
        return sign_in({{"username", "gesui"}, {"password", "wrong"}});
      },
      401, "!cookie hosho_session");
  page(
      "sign-in of an unknown user",
      [=] {
        return sign_in({{"username", "nobody"}, {"password", "x"}});
      },
      401, "!cookie hosho_session");
  page(
      "sign-in with nothing typed",
      [=] {
        return sign_in({{"username", ""}, {"password", ""}});
      },
      401, "!cookie hosho_session");
  page(
      "sign-in as a name with U+202E",
      [=] {
        return sign_in({{"username", "gesui" + kRlo}, {"password", "x"}});
      },
      401, "!cookie hosho_session");
  page(
      "sign-in as a name not UTF-8",
      [=] {
        return sign_in({{"username", "\xff\xfe"}, {"password", "x"}});
      },
      401, "!cookie hosho_session");
  page(
      "sign-in as 10,000 kanji (over the body limit)",
      [port] {
        HttpResult out;
        auto r = HttpPost("127.0.0.1", port, "/login", {},
                          FormEncode({{"signin_token", "t"}, {"username", kKanji10k}, {"password", "x"}}),
                          "application/x-www-form-urlencoded");
        if (r.ok()) {
          out.status = r->first;
          out.body = r->second;
        }
        return out;
      },
      413, "BODY_TOO_LARGE");
  page(
      "sign-in then next=//evil.example",
      [=] {
        return sign_in({{"username", "suido"}, {"password", passwords.at("suido")}, {"next", "//evil.example/"}});
      },
      303, "Location: /");
  page(
      "sign-in then next=https://evil.example",
      [=] {
        return sign_in({{"username", "suido"}, {"password", passwords.at("suido")}, {"next", "https://evil.example/"}});
      },
      303, "Location: /");
  // Pages and forms of a clerk of 契約課 (keiyaku), and of 道路維持課 (doro).
  const auto keiyaku_session = session_of("keiyaku");
  const auto doro_session = session_of("gesui");  // 下水道工事課: none of the cases is its
  const std::string keiyaku = keiyaku_session.first, keiyaku_csrf = keiyaku_session.second;
  const std::string doro = doro_session.first, doro_csrf = doro_session.second;
  auto form = [port](std::string session, std::string target, std::vector<std::pair<std::string, std::string>> fields,
                     std::string origin = "") {
    return [=] {
      std::vector<std::pair<std::string, std::string>> h = {{"Content-Type", "application/x-www-form-urlencoded"},
                                                            {"Cookie", "hosho_session=" + session}};
      if (!origin.empty()) h.emplace_back("Origin", origin);
      return RawHttp(port, "POST", target, h, FormEncode(fields));
    };
  };
  const std::string k = "hosho_session=" + keiyaku;
  const std::string routed = "/cases/" + routed_;
  page("a hand-off without the form token", form(keiyaku, routed + "/conclude", {}), 403, "");
  page("a hand-off with a wrong form token", form(keiyaku, routed + "/conclude", {{"csrf", "0000"}}), 403, "");
  page("a hand-off from another origin",
       form(keiyaku, routed + "/conclude", {{"csrf", keiyaku_csrf}}, "http://evil.example"), 403, "");
  page("a hand-off not signed in", form("", routed + "/conclude", {{"csrf", ""}}), 401, "");
  page("a withdrawal without reason", form(keiyaku, routed + "/withdraw", {{"csrf", keiyaku_csrf}}), 422,
       "<code>WITHDRAW_REASON_MISSING</code>");
  page("a note of 501 characters",
       form(keiyaku, routed + "/conclude", {{"csrf", keiyaku_csrf}, {"note", Repeat("備", 501)}}), 422,
       "<code>TEXT_TOO_LONG</code>");
  // A form body over the 8 KiB cpp-httplib reads of one (1,001 kanji percent-encoded): 413, said in the page.
  page("a form body over 8 KiB",
       form(keiyaku, routed + "/conclude", {{"csrf", keiyaku_csrf}, {"note", Repeat("備", 1001)}}), 413,
       "BODY_TOO_LARGE");
  page("a note with U+202E", form(keiyaku, routed + "/conclude", {{"csrf", keiyaku_csrf}, {"note", kRlo}}), 422,
       "<code>TEXT_CONTROL_CHARACTERS</code>");
  page("a note not UTF-8", form(keiyaku, routed + "/conclude", {{"csrf", keiyaku_csrf}, {"note", kBadUtf8}}), 422,
       "<code>TEXT_INVALID_UTF8</code>");
  page("acknowledging a case not forwarded", form(keiyaku, routed + "/acknowledge", {{"csrf", keiyaku_csrf}}), 422,
       "<code>HANDOFF_WRONG_STATE</code>");
  page("a stale version", form(keiyaku, routed + "/conclude", {{"csrf", keiyaku_csrf}, {"expected_version", "999"}}),
       409, "<code>VERSION_MISMATCH</code>");
  page("another office concluding", form(doro, routed + "/conclude", {{"csrf", doro_csrf}}), 404,
       "<code>CASE_NOT_FOUND</code>");
  page("a step that does not exist", form(keiyaku, routed + "/delete", {{"csrf", keiyaku_csrf}}), 404, "NOT_FOUND");
  page("revealing an open task nobody claimed",
       form(keiyaku, "/tasks/" + open_ + "/reveal", {{"csrf", keiyaku_csrf}, {"reason", "確認"}}), 422,
       "<code>TASK_NOT_CLAIMED</code>");
  page("claiming a task another clerk holds", form(keiyaku, "/tasks/" + claimed_ + "/claim", {{"csrf", keiyaku_csrf}}),
       409, "<code>TASK_CLAIMED_BY_OTHER</code>");
  page("releasing a task one does not hold", form(keiyaku, "/tasks/" + claimed_ + "/release", {{"csrf", keiyaku_csrf}}),
       422, "<code>TASK_NOT_CLAIMED</code>");
  page("recording a task one does not hold",
       form(keiyaku, "/tasks/" + claimed_ + "/certificate",
            {{"csrf", keiyaku_csrf}, {"outcome", "none"}, {"no_certificate_reason", "開けません"}}),
       422, "<code>TASK_NOT_CLAIMED</code>");
  page("a case that does not exist", get("/cases/HS-20260101-000000000000", k), 404, "");
  page("a case id with ../", get("/cases/..%2F..%2Fetc%2Fpasswd", k), 404, "");
  page("a case id with a space", get("/cases/HS%20" + routed_, k), 404, "");
  page("another office's case", get("/cases/" + open_, "hosho_session=" + doro), 404, "");
  page("a case that is no task", get("/tasks/" + routed_, k), 404, "");
  page("another office's attachment",
       get("/cases/" + claimed_ + "/attachments/" + *known_sha_, "hosho_session=" + doro), 404, "");
  page("an attachment not on the case", get("/cases/" + claimed_ + "/attachments/" + std::string(64, 'a'), k), 404, "");
  page("an unknown page, signed in", get("/admin", k), 404, "NOT_FOUND");
  page("an unknown page", get("/.env"), 404, "NOT_FOUND");
  page("a session that does not exist", get("/cases", "hosho_session=forged"), 303, "Location: /login?next=%2Fcases");
  RunGroup("Console", entries);
}

// After everything: the catalogue's size per entry point, and nothing changed since before it.
TEST_F(BadInputTest, Z_NothingChangedAndTheCatalogueIsComplete) {
  ASSERT_NE(initial_, nullptr);
  const State now = Settled();
  EXPECT_TRUE(*initial_ == now) << "the catalogue changed something:\n  " << Diff(*initial_, now);
  int total = 0;
  for (const auto& [group, n] : *counts_) {
    std::cout << "  " << group << ": " << n << "\n";
    total += n;
  }
  std::cout << "  total: " << total << "\n";
  EXPECT_GE(total, 150);
}

}  // namespace
}  // namespace hosho
