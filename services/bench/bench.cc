#include "services/bench/bench.h"

#include <grpcpp/grpcpp.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "hosho/v1/echo.grpc.pb.h"
#include "services/common/case_store_redis.h"
#include "services/common/delivery_store_redis.h"
#include "services/common/events.h"
#include "services/common/grpc_client.h"
#include "services/common/grpc_server.h"
#include "services/common/kafka_impl.h"
#include "services/common/redis_client.h"
#include "services/hoshoctl/client.h"
#include "services/stack/stack.h"

namespace hosho {
namespace {

namespace fs = std::filesystem;

constexpr char kContractId[] = "K-BENCH-1";

// Baseline server: unary echo on the callback API.
class EchoCallbackService final : public hosho::v1::Echo::CallbackService {
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context, const hosho::v1::EchoMessage* request,
                                 hosho::v1::EchoMessage* response) override {
    response->set_payload(request->payload());
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

absl::StatusOr<double> MeasureEcho(absl::Duration duration, int concurrency) {
  EchoCallbackService service;
  GrpcServerOptions options;
  options.dev_plaintext = true;
  options.drain_timeout = absl::Seconds(1);
  GrpcServerRunner runner(options);
  runner.AddService(&service);
  if (auto s = runner.Start(); !s.ok()) return s;
  ChannelOptions channel_options;
  channel_options.target = absl::StrCat("127.0.0.1:", runner.port());
  channel_options.dev_plaintext = true;
  auto channel = MakeChannel(channel_options);
  if (!channel.ok()) return channel.status();
  auto stub = hosho::v1::Echo::NewStub(*channel);
  std::atomic<int64_t> completed{0};
  std::atomic<int> in_flight{0};
  std::atomic<bool> stop{false};
  hosho::v1::EchoMessage request;
  request.set_payload(std::string(64, 'e'));
  struct Call {
    grpc::ClientContext context;
    hosho::v1::EchoMessage response;
  };
  std::function<void()> issue = [&] {
    auto* call = new Call();
    ++in_flight;
    stub->async()->Echo(&call->context, &request, &call->response, [&, call](grpc::Status status) {
      delete call;
      if (status.ok()) ++completed;
      if (!stop.load()) {
        issue();
      }
      --in_flight;
    });
  };
  const absl::Time start = absl::Now();
  for (int i = 0; i < concurrency; ++i) issue();
  absl::SleepFor(duration);
  stop = true;
  const double qps = static_cast<double>(completed.load()) / absl::ToDoubleSeconds(absl::Now() - start);
  while (in_flight.load() > 0) absl::SleepFor(absl::Milliseconds(1));
  runner.Shutdown();
  return qps;
}

std::string CertificateEntry(int i, const std::string& key) {
  return absl::StrCat(
      "  - {platform: d_sure, guarantee_number: \"BENCH-", i, "\", authentication_key: \"", key,
      "\", record: {kind: contract, beneficiary: \"ベンチ市長\", contractor_name: \"ベンチ建設\", project_name: "
      "\"ベンチ工事\", contract_price_yen: 100000000, guaranteed_amount_yen: 10000000, period_start: \"2026-12-01\", "
      "period_end: \"2027-12-01\", issuer: east_japan_construction_surety}}\n");
}

std::string BenchKey(int i) { return absl::StrCat("BK-", i * 7919 % 100003, "-", i); }

hosho::v1::SubmitGuaranteeRequest Submission(int i) {
  hosho::v1::SubmitGuaranteeRequest r;
  r.set_client_request_id(absl::StrCat("bench-", i));
  r.set_contract_id(kContractId);
  r.set_kind(hosho::v1::GUARANTEE_KIND_CONTRACT);
  r.set_issuer_kind(hosho::v1::ISSUER_KIND_SURETY_COMPANY);
  r.set_issuer(hosho::v1::ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY);
  r.mutable_d_sure()->set_guarantee_number(absl::StrCat("BENCH-", i));
  r.mutable_d_sure()->set_authentication_key(BenchKey(i));
  return r;
}

int64_t UsedMemory(RedisClient& redis) {
  auto info = redis.Command({"INFO", "memory"});
  if (!info.ok()) return 0;
  for (absl::string_view line : absl::StrSplit(info->str, "\r\n")) {
    if (absl::ConsumePrefix(&line, "used_memory:")) {
      int64_t v = 0;
      if (absl::SimpleAtoi(line, &v)) return v;
    }
  }
  return 0;
}

struct CaseOutcome {
  bool closed = false;
  absl::Time received, closed_at, notified;
};

// Awaits every case's CLOSED state (bounded) and reads when its office was notified: the time the
// routing notice entered the office's watch stream (its stream delivery).
std::vector<CaseOutcome> Collect(CaseStore& store, DeliveryStore& deliveries, const std::vector<std::string>& ids,
                                 absl::Duration bound) {
  std::vector<CaseOutcome> out(ids.size());
  const absl::Time give_up = absl::Now() + bound;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i].empty()) continue;
    while (true) {
      auto record = store.Get(ids[i]);
      if (record.ok() && record->Field("state") == "CLOSED") {
        int64_t received = 0, updated = 0;
        (void)absl::SimpleAtoi(record->Field("received_ms"), &received);
        (void)absl::SimpleAtoi(record->Field("updated_ms"), &updated);
        out[i].closed = true;
        out[i].received = absl::FromUnixMillis(received);
        out[i].closed_at = absl::FromUnixMillis(updated);
        break;
      }
      if (absl::Now() > give_up) break;
      absl::SleepFor(absl::Milliseconds(20));
    }
    if (!out[i].closed) continue;
    while (true) {
      auto sent = deliveries.ForCase(ids[i]);
      bool found = false;
      if (sent.ok()) {
        for (const DeliveryRecord& d : *sent) {
          hosho::v1::Notice notice;
          if (d.channel == kStreamChannel && d.state == DeliveryRecord::State::kDelivered &&
              notice.ParseFromString(d.payload) && notice.kind() == "routed") {
            out[i].received = FromProto(notice.case_received_at());
            out[i].notified = d.delivered_at;
            found = true;
          }
        }
      }
      if (found || absl::Now() > give_up) break;
      absl::SleepFor(absl::Milliseconds(20));
    }
  }
  return out;
}

std::string Machine() {
  utsname u{};
  uname(&u);
  std::string cpu;
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  }
  return absl::StrCat(cpu, ", ", std::thread::hardware_concurrency(), " cores, ", u.sysname, " ", u.release);
}

// CPU time (user + system) a process has used so far, from /proc/<pid>/stat.
absl::Duration ProcessCpu(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces) start at the last ')'.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return absl::ZeroDuration();
  std::vector<std::string> fields = absl::StrSplit(stat.substr(close + 2), ' ');
  int64_t utime = 0, stime = 0;
  if (fields.size() < 13 || !absl::SimpleAtoi(fields[11], &utime) || !absl::SimpleAtoi(fields[12], &stime)) {
    return absl::ZeroDuration();
  }
  return absl::Seconds(static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK)));
}

// The whole stack's CPU while nothing is asked of it, as a percentage of one core, with the
// processes that used most.
double IdleCpuPercent(Stack& stack, absl::Duration window, std::string* detail) {
  const auto pids = stack.Pids();
  std::vector<absl::Duration> before;
  for (const auto& [name, pid] : pids) before.push_back(ProcessCpu(pid));
  absl::SleepFor(window);  // the quiet window being measured
  double total = 0;
  for (size_t i = 0; i < pids.size(); ++i) {
    const double percent = 100 * absl::ToDoubleSeconds(ProcessCpu(pids[i].second) - before[i]) /
                           absl::ToDoubleSeconds(window);
    total += percent;
    absl::StrAppendFormat(detail, "%s%s %.1f%%", detail->empty() ? "" : ", ", pids[i].first, percent);
  }
  return total;
}

}  // namespace

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

absl::StatusOr<BenchReport> RunBench(const BenchOptions& options) {
  BenchReport report;
  report.machine = Machine();
  constexpr int kWarmUp = 50;
  int total = options.closed_loop_cases + kWarmUp;
  for (int rate : options.open_loop_rates) {
    total += rate * static_cast<int>(absl::ToInt64Seconds(options.open_loop_phase));
  }

  // Certificates for every submission the run will make.
  StackOptions stack_options;
  stack_options.run_dir = (fs::temp_directory_path() / absl::StrCat("hosho-bench-", getpid())).string();
  stack_options.bin_dir = options.bin_dir;
  stack_options.source_dir = options.source_dir;
  stack_options.log_level = "warn";
  stack_options.extra_config["routing"] = "bench: {auto_handoff: true}";
  stack_options.python3.clear();             // no development mail server: e-mail delivery is off in the benchmark
  stack_options.submissions_per_minute = 0;  // the benchmark is one principal sending as fast as it can
  auto port_base = FindFreePortRange(kStackPorts);
  if (!port_base.ok()) return port_base.status();
  stack_options.port_base = *port_base;
  fs::create_directories(stack_options.run_dir);
  stack_options.certificates_file = stack_options.run_dir + "/bench-certificates.yaml";
  {
    std::ofstream out(stack_options.certificates_file);
    out << "certificates:\n";
    for (int i = 0; i < total; ++i) out << CertificateEntry(i, BenchKey(i));
  }
  std::fprintf(stderr, "bench: %d certificates written; starting the stack\n", total);
  stack_options.fresh = true;
  auto stack = Stack::Start(stack_options);
  if (!stack.ok()) return stack.status();

  auto endpoints = EndpointsFromStackFile(stack_options.run_dir + "/stack.yaml");
  if (!endpoints.ok()) return endpoints.status();
  auto client = HoshoClient::Connect(*endpoints);
  if (!client.ok()) return client.status();
  if (auto s = (*client)->ActAs("city-contract-system"); !s.ok()) return s;
  hosho::v1::Contract contract;
  contract.set_contract_id(kContractId);
  contract.set_contract_number("BENCH-1");
  contract.set_project_name("ベンチ工事");
  contract.set_ordering_office("contract-division");
  contract.set_department_in_charge("road-maintenance");
  contract.set_work_category(hosho::v1::WORK_CATEGORY_CONSTRUCTION);
  contract.mutable_contractor()->set_name("ベンチ建設");
  contract.set_price_yen(100'000'000);
  contract.set_beneficiary("ベンチ市長");
  contract.mutable_period_start()->set_year(2026);
  contract.mutable_period_start()->set_month(12);
  contract.mutable_period_start()->set_day(1);
  contract.mutable_period_end()->set_year(2027);
  contract.mutable_period_end()->set_month(12);
  contract.mutable_period_end()->set_day(1);
  if (auto s = (*client)->UpsertContract(contract); !s.ok()) return s.status();
  if (auto s = (*client)->ActAs("demo-submitter"); !s.ok()) return s;

  // Baselines, measured in the same run on the same machine.
  std::fprintf(stderr, "bench: baseline gRPC echo (callback API)\n");
  auto echo = MeasureEcho(options.echo_duration, options.echo_concurrency);
  if (!echo.ok()) return echo.status();
  report.echo_qps = *echo;
  report.broker = (*stack)->kafka()->Description();
  std::fprintf(stderr, "bench: baseline produce→consume through the same broker (%s)\n", report.broker.c_str());
  KafkaOptions kafka;
  kafka.bootstrap_servers = (*stack)->endpoints().kafka_bootstrap;
  // The services' own consumer settings (the default long poll).
  kafka.consumer_properties = {{"session.timeout.ms", "6000"}};
  auto probe = MeasureProduceConsume(kafka, "hosho.bench.v1", options.kafka_messages, 512);
  if (!probe.ok()) return probe.status();
  report.kafka_msgs_per_s = static_cast<double>(probe->messages) / absl::ToDoubleSeconds(probe->elapsed);

  RedisOptions redis_options;
  redis_options.port = (*stack)->endpoints().redis_port;
  auto redis = RedisClient::Create(redis_options, &RealClock());
  if (!redis.ok()) return redis.status();
  RedisCaseStore store(redis->get());
  RedisDeliveryStore deliveries(redis->get());
  // Warm-up, not measured: consumer groups joined, connections open, caches filled.
  int next = 0;
  {
    std::fprintf(stderr, "bench: warm-up (%d cases)\n", kWarmUp);
    std::vector<std::string> ids;
    for (int i = 0; i < kWarmUp; ++i) {
      auto response = (*client)->Submit(Submission(next++));
      if (!response.ok()) return response.status();
      ids.push_back(response->case_id());
    }
    for (const CaseOutcome& o : Collect(store, deliveries, ids, absl::Seconds(60))) {
      if (!o.closed) return absl::DeadlineExceededError("warm-up cases did not complete");
    }
  }
  const int64_t memory_before = UsedMemory(**redis);
  const int measured_from = next;

  // Open loop: submissions at fixed times whatever the answers; latency from the scheduled time.
  for (int rate : options.open_loop_rates) {
    std::fprintf(stderr, "bench: open loop at %d cases/s\n", rate);
    const int count = rate * static_cast<int>(absl::ToInt64Seconds(options.open_loop_phase));
    const int first = next;
    next += count;
    std::vector<std::string> ids(static_cast<size_t>(count));
    std::vector<double> intake_ms(static_cast<size_t>(count), -1);
    const int workers = 64;
    const absl::Time start = absl::Now() + absl::Milliseconds(100);
    std::vector<std::thread> threads;
    for (int w = 0; w < workers; ++w) {
      threads.emplace_back([&, w] {
        for (int i = w; i < count; i += workers) {
          const absl::Time scheduled = start + absl::Seconds(1) * i / rate;
          const absl::Time now = absl::Now();
          if (scheduled > now) absl::SleepFor(scheduled - now);  // pacing the open loop
          auto response = (*client)->Submit(Submission(first + i));
          intake_ms[static_cast<size_t>(i)] = absl::ToDoubleMilliseconds(absl::Now() - scheduled);
          if (response.ok()) ids[static_cast<size_t>(i)] = response->case_id();
        }
      });
    }
    for (auto& t : threads) t.join();
    const absl::Duration sent_in = absl::Now() - start;
    OpenLoopResult r;
    r.rate = rate;
    r.submitted = static_cast<size_t>(count);
    r.achieved_per_s = count / absl::ToDoubleSeconds(sent_in);
    std::vector<double> accepted_ms;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (ids[i].empty()) {
        ++r.failed;
      } else {
        accepted_ms.push_back(intake_ms[i]);
      }
    }
    r.intake = Summarize(accepted_ms);
    std::vector<double> e2e;
    for (const CaseOutcome& o : Collect(store, deliveries, ids, absl::Seconds(120))) {
      if (!o.closed) continue;
      ++r.completed;
      if (o.notified > o.received) e2e.push_back(absl::ToDoubleMilliseconds(o.notified - o.received));
    }
    r.e2e = Summarize(e2e);
    report.open_loop.push_back(r);
  }

  // Closed loop: as fast as the pipeline goes.
  std::fprintf(stderr, "bench: closed loop, %d cases by %d submitters\n", options.closed_loop_cases,
               options.closed_loop_concurrency);
  {
    const int first = next;
    const int count = options.closed_loop_cases;
    next += count;
    std::vector<std::string> ids(static_cast<size_t>(count));
    std::vector<double> intake_ms(static_cast<size_t>(count), -1);
    std::atomic<int> cursor{0};
    const absl::Time start = absl::Now();
    std::vector<std::thread> threads;
    for (int w = 0; w < options.closed_loop_concurrency; ++w) {
      threads.emplace_back([&] {
        for (int i = cursor++; i < count; i = cursor++) {
          const absl::Time t0 = absl::Now();
          auto response = (*client)->Submit(Submission(first + i));
          intake_ms[static_cast<size_t>(i)] = absl::ToDoubleMilliseconds(absl::Now() - t0);
          if (response.ok()) ids[static_cast<size_t>(i)] = response->case_id();
        }
      });
    }
    for (auto& t : threads) t.join();
    std::vector<double> accepted_ms;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (ids[i].empty()) {
        ++report.closed_failed;
      } else {
        accepted_ms.push_back(intake_ms[i]);
      }
    }
    report.closed_submitted = static_cast<size_t>(count);
    report.closed_intake = Summarize(accepted_ms);
    absl::Time last = start;
    for (const CaseOutcome& o : Collect(store, deliveries, ids, absl::Seconds(300))) {
      if (!o.closed) continue;
      ++report.closed_completed;
      last = std::max(last, o.closed_at);
    }
    report.completed_per_s = report.closed_completed / std::max(1e-9, absl::ToDoubleSeconds(last - start));
  }
  const int64_t memory_after = UsedMemory(**redis);
  report.redis_bytes_per_case = static_cast<double>(memory_after - memory_before) / std::max(1, next - measured_from);
  std::fprintf(stderr, "bench: idle stack for %.0f s\n", absl::ToDoubleSeconds(options.idle_window));
  report.idle_cpu_percent = IdleCpuPercent(**stack, options.idle_window, &report.idle_detail);
  const std::vector<std::string> exited = (*stack)->Exited();
  (*stack)->Stop();
  std::error_code ec;
  fs::remove_all(stack_options.run_dir, ec);
  if (!exited.empty()) return absl::InternalError(absl::StrCat(exited.front(), " exited during the benchmark"));
  return report;
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
      any != nullptr ? any->rate : 0, r.echo_qps, r.kafka_msgs_per_s, r.redis_bytes_per_case,
      r.idle_cpu_percent, r.broker, r.completed_per_s / std::max(1.0, r.echo_qps), r.completed_per_s / std::max(1.0, r.kafka_msgs_per_s),
      r.closed_submitted, r.closed_completed, r.closed_failed, r.closed_intake.p50_ms, r.closed_intake.p99_ms,
      r.closed_intake.p999_ms, open);
}

}  // namespace hosho
