#include "services/intake/intake_service.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "hosho/events/v1/events.pb.h"
#include "services/common/case_view.h"
#include "services/common/domain_text.h"
#include "services/common/errors.h"
#include "services/common/events.h"
#include "services/common/grpc_server.h"
#include "services/common/log.h"
#include "services/common/metrics.h"
#include "services/common/trace.h"

namespace hosho {
namespace {

using hosho::v1::SubmitGuaranteeRequest;

// Removes every plaintext secret from the request, whatever path the call takes.
void WipeCredential(SubmitGuaranteeRequest& request) {
  if (request.has_d_sure()) WipeString(request.mutable_d_sure()->mutable_authentication_key());
  if (request.has_confirmation_system()) {
    WipeString(request.mutable_confirmation_system()->mutable_viewing_password());
    WipeString(request.mutable_confirmation_system()->mutable_viewing_url());
  }
}

void CountSubmission(absl::string_view outcome, absl::string_view code) {
  Metrics()
      .GetCounter("hosho_intake_submissions_total", "Submissions by outcome and rule code.",
                  {{"outcome", std::string(outcome)}, {"code", std::string(code)}})
      .Increment();
}

}  // namespace

std::string NewCaseId(absl::Time now) {
  return absl::StrCat("HS-", absl::FormatTime("%Y%m%d", now, JapanTimeZone()), "-", RandomHex(6));
}

IntakeServiceImpl::IntakeServiceImpl(CaseStore* cases, ContractStore* contracts, EventProducer* producer,
                                     const Sealer* sealer, const Authenticator* auth, Clock* clock, ScopePolicy policy,
                                     IntakeOptions options)
    : cases_(cases),
      contracts_(contracts),
      producer_(producer),
      sealer_(sealer),
      auth_(auth),
      clock_(clock),
      policy_(std::move(policy)),
      options_(options) {}

grpc::Status IntakeServiceImpl::SubmitGuarantee(grpc::ServerContext* context, const SubmitGuaranteeRequest* request,
                                                hosho::v1::SubmitGuaranteeResponse* response) {
  const absl::Time started = absl::Now();
  // The request object is ours for the call; its plaintext is wiped before we return.
  auto& mutable_request = const_cast<SubmitGuaranteeRequest&>(*request);
  auto principal = auth_->Require(*context, {Role::kSubmitter, Role::kIntegration, Role::kClerk, Role::kOperator});
  if (!principal.ok()) {
    WipeCredential(mutable_request);
    return ObserveRpc("SubmitGuarantee", started, ToGrpcStatus(principal.status()));
  }
  auto result = Submit(*principal, mutable_request, TraceparentOf(*context), absl::FromChrono(context->deadline()));
  if (!result.ok()) return ObserveRpc("SubmitGuarantee", started, ToGrpcStatus(result.status()));
  *response = *std::move(result);
  return ObserveRpc("SubmitGuarantee", started, grpc::Status::OK);
}

absl::StatusOr<hosho::v1::SubmitGuaranteeResponse> IntakeServiceImpl::Submit(const Principal& principal,
                                                                             SubmitGuaranteeRequest& request,
                                                                             const std::string& traceparent,
                                                                             absl::Time deadline) {
  struct Wiper {
    SubmitGuaranteeRequest& r;
    ~Wiper() { WipeCredential(r); }
  } wiper{request};
  const absl::Time now = clock_->Now();

  // The contract, then the rules at the door.
  hosho::v1::Contract contract;
  bool contract_found = false;
  if (!request.contract_id().empty()) {
    auto stored = contracts_->Get(request.contract_id());
    if (stored.ok()) {
      contract_found = contract.ParseFromString(*stored);
    } else if (!absl::IsNotFound(stored.status())) {
      return stored.status();
    }
  }
  hosho::v1::Date today = request.has_submitted_on() ? request.submitted_on() : TodayInJapan(now);
  std::vector<FieldViolation> violations =
      CheckSubmission(request, contract_found ? &contract : nullptr, policy_, today);
  if (!violations.empty()) {
    CountSubmission("refused", violations.front().code);
    LogInfo("submission refused",
            {{"code", violations.front().code}, {"principal", principal.name}, {"contract_id", request.contract_id()}});
    return ViolationStatus(CodeFor(violations), violations);
  }

  // An amendment names the case it amends: it must exist and be for the same contract and kind
  // (otherwise the duplicate rule below could be bypassed with any value).
  if (!request.supersedes_case_id().empty()) {
    auto amended = cases_->Get(request.supersedes_case_id());
    if (!amended.ok() && !absl::IsNotFound(amended.status())) return amended.status();
    if (!amended.ok() || !MaySee(principal, *amended)) {
      CountSubmission("refused", "SUPERSEDED_CASE_NOT_FOUND");
      return ViolationStatus(absl::StatusCode::kNotFound, {{"supersedes_case_id", "SUPERSEDED_CASE_NOT_FOUND",
                                                            "変更の対象とする案件が見つかりません"}});
    }
    if (amended->Field(case_fields::kContractId) != request.contract_id() ||
        amended->Field(case_fields::kKind) != std::to_string(request.kind())) {
      CountSubmission("refused", "SUPERSEDED_CASE_MISMATCH");
      return ViolationStatus(absl::StatusCode::kFailedPrecondition,
                             {{"supersedes_case_id", "SUPERSEDED_CASE_MISMATCH",
                               "変更の対象とする案件は、同じ契約・同じ種類の保証でなければなりません"}});
    }
  }

  // Idempotency on (principal, client_request_id). The stored value binds the
  // request id to its case and to a keyed fingerprint of the whole request, so a
  // reused id with different content is refused instead of silently merged.
  const std::string request_fp = absl::BytesToHexString(sealer_->Fingerprint(request.SerializeAsString()));
  const std::string fresh_case_id = NewCaseId(now);
  auto bound = cases_->PutIfAbsent(absl::StrCat("idem:{", principal.name, "}:", request.client_request_id()),
                                   absl::StrCat(fresh_case_id, "|", request_fp), options_.idempotency_ttl);
  if (!bound.ok()) return bound.status();
  std::vector<std::string> parts = absl::StrSplit(*bound, absl::MaxSplits('|', 1));
  if (parts.size() != 2) return absl::DataLossError("malformed idempotency record");
  const std::string case_id = parts[0];
  const bool replayed = case_id != fresh_case_id;
  if (replayed && parts[1] != request_fp) {
    CountSubmission("refused", "REQUEST_ID_REUSED");
    return ViolationStatus(absl::StatusCode::kAlreadyExists,
                           {{"client_request_id", "REQUEST_ID_REUSED",
                             "この client_request_id は別の内容の提出で使用済みです（案件 " + case_id + "）"}});
  }

  // The credential: what identifies it (not secret) and the sealed secret.
  hosho::v1::SealedCredential credential;
  credential.set_platform(PlatformOf(request));
  std::string locator;
  SecretBytes plaintext;
  if (request.has_d_sure()) {
    credential.set_guarantee_number(request.d_sure().guarantee_number());
    locator = request.d_sure().guarantee_number();
    plaintext = SecretBytes(request.d_sure().SerializeAsString());
  } else {
    credential.set_guarantee_number(request.confirmation_system().certificate_number());
    locator = request.confirmation_system().viewing_url();
    plaintext = SecretBytes(request.confirmation_system().SerializeAsString());
  }
  auto sealed = sealer_->Seal(plaintext.value(), case_id);
  if (!sealed.ok()) return sealed.status();
  *credential.mutable_secret() = *std::move(sealed);
  credential.set_fingerprint(sealer_->Fingerprint(locator));
  plaintext.Wipe();

  // R14 at the door: one guarantee per contract and purpose, unless it amends a case.
  if (request.supersedes_case_id().empty()) {
    auto holder = cases_->PutIfAbsent(absl::StrCat("dup:{", request.contract_id(), "}:", request.kind(), ":",
                                                   absl::BytesToHexString(credential.fingerprint())),
                                      case_id, absl::ZeroDuration());
    if (!holder.ok()) return holder.status();
    if (*holder != case_id) {
      CountSubmission("refused", "R14_DUPLICATE_GUARANTEE");
      return ViolationStatus(absl::StatusCode::kAlreadyExists,
                             {{"credential", "R14_DUPLICATE_GUARANTEE",
                               "同じ契約・同じ種類の保証がすでに提出されています（案件 " + *holder + "）"}});
    }
  }

  // The event, built once: a replay re-sends the first one (kept by the store).
  hosho::events::v1::Envelope envelope;
  envelope.set_event_id(absl::StrCat(case_id, ":submitted"));
  envelope.set_case_id(case_id);
  *envelope.mutable_occurred_at() = ToProto(now);
  envelope.set_producer("hosho-intake");
  auto* submission = envelope.mutable_submission_received();
  submission->set_kind(request.kind());
  submission->set_issuer_kind(request.issuer_kind());
  submission->set_issuer(request.issuer());
  submission->set_issuer_name(request.issuer_name());
  *submission->mutable_credential() = credential;
  *submission->mutable_contract() = contract;
  submission->set_requested_amount_yen(request.requested_amount_yen());
  *submission->mutable_attachments() = request.attachments();
  submission->set_channel(request.channel() == hosho::v1::CHANNEL_UNSPECIFIED ? hosho::v1::CHANNEL_API
                                                                              : request.channel());
  submission->set_submitted_by(principal.name);
  submission->set_supersedes_case_id(request.supersedes_case_id());
  *submission->mutable_submitted_on() = today;
  *submission->mutable_received_at() = ToProto(now);

  const std::string office = request.kind() == hosho::v1::GUARANTEE_KIND_CONTRACT ? contract.ordering_office()
                                                                                  : contract.department_in_charge();
  namespace f = case_fields;
  TransitionRequest create;
  create.case_id = case_id;
  create.event_id = envelope.event_id();
  create.to_state = StateName(hosho::v1::CASE_STATE_RECEIVED);
  create.actor = principal.name;
  create.reason = absl::StrCat(KindNameJa(request.kind()), "の提出を受け付けました");
  create.at = now;
  create.office = office;
  create.deadline = now + options_.verification_sla;
  create.payload = envelope.SerializeAsString();
  create.fields = {{f::kKind, std::to_string(request.kind())},
                   {f::kIssuerKind, std::to_string(request.issuer_kind())},
                   {f::kIssuer, std::to_string(request.issuer())},
                   {f::kPlatform, std::to_string(credential.platform())},
                   {f::kContractId, request.contract_id()},
                   {f::kOrderingOffice, contract.ordering_office()},
                   {f::kDepartment, contract.department_in_charge()},
                   {f::kGuaranteeNumber, credential.guarantee_number()},
                   {f::kChannel, std::to_string(submission->channel())},
                   {f::kReceivedMs, std::to_string(absl::ToUnixMillis(now))},
                   {f::kSupersedes, request.supersedes_case_id()},
                   {f::kSubmittedBy, principal.name},
                   {f::kCredentialKeyId, credential.secret().key_id()},
                   {f::kAmountYen, std::to_string(request.requested_amount_yen())},
                   {"credential", credential.SerializeAsString()}};
  auto created = cases_->Apply(create);
  if (!created.ok()) return created.status();

  // Answer only once Kafka has stored the event. A replay re-sends the stored
  // first event (same event id): consumers apply it once.
  OutgoingRecord record = ToRecord(topics::kSubmissions, envelope, traceparent);
  record.value = created->payload;
  const absl::Duration budget = std::min(options_.send_timeout, deadline - clock_->Now());
  if (absl::Status sent = producer_->Send(record, std::max(budget, absl::ZeroDuration())); !sent.ok()) {
    CountSubmission("unavailable", "KAFKA_UNAVAILABLE");
    LogWarn("submission not stored in kafka", {{"case_id", case_id}, {"error", std::string(sent.message())}});
    return absl::UnavailableError(absl::StrCat(
        "受付イベントを保存できませんでした。同じ client_request_id で再送してください (case ", case_id, ")"));
  }
  CountSubmission(replayed ? "replayed" : "accepted", "");
  LogInfo("submission accepted", {{"case_id", case_id},
                                  {"trace_id", TraceIdOf(traceparent)},
                                  {"replayed", replayed},
                                  {"kind", hosho::v1::GuaranteeKind_Name(request.kind())},
                                  {"office", office}});
  hosho::v1::SubmitGuaranteeResponse response;
  response.set_case_id(case_id);
  response.set_replayed(replayed);
  response.set_state(hosho::v1::CASE_STATE_RECEIVED);
  if (replayed) {
    // A replay answers with where the case is now.
    if (auto state = cases_->GetState(case_id); state.ok()) response.set_state(ParseStateName(*state));
  }
  return response;
}

}  // namespace hosho
