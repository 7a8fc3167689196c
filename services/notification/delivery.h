#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "hosho/v1/notification.pb.h"
#include "services/common/domain/offices.h"
#include "services/common/mail/outbound.h"
#include "services/common/runtime/clock.h"
#include "services/common/store/delivery_store.h"

namespace hosho {

class NoticeSignal;  // notification_worker.h

// A city system that receives notices as signed webhooks (JSON).
struct WebhookSubscriber {
  std::string name;
  std::string url;
  std::string secret;                // HMAC key (from a file)
  std::vector<std::string> offices;  // office notices of these offices; empty: every office
};

// Where a notice goes: an office notice to the office's stream (always), its mailbox (when the
// directory lists one and mail is on) and every webhook that subscribes to the office; a contractor
// notice to the contractor's address. Ids: "<notice delivery id>:<channel>[:<webhook>]".
std::vector<DeliveryRecord> PlanDeliveries(const hosho::v1::Notice& notice, const OfficeDirectory& offices,
                                           const std::vector<WebhookSubscriber>& webhooks, bool mail_enabled);

// Sends one delivery. OK: delivered. FAILED_PRECONDITION/INVALID_ARGUMENT: refused for good
// (no retry). Anything else: retried with backoff. `accepted` runs the moment the recipient has
// taken the delivery, before the channel tidies up (an SMTP QUIT), so that the outcome is recorded
// with the smallest window for a crash in between; a channel may leave it to run after Send.
using AcceptedCallback = std::function<void()>;
class DeliveryChannel {
 public:
  virtual ~DeliveryChannel() = default;
  virtual absl::Status Send(const DeliveryRecord& delivery, const hosho::v1::Notice& notice,
                            const AcceptedCallback& accepted) = 0;
};

// E-mail over SMTP. The Message-ID is derived from the delivery id, so a repeat after a crash is
// recognisable as the same message by any mail client.
class MailChannel final : public DeliveryChannel {
 public:
  MailChannel(SmtpOptions smtp, std::string from, std::string message_id_domain, Clock* clock)
      : smtp_(std::move(smtp)), from_(std::move(from)), domain_(std::move(message_id_domain)), clock_(clock) {}
  absl::Status Send(const DeliveryRecord& delivery, const hosho::v1::Notice& notice,
                    const AcceptedCallback& accepted) override;
  // "<sanitized delivery id>@<domain>"
  static std::string MessageIdFor(const std::string& delivery_id, const std::string& domain);

 private:
  SmtpOptions smtp_;
  std::string from_;
  std::string domain_;
  Clock* clock_;
};

// Signed webhooks: POST JSON {delivery_id, case_id, kind, audience, office, subject, body, event_id,
// recorded_at} with X-Hosho-Timestamp, X-Hosho-Signature (sealing.h) and X-Hosho-Delivery-Id.
class WebhookChannel final : public DeliveryChannel {
 public:
  WebhookChannel(std::vector<WebhookSubscriber> subscribers, WebhookOptions options, Clock* clock);
  absl::Status Send(const DeliveryRecord& delivery, const hosho::v1::Notice& notice,
                    const AcceptedCallback& accepted) override;
  static std::string Body(const hosho::v1::Notice& notice);

 private:
  std::map<std::string, WebhookSubscriber> by_name_;
  WebhookOptions options_;
  Clock* clock_;
};

struct DispatchOptions {
  absl::Duration lease = absl::Seconds(60);  // longer than the slowest send
  absl::Duration initial_backoff = absl::Seconds(5);
  absl::Duration max_backoff = absl::Minutes(30);
  int max_attempts = 12;
  int batch = 50;
};

// Takes due deliveries from the outbox and sends them. Several dispatchers (replicas) may run: each
// leases what it takes. Every outcome is recorded and counted (hosho_deliveries_total).
class DeliveryDispatcher {
 public:
  DeliveryDispatcher(DeliveryStore* store, Clock* clock, std::map<std::string, DeliveryChannel*> channels,
                     DispatchOptions options);
  // One round: returns how many deliveries it attempted.
  absl::StatusOr<int> RunOnce();
  // Rounds until `stop` is notified: the next round starts at once after a full batch, otherwise when
  // `wake` is notified (a notice was enqueued here) or after `poll` (another replica's work).
  void RunUntil(const absl::Notification& stop, NoticeSignal* wake, absl::Duration poll);

 private:
  absl::Duration Backoff(int attempts);
  void RecordPossibleRepeat(const DeliveryRecord& d);
  absl::Status RecordDelivered(const DeliveryRecord& d, absl::Time lease_ends);
  absl::Status SendOne(const DeliveryRecord& d, DeliveryChannel* channel, const hosho::v1::Notice& notice,
                       absl::Time lease_ends, bool* recorded, absl::Status* record);
  DeliveryStore* store_;
  Clock* clock_;
  std::map<std::string, DeliveryChannel*> channels_;
  DispatchOptions options_;
};

// Delivery states as the API shows them.
hosho::v1::Delivery ToProto(const DeliveryRecord& record);

}  // namespace hosho
