// hosho-stack's supervision of its children (Stack::Supervise): restart what crashed, with a
// backoff, and say so in three places an operator looks (stdout, the child's log, a metric).
#include <filesystem>
#include <fstream>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/stack/stack.h"

namespace hosho {
namespace {

namespace fs = std::filesystem;

// One JSON line, in the shape the services log, appended to a child's own log.
void AppendToLog(const std::string& log_path, const std::string& name, const std::string& why) {
  std::ofstream log(log_path, std::ios::app);
  log << R"({"ts":")" << absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone())
      << R"(","level":"warn","service":"hosho-stack","msg":"supervision","child":")" << name << R"(","detail":")" << why
      << "\"}\n";
}

std::string DescribeExit(int status) {
  return status < 0 ? absl::StrCat("killed by signal ", -status) : absl::StrCat("exited with status ", status);
}

}  // namespace

void Stack::Supervise(SupervisionOptions options) {
  if (supervisor_.joinable()) return;
  supervision_ = std::move(options);
  if (supervision_.metrics_file.empty()) {
    supervision_.metrics_file = (fs::path(options_.run_dir) / "stack-metrics.prom").string();
  }
  {
    absl::MutexLock lock(&watch_mu_);
    for (const auto& [name, child] : processes_) watches_[name].started = absl::Now();
    if (kafka_) {
      for (int n = 1; n <= kafka_->nodes(); ++n) {
        watches_[n == 1 ? "kafka" : absl::StrCat("kafka-", n)].started = absl::Now();
      }
    }
  }
  WriteSupervisionMetrics();
  supervisor_ = std::thread([this] { SuperviseLoop(); });
}

std::map<std::string, int> Stack::Restarts() {
  absl::MutexLock lock(&watch_mu_);
  std::map<std::string, int> out;
  for (const auto& [name, watch] : watches_) out[name] = watch.restarts;
  return out;
}

void Stack::StopSupervising() {
  if (!supervisor_.joinable()) return;
  stop_supervising_.Notify();
  supervisor_.join();
}

absl::Duration Stack::Backoff(int in_a_row) const {
  return std::min(supervision_.max_backoff, supervision_.first_backoff * (1 << std::min(in_a_row - 1, 16)));
}

void Stack::SuperviseLoop() {
  while (!stop_supervising_.WaitForNotificationWithTimeout(supervision_.poll)) {
    const absl::Time now = absl::Now();
    bool restarted = false;
    for (size_t i = 0; i < processes_.size(); ++i) restarted |= SuperviseChild(i, now);
    if (kafka_) {
      for (int n = 1; n <= kafka_->nodes(); ++n) restarted |= SuperviseKafkaNode(n, now);
    }
    if (restarted) WriteSupervisionMetrics();
  }
}

bool Stack::SuperviseChild(size_t index, absl::Time now) {
  auto& [name, child] = processes_[index];
  const std::string log_path = (fs::path(endpoints_.logs_dir) / (name + ".log")).string();
  absl::MutexLock lock(&watch_mu_);
  if (stopping_) return false;
  Watch& w = watches_[name];
  if (w.left_stopped) return false;
  if (w.restart_at == absl::InfiniteFuture()) {
    if (child.Running()) {
      if (w.in_a_row > 0 && now - w.started > supervision_.healthy_after) w.in_a_row = 0;
      return false;
    }
    const int status = child.exit_status();
    if (status == 0) {
      w.left_stopped = true;
      const std::string why = "exited with status 0 (an orderly stop): not restarted";
      std::cout << "hosho-stack: " << name << " " << why << std::endl;
      AppendToLog(log_path, name, why);
      return false;
    }
    ++w.in_a_row;
    const absl::Duration wait = Backoff(w.in_a_row);
    w.restart_at = now + wait;
    const std::string why = absl::StrCat(DescribeExit(status), "; restarting in ", absl::FormatDuration(wait),
                                         " (crash ", w.in_a_row, " in a row)");
    std::cout << "hosho-stack: " << name << " " << why << std::endl;
    AppendToLog(log_path, name, why);
    return false;
  }
  if (now < w.restart_at) return false;
  w.restart_at = absl::InfiniteFuture();
  auto again = ChildProcess::Spawn(argv_[name], log_path);
  if (!again.ok()) {
    // Tried again at the next backoff, as if it had crashed once more.
    ++w.in_a_row;
    w.restart_at = now + Backoff(w.in_a_row);
    std::cout << "hosho-stack: " << name << " could not be started: " << again.status().message() << std::endl;
    return false;
  }
  child = *again;
  w.started = now;
  ++w.restarts;
  std::cout << "hosho-stack: " << name << " restarted (pid " << child.pid() << ", restart " << w.restarts << ")"
            << std::endl;
  AppendToLog(log_path, name, absl::StrCat("restarted after an unexpected exit (restart ", w.restarts, ")"));
  return true;
}

bool Stack::SuperviseKafkaNode(int node, absl::Time now) {
  const std::string name = node == 1 ? "kafka" : absl::StrCat("kafka-", node);
  // Held throughout, the restart included (it waits until the node serves): Pids() and Exited()
  // look at the same processes.
  absl::MutexLock lock(&watch_mu_);
  if (stopping_) return false;
  if (kafka_->Running(node)) {
    Watch& w = watches_[name];
    if (w.in_a_row > 0 && now - w.started > supervision_.healthy_after) w.in_a_row = 0;
    return false;
  }
  {
    Watch& w = watches_[name];
    if (w.restart_at == absl::InfiniteFuture()) {
      ++w.in_a_row;
      const absl::Duration wait = Backoff(w.in_a_row);
      w.restart_at = now + wait;
      const std::string why = absl::StrCat("the Kafka node exited; restarting in ", absl::FormatDuration(wait),
                                           " on its log directory (crash ", w.in_a_row, " in a row)");
      std::cout << "hosho-stack: " << name << " " << why << std::endl;
      AppendToLog(kafka_->log_file(node), name, why);
      return false;
    }
    if (now < w.restart_at) return false;
    w.restart_at = absl::InfiniteFuture();
  }
  const absl::Status restarted = kafka_->Restart(node);
  Watch& w = watches_[name];
  w.started = absl::Now();
  if (!restarted.ok()) {
    std::cout << "hosho-stack: " << name << " restart failed: " << restarted.message() << std::endl;
    return false;  // the next look tries again (with a longer backoff) if the node is not running
  }
  ++w.restarts;
  std::cout << "hosho-stack: " << name << " restarted (restart " << w.restarts << ")" << std::endl;
  AppendToLog(kafka_->log_file(node), name,
              absl::StrCat("restarted after an unexpected exit (restart ", w.restarts, ")"));
  return true;
}

void Stack::WriteSupervisionMetrics() {
  std::string text =
      "# HELP hosho_stack_restarts_total Children hosho-stack restarted after an unexpected exit.\n"
      "# TYPE hosho_stack_restarts_total counter\n";
  for (const auto& [name, restarts] : Restarts()) {
    absl::StrAppend(&text, "hosho_stack_restarts_total{child=\"", name, "\"} ", restarts, "\n");
  }
  // Written whole, then renamed: a scraper never reads half a file.
  const std::string tmp = supervision_.metrics_file + ".tmp";
  std::ofstream(tmp, std::ios::trunc) << text;
  std::error_code ignored;
  fs::rename(tmp, supervision_.metrics_file, ignored);
}

}  // namespace hosho
