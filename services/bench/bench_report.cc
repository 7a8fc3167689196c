#include "services/bench/bench_report.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace hosho {

LatencySummary Summarize(std::vector<double> samples) {
  LatencySummary s;
  s.samples = samples.size();
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  auto at = [&](double q) {
    const size_t index = std::min(samples.size() - 1, static_cast<size_t>(q * static_cast<double>(samples.size())));
    return samples[index];
  };
  s.p50_ms = at(0.50);
  s.p99_ms = at(0.99);
  s.p999_ms = at(0.999);
  return s;
}

std::string FormatReport(const BenchReport& r) {
  std::string out = absl::StrCat("hosho bench on ", r.machine, "\nbroker: ", r.broker, "\n\n");
  absl::StrAppendFormat(&out, "baseline  gRPC unary echo (callback API)      %10.0f calls/s\n", r.echo_qps);
  absl::StrAppendFormat(&out, "baseline  produce→consume, same broker        %10.0f msgs/s\n\n", r.kafka_msgs_per_s);
  out +=
      "open loop  rate/s  achieved  completed  failed  intake p50/p99/p99.9 ms      submit→notified p50/p99/p99.9 ms\n";
  for (const auto& o : r.open_loop) {
    absl::StrAppendFormat(&out, "           %6d  %8.1f  %9zu  %6zu  %7.2f /%7.2f /%7.2f      %7.2f /%7.2f /%7.2f\n",
                          o.rate, o.achieved_per_s, o.completed, o.failed, o.intake.p50_ms, o.intake.p99_ms,
                          o.intake.p999_ms, o.e2e.p50_ms, o.e2e.p99_ms, o.e2e.p999_ms);
  }
  absl::StrAppendFormat(&out, "\nclosed loop  %zu submitted, %zu completed (CLOSED), %zu failed\n", r.closed_submitted,
                        r.closed_completed, r.closed_failed);
  absl::StrAppendFormat(&out, "             completed cases/s %.1f; intake p50/p99/p99.9 %.2f / %.2f / %.2f ms\n",
                        r.completed_per_s, r.closed_intake.p50_ms, r.closed_intake.p99_ms, r.closed_intake.p999_ms);
  absl::StrAppendFormat(&out, "\nredis bytes per case   %.0f\n", r.redis_bytes_per_case);
  absl::StrAppendFormat(&out, "idle stack CPU         %.1f %% of one core (%s)\n", r.idle_cpu_percent, r.idle_detail);
  absl::StrAppendFormat(&out, "ratios  completed/echo %.4f   completed/kafka %.4f\n",
                        r.completed_per_s / std::max(1.0, r.echo_qps),
                        r.completed_per_s / std::max(1.0, r.kafka_msgs_per_s));
  return out;
}

std::string ReportJson(const BenchReport& r) {
  const OpenLoopResult* at200 = nullptr;
  for (const auto& o : r.open_loop) {
    if (o.rate == 200) at200 = &o;
  }
  const OpenLoopResult* any = at200 != nullptr ? at200 : (r.open_loop.empty() ? nullptr : &r.open_loop.back());
  std::string open;
  for (const auto& o : r.open_loop) {
    absl::StrAppendFormat(&open,
                          "%s{\"rate\": %d, \"achieved_per_s\": %.2f, \"completed\": %zu, \"failed\": %zu, "
                          "\"intake_p50_ms\": %.3f, \"intake_p99_ms\": %.3f, \"intake_p999_ms\": %.3f, "
                          "\"e2e_p50_ms\": %.3f, \"e2e_p99_ms\": %.3f, \"e2e_p999_ms\": %.3f}",
                          open.empty() ? "" : ", ", o.rate, o.achieved_per_s, o.completed, o.failed, o.intake.p50_ms,
                          o.intake.p99_ms, o.intake.p999_ms, o.e2e.p50_ms, o.e2e.p99_ms, o.e2e.p999_ms);
  }
  return absl::StrFormat(
      "{\n  \"machine\": \"%s\",\n  \"completed_per_s\": %.2f,\n  \"intake_p99_ms\": %.3f,\n  \"e2e_p99_ms\": %.3f,\n"
      "  \"e2e_p99_ms_rate\": %d,\n  \"echo_qps\": %.2f,\n  \"kafka_msgs_per_s\": %.2f,\n"
      "  \"redis_bytes_per_case\": %.1f,\n  \"idle_cpu_percent\": %.2f,\n  \"broker\": \"%s\",\n"
      "  \"ratio_completed_to_echo\": %.5f,\n  \"ratio_completed_to_kafka\": %.5f,\n"
      "  \"closed_loop\": {\"submitted\": %zu, \"completed\": %zu, \"failed\": %zu, \"intake_p50_ms\": %.3f, "
      "\"intake_p99_ms\": %.3f, \"intake_p999_ms\": %.3f},\n  \"open_loop\": [%s]\n}\n",
      r.machine, r.completed_per_s, any != nullptr ? any->intake.p99_ms : 0.0, any != nullptr ? any->e2e.p99_ms : 0.0,
      any != nullptr ? any->rate : 0, r.echo_qps, r.kafka_msgs_per_s, r.redis_bytes_per_case, r.idle_cpu_percent,
      r.broker, r.completed_per_s / std::max(1.0, r.echo_qps), r.completed_per_s / std::max(1.0, r.kafka_msgs_per_s),
      r.closed_submitted, r.closed_completed, r.closed_failed, r.closed_intake.p50_ms, r.closed_intake.p99_ms,
      r.closed_intake.p999_ms, open);
}

}  // namespace hosho
