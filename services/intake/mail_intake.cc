#include "services/intake/mail_intake.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/crypto/sealing.h"
#include "services/common/domain/domain_text.h"
#include "services/common/runtime/errors.h"
#include "services/common/runtime/log.h"
#include "services/common/runtime/metrics.h"
#include "services/common/text/text.h"
#include "services/intake/intake_service.h"

namespace hosho {
namespace {

void CountMail(absl::string_view outcome, absl::string_view code) {
  Metrics()
      .GetCounter("hosho_intake_mail_total", "Mailed submissions by outcome and code.",
                  {{"outcome", std::string(outcome)}, {"code", std::string(code)}})
      .Increment();
}

// "ラベル：値" lines (NFKC made the colon half-width), values without 「」.
std::string LabelledValue(const std::vector<std::string>& lines, std::initializer_list<absl::string_view> labels) {
  for (const std::string& line : lines) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string label = NormalizeCode(line.substr(0, colon));
    for (absl::string_view strip : {"・", "■", "●", "◆", "-", "*"}) {
      while (ConsumePrefixOf(&label, strip)) {
      }
    }
    for (absl::string_view wanted : labels) {
      if (label == wanted) {
        std::string value(absl::StripAsciiWhitespace(line.substr(colon + 1)));
        ConsumePrefixOf(&value, "「");
        ConsumeSuffixOf(&value, "」");
        return std::string(absl::StripAsciiWhitespace(value));
      }
    }
  }
  return "";
}

hosho::v1::AttachmentRef::Kind PdfKind(const std::string& filename, hosho::v1::GuaranteeKind kind) {
  const std::string name = Nfkc(filename);
  if (absl::StrContains(name, "請求書")) return hosho::v1::AttachmentRef::KIND_INVOICE;
  if (absl::StrContains(name, "発注者提出用")) return hosho::v1::AttachmentRef::KIND_ORDERER_FORMAT;
  if (absl::StrContains(name, "保証証書") || absl::StrContains(name, "保証証券") || absl::StrContains(name, "証書")) {
    return hosho::v1::AttachmentRef::KIND_CERTIFICATE;
  }
  return kind == hosho::v1::GUARANTEE_KIND_CONTRACT ? hosho::v1::AttachmentRef::KIND_ORDERER_FORMAT
                                                    : hosho::v1::AttachmentRef::KIND_INVOICE;
}

// What identifies a mail: its Message-ID; without one, the credential it carries (keyed, so the
// receipt never reveals it), or, with no credential, its whole content. Never its subject and
// sender: a contractor sends every guarantee of a contract under the same subject.
std::string MailReceipt(const MailMessage& mail, const hosho::v1::SubmitGuaranteeRequest& r,
                        const IntakeServiceImpl& intake) {
  if (!mail.message_id.empty()) return absl::StrCat("mail-", Sha256Hex(mail.message_id).substr(0, 40));
  std::string identity;
  if (r.has_d_sure() && !r.d_sure().authentication_key().empty()) {
    identity = absl::StrCat("d-sure\n", r.d_sure().guarantee_number(), "\n", r.d_sure().authentication_key());
  } else if (r.has_confirmation_system()) {
    identity = absl::StrCat("confirmation\n", r.confirmation_system().viewing_url(), "\n",
                            r.confirmation_system().viewing_password());
  } else {
    identity = absl::StrCat("content\n", mail.from_address, "\n", mail.subject);
    for (const MailPart& part : mail.parts) absl::StrAppend(&identity, "\n", part.filename, "\n", part.content);
  }
  std::string receipt = absl::StrCat("mail-fp-", intake.ArrivalFingerprint(identity));
  WipeString(&identity);
  return receipt;
}

// The subject 「【電子保証】工事番号 案件名」 after its tag (工事番号 first), or nullopt without the tag.
std::optional<std::string> TaggedSubject(const MailMessage& mail) {
  std::string subject = NormalizeText(mail.subject);
  if (!ConsumePrefixOf(&subject, "【電子保証】") && !ConsumePrefixOf(&subject, "[電子保証]")) return std::nullopt;
  return std::string(absl::StripAsciiWhitespace(subject));
}

// The contract the subject's 工事番号 names, set on `r`; a violation when there is none, an error when
// the registry cannot be asked.
absl::Status MapSubjectContract(const std::string& subject, IntakeServiceImpl& intake,
                                hosho::v1::SubmitGuaranteeRequest& r, std::vector<FieldViolation>& v) {
  const std::string number = NormalizeCode(subject.substr(0, subject.find(' ')));
  if (number.empty()) {
    v.push_back({"subject", "CONTRACT_ID_MISSING", "件名に工事番号がありません（「【電子保証】工事番号 案件名」）"});
  } else if (auto id = intake.ContractIdForNumber(number); id.ok()) {
    r.set_contract_id(*id);
  } else if (absl::IsNotFound(id.status())) {
    v.push_back({"subject", "R03_CONTRACT_NOT_FOUND",
                 "件名の工事番号 " + TruncateText(number, 40) + " の契約が見つかりません"});
  } else {
    return id.status();
  }
  return absl::OkStatus();
}

// The mail's text: the body and any attached text notice (『電子保証にかかる「認証キー」のお知らせ』),
// line by line after NFKC.
struct MailText {
  std::vector<std::string> lines;
  std::string all;
};

// The readable text parts, or nullopt with MAIL_TEXT_MISSING or MAIL_TEXT_UNREADABLE appended.
std::optional<MailText> ReadMailText(const MailMessage& mail, std::vector<FieldViolation>& v) {
  if (std::none_of(mail.parts.begin(), mail.parts.end(), [](const MailPart& p) { return p.is_text; })) {
    // No text at all (a multipart whose boundary never comes, a mail of attachments only): the
    // credential can only be in text, so say that, not which line is missing.
    v.push_back({"body", "MAIL_TEXT_MISSING",
                 "本文（テキスト）が見つかりません。本文に保証の種類と認証キー等を記載してください"});
    return std::nullopt;
  }
  MailText text;
  int readable = 0;
  for (const MailPart& part : mail.parts) {
    if (!part.is_text) continue;
    auto decoded = MailPartText(part);
    if (!decoded.ok()) continue;  // another text part may be the body; none readable is said below
    ++readable;
    for (absl::string_view line : absl::StrSplit(*decoded, '\n')) {
      text.lines.push_back(Nfkc(absl::StripAsciiWhitespace(line)));
      absl::StrAppend(&text.all, text.lines.back(), "\n");
    }
  }
  if (readable == 0) {
    // Said, not skipped: a body nobody can read must not come back as "no kind in the body".
    v.push_back({"body", "MAIL_TEXT_UNREADABLE",
                 "本文の文字コードを判別できませんでした。UTF-8 または Shift_JIS で送信してください"});
    return std::nullopt;
  }
  return text;
}

// 保証の種類, from its line or else anywhere in the subject and the text.
void MapMailKind(const MailText& text, const std::string& subject, hosho::v1::SubmitGuaranteeRequest& r,
                 std::vector<FieldViolation>& v) {
  std::string kind_text = LabelledValue(text.lines, {"保証の種類", "種類", "保証種類"});
  r.set_kind(GuaranteeKindFromNameJa(kind_text.empty() ? absl::StrCat(subject, "\n", text.all) : kind_text));
  if (r.kind() == hosho::v1::GUARANTEE_KIND_UNSPECIFIED) {
    v.push_back({"body", "KIND_MISSING", "本文に保証の種類（契約保証・前払金保証・中間前払金保証）を記載してください"});
  }
}

// The issuer, from its line or else named anywhere in the text (the notice names its issuer).
void MapMailIssuer(const MailText& text, hosho::v1::SubmitGuaranteeRequest& r, std::vector<FieldViolation>& v) {
  std::string issuer_text = LabelledValue(text.lines, {"保証会社", "保証事業会社", "発行者", "保険会社", "保証会社名"});
  hosho::v1::Issuer issuer = IssuerFromNameJa(issuer_text);
  if (issuer == hosho::v1::ISSUER_UNSPECIFIED) {
    const std::string key = CompanyNameKey(text.all);
    const auto* descriptor = hosho::v1::Issuer_descriptor();
    for (int i = 0; i < descriptor->value_count() && issuer == hosho::v1::ISSUER_UNSPECIFIED; ++i) {
      const auto candidate = static_cast<hosho::v1::Issuer>(descriptor->value(i)->number());
      if (candidate == hosho::v1::ISSUER_BANK || candidate == hosho::v1::ISSUER_OTHER ||
          candidate == hosho::v1::ISSUER_UNSPECIFIED) {
        continue;
      }
      if (absl::StrContains(key, CompanyNameKey(IssuerNameJa(candidate)))) issuer = candidate;
    }
  }
  if (issuer == hosho::v1::ISSUER_UNSPECIFIED) {
    v.push_back(
        {"body", issuer_text.empty() ? "R02_ISSUER_KIND_MISSING" : "R02_ISSUER_NOT_LISTED",
         issuer_text.empty() ? "本文に保証会社名を記載してください" : "この保証会社は電子保証の対象ではありません"});
  }
  r.set_issuer(issuer);
  r.set_issuer_kind(IssuerKindOf(issuer));
}

// D-Sure (保証契約番号, 認証キー) or the confirmation system (閲覧用URL, 閲覧用パスワード and what the
// insurer's format states).
void MapMailCredential(const MailText& text, hosho::v1::SubmitGuaranteeRequest& r) {
  const std::string guarantee_number = LabelledValue(text.lines, {"保証契約番号", "保証番号"});
  const std::string key = LabelledValue(text.lines, {"認証キー"});
  const std::string url = LabelledValue(text.lines, {"閲覧用URL"});
  const std::string password = LabelledValue(text.lines, {"閲覧用パスワード", "パスワード"});
  if (!key.empty() || !guarantee_number.empty()) {
    r.mutable_d_sure()->set_guarantee_number(guarantee_number);
    r.mutable_d_sure()->set_authentication_key(key);
  } else if (!url.empty() || !password.empty()) {
    r.mutable_confirmation_system()->set_viewing_url(url);
    r.mutable_confirmation_system()->set_viewing_password(password);
    r.mutable_confirmation_system()->set_certificate_number(LabelledValue(text.lines, {"証券番号"}));
    r.mutable_confirmation_system()->set_project_name(LabelledValue(text.lines, {"工事名"}));
    r.mutable_confirmation_system()->set_contractor_name(LabelledValue(text.lines, {"受注者名", "受注者"}));
  }
}

// The amount asked for and the cases a mail names (an amended one, a returned one).
void MapMailDetails(const MailText& text, hosho::v1::SubmitGuaranteeRequest& r, std::vector<FieldViolation>& v) {
  if (const std::string amount = LabelledValue(text.lines, {"請求金額", "請求額", "前払金額"}); !amount.empty()) {
    auto yen = ParseYen(amount);
    if (yen.ok()) {
      r.set_requested_amount_yen(*yen);
    } else {
      v.push_back({"body", "AMOUNT_INVALID", "請求金額は円単位の数字で記載してください"});
    }
  }
  if (const std::string amends = NormalizeCode(LabelledValue(text.lines, {"変更前の案件番号", "変更元案件"}));
      !amends.empty()) {
    r.set_supersedes_case_id(amends);
  }
  if (const std::string returned = NormalizeCode(LabelledValue(text.lines, {"差し戻し案件番号", "再提出の案件番号"}));
      !returned.empty()) {
    r.set_resubmits_case_id(returned);
  }
  if (const std::string what = LabelledValue(text.lines, {"変更の種類", "変更内容"}); !what.empty()) {
    r.set_amendment_kind(AmendmentKindFromNameJa(what));
  }
}

// Every attached file, its kind told by its name.
void AddMailUploads(const MailMessage& mail, hosho::v1::SubmitGuaranteeRequest& r) {
  for (const MailPart& part : mail.parts) {
    if (part.is_text || part.filename.empty()) continue;
    auto* upload = r.add_uploads();
    upload->set_kind(PdfKind(part.filename, r.kind()));
    upload->set_filename(part.filename);
    upload->set_media_type(part.media_type);
    upload->set_content(part.content);
  }
}

}  // namespace

absl::StatusOr<std::string> MailPartText(const MailPart& part) {
  // A part whose charset label is missing or wrong (GMime then hands over its bytes as they came):
  // Japanese mail is ISO-2022-JP (7-bit, with escapes) or Shift_JIS, as the city's guide allows.
  if (part.content.find('\x1b') != std::string::npos) {
    if (auto jis = ToUtf8(part.content, "ISO-2022-JP"); jis.ok()) return jis;
  }
  if (IsValidUtf8(part.content)) return part.content;
  if (auto sjis = ToUtf8(part.content, "windows-31j"); sjis.ok()) return sjis;
  return absl::InvalidArgumentError("a text part in no known encoding");
}

absl::StatusOr<hosho::v1::SubmitGuaranteeRequest> MapMail(const MailMessage& mail, IntakeServiceImpl& intake) {
  hosho::v1::SubmitGuaranteeRequest r;
  r.set_channel(hosho::v1::CHANNEL_EMAIL);
  std::vector<FieldViolation> v;
  const std::optional<std::string> subject = TaggedSubject(mail);
  if (!subject) {
    v.push_back({"subject", "MAIL_SUBJECT_FORMAT", "件名は「【電子保証】工事番号 案件名」としてください"});
    return ViolationStatus(absl::StatusCode::kInvalidArgument, v);
  }
  if (absl::Status s = MapSubjectContract(*subject, intake, r, v); !s.ok()) return s;
  const std::optional<MailText> text = ReadMailText(mail, v);
  if (!text) return ViolationStatus(absl::StatusCode::kInvalidArgument, v);
  MapMailKind(*text, *subject, r, v);
  MapMailIssuer(*text, r, v);
  MapMailCredential(*text, r);
  MapMailDetails(*text, r, v);
  AddMailUploads(mail, r);
  const std::string receipt = MailReceipt(mail, r, intake);
  r.set_client_request_id(receipt);
  r.set_source_receipt(receipt);
  if (!v.empty()) {
    if (r.has_d_sure()) WipeString(r.mutable_d_sure()->mutable_authentication_key());
    if (r.has_confirmation_system()) WipeString(r.mutable_confirmation_system()->mutable_viewing_password());
    return ViolationStatus(absl::StatusCode::kInvalidArgument, v);
  }
  return r;
}

MailIntake::MailIntake(std::unique_ptr<Mailbox> mailbox, IntakeServiceImpl* intake, absl::Duration interval)
    : mailbox_(std::move(mailbox)), intake_(intake), interval_(interval) {}

absl::StatusOr<MailPollResult> MailIntake::PollOnce() {
  absl::MutexLock lock(&mu_);
  MailPollResult result;
  auto uids = mailbox_->ListWithout(kDoneKeyword);
  if (!uids.ok()) return uids.status();
  for (int64_t uid : *uids) {
    auto raw = mailbox_->Fetch(uid);
    if (!raw.ok()) return raw.status();
    auto mail = ParseMail(*raw);
    absl::StatusOr<hosho::v1::SubmitGuaranteeResponse> submitted =
        mail.ok() ? [&]() -> absl::StatusOr<hosho::v1::SubmitGuaranteeResponse> {
      auto request = MapMail(*mail, *intake_);
      if (!request.ok()) return request.status();
      return intake_->Submit(principal_, *request, "", absl::Now() + absl::Seconds(20));
    }()
        : absl::StatusOr<hosho::v1::SubmitGuaranteeResponse>(mail.status());
    if (!submitted.ok() && (absl::IsUnavailable(submitted.status()) || absl::IsDeadlineExceeded(submitted.status()) ||
                            absl::IsResourceExhausted(submitted.status()) || absl::IsInternal(submitted.status()))) {
      // Not the mail's fault: leave it for the next poll.
      ++result.deferred;
      CountMail("deferred", absl::StatusCodeToString(submitted.status().code()));
      LogWarn("mailed submission deferred", {{"uid", uid}, {"error", std::string(submitted.status().message())}});
      continue;
    }
    if (!submitted.ok()) {
      std::vector<FieldViolation> violations = ViolationsOf(submitted.status());
      const std::string code = violations.empty() ? "MAIL_UNREADABLE" : violations.front().code;
      ++result.refused;
      CountMail("refused", code);
      LogInfo("mailed submission refused", {{"uid", uid}, {"code", code}});
      // The reason travels with the message, for the clerk who reads the mailbox: $HoshoRefused and
      // the stable code as a keyword ($Hosho_R04_CERTIFICATE_NOT_CREDENTIAL).
      if (absl::Status s = mailbox_->AddKeyword(uid, absl::StrCat(kRefusedKeyword, " $Hosho_", code)); !s.ok())
        return s;
    } else {
      if (submitted->duplicate()) {
        ++result.duplicates;
      } else if (submitted->replayed()) {
        ++result.replayed;
      } else {
        ++result.accepted;
      }
      CountMail(submitted->duplicate() ? "duplicate" : submitted->replayed() ? "replayed" : "accepted", "");
      LogInfo("mailed submission accepted", {{"uid", uid}, {"case_id", submitted->case_id()}});
    }
    if (absl::Status s = mailbox_->AddKeyword(uid, kDoneKeyword); !s.ok()) return s;
  }
  return result;
}

void MailIntake::Run(const absl::Notification& stop) {
  while (!stop.HasBeenNotified()) {
    if (auto polled = PollOnce(); !polled.ok()) {
      LogWarn("mailbox poll failed", {{"error", std::string(polled.status().message())}});
    }
    stop.WaitForNotificationWithTimeout(interval_);
  }
}

}  // namespace hosho
