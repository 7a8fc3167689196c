#include "services/common/text/text.h"

#include <unicode/normalizer2.h>
#include <unicode/ucnv.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace hosho {
namespace {

// Decodes one code point at `i`; returns false on a malformed sequence.
bool NextCodePoint(absl::string_view s, size_t& i, uint32_t& cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  int extra = 0;
  uint32_t min = 0;
  if (b0 < 0x80) {
    cp = b0;
    ++i;
    return true;
  } else if ((b0 & 0xE0) == 0xC0) {
    extra = 1, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    extra = 2, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    extra = 3, cp = b0 & 0x07, min = 0x10000;
  } else {
    return false;
  }
  if (i + extra >= s.size()) return false;
  for (int k = 1; k <= extra; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return false;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
  i += extra + 1;
  return true;
}

std::string FromUnicode(const icu::UnicodeString& u) {
  std::string out;
  u.toUTF8String(out);
  return out;
}

}  // namespace

std::string RepairUtf8(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  uint32_t cp = 0;
  while (i < text.size()) {
    const size_t start = i;
    if (NextCodePoint(text, i, cp)) {
      out.append(text.data() + start, i - start);
    } else {
      // One U+FFFD for the lead byte and the continuation bytes it expected (a cut character
      // becomes one replacement, not one per byte).
      out += "\uFFFD";
      const auto lead = static_cast<unsigned char>(text[start]);
      const size_t expected = lead >= 0xF0 && lead < 0xF8 ? 3 : lead >= 0xE0 && lead < 0xF0 ? 2 : lead >= 0xC0 ? 1 : 0;
      i = start + 1;
      for (size_t k = 0; k < expected && i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80; ++k) {
        ++i;
      }
    }
  }
  return out;
}

size_t CharacterCount(absl::string_view text) {
  size_t n = 0;
  size_t i = 0;
  uint32_t cp = 0;
  while (i < text.size()) {
    const size_t start = i;
    if (!NextCodePoint(text, i, cp)) i = start + 1;
    ++n;
  }
  return n;
}

std::string TruncateText(absl::string_view text, size_t max_chars) {
  if (!IsValidUtf8(text)) return TruncateText(RepairUtf8(text), max_chars);
  size_t i = 0;
  uint32_t cp = 0;
  for (size_t n = 0; n < max_chars && i < text.size(); ++n) NextCodePoint(text, i, cp);
  return std::string(text.substr(0, i));
}

bool IsValidUtf8(absl::string_view text) {
  size_t i = 0;
  uint32_t cp = 0;
  while (i < text.size()) {
    if (!NextCodePoint(text, i, cp)) return false;
  }
  return true;
}

bool HasControlCharacters(absl::string_view text, absl::string_view allowed) {
  size_t i = 0;
  uint32_t cp = 0;
  while (i < text.size()) {
    if (!NextCodePoint(text, i, cp)) return true;
    if (cp < 0x20 && allowed.find(static_cast<char>(cp)) != absl::string_view::npos) continue;
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
        (cp >= 0x2066 && cp <= 0x2069)) {
      return true;
    }
  }
  return false;
}

std::string Nfkc(absl::string_view text) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(status);
  if (U_FAILURE(status)) return std::string(text);
  icu::UnicodeString in =
      icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  icu::UnicodeString out = nfkc->normalize(in, status);
  if (U_FAILURE(status)) return std::string(text);
  return FromUnicode(out);
}

std::string NormalizeText(absl::string_view text) {
  std::string n = Nfkc(text);
  std::string out;
  bool space = false;
  for (char c : n) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::string NormalizeCode(absl::string_view text) {
  std::string n = absl::StrReplaceAll(Nfkc(text), {{"\u2010", "-"},
                                                   {"\u2011", "-"},
                                                   {"\u2012", "-"},
                                                   {"\u2013", "-"},
                                                   {"\u2014", "-"},
                                                   {"\u2015", "-"},
                                                   {"\u2212", "-"}});
  n.erase(std::remove_if(n.begin(), n.end(), [](unsigned char c) { return absl::ascii_isspace(c); }), n.end());
  return n;
}

std::string CompanyNameKey(absl::string_view text) {
  std::string n = NormalizeCode(text);
  // NFKC turned ㈱ into (株) and （株） into (株); spell the abbreviations out.
  return absl::StrReplaceAll(n, {{"(株)", "株式会社"}, {"(有)", "有限会社"}, {"(合)", "合同会社"}});
}

bool SameStatedName(absl::string_view expected, absl::string_view found, bool company) {
  return company ? CompanyNameKey(expected) == CompanyNameKey(found) : NormalizeCode(expected) == NormalizeCode(found);
}

absl::StatusOr<int64_t> ParseYen(absl::string_view text) {
  std::string n = absl::StrReplaceAll(NormalizeCode(text), {{",", ""}, {"円", ""}, {"¥", ""}, {"\\", ""}});
  int64_t value = 0;
  if (n.empty() || !std::all_of(n.begin(), n.end(), [](unsigned char c) { return absl::ascii_isdigit(c); }) ||
      n.size() > 15 || !absl::SimpleAtoi(n, &value)) {
    return absl::InvalidArgumentError(absl::StrCat("not an amount in yen: ", text.size() > 40 ? "(long)" : text));
  }
  return value;
}

absl::StatusOr<std::string> ToUtf8(absl::string_view bytes, absl::string_view charset) {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<UConverter, void (*)(UConverter*)> conv(ucnv_open(std::string(charset).c_str(), &status),
                                                          &ucnv_close);
  if (U_FAILURE(status)) return absl::InvalidArgumentError(absl::StrCat("unknown charset ", charset));
  ucnv_setToUCallBack(conv.get(), UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
  icu::UnicodeString u(bytes.data(), static_cast<int32_t>(bytes.size()), conv.get(), status);
  if (U_FAILURE(status)) {
    return absl::InvalidArgumentError(absl::StrCat("bytes are not valid ", charset));
  }
  return FromUnicode(u);
}

absl::StatusOr<std::string> FromUtf8(absl::string_view text, absl::string_view charset, int* substituted) {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<UConverter, void (*)(UConverter*)> conv(ucnv_open(std::string(charset).c_str(), &status),
                                                          &ucnv_close);
  if (U_FAILURE(status)) return absl::InvalidArgumentError(absl::StrCat("unknown charset ", charset));
  ucnv_setSubstChars(conv.get(), "?", 1, &status);
  if (U_FAILURE(status)) return absl::InternalError(absl::StrCat("no substitute for ", charset));
  const icu::UnicodeString u =
      icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  std::string out(static_cast<size_t>(u.length()) * 4 + 4, '\0');
  status = U_ZERO_ERROR;
  const int32_t written =
      ucnv_fromUChars(conv.get(), out.data(), static_cast<int32_t>(out.size()), u.getBuffer(), u.length(), &status);
  if (U_FAILURE(status)) return absl::InternalError(absl::StrCat("cannot write ", charset, ": ", u_errorName(status)));
  out.resize(static_cast<size_t>(written));
  // Every '?' written that the text did not have stands for a character the charset lacks.
  if (substituted != nullptr) {
    *substituted =
        static_cast<int>(std::count(out.begin(), out.end(), '?') - std::count(text.begin(), text.end(), '?'));
  }
  return out;
}

absl::StatusOr<std::string> DecodeSpreadsheetText(absl::string_view bytes, std::string* encoding) {
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
  if (IsValidUtf8(bytes)) {
    if (encoding != nullptr) *encoding = "UTF-8";
    return std::string(bytes);
  }
  if (encoding != nullptr) *encoding = "CP932";
  auto text = ToUtf8(bytes, "windows-31j");
  if (!text.ok()) return absl::InvalidArgumentError("the file is neither UTF-8 nor Shift_JIS (CP932)");
  return text;
}

bool LooksLikeFormula(absl::string_view text) {
  if (text.empty()) return false;
  const char c = text.front();
  return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

bool ConsumePrefixOf(std::string* text, absl::string_view prefix) {
  if (text->compare(0, prefix.size(), prefix.data(), prefix.size()) != 0 || text->size() < prefix.size()) return false;
  text->erase(0, prefix.size());
  return true;
}

bool ConsumeSuffixOf(std::string* text, absl::string_view suffix) {
  if (text->size() < suffix.size() ||
      text->compare(text->size() - suffix.size(), suffix.size(), suffix.data(), suffix.size()) != 0) {
    return false;
  }
  text->resize(text->size() - suffix.size());
  return true;
}

}  // namespace hosho
