#pragma once

#include <string>

#include "services/stack/stack.h"

namespace hosho::testing {

// The bytes of a file, empty when it cannot be read.
std::string ReadFileBytes(const std::string& path);
// The bytes of a file of the repository (fixtures, demo inputs), by its path from the root.
std::string SourceFile(const std::string& relative);
// A stack of the real binaries: a fresh temporary run directory (`prefix`), free ports.
StackOptions TestStackOptions(const std::string& prefix);

}  // namespace hosho::testing
