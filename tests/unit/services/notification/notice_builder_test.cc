#include "services/notification/notice_builder.h"

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "services/common/domain/events.h"
#include "services/common/mail/outbound.h"
#include "services/common/runtime/config.h"
#include "services/notification/delivery.h"

namespace hosho {
namespace {

// The templates and offices the repository ships.
const NoticeTemplates& Templates() {
  static const auto* t = new NoticeTemplates(
      *NoticeTemplates::FromFile(std::string(HOSHO_SOURCE_DIR) + "/deploy/notification/templates.yaml"));
  return *t;
}
const OfficeDirectory& Offices() {
  static const auto* o =
      new OfficeDirectory(*OfficeDirectory::FromFile(std::string(HOSHO_SOURCE_DIR) + "/deploy/city/offices.yaml"));
  return *o;
}
std::vector<hosho::v1::Notice> BuildNotices(const hosho::events::v1::Envelope& e) {
  return hosho::BuildNotices(e, Templates(), Offices());
}

hosho::events::v1::Envelope Routed() {
  hosho::events::v1::Envelope e;
  e.set_event_id("HS-1:routed");
  e.set_case_id("HS-1");
  auto* r = e.mutable_routing_decided();
  r->set_office("contract-division");
  r->set_action(hosho::v1::HANDOFF_ACTION_CONCLUDE_CONTRACT);
  auto* c = r->mutable_submission()->mutable_contract();
  c->set_contract_number("R8-土木-0001");
  c->set_project_name("市道みなと線舗装補修工事");
  c->mutable_contractor()->set_contact_email("keiyaku@example.jp");
  r->mutable_submission()->set_kind(hosho::v1::GUARANTEE_KIND_CONTRACT);
  r->mutable_submission()->set_issuer(hosho::v1::ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY);
  return e;
}

TEST(NoticeBuilderTest, ARoutingTellsTheOfficeAndTheContractor) {
  auto notices = BuildNotices(Routed());
  ASSERT_EQ(notices.size(), 2u);
  EXPECT_EQ(notices[0].delivery_id(), "HS-1:routed:office");
  EXPECT_EQ(notices[0].recipient(), "contract-division");
  EXPECT_EQ(notices[0].subject(), "【電子保証】R8-土木-0001 市道みなと線舗装補修工事");
  EXPECT_NE(notices[0].body().find("契約締結"), std::string::npos);
  EXPECT_NE(notices[0].body().find("東日本建設業保証の契約保証"), std::string::npos);
  EXPECT_EQ(notices[1].delivery_id(), "HS-1:routed:contractor");
  EXPECT_EQ(notices[1].recipient(), "keiyaku@example.jp");
}

TEST(NoticeBuilderTest, TheSameEventAlwaysYieldsTheSameDeliveryIds) {
  auto a = BuildNotices(Routed());
  auto b = BuildNotices(Routed());
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].delivery_id(), b[i].delivery_id());
}

TEST(NoticeBuilderTest, AReturnListsTheFailedRules) {
  hosho::events::v1::Envelope e;
  e.set_event_id("HS-2:verified");
  e.set_case_id("HS-2");
  auto* v = e.mutable_verification_completed();
  v->set_verdict(hosho::events::v1::VerificationCompleted::VERDICT_RETURNED);
  auto* r = v->add_rule_results();
  r->set_code("R06_AMOUNT_TOO_LOW");
  r->set_message_ja("保証金額が不足しています");
  v->mutable_submission()->mutable_contract()->set_ordering_office("contract-division");
  v->mutable_submission()->mutable_contract()->mutable_contractor()->set_contact_email("x@example.jp");
  v->mutable_submission()->set_kind(hosho::v1::GUARANTEE_KIND_CONTRACT);
  auto notices = BuildNotices(e);
  ASSERT_EQ(notices.size(), 2u);
  EXPECT_NE(notices[1].body().find("R06_AMOUNT_TOO_LOW"), std::string::npos);
}

TEST(NoticeBuilderTest, AVerifiedVerdictNeedsNoNotice) {
  hosho::events::v1::Envelope e;
  e.set_event_id("HS-3:verified");
  e.mutable_verification_completed()->set_verdict(hosho::events::v1::VerificationCompleted::VERDICT_VERIFIED);
  EXPECT_TRUE(BuildNotices(e).empty());
}

TEST(NoticeBuilderTest, AReceiptTellsTheContractorItArrived) {
  hosho::events::v1::Envelope e;
  e.set_event_id("HS-2:receipt");
  e.set_case_id("HS-2");
  auto* r = e.mutable_receipt_acknowledged();
  r->set_kind(hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT);
  r->mutable_contract()->set_contract_number("R8-橋梁-0003");
  r->mutable_contract()->set_project_name("潮見橋耐震補強工事");
  r->mutable_contract()->mutable_contractor()->set_contact_email("info@shiomi.example");
  r->mutable_received_at()->set_seconds(1'795'000'000);
  auto notices = BuildNotices(e);
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_EQ(notices[0].delivery_id(), "HS-2:receipt:contractor");
  EXPECT_EQ(notices[0].audience(), hosho::v1::Notice::AUDIENCE_CONTRACTOR);
  EXPECT_EQ(notices[0].recipient(), "info@shiomi.example");
  EXPECT_EQ(notices[0].subject(), "【電子保証】R8-橋梁-0003 潮見橋耐震補強工事");
  EXPECT_NE(notices[0].body().find("【到達確認】前払金保証の提出を受け付けました"), std::string::npos);
  EXPECT_NE(notices[0].body().find("案件番号: HS-2"), std::string::npos);
  r->mutable_contract()->mutable_contractor()->clear_contact_email();
  EXPECT_TRUE(BuildNotices(e).empty()) << "no address, no notice";
}

TEST(NoticeBuilderTest, AnEscalationRemindsTheOffice) {
  hosho::events::v1::Envelope e;
  e.set_event_id("HS-3:escalated:verification");
  e.set_case_id("HS-3");
  auto* v = e.mutable_verification_escalated();
  v->set_office("contract-division");
  v->set_kind(hosho::v1::GUARANTEE_KIND_CONTRACT);
  v->set_state(hosho::v1::CASE_STATE_AWAITING_VERIFICATION);
  v->mutable_contract()->set_contract_number("R8-土木-0001");
  v->mutable_contract()->set_project_name("市道みなと線舗装補修工事");
  *v->mutable_deadline() = ToProto(absl::FromUnixSeconds(1'795'000'000));
  auto notices = BuildNotices(e);
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_EQ(notices[0].delivery_id(), "HS-3:escalated:verification:office");
  EXPECT_EQ(notices[0].recipient(), "contract-division");
  EXPECT_NE(notices[0].body().find("【期限間近】案件 HS-3（契約保証）の確認期限は 2026-11-18"), std::string::npos)
      << notices[0].body();
}

hosho::events::v1::SubmissionReceived Submission() {
  hosho::events::v1::SubmissionReceived s;
  s.set_kind(hosho::v1::GUARANTEE_KIND_CONTRACT);
  s.set_issuer(hosho::v1::ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY);
  auto* c = s.mutable_contract();
  c->set_contract_number("R8-土木-0001");
  c->set_project_name("市道みなと線舗装補修工事");
  c->set_ordering_office("contract-division");
  c->set_department_in_charge("road-maintenance");
  c->mutable_contractor()->set_name("株式会社みなと建設");
  c->mutable_contractor()->set_contact_email("keiyaku@example.jp");
  return s;
}

TEST(NoticeBuilderTest, AConclusionTellsTheContractorAndTheForwardTellsTheDepartment) {
  hosho::events::v1::Envelope concluded;
  concluded.set_event_id("HS-4:concluded");
  concluded.set_case_id("HS-4");
  auto* c = concluded.mutable_handoff_recorded();
  c->set_step(hosho::events::v1::HandoffRecorded::STEP_CONTRACT_CONCLUDED);
  c->set_from_office("contract-division");
  c->set_to_office("contract-division");
  *c->mutable_submission() = Submission();
  auto notices = BuildNotices(concluded);
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_EQ(notices[0].delivery_id(), "HS-4:concluded:contractor");
  EXPECT_EQ(notices[0].kind(), "concluded");
  EXPECT_NE(notices[0].body().find("株式会社みなと建設 御中"), std::string::npos) << notices[0].body();
  EXPECT_NE(notices[0].body().find("契約締結の手続きが完了しました"), std::string::npos);
  EXPECT_NE(notices[0].body().find("みなと市 電子保証受付（hosho）"), std::string::npos) << "the signature";

  hosho::events::v1::Envelope forwarded = concluded;
  forwarded.set_event_id("HS-4:forwarded");
  forwarded.mutable_handoff_recorded()->set_step(hosho::events::v1::HandoffRecorded::STEP_FORWARDED);
  forwarded.mutable_handoff_recorded()->set_to_office("road-maintenance");
  notices = BuildNotices(forwarded);
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_EQ(notices[0].recipient(), "road-maintenance");
  EXPECT_EQ(notices[0].office(), "road-maintenance");
  EXPECT_NE(notices[0].body().find("道路維持課 ご担当者様"), std::string::npos) << notices[0].body();
  EXPECT_NE(notices[0].body().find("契約課で契約が締結されました"), std::string::npos);
}

TEST(NoticeBuilderTest, APaymentHandoffTellsTheDepartmentTheReferenceAndTheDeadline) {
  hosho::events::v1::Envelope e;
  e.set_event_id("HS-5:handed-off");
  e.set_case_id("HS-5");
  auto* p = e.mutable_payment_handoff_requested();
  p->set_office("road-maintenance");
  p->set_amount_yen(19'200'000);
  p->set_kind(hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT);
  p->set_accounting_reference("ACC-000001");
  *p->mutable_pay_by() = ToProto(absl::FromUnixSeconds(1'795'000'000));
  *p->mutable_contract() = Submission().contract();
  auto notices = BuildNotices(e);
  ASSERT_EQ(notices.size(), 2u);
  EXPECT_NE(notices[0].body().find("前払金 19,200,000円 を会計システムへ引き継ぎました"), std::string::npos)
      << notices[0].body();
  EXPECT_NE(notices[0].body().find("会計受付番号: ACC-000001"), std::string::npos);
  EXPECT_NE(notices[0].body().find("支払期限: 2026-11-18"), std::string::npos);
  EXPECT_EQ(notices[1].recipient(), "keiyaku@example.jp");
}

TEST(NoticeBuilderTest, HandoffDeadlinesAreRemindedThenBreached) {
  hosho::events::v1::Envelope e;
  e.set_event_id("HS-6:escalated:handoff-warn");
  e.set_case_id("HS-6");
  auto* h = e.mutable_handoff_escalated();
  h->set_office("road-maintenance");
  h->set_action(hosho::v1::HANDOFF_ACTION_PROCESS_PAYMENT);
  h->set_kind(hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT);
  *h->mutable_contract() = Submission().contract();
  *h->mutable_deadline() = ToProto(absl::FromUnixSeconds(1'795'000'000));
  auto warn = BuildNotices(e);
  ASSERT_EQ(warn.size(), 1u);
  EXPECT_NE(warn[0].body().find("【期限間近】案件 HS-6（前払金保証）の支払処理期限は 2026-11-18"), std::string::npos)
      << warn[0].body();
  h->set_breached(true);
  e.set_event_id("HS-6:escalated:handoff-breach");
  auto breach = BuildNotices(e);
  ASSERT_EQ(breach.size(), 1u);
  EXPECT_NE(breach[0].body().find("【期限超過】"), std::string::npos);
  EXPECT_NE(breach[0].delivery_id(), warn[0].delivery_id());
}

TEST(NoticeTemplatesTest, AnUnknownPlaceholderIsRefusedAtLoad) {
  auto bad = NoticeTemplates::FromConfig(
      *Config::FromYaml("mail: {from: a@b.example}\nnotices: {receipt: {contractor: \"{contractor_nmae} 御中\"}}"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("{contractor_nmae}"), std::string::npos) << bad.status();
  EXPECT_FALSE(
      NoticeTemplates::FromConfig(*Config::FromYaml("mail: {from: nobody}\nnotices: {receipt: {contractor: x}}")).ok());
  EXPECT_EQ(RenderTemplate("{a}と{b}と{c}", {{"a", "1"}, {"b", "2"}}), "1と2と{c}");
}

TEST(DeliveryPlanTest, OfficeNoticesGoToTheStreamTheMailboxAndSubscribedWebhooks) {
  auto notices = BuildNotices(Routed());
  ASSERT_EQ(notices.size(), 2u);
  std::vector<WebhookSubscriber> webhooks = {{"keiyaku-system", "https://k.example/hook", "s", {"contract-division"}},
                                             {"parks-only", "https://p.example/hook", "s", {"parks"}},
                                             {"all", "https://a.example/hook", "s", {}}};
  auto office = PlanDeliveries(notices[0], Offices(), webhooks, true);
  std::vector<std::string> ids;
  for (const auto& d : office) ids.push_back(d.id + " " + d.target);
  EXPECT_EQ(ids,
            (std::vector<std::string>{
                "HS-1:routed:office:stream contract-division", "HS-1:routed:office:email keiyaku@city.minato.example",
                "HS-1:routed:office:webhook:keiyaku-system keiyaku-system", "HS-1:routed:office:webhook:all all"}));
  auto contractor = PlanDeliveries(notices[1], Offices(), webhooks, true);
  ASSERT_EQ(contractor.size(), 1u);
  EXPECT_EQ(contractor[0].channel, "email");
  EXPECT_EQ(contractor[0].target, "keiyaku@example.jp");
  EXPECT_TRUE(PlanDeliveries(notices[1], Offices(), {}, /*mail_enabled=*/false).empty());
}

TEST(DeliveryPlanTest, MailIsUtf8WithEncodedSubjectAndAStableMessageId) {
  OutgoingMail mail;
  mail.from = "みなと市 電子保証受付 <hosho@city.minato.example>";
  mail.to = "keiyaku@example.jp";
  mail.subject = "【電子保証】R8-土木-0001 市道みなと線舗装補修工事";
  mail.body = "本文";
  mail.message_id = MailChannel::MessageIdFor("HS-1:routed:office:email", "hosho.example");
  mail.date = absl::FromUnixSeconds(1'795'000'000);
  const std::string raw = ComposeMail(mail);
  EXPECT_EQ(mail.message_id, "hosho.HS-1.routed.office.email@hosho.example");
  EXPECT_NE(raw.find("Message-ID: <hosho.HS-1.routed.office.email@hosho.example>\r\n"), std::string::npos);
  EXPECT_NE(raw.find("Subject: =?UTF-8?B?"), std::string::npos) << raw;
  EXPECT_NE(raw.find("From: =?UTF-8?B?"), std::string::npos);
  EXPECT_NE(raw.find("<hosho@city.minato.example>"), std::string::npos);
  EXPECT_NE(raw.find("Content-Type: text/plain; charset=UTF-8"), std::string::npos);
  EXPECT_NE(raw.find("\r\n\r\n5pys5paH\r\n"), std::string::npos) << "base64 of 本文";
  for (absl::string_view line : absl::StrSplit(raw, "\r\n")) EXPECT_LE(line.size(), 78u) << line;
}

}  // namespace
}  // namespace hosho
