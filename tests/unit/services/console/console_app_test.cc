// The console's HTTP behaviour without a browser: sign-in, sessions, CSRF, the trusted proxy,
// scoping across offices, the audited attachment download and the calls it makes for the user.
#include "services/console/console_app.h"

#include <regex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/common/crypto/passwords.h"
#include "services/common/crypto/sealing.h"
#include "services/common/runtime/errors.h"
#include "services/common/store/blob_store.h"
#include "services/common/store/case_states.h"
#include "services/common/store/case_store_redis.h"
#include "services/common/store/rate_limiter.h"
#include "tests/support/case_steps.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_console_backends.h"
#include "tests/support/fake_session_store.h"
#include "tests/support/redis_server.h"

namespace hosho {
namespace {

class ConsoleAppTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = testing::RedisServer::Start().release();
    hashes_ = new std::vector<std::string>{*HashPassword("pw-keiyaku"), *HashPassword("pw-suido")};
  }
  static void TearDownTestSuite() {
    delete server_;
    delete hashes_;
  }
  void SetUp() override {
    server_->FlushAll();
    redis_ = server_->Client();
    cases_ = std::make_unique<RedisCaseStore>(redis_.get());
    sessions_ = std::make_unique<FakeSessionStore>(&clock_, SessionPolicy{});
    accounts_ = std::make_unique<AccountBook>(*AccountBook::FromYaml(absl::StrCat(
        "accounts:\n  - {username: keiyaku, display_name: 契約, office: contract-division, role: clerk, password_hash: "
        "\"",
        (*hashes_)[0], "\"}\n  - {username: suido, office: water-sewerage-policy, role: clerk, password_hash: \"",
        (*hashes_)[1], "\"}\n  - {username: proxied-op, role: operator}\n")));
    sealer_ = std::make_unique<Sealer>(*KeyRing::FromYaml(KeyRing::GenerateYaml("k1")));
    blob_dir_ = testing::MakeTempDir("console-blobs");
    blobs_ = std::make_unique<SealedFileBlobStore>(blob_dir_, sealer_.get());
    overview_ = std::make_unique<OverviewSource>(
        cases_.get(), [](const std::string&) -> absl::StatusOr<int64_t> { return 2; }, &backends_, &clock_,
        OverviewOptions{{"contract-division", "water-sewerage-policy"}, {"hosho.submissions.v1.dlq"}});
    name_limiter_ = std::make_unique<RedisRateLimiter>(redis_.get(), &clock_, 1000, absl::Minutes(15));
    address_limiter_ = std::make_unique<RedisRateLimiter>(redis_.get(), &clock_, 1000, absl::Minutes(15));
    deps_ = ConsoleDeps{cases_.get(), sessions_.get(),     accounts_.get(),       &backends_,
                        &feed_,       overview_.get(),     blobs_.get(),          nullptr,
                        &clock_,      name_limiter_.get(), address_limiter_.get()};
    options_.trusted_proxy_addresses = {"10.0.0.5"};
    options_.max_feed_streams = 2;
    app_ = std::make_unique<ConsoleApp>(deps_, options_);
    routes_ = app_->Routes();
    // One case of 契約課 with an attachment.
    sha_ = *blobs_->Put("%PDF-1.4 invoice");
    hosho::v1::Case only;
    auto* a = only.add_attachments();
    a->set_sha256(sha_);
    a->set_filename("請求書.pdf");
    a->set_media_type("application/pdf");
    TransitionRequest t;
    t.case_id = "C1";
    t.event_id = "C1:submitted";
    t.actor = "test";
    t.reason = "受付";
    t.at = clock_.Now();
    t.office = "contract-division";
    t.fields = {{"kind", "1"},
                {"ordering_office", "contract-division"},
                {"action", "1"},
                {"attachments", only.SerializeAsString()}};
    ASSERT_TRUE(testing::CreateAt(*cases_, t, hosho::v1::CASE_STATE_ROUTED).ok());
  }

  struct Answer {
    int status = 0;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string Header(const std::string& name) const {
      for (const auto& [k, v] : headers) {
        if (k == name) return v;
      }
      return "";
    }
  };
  Answer Call(const std::string& method, const std::string& path, std::map<std::string, std::string> params = {},
              std::map<std::string, std::string> headers = {}, const std::string& remote = "127.0.0.1") {
    HttpCall call;
    call.method = method;
    call.path = path;
    call.remote_address = remote;
    for (auto& [k, v] : params) call.query[k] = v;
    for (auto& [k, v] : headers) call.headers[k] = v;
    if (!cookie_.empty() && !call.headers.contains("cookie")) call.headers["cookie"] = cookie_;
    for (const HttpRoute& route : routes_) {
      std::smatch m;
      const std::regex re(route.pattern);
      if (route.method != method || !std::regex_match(path, m, re)) continue;
      for (size_t i = 1; i < m.size(); ++i) call.path_params.push_back(m[i].str());
      HttpReply reply = route.handler(call);
      return {reply.status, reply.body, reply.headers};
    }
    return {404, "", {}};
  }
  // A case of `office` created and ended in `final_state` (with a contract id and guarantee number).
  // The creation step of a case of `office` received at `at` (with a contract id and guarantee number).
  static TransitionRequest Received(const std::string& id, const std::string& office, absl::Time at) {
    TransitionRequest t;
    t.case_id = id;
    t.event_id = id + ":submitted";
    t.to_state = hosho::v1::CASE_STATE_RECEIVED;
    t.actor = "test";
    t.reason = "受付";
    t.at = at;
    t.office = office;
    t.fields = {
        {"kind", "1"}, {"ordering_office", office}, {"contract_id", "K-" + id}, {"guarantee_number", "DS-" + id}};
    return t;
  }
  // A case of `office` created and ended in `final_state`.
  void EndCase(const std::string& id, const std::string& office, const std::string& final_state) {
    TransitionRequest t = Received(id, office, clock_.Now());
    ASSERT_TRUE(cases_->Apply(t).ok());
    for (const auto& ended :
         cases_->ApplyAll(testing::StepsBetween(t, hosho::v1::CASE_STATE_RECEIVED, ParseStateName(final_state)))) {
      ASSERT_TRUE(ended.ok()) << ended.status();
    }
  }
  // Opens the live feed as the signed-in user: the reply whose `stream` the server would run.
  HttpReply OpenFeed(const std::string& last_event_id = "") {
    HttpCall call;
    call.method = "GET";
    call.path = "/events";
    call.remote_address = "127.0.0.1";
    call.headers["cookie"] = cookie_;
    if (!last_event_id.empty()) call.headers["last-event-id"] = last_event_id;
    for (const HttpRoute& route : routes_) {
      if (route.method == "GET" && std::regex_match(call.path, std::regex(route.pattern))) return route.handler(call);
    }
    return HttpReply{};
  }
  // Opens the live feed and runs its stream `rounds` times; returns everything written.
  std::string Stream(const std::string& last_event_id, int rounds) {
    HttpReply reply = OpenFeed(last_event_id);
    EXPECT_TRUE(reply.stream != nullptr);
    std::string out;
    for (int i = 0; i < rounds && reply.stream; ++i) {
      if (!reply.stream([&out](const std::string& chunk) {
            out += chunk;
            return true;
          })) {
        break;
      }
    }
    return out;
  }
  // Signs in and keeps the session cookie; returns the CSRF token of the session.
  std::string SignIn(const std::string& user, const std::string& password, const std::string& remote = "127.0.0.1") {
    cookie_.clear();
    Answer form = Call("GET", "/login", {}, {}, remote);
    std::smatch m;
    const std::string set_cookie = form.Header("Set-Cookie");
    EXPECT_TRUE(std::regex_search(set_cookie, m, std::regex("hosho_signin=([^;]+)")));
    const std::string token = m[1].str();
    Answer done = Call("POST", "/login", {{"signin_token", token}, {"username", user}, {"password", password}},
                       {{"cookie", "hosho_signin=" + token}}, remote);
    last_signin_status_ = done.status;
    if (done.status != 303) return "";
    const std::string session = done.Header("Set-Cookie");
    if (!std::regex_search(session, m, std::regex("hosho_session=([^;]+)"))) return "";
    cookie_ = "hosho_session=" + m[1].str();
    Answer page = Call("GET", "/");
    EXPECT_TRUE(std::regex_search(page.body, m, std::regex(R"re(name="csrf" value="([^"]+)")re")));
    return m[1].str();
  }

  ConsoleDeps deps_{};
  ConsoleOptions options_;
  int last_signin_status_ = 0;
  static testing::RedisServer* server_;
  static std::vector<std::string>* hashes_;
  FakeClock clock_{absl::FromUnixSeconds(1'790'000'000)};
  std::unique_ptr<RedisClient> redis_;
  std::unique_ptr<RedisCaseStore> cases_;
  std::unique_ptr<FakeSessionStore> sessions_;
  std::unique_ptr<RedisRateLimiter> name_limiter_;
  std::unique_ptr<RedisRateLimiter> address_limiter_;
  std::unique_ptr<AccountBook> accounts_;
  std::unique_ptr<Sealer> sealer_;
  std::string blob_dir_;
  std::unique_ptr<SealedFileBlobStore> blobs_;
  FakeConsoleBackends backends_;
  LiveFeed feed_;
  std::unique_ptr<OverviewSource> overview_;
  std::unique_ptr<ConsoleApp> app_;
  std::vector<HttpRoute> routes_;
  std::string cookie_;
  std::string sha_;
};
testing::RedisServer* ConsoleAppTest::server_ = nullptr;
std::vector<std::string>* ConsoleAppTest::hashes_ = nullptr;

TEST_F(ConsoleAppTest, TheFeedResumesAfterItsOwnEventIdAndStartsOverOnAnotherReplicasId) {
  ASSERT_FALSE(SignIn("keiyaku", "pw-keiyaku").empty());
  for (const char* id : {"A", "B", "C"}) {
    FeedItem item;
    item.case_id = id;
    item.event_id = std::string(id) + ":e";
    item.office = "contract-division";
    item.state = "ROUTED";
    feed_.Publish(item);
  }
  const std::string e = feed_.epoch();
  // A new page: the backlog, each event with this replica's id.
  std::string first = Stream("", 1);
  EXPECT_NE(first.find("retry: "), std::string::npos);
  for (int seq = 1; seq <= 3; ++seq) {
    EXPECT_NE(first.find(absl::StrCat("id: ", e, ".", seq, "\n")), std::string::npos) << first;
  }
  FeedItem d;
  d.case_id = "D";
  d.event_id = "D:e";
  d.office = "contract-division";
  d.state = "ROUTED";
  feed_.Publish(d);
  // A reconnect to the same replica resumes after the id: only D.
  std::string resumed = Stream(absl::StrCat(e, ".3"), 1);
  EXPECT_NE(resumed.find(absl::StrCat("id: ", e, ".4\n")), std::string::npos) << resumed;
  EXPECT_EQ(resumed.find("\"case_id\":\"C\""), std::string::npos) << resumed;
  // An id another replica (or a restarted one) gave: the backlog again, not a resume at "3".
  std::string elsewhere = Stream("other-replica.3", 1);
  EXPECT_NE(elsewhere.find("\"case_id\":\"A\""), std::string::npos) << elsewhere;
  EXPECT_NE(elsewhere.find("\"case_id\":\"D\""), std::string::npos) << elsewhere;
}

TEST_F(ConsoleAppTest, OpenFeedsAreCappedSoThatPagesKeepAWorkerAndASlotReturnsWhenAFeedEnds) {
  ASSERT_FALSE(SignIn("keiyaku", "pw-keiyaku").empty());
  auto open = [this]() { return OpenFeed(); };
  auto first = std::make_unique<HttpReply>(open());
  auto second = std::make_unique<HttpReply>(open());
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(second->status, 200);
  HttpReply third = open();
  EXPECT_EQ(third.status, 503) << "the cap (2 here) is reached";
  EXPECT_EQ(third.stream, nullptr);
  bool retry_after = false;
  for (const auto& [name, value] : third.headers) retry_after |= name == "Retry-After";
  EXPECT_TRUE(retry_after);
  // Pages still answer while the feeds are open.
  EXPECT_EQ(Call("GET", "/").status, 200);
  first.reset();  // the server drops a finished stream: its slot comes back
  EXPECT_EQ(open().status, 200);
}

TEST_F(ConsoleAppTest, SignedOutPagesRedirectToSignInAndBackToALocalPathOnly) {
  Answer page = Call("GET", "/cases/C1");
  EXPECT_EQ(page.status, 303);
  EXPECT_EQ(page.Header("Location"), "/login?next=%2Fcases%2FC1");
  EXPECT_EQ(Call("GET", "/events").status, 401);
  // An open redirect through ?next= is refused.
  Answer form = Call("GET", "/login", {{"next", "//evil.example/"}});
  EXPECT_NE(form.body.find(R"(name="next" value="/")"), std::string::npos);
  // Browsers drop a tab or a line break from a Location and then follow "//host": only the
  // console's own pages come back.
  for (const char* target : {"/\t/evil.example", "/\n/evil.example", "/%09/evil.example", "/%2F%2Fevil.example",
                             "/cases/../../evil", "/nowhere", "/cases/C1#x", "/\x01"}) {
    EXPECT_EQ(Call("GET", "/lang/ja", {{"back", target}}).Header("Location"), "/") << target;
    Answer again = Call("GET", "/login", {{"next", target}});
    EXPECT_NE(again.body.find(R"(name="next" value="/")"), std::string::npos) << target;
  }
  EXPECT_EQ(Call("GET", "/lang/ja", {{"back", "/tasks/HS-1?claimed=1"}}).Header("Location"), "/tasks/HS-1?claimed=1");
}

TEST_F(ConsoleAppTest, SignInNeedsTheFormTokenAndTheRightPassword) {
  Answer no_token = Call("POST", "/login", {{"username", "keiyaku"}, {"password", "pw-keiyaku"}});
  EXPECT_EQ(no_token.status, 401);
  EXPECT_EQ(no_token.Header("Location"), "");
  EXPECT_TRUE(SignIn("keiyaku", "wrong").empty());
  const std::string csrf = SignIn("keiyaku", "pw-keiyaku");
  EXPECT_FALSE(csrf.empty());
  Answer overview = Call("GET", "/");
  EXPECT_EQ(overview.status, 200);
  EXPECT_TRUE(absl::StrContains(overview.body, "契約（contract-division・職員）")) << "no office directory: codes";
  EXPECT_TRUE(absl::StrContains(overview.Header("Content-Security-Policy"), "script-src 'self'"));
  EXPECT_EQ(overview.Header("Cache-Control"), "no-store");
  // Sign-out ends the session.
  EXPECT_EQ(Call("POST", "/logout", {{"csrf", csrf}}).status, 303);
  EXPECT_EQ(Call("GET", "/").status, 303);
}

// A password typed into the user-name box never reaches the log or a Redis key name (before: both).
TEST_F(ConsoleAppTest, APasswordTypedAsTheUserNameIsNeitherLoggedNorAKey) {
  ::testing::internal::CaptureStdout();
  EXPECT_TRUE(SignIn("pw-keiyaku", "pw-keiyaku").empty());
  EXPECT_TRUE(SignIn("Secret-Typed-Here-9", "x").empty());
  const std::string log = ::testing::internal::GetCapturedStdout();
  EXPECT_FALSE(absl::StrContains(log, "pw-keiyaku")) << log;
  EXPECT_FALSE(absl::StrContains(log, "Secret-Typed-Here-9")) << log;
  EXPECT_TRUE(absl::StrContains(log, "(unknown name)")) << "the attempt is still logged";
  auto keys = redis_->Command({"KEYS", "*"});
  ASSERT_TRUE(keys.ok());
  int address_keys = 0;
  for (const auto& k : keys->elements) {
    EXPECT_FALSE(absl::StrContains(k.str, "pw-keiyaku")) << k.str;
    EXPECT_FALSE(absl::StrContains(k.str, "Secret-Typed-Here-9")) << k.str;
    address_keys += absl::StrContains(k.str, "console-signin-from:") ? 1 : 0;
  }
  EXPECT_EQ(address_keys, 1) << "the attempts count against the client address";
  EXPECT_FALSE(SignIn("keiyaku", "pw-keiyaku").empty()) << "a real account still signs in";
}

// Wrong passwords for a clerk's name from one address use up that address's attempts only: the clerk
// signs in from another (before: the name itself was locked for 15 minutes, right password or not).
TEST_F(ConsoleAppTest, GuessingFromOneAddressDoesNotLockTheClerkOutElsewhere) {
  RedisRateLimiter three_per_name(redis_.get(), &clock_, 3, absl::Minutes(15));
  deps_.signin_limiter = &three_per_name;
  app_ = std::make_unique<ConsoleApp>(deps_, options_);
  routes_ = app_->Routes();
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(SignIn("keiyaku", "guess", "198.51.100.7").empty());
    EXPECT_EQ(last_signin_status_, 401) << "attempt " << i;
  }
  EXPECT_TRUE(SignIn("keiyaku", "pw-keiyaku", "198.51.100.7").empty()) << "the guessing address is held off";
  EXPECT_EQ(last_signin_status_, 429);
  EXPECT_FALSE(SignIn("keiyaku", "pw-keiyaku", "192.0.2.20").empty()) << "the clerk's own desk still signs in";
  EXPECT_TRUE(SignIn("suido", "guess", "198.51.100.7").empty());
  EXPECT_EQ(last_signin_status_, 401) << "another name from that address has its own budget";
}

// One IPv6 /64 is one place: hopping between its 2^64 addresses buys no new guesses.
TEST_F(ConsoleAppTest, GuessingFromAnIPv6NetworkIsOneBudgetWhateverTheAddress) {
  RedisRateLimiter three_per_name(redis_.get(), &clock_, 3, absl::Minutes(15));
  deps_.signin_limiter = &three_per_name;
  app_ = std::make_unique<ConsoleApp>(deps_, options_);
  routes_ = app_->Routes();
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(SignIn("keiyaku", "guess", absl::StrCat("2001:db8:7:1::", i + 1)).empty());
    EXPECT_EQ(last_signin_status_, 401) << "attempt " << i;
  }
  EXPECT_TRUE(SignIn("keiyaku", "pw-keiyaku", "2001:db8:7:1:dead:beef::42").empty()) << "the same /64";
  EXPECT_EQ(last_signin_status_, 429);
  EXPECT_FALSE(SignIn("keiyaku", "pw-keiyaku", "2001:db8:7:2::1").empty()) << "another network still signs in";
}

TEST_F(ConsoleAppTest, FormsWithoutTheSessionTokenOrFromAnotherOriginAreRefused) {
  const std::string csrf = SignIn("keiyaku", "pw-keiyaku");
  EXPECT_EQ(Call("POST", "/tasks/C1/claim").status, 403);
  EXPECT_EQ(Call("POST", "/tasks/C1/claim", {{"csrf", csrf + "x"}}).status, 403);
  EXPECT_EQ(Call("POST", "/tasks/C1/claim", {{"csrf", csrf}},
                 {{"origin", "https://evil.example"}, {"host", "console.city.example"}})
                .status,
            403);
  EXPECT_TRUE(backends_.calls.empty());
  Answer ok = Call("POST", "/tasks/C1/claim", {{"csrf", csrf}},
                   {{"origin", "https://console.city.example"}, {"host", "console.city.example"}});
  EXPECT_EQ(ok.status, 303);
  ASSERT_EQ(backends_.calls.size(), 1u);
  // The owning service is called as the signed-in clerk, not as the console.
  EXPECT_EQ(backends_.calls[0], "ClaimTask keiyaku/clerk/contract-division C1");
}

TEST_F(ConsoleAppTest, AnotherOfficeLearnsNothingAboutTheCase) {
  SignIn("suido", "pw-suido");
  Answer page = Call("GET", "/cases/C1");
  EXPECT_EQ(page.status, 404);
  EXPECT_FALSE(absl::StrContains(page.body, "請求書.pdf"));
  EXPECT_EQ(Call("GET", absl::StrCat("/cases/C1/attachments/", sha_)).status, 404);
  EXPECT_EQ(Call("GET", "/tasks/C1").status, 404);
  SignIn("keiyaku", "pw-keiyaku");
  Answer mine = Call("GET", "/cases/C1");
  EXPECT_EQ(mine.status, 200);
  EXPECT_TRUE(absl::StrContains(mine.body, "請求書.pdf"));
  EXPECT_TRUE(absl::StrContains(mine.body, R"(id="form-conclude")")) << "ROUTED to conclude at 契約課";
}

TEST_F(ConsoleAppTest, AttachmentDownloadsAreRecordedOnTheCaseFirst) {
  SignIn("keiyaku", "pw-keiyaku");
  const size_t entries_before = cases_->Get("C1")->history.size();
  Answer file = Call("GET", absl::StrCat("/cases/C1/attachments/", sha_));
  ASSERT_EQ(file.status, 200) << file.body;
  EXPECT_EQ(file.body, "%PDF-1.4 invoice");
  EXPECT_TRUE(absl::StrContains(file.Header("Content-Disposition"), "attachment;"));
  auto record = cases_->Get("C1");
  ASSERT_TRUE(record.ok());
  ASSERT_EQ(record->history.size(), entries_before + 1);
  EXPECT_EQ(record->history.back().actor, "keiyaku");
  EXPECT_TRUE(absl::StrContains(record->history.back().reason, "添付ファイルをダウンロード: 請求書.pdf"));
  EXPECT_EQ(Call("GET", absl::StrCat("/cases/C1/attachments/", std::string(64, 'a'))).status, 404);
}

TEST_F(ConsoleAppTest, HandoffFormsCarryVersionAndNoteAndShowRefusals) {
  const std::string csrf = SignIn("keiyaku", "pw-keiyaku");
  Answer done = Call("POST", "/cases/C1/conclude", {{"csrf", csrf}, {"expected_version", "1"}, {"note", "締結"}});
  EXPECT_EQ(done.status, 303);
  EXPECT_EQ(done.Header("Location"), "/cases/C1?done=1");
  EXPECT_EQ(backends_.calls.back(), "Handoff keiyaku 0 C1 v1 締結");
  backends_.handoff_error =
      ViolationStatus(absl::StatusCode::kAborted, {{"expected_version", "VERSION_MISMATCH", "案件が更新されています"}});
  Answer stale = Call("POST", "/cases/C1/conclude", {{"csrf", csrf}, {"expected_version", "1"}});
  EXPECT_EQ(stale.status, 409);
  EXPECT_TRUE(absl::StrContains(stale.body, "案件が更新されています"));
  EXPECT_TRUE(absl::StrContains(stale.body, "VERSION_MISMATCH"));
}

TEST_F(ConsoleAppTest, CertificateFormValidatesBeforeCallingAndEscapesTheRevealedKey) {
  backends_.claimed_by = "keiyaku";
  const std::string csrf = SignIn("keiyaku", "pw-keiyaku");
  Answer bad = Call("POST", "/tasks/C1/certificate",
                    {{"csrf", csrf},
                     {"outcome", "certificate"},
                     {"guarantee_number", "DS-1"},
                     {"kind", "GUARANTEE_KIND_CONTRACT"},
                     {"issuer", "ISSUER_AIG"},
                     {"contract_price_yen", "12a"},
                     {"period_start", "2026/13/01"}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_TRUE(absl::StrContains(bad.body, R"(id="error-contract_price_yen")"));
  EXPECT_TRUE(absl::StrContains(bad.body, R"(id="error-period_start")"));
  EXPECT_TRUE(absl::StrContains(bad.body, R"(id="error-beneficiary")"));
  EXPECT_TRUE(absl::StrContains(bad.body, R"(value="DS-1")")) << "what was typed is kept";
  EXPECT_TRUE(std::none_of(backends_.calls.begin(), backends_.calls.end(),
                           [](const std::string& c) { return absl::StartsWith(c, "Record"); }));
  Answer good = Call("POST", "/tasks/C1/certificate",
                     {{"csrf", csrf},
                      {"outcome", "certificate"},
                      {"guarantee_number", "DS-1"},
                      {"kind", "GUARANTEE_KIND_CONTRACT"},
                      {"issuer", "ISSUER_AIG"},
                      {"beneficiary", "みなと市長"},
                      {"contractor_name", "株式会社"},
                      {"project_name", "工事"},
                      {"contract_price_yen", "48,000,000"},
                      {"period_start", "2026-12-01"},
                      {"period_end", "2027-03-19"},
                      {"issue_date", "2026-11-20"}});
  EXPECT_EQ(good.status, 200) << good.body;
  EXPECT_EQ(backends_.calls.back(), "Record keiyaku 48000000");
  EXPECT_TRUE(absl::StrContains(good.body, R"(data-state="VERIFIED")"));
  Answer revealed = Call("POST", "/tasks/C1/reveal", {{"csrf", csrf}, {"reason", "確認"}});
  EXPECT_TRUE(absl::StrContains(revealed.body, "KEY-&lt;script&gt;"));
  EXPECT_EQ(revealed.Header("Cache-Control"), "no-store");
}

TEST_F(ConsoleAppTest, TrustedProxyNamesTheUserOnlyFromItsAddressAndOnlyForKnownAccounts) {
  const std::map<std::string, std::string> header = {{"x-forwarded-user", "proxied-op"}};
  Answer spoofed = Call("GET", "/", {}, header, "192.0.2.10");
  EXPECT_EQ(spoofed.status, 303) << "the header from elsewhere is ignored";
  Answer proxied = Call("GET", "/", {}, header, "10.0.0.5");
  EXPECT_EQ(proxied.status, 200);
  EXPECT_TRUE(absl::StrContains(proxied.Header("Set-Cookie"), "hosho_session="));
  EXPECT_EQ(Call("GET", "/", {}, {{"x-forwarded-user", "stranger"}}, "10.0.0.5").status, 403);
}

TEST_F(ConsoleAppTest, OverviewCountsInFlightCasesDlqAndConnectorsForOperators) {
  SignIn("keiyaku", "pw-keiyaku");
  Answer page = Call("GET", "/");
  EXPECT_TRUE(absl::StrContains(page.body, R"(<tr data-state="ROUTED">)")) << page.body;
  EXPECT_TRUE(absl::StrContains(page.body, R"(data-office="contract-division">1<)"));
  EXPECT_TRUE(absl::StrContains(page.body, R"(<div class="figure">2</div>)")) << "DLQ backlog";
  EXPECT_TRUE(absl::StrContains(page.body, "停止中"));
  Answer json = Call("GET", "/api/overview");
  EXPECT_TRUE(absl::StrContains(json.body, R"({"state":"ROUTED","office":"contract-division","count":1})"))
      << json.body;
  EXPECT_TRUE(absl::StrContains(json.body, R"("hosho.submissions.v1.dlq":2)"));
}

TEST_F(ConsoleAppTest, OverviewCountsEndedCasesByFinalStateAndOfficeWithinTheViewersScope) {
  EndCase("C2", "contract-division", "WITHDRAWN");
  EndCase("C3", "water-sewerage-policy", "CLOSED");
  SignIn("keiyaku", "pw-keiyaku");
  Answer page = Call("GET", "/");
  const size_t ended = page.body.find(R"(<table id="ended">)");
  ASSERT_NE(ended, std::string::npos) << page.body;
  const std::string table = page.body.substr(ended, page.body.find("</table>", ended) - ended);
  EXPECT_TRUE(absl::StrContains(table, R"(<tr data-state="WITHDRAWN">)")) << table;
  EXPECT_TRUE(absl::StrContains(table, R"(data-office="contract-division">1<)")) << table;
  EXPECT_FALSE(absl::StrContains(table, "CLOSED")) << "another office's ended case: " << table;
  // The in-flight table does not count them.
  const std::string in_flight = page.body.substr(0, ended);
  EXPECT_FALSE(absl::StrContains(in_flight, R"(<tr data-state="WITHDRAWN">)"));
  Answer json = Call("GET", "/api/overview");
  EXPECT_TRUE(absl::StrContains(json.body, R"("ended":[{"state":"WITHDRAWN","office":"contract-division","count":1}])"))
      << json.body;
}

TEST_F(ConsoleAppTest, SearchFindsExactNumbersAndAnOfficesEndedCasesBeyondTheRecentOnes) {
  EndCase("C7", "contract-division", "CLOSED");
  // Five hundred newer cases push C7 out of the recent window the free search scans.
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE(
        cases_->Apply(Received(absl::StrCat("N", i), "water-sewerage-policy", clock_.Now() + absl::Seconds(i + 1)))
            .ok());
  }
  SignIn("keiyaku", "pw-keiyaku");
  auto found = [&](std::map<std::string, std::string> params) {
    return absl::StrContains(Call("GET", "/cases", params).body, R"(<tr data-case-id="C7">)");
  };
  EXPECT_TRUE(found({{"q", "DS-C7"}})) << "by guarantee number";
  EXPECT_TRUE(found({{"q", "K-C7"}})) << "by contract id";
  EXPECT_TRUE(found({{"office", "contract-division"}, {"state", "CLOSED"}})) << "the office's ended cases";
  EXPECT_FALSE(found({{"state", "CLOSED"}})) << "without an office, only the recent cases are scanned";
  // Scope still applies: 上下水道事業政策課 finds nothing of 契約課's.
  SignIn("suido", "pw-suido");
  EXPECT_FALSE(found({{"q", "DS-C7"}}));
}

TEST_F(ConsoleAppTest, LanguageSwitchSetsACookieAndReturnsToTheLocalPage) {
  Answer lang = Call("GET", "/lang/en", {{"back", "/cases?state=ROUTED"}});
  EXPECT_EQ(lang.status, 303);
  EXPECT_EQ(lang.Header("Location"), "/cases?state=ROUTED");
  EXPECT_TRUE(absl::StrContains(lang.Header("Set-Cookie"), "hosho_lang=en"));
  EXPECT_EQ(Call("GET", "/lang/en", {{"back", "https://evil.example/"}}).Header("Location"), "/");
  Answer login = Call("GET", "/login", {}, {{"cookie", "hosho_lang=en"}});
  EXPECT_TRUE(absl::StrContains(login.body, "<h1>Sign in</h1>"));
}

}  // namespace
}  // namespace hosho
