#include "services/console/overview.h"

#include <algorithm>

#include "services/common/domain/events.h"
#include "services/common/runtime/metrics.h"

namespace hosho {

bool StateHasDeadline(absl::string_view state) {
  return state == "AWAITING_VERIFICATION" || state == "VERIFYING" || state == "ROUTED";
}

OverviewSource::OverviewSource(CaseStore* cases, BacklogFn dlq_backlog, ConsoleBackends* backends, Clock* clock,
                               OverviewOptions options)
    : cases_(cases),
      dlq_backlog_(std::move(dlq_backlog)),
      backends_(backends),
      clock_(clock),
      options_(std::move(options)) {}

absl::StatusOr<Overview> OverviewSource::Get() {
  {
    absl::MutexLock lock(&mu_);
    if (cached_ && clock_->Now() - cached_->computed_at < options_.cache_for) return *cached_;
  }
  auto fresh = Compute();
  if (!fresh.ok()) return fresh.status();
  absl::MutexLock lock(&mu_);
  cached_ = std::make_unique<Overview>(*fresh);
  return *fresh;
}

absl::Status OverviewSource::Refresh() {
  auto fresh = Compute();
  if (!fresh.ok()) return fresh.status();
  Export(*fresh);
  absl::MutexLock lock(&mu_);
  cached_ = std::make_unique<Overview>(*std::move(fresh));
  return absl::OkStatus();
}

absl::StatusOr<Overview> OverviewSource::Compute() {
  Overview o;
  o.computed_at = clock_->Now();
  for (const std::string& office : options_.offices) {
    auto ids = cases_->ListCaseIds(office, options_.max_cases_per_office, 0);
    if (!ids.ok()) return ids.status();
    auto summaries = cases_->Summaries(*ids);
    if (!summaries.ok()) return summaries.status();
    for (const CaseSummary& s : *summaries) {
      if (s.office != office) continue;  // the index is derived: trust the case itself
      ++o.by_state_office[s.state][office];
      ++o.in_flight;
      if (!s.deadline || !StateHasDeadline(s.state)) continue;
      const bool breached = *s.deadline <= o.computed_at;
      if (!breached && *s.deadline - o.computed_at > options_.approaching_within) continue;
      (breached ? o.breached : o.approaching)++;
      o.deadlines.push_back({s.case_id, s.state, office, *s.deadline, breached});
    }
  }
  for (const std::string& office : options_.offices) {
    for (const hosho::v1::CaseState state :
         {hosho::v1::CASE_STATE_CLOSED, hosho::v1::CASE_STATE_WITHDRAWN, hosho::v1::CASE_STATE_RETURNED}) {
      auto n = cases_->CountEnded(office, StateName(state), absl::InfinitePast());
      if (!n.ok()) return n.status();
      if (*n > 0) o.ended_by_state_office[StateName(state)][office] = *n;
    }
  }
  std::sort(o.deadlines.begin(), o.deadlines.end(), [](const auto& a, const auto& b) {
    if (a.breached != b.breached) return a.breached;
    return a.deadline < b.deadline;
  });
  for (const std::string& topic : options_.dlq_topics) {
    auto depth = dlq_backlog_ ? dlq_backlog_(topic) : absl::UnavailableError("no Kafka");
    o.dlq_depth[topic] = depth.ok() ? *depth : (absl::IsNotFound(depth.status()) ? 0 : -1);
  }
  if (backends_ != nullptr) o.connectors = backends_->PlatformHealth();
  return o;
}

void OverviewSource::Export(const Overview& o) {
  absl::MutexLock lock(&export_mu_);
  for (const auto& [state, office] : exported_) {
    Metrics().GetGauge("hosho_cases_in_flight", "", {{"state", state}, {"office", office}}).Set(0);
  }
  exported_.clear();
  for (const auto& [state, offices] : o.by_state_office) {
    for (const auto& [office, count] : offices) {
      Metrics()
          .GetGauge("hosho_cases_in_flight", "In-flight cases by state and responsible office.",
                    {{"state", state}, {"office", office}})
          .Set(static_cast<double>(count));
      exported_.emplace_back(state, office);
    }
  }
  // Ended counts only grow (per office and final state), so no label set ever needs resetting.
  for (const auto& [state, offices] : o.ended_by_state_office) {
    for (const auto& [office, count] : offices) {
      Metrics()
          .GetGauge("hosho_cases_ended", "Cases that ended (closed, withdrawn, returned), by final state and office.",
                    {{"state", state}, {"office", office}})
          .Set(static_cast<double>(count));
    }
  }
  Metrics()
      .GetGauge("hosho_case_deadlines", "In-flight cases whose deadline is near (48 h) or past.",
                {{"status", "approaching"}})
      .Set(static_cast<double>(o.approaching));
  Metrics()
      .GetGauge("hosho_case_deadlines", "In-flight cases whose deadline is near (48 h) or past.",
                {{"status", "breached"}})
      .Set(static_cast<double>(o.breached));
  for (const auto& [topic, depth] : o.dlq_depth) {
    if (depth < 0) continue;  // unknown: keep the last known figure rather than report an empty DLQ
    Metrics()
        .GetGauge("hosho_dlq_depth", "Dead letters not yet replayed, per DLQ topic.", {{"topic", topic}})
        .Set(static_cast<double>(depth));
  }
  for (const auto& c : o.connectors) {
    Metrics()
        .GetGauge("hosho_platform_connector_up", "1 while hosho-verification reports the platform connector serving.",
                  {{"platform", c.platform}})
        .Set(c.status == "SERVING" ? 1 : 0);
  }
}

}  // namespace hosho
