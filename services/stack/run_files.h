#pragma once

#include <filesystem>
#include <string>

#include "absl/status/status.h"

namespace hosho {

// Writes `content` to `path`, replacing what was there; a secret is then readable by its owner only.
absl::Status WriteRunFile(const std::filesystem::path& path, const std::string& content, bool secret);

}  // namespace hosho
