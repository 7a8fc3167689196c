#include "services/common/runtime/metrics.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/runtime/log.h"

namespace hosho {
namespace {

std::string LabelKey(const Labels& labels) {
  std::string out;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ",";
    out += labels[i].first;
    out += "=\"";
    AppendJsonEscaped(out, labels[i].second);
    out += "\"";
  }
  return out;
}

std::string Braces(absl::string_view inner, absl::string_view extra = "") {
  if (inner.empty() && extra.empty()) return "";
  if (inner.empty()) return absl::StrCat("{", extra, "}");
  if (extra.empty()) return absl::StrCat("{", inner, "}");
  return absl::StrCat("{", inner, ",", extra, "}");
}

void AddAtomic(std::atomic<double>& target, double by) {
  double current = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(current, current + by, std::memory_order_relaxed)) {
  }
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::Observe(double value) {
  const size_t index = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  buckets_[index].fetch_add(1, std::memory_order_relaxed);
  AddAtomic(sum_, value);
  count_.fetch_add(1, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Take() const {
  Snapshot s;
  s.bounds = bounds_;
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  s.sum = sum_.load(std::memory_order_relaxed);
  s.count = count_.load(std::memory_order_relaxed);
  return s;
}

std::vector<double> LatencyBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

Counter& MetricsRegistry::GetCounter(absl::string_view name, absl::string_view help, const Labels& labels) {
  absl::MutexLock lock(&mu_);
  auto& family = families_[name];
  if (!family) family = std::make_unique<Family>(Family{std::string(help), "counter", {}, {}, {}});
  auto& metric = family->counters[LabelKey(labels)];
  if (!metric) metric = std::make_unique<Counter>();
  return *metric;
}

Gauge& MetricsRegistry::GetGauge(absl::string_view name, absl::string_view help, const Labels& labels) {
  absl::MutexLock lock(&mu_);
  auto& family = families_[name];
  if (!family) family = std::make_unique<Family>(Family{std::string(help), "gauge", {}, {}, {}});
  auto& metric = family->gauges[LabelKey(labels)];
  if (!metric) metric = std::make_unique<Gauge>();
  return *metric;
}

Histogram& MetricsRegistry::GetHistogram(absl::string_view name, absl::string_view help, const Labels& labels,
                                         std::vector<double> bounds) {
  absl::MutexLock lock(&mu_);
  auto& family = families_[name];
  if (!family) family = std::make_unique<Family>(Family{std::string(help), "histogram", {}, {}, {}});
  auto& metric = family->histograms[LabelKey(labels)];
  if (!metric) metric = std::make_unique<Histogram>(std::move(bounds));
  return *metric;
}

std::string MetricsRegistry::RenderText() const {
  absl::MutexLock lock(&mu_);
  std::map<std::string, const Family*> sorted;
  for (const auto& [name, family] : families_) sorted[name] = family.get();
  std::string out;
  for (const auto& [name, family] : sorted) {
    absl::StrAppend(&out, "# HELP ", name, " ", family->help, "\n# TYPE ", name, " ", family->type, "\n");
    for (const auto& [labels, c] : family->counters) {
      absl::StrAppend(&out, name, Braces(labels), " ", c->Value(), "\n");
    }
    for (const auto& [labels, g] : family->gauges) {
      absl::StrAppend(&out, name, Braces(labels), " ", g->Value(), "\n");
    }
    for (const auto& [labels, h] : family->histograms) {
      const Histogram::Snapshot s = h->Take();
      for (size_t i = 0; i < s.bounds.size(); ++i) {
        absl::StrAppend(&out, name, "_bucket", Braces(labels, absl::StrCat("le=\"", s.bounds[i], "\"")), " ",
                        s.cumulative[i], "\n");
      }
      absl::StrAppend(&out, name, "_bucket", Braces(labels, "le=\"+Inf\""), " ", s.cumulative.back(), "\n");
      absl::StrAppend(&out, name, "_sum", Braces(labels), " ", s.sum, "\n");
      absl::StrAppend(&out, name, "_count", Braces(labels), " ", s.count, "\n");
    }
  }
  return out;
}

MetricsRegistry& Metrics() {
  static MetricsRegistry* registry = new MetricsRegistry();
  return *registry;
}

}  // namespace hosho
