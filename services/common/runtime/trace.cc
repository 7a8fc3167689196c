#include "services/common/runtime/trace.h"

#include "absl/strings/str_cat.h"
#include "services/common/crypto/sealing.h"

namespace hosho {

std::string NewTraceparent() { return absl::StrCat("00-", RandomHex(16), "-", RandomHex(8), "-01"); }

std::string TraceIdOf(absl::string_view traceparent) {
  if (traceparent.size() != 55 || traceparent.substr(0, 3) != "00-") return "";
  return std::string(traceparent.substr(3, 32));
}

std::string ChildTraceparent(absl::string_view parent) {
  const std::string trace_id = TraceIdOf(parent);
  if (trace_id.empty()) return NewTraceparent();
  return absl::StrCat("00-", trace_id, "-", RandomHex(8), "-01");
}

}  // namespace hosho
