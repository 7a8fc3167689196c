#pragma once

#include "hosho/v1/cases.grpc.pb.h"
#include "services/common/auth/auth.h"
#include "services/common/domain/offices.h"
#include "services/common/grpc/grpc_precise.h"
#include "services/common/runtime/clock.h"
#include "services/common/store/case_store.h"

namespace hosho {

// CaseService (get, list, watch, history, the guarantee ledger) for other city systems, served by
// hosho-console from the case store. `offices` names offices in the ledger (null: their codes).
class CaseServiceImpl final : public hosho::v1::CaseService::Service {
 public:
  CaseServiceImpl(CaseStore* cases, const Authenticator* auth, Clock* clock,
                  absl::Duration watch_poll = absl::Milliseconds(50), const OfficeDirectory* offices = nullptr);

  grpc::Status GetCase(grpc::ServerContext* context, const hosho::v1::GetCaseRequest* request,
                       hosho::v1::Case* response) override;
  grpc::Status ListCases(grpc::ServerContext* context, const hosho::v1::ListCasesRequest* request,
                         hosho::v1::ListCasesResponse* response) override;
  grpc::Status WatchCase(grpc::ServerContext* context, const hosho::v1::WatchCaseRequest* request,
                         grpc::ServerWriter<hosho::v1::Case>* writer) override;
  grpc::Status GetCaseHistory(grpc::ServerContext* context, const hosho::v1::GetCaseRequest* request,
                              hosho::v1::CaseHistory* response) override;
  grpc::Status ExportLedger(grpc::ServerContext* context, const hosho::v1::ExportLedgerRequest* request,
                            hosho::v1::ExportLedgerResponse* response) override;

 private:
  absl::Status GetCaseFor(const Principal& principal, grpc::ServerContext& context,
                          const hosho::v1::GetCaseRequest& request, hosho::v1::Case* response);
  absl::Status ListCasesFor(const Principal& principal, grpc::ServerContext& context,
                            const hosho::v1::ListCasesRequest& request, hosho::v1::ListCasesResponse* response);
  absl::Status GetCaseHistoryFor(const Principal& principal, grpc::ServerContext& context,
                                 const hosho::v1::GetCaseRequest& request, hosho::v1::CaseHistory* response);
  absl::Status ExportLedgerFor(const Principal& principal, grpc::ServerContext& context,
                               const hosho::v1::ExportLedgerRequest& request,
                               hosho::v1::ExportLedgerResponse* response);
  // WatchCase's body, served over a precise handler (an unreadable request is refused by field).
  grpc::Status Watch(grpc::ServerContext* context, const hosho::v1::WatchCaseRequest* request,
                     ResponseWriter<hosho::v1::Case>* writer);
  absl::StatusOr<hosho::v1::Case> Load(const Principal& principal, const std::string& case_id);
  absl::StatusOr<std::vector<std::string>> AwaitingAmendedGuarantee(const std::string& office, int page_size,
                                                                    int offset);

  CaseStore* cases_;
  const Authenticator* auth_;
  Clock* clock_;
  absl::Duration watch_poll_;
  const OfficeDirectory* offices_;
};

}  // namespace hosho
