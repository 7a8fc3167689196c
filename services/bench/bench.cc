#include "services/bench/bench.h"

#include <grpcpp/grpcpp.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "hosho/v1/echo.grpc.pb.h"
#include "services/common/domain/events.h"
#include "services/common/grpc/grpc_client.h"
#include "services/common/grpc/grpc_server.h"
#include "services/common/kafka/kafka_impl.h"
#include "services/common/redis/redis_client.h"
#include "services/common/store/case_store_redis.h"
#include "services/common/store/delivery_store_redis.h"
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
    const double percent =
        100 * absl::ToDoubleSeconds(ProcessCpu(pids[i].second) - before[i]) / absl::ToDoubleSeconds(window);
    total += percent;
    absl::StrAppendFormat(detail, "%s%s %.1f%%", detail->empty() ? "" : ", ", pids[i].first, percent);
  }
  return total;
}

constexpr int kWarmUp = 50;

// Every submission the run makes: the warm-up, each open-loop phase and the closed loop.
int SubmissionCount(const BenchOptions& options) {
  int total = options.closed_loop_cases + kWarmUp;
  for (int rate : options.open_loop_rates) {
    total += rate * static_cast<int>(absl::ToInt64Seconds(options.open_loop_phase));
  }
  return total;
}

struct BenchStack {
  std::unique_ptr<Stack> stack;
  std::string run_dir;  // removed once the run is over
};

// A stack of its own in a temporary directory, with a certificate for every submission the run makes.
absl::StatusOr<BenchStack> StartStack(const BenchOptions& options, int submissions) {
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
    for (int i = 0; i < submissions; ++i) out << CertificateEntry(i, BenchKey(i));
  }
  std::fprintf(stderr, "bench: %d certificates written; starting the stack\n", submissions);
  stack_options.fresh = true;
  auto stack = Stack::Start(stack_options);
  if (!stack.ok()) return stack.status();
  return BenchStack{*std::move(stack), stack_options.run_dir};
}

hosho::v1::Contract BenchContract() {
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
  return contract;
}

// A client of the stack in `run_dir`, acting as the submitter once the contract system has
// registered the benchmark's contract.
absl::StatusOr<std::unique_ptr<HoshoClient>> ConnectAsSubmitter(const std::string& run_dir) {
  auto endpoints = EndpointsFromStackFile(run_dir + "/stack.yaml");
  if (!endpoints.ok()) return endpoints.status();
  auto client = HoshoClient::Connect(*endpoints);
  if (!client.ok()) return client.status();
  if (auto s = (*client)->ActAs("city-contract-system"); !s.ok()) return s;
  if (auto s = (*client)->UpsertContract(BenchContract()); !s.ok()) return s.status();
  if (auto s = (*client)->ActAs("demo-submitter"); !s.ok()) return s;
  return client;
}

// Baselines, measured in the same run on the same machine.
absl::Status MeasureBaselines(const BenchOptions& options, Stack& stack, BenchReport& report) {
  std::fprintf(stderr, "bench: baseline gRPC echo (callback API)\n");
  auto echo = MeasureEcho(options.echo_duration, options.echo_concurrency);
  if (!echo.ok()) return echo.status();
  report.echo_qps = *echo;
  report.broker = stack.kafka()->Description();
  std::fprintf(stderr, "bench: baseline produce→consume through the same broker (%s)\n", report.broker.c_str());
  KafkaOptions kafka;
  kafka.bootstrap_servers = stack.endpoints().kafka_bootstrap;
  // The services' own consumer settings (the default long poll).
  kafka.consumer_properties = {{"session.timeout.ms", "6000"}};
  auto probe = MeasureProduceConsume(kafka, "hosho.bench.v1", options.kafka_messages, 512);
  if (!probe.ok()) return probe.status();
  report.kafka_msgs_per_s = static_cast<double>(probe->messages) / absl::ToDoubleSeconds(probe->elapsed);
  return absl::OkStatus();
}

// What the phases submit through and read the outcome from.
struct Pipeline {
  HoshoClient& client;
  CaseStore& store;
  DeliveryStore& deliveries;
  int next = 0;  // the next submission's number (and its certificate's)
};

// Warm-up, not measured: consumer groups joined, connections open, caches filled.
absl::Status WarmUp(Pipeline& p) {
  std::fprintf(stderr, "bench: warm-up (%d cases)\n", kWarmUp);
  std::vector<std::string> ids;
  for (int i = 0; i < kWarmUp; ++i) {
    auto response = p.client.Submit(Submission(p.next++));
    if (!response.ok()) return response.status();
    ids.push_back(response->case_id());
  }
  for (const CaseOutcome& o : Collect(p.store, p.deliveries, ids, absl::Seconds(60))) {
    if (!o.closed) return absl::DeadlineExceededError("warm-up cases did not complete");
  }
  return absl::OkStatus();
}

// The intake latencies of the submissions that were accepted; `failed` counts the others.
std::vector<double> AcceptedLatencies(const std::vector<std::string>& ids, const std::vector<double>& intake_ms,
                                      size_t& failed) {
  std::vector<double> accepted_ms;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i].empty()) {
      ++failed;
    } else {
      accepted_ms.push_back(intake_ms[i]);
    }
  }
  return accepted_ms;
}

// Submissions `first`.. at `rate` per second from `start` by 64 workers, whatever the answers;
// each one's intake latency counts from its scheduled time.
void SubmitOnSchedule(HoshoClient& client, int first, int count, int rate, absl::Time start,
                      std::vector<std::string>& ids, std::vector<double>& intake_ms) {
  const int workers = 64;
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      for (int i = w; i < count; i += workers) {
        const absl::Time scheduled = start + absl::Seconds(1) * i / rate;
        const absl::Time now = absl::Now();
        if (scheduled > now) absl::SleepFor(scheduled - now);  // pacing the open loop
        auto response = client.Submit(Submission(first + i));
        intake_ms[static_cast<size_t>(i)] = absl::ToDoubleMilliseconds(absl::Now() - scheduled);
        if (response.ok()) ids[static_cast<size_t>(i)] = response->case_id();
      }
    });
  }
  for (auto& t : threads) t.join();
}

// Open loop: submissions at fixed times whatever the answers; latency from the scheduled time.
OpenLoopResult RunOpenLoop(Pipeline& p, int rate, absl::Duration phase) {
  std::fprintf(stderr, "bench: open loop at %d cases/s\n", rate);
  const int count = rate * static_cast<int>(absl::ToInt64Seconds(phase));
  const int first = p.next;
  p.next += count;
  std::vector<std::string> ids(static_cast<size_t>(count));
  std::vector<double> intake_ms(static_cast<size_t>(count), -1);
  const absl::Time start = absl::Now() + absl::Milliseconds(100);
  SubmitOnSchedule(p.client, first, count, rate, start, ids, intake_ms);
  const absl::Duration sent_in = absl::Now() - start;
  OpenLoopResult r;
  r.rate = rate;
  r.submitted = static_cast<size_t>(count);
  r.achieved_per_s = count / absl::ToDoubleSeconds(sent_in);
  r.intake = Summarize(AcceptedLatencies(ids, intake_ms, r.failed));
  std::vector<double> e2e;
  for (const CaseOutcome& o : Collect(p.store, p.deliveries, ids, absl::Seconds(120))) {
    if (!o.closed) continue;
    ++r.completed;
    if (o.notified > o.received) e2e.push_back(absl::ToDoubleMilliseconds(o.notified - o.received));
  }
  r.e2e = Summarize(e2e);
  return r;
}

// Submissions `first`.. by `concurrency` submitters, each sending the next as soon as it is answered.
void SubmitAsAnswered(HoshoClient& client, int first, int count, int concurrency, std::vector<std::string>& ids,
                      std::vector<double>& intake_ms) {
  std::atomic<int> cursor{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < concurrency; ++w) {
    threads.emplace_back([&] {
      for (int i = cursor++; i < count; i = cursor++) {
        const absl::Time t0 = absl::Now();
        auto response = client.Submit(Submission(first + i));
        intake_ms[static_cast<size_t>(i)] = absl::ToDoubleMilliseconds(absl::Now() - t0);
        if (response.ok()) ids[static_cast<size_t>(i)] = response->case_id();
      }
    });
  }
  for (auto& t : threads) t.join();
}

// Closed loop: as fast as the pipeline goes.
void RunClosedLoop(Pipeline& p, const BenchOptions& options, BenchReport& report) {
  std::fprintf(stderr, "bench: closed loop, %d cases by %d submitters\n", options.closed_loop_cases,
               options.closed_loop_concurrency);
  const int first = p.next;
  const int count = options.closed_loop_cases;
  p.next += count;
  std::vector<std::string> ids(static_cast<size_t>(count));
  std::vector<double> intake_ms(static_cast<size_t>(count), -1);
  const absl::Time start = absl::Now();
  SubmitAsAnswered(p.client, first, count, options.closed_loop_concurrency, ids, intake_ms);
  report.closed_intake = Summarize(AcceptedLatencies(ids, intake_ms, report.closed_failed));
  report.closed_submitted = static_cast<size_t>(count);
  absl::Time last = start;
  for (const CaseOutcome& o : Collect(p.store, p.deliveries, ids, absl::Seconds(300))) {
    if (!o.closed) continue;
    ++report.closed_completed;
    last = std::max(last, o.closed_at);
  }
  report.completed_per_s = report.closed_completed / std::max(1e-9, absl::ToDoubleSeconds(last - start));
}

}  // namespace

absl::StatusOr<BenchReport> RunBench(const BenchOptions& options) {
  BenchReport report;
  report.machine = Machine();
  auto bench_stack = StartStack(options, SubmissionCount(options));
  if (!bench_stack.ok()) return bench_stack.status();
  Stack& stack = *bench_stack->stack;
  auto client = ConnectAsSubmitter(bench_stack->run_dir);
  if (!client.ok()) return client.status();
  if (absl::Status s = MeasureBaselines(options, stack, report); !s.ok()) return s;
  RedisOptions redis_options;
  redis_options.port = stack.endpoints().redis_port;
  auto redis = RedisClient::Create(redis_options, &RealClock());
  if (!redis.ok()) return redis.status();
  RedisCaseStore store(redis->get());
  RedisDeliveryStore deliveries(redis->get());
  Pipeline pipeline{.client = **client, .store = store, .deliveries = deliveries};
  if (absl::Status s = WarmUp(pipeline); !s.ok()) return s;
  const int64_t memory_before = UsedMemory(**redis);
  const int measured_from = pipeline.next;
  for (int rate : options.open_loop_rates) {
    report.open_loop.push_back(RunOpenLoop(pipeline, rate, options.open_loop_phase));
  }
  RunClosedLoop(pipeline, options, report);
  const int64_t memory_after = UsedMemory(**redis);
  report.redis_bytes_per_case =
      static_cast<double>(memory_after - memory_before) / std::max(1, pipeline.next - measured_from);
  std::fprintf(stderr, "bench: idle stack for %.0f s\n", absl::ToDoubleSeconds(options.idle_window));
  report.idle_cpu_percent = IdleCpuPercent(stack, options.idle_window, &report.idle_detail);
  const std::vector<std::string> exited = stack.Exited();
  stack.Stop();
  std::error_code ec;
  fs::remove_all(bench_stack->run_dir, ec);
  if (!exited.empty()) return absl::InternalError(absl::StrCat(exited.front(), " exited during the benchmark"));
  return report;
}

}  // namespace hosho
