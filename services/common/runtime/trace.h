#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace hosho {

// W3C trace context. A new trace: "00-<32 hex>-<16 hex>-01".
std::string NewTraceparent();
// Same trace id, new span id; a new trace when `parent` is not valid.
std::string ChildTraceparent(absl::string_view parent);
// The 32-hex trace id, or empty.
std::string TraceIdOf(absl::string_view traceparent);

}  // namespace hosho
