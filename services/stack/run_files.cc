#include "services/stack/run_files.h"

#include <sys/stat.h>

#include <fstream>

#include "absl/strings/str_cat.h"

namespace hosho {

namespace fs = std::filesystem;

absl::Status WriteRunFile(const fs::path& path, const std::string& content, bool secret) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path.string()));
  out << content;
  out.close();
  if (secret) chmod(path.c_str(), 0600);
  return absl::OkStatus();
}

}  // namespace hosho
