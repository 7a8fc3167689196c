#include "services/console/case_service.h"

#include "absl/strings/numbers.h"
#include "services/common/domain/case_view.h"
#include "services/common/domain/events.h"
#include "services/common/grpc/grpc_precise.h"
#include "services/common/grpc/grpc_server.h"
#include "services/common/grpc/rpc_frame.h"
#include "services/common/runtime/errors.h"
#include "services/common/runtime/log.h"
#include "services/console/ledger.h"

namespace hosho {

CaseServiceImpl::CaseServiceImpl(CaseStore* cases, const Authenticator* auth, Clock* clock, absl::Duration watch_poll,
                                 const OfficeDirectory* offices)
    : cases_(cases), auth_(auth), clock_(clock), watch_poll_(watch_poll), offices_(offices) {
  // The unary methods parse their own requests (grpc_precise.h), in the proto's order (2 is WatchCase).
  MarkMethodStreamed(0, PreciseMethod("GetCase", auth_, this, &CaseServiceImpl::GetCase));
  MarkMethodStreamed(1, PreciseMethod("ListCases", auth_, this, &CaseServiceImpl::ListCases));
  MarkMethodStreamed(2, PreciseStreamingMethod("WatchCase", auth_, this, &CaseServiceImpl::Watch));
  MarkMethodStreamed(3, PreciseMethod("GetCaseHistory", auth_, this, &CaseServiceImpl::GetCaseHistory));
  MarkMethodStreamed(4, PreciseMethod("ExportLedger", auth_, this, &CaseServiceImpl::ExportLedger));
}

absl::StatusOr<std::vector<std::string>> CaseServiceImpl::AwaitingAmendedGuarantee(const std::string& office,
                                                                                   int page_size, int offset) {
  std::vector<std::string> offices = {office};
  if (office.empty()) {
    offices.clear();
    if (offices_ != nullptr) {
      for (const Office& o : offices_->offices()) offices.push_back(o.code);
    }
  }
  return CasesAwaitingAmendedGuarantee(*cases_, offices, page_size, offset);
}

absl::StatusOr<hosho::v1::Case> CaseServiceImpl::Load(const Principal& principal, const std::string& case_id) {
  // Someone who may not see a case learns nothing, not even that it exists.
  auto record = VisibleCase(*cases_, principal, case_id);
  if (!record.ok()) return record.status();
  return CaseFromRecord(*record);
}

grpc::Status CaseServiceImpl::GetCase(grpc::ServerContext* context, const hosho::v1::GetCaseRequest* request,
                                      hosho::v1::Case* response) {
  return ServeRpc("GetCase", *auth_, *context, {},
                  [&](const Principal& principal) { return GetCaseFor(principal, *context, *request, response); });
}

absl::Status CaseServiceImpl::GetCaseFor(const Principal& principal, grpc::ServerContext& /*context*/,
                                         const hosho::v1::GetCaseRequest& request, hosho::v1::Case* response) {
  auto c = Load(principal, request.case_id());
  if (!c.ok()) return c.status();
  *response = *std::move(c);
  return absl::OkStatus();
}

grpc::Status CaseServiceImpl::ListCases(grpc::ServerContext* context, const hosho::v1::ListCasesRequest* request,
                                        hosho::v1::ListCasesResponse* response) {
  return ServeRpc("ListCases", *auth_, *context, {},
                  [&](const Principal& principal) { return ListCasesFor(principal, *context, *request, response); });
}

absl::Status CaseServiceImpl::ListCasesFor(const Principal& principal, grpc::ServerContext& /*context*/,
                                           const hosho::v1::ListCasesRequest& request,
                                           hosho::v1::ListCasesResponse* response) {
  std::string office = request.office();
  if (principal.role == Role::kClerk && office.empty()) office = principal.office;
  const int page_size = request.page_size() > 0 ? std::min(request.page_size(), 500) : 50;
  auto token = PageOffsetFromToken(request.page_token());
  if (!token.ok()) return token.status();
  const int offset = *token;
  auto ids = request.awaiting_amended_guarantee() ? AwaitingAmendedGuarantee(office, page_size, offset)
                                                  : cases_->ListCaseIds(office, page_size, offset);
  if (!ids.ok()) return ids.status();
  for (const std::string& id : *ids) {
    auto c = Load(principal, id);
    if (!c.ok()) continue;
    if (request.state() != hosho::v1::CASE_STATE_UNSPECIFIED && c->state() != request.state()) continue;
    if (request.kind() != hosho::v1::GUARANTEE_KIND_UNSPECIFIED && c->kind() != request.kind()) continue;
    c->clear_history();  // lists are summaries; GetCase has the history
    *response->add_cases() = *std::move(c);
  }
  if (static_cast<int>(ids->size()) == page_size) response->set_next_page_token(std::to_string(offset + page_size));
  return absl::OkStatus();
}

grpc::Status CaseServiceImpl::GetCaseHistory(grpc::ServerContext* context, const hosho::v1::GetCaseRequest* request,
                                             hosho::v1::CaseHistory* response) {
  return ServeRpc("GetCaseHistory", *auth_, *context, {}, [&](const Principal& principal) {
    return GetCaseHistoryFor(principal, *context, *request, response);
  });
}

absl::Status CaseServiceImpl::GetCaseHistoryFor(const Principal& principal, grpc::ServerContext& /*context*/,
                                                const hosho::v1::GetCaseRequest& request,
                                                hosho::v1::CaseHistory* response) {
  auto c = Load(principal, request.case_id());
  if (!c.ok()) return c.status();
  response->set_case_id(c->case_id());
  *response->mutable_entries() = c->history();
  return absl::OkStatus();
}

grpc::Status CaseServiceImpl::ExportLedger(grpc::ServerContext* context, const hosho::v1::ExportLedgerRequest* request,
                                           hosho::v1::ExportLedgerResponse* response) {
  return ServeRpc("ExportLedger", *auth_, *context, {},
                  [&](const Principal& principal) { return ExportLedgerFor(principal, *context, *request, response); });
}

absl::Status CaseServiceImpl::ExportLedgerFor(const Principal& principal, grpc::ServerContext& context,
                                              const hosho::v1::ExportLedgerRequest& request,
                                              hosho::v1::ExportLedgerResponse* response) {
  auto query = LedgerQueryFor(principal, request, offices_);
  if (!query.ok()) return query.status();
  auto rows = CollectLedger(*cases_, *query, offices_, [&context] { return context.IsCancelled(); });
  if (!rows.ok()) return rows.status();
  auto file = RenderLedger(*query, *rows);
  if (!file.ok()) return file.status();
  *response = *std::move(file);
  // Who took which office's ledger is part of the record (it lists contractors and amounts).
  LogInfo("ledger exported", {{"principal", principal.name},
                              {"office", query->office},
                              {"rows", std::to_string(response->rows())},
                              {"format", hosho::v1::ExportLedgerRequest::Format_Name(query->format)}});
  return absl::OkStatus();
}

grpc::Status CaseServiceImpl::WatchCase(grpc::ServerContext* context, const hosho::v1::WatchCaseRequest* request,
                                        grpc::ServerWriter<hosho::v1::Case>* writer) {
  return Watch(context, request, writer);
}

grpc::Status CaseServiceImpl::Watch(grpc::ServerContext* context, const hosho::v1::WatchCaseRequest* request,
                                    ResponseWriter<hosho::v1::Case>* writer) {
  auto principal = auth_->Authenticate(*context);
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  int64_t sent_version = -1;
  while (!context->IsCancelled()) {
    auto c = Load(*principal, request->case_id());
    if (!c.ok()) return ToGrpcStatus(c.status());
    if (c->version() != sent_version) {
      sent_version = c->version();
      if (!writer->Write(*c)) return grpc::Status::OK;
      if (IsTerminal(c->state())) return grpc::Status::OK;
    }
    clock_->SleepFor(watch_poll_);
  }
  return grpc::Status(grpc::StatusCode::CANCELLED, "watch cancelled");
}

}  // namespace hosho
