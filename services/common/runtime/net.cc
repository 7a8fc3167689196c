#include "services/common/runtime/net.h"

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace hosho {

bool IsLoopbackAddress(const std::string& host_port) {
  absl::string_view host = host_port;
  if (absl::StartsWith(host, "[")) {
    return absl::StartsWith(host, "[::1]");
  }
  host = host.substr(0, host.rfind(':'));
  return host == "localhost" || absl::StartsWith(host, "127.");
}

}  // namespace hosho
