#include "services/notification/notice_builder.h"

#include "absl/strings/str_cat.h"
#include "services/common/domain_text.h"
#include "services/common/events.h"

namespace hosho {
namespace {

using hosho::v1::Notice;

std::string Subject(const hosho::v1::Contract& c) {
  return absl::StrCat("【電子保証】", c.contract_number(), " ", c.project_name());
}

Notice Make(const hosho::events::v1::Envelope& e, Notice::Audience audience, std::string recipient,
            const hosho::v1::Contract& contract, std::string body, absl::Time received_at) {
  Notice n;
  n.set_delivery_id(absl::StrCat(e.event_id(), ":", audience == Notice::AUDIENCE_OFFICE ? "office" : "contractor"));
  n.set_case_id(e.case_id());
  n.set_audience(audience);
  n.set_recipient(std::move(recipient));
  n.set_subject(Subject(contract));
  n.set_body(std::move(body));
  n.set_event_id(e.event_id());
  *n.mutable_case_received_at() = ToProto(received_at);
  return n;
}

}  // namespace

std::vector<Notice> BuildNotices(const hosho::events::v1::Envelope& e) {
  std::vector<Notice> out;
  if (e.has_receipt_acknowledged()) {
    // 到達確認: the contractor learns the submission arrived and under which case number.
    const auto& r = e.receipt_acknowledged();
    const auto& c = r.contract();
    const absl::Time received = FromProto(r.received_at());
    if (!c.contractor().contact_email().empty()) {
      out.push_back(
          Make(e, Notice::AUDIENCE_CONTRACTOR, c.contractor().contact_email(), c,
               absl::StrCat("【到達確認】", KindNameJa(r.kind()), "の提出を受け付けました。\n案件番号: ", e.case_id(),
                            "\n受付日時: ", absl::FormatTime("%Y-%m-%d %H:%M", received, JapanTimeZone()),
                            "\n確認の結果は改めてお知らせします。"),
               received));
    }
  } else if (e.has_verification_escalated()) {
    // The deadline is near: the office is reminded.
    const auto& v = e.verification_escalated();
    out.push_back(Make(e, Notice::AUDIENCE_OFFICE, v.office(), v.contract(),
                       absl::StrCat("【期限間近】案件 ", e.case_id(), "（", KindNameJa(v.kind()), "）の確認期限は ",
                                    absl::FormatTime("%Y-%m-%d %H:%M", FromProto(v.deadline()), JapanTimeZone()),
                                    " です。まだ確認が終わっていません（", StateName(v.state()), "）。"),
                       FromProto(e.occurred_at())));
  } else if (e.has_routing_decided()) {
    const auto& r = e.routing_decided();
    const auto& s = r.submission();
    const auto& c = s.contract();
    const absl::Time received = FromProto(s.received_at());
    const std::string deadline = absl::FormatTime("%Y-%m-%d", FromProto(r.deadline()), JapanTimeZone());
    std::string task;
    switch (r.action()) {
      case hosho::v1::HANDOFF_ACTION_CONCLUDE_CONTRACT:
        task = "契約締結の手続きをお願いします";
        break;
      case hosho::v1::HANDOFF_ACTION_PROCESS_PAYMENT:
        task = "支払処理をお願いします";
        break;
      default:
        task = "回付先の確認をお願いします";
        break;
    }
    out.push_back(Make(e, Notice::AUDIENCE_OFFICE, r.office(), c,
                       absl::StrCat("案件 ", e.case_id(), "（", IssuerNameJa(s.issuer()), "の", KindNameJa(s.kind()),
                                    "）の確認が完了しました。", task, "。期限: ", deadline),
                       received));
    if (!c.contractor().contact_email().empty()) {
      out.push_back(
          Make(e, Notice::AUDIENCE_CONTRACTOR, c.contractor().contact_email(), c,
               absl::StrCat(KindNameJa(s.kind()), "の確認が完了し、担当課へ回付しました（案件 ", e.case_id(), "）"),
               received));
    }
  } else if (e.has_verification_completed() &&
             e.verification_completed().verdict() == hosho::events::v1::VerificationCompleted::VERDICT_RETURNED) {
    const auto& v = e.verification_completed();
    const auto& s = v.submission();
    const auto& c = s.contract();
    std::string reasons;
    for (const auto& r : v.rule_results()) {
      if (!r.passed()) absl::StrAppend(&reasons, "\n- ", r.code(), ": ", r.message_ja());
    }
    const absl::Time received = FromProto(s.received_at());
    const std::string office =
        s.kind() == hosho::v1::GUARANTEE_KIND_CONTRACT ? c.ordering_office() : c.department_in_charge();
    out.push_back(Make(e, Notice::AUDIENCE_OFFICE, office, c,
                       absl::StrCat("案件 ", e.case_id(), " は不備のため差し戻しました。", reasons), received));
    if (!c.contractor().contact_email().empty()) {
      out.push_back(Make(e, Notice::AUDIENCE_CONTRACTOR, c.contractor().contact_email(), c,
                         absl::StrCat("提出された", KindNameJa(s.kind()),
                                      "に不備がありました。内容をご確認のうえ再提出してください。", reasons),
                         received));
    }
  }
  return out;
}

}  // namespace hosho
