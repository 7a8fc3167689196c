#include "services/console/live_feed.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/crypto/passwords.h"
#include "services/common/domain/events.h"
#include "services/common/runtime/log.h"

namespace hosho {

bool FeedFilter::Matches(const FeedItem& item) const {
  if (!office.empty() && item.office != office && item.ordering_office != office && item.department != office) {
    return false;
  }
  if (!kind.empty() && item.kind != kind) return false;
  if (!state.empty() && item.state != state) return false;
  return true;
}

bool MaySeeFeedItem(const Principal& viewer, const FeedItem& item) {
  if (viewer.role == Role::kOperator || viewer.role == Role::kService || viewer.role == Role::kIntegration) {
    return true;
  }
  if (viewer.role != Role::kClerk || viewer.office.empty()) return false;
  return item.office == viewer.office || item.ordering_office == viewer.office || item.department == viewer.office;
}

LiveFeed::LiveFeed(size_t capacity, std::string epoch)
    : capacity_(capacity), epoch_(epoch.empty() ? RandomToken(6) : std::move(epoch)) {}

std::string LiveFeed::EventId(int64_t seq) const { return absl::StrCat(epoch_, ".", seq); }

int64_t LiveFeed::ResumeAfter(absl::string_view event_id) const {
  const size_t dot = event_id.rfind('.');
  int64_t seq = -1;
  if (dot == absl::string_view::npos || event_id.substr(0, dot) != epoch_ ||
      !absl::SimpleAtoi(event_id.substr(dot + 1), &seq) || seq < 0) {
    return -1;
  }
  return seq;
}

void LiveFeed::Publish(FeedItem item) {
  absl::MutexLock lock(&mu_);
  item.seq = next_seq_++;
  items_.push_back(std::move(item));
  while (items_.size() > capacity_) items_.pop_front();
}

std::vector<FeedItem> LiveFeed::WaitAfter(int64_t after_seq, absl::Duration timeout, size_t limit) {
  absl::MutexLock lock(&mu_);
  auto ready = [this, after_seq]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return closed_ || (!items_.empty() && items_.back().seq > after_seq);
  };
  mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
  std::vector<FeedItem> out;
  if (closed_) return out;
  for (const FeedItem& item : items_) {
    if (item.seq <= after_seq) continue;
    out.push_back(item);
    if (out.size() >= limit) break;
  }
  return out;
}

std::vector<FeedItem> LiveFeed::Recent(size_t limit) {
  absl::MutexLock lock(&mu_);
  const size_t start = items_.size() > limit ? items_.size() - limit : 0;
  return std::vector<FeedItem>(items_.begin() + static_cast<std::ptrdiff_t>(start), items_.end());
}

int64_t LiveFeed::last_seq() {
  absl::MutexLock lock(&mu_);
  return next_seq_ - 1;
}

void LiveFeed::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
}

bool LiveFeed::closed() {
  absl::MutexLock lock(&mu_);
  return closed_;
}

std::string StoredKindName(absl::string_view stored) {
  int kind = 0;
  if (!absl::SimpleAtoi(stored, &kind) || !hosho::v1::GuaranteeKind_IsValid(kind)) return "";
  return hosho::v1::GuaranteeKind_Name(static_cast<hosho::v1::GuaranteeKind>(kind));
}

namespace {

std::string DetailOf(const hosho::events::v1::Envelope& e) {
  using E = hosho::events::v1::Envelope;
  switch (e.payload_case()) {
    case E::kCaseTransitioned: {
      const auto& t = e.case_transitioned();
      // A step that keeps the state (a clerk gives a task back) says what happened instead.
      std::string detail = t.from_state() == t.to_state()
                               ? t.reason()
                               : absl::StrCat(StateName(t.from_state()), " → ", StateName(t.to_state()));
      if (!t.actor().empty()) absl::StrAppend(&detail, " (", t.actor(), ")");
      return detail;
    }
    case E::kVerificationCompleted:
      return hosho::events::v1::VerificationCompleted::Verdict_Name(e.verification_completed().verdict());
    case E::kRoutingDecided:
      return hosho::v1::HandoffAction_Name(e.routing_decided().action());
    case E::kSubmissionDuplicate:
      return e.submission_duplicate().code();
    case E::kHandoffRecorded:
      return hosho::events::v1::HandoffRecorded::Step_Name(e.handoff_recorded().step());
    case E::kHandoffEscalated:
      return e.handoff_escalated().breached() ? "DEADLINE_BREACHED" : "DEADLINE_APPROACHING";
    default:
      return "";
  }
}

}  // namespace

RecordResult FeedIngester::Handle(const KafkaRecord& record) {
  if (record.topic == topics::kContracts) return RecordResult::Done();  // not a case event: nothing to show
  auto envelope = ParseEnvelope(record);
  // The owning consumers dead-letter it; the feed only shows.
  if (!envelope.ok()) return RecordResult::Skipped(std::string(envelope.status().message()));
  FeedItem item;
  item.at = envelope->has_occurred_at() ? FromProto(envelope->occurred_at()) : record.timestamp;
  item.topic = record.topic;
  item.event_type = EventType(*envelope);
  item.event_id = envelope->event_id();
  item.case_id = envelope->case_id();
  item.detail = DetailOf(*envelope);
  // The state the event put the case in, where the event says; otherwise where the case stands now.
  using E = hosho::events::v1::Envelope;
  switch (envelope->payload_case()) {
    case E::kSubmissionReceived:
      item.state = "RECEIVED";
      break;
    case E::kCaseTransitioned:
      item.state = StateName(envelope->case_transitioned().to_state());
      break;
    case E::kHandoffRecorded:
      item.state = StateName(envelope->handoff_recorded().to_state());
      break;
    case E::kVerificationCompleted:
      item.state =
          envelope->verification_completed().verdict() == hosho::events::v1::VerificationCompleted::VERDICT_RETURNED
              ? "RETURNED"
              : "VERIFIED";
      break;
    default:
      break;
  }
  auto summaries = cases_->Summaries({item.case_id});
  if (!summaries.ok()) return RecordResult::Retry(summaries.status());  // Redis away
  if (!summaries->empty()) {
    const CaseSummary& s = summaries->front();
    if (item.state.empty()) item.state = s.state;
    item.office = s.office;
    item.kind = StoredKindName(s.kind);
    item.ordering_office = s.ordering_office;
    item.department = s.department;
  }
  feed_->Publish(std::move(item));
  return RecordResult::Done();
}

std::string ToServerSentEvent(const FeedItem& item, absl::string_view event_id) {
  std::string json = "{";
  auto field = [&json](absl::string_view name, absl::string_view value, bool last = false) {
    absl::StrAppend(&json, "\"", name, "\":\"");
    AppendJsonEscaped(json, value);
    json += last ? "\"" : "\",";
  };
  field("at", absl::FormatTime("%Y-%m-%dT%H:%M:%E3S%Ez", item.at, absl::FixedTimeZone(9 * 3600)));
  field("topic", item.topic);
  field("event_type", item.event_type);
  field("event_id", item.event_id);
  field("case_id", item.case_id);
  field("state", item.state);
  field("office", item.office);
  field("kind", item.kind);
  field("detail", item.detail, true);
  json += "}";
  return absl::StrCat("id: ", event_id, "\nevent: case\ndata: ", json, "\n\n");
}

}  // namespace hosho
