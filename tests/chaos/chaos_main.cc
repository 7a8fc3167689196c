// hosho-chaos: `./hosho chaos`, the project's own fault harness (docs/chaos.md).
//
// Starts the whole stack under supervision, submits N guarantees at a paced rate from clients that
// retry UNAVAILABLE with the same request id, and meanwhile injects faults at random (a seed it
// prints): SIGKILL and SIGSTOP/SIGCONT of every service, SIGKILL of redis-server, of a Kafka node, of
// the development mail server and of the IMAP server. Supervision restarts what died. Then it waits
// for quiet and checks: nothing accepted lost or stuck, one verdict and one routing per case, one
// notice per delivery id, every repeated mail recorded by hosho as a possible repeat and at most one
// repeat per kill of hosho-notification, no dead letters, every process running. It prints the
// figures and `N passed, M failed`; the exit status is 0 only with no failure.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "services/common/kafka/kafka_admin.h"
#include "services/hoshoctl/client.h"
#include "services/stack/stack.h"
#include "tests/support/await.h"
#include "tests/support/fault_load.h"
#include "tests/support/fixtures.h"
#include "tests/support/mail_sink.h"

namespace hosho {
namespace {

constexpr char kUsage[] = R"(hosho-chaos: faults under load, then a count of what was lost or done twice.

  ./hosho chaos [--cases=N] [--rate=PER_SECOND] [--faults=N] [--seed=S] [--brokers=1|3] [--replicas=1|2]

  --cases    submissions to drive (default 10000)
  --rate     submissions per second, from 4 clients (default 50)
  --faults   faults to inject while the submissions run, spread evenly (default 60)
  --seed     the random seed (default: from the clock; printed, so a run can be repeated)
  --brokers  Kafka nodes: 1, or 3 (RF 3, min.insync.replicas 2) (default 1)
  --replicas processes of each of verification, routing and notification (default 2)

Fault kinds, in rounds of seven in a random order: kill-service twice (SIGKILL of intake, either
replica of verification, routing and notification, console or platform-sim, each in turn),
freeze-service (SIGSTOP of one of them for 8 s, longer than the consumers' 6 s session timeout, then
SIGCONT), kill-redis, kill-broker (one node), kill-smtp (the development mail server), kill-imap (the
mailbox intake polls). hosho-stack's supervision restarts what was killed.

Exit status: 0 when every check passed, 1 when one failed, 2 when the run could not start.
)";

struct ChaosOptions {
  int cases = 10000;
  int rate = 50;
  int faults = 60;
  uint64_t seed = 0;
  int brokers = 1;
  int replicas = 2;
};

absl::StatusOr<ChaosOptions> ParseArgs(int argc, char** argv) {
  ChaosOptions o;
  o.seed = static_cast<uint64_t>(absl::ToUnixNanos(absl::Now()));
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto eq = arg.find('=');
    const std::string name = arg.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : arg.substr(eq + 1);
    int64_t n = 0;
    const bool number = absl::SimpleAtoi(value, &n) && n >= 0;
    if (name == "--help" || name == "-h") return absl::CancelledError(kUsage);
    if (!number) return absl::InvalidArgumentError(absl::StrCat("hosho-chaos: ", arg, " is not --name=number"));
    if (name == "--cases" && n > 0) {
      o.cases = static_cast<int>(n);
    } else if (name == "--rate" && n > 0) {
      o.rate = static_cast<int>(n);
    } else if (name == "--faults") {
      o.faults = static_cast<int>(n);
    } else if (name == "--seed") {
      o.seed = static_cast<uint64_t>(n);
    } else if (name == "--brokers" && (n == 1 || n == 3)) {
      o.brokers = static_cast<int>(n);
    } else if (name == "--replicas" && (n == 1 || n == 2)) {
      o.replicas = static_cast<int>(n);
    } else {
      return absl::InvalidArgumentError(absl::StrCat("hosho-chaos: unknown or out of range: ", arg, "\n\n", kUsage));
    }
  }
  return o;
}

// The process a freeze-service fault holds stopped, if any: a harness stopped by Ctrl-C or SIGTERM
// lets it go on (SIGCONT) before it ends, or it would stay stopped (a stopped child does not act on the
// SIGTERM its parent's death sends it).
std::atomic<pid_t> frozen_pid{0};

extern "C" void ReleaseFrozenAndExit(int signal_number) {
  const pid_t pid = frozen_pid.load();
  if (pid > 0) kill(pid, SIGCONT);  // async-signal-safe
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

// Injects one fault every `interval` until stopped or `limit` faults, each of a random kind.
class FaultInjector {
 public:
  FaultInjector(Stack* stack, uint64_t seed, absl::Duration interval, int limit)
      : stack_(stack), rng_(seed), interval_(interval), limit_(limit) {}
  ~FaultInjector() { Stop(); }
  // A fault whose target is not running (still in its restart backoff) is skipped and another is
  // tried at the next interval, up to three times as many tries as faults.
  void Start() {
    thread_ = std::thread([this] {
      int injected = 0;
      for (int tries = 0; injected < limit_ && tries < 3 * limit_ && !stop_.WaitForNotificationWithTimeout(interval_);
           ++tries) {
        injected += InjectOne() ? 1 : 0;
      }
    });
  }
  // Waits until every fault was injected.
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  void Stop() {
    if (!stop_.HasBeenNotified()) stop_.Notify();
    Join();
  }
  std::map<std::string, int> ByKind() {
    absl::MutexLock lock(&mu_);
    return by_kind_;
  }
  int NotificationKills() {
    absl::MutexLock lock(&mu_);
    return notification_kills_;
  }
  std::vector<std::string> Log() {
    absl::MutexLock lock(&mu_);
    return log_;
  }

 private:
  static constexpr absl::Duration kFreeze = absl::Seconds(8);  // past the consumers' session timeout

  bool InjectOne() {
    std::map<std::string, pid_t> running;
    for (const auto& [name, pid] : stack_->Pids()) running[name] = pid;
    std::vector<std::string> brokers;
    for (const auto& [name, pid] : running) {
      if (absl::StartsWith(name, "kafka")) brokers.push_back(name);
    }
    // Each kind once per round, in a shuffled order: a short run still sees every kind.
    if (round_.empty()) {
      round_ = {"kill-service", "kill-service", "freeze-service", "kill-redis",
                "kill-broker",  "kill-smtp",    "kill-imap"};
      std::shuffle(round_.begin(), round_.end(), rng_);
    }
    const std::string kind = round_.back();
    round_.pop_back();
    std::string target;
    if (kind == "kill-service" || kind == "freeze-service") {
      // The services in rounds too, so that a short run reaches each of them.
      if (service_round_.empty()) {
        service_round_ = stack_->ServiceProcessNames();
        std::shuffle(service_round_.begin(), service_round_.end(), rng_);
      }
      target = service_round_.back();
      service_round_.pop_back();
    } else if (kind == "kill-broker") {
      if (!brokers.empty()) target = brokers[rng_() % brokers.size()];
    } else {
      target = kind == "kill-redis" ? "redis" : kind == "kill-smtp" ? "smtp" : "dovecot";
    }
    if (target.empty() || !running.contains(target)) {
      Note(kind, target, "skipped: not running");
      return false;
    }
    const pid_t pid = running[target];
    if (kind == "freeze-service") {
      frozen_pid.store(pid);
      kill(pid, SIGSTOP);
      Note(kind, target, "SIGSTOP");
      stop_.WaitForNotificationWithTimeout(kFreeze);  // the fault's length, not a wait for a condition
      kill(pid, SIGCONT);
      frozen_pid.store(0);
      return true;
    }
    kill(pid, SIGKILL);
    Note(kind, target, "SIGKILL");
    if (absl::StartsWith(target, "notification")) {  // either replica
      absl::MutexLock lock(&mu_);
      ++notification_kills_;
    }
    return true;
  }
  void Note(const std::string& kind, const std::string& target, const std::string& what) {
    absl::MutexLock lock(&mu_);
    if (!absl::StartsWith(what, "skipped")) ++by_kind_[kind];
    log_.push_back(absl::StrCat(absl::FormatTime("%H:%M:%S", absl::Now(), absl::LocalTimeZone()), " ", kind, " ",
                                target, ": ", what));
  }

  Stack* stack_;
  std::mt19937_64 rng_;
  std::vector<std::string> round_;
  std::vector<std::string> service_round_;
  const absl::Duration interval_;
  const int limit_;
  absl::Notification stop_;
  std::thread thread_;
  absl::Mutex mu_;
  std::map<std::string, int> by_kind_ ABSL_GUARDED_BY(mu_);
  int notification_kills_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::string> log_ ABSL_GUARDED_BY(mu_);
};

// What the run found, and the checks over it.
struct Findings {
  int accepted = 0;
  int refused = 0;
  int lost = 0;
  std::map<std::string, int> stuck_by_state;
  int verified_not_once = 0;
  int routed_not_once = 0;
  int notices = 0;
  int notices_missing = 0;        // a case without its routed notices to the office and the contractor
  int extra_cases = 0;            // cases in Redis beyond the accepted ones (a retry that made a second)
  int deliveries_unfinished = 0;  // still pending after the quiet wait
  int deliveries_failed = 0;      // given up
  int mails = 0;
  int mails_repeated = 0;      // Message-IDs the mail server received more than once (extra copies)
  int repeats_unrecorded = 0;  // extra copies hosho's delivery record does not show
  int repeats_recorded = 0;    // possible repeats hosho recorded
  int64_t dead_letters = 0;
  std::vector<std::string> not_running;
  std::vector<std::string> examples;
};

std::string StateNameOf(const absl::StatusOr<hosho::v1::Case>& c) {
  return c.ok() ? hosho::v1::CaseState_Name(c->state()) : std::string(absl::StatusCodeToString(c.status().code()));
}

// Every accepted case to ROUTED (awaited until `deadline`), then its history counted.
void CheckCases(HoshoClient& client, const std::map<int, std::string>& ids, absl::Time deadline, Findings& f) {
  for (const auto& entry : ids) {
    const std::string& id = entry.second;
    absl::StatusOr<hosho::v1::Case> c = absl::UnknownError("not read");
    testing::AwaitUntil(
        [&] {
          c = client.GetCase(id);
          return c.ok() && c->state() == hosho::v1::CASE_STATE_ROUTED;
        },
        std::max(deadline - absl::Now(), absl::Seconds(1)));
    if (!c.ok() && absl::IsNotFound(c.status())) {
      ++f.lost;
      f.examples.push_back(absl::StrCat("lost: ", id));
      continue;
    }
    if (!c.ok() || c->state() != hosho::v1::CASE_STATE_ROUTED) {
      ++f.stuck_by_state[StateNameOf(c)];
      if (f.examples.size() < 20) f.examples.push_back(absl::StrCat("stuck: ", id, " ", StateNameOf(c)));
      continue;
    }
    int verified = 0, routed = 0;
    for (const auto& h : c->history()) {
      verified += h.to_state() == hosho::v1::CASE_STATE_VERIFIED ? 1 : 0;
      routed += h.to_state() == hosho::v1::CASE_STATE_ROUTED ? 1 : 0;
    }
    f.verified_not_once += verified != 1 ? 1 : 0;
    f.routed_not_once += routed != 1 ? 1 : 0;
  }
}

// Notices per case (awaited until no delivery is pending), then the mail server's copies per Message-ID
// against what hosho recorded.
void CheckNotices(HoshoClient& client, const std::map<int, std::string>& ids, const std::string& outbox,
                  absl::Time deadline, Findings& f) {
  std::map<std::string, int> recorded_repeats;  // delivery id → possible repeats hosho recorded
  for (const auto& entry : ids) {
    const std::string& id = entry.second;
    absl::StatusOr<hosho::v1::ListNoticesResponse> listed = absl::UnknownError("not read");
    // Settled: the routing's notices to the office and to the contractor are there (the receipt's
    // comes earlier) and none of the case's deliveries is pending.
    bool routed_notices = false;
    const auto settled = [&] {
      listed = client.ListNotices(id);
      if (!listed.ok()) return false;
      std::set<std::string> ids;
      bool pending = false;
      for (const auto& n : listed->notices()) {
        ids.insert(n.delivery_id());
        for (const auto& d : n.deliveries()) pending |= d.state() == hosho::v1::Delivery::STATE_PENDING;
      }
      routed_notices = ids.contains(id + ":routed:office") && ids.contains(id + ":routed:contractor");
      return routed_notices && !pending;
    };
    if (!testing::AwaitUntil(settled, std::max(deadline - absl::Now(), absl::Seconds(1)))) {
      if (!routed_notices) {
        ++f.notices_missing;
      } else {
        ++f.deliveries_unfinished;
      }
      if (f.examples.size() < 20) f.examples.push_back(absl::StrCat("notices unsettled: ", id));
    }
    if (!listed.ok()) continue;
    for (const auto& n : listed->notices()) {
      ++f.notices;
      for (const auto& d : n.deliveries()) {
        if (d.state() == hosho::v1::Delivery::STATE_FAILED) {
          ++f.deliveries_failed;
          if (f.examples.size() < 20) {
            f.examples.push_back(absl::StrCat("delivery failed: ", d.delivery_id(), " ", d.last_error()));
          }
        }
        recorded_repeats[d.delivery_id()] = d.possible_repeats();
        f.repeats_recorded += d.possible_repeats();
      }
    }
  }
  std::map<std::string, std::pair<std::string, int>> copies;  // Message-ID → (delivery id, copies)
  for (const auto& mail : testing::ReadSentMail(outbox)) {
    ++f.mails;
    auto& [delivery, count] = copies[mail.message_id];
    delivery = mail.delivery_id;
    ++count;
  }
  for (const auto& [message_id, entry] : copies) {
    if (entry.second <= 1) continue;
    f.mails_repeated += entry.second - 1;
    const int recorded = recorded_repeats.contains(entry.first) ? recorded_repeats[entry.first] : 0;
    if (recorded < entry.second - 1) {
      f.repeats_unrecorded += entry.second - 1 - recorded;
      f.examples.push_back(absl::StrCat("repeat not recorded: ", message_id, " (", entry.second, " copies)"));
    }
  }
}

int64_t CountDeadLetters(const std::string& bootstrap, std::vector<std::string>& examples) {
  KafkaOptions kafka;
  kafka.bootstrap_servers = bootstrap;
  kafka.client_id = "hosho-chaos";
  // A broker node supervision restarted last may still be starting (its process runs, it does not
  // serve yet): its answer is awaited.
  absl::StatusOr<ClusterView> view = absl::UnknownError("not asked");
  testing::AwaitUntil(
      [&] {
        view = DescribeCluster(kafka, absl::Seconds(5));
        return view.ok();
      },
      absl::Seconds(120));
  if (!view.ok()) {
    examples.push_back(absl::StrCat("dead letters not counted: ", view.status().ToString()));
    return -1;
  }
  int64_t total = 0;
  for (const auto& [topic, partitions] : view->topics) {
    if (!absl::EndsWith(topic, ".dlq")) continue;
    auto n = CountRecords(kafka, topic, absl::Seconds(10));
    if (!n.ok()) {
      examples.push_back(absl::StrCat("dead letters of ", topic, " not counted: ", n.status().ToString()));
      return -1;
    }
    if (*n > 0) examples.push_back(absl::StrCat(*n, " dead letters in ", topic));
    total += *n;
  }
  return total;
}

class Report {
 public:
  void Check(bool ok, const std::string& what) {
    (ok ? passed_ : failed_)++;
    std::printf("  %s  %s\n", ok ? "PASS" : "FAIL", what.c_str());
  }
  int Finish() {
    std::printf("%d passed, %d failed\n", passed_, failed_);
    return failed_ == 0 ? 0 : 1;
  }

 private:
  int passed_ = 0;
  int failed_ = 0;
};

int PrintAndJudge(const ChaosOptions& o, const Findings& f, FaultInjector& faults,
                  const std::map<std::string, int>& restarts) {
  std::printf("\nhosho-chaos: seed %llu, %d cases at %d/s, %d Kafka node(s), %d replica(s) of the workers\n",
              static_cast<unsigned long long>(o.seed), o.cases, o.rate, o.brokers, o.replicas);
  for (const std::string& line : faults.Log()) std::printf("  fault %s\n", line.c_str());
  int injected = 0;
  std::vector<std::string> kinds;
  for (const auto& [kind, n] : faults.ByKind()) {
    injected += n;
    kinds.push_back(absl::StrCat(kind, " ", n));
  }
  std::vector<std::string> restarted;
  for (const auto& [name, n] : restarts) restarted.push_back(absl::StrCat(name, " ", n));
  std::vector<std::string> stuck;
  int stuck_total = 0;
  for (const auto& [state, n] : f.stuck_by_state) {
    stuck.push_back(absl::StrCat(state, " ", n));
    stuck_total += n;
  }
  std::printf("faults: %d (%s)\nrestarts by supervision: %s\n", injected, absl::StrJoin(kinds, ", ").c_str(),
              restarted.empty() ? "none" : absl::StrJoin(restarted, ", ").c_str());
  std::printf("accepted %d, refused %d, lost %d, stuck %d%s\n", f.accepted, f.refused, f.lost, stuck_total,
              stuck.empty() ? "" : absl::StrCat(" (", absl::StrJoin(stuck, ", "), ")").c_str());
  std::printf("verdicts not exactly one: %d, routings not exactly one: %d\n", f.verified_not_once, f.routed_not_once);
  std::printf("notices %d (cases without their routed notices: %d, deliveries still pending: %d, given up: %d)\n",
              f.notices, f.notices_missing, f.deliveries_unfinished, f.deliveries_failed);
  std::printf(
      "mails %d, repeated copies %d (recorded by hosho as possible repeats: %d, not recorded: %d), "
      "kills of hosho-notification %d\n",
      f.mails, f.mails_repeated, f.repeats_recorded, f.repeats_unrecorded, faults.NotificationKills());
  std::printf("dead letters %lld\n", static_cast<long long>(f.dead_letters));
  for (const std::string& e : f.examples) std::printf("  %s\n", e.c_str());
  Report r;
  r.Check(f.refused == 0 && f.accepted == o.cases,
          absl::StrCat("every submission accepted (", f.accepted, " of ", o.cases,
                       "; clients retried UNAVAILABLE with the same request id)"));
  r.Check(f.extra_cases == 0, "one case per request id (no other case in Redis)");
  r.Check(f.lost == 0, "no accepted case lost");
  r.Check(stuck_total == 0, "no case stuck short of ROUTED");
  r.Check(f.verified_not_once == 0, "every case verified exactly once");
  r.Check(f.routed_not_once == 0, "every case routed exactly once");
  r.Check(f.notices_missing == 0, "every case's routing notified the office and the contractor");
  r.Check(f.deliveries_unfinished == 0, "every delivery finished");
  r.Check(f.deliveries_failed == 0, "no delivery given up");
  r.Check(f.repeats_unrecorded == 0, "every repeated mail recorded by hosho as a possible repeat");
  r.Check(f.mails_repeated <= faults.NotificationKills(), "at most one repeated mail per kill of hosho-notification");
  r.Check(f.dead_letters == 0, "no dead letters");
  r.Check(f.not_running.empty(),
          absl::StrCat("every process running at the end",
                       f.not_running.empty() ? "" : ": not " + absl::StrJoin(f.not_running, ", ")));
  r.Check(injected == o.faults, absl::StrCat(injected, " of ", o.faults, " faults injected"));
  return r.Finish();
}

// Every child of the stack is running again (supervision restarts with a backoff of up to 30 s).
std::vector<std::string> NotRunning(Stack& stack, int brokers) {
  std::vector<std::string> expected = stack.ServiceProcessNames();
  for (const char* s : {"redis", "smtp", "dovecot"}) expected.push_back(s);
  for (int n = 1; n <= brokers; ++n) expected.push_back(n == 1 ? "kafka" : absl::StrCat("kafka-", n));
  std::vector<std::string> missing;
  testing::AwaitUntil(
      [&] {
        std::set<std::string> running;
        for (const auto& [name, pid] : stack.Pids()) running.insert(name);
        missing.clear();
        for (const auto& e : expected) {
          if (!running.contains(e)) missing.push_back(e);
        }
        return missing.empty();
      },
      absl::Seconds(90));
  return missing;
}

int Run(const ChaosOptions& o) {
  StackOptions options = testing::TestStackOptions("hosho-chaos");
  options.kafka_nodes = o.brokers;
  options.worker_replicas = o.replicas;
  options.delivery_max_attempts = 40;  // about 70 s of a mail server away: longer than supervision's 30 s backoff
  options.log_level = "warn";
  options.submissions_per_minute = 0;
  options.certificates_file = options.run_dir + "/certificates.yaml";
  if (auto s = testing::WriteFaultCertificates(options.certificates_file, o.cases); !s.ok()) {
    std::cerr << s << "\n";
    return 2;
  }
  std::printf("hosho-chaos: seed %llu; starting the stack in %s\n", static_cast<unsigned long long>(o.seed),
              options.run_dir.c_str());
  auto stack = Stack::Start(options);
  if (!stack.ok()) {
    std::cerr << "hosho-chaos: the stack did not start: " << stack.status() << "\n";
    return 2;
  }
  auto endpoints = EndpointsFromStackFile(options.run_dir + "/stack.yaml");
  if (!endpoints.ok()) {
    std::cerr << "hosho-chaos: " << endpoints.status() << "\n";
    return 2;
  }
  auto client = HoshoClient::Connect(*endpoints);
  if (!client.ok() || !(*client)->ActAs("city-contract-system").ok() ||
      !(*client)->UpsertContract(testing::FaultContract()).ok() || !(*client)->ActAs("operator").ok()) {
    std::cerr << "hosho-chaos: could not register the contract\n";
    return 2;
  }
  (*stack)->Supervise();
  const absl::Duration load_time = absl::Seconds(1) * o.cases / o.rate;
  FaultInjector faults(stack->get(), o.seed, o.faults > 0 ? load_time / (o.faults + 1) : absl::InfiniteDuration(),
                       o.faults);
  Findings f;
  {
    testing::SubmissionLoad load(*endpoints, o.cases, 4, o.rate);
    faults.Start();
    load.Join();
    faults.Join();
    const auto ids = load.CaseIds();
    f.accepted = static_cast<int>(ids.size());
    f.refused = static_cast<int>(load.Refusals().size());
    for (const auto& r : load.Refusals()) {
      if (f.examples.size() < 10) f.examples.push_back("refused: " + r);
    }
    std::printf("hosho-chaos: %d accepted; waiting for quiet\n", f.accepted);
    f.not_running = NotRunning(**stack, o.brokers);
    const absl::Time deadline = absl::Now() + absl::Minutes(5) + absl::Milliseconds(10) * o.cases;
    CheckCases(**client, ids, deadline, f);
    std::set<std::string> accepted_ids;
    for (const auto& [i, id] : ids) accepted_ids.insert(id);
    for (const std::string& id : testing::CaseIdsInRedis((*stack)->endpoints().redis_port)) {
      if (!accepted_ids.contains(id)) {
        ++f.extra_cases;
        if (f.examples.size() < 20) f.examples.push_back("a case nobody was answered with: " + id);
      }
    }
    CheckNotices(**client, ids, (*stack)->endpoints().smtp_outbox, deadline, f);
  }
  f.dead_letters = CountDeadLetters((*stack)->endpoints().kafka_bootstrap, f.examples);
  const int status = PrintAndJudge(o, f, faults, (*stack)->Restarts());
  std::fflush(stdout);
  (*stack)->Stop();
  return status;
}

}  // namespace
}  // namespace hosho

int main(int argc, char** argv) {
  std::signal(SIGINT, hosho::ReleaseFrozenAndExit);
  std::signal(SIGTERM, hosho::ReleaseFrozenAndExit);
  auto options = hosho::ParseArgs(argc, argv);
  if (!options.ok()) {
    const bool help = absl::IsCancelled(options.status());
    (help ? std::cout : std::cerr) << options.status().message() << "\n";
    return help ? 0 : 2;
  }
  return hosho::Run(*options);
}
