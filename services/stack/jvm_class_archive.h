#pragma once

#include <string>
#include <utility>
#include <vector>

namespace hosho {

// Java's application class-data sharing for the programs hosho-stack runs on a JVM (the Kafka nodes
// and Kafka's storage tool). The first run of a program records the classes it loaded into an
// archive; later runs map that archive instead of loading and verifying thousands of classes again,
// which is most of a JVM's start-up on two cores. The JVM checks an archive against its own build
// and the class path and runs without one that does not match, so a stale archive costs nothing but
// the saving.
class JvmClassArchive {
 public:
  // `path`: where the shared archive is kept (beside the jars it was recorded from).
  explicit JvmClassArchive(std::string path) : path_(std::move(path)) {}

  // The flags for one JVM: map the archive when there is one, else record one into a file of this
  // run's own (`*recording` names it; empty when nothing is recorded).
  std::vector<std::string> Flags(std::string* recording) const;
  // After the JVM that got `recording` exited with `exit_status` (the status, or -signal): an archive
  // it wrote whole on an orderly exit becomes the shared one (an atomic rename, so two stacks that
  // recorded at once leave one complete archive); anything else is removed.
  void Keep(const std::string& recording, int exit_status) const;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace hosho
