#include "services/notification/notice_builder.h"

#include "gtest/gtest.h"
#include "services/common/events.h"

namespace hosho {
namespace {

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

}  // namespace
}  // namespace hosho
