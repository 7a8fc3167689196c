#include "services/notification/delivery.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "services/common/crypto/sealing.h"
#include "services/common/domain/events.h"
#include "services/common/runtime/log.h"
#include "services/common/runtime/metrics.h"
#include "services/notification/notification_worker.h"

namespace hosho {

std::vector<DeliveryRecord> PlanDeliveries(const hosho::v1::Notice& notice, const OfficeDirectory& offices,
                                           const std::vector<WebhookSubscriber>& webhooks, bool mail_enabled) {
  std::vector<DeliveryRecord> out;
  const std::string payload = notice.SerializeAsString();
  auto add = [&](std::string channel, std::string target, std::string suffix) {
    DeliveryRecord d;
    d.id = absl::StrCat(notice.delivery_id(), ":", channel, suffix);
    d.case_id = notice.case_id();
    d.channel = std::move(channel);
    d.target = std::move(target);
    d.payload = payload;
    out.push_back(std::move(d));
  };
  if (notice.audience() == hosho::v1::Notice::AUDIENCE_CONTRACTOR) {
    if (mail_enabled) add("email", notice.recipient(), "");
    return out;
  }
  add(kStreamChannel, notice.recipient(), "");
  const Office* office = offices.Find(notice.recipient());
  if (mail_enabled && office != nullptr && !office->mailbox.empty()) add("email", office->mailbox, "");
  for (const WebhookSubscriber& w : webhooks) {
    if (w.offices.empty() || std::find(w.offices.begin(), w.offices.end(), notice.recipient()) != w.offices.end()) {
      add("webhook", w.name, ":" + w.name);
    }
  }
  return out;
}

std::string MailChannel::MessageIdFor(const std::string& delivery_id, const std::string& domain) {
  std::string left = "hosho.";
  for (char c : delivery_id) {
    const bool atext =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    left += atext ? c : '.';
  }
  return absl::StrCat(left, "@", domain);
}

absl::Status MailChannel::Send(const DeliveryRecord& delivery, const hosho::v1::Notice& notice,
                               const AcceptedCallback& accepted) {
  OutgoingMail mail;
  mail.from = from_;
  mail.to = delivery.target;
  mail.subject = notice.subject();
  mail.body = notice.body();
  mail.message_id = MessageIdFor(delivery.id, domain_);
  mail.date = clock_->Now();
  mail.extra_headers = {{"X-Hosho-Delivery-Id", delivery.id}, {"X-Hosho-Case-Id", notice.case_id()}};
  return SendMail(smtp_, mail, accepted);
}

WebhookChannel::WebhookChannel(std::vector<WebhookSubscriber> subscribers, WebhookOptions options, Clock* clock)
    : options_(std::move(options)), clock_(clock) {
  for (auto& s : subscribers) by_name_.emplace(s.name, std::move(s));
}

std::string WebhookChannel::Body(const hosho::v1::Notice& n) {
  nlohmann::json j = {
      {"delivery_id", n.delivery_id()},
      {"case_id", n.case_id()},
      {"kind", n.kind()},
      {"audience", n.audience() == hosho::v1::Notice::AUDIENCE_OFFICE ? "office" : "contractor"},
      {"office", n.office()},
      {"subject", n.subject()},
      {"body", n.body()},
      {"event_id", n.event_id()},
      {"recorded_at", absl::FormatTime(absl::RFC3339_sec, FromProto(n.recorded_at()), absl::UTCTimeZone())},
  };
  return j.dump();
}

absl::Status WebhookChannel::Send(const DeliveryRecord& delivery, const hosho::v1::Notice& notice,
                                  const AcceptedCallback& /*accepted: runs after Send*/) {
  auto it = by_name_.find(delivery.target);
  if (it == by_name_.end()) {
    return absl::FailedPreconditionError(absl::StrCat("webhook ", delivery.target, " is no longer configured"));
  }
  const std::string body = Body(notice);
  const int64_t now = absl::ToUnixSeconds(clock_->Now());
  return PostWebhook(options_, it->second.url,
                     {{"X-Hosho-Timestamp", std::to_string(now)},
                      {"X-Hosho-Signature", WebhookSignature(it->second.secret, now, body)},
                      {"X-Hosho-Delivery-Id", delivery.id}},
                     body);
}

DeliveryDispatcher::DeliveryDispatcher(DeliveryStore* store, Clock* clock,
                                       std::map<std::string, DeliveryChannel*> channels, DispatchOptions options)
    : store_(store), clock_(clock), channels_(std::move(channels)), options_(options) {}

absl::Duration DeliveryDispatcher::Backoff(int attempts) {
  absl::Duration d = options_.initial_backoff;
  for (int i = 1; i < attempts && d < options_.max_backoff; ++i) d *= 2;
  return std::min(d, options_.max_backoff);
}

// SMTP has no way to ask whether a message arrived, so an attempt that died with the sender is
// sent again (same Message-ID, so mail clients can fold the copies) and the repeat is made visible.
void DeliveryDispatcher::RecordPossibleRepeat(const DeliveryRecord& d) {
  LogWarn("sending again after an attempt without an outcome; the recipient may receive this notice twice",
          {{"case_id", d.case_id}, {"delivery_id", d.id}, {"channel", d.channel}});
  Metrics()
      .GetCounter("hosho_delivery_possible_repeats_total",
                  "Deliveries sent again after an attempt that ended without an outcome (a sender crash).",
                  {{"channel", d.channel}})
      .Increment();
}

// Records a delivery the recipient has taken. The store may be away for a moment (Redis restarting):
// the record is tried again, with a backoff, for as long as this sender's lease holds, because a
// delivery left unrecorded is leased and sent again: a repeat the recipient sees. Another try starts
// only when the backoff plus the longest try so far still ends a tenth of the lease before it runs out
// (a margin for clocks that differ between replicas). Only "away for now" is tried again.
absl::Status DeliveryDispatcher::RecordDelivered(const DeliveryRecord& d, absl::Time lease_ends) {
  absl::Duration wait = absl::Milliseconds(100);
  absl::Duration longest_try = absl::ZeroDuration();
  for (int tries = 1;; ++tries) {
    const absl::Time started = clock_->Now();
    absl::Status s = store_->MarkDelivered(d.id, started);
    longest_try = std::max(longest_try, clock_->Now() - started);
    if (s.ok()) {
      if (tries > 1) {
        LogInfo("delivery recorded once the store answered again",
                {{"case_id", d.case_id}, {"delivery_id", d.id}, {"tries", static_cast<int64_t>(tries)}});
      }
      return s;
    }
    if (!absl::IsUnavailable(s) && !absl::IsDeadlineExceeded(s)) return s;
    if (clock_->Now() + wait + longest_try > lease_ends - options_.lease / 10) return s;
    if (tries == 1) {
      LogWarn("delivered but not yet recorded; trying the store again while the lease holds",
              {{"case_id", d.case_id}, {"delivery_id", d.id}, {"error", std::string(s.message())}});
    }
    clock_->SleepFor(wait);  // a backoff while the store comes back
    wait = std::min(wait * 2, absl::Seconds(2));
  }
}

// Sends and records the success from inside the channel's acceptance, when it reports one.
// Returns the channel's outcome; `record` gets the store's answer to that early record (when it
// fails the round stops, and a delivery sent but not recorded comes back after its lease as a
// possible repeat).
absl::Status DeliveryDispatcher::SendOne(const DeliveryRecord& d, DeliveryChannel* channel,
                                         const hosho::v1::Notice& notice, absl::Time lease_ends, bool* recorded,
                                         absl::Status* record) {
  return channel->Send(d, notice, [&] {
    *record = RecordDelivered(d, lease_ends);
    *recorded = record->ok();
  });
}

absl::StatusOr<int> DeliveryDispatcher::RunOnce() {
  const absl::Time leased_at = clock_->Now();
  auto due = store_->LeaseDue(leased_at, options_.lease, options_.batch);
  if (!due.ok()) return due.status();
  int attempted = 0;
  for (const DeliveryRecord& d : *due) {
    // Past half the lease (a slow server), the rest of the batch is left to expire and be leased
    // again, rather than sent after another replica may have taken it.
    if (clock_->Now() - leased_at > options_.lease / 2) break;
    ++attempted;
    hosho::v1::Notice notice;
    absl::Status sent;
    bool recorded = false;  // the success was recorded inside the send (see AcceptedCallback)
    auto channel = channels_.find(d.channel);
    if (!notice.ParseFromString(d.payload)) {
      sent = absl::DataLossError("stored notice is unreadable");
    } else if (channel == channels_.end()) {
      sent = absl::FailedPreconditionError(absl::StrCat("channel ", d.channel, " is not configured"));
    } else {
      auto start = store_->BeginAttempt(d.id, clock_->Now());
      if (!start.ok()) return start.status();
      if (*start == DeliveryStore::AttemptStart::kNotPending) continue;  // another replica finished it
      if (*start == DeliveryStore::AttemptStart::kRepeat) RecordPossibleRepeat(d);
      absl::Status record = absl::OkStatus();
      sent = SendOne(d, channel->second, notice, leased_at + options_.lease, &recorded, &record);
      if (!record.ok()) return record;
    }
    const absl::Time now = clock_->Now();
    std::string outcome;
    if (sent.ok()) {
      outcome = "delivered";
      if (!recorded) {
        if (absl::Status s = RecordDelivered(d, leased_at + options_.lease); !s.ok()) return s;
      }
    } else {
      const int attempts = d.attempts + 1;
      const bool permanent =
          absl::IsFailedPrecondition(sent) || absl::IsInvalidArgument(sent) || absl::IsDataLoss(sent);
      const bool give_up = permanent || attempts >= options_.max_attempts;
      outcome = give_up ? "failed" : "retry";
      if (absl::Status s = store_->MarkFailed(d.id, sent.message(), now + Backoff(attempts), give_up); !s.ok()) {
        return s;
      }
      (give_up ? LogError : LogWarn)(give_up ? "delivery failed for good" : "delivery failed; will retry",
                                     {{"case_id", d.case_id},
                                      {"delivery_id", d.id},
                                      {"channel", d.channel},
                                      {"attempts", static_cast<int64_t>(attempts)},
                                      {"error", std::string(sent.message())}});
    }
    Metrics()
        .GetCounter("hosho_deliveries_total", "Notice deliveries attempted, by channel and outcome.",
                    {{"channel", d.channel}, {"outcome", outcome}})
        .Increment();
  }
  if (auto depths = store_->Depths(); depths.ok()) {
    Metrics()
        .GetGauge("hosho_delivery_outbox_pending", "Deliveries waiting to be sent (incl. retries).")
        .Set(static_cast<double>(depths->first));
    Metrics()
        .GetGauge("hosho_delivery_outbox_failed", "Deliveries given up (need an operator).")
        .Set(static_cast<double>(depths->second));
  }
  return attempted;
}

hosho::v1::Delivery ToProto(const DeliveryRecord& r) {
  hosho::v1::Delivery d;
  d.set_delivery_id(r.id);
  d.set_channel(r.channel);
  d.set_target(r.target);
  d.set_state(r.state == DeliveryRecord::State::kDelivered ? hosho::v1::Delivery::STATE_DELIVERED
              : r.state == DeliveryRecord::State::kFailed  ? hosho::v1::Delivery::STATE_FAILED
                                                           : hosho::v1::Delivery::STATE_PENDING);
  d.set_attempts(r.attempts);
  d.set_possible_repeats(r.possible_repeats);
  d.set_last_error(r.last_error);
  if (r.delivered_at != absl::InfinitePast()) *d.mutable_delivered_at() = hosho::ToProto(r.delivered_at);
  if (r.state == DeliveryRecord::State::kPending && r.next_attempt_at != absl::InfinitePast()) {
    *d.mutable_next_attempt_at() = hosho::ToProto(r.next_attempt_at);
  }
  return d;
}

void DeliveryDispatcher::RunUntil(const absl::Notification& stop, NoticeSignal* wake, absl::Duration poll) {
  uint64_t seen = wake->generation();
  while (!stop.HasBeenNotified()) {
    auto attempted = RunOnce();
    if (!attempted.ok()) LogWarn("delivery round failed", {{"error", std::string(attempted.status().message())}});
    if (!attempted.ok() || *attempted < options_.batch) seen = wake->WaitAfter(seen, poll);
  }
}

}  // namespace hosho
