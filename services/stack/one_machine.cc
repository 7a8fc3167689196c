#include "services/stack/one_machine.h"

#include "absl/strings/str_cat.h"

namespace hosho {
namespace {

// Every service: a local broker that is restarted by tests comes back in a second, so clients back off
// for at most a second, and a consumer that died is noticed in 6 s instead of 45.
constexpr char kEveryService[] = R"yaml(
kafka:
  initial_backoff_ms: 50
  max_backoff_ms: 1000
  properties: {reconnect.backoff.max.ms: "1000"}
  consumer_properties: {session.timeout.ms: "6000", heartbeat.interval.ms: "500"}
)yaml";

// Verification: the simulator answers in milliseconds, so its calls give up early and a case waiting for
// it is tried again within a second.
constexpr char kVerification[] = R"yaml(
connector:
  deadline_ms: 2000
  retry: {attempts: 2, initial_backoff_ms: 50, max_backoff_ms: 200}
  breaker: {failures: 3, open_ms: 500}
  resume: {poll_ms: 200, initial_ms: 200, max_ms: 1000}
)yaml";

// Routing: hand-off deadlines in tests are seconds away, so the sweeper looks twice a second.
constexpr char kRouting[] = R"yaml(
routing: {sweep_ms: 500}
accounting: {deadline_ms: 2000}
)yaml";

// Notification: the development mail server is local; a failed delivery is retried within seconds.
constexpr char kNotification[] = R"yaml(
notification: {poll_ms: 200}
smtp: {timeout_ms: 5000}
delivery: {lease_ms: 5000, initial_backoff_ms: 200, max_backoff_ms: 2000}
)yaml";

// Console: a fresh stack's log is short and is the whole story, so the live feed replays it; the
// overview's gauges follow a demo by the second.
constexpr char kConsole[] = R"yaml(
console: {feed_from_earliest: true, overview_refresh_ms: 1000}
)yaml";

// Intake: the development mailbox is polled five times a second (the demo waits on it).
constexpr char kIntake[] = R"yaml(
mail: {poll_interval_ms: 200}
)yaml";

}  // namespace

std::string OneMachineOverlay(const std::string& service) {
  if (service == "verification") return absl::StrCat(kEveryService, kVerification);
  if (service == "routing") return absl::StrCat(kEveryService, kRouting);
  if (service == "notification") return absl::StrCat(kEveryService, kNotification);
  if (service == "console") return absl::StrCat(kEveryService, kConsole);
  if (service == "intake") return absl::StrCat(kEveryService, kIntake);
  return kEveryService;
}

}  // namespace hosho
