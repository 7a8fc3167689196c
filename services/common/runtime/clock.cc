#include "services/common/runtime/clock.h"

#include "absl/time/clock.h"

namespace hosho {
namespace {
class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  void SleepFor(absl::Duration d) override { absl::SleepFor(d); }
};
}  // namespace

Clock& RealClock() {
  static SystemClock* clock = new SystemClock();
  return *clock;
}

absl::TimeZone JapanTimeZone() {
  static const absl::TimeZone* tz = [] {
    auto* zone = new absl::TimeZone();
    if (!absl::LoadTimeZone("Asia/Tokyo", zone)) *zone = absl::FixedTimeZone(9 * 3600);
    return zone;
  }();
  return *tz;
}

}  // namespace hosho
