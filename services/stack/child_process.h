#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace hosho {

// A child process whose stdout and stderr go to a log file.
class ChildProcess {
 public:
  static absl::StatusOr<ChildProcess> Spawn(const std::vector<std::string>& argv, const std::string& log_path);
  ChildProcess() = default;
  pid_t pid() const { return pid_; }
  bool Running();
  // How it ended, once Running() said it had: the exit status, or -signal.
  int exit_status() const { return exit_status_; }
  // SIGTERM, then SIGKILL after `grace`. Returns the exit status (or -signal).
  int Terminate(absl::Duration grace);
  // SIGKILL at once (a crash), reaped. Returns -SIGKILL, or the exit status if it had exited.
  int Kill();

 private:
  pid_t pid_ = -1;
  int exit_status_ = 0;
  bool reaped_ = false;
};

}  // namespace hosho
