#include "services/notification/notice_builder.h"

#include "absl/strings/str_cat.h"
#include "services/common/domain/domain_text.h"
#include "services/common/domain/events.h"

namespace hosho {
namespace {

using hosho::events::v1::Envelope;
using hosho::events::v1::HandoffRecorded;
using hosho::v1::Notice;
using Variables = NoticeTemplates::Variables;

std::string JaTime(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%d %H:%M", FromProto(t), JapanTimeZone());
}
std::string JaDay(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%d", FromProto(t), JapanTimeZone());
}

std::string TaskJa(hosho::v1::HandoffAction action) {
  switch (action) {
    case hosho::v1::HANDOFF_ACTION_CONCLUDE_CONTRACT:
      return "契約締結";
    case hosho::v1::HANDOFF_ACTION_PROCESS_PAYMENT:
      return "支払処理";
    default:
      return "回付先の確認";
  }
}

// Builds notices of one event: the shared variables, then one per audience wanted.
class Notices {
 public:
  Notices(const Envelope& e, const NoticeTemplates& templates, const OfficeDirectory& offices)
      : e_(e), templates_(templates), offices_(offices) {
    vars_["case_id"] = e.case_id();
  }
  Notices& Contract(const hosho::v1::Contract& c) {
    contract_ = c;
    vars_["contract_number"] = c.contract_number();
    vars_["project_name"] = c.project_name();
    vars_["contractor_name"] = c.contractor().name();
    return *this;
  }
  Notices& Set(const std::string& name, std::string value) {
    vars_[name] = std::move(value);
    return *this;
  }
  Notices& Office(const std::string& code) {
    office_ = code;
    vars_["office"] = offices_.NameJa(code);
    return *this;
  }
  Notices& ReceivedAt(const google::protobuf::Timestamp& t) {
    received_at_ = t;
    vars_["received_at"] = JaTime(t);
    return *this;
  }
  void ToOffice(const char* kind, std::vector<Notice>* out) const {
    if (!office_.empty()) Add(kind, Notice::AUDIENCE_OFFICE, office_, out);
  }
  void ToContractor(const char* kind, std::vector<Notice>* out) const {
    const std::string& address = contract_.contractor().contact_email();
    if (!address.empty()) Add(kind, Notice::AUDIENCE_CONTRACTOR, address, out);
  }

 private:
  void Add(const char* kind, Notice::Audience audience, const std::string& recipient, std::vector<Notice>* out) const {
    if (!templates_.Has(kind, audience)) return;  // the city chose not to send this one
    Notice n;
    n.set_delivery_id(absl::StrCat(e_.event_id(), ":", audience == Notice::AUDIENCE_OFFICE ? "office" : "contractor"));
    n.set_case_id(e_.case_id());
    n.set_audience(audience);
    n.set_recipient(recipient);
    n.set_subject(templates_.Subject(vars_));
    n.set_body(templates_.Body(kind, audience, vars_));
    n.set_event_id(e_.event_id());
    n.set_kind(kind);
    n.set_office(office_);
    *n.mutable_case_received_at() = received_at_.seconds() != 0 ? received_at_ : e_.occurred_at();
    out->push_back(std::move(n));
  }

  const Envelope& e_;
  const NoticeTemplates& templates_;
  const OfficeDirectory& offices_;
  Variables vars_;
  hosho::v1::Contract contract_;
  std::string office_;
  google::protobuf::Timestamp received_at_;
};

std::string CheckingOffice(const hosho::events::v1::SubmissionReceived& s) {
  return s.kind() == hosho::v1::GUARANTEE_KIND_CONTRACT ? s.contract().ordering_office()
                                                        : s.contract().department_in_charge();
}

// A returned guarantee: the failed rules, to the checking office and the contractor.
void ReturnedNotices(const hosho::events::v1::VerificationCompleted& v, Notices& n, std::vector<Notice>* out) {
  const auto& s = v.submission();
  std::string reasons;
  for (const auto& r : v.rule_results()) {
    if (!r.passed()) absl::StrAppend(&reasons, "\n- ", r.code(), ": ", r.message_ja());
  }
  n.Contract(s.contract())
      .Office(CheckingOffice(s))
      .ReceivedAt(s.received_at())
      .Set("kind", KindNameJa(s.kind()))
      .Set("issuer", IssuerNameJa(s.issuer()))
      .Set("reasons", reasons);
  n.ToOffice("returned", out);
  n.ToContractor("returned", out);
}

// A hand-off step: who is told depends on the step.
void HandoffNotices(const HandoffRecorded& h, const OfficeDirectory& offices, Notices& n, std::vector<Notice>* out) {
  const auto& s = h.submission();
  n.Contract(s.contract())
      .ReceivedAt(s.received_at())
      .Set("kind", KindNameJa(s.kind()))
      .Set("issuer", IssuerNameJa(s.issuer()))
      .Set("from_office", offices.NameJa(h.from_office()))
      .Set("to_office", offices.NameJa(h.to_office()))
      .Set("note", h.note().empty() ? "" : absl::StrCat("（理由: ", h.note(), "）"))
      .Set("guarantee_number", "");
  switch (h.step()) {
    case HandoffRecorded::STEP_CONTRACT_CONCLUDED:
      n.Office(h.from_office()).ToContractor("concluded", out);
      break;
    case HandoffRecorded::STEP_FORWARDED:
      n.Office(h.to_office()).ToOffice("forwarded", out);
      break;
    case HandoffRecorded::STEP_WITHDRAWN:
      n.Office(h.to_office()).ToOffice("withdrawn", out);
      n.ToContractor("withdrawn", out);
      break;
    default:
      break;  // the department's acknowledgement closes the case; nobody needs telling
  }
}

// An amended guarantee (変更保証) is owed after a contract change.
void RecheckNotices(const hosho::events::v1::GuaranteeRechecked& g, Notices& n, std::vector<Notice>* out) {
  std::string reasons;
  for (const auto& r : g.rule_results()) {
    if (r.outcome() == hosho::v1::RuleResult::OUTCOME_FAIL)
      absl::StrAppend(&reasons, "\n- ", r.code(), ": ", r.message_ja());
  }
  n.Contract(g.contract())
      .Office(g.office())
      .Set("kind", KindNameJa(g.kind()))
      .Set("guarantee_number", g.guarantee_number())
      .Set("deadline", JaDay(g.deadline()))
      .Set("reasons", reasons);
  n.ToOffice("amended_guarantee_required", out);
  n.ToContractor("amended_guarantee_required", out);
}

}  // namespace

std::vector<Notice> BuildNotices(const Envelope& e, const NoticeTemplates& templates, const OfficeDirectory& offices) {
  std::vector<Notice> out;
  Notices n(e, templates, offices);
  if (e.has_receipt_acknowledged()) {
    const auto& r = e.receipt_acknowledged();
    n.Contract(r.contract()).ReceivedAt(r.received_at()).Set("kind", KindNameJa(r.kind()));
    n.ToContractor("receipt", &out);
  } else if (e.has_verification_escalated()) {
    const auto& v = e.verification_escalated();
    n.Contract(v.contract())
        .Office(v.office())
        .Set("kind", KindNameJa(v.kind()))
        .Set("deadline", JaTime(v.deadline()))
        .Set("state", StateName(v.state()));
    n.ToOffice("verification_escalated", &out);
  } else if (e.has_routing_decided()) {
    const auto& r = e.routing_decided();
    const auto& s = r.submission();
    n.Contract(s.contract())
        .Office(r.office())
        .ReceivedAt(s.received_at())
        .Set("kind", KindNameJa(s.kind()))
        .Set("issuer", IssuerNameJa(s.issuer()))
        .Set("deadline", JaDay(r.deadline()))
        .Set("task", TaskJa(r.action()) + "をお願いします");
    n.ToOffice("routed", &out);
    n.ToContractor("routed", &out);
  } else if (e.has_verification_completed() &&
             e.verification_completed().verdict() == hosho::events::v1::VerificationCompleted::VERDICT_RETURNED) {
    ReturnedNotices(e.verification_completed(), n, &out);
  } else if (e.has_handoff_recorded()) {
    HandoffNotices(e.handoff_recorded(), offices, n, &out);
  } else if (e.has_payment_handoff_requested()) {
    const auto& p = e.payment_handoff_requested();
    n.Contract(p.contract())
        .Office(p.office())
        .ReceivedAt(p.requested_at())
        .Set("kind", KindNameJa(p.kind()))
        .Set("amount", FormatYen(p.amount_yen()))
        .Set("accounting_reference", p.accounting_reference())
        .Set("deadline", JaDay(p.pay_by()))
        .Set("guarantee_number", p.guarantee_number());
    n.ToOffice("payment_handoff", &out);
    n.ToContractor("payment_handoff", &out);
  } else if (e.has_guarantee_rechecked() && e.guarantee_rechecked().amended_guarantee_required()) {
    // A re-check that found the guarantee still covering the contract asks nobody for anything.
    RecheckNotices(e.guarantee_rechecked(), n, &out);
  } else if (e.has_handoff_escalated()) {
    const auto& h = e.handoff_escalated();
    n.Contract(h.contract())
        .Office(h.office())
        .Set("kind", KindNameJa(h.kind()))
        .Set("deadline", JaTime(h.deadline()))
        .Set("task", TaskJa(h.action()));
    n.ToOffice(h.breached() ? "deadline_breached" : "deadline_approaching", &out);
  }
  return out;
}

}  // namespace hosho
