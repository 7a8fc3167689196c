#include "tests/support/fixtures.h"

#include <fstream>
#include <sstream>

#include "tests/support/redis_server.h"

namespace hosho::testing {

std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::string SourceFile(const std::string& relative) {
  return ReadFileBytes(std::string(HOSHO_SOURCE_DIR) + "/" + relative);
}

StackOptions TestStackOptions(const std::string& prefix) {
  StackOptions options;
  options.run_dir = MakeTempDir(prefix);
  options.bin_dir = HOSHO_BIN_DIR;
  options.source_dir = HOSHO_SOURCE_DIR;
  options.port_base = FindFreePortRange(kStackPorts).value_or(0);
  return options;
}

}  // namespace hosho::testing
