#include "services/notification/notification_service.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "services/common/domain/case_view.h"
#include "services/common/grpc/grpc_server.h"
#include "services/common/grpc/rpc_frame.h"
#include "services/common/runtime/errors.h"
#include "services/common/runtime/metrics.h"
#include "services/notification/delivery.h"

namespace hosho {
namespace {

// A stream cursor is "<ms>-<seq>".
bool IsCursor(const std::string& c) {
  const size_t dash = c.find('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == c.size() || c.size() > 41) return false;
  for (size_t i = 0; i < c.size(); ++i) {
    if (i != dash && !absl::ascii_isdigit(static_cast<unsigned char>(c[i]))) return false;
  }
  return true;
}

}  // namespace

grpc::Status NotificationServiceImpl::ListNotices(grpc::ServerContext* context,
                                                  const hosho::v1::ListNoticesRequest* request,
                                                  hosho::v1::ListNoticesResponse* response) {
  return ServeRpc("ListNotices", *auth_, *context, {},
                  [&](const Principal& principal) { return ListNoticesFor(principal, *request, response); });
}

absl::Status NotificationServiceImpl::ListNoticesFor(const Principal& principal,
                                                     const hosho::v1::ListNoticesRequest& request,
                                                     hosho::v1::ListNoticesResponse* response) {
  auto record = VisibleCase(*cases_, principal, request.case_id());
  if (!record.ok()) return record.status();
  auto notices = cases_->ListNotices(request.case_id());
  if (!notices.ok()) return notices.status();
  auto deliveries = deliveries_->ForCase(request.case_id());
  if (!deliveries.ok()) return deliveries.status();
  std::sort(deliveries->begin(), deliveries->end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  for (const std::string& stored : *notices) {
    hosho::v1::Notice* n = response->add_notices();
    if (!n->ParseFromString(stored)) return absl::DataLossError("stored notice is unreadable");
    for (const DeliveryRecord& d : *deliveries) {
      if (absl::StartsWith(d.id, n->delivery_id() + ":")) *n->add_deliveries() = ToProto(d);
    }
  }
  std::sort(response->mutable_notices()->begin(), response->mutable_notices()->end(),
            [](const auto& a, const auto& b) { return a.delivery_id() < b.delivery_id(); });
  return absl::OkStatus();
}

grpc::Status NotificationServiceImpl::WatchNotifications(grpc::ServerContext* context,
                                                         const hosho::v1::WatchNotificationsRequest* request,
                                                         grpc::ServerWriter<hosho::v1::OfficeNotice>* writer) {
  return Watch(context, request, writer);
}

grpc::Status NotificationServiceImpl::Watch(grpc::ServerContext* context,
                                            const hosho::v1::WatchNotificationsRequest* request,
                                            ResponseWriter<hosho::v1::OfficeNotice>* writer) {
  const absl::Time started = absl::Now();
  auto principal = auth_->Require(*context, {Role::kClerk, Role::kOperator, Role::kIntegration});
  if (!principal.ok()) return ObserveRpc("WatchNotifications", started, ToGrpcStatus(principal.status()));
  const std::string office = request->office().empty() ? principal->office : request->office();
  if (office.empty()) {
    return ObserveRpc("WatchNotifications", started,
                      ToGrpcStatus(ViolationStatus(absl::StatusCode::kInvalidArgument,
                                                   {{"office", "OFFICE_MISSING", "課を指定してください"}})));
  }
  if (principal->role == Role::kClerk && office != principal->office) {
    return ObserveRpc(
        "WatchNotifications", started,
        ToGrpcStatus(ViolationStatus(absl::StatusCode::kPermissionDenied,
                                     {{"office", "OFFICE_NOT_YOURS", "ほかの課の通知は受け取れません"}})));
  }
  std::string cursor = request->after_cursor();
  if (!cursor.empty() && !IsCursor(cursor)) {
    return ObserveRpc(
        "WatchNotifications", started,
        ToGrpcStatus(ViolationStatus(absl::StatusCode::kInvalidArgument,
                                     {{"after_cursor", "CURSOR_INVALID", "カーソルの形式が正しくありません"}})));
  }
  Gauge& watchers = Metrics().GetGauge("hosho_notification_watchers", "Open WatchNotifications streams.");
  watchers.Set(++watchers_);
  grpc::Status result = grpc::Status::OK;
  uint64_t seen = signal_->generation();
  while (!context->IsCancelled() && !stopping_) {
    auto entries = deliveries_->ReadStream(office, cursor, 100);
    if (!entries.ok()) {
      result = ToGrpcStatus(entries.status());
      break;
    }
    bool broken = false;
    for (const auto& [id, payload] : *entries) {
      hosho::v1::OfficeNotice out;
      out.set_cursor(id);
      if (!out.mutable_notice()->ParseFromString(payload) || !writer->Write(out)) {
        broken = true;
        break;
      }
      cursor = id;
    }
    if (broken) break;
    if (entries->size() < 100) seen = signal_->WaitAfter(seen, poll_);
  }
  watchers.Set(--watchers_);
  return ObserveRpc(
      "WatchNotifications", started,
      stopping_ ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "server stopping; resume from cursor") : result);
}

}  // namespace hosho
