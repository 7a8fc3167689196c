#include "services/intake/contract_registry_service.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/domain_text.h"
#include "services/common/events.h"
#include "services/common/grpc_server.h"
#include "services/common/log.h"

namespace hosho {

std::vector<FieldViolation> CheckContract(const hosho::v1::Contract& c) {
  std::vector<FieldViolation> v;
  if (c.contract_id().empty() || c.contract_id().size() > 64) {
    v.push_back({"contract.contract_id", "CONTRACT_ID_INVALID", "契約IDは1〜64文字で指定してください"});
  }
  if (c.contract_number().empty())
    v.push_back({"contract.contract_number", "CONTRACT_NUMBER_MISSING", "工事番号を入力してください"});
  if (c.project_name().empty())
    v.push_back({"contract.project_name", "PROJECT_NAME_MISSING", "工事名を入力してください"});
  if (c.ordering_office().empty())
    v.push_back({"contract.ordering_office", "ORDERING_OFFICE_MISSING", "発注課を指定してください"});
  if (c.department_in_charge().empty()) {
    v.push_back({"contract.department_in_charge", "DEPARTMENT_MISSING", "工事担当課を指定してください"});
  }
  if (c.contractor().name().empty())
    v.push_back({"contract.contractor.name", "CONTRACTOR_NAME_MISSING", "受注者名を入力してください"});
  if (c.price_yen() <= 0) v.push_back({"contract.price_yen", "PRICE_INVALID", "請負代金額は1円以上で入力してください"});
  if (!IsSet(c.period_start()) || !IsSet(c.period_end()) || ToCivilDay(c.period_end()) < ToCivilDay(c.period_start())) {
    v.push_back({"contract.period_end", "PERIOD_INVALID", "工期の開始日と終了日を正しく入力してください"});
  }
  return v;
}

ContractRegistryImpl::ContractRegistryImpl(ContractStore* contracts, EventProducer* producer, const Authenticator* auth,
                                           Clock* clock)
    : contracts_(contracts), producer_(producer), auth_(auth), clock_(clock) {}

grpc::Status ContractRegistryImpl::UpsertContract(grpc::ServerContext* context,
                                                  const hosho::v1::UpsertContractRequest* request,
                                                  hosho::v1::Contract* response) {
  const absl::Time started = absl::Now();
  auto principal = auth_->Require(*context, {Role::kIntegration, Role::kOperator});
  if (!principal.ok()) return ObserveRpc("UpsertContract", started, ToGrpcStatus(principal.status()));
  if (auto v = CheckContract(request->contract()); !v.empty()) {
    return ObserveRpc("UpsertContract", started, ToGrpcStatus(ViolationStatus(absl::StatusCode::kInvalidArgument, v)));
  }
  hosho::v1::Contract contract = request->contract();
  int64_t current_version = 0;
  if (auto existing = contracts_->Get(contract.contract_id()); existing.ok()) {
    hosho::v1::Contract old;
    if (old.ParseFromString(*existing)) current_version = old.version();
  } else if (!absl::IsNotFound(existing.status())) {
    return ObserveRpc("UpsertContract", started, ToGrpcStatus(existing.status()));
  }
  auto conflict = [&](int64_t at) {
    return ObserveRpc("UpsertContract", started,
                      ToGrpcStatus(ViolationStatus(
                          absl::StatusCode::kAborted,
                          {{"expected_version", "CONTRACT_VERSION_MISMATCH",
                            "契約は他の更新により変更されています（現在の版 " + std::to_string(at) + "）"}})));
  };
  if (request->expected_version() != 0 && request->expected_version() != current_version) {
    return conflict(current_version);
  }
  contract.set_version(current_version + 1);
  // The version step is a compare-and-set in the store, so concurrent upserts (from several
  // replicas too) cannot both become the same version. Then the event: if Kafka does not confirm
  // it, the caller is told to retry, and the retry publishes the next version.
  if (absl::Status s = contracts_->PutVersion(contract.contract_id(), contract.SerializeAsString(), contract.version());
      !s.ok()) {
    if (absl::IsAborted(s)) return conflict(current_version + 1);
    return ObserveRpc("UpsertContract", started, ToGrpcStatus(s));
  }
  hosho::events::v1::Envelope envelope;
  envelope.set_event_id(absl::StrCat(contract.contract_id(), ":v", contract.version()));
  envelope.set_case_id(contract.contract_id());
  *envelope.mutable_occurred_at() = ToProto(clock_->Now());
  envelope.set_producer("hosho-intake");
  *envelope.mutable_contract_upserted()->mutable_contract() = contract;
  envelope.mutable_contract_upserted()->set_upserted_by(principal->name);
  if (absl::Status s =
          producer_->Send(ToRecord(topics::kContracts, envelope, TraceparentOf(*context)), absl::Seconds(10));
      !s.ok()) {
    return ObserveRpc("UpsertContract", started,
                      ToGrpcStatus(absl::UnavailableError("契約イベントを保存できませんでした。再送してください")));
  }
  LogInfo("contract upserted",
          {{"contract_id", contract.contract_id()}, {"version", contract.version()}, {"principal", principal->name}});
  *response = contract;
  return ObserveRpc("UpsertContract", started, grpc::Status::OK);
}

grpc::Status ContractRegistryImpl::GetContract(grpc::ServerContext* context,
                                               const hosho::v1::GetContractRequest* request,
                                               hosho::v1::Contract* response) {
  const absl::Time started = absl::Now();
  auto principal = auth_->Authenticate(*context);
  if (!principal.ok()) return ObserveRpc("GetContract", started, ToGrpcStatus(principal.status()));
  auto stored = contracts_->Get(request->contract_id());
  if (!stored.ok()) return ObserveRpc("GetContract", started, ToGrpcStatus(stored.status()));
  if (!response->ParseFromString(*stored)) {
    return ObserveRpc("GetContract", started, ToGrpcStatus(absl::DataLossError("stored contract is unreadable")));
  }
  return ObserveRpc("GetContract", started, grpc::Status::OK);
}

grpc::Status ContractRegistryImpl::ListContracts(grpc::ServerContext* context,
                                                 const hosho::v1::ListContractsRequest* request,
                                                 hosho::v1::ListContractsResponse* response) {
  const absl::Time started = absl::Now();
  auto principal = auth_->Authenticate(*context);
  if (!principal.ok()) return ObserveRpc("ListContracts", started, ToGrpcStatus(principal.status()));
  auto ids = contracts_->ListIds();
  if (!ids.ok()) return ObserveRpc("ListContracts", started, ToGrpcStatus(ids.status()));
  const int page_size = request->page_size() > 0 ? std::min(request->page_size(), 500) : 50;
  size_t start = 0;
  if (!request->page_token().empty() && !absl::SimpleAtoi(request->page_token(), &start)) {
    return ObserveRpc("ListContracts", started,
                      ToGrpcStatus(ViolationStatus(absl::StatusCode::kInvalidArgument,
                                                   {{"page_token", "PAGE_TOKEN_INVALID", "page_token が不正です"}})));
  }
  size_t i = start;
  for (; i < ids->size() && response->contracts_size() < page_size; ++i) {
    auto stored = contracts_->Get((*ids)[i]);
    if (!stored.ok()) continue;
    hosho::v1::Contract c;
    if (!c.ParseFromString(*stored)) continue;
    if (!request->ordering_office().empty() && c.ordering_office() != request->ordering_office()) continue;
    *response->add_contracts() = std::move(c);
  }
  if (i < ids->size()) response->set_next_page_token(std::to_string(i));
  return ObserveRpc("ListContracts", started, grpc::Status::OK);
}

}  // namespace hosho
