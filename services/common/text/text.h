#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hosho {

// Text hygiene for everything that arrives from outside (ICU is used only here).

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool IsValidUtf8(absl::string_view text);
// `text` with every malformed sequence replaced by U+FFFD (valid text comes back unchanged). For
// reading what an older version stored unchecked.
std::string RepairUtf8(absl::string_view text);
// Number of code points (malformed bytes count one each).
size_t CharacterCount(absl::string_view text);
// At most `max_chars` code points of `text`, cut only between characters, never inside one; a
// malformed input is repaired first. The one way hosho bounds a text.
std::string TruncateText(absl::string_view text, size_t max_chars);
// C0 controls (except those `allowed`), DEL, C1 controls, and the bidi overrides
// that can disguise a name (U+202A–U+202E, U+2066–U+2069). Expects valid UTF-8.
bool HasControlCharacters(absl::string_view text, absl::string_view allowed = "");
// Unicode NFKC: full-width digits and letters become ASCII, ㈱ becomes (株), U+3000 a space.
std::string Nfkc(absl::string_view text);
// NFKC, then runs of white space collapsed to one ASCII space, trimmed. For names and titles.
std::string NormalizeText(absl::string_view text);
// NFKC, white space removed, dash look-alikes (‐ ‑ ‒ – — ― −) made '-' (not the katakana ー, which
// belongs to words). For numbers and codes.
std::string NormalizeCode(absl::string_view text);
// A company name for comparison: NFKC, every white space removed, (株)/(有)/(合) and their
// variants spelled 株式会社/有限会社/合同会社. 「㈱ 山田 建設」 and 「株式会社山田建設」 compare equal.
std::string CompanyNameKey(absl::string_view text);
// R05's comparison of a name someone stated with the contract's: company names (受注者名) by
// CompanyNameKey, other names (工事名, 発注者, 工事場所) by NormalizeCode. Verification compares a
// certificate with it and intake the names a contractor wrote on the insurer's format, so both
// decide alike.
bool SameStatedName(absl::string_view expected, absl::string_view found, bool company);
// "1,234,567円", "１２３４５６７", "¥1234567" → 1234567. Refuses anything else.
absl::StatusOr<int64_t> ParseYen(absl::string_view text);
// Converts bytes in `charset` (any ICU converter name: "Shift_JIS", "windows-31j", "ISO-2022-JP",
// "UTF-8") to UTF-8. Refuses bytes that are not valid in that charset instead of substituting.
absl::StatusOr<std::string> ToUtf8(absl::string_view bytes, absl::string_view charset);
// UTF-8 text in `charset` (an ICU converter name: "windows-31j" for the CP932 exports clerks' older
// tools read). A character the charset lacks becomes '?' and is counted in *substituted (optional); an
// invisible formatting character it lacks (a bidi control, a zero-width joiner) is left out, as ICU
// skips default-ignorable code points. An export is never refused for one character, and the UTF-8 and
// .xlsx exports keep every one.
absl::StatusOr<std::string> FromUtf8(absl::string_view text, absl::string_view charset, int* substituted = nullptr);
// A CSV export's encoding: UTF-8 (with or without BOM) when the bytes are valid UTF-8, else CP932.
// Returns the text as UTF-8 without BOM and names the encoding found.
absl::StatusOr<std::string> DecodeSpreadsheetText(absl::string_view bytes, std::string* encoding);
// A spreadsheet formula prefix (= + - @, tab, CR): a cell that would run as a formula when a clerk
// opens an export in Excel (CSV injection).
bool LooksLikeFormula(absl::string_view text);

// absl::ConsumePrefix/ConsumeSuffix for an owned string.
bool ConsumePrefixOf(std::string* text, absl::string_view prefix);
bool ConsumeSuffixOf(std::string* text, absl::string_view suffix);

}  // namespace hosho
