#include "services/stack/jvm_class_archive.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace hosho {

namespace fs = std::filesystem;

std::vector<std::string> JvmClassArchive::Flags(std::string* recording) const {
  recording->clear();
  std::error_code ec;
  if (fs::is_regular_file(path_, ec) && fs::file_size(path_, ec) > 0) {
    return {absl::StrCat("-XX:SharedArchiveFile=", path_), "-Xshare:auto"};
  }
  // A name of this process and this call: parallel stacks and nodes record side by side.
  static std::atomic<int> sequence{0};
  *recording = absl::StrCat(path_, ".", getpid(), ".", sequence.fetch_add(1), ".recording");
  fs::create_directories(fs::path(path_).parent_path(), ec);
  return {absl::StrCat("-XX:ArchiveClassesAtExit=", *recording)};
}

void JvmClassArchive::Keep(const std::string& recording, int exit_status) const {
  if (recording.empty()) return;
  std::error_code ec;
  const bool whole = exit_status >= 0 && fs::is_regular_file(recording, ec) && fs::file_size(recording, ec) > 0;
  if (whole) {
    fs::rename(recording, path_, ec);
    if (!ec) return;
  }
  fs::remove(recording, ec);
}

}  // namespace hosho
