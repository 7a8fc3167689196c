#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace hosho {

// The console speaks Japanese; English is a switch for the people who need it.
enum class Lang { kJa, kEn };
Lang ParseLang(absl::string_view code);  // "en" → kEn, anything else → kJa
absl::string_view LangCode(Lang lang);

// The text for `key` in `lang`; the key itself when the catalogue lacks it (a test checks that
// every key used has both languages).
absl::string_view T(Lang lang, absl::string_view key);
bool HasText(absl::string_view key);

// Domain labels: "ROUTED" → 回付済み / Routed; "GUARANTEE_KIND_CONTRACT" → 契約保証 / Contract guarantee.
std::string StateLabel(Lang lang, absl::string_view state);
std::string KindLabel(Lang lang, absl::string_view kind);
std::string ActionLabel(Lang lang, absl::string_view action);

}  // namespace hosho
