#include "services/common/domain/text_rules.h"

#include "absl/strings/str_cat.h"
#include "services/common/text/text.h"

namespace hosho {

bool CheckText(const TextRule& rule, absl::string_view text, std::vector<FieldViolation>& violations) {
  const size_t before = violations.size();
  if (text.empty()) {
    if (rule.required)
      violations.push_back({rule.field, "FIELD_MISSING", absl::StrCat(rule.label, "を入力してください")});
  } else if (!IsValidUtf8(text)) {
    violations.push_back(
        {rule.field, "TEXT_INVALID_UTF8", absl::StrCat(rule.label, "の文字コードが正しくありません（UTF-8）")});
  } else if (CharacterCount(text) > rule.max_chars) {
    // The bound first: a text far too long is told so, whatever else is wrong with it.
    violations.push_back(
        {rule.field, "TEXT_TOO_LONG", absl::StrCat(rule.label, "は", rule.max_chars, "文字以内で入力してください")});
  } else if (HasControlCharacters(text, rule.multi_line ? "\n\r\t" : "")) {
    violations.push_back({rule.field, "TEXT_CONTROL_CHARACTERS",
                          absl::StrCat(rule.label, "に使用できない文字（制御文字など）が含まれています")});
  } else if (rule.refuse_formula && LooksLikeFormula(text)) {
    violations.push_back({rule.field, "TEXT_FORMULA", absl::StrCat(rule.label, "の先頭に = + - @ は使用できません")});
  }
  return violations.size() > before;
}

}  // namespace hosho
