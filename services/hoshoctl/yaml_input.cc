#include "services/hoshoctl/yaml_input.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "services/common/domain/domain_text.h"
#include "services/common/runtime/config.h"

namespace hosho {

absl::StatusOr<hosho::v1::Contract> ContractFromYaml(const Config& c) {
  hosho::v1::Contract k;
  k.set_contract_id(c.GetString("contract_id"));
  k.set_contract_number(c.GetString("contract_number"));
  k.set_project_name(c.GetString("project_name"));
  k.set_project_location(c.GetString("project_location"));
  k.set_ordering_office(c.GetString("ordering_office"));
  k.set_department_in_charge(c.GetString("department_in_charge"));
  auto category = ReadEnumField<hosho::v1::WorkCategory>(c, "work_category", hosho::v1::WorkCategory_descriptor(),
                                                         "WORK_CATEGORY_");
  if (!category.ok()) return category.status();
  k.set_work_category(*category);
  k.mutable_contractor()->set_name(c.GetString("contractor.name"));
  k.mutable_contractor()->set_address(c.GetString("contractor.address"));
  k.mutable_contractor()->set_representative(c.GetString("contractor.representative"));
  k.mutable_contractor()->set_contact_email(c.GetString("contractor.contact_email"));
  k.set_price_yen(c.GetInt("price_yen"));
  k.set_low_bid(c.GetBool("low_bid"));
  k.set_intermediate_advance_approved(c.GetBool("intermediate_advance_approved"));
  k.set_advance_paid_yen(c.GetInt("advance_paid_yen"));
  k.set_beneficiary(c.GetString("beneficiary"));
  if (auto s = ReadDateField(c, "period_start", k.mutable_period_start()); !s.ok()) return s;
  if (auto s = ReadDateField(c, "period_end", k.mutable_period_end()); !s.ok()) return s;
  return k;
}

namespace {

// Attachments as files beside the YAML: uploaded, sealed by intake.
absl::Status ReadAttachments(const Config& c, hosho::v1::SubmitGuaranteeRequest& r) {
  for (const auto& [key, kind] :
       {std::pair<const char*, hosho::v1::AttachmentRef::Kind>{"invoice_file", hosho::v1::AttachmentRef::KIND_INVOICE},
        {"orderer_format_file", hosho::v1::AttachmentRef::KIND_ORDERER_FORMAT},
        {"certificate_file", hosho::v1::AttachmentRef::KIND_CERTIFICATE}}) {
    if (!c.Has(key)) continue;
    const std::string path = c.ResolvePath(c.GetString(key));
    std::ifstream in(path, std::ios::binary);
    if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
    std::stringstream bytes;
    bytes << in.rdbuf();
    auto* upload = r.add_uploads();
    upload->set_kind(kind);
    upload->set_filename(std::filesystem::path(path).filename().string());
    upload->set_media_type("application/pdf");
    upload->set_content(bytes.str());
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<hosho::v1::SubmitGuaranteeRequest> SubmissionFromYaml(const Config& c) {
  hosho::v1::SubmitGuaranteeRequest r;
  r.set_client_request_id(c.GetString("request_id"));
  r.set_contract_id(c.GetString("contract_id"));
  auto kind =
      ReadEnumField<hosho::v1::GuaranteeKind>(c, "kind", hosho::v1::GuaranteeKind_descriptor(), "GUARANTEE_KIND_");
  if (!kind.ok()) return kind.status();
  r.set_kind(*kind);
  auto issuer_kind =
      ReadEnumField<hosho::v1::IssuerKind>(c, "issuer_kind", hosho::v1::IssuerKind_descriptor(), "ISSUER_KIND_");
  if (!issuer_kind.ok()) return issuer_kind.status();
  r.set_issuer_kind(*issuer_kind);
  auto issuer = ReadEnumField<hosho::v1::Issuer>(c, "issuer", hosho::v1::Issuer_descriptor(), "ISSUER_");
  if (!issuer.ok()) return issuer.status();
  r.set_issuer(*issuer);
  r.set_issuer_name(c.GetString("issuer_name"));
  if (c.Has("channel")) {
    auto channel = ReadEnumField<hosho::v1::Channel>(c, "channel", hosho::v1::Channel_descriptor(), "CHANNEL_");
    if (!channel.ok()) return channel.status();
    r.set_channel(*channel);
  }
  r.set_requested_amount_yen(c.GetInt("requested_amount_yen"));
  r.set_supersedes_case_id(c.GetString("supersedes_case_id"));
  r.set_resubmits_case_id(c.GetString("resubmits_case_id"));
  if (c.Has("amendment_kind")) {
    auto amendment = ReadEnumField<hosho::v1::AmendmentKind>(c, "amendment_kind", hosho::v1::AmendmentKind_descriptor(),
                                                             "AMENDMENT_KIND_");
    if (!amendment.ok()) return amendment.status();
    r.set_amendment_kind(*amendment);
  }
  if (absl::Status s = ReadAttachments(c, r); !s.ok()) return s;
  if (c.Has("paper.guarantee_number")) {
    r.mutable_paper()->set_guarantee_number(c.GetString("paper.guarantee_number"));
    if (auto s = ReadDateField(c, "paper.received_on", r.mutable_paper()->mutable_received_on()); !s.ok()) return s;
    r.mutable_paper()->set_note(c.GetString("paper.note"));
  }
  if (c.Has("d_sure.guarantee_number")) {
    r.mutable_d_sure()->set_guarantee_number(c.GetString("d_sure.guarantee_number"));
    r.mutable_d_sure()->set_authentication_key(c.GetString("d_sure.authentication_key"));
  } else if (c.Has("confirmation_system.viewing_url")) {
    r.mutable_confirmation_system()->set_viewing_url(c.GetString("confirmation_system.viewing_url"));
    r.mutable_confirmation_system()->set_viewing_password(c.GetString("confirmation_system.viewing_password"));
    r.mutable_confirmation_system()->set_certificate_number(c.GetString("confirmation_system.certificate_number"));
    r.mutable_confirmation_system()->set_project_name(c.GetString("confirmation_system.project_name"));
    r.mutable_confirmation_system()->set_contractor_name(c.GetString("confirmation_system.contractor_name"));
  }
  return r;
}

}  // namespace hosho
