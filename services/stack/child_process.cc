#include "services/stack/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace hosho {

absl::StatusOr<ChildProcess> ChildProcess::Spawn(const std::vector<std::string>& argv, const std::string& log_path) {
  // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log < 0) return absl::InternalError(absl::StrCat("cannot open ", log_path, ": ", std::strerror(errno)));
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close(log);
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    // The child dies with its parent (a crashed launcher or test leaves no orphan holding ports).
    // PR_SET_PDEATHSIG follows the forking *thread*: stacks are started from long-lived threads.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);
    setpgid(0, 0);  // its own process group: a terminal's Ctrl-C reaches the launcher, which stops it in order
    sigset_t empty;
    sigemptyset(&empty);
    sigprocmask(SIG_SETMASK, &empty, nullptr);
    for (int sig = 1; sig < NSIG; ++sig) signal(sig, SIG_DFL);
    const int null_in = open("/dev/null", O_RDONLY);
    dup2(null_in, 0);
    dup2(log, 1);
    dup2(log, 2);
    execv(args[0], args.data());
    _exit(127);
  }
  close(log);
  ChildProcess child;
  child.pid_ = pid;
  return child;
}

bool ChildProcess::Running() {
  if (pid_ <= 0 || reaped_) return false;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    reaped_ = true;
    exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    return false;
  }
  return r == 0;
}

int ChildProcess::Terminate(absl::Duration grace) {
  if (!Running()) return exit_status_;
  kill(pid_, SIGTERM);
  kill(pid_, SIGCONT);  // a stopped child (a fault harness froze it) acts on the SIGTERM only once it runs
  const absl::Time give_up = absl::Now() + grace;
  while (Running() && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(10));
  if (Running()) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    reaped_ = true;
    exit_status_ = -SIGKILL;
  }
  return exit_status_;
}

int ChildProcess::Kill() {
  if (!Running()) return exit_status_;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  reaped_ = true;
  exit_status_ = -SIGKILL;
  return exit_status_;
}

}  // namespace hosho
