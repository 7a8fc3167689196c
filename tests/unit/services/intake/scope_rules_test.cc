#include "services/intake/scope_rules.h"

#include <functional>

#include "gtest/gtest.h"
#include "services/common/domain/domain_text.h"

namespace hosho {
namespace {

using hosho::v1::SubmitGuaranteeRequest;

// The rules at the door, one row per case: what is changed from an admissible submission,
// and the exact field, code and Japanese message that come back.
struct Row {
  const char* name;
  std::function<void(SubmitGuaranteeRequest&, hosho::v1::Contract&, hosho::v1::Date&)> change;
  const char* field;
  const char* code;
  const char* message;
};

SubmitGuaranteeRequest Surety() {
  SubmitGuaranteeRequest r;
  r.set_client_request_id("r-1");
  r.set_contract_id("K-1");
  r.set_kind(hosho::v1::GUARANTEE_KIND_CONTRACT);
  r.set_issuer_kind(hosho::v1::ISSUER_KIND_SURETY_COMPANY);
  r.set_issuer(hosho::v1::ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY);
  r.mutable_d_sure()->set_guarantee_number("DS-1");
  r.mutable_d_sure()->set_authentication_key("AK-1");
  return r;
}

void MakeInsurer(SubmitGuaranteeRequest& r) {
  r.set_issuer_kind(hosho::v1::ISSUER_KIND_INSURER);
  r.set_issuer(hosho::v1::ISSUER_TOKIO_MARINE_NICHIDO);
  r.mutable_confirmation_system()->set_viewing_url("https://confirm.example/v/1");
  r.mutable_confirmation_system()->set_viewing_password("PW");
}

void MakeBankPaper(SubmitGuaranteeRequest& r) {
  r.set_issuer_kind(hosho::v1::ISSUER_KIND_BANK);
  r.set_issuer(hosho::v1::ISSUER_BANK);
  r.set_issuer_name("みなと銀行");
  r.mutable_paper()->set_guarantee_number("P-1");
  *r.mutable_paper()->mutable_received_on() = *ParseDate("2026-11-20");
}

hosho::v1::AttachmentUpload Pdf(hosho::v1::AttachmentRef::Kind kind) {
  hosho::v1::AttachmentUpload u;
  u.set_kind(kind);
  u.set_filename("請求書.pdf");
  u.set_media_type("application/pdf");
  u.set_content("%PDF-1.4\n%test\n");
  return u;
}

class ScopeRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    policy_.insurer_route_opens = *ParseDate("2026-04-01");
    policy_.max_attachment_bytes = 1024;
    contract_.set_contract_id("K-1");
    contract_.set_ordering_office("contract-division");
    contract_.set_department_in_charge("road-maintenance");
    contract_.set_work_category(hosho::v1::WORK_CATEGORY_CONSTRUCTION);
    contract_.set_price_yen(48'000'000);
    today_ = *ParseDate("2026-11-26");
  }
  std::vector<FieldViolation> Check(SubmitGuaranteeRequest r, const hosho::v1::Contract* c) {
    NormalizeSubmission(r);
    return CheckSubmission(r, c, policy_, today_);
  }

  ScopePolicy policy_;
  hosho::v1::Contract contract_;
  hosho::v1::Date today_;
};

TEST_F(ScopeRulesTest, EveryFlowAndPaperAreAdmitted) {
  EXPECT_TRUE(Check(Surety(), &contract_).empty()) << "flow A";
  auto insurer = Surety();
  MakeInsurer(insurer);
  EXPECT_TRUE(Check(insurer, &contract_).empty()) << "flow C";
  auto advance = Surety();
  advance.set_kind(hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT);
  *advance.add_uploads() = Pdf(hosho::v1::AttachmentRef::KIND_INVOICE);
  EXPECT_TRUE(Check(advance, &contract_).empty()) << "flow B with its invoice";
  auto bank = Surety();
  MakeBankPaper(bank);
  EXPECT_TRUE(Check(bank, &contract_).empty()) << "a bank's paper guarantee";
  auto full_width = Surety();
  full_width.set_contract_id("Ｋ－１");
  full_width.mutable_d_sure()->set_guarantee_number("ＤＳ－１");
  EXPECT_TRUE(Check(full_width, &contract_).empty()) << "full-width ids are normalized (NFKC)";
}

TEST_F(ScopeRulesTest, EveryRuleAtTheDoorHasItsCodeAndMessage) {
  using R = SubmitGuaranteeRequest;
  using C = hosho::v1::Contract;
  using D = hosho::v1::Date;
  const std::vector<Row> rows = {
      {"R01 key missing", [](R& r, C&, D&) { r.mutable_d_sure()->clear_authentication_key(); },
       "d_sure.authentication_key", "R01_AUTHENTICATION_KEY_MISSING", "認証キーを入力してください"},
      {"R01 number missing", [](R& r, C&, D&) { r.mutable_d_sure()->clear_guarantee_number(); },
       "d_sure.guarantee_number", "R01_GUARANTEE_NUMBER_MISSING", "保証契約番号を入力してください"},
      {"R01 number with quotes", [](R& r, C&, D&) { r.mutable_d_sure()->set_guarantee_number("1'; DROP TABLE x;--"); },
       "d_sure.guarantee_number", "R01_GUARANTEE_NUMBER_INVALID",
       "保証契約番号は64文字以内の半角英数字とハイフンで入力してください"},
      {"R01 key not printable",
       [](R& r, C&, D&) {
         r.mutable_d_sure()->set_authentication_key(
             "AK\x01"
             "1");
       },
       "d_sure.authentication_key", "R01_AUTHENTICATION_KEY_INVALID",
       "認証キーは256文字以内の印字可能な文字で入力してください"},
      {"R01 nothing at all", [](R& r, C&, D&) { r.clear_d_sure(); }, "credential", "R01_CREDENTIAL_MISSING",
       "認証キー（D-Sure）または閲覧用URLとパスワード（保証証券等確認システム）を入力してください"},
      {"R01 password missing",
       [](R& r, C&, D&) {
         MakeInsurer(r);
         r.mutable_confirmation_system()->clear_viewing_password();
       },
       "confirmation_system.viewing_password", "R01_VIEWING_PASSWORD_MISSING", "閲覧用パスワードを入力してください"},
      {"R01 url missing",
       [](R& r, C&, D&) {
         MakeInsurer(r);
         r.mutable_confirmation_system()->clear_viewing_url();
       },
       "confirmation_system.viewing_url", "R01_VIEWING_URL_MISSING", "閲覧用URLを入力してください"},
      {"R01 url not https",
       [](R& r, C&, D&) {
         MakeInsurer(r);
         r.mutable_confirmation_system()->set_viewing_url("http://insecure.example/");
       },
       "confirmation_system.viewing_url", "R01_VIEWING_URL_INVALID",
       "閲覧用URLは https:// で始まるURLを入力してください"},
      {"R01 insurer with a D-Sure key",
       [](R& r, C&, D&) {
         r.set_issuer_kind(hosho::v1::ISSUER_KIND_INSURER);
         r.set_issuer(hosho::v1::ISSUER_SOMPO_JAPAN);
       },
       "d_sure", "R01_PLATFORM_MISMATCH",
       "保険会社の保証は保証証券等確認システムの閲覧用URLとパスワードで提出してください"},
      {"R01 surety on the insurers' system",
       [](R& r, C&, D&) {
         MakeInsurer(r);
         r.set_issuer_kind(hosho::v1::ISSUER_KIND_SURETY_COMPANY);
         r.set_issuer(hosho::v1::ISSUER_WEST_JAPAN_CONSTRUCTION_SURETY);
       },
       "confirmation_system", "R01_PLATFORM_MISMATCH",
       "保証事業会社の保証はD-Sureの保証契約番号と認証キーで提出してください"},
      {"R02 bank electronically",
       [](R& r, C&, D&) {
         r.set_issuer_kind(hosho::v1::ISSUER_KIND_BANK);
         r.set_issuer(hosho::v1::ISSUER_BANK);
       },
       "issuer_kind", "R02_BANK_NOT_ELIGIBLE", "金融機関の保証は電子保証の対象外です。紙の保証書を提出してください"},
      {"R02 bank for an advance",
       [](R& r, C&, D&) {
         MakeBankPaper(r);
         r.set_kind(hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT);
       },
       "kind", "R02_BANK_CONTRACT_ONLY", "金融機関の保証は契約保証のみが対象です"},
      {"R02 insurer for an advance",
       [](R& r, C&, D&) {
         MakeInsurer(r);
         r.set_kind(hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT);
       },
       "kind", "R02_INSURER_CONTRACT_ONLY",
       "保険会社の電子保証は契約保証のみが対象です。前払金保証は保証事業会社の電子保証をご利用ください"},
      {"R02 surety not on the list", [](R& r, C&, D&) { r.set_issuer(hosho::v1::ISSUER_OTHER); }, "issuer",
       "R02_ISSUER_NOT_LISTED",
       "この保証事業会社は電子保証の対象ではありません（東日本・西日本・北海道の建設業保証会社のみ）"},
      {"R02 insurer not on the list",
       [](R& r, C&, D&) {
         MakeInsurer(r);
         r.set_issuer(hosho::v1::ISSUER_OTHER);
       },
       "issuer", "R02_ISSUER_NOT_LISTED", "この保険会社は電子保証の対象として指定されていません"},
      {"R02 issuer kind missing", [](R& r, C&, D&) { r.clear_issuer_kind(); }, "issuer_kind", "R02_ISSUER_KIND_MISSING",
       "保証の発行者の種類（保証事業会社・保険会社）を指定してください"},
      {"R03 unknown contract", [](R& r, C&, D&) { r.set_contract_id("K-404"); }, "contract_id",
       "R03_CONTRACT_NOT_FOUND", "指定された契約が見つかりません"},
      {"R03 office out of scope", [](R&, C& c, D&) { c.set_ordering_office("general-affairs"); }, "contract_id",
       "R03_OFFICE_OUT_OF_SCOPE",
       "この契約の発注課は電子保証の対象外です（契約課・上下水道事業政策課の発注に限ります）"},
      {"R03 goods are out of scope", [](R&, C& c, D&) { c.set_work_category(hosho::v1::WORK_CATEGORY_GOODS); },
       "contract_id", "R03_WORK_CATEGORY_OUT_OF_SCOPE",
       "この契約の種類は電子保証の対象外です（建設工事・測量・建設コンサルタント等業務に限ります）"},
      {"R03 insurers' route before it opens",
       [](R& r, C&, D& today) {
         MakeInsurer(r);
         today = *ParseDate("2026-03-31");
       },
       "issuer_kind", "R03_ROUTE_NOT_OPEN", "保険会社の電子保証は 2026-04-01 以降に受け付けます"},
      {"R04 certificate PDF uploaded instead of the key",
       [](R& r, C&, D&) {
         r.clear_d_sure();
         *r.add_uploads() = Pdf(hosho::v1::AttachmentRef::KIND_CERTIFICATE);
       },
       "uploads[0]", "R04_CERTIFICATE_NOT_CREDENTIAL",
       "保証証書のPDFや印刷物は受け付けできません。認証キー（D-"
       "Sure）または閲覧用URLとパスワード（保証証券等確認システム）を提出してください"},
      {"R04 a PDF pasted as the key", [](R& r, C&, D&) { r.mutable_d_sure()->set_authentication_key("JVBERi0xLjQK"); },
       "d_sure.authentication_key", "R04_CERTIFICATE_NOT_CREDENTIAL",
       "保証証書のPDFや印刷物は受け付けできません。認証キー（D-"
       "Sure）または閲覧用URLとパスワード（保証証券等確認システム）を提出してください"},
      {"R04 a file name as the password",
       [](R& r, C&, D&) {
         MakeInsurer(r);
         r.mutable_confirmation_system()->set_viewing_password("保証証券.pdf");
       },
       "confirmation_system.viewing_password", "R04_CERTIFICATE_NOT_CREDENTIAL",
       "保証証書のPDFや印刷物は受け付けできません。認証キー（D-"
       "Sure）または閲覧用URLとパスワード（保証証券等確認システム）を提出してください"},
      {"R15 contract guarantee below 5,000,000 yen", [](R&, C& c, D&) { c.set_price_yen(4'999'999); }, "contract_id",
       "R15_BELOW_THRESHOLD",
       "この契約の請負代金額（4,999,999円）は契約保証の対象額（5,000,000円以上）に達していません"},
      {"R15 advance below 1,000,000 yen",
       [](R& r, C& c, D&) {
         r.set_kind(hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT);
         c.set_price_yen(999'999);
       },
       "contract_id", "R15_BELOW_THRESHOLD",
       "この契約の請負代金額（999,999円）は前払金の対象額（1,000,000円以上）に達していません"},
      {"request id missing", [](R& r, C&, D&) { r.clear_client_request_id(); }, "client_request_id",
       "REQUEST_ID_INVALID", "client_request_id は1〜128文字の印字可能なASCII文字で指定してください"},
      {"kind missing", [](R& r, C&, D&) { r.clear_kind(); }, "kind", "KIND_MISSING",
       "保証の種類（契約保証・前払金保証・中間前払金保証）を指定してください"},
      {"contract id with SQL", [](R& r, C&, D&) { r.set_contract_id("K-1' OR '1'='1"); }, "contract_id",
       "CONTRACT_ID_INVALID", "契約IDは64文字以内の半角英数字と記号（- _ . /）で指定してください"},
      {"control character in a bank's name",
       [](R& r, C&, D&) {
         MakeBankPaper(r);
         r.set_issuer_name("みなと\x1b[31m銀行");
       },
       "issuer_name", "TEXT_CONTROL_CHARACTERS", "発行者名に使用できない文字（制御文字など）が含まれています"},
      {"formula in a bank's name",
       [](R& r, C&, D&) {
         MakeBankPaper(r);
         r.set_issuer_name("=HYPERLINK(\"http://x\")");
       },
       "issuer_name", "TEXT_FORMULA", "発行者名の先頭に = + - @ は使用できません"},
      {"attachment not a PDF",
       [](R& r, C&, D&) {
         auto u = Pdf(hosho::v1::AttachmentRef::KIND_INVOICE);
         u.set_content("MZ\x90\x00 not a pdf");
         *r.add_uploads() = u;
       },
       "uploads[0].content", "ATTACHMENT_NOT_PDF", "添付ファイルはPDF形式のみ受け付けます"},
      {"attachment too large",
       [](R& r, C&, D&) {
         auto u = Pdf(hosho::v1::AttachmentRef::KIND_INVOICE);
         u.set_content("%PDF-" + std::string(2000, 'x'));
         *r.add_uploads() = u;
       },
       "uploads[0].content", "ATTACHMENT_TOO_LARGE", "添付ファイルは1KB以内にしてください"},
      {"attachment with a path",
       [](R& r, C&, D&) {
         auto u = Pdf(hosho::v1::AttachmentRef::KIND_INVOICE);
         u.set_filename("../../etc/passwd.pdf");
         *r.add_uploads() = u;
       },
       "uploads[0].filename", "ATTACHMENT_FILENAME_INVALID",
       "添付ファイル名は255バイト以内で、/ \\ や制御文字を含まない名前にしてください"},
      {"an amendment without its kind", [](R& r, C&, D&) { r.set_supersedes_case_id("HS-20261101-000000000001"); },
       "amendment_kind", "AMENDMENT_KIND_MISSING", "変更の種類（増額・減額・工期延長）を指定してください"},
      {"an amendment kind without the amended case",
       [](R& r, C&, D&) { r.set_amendment_kind(hosho::v1::AMENDMENT_KIND_INCREASE); }, "supersedes_case_id",
       "AMENDED_CASE_MISSING", "変更の対象とする案件番号を指定してください"},
      {"paper received in the future",
       [](R& r, C&, D&) {
         MakeBankPaper(r);
         *r.mutable_paper()->mutable_received_on() = *ParseDate("2026-12-01");
       },
       "paper.received_on", "PAPER_RECEIVED_ON_INVALID", "保証書を受領した日（今日以前）を入力してください"},
      // Unknown enum numbers are refused, never read as "not set" (before: R02 was skipped).
      {"an unknown issuer kind", [](R& r, C&, D&) { r.set_issuer_kind(static_cast<hosho::v1::IssuerKind>(99)); },
       "issuer_kind", "R02_ISSUER_KIND_INVALID",
       "保証の発行者の種類（保証事業会社・保険会社・金融機関）の値が正しくありません"},
      {"an unknown channel", [](R& r, C&, D&) { r.set_channel(static_cast<hosho::v1::Channel>(42)); }, "channel",
       "CHANNEL_INVALID", "受付の経路（channel）の値が正しくありません"},
      // Attachments by reference get the upload checks (before: none).
      {"a referenced attachment that is not a PDF",
       [](R& r, C&, D&) {
         auto* a = r.add_attachments();
         a->set_kind(hosho::v1::AttachmentRef::KIND_INVOICE);
         a->set_sha256(std::string(64, 'a'));
         a->set_filename("x.html");
         a->set_media_type("text/html");
       },
       "attachments[0].media_type", "ATTACHMENT_NOT_PDF", "添付ファイルはPDF形式のみ受け付けます"},
      {"a referenced attachment of no kind",
       [](R& r, C&, D&) {
         auto* a = r.add_attachments();
         a->set_sha256(std::string(64, 'a'));
         a->set_filename("請求書.pdf");
         a->set_media_type("application/pdf");
       },
       "attachments[0].kind", "ATTACHMENT_KIND_MISSING",
       "添付ファイルの種類（請求書・発注者提出用フォーマット）を指定してください"},
      {"a referenced attachment named like a formula",
       [](R& r, C&, D&) {
         auto* a = r.add_attachments();
         a->set_kind(hosho::v1::AttachmentRef::KIND_INVOICE);
         a->set_sha256(std::string(64, 'a'));
         a->set_filename("=HYPERLINK(1).pdf");
         a->set_media_type("Application/PDF ");
       },
       "attachments[0].filename", "ATTACHMENT_FILENAME_INVALID",
       "添付ファイル名は255バイト以内で、/ \\ や制御文字を含まない名前にしてください"},
  };
  for (const Row& row : rows) {
    SubmitGuaranteeRequest r = Surety();
    hosho::v1::Contract c = contract_;
    today_ = *ParseDate("2026-11-26");
    row.change(r, c, today_);
    const std::vector<FieldViolation> got = Check(r, r.contract_id() == "K-404" ? nullptr : &c);
    ASSERT_EQ(got.size(), 1u) << row.name << ": " << (got.empty() ? "admitted" : got[0].code + " " + got[1].code);
    EXPECT_EQ(got[0].field, row.field) << row.name;
    EXPECT_EQ(got[0].code, row.code) << row.name;
    EXPECT_EQ(got[0].message_ja, row.message) << row.name;
  }
}

// 工事名 and 受注者名 written on the insurer's format are the contract's, compared as R05 compares a
// certificate: other spellings of the same names pass, other names are refused naming the field,
// absent ones (callers from before the fields) pass, and each is a bounded, strict text.
TEST_F(ScopeRulesTest, NamesOnTheInsurersFormatAreTheContracts) {
  contract_.set_project_name("市道１号線舗装工事");
  contract_.mutable_contractor()->set_name("株式会社みなと建設");
  auto insurer = [] {
    SubmitGuaranteeRequest r = Surety();
    r.clear_d_sure();
    MakeInsurer(r);
    return r;
  };
  SubmitGuaranteeRequest same = insurer();
  same.mutable_confirmation_system()->set_project_name("市道1号線　舗装工事");
  same.mutable_confirmation_system()->set_contractor_name("㈱ みなと建設");
  EXPECT_TRUE(Check(same, &contract_).empty());
  NormalizeSubmission(same);
  EXPECT_EQ(same.confirmation_system().project_name(), "市道1号線 舗装工事") << "NFKC, one space";
  EXPECT_TRUE(Check(insurer(), &contract_).empty()) << "neither stated";

  struct Case {
    const char* name;
    std::string project;
    std::string contractor;
    const char* field;
    const char* code;
    std::string message;
  };
  std::string too_long;
  for (size_t i = 0; i <= kStatedNameMaxChars; ++i) too_long += "工";
  const std::vector<Case> cases = {
      {"another project", "市道2号線舗装工事", "", "confirmation_system.project_name", "R05_PROJECT_MISMATCH",
       "発注者提出用フォーマットの工事名が契約（K-1）の工事名と一致しません"},
      {"another contractor", "", "株式会社やまと建設", "confirmation_system.contractor_name", "R05_CONTRACTOR_MISMATCH",
       "発注者提出用フォーマットの受注者名が契約（K-1）の受注者名と一致しません"},
      {"another company form", "", "有限会社みなと建設", "confirmation_system.contractor_name",
       "R05_CONTRACTOR_MISMATCH", "発注者提出用フォーマットの受注者名が契約（K-1）の受注者名と一致しません"},
      {"a project name of 201 characters", too_long, "", "confirmation_system.project_name", "TEXT_TOO_LONG",
       "工事名は200文字以内で入力してください"},
      {"a bidi override in the contractor", "", "みなと\u202e建設", "confirmation_system.contractor_name",
       "TEXT_CONTROL_CHARACTERS", "受注者名に使用できない文字（制御文字など）が含まれています"},
  };
  for (const Case& c : cases) {
    SubmitGuaranteeRequest r = insurer();
    r.mutable_confirmation_system()->set_project_name(c.project);
    r.mutable_confirmation_system()->set_contractor_name(c.contractor);
    const std::vector<FieldViolation> got = Check(r, &contract_);
    ASSERT_EQ(got.size(), 1u) << c.name;
    EXPECT_EQ(got[0].field, c.field) << c.name;
    EXPECT_EQ(got[0].code, c.code) << c.name;
    EXPECT_EQ(got[0].message_ja, c.message) << c.name;
    EXPECT_EQ(CodeFor(got), absl::StatusCode::kInvalidArgument) << c.name;
  }
}

// A caller's submitted_on becomes the rules' "today": a real day of the last week only (before:
// 2026-13-45 and a paper received-date in 2099 passed).
TEST_F(ScopeRulesTest, SubmittedOnIsARealDayOfTheLastWeek) {
  const hosho::v1::Date today = *ParseDate("2026-11-26");
  SubmitGuaranteeRequest r = Surety();
  EXPECT_TRUE(CheckSubmittedOn(r, today).empty()) << "absent: today";
  for (const char* ok : {"2026-11-26", "2026-11-19"}) {
    *r.mutable_submitted_on() = *ParseDate(ok);
    EXPECT_TRUE(CheckSubmittedOn(r, today).empty()) << ok;
  }
  std::vector<hosho::v1::Date> bad = {*ParseDate("2026-11-27"), *ParseDate("2099-01-01"), *ParseDate("2026-11-18")};
  hosho::v1::Date impossible;
  impossible.set_year(2026);
  impossible.set_month(13);
  impossible.set_day(45);
  bad.push_back(impossible);
  bad.push_back(hosho::v1::Date());  // 0000-00-00
  for (const auto& day : bad) {
    *r.mutable_submitted_on() = day;
    const auto got = CheckSubmittedOn(r, today);
    ASSERT_EQ(got.size(), 1u) << day.ShortDebugString();
    EXPECT_EQ(got[0].field, "submitted_on");
    EXPECT_EQ(got[0].code, "SUBMITTED_ON_INVALID");
    EXPECT_EQ(got[0].message_ja, "提出日は今日から7日前までの日付で指定してください");
  }
}

TEST_F(ScopeRulesTest, ThresholdsAreTheCitysSettings) {
  contract_.set_price_yen(5'000'000);
  EXPECT_TRUE(Check(Surety(), &contract_).empty()) << "exactly the threshold is enough";
  policy_.contract_guarantee_min_price_yen = 10'000'000;
  ASSERT_EQ(Check(Surety(), &contract_).size(), 1u);
  EXPECT_EQ(Check(Surety(), &contract_)[0].code, "R15_BELOW_THRESHOLD");
}

TEST_F(ScopeRulesTest, CodesMapToPreciseGrpcStatuses) {
  EXPECT_EQ(CodeFor({{"contract_id", "R03_CONTRACT_NOT_FOUND", "x"}}), absl::StatusCode::kNotFound);
  EXPECT_EQ(CodeFor({{"contract_id", "R03_OFFICE_OUT_OF_SCOPE", "x"}}), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CodeFor({{"contract_id", "R15_BELOW_THRESHOLD", "x"}}), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CodeFor({{"issuer_kind", "R02_BANK_NOT_ELIGIBLE", "x"}}), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeFor({{"uploads[0]", "R04_CERTIFICATE_NOT_CREDENTIAL", "x"}}), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hosho
