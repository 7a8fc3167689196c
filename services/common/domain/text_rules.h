#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "services/common/runtime/errors.h"

namespace hosho {

// How one free-text field from people is checked: every entry point bounds and refuses text the same
// way, in characters (never bytes), with the same stable codes:
//   FIELD_MISSING (when required), TEXT_INVALID_UTF8, TEXT_CONTROL_CHARACTERS, TEXT_TOO_LONG,
//   TEXT_FORMULA (when refused: a value a clerk may later open in a spreadsheet).
struct TextRule {
  std::string field;  // the request's field path, e.g. "certificate.project_name"
  std::string label;  // its name for people, e.g. 「工事名」
  size_t max_chars = 200;
  bool required = false;
  bool multi_line = false;      // keeps \n, \r and \t (備考, 理由)
  bool refuse_formula = false;  // = + - @ at the start
};

// Appends at most one violation for `text` under `rule`; returns whether it added one.
bool CheckText(const TextRule& rule, absl::string_view text, std::vector<FieldViolation>& violations);

}  // namespace hosho
