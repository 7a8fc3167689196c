#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace hosho::testing {

// `yaml` without the key at the dotted `path` (unchanged when there is none), as YAML text: a service's
// defaults.yaml with one default taken out.
std::string YamlWithout(absl::string_view yaml, absl::string_view path);

// The dotted paths of the scalar leaves of `yaml` below the top-level `sections` (an empty map or a list
// counts as one leaf): every key of a service's own sections in its defaults.yaml.
std::vector<std::string> YamlLeaves(absl::string_view yaml, const std::vector<std::string>& sections);

}  // namespace hosho::testing
