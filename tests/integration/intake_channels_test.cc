// Every way a guarantee reaches intake, against its real counterpart: an HTTP client posting
// to the web form webhook (good and bad signatures, malformed bodies), the form's CSV export in
// Shift_JIS and UTF-8 with broken rows, the contract registry's CSV import, and mail that
// dovecot serves over IMAP. The binaries are the real ones, started by the stack launcher.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "services/common/crypto/sealing.h"
#include "services/common/http/http_server.h"
#include "services/common/mail/mail.h"
#include "services/common/redis/redis_client.h"
#include "services/common/runtime/clock.h"
#include "services/common/runtime/errors.h"
#include "services/hoshoctl/client.h"
#include "services/intake/webhook.h"
#include "services/stack/stack.h"
#include "tests/support/await.h"
#include "tests/support/fixtures.h"
#include "tests/support/redis_server.h"

namespace hosho {
namespace {

namespace fs = std::filesystem;

using testing::ReadFileBytes;
std::string Source(const std::string& relative) { return testing::SourceFile(relative); }

constexpr int kSubmissionsPerMinute = 200;

class IntakeChannelsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    StackOptions options = testing::TestStackOptions("hosho-channels");
    options.submissions_per_minute = kSubmissionsPerMinute;  // small enough for an import to reach it
    auto stack = Stack::Start(options);
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = stack->release();
    run_dir_ = new std::string(options.run_dir);
    endpoints_ = new Endpoints(*EndpointsFromStackFile(options.run_dir + "/stack.yaml"));
    client_ = HoshoClient::Connect(*endpoints_)->release();
    RedisOptions ro;
    ro.port = stack_->endpoints().redis_port;
    redis_ = RedisClient::Create(ro, &RealClock())->release();
    // The contracts arrive as a Shift_JIS (CP932) export of the city's contract system.
    ASSERT_TRUE(client_->ActAs("city-contract-system").ok());
    auto report = client_->ImportContractsCsv(Source("tests/data/csv/contracts-cp932.csv"));
    ASSERT_TRUE(report.ok()) << report.status();
    ASSERT_EQ(report->encoding(), "CP932");
    ASSERT_EQ(report->accepted(), 6);
  }
  static void TearDownTestSuite() {
    delete redis_;
    delete client_;
    delete endpoints_;
    delete stack_;
    if (run_dir_ != nullptr) fs::remove_all(*run_dir_);
    delete run_dir_;
  }

  static std::string Secret() {
    std::ifstream in(stack_->endpoints().webhook_secret_file);
    std::string s;
    std::getline(in, s);
    return s;
  }
  static std::pair<int, std::string> Post(const std::string& body, int64_t at, const std::string& secret,
                                          const std::string& content_type = "application/json") {
    auto posted =
        HttpPost("127.0.0.1", stack_->endpoints().webhook_port, "/webhooks/form",
                 {{"X-Hosho-Timestamp", std::to_string(at)}, {"X-Hosho-Signature", WebhookSignature(secret, at, body)}},
                 body, content_type);
    EXPECT_TRUE(posted.ok()) << posted.status();
    return posted.ok() ? *posted : std::make_pair(0, std::string());
  }
  static std::pair<int, std::string> PostSigned(const std::string& body) {
    return Post(body, absl::ToUnixSeconds(absl::Now()), Secret());
  }
  // What a refusal must leave untouched: cases, their receipts and idempotency keys, blobs.
  static std::string SystemState() {
    auto cases = redis_->Command({"ZCARD", "cases:recent"});
    auto receipts = redis_->Command({"KEYS", "receipt:*"});
    auto idem = redis_->Command({"KEYS", "idem:*"});
    size_t blobs = 0;
    for (const auto& e : fs::recursive_directory_iterator(*run_dir_ + "/blobs")) blobs += e.is_regular_file() ? 1 : 0;
    return absl::StrCat("cases=", cases.ok() ? cases->integer : -1,
                        " receipts=", receipts.ok() ? receipts->elements.size() : 0,
                        " idem=", idem.ok() ? idem->elements.size() : 0, " blobs=", blobs);
  }
  static std::string CaseIdOf(const std::string& json) {
    const std::string marker = "\"case_id\":\"";
    const size_t at = json.find(marker);
    return at == std::string::npos ? "" : json.substr(at + marker.size(), 24);
  }
  static std::string CodeOf(const std::string& json) {
    const std::string marker = "\"code\":\"";
    const size_t at = json.find(marker);
    if (at == std::string::npos) return "";
    const size_t start = at + marker.size();
    return json.substr(start, json.find('"', start) - start);
  }

  // The stack's development mailbox (Dovecot), as intake reads it.
  static std::unique_ptr<Mailbox> OpenInbox() {
    ImapOptions imap;
    imap.url = absl::StrCat("imap://127.0.0.1:", stack_->endpoints().imap_port, "/INBOX");
    imap.username = stack_->endpoints().mail_user;
    imap.password = ReadFileBytes(*run_dir_ + "/mail/password");
    imap.password.pop_back();
    return *OpenImapMailbox(imap);
  }

  // Every message in the mailbox handled by intake (its keyword set).
  static bool AllHandled(Mailbox& mailbox) {
    return testing::AwaitUntil(
        [&] {
          auto open = mailbox.ListWithout("$HoshoDone");
          return open.ok() && open->empty();
        },
        absl::Seconds(30));
  }

  static Stack* stack_;
  static std::string* run_dir_;
  static Endpoints* endpoints_;
  static HoshoClient* client_;
  static RedisClient* redis_;
};

Stack* IntakeChannelsTest::stack_ = nullptr;
std::string* IntakeChannelsTest::run_dir_ = nullptr;
Endpoints* IntakeChannelsTest::endpoints_ = nullptr;
HoshoClient* IntakeChannelsTest::client_ = nullptr;
RedisClient* IntakeChannelsTest::redis_ = nullptr;

TEST_F(IntakeChannelsTest, ContractImportIsHarmlessTwiceAndRecordsAmendments) {
  ASSERT_TRUE(client_->ActAs("city-contract-system").ok());
  auto again = client_->ImportContractsCsv(Source("tests/data/csv/contracts-cp932.csv"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->unchanged(), 6);
  EXPECT_EQ(again->accepted(), 0);
  // The same contracts in UTF-8 with a price increase on one row (増額), and bad rows.
  std::string csv = Source("deploy/demo/contracts.csv");
  const size_t at = csv.find("12,000,000");
  ASSERT_NE(at, std::string::npos);
  csv.replace(at, 10, "13,200,000");
  csv +=
      "K-BAD-1,\"R8-1'; DROP TABLE "
      "contracts;--\",工事,場所,contract-division,parks,建設工事,業者,住所,代表,a@b.example,"
      "1000000,いいえ,2027-01-01,2027-02-01,いいえ,0,みなと市長\r\n";
  csv +=
      "K-BAD-2,R8-X-2,\"=HYPERLINK(\"\"http://evil.example\"\")\",場所,contract-division,parks,建設工事,業者,住所,"
      "代表,a@b.example,1000000,いいえ,2027-01-01,2027-02-01,いいえ,0,みなと市長\r\n";
  csv +=
      "K-BAD-3,R8-X-3,工事,場所,contract-division,parks,建設工事,業者,住所,代表,a@b.example,1000000,いいえ,"
      "2027-02-30,2027-03-01,いいえ,0,みなと市長\r\n";
  auto report = client_->ImportContractsCsv(csv);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->encoding(), "UTF-8");
  EXPECT_EQ(report->accepted(), 1) << "only the amended contract is a new version";
  EXPECT_EQ(report->unchanged(), 5);
  ASSERT_EQ(report->refused(), 3);
  std::vector<std::string> codes;
  for (const auto& row : report->rows()) {
    if (row.outcome() == hosho::v1::ImportRow::OUTCOME_REFUSED) codes.push_back(row.violations(0).code());
  }
  EXPECT_EQ(codes, (std::vector<std::string>{"CONTRACT_NUMBER_INVALID", "TEXT_FORMULA", "DATE_INVALID"}));
  EXPECT_NE(report->report_csv().find("CONTRACT_NUMBER_INVALID"), std::string::npos);
  EXPECT_EQ(report->report_csv().substr(0, 3), "\xEF\xBB\xBF") << "the report opens in Excel";
  ASSERT_TRUE(client_->ActAs("operator").ok());
  auto amended = client_->GetContract("K-2026-0005");
  ASSERT_TRUE(amended.ok()) << amended.status();
  EXPECT_EQ(amended->version(), 2);
  EXPECT_EQ(amended->price_yen(), 13'200'000);
  ASSERT_EQ(amended->amendments_size(), 1);
  EXPECT_EQ(amended->amendments(0).price_yen(), 13'200'000);
}

TEST_F(IntakeChannelsTest, WebhookAcceptsAGoodSignatureOnceAndRefusesEveryBadOne) {
  const std::string body = Source("deploy/demo/channels/form-webhook.json");
  auto first = PostSigned(body);
  ASSERT_EQ(first.first, 200) << first.second;
  const std::string case_id = CaseIdOf(first.second);
  ASSERT_FALSE(case_id.empty());
  auto again = PostSigned(body);
  EXPECT_EQ(again.first, 200);
  EXPECT_EQ(CaseIdOf(again.second), case_id);
  EXPECT_NE(again.second.find("\"replayed\":true"), std::string::npos);

  const std::string before = SystemState();
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  auto wrong_key = Post(body, now, "not-the-secret");
  EXPECT_EQ(wrong_key.first, 401);
  EXPECT_EQ(CodeOf(wrong_key.second), "SIGNATURE_INVALID");
  auto stale = Post(body, now - 3600, Secret());
  EXPECT_EQ(stale.first, 401);
  EXPECT_EQ(CodeOf(stale.second), "SIGNATURE_EXPIRED");
  auto unsigned_post =
      HttpPost("127.0.0.1", stack_->endpoints().webhook_port, "/webhooks/form", {}, body, "application/json");
  ASSERT_TRUE(unsigned_post.ok());
  EXPECT_EQ(unsigned_post->first, 401);
  EXPECT_EQ(CodeOf(unsigned_post->second), "SIGNATURE_MISSING");
  // A body changed after signing.
  auto tampered = HttpPost(
      "127.0.0.1", stack_->endpoints().webhook_port, "/webhooks/form",
      {{"X-Hosho-Timestamp", std::to_string(now)}, {"X-Hosho-Signature", WebhookSignature(Secret(), now, body)}},
      absl::StrReplaceAll(body, {{"DS-26-000104", "DS-26-000999"}}), "application/json");
  ASSERT_TRUE(tampered.ok());
  EXPECT_EQ(tampered->first, 401);
  EXPECT_EQ(SystemState(), before) << "nothing changed";
}

TEST_F(IntakeChannelsTest, MalformedWebhookBodiesGetPreciseRefusalsAndChangeNothing) {
  const std::string body = Source("deploy/demo/channels/form-webhook.json");
  ASSERT_EQ(PostSigned(body).first, 200);  // whatever else ran, this receipt exists now
  const std::string before = SystemState();
  struct Case {
    const char* name;
    std::string body;
    int status;
    const char* code;
  };
  const std::string answers =
      R"("answers": {"工事番号": "R8-道路-0004", "保証の種類": "契約保証", "保証会社名": "東日本建設業保証", )"
      R"("保証契約番号": "DS-26-000888", "認証キー": "PLANTED-AK-MAL-01")";
  const std::vector<Case> cases = {
      {"truncated JSON", body.substr(0, body.size() / 2), 400, "JSON_INVALID"},
      {"not an object", "[1, 2, 3]", 400, "JSON_NOT_OBJECT"},
      {"answers of the wrong type", R"({"receipt_number": "LF-9-1", "answers": ["工事番号"]})", 400, "ANSWERS_MISSING"},
      {"a value of the wrong type", R"({"receipt_number": "LF-9-2", "answers": {"工事番号": {"x": 1}}})", 400,
       "FIELD_TYPE_INVALID"},
      {"no receipt number", absl::StrCat("{", answers, "}}"), 400, "RECEIPT_MISSING"},
      {"invalid UTF-8", "{\"receipt_number\": \"LF-9-3\", \"answers\": {\"\xff\xfe\": \"x\"}}", 400,
       "TEXT_INVALID_UTF8"},
      {"a control character in a name",
       absl::StrCat(
           R"({"receipt_number": "LF-9-4", "answers": {"工事番号": "R8-道路-0004", "保証の種類": "契約保証", )",
           R"("保証会社名": "東日本建設業保証\u001b[2J", "保証契約番号": "DS-26-000889", "認証キー": "PLANTED-AK-MAL-02"}})"),
       422, "TEXT_CONTROL_CHARACTERS"},
      {"SQL in the receipt number", absl::StrCat(R"({"receipt_number": "LF-1'; DROP TABLE cases;--", )", answers, "}}"),
       422, "RECEIPT_INVALID"},
      {"a formula as the contract number",
       R"({"receipt_number": "LF-9-5", "answers": {"工事番号": "=cmd|' /C calc'!A0", "保証の種類": "契約保証", "保証会社名": "東日本建設業保証", "保証契約番号": "DS-26-000890", "認証キー": "PLANTED-AK-MAL-03"}})",
       422, "R03_CONTRACT_NOT_FOUND"},
      {"a PDF that is not one",
       absl::StrCat(
           R"({"receipt_number": "LF-9-6", )", answers,
           R"(}, "files": [{"label": "請求書", "filename": "a.pdf", "content_type": "application/pdf", "data_base64": ")",
           absl::Base64Escape("MZ not a pdf"), "\"}]}"),
       422, "ATTACHMENT_NOT_PDF"},
      {"10 MB body", absl::StrCat(R"({"receipt_number": "LF-9-7", "pad": ")", std::string(10 << 20, 'x'), "\"}"), 413,
       "BODY_TOO_LARGE"},
  };
  for (const Case& c : cases) {
    auto reply = PostSigned(c.body);
    EXPECT_EQ(reply.first, c.status) << c.name << ": " << reply.second.substr(0, 300);
    EXPECT_EQ(CodeOf(reply.second), c.code) << c.name << ": " << reply.second.substr(0, 300);
    EXPECT_NE(reply.second.find("message_ja"), std::string::npos) << c.name;
  }
  auto wrong_type = Post(body, absl::ToUnixSeconds(absl::Now()), Secret(), "text/plain");
  EXPECT_EQ(wrong_type.first, 415);
  EXPECT_EQ(SystemState(), before) << "nothing changed";
}

TEST_F(IntakeChannelsTest, FormCsvExportsInUtf8AndShiftJisReportEveryRowAndImportTwiceHarmlessly) {
  ASSERT_EQ(PostSigned(Source("deploy/demo/channels/form-webhook.json")).first, 200);
  ASSERT_TRUE(client_->ActAs("operator").ok());
  auto utf8 = client_->ImportFormCsv(Source("tests/data/csv/form-export-utf8.csv"), "form-export-utf8.csv");
  ASSERT_TRUE(utf8.ok()) << utf8.status();
  EXPECT_EQ(utf8->encoding(), "UTF-8");
  EXPECT_EQ(utf8->accepted(), 1) << "LF-2026-000502";
  EXPECT_EQ(utf8->unchanged(), 1) << "LF-2026-000501 came by webhook";
  EXPECT_EQ(utf8->refused(), 2);
  std::map<std::string, std::string> code_by_line;
  std::string new_case;
  for (const auto& row : utf8->rows()) {
    if (row.outcome() == hosho::v1::ImportRow::OUTCOME_REFUSED) {
      code_by_line[std::to_string(row.line())] = row.violations(0).code();
    }
    if (row.outcome() == hosho::v1::ImportRow::OUTCOME_ACCEPTED) new_case = row.case_id();
  }
  EXPECT_EQ(code_by_line["5"], "R02_BANK_NOT_ELIGIBLE");
  EXPECT_EQ(code_by_line["6"], "CSV_ROW_BROKEN");
  // The same export from Excel in Shift_JIS: every row already seen, nothing new.
  const std::string before = SystemState();
  auto sjis = client_->ImportFormCsv(Source("deploy/demo/channels/form-export.csv"), "form-export.csv");
  ASSERT_TRUE(sjis.ok()) << sjis.status();
  EXPECT_EQ(sjis->encoding(), "CP932");
  EXPECT_EQ(sjis->accepted(), 0);
  EXPECT_EQ(sjis->unchanged(), 2);
  EXPECT_EQ(sjis->refused(), 2);
  EXPECT_EQ(SystemState(), before);
  // The new case carries the normalized receipt number and the full-width amount as a number.
  auto c = client_->GetCase(new_case);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->source_receipt(), "LF-2026-000502");
  EXPECT_EQ(c->amount_yen(), 36'000'000);
  EXPECT_EQ(c->channel(), hosho::v1::CHANNEL_WEB_FORM);
  // Neither UTF-8 nor Shift_JIS: refused as a whole.
  auto garbage = client_->ImportFormCsv(std::string("\x80\x80\xff\xfe\x81", 5), "garbage.csv");
  EXPECT_TRUE(absl::IsInvalidArgument(garbage.status()));
  EXPECT_EQ(ViolationsOf(garbage.status()).front().code, "CSV_ENCODING_INVALID");
  // Each row counts against the sender's budget: a file of more rows than it holds is refused as a
  // whole and records nothing (before, 200 rows went in while the counter read 1).
  const std::string one = Source("tests/data/csv/form-export-utf8.csv");
  const std::string header = one.substr(0, one.find('\n') + 1);
  std::string big = header;
  const std::string row = one.substr(header.size(), one.find('\n', header.size()) + 1 - header.size());
  for (int i = 0; i <= kSubmissionsPerMinute; ++i) big += row;
  const std::string before_big = SystemState();
  auto too_many = client_->ImportFormCsv(big, "too-many.csv");
  EXPECT_TRUE(absl::IsResourceExhausted(too_many.status())) << too_many.status();
  ASSERT_FALSE(ViolationsOf(too_many.status()).empty());
  EXPECT_EQ(ViolationsOf(too_many.status()).front().code, "RATE_LIMITED");
  EXPECT_EQ(SystemState(), before_big);
  EXPECT_TRUE(client_->ImportFormCsv(one, "form-export-utf8.csv").ok()) << "a refused file used none of the budget";
}

TEST_F(IntakeChannelsTest, TheSameGuaranteeThroughAnotherChannelIsRecordedOnTheFirstCase) {
  auto first = PostSigned(Source("deploy/demo/channels/form-webhook.json"));
  ASSERT_EQ(first.first, 200);
  const std::string case_id = CaseIdOf(first.second);
  ASSERT_TRUE(client_->ActAs("demo-submitter").ok());
  hosho::v1::SubmitGuaranteeRequest r;
  r.set_client_request_id("api-dup-1");
  r.set_contract_id("K-2026-0004");
  r.set_kind(hosho::v1::GUARANTEE_KIND_CONTRACT);
  r.set_issuer_kind(hosho::v1::ISSUER_KIND_SURETY_COMPANY);
  r.set_issuer(hosho::v1::ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY);
  r.mutable_d_sure()->set_guarantee_number("DS-26-000104");
  r.mutable_d_sure()->set_authentication_key("PLANTED-AK-W-4a1f09c2e7");
  auto cases_before = redis_->Command({"ZCARD", "cases:recent"});
  auto dup = client_->Submit(r);
  ASSERT_TRUE(dup.ok()) << dup.status();
  EXPECT_TRUE(dup->duplicate());
  EXPECT_EQ(dup->case_id(), case_id);
  auto again = client_->Submit(r);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->case_id(), case_id);
  EXPECT_EQ(redis_->Command({"ZCARD", "cases:recent"})->integer, cases_before->integer) << "no case was created";
  // A contractor cannot reach the form's case by claiming its receipt number: its receipts are its own.
  auto claimed = r;
  claimed.set_client_request_id("api-claim-1");
  claimed.set_channel(hosho::v1::CHANNEL_WEB_FORM);
  claimed.set_source_receipt("LF-2026-000501");
  claimed.mutable_d_sure()->set_guarantee_number("DS-26-000555");
  claimed.mutable_d_sure()->set_authentication_key("PLANTED-AK-CLAIM-1");
  auto own = client_->Submit(claimed);
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_NE(own->case_id(), case_id);
  EXPECT_FALSE(own->replayed() || own->duplicate());
  ASSERT_TRUE(client_->ActAs("operator").ok());
  auto c = client_->GetCase(case_id);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->duplicate_count(), 1) << "recorded once, however often it is re-sent";
}

TEST_F(IntakeChannelsTest, MailFromDovecotBecomesCasesOnceAndRefusalsAreFlagged) {
  ASSERT_NE(endpoints_->dovecot_config, "");
  auto mailbox = OpenInbox();

  for (const char* file : {"tests/data/mail/notice-utf8.eml", "tests/data/mail/certificate-pdf.eml",
                           "tests/data/mail/bad-subject.eml", "deploy/demo/channels/mail-advance.eml"}) {
    ASSERT_TRUE(client_->DeliverMail(Source(file)).ok()) << file;
  }
  // Every message handled (keyword set), the two refusals flagged.
  ASSERT_TRUE(AllHandled(*mailbox));
  auto all = mailbox->ListWithout("$NoSuchKeyword");
  auto not_refused = mailbox->ListWithout("$HoshoRefused");
  ASSERT_TRUE(all.ok() && not_refused.ok());
  EXPECT_EQ(all->size() - not_refused->size(), 2u) << "R04 and the subject";
  auto r04 = mailbox->ListWithout("$Hosho_R04_CERTIFICATE_NOT_CREDENTIAL");
  ASSERT_TRUE(r04.ok());
  EXPECT_EQ(all->size() - r04->size(), 1u) << "the refusal's code is on the message";

  // The two good ones are cases with their PDFs sealed; the notice's key came from the Shift_JIS attachment.
  ASSERT_TRUE(client_->ActAs("operator").ok());
  hosho::v1::ListCasesRequest list;
  list.set_page_size(200);
  auto listed = client_->ListCases(list);
  ASSERT_TRUE(listed.ok());
  const std::string notice_receipt = "mail-" + Sha256Hex("notice-0004@midori-doboku.example").substr(0, 40);
  std::string notice_case;
  int mailed = 0;
  for (const auto& c : listed->cases()) {
    if (c.channel() != hosho::v1::CHANNEL_EMAIL) continue;
    ++mailed;
    if (c.source_receipt() == notice_receipt) notice_case = c.case_id();
  }
  EXPECT_EQ(mailed, 2);
  ASSERT_FALSE(notice_case.empty());
  auto c = client_->GetCase(notice_case);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->kind(), hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT);
  EXPECT_EQ(c->guarantee_number(), "DS-26-000107");
  EXPECT_EQ(c->amount_yen(), 12'320'000) << "full-width digits in the UTF-8 body";
  ASSERT_EQ(c->attachments_size(), 1);
  EXPECT_EQ(c->attachments(0).kind(), hosho::v1::AttachmentRef::KIND_INVOICE);
  EXPECT_EQ(c->attachments(0).filename(), "請求書.pdf");

  // The same message delivered again (a second copy, same Message-ID): nothing new.
  const std::string before = SystemState();
  ASSERT_TRUE(client_->DeliverMail(Source("tests/data/mail/notice-utf8.eml")).ok());
  ASSERT_TRUE(testing::AwaitUntil(
      [&] {
        auto open = mailbox->ListWithout("$HoshoDone");
        auto every = mailbox->ListWithout("$NoSuchKeyword");
        return open.ok() && open->empty() && every.ok() && every->size() == 5;
      },
      absl::Seconds(30)));
  EXPECT_EQ(SystemState(), before);
}

// Two mails without Message-ID, the same subject and sender, different guarantees: two cases, each
// key sealed and checked (before, the second was recorded as a duplicate of the first and its key
// dropped). The first delivered again is still nothing new.
TEST_F(IntakeChannelsTest, MailsWithoutMessageIdAreToldApartByTheirCredentialNotBySubjectAndSender) {
  auto mailbox = OpenInbox();
  const std::string demo = Source("deploy/demo/channels/mail-advance.eml");
  auto without_id = [&](const std::string& number, const std::string& key) {
    std::string m = absl::StrReplaceAll(demo, {{"DS-26-000106", number}, {"PLANTED-AK-M-6b0e3f9d21", key}});
    const size_t at = m.find("Message-ID:");
    m.erase(at, m.find('\n', at) - at + 1);
    return m;
  };
  const std::string first = without_id("DS-26-900106", "AK-NO-MESSAGE-ID-1");
  const std::string second = without_id("DS-26-900107", "AK-NO-MESSAGE-ID-2");
  ASSERT_TRUE(client_->DeliverMail(first).ok());
  ASSERT_TRUE(client_->DeliverMail(second).ok());
  ASSERT_TRUE(AllHandled(*mailbox));
  ASSERT_TRUE(client_->ActAs("operator").ok());
  auto cases_for = [&](const std::string& number) {
    std::vector<hosho::v1::Case> found;
    hosho::v1::ListCasesRequest list;
    list.set_page_size(200);
    auto listed = client_->ListCases(list);
    EXPECT_TRUE(listed.ok()) << listed.status();
    if (!listed.ok()) return found;
    for (const auto& c : listed->cases()) {
      if (c.channel() == hosho::v1::CHANNEL_EMAIL && c.guarantee_number() == number) found.push_back(c);
    }
    return found;
  };
  ASSERT_TRUE(testing::AwaitUntil([&] { return cases_for("DS-26-900107").size() == 1; }, absl::Seconds(30)))
      << "the second mail is a case of its own";
  const auto a = cases_for("DS-26-900106");
  const auto b = cases_for("DS-26-900107");
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_NE(a[0].case_id(), b[0].case_id());
  EXPECT_NE(a[0].source_receipt(), b[0].source_receipt());
  EXPECT_EQ(a[0].duplicate_count(), 0);
  EXPECT_EQ(b[0].duplicate_count(), 0);
  EXPECT_FALSE(absl::StrContains(a[0].source_receipt(), "AK-NO-MESSAGE-ID")) << "the receipt never shows the key";
  EXPECT_NE(b[0].credential_key_id(), "") << "the second key was sealed";

  const std::string before = SystemState();
  ASSERT_TRUE(client_->DeliverMail(first).ok());
  ASSERT_TRUE(AllHandled(*mailbox));
  EXPECT_EQ(SystemState(), before) << "the same mail again (no Message-ID) is still the same arrival";
}

// The insurer's 発注者提出用フォーマット carries 工事名 and 受注者名 beside the viewing URL: every channel
// takes them, intake matches them with the contract (K-2026-0003: 潮見橋耐震補強工事, 潮見工業株式会社)
// as R05 does, the case shows them as written, and a name of another contract is refused naming its
// field and changes nothing.
TEST_F(IntakeChannelsTest, TheInsurersFormatCarriesProjectAndContractorCheckedAgainstTheContractOnEveryChannel) {
  const std::string project = "潮見橋　耐震補強工事";  // another spelling of the contract's (U+3000)
  const std::string contractor = "潮見工業㈱";
  auto expect_shown = [&](const std::string& case_id, const char* channel) {
    ASSERT_TRUE(client_->ActAs("operator").ok());
    auto c = client_->GetCase(case_id);
    ASSERT_TRUE(c.ok()) << channel << ": " << c.status();
    EXPECT_EQ(c->stated_project_name(), "潮見橋 耐震補強工事") << channel;
    EXPECT_EQ(c->stated_contractor_name(), "潮見工業(株)") << channel;
    EXPECT_EQ(c->platform(), hosho::v1::PLATFORM_CONFIRMATION_SYSTEM) << channel;
  };

  // gRPC.
  ASSERT_TRUE(client_->ActAs("demo-submitter").ok());
  auto grpc_request = [&](const std::string& id, const std::string& stated_project) {
    hosho::v1::SubmitGuaranteeRequest r;
    r.set_client_request_id(id);
    r.set_contract_id("K-2026-0003");
    r.set_kind(hosho::v1::GUARANTEE_KIND_CONTRACT);
    r.set_issuer_kind(hosho::v1::ISSUER_KIND_INSURER);
    r.set_issuer(hosho::v1::ISSUER_SOMPO_JAPAN);
    r.mutable_confirmation_system()->set_viewing_url("https://confirm.example/v/format-" + id);
    r.mutable_confirmation_system()->set_viewing_password("PLANTED-PW-FORMAT-" + id);
    r.mutable_confirmation_system()->set_project_name(stated_project);
    r.mutable_confirmation_system()->set_contractor_name(contractor);
    return r;
  };
  const std::string before = SystemState();
  auto refused = client_->Submit(grpc_request("format-grpc-2", "潮見橋架替工事"));
  EXPECT_TRUE(absl::IsInvalidArgument(refused.status())) << refused.status();
  ASSERT_EQ(ViolationsOf(refused.status()).size(), 1u);
  EXPECT_EQ(ViolationsOf(refused.status())[0].field, "confirmation_system.project_name");
  EXPECT_EQ(ViolationsOf(refused.status())[0].code, "R05_PROJECT_MISMATCH");
  EXPECT_EQ(ViolationsOf(refused.status())[0].message_ja,
            "発注者提出用フォーマットの工事名が契約（K-2026-0003）の工事名と一致しません");
  EXPECT_EQ(SystemState(), before) << "a refused format changes nothing";
  auto accepted = client_->Submit(grpc_request("format-grpc-1", project));
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  expect_shown(accepted->case_id(), "gRPC");

  // The web form's webhook (JSON answers, the labels of deploy/intake/form-mapping.yaml).
  auto answers = [&](const std::string& receipt, const std::string& stated_contractor) {
    return absl::StrCat(R"({"receipt_number": ")", receipt, R"(", "answers": {"工事番号": "R8-橋梁-0003", )",
                        R"("保証の種類": "契約保証", "保証会社名": "損害保険ジャパン株式会社", )",
                        R"("閲覧用URL": "https://confirm.example/v/format-)", receipt, R"(", )",
                        R"("閲覧用パスワード": "PLANTED-PW-FORMAT-W", "工事名": ")", project, R"(", )",
                        R"("受注者名": ")", stated_contractor, R"("}})");
  };
  const std::string before_webhook = SystemState();
  auto wrong_contractor = PostSigned(answers("LF-2026-000902", "港湾工業株式会社"));
  EXPECT_EQ(wrong_contractor.first, 422) << wrong_contractor.second;
  EXPECT_EQ(CodeOf(wrong_contractor.second), "R05_CONTRACTOR_MISMATCH");
  EXPECT_TRUE(absl::StrContains(wrong_contractor.second, "受注者名")) << "the form's label names the field";
  EXPECT_EQ(SystemState(), before_webhook);
  auto posted = PostSigned(answers("LF-2026-000901", contractor));
  ASSERT_EQ(posted.first, 200) << posted.second;
  expect_shown(CaseIdOf(posted.second), "webhook");

  // The form's CSV export: one row per line, the mismatched one refused with the form's label.
  ASSERT_TRUE(client_->ActAs("operator").ok());
  const std::string csv = absl::StrCat(
      "受付番号,工事番号,保証の種類,保証会社名,閲覧用URL,閲覧用パスワード,工事名,受注者名\n",
      "LF-2026-000903,R8-橋梁-0003,契約保証,東京海上日動火災保険株式会社,https://confirm.example/v/format-c1,"
      "PLANTED-PW-FORMAT-C1,",
      project, ",", contractor, "\n",
      "LF-2026-000904,R8-橋梁-0003,契約保証,東京海上日動火災保険株式会社,https://confirm.example/v/format-c2,"
      "PLANTED-PW-FORMAT-C2,中央公園遊具更新工事,",
      contractor, "\n");
  auto report = client_->ImportFormCsv(csv, "format.csv");
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->accepted(), 1);
  EXPECT_EQ(report->refused(), 1);
  std::string csv_case;
  for (const auto& row : report->rows()) {
    if (row.outcome() == hosho::v1::ImportRow::OUTCOME_ACCEPTED) csv_case = row.case_id();
    if (row.outcome() != hosho::v1::ImportRow::OUTCOME_REFUSED) continue;
    EXPECT_EQ(row.line(), 3);
    ASSERT_EQ(row.violations_size(), 1);
    EXPECT_EQ(row.violations(0).code(), "R05_PROJECT_MISMATCH");
    EXPECT_EQ(row.violations(0).field(), "工事名");
  }
  expect_shown(csv_case, "CSV");

  // Mail: the format's lines in the body.
  auto mailbox = OpenInbox();
  auto mail = [&](const std::string& id, const std::string& stated_project) {
    return absl::StrCat("From: keiyaku@shiomi-kogyo.example\r\nTo: intake@city.example\r\n", "Subject: =?utf-8?b?",
                        absl::Base64Escape("【電子保証】R8-橋梁-0003 潮見橋耐震補強工事"), "?=\r\nMessage-ID: <", id,
                        "@shiomi-kogyo.example>\r\nMIME-Version: 1.0\r\n",
                        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
                        "工事番号：R8-橋梁-0003\r\n保証の種類：契約保証\r\n保険会社：三井住友海上火災保険株式会社\r\n",
                        "閲覧用URL：https://confirm.example/v/format-", id,
                        "\r\n閲覧用パスワード：PLANTED-PW-FORMAT-M\r\n", "工事名：", stated_project, "\r\n受注者名：",
                        contractor, "\r\n");
  };
  ASSERT_TRUE(client_->DeliverMail(mail("format-mail-1", project)).ok());
  ASSERT_TRUE(client_->DeliverMail(mail("format-mail-2", "潮見橋撤去工事")).ok());
  ASSERT_TRUE(AllHandled(*mailbox));
  auto all = mailbox->ListWithout("$NoSuchKeyword");
  auto not_mismatched = mailbox->ListWithout("$Hosho_R05_PROJECT_MISMATCH");
  ASSERT_TRUE(all.ok() && not_mismatched.ok());
  EXPECT_EQ(all->size() - not_mismatched->size(), 1u) << "the mail naming another project is flagged with its code";
  const std::string mail_receipt = "mail-" + Sha256Hex("format-mail-1@shiomi-kogyo.example").substr(0, 40);
  hosho::v1::ListCasesRequest list;
  list.set_page_size(200);
  auto listed = client_->ListCases(list);
  ASSERT_TRUE(listed.ok()) << listed.status();
  std::string mail_case;
  for (const auto& c : listed->cases()) {
    if (c.source_receipt() == mail_receipt) mail_case = c.case_id();
  }
  ASSERT_FALSE(mail_case.empty());
  expect_shown(mail_case, "mail");
}

TEST_F(IntakeChannelsTest, MalformedGrpcSubmissionsGetPreciseRefusalsAndChangeNothing) {
  ASSERT_TRUE(client_->ActAs("demo-submitter").ok());
  auto base = [] {
    hosho::v1::SubmitGuaranteeRequest r;
    r.set_client_request_id("grpc-bad-1");
    r.set_contract_id("K-2026-0004");
    r.set_kind(hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT);
    r.set_issuer_kind(hosho::v1::ISSUER_KIND_SURETY_COMPANY);
    r.set_issuer(hosho::v1::ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY);
    r.mutable_d_sure()->set_guarantee_number("DS-26-000777");
    r.mutable_d_sure()->set_authentication_key("PLANTED-AK-GRPC-BAD");
    r.set_requested_amount_yen(1'000'000);
    return r;
  };
  const std::string before = SystemState();
  auto first_code = [&](const hosho::v1::SubmitGuaranteeRequest& r) {
    auto refused = client_->Submit(r);
    EXPECT_FALSE(refused.ok());
    auto v = ViolationsOf(refused.status());
    return v.empty() ? std::string(refused.status().ToString()) : v.front().code + " " + v.front().field;
  };
  auto control = base();
  control.set_issuer(hosho::v1::ISSUER_OTHER);
  control.set_issuer_name("北\x1b[2J保証");
  EXPECT_EQ(first_code(control), "TEXT_CONTROL_CHARACTERS issuer_name");
  auto huge = base();
  auto* upload = huge.add_uploads();
  upload->set_kind(hosho::v1::AttachmentRef::KIND_INVOICE);
  upload->set_filename("請求書.pdf");
  upload->set_media_type("application/pdf");
  upload->set_content("%PDF-1.4\n" + std::string(10 << 20, 'x'));
  EXPECT_EQ(first_code(huge), "ATTACHMENT_TOO_LARGE uploads[0].content");
  auto injected = base();
  injected.mutable_d_sure()->set_guarantee_number("1' OR '1'='1");
  EXPECT_EQ(first_code(injected), "R01_GUARANTEE_NUMBER_INVALID d_sure.guarantee_number");
  auto phantom = base();
  auto* ref = phantom.add_attachments();
  ref->set_kind(hosho::v1::AttachmentRef::KIND_INVOICE);
  ref->set_sha256(std::string(64, 'a'));
  EXPECT_EQ(first_code(phantom), "ATTACHMENT_NOT_PDF attachments[0].media_type")
      << "a reference is checked as an upload";
  ref->set_media_type("application/pdf");
  ref->set_filename("請求書.pdf");
  EXPECT_EQ(first_code(phantom), "ATTACHMENT_NOT_FOUND attachments[0].sha256");
  auto no_kind = base();
  no_kind.set_supersedes_case_id("HS-20261126-000000000000");
  EXPECT_EQ(first_code(no_kind), "AMENDMENT_KIND_MISSING amendment_kind");
  // Invalid UTF-8 in a string field: intake parses the request itself and names the field.
  auto bad_utf8 = base();
  bad_utf8.set_issuer_name("\xff\xfe");
  EXPECT_EQ(first_code(bad_utf8), "TEXT_INVALID_UTF8 issuer_name");
  auto nested = base();
  nested.clear_d_sure();
  nested.set_issuer_kind(hosho::v1::ISSUER_KIND_INSURER);
  nested.mutable_confirmation_system()->set_viewing_url("https://confirm.example/v/1");
  nested.mutable_confirmation_system()->set_viewing_password("PLANTED-PW-\xc3\x28");
  EXPECT_EQ(first_code(nested), "TEXT_INVALID_UTF8 confirmation_system.viewing_password");
  auto upload_name = base();
  auto* named = upload_name.add_uploads();
  named->set_filename("\xe8\xab");
  EXPECT_EQ(first_code(upload_name), "TEXT_INVALID_UTF8 uploads[0].filename");
  EXPECT_EQ(SystemState(), before) << "nothing changed";
}

}  // namespace
}  // namespace hosho
