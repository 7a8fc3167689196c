#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace hosho {

// Prometheus metrics in the text exposition format. Debian 12 ships no
// prometheus-cpp, so this small registry replaces it (docs/architecture.md).
using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Increment(double by = 1) {
    double current = value_.load(std::memory_order_relaxed);
    while (!value_.compare_exchange_weak(current, current + by, std::memory_order_relaxed)) {
    }
  }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double by) {
    double current = value_.load(std::memory_order_relaxed);
    while (!value_.compare_exchange_weak(current, current + by, std::memory_order_relaxed)) {
    }
  }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value);
  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;  // per bound, then +Inf last
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot Take() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1
  std::atomic<double> sum_{0};
  std::atomic<uint64_t> count_{0};
};

// Default latency buckets in seconds.
std::vector<double> LatencyBuckets();

class MetricsRegistry {
 public:
  // Returns the metric for (name, labels), creating it once. References stay valid.
  Counter& GetCounter(absl::string_view name, absl::string_view help, const Labels& labels = {});
  Gauge& GetGauge(absl::string_view name, absl::string_view help, const Labels& labels = {});
  Histogram& GetHistogram(absl::string_view name, absl::string_view help, const Labels& labels = {},
                          std::vector<double> bounds = LatencyBuckets());
  std::string RenderText() const;

 private:
  struct Family {
    std::string help;
    std::string type;
    absl::flat_hash_map<std::string, std::unique_ptr<Counter>> counters;
    absl::flat_hash_map<std::string, std::unique_ptr<Gauge>> gauges;
    absl::flat_hash_map<std::string, std::unique_ptr<Histogram>> histograms;
  };
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<Family>> families_ ABSL_GUARDED_BY(mu_);
};

// The process-wide registry exposed on the admin port.
MetricsRegistry& Metrics();

}  // namespace hosho
