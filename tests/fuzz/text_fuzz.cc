// Text hygiene (services/common/text/text.h) and the domain's readers of Japanese text (domain_text.h):
// whatever arrives, what comes out is valid UTF-8 and keeps the promises the headers make.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "hosho/v1/domain.pb.h"
#include "services/common/domain/domain_text.h"
#include "services/common/text/text.h"
#include "tests/fuzz/fuzz_support.h"

namespace hosho::fuzz {
namespace {

void CheckUtf8(absl::string_view out, absl::string_view what) {
  FUZZ_CHECK(IsValidUtf8(out), absl::StrCat(what, " returned text that is not UTF-8"));
}

// Code points of valid text, counted independently of text.cc: bytes that do not continue a
// character.
size_t LeadBytes(absl::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

void CheckHygiene(absl::string_view text, size_t limit) {
  const bool valid = IsValidUtf8(text);
  const std::string repaired = RepairUtf8(text);
  CheckUtf8(repaired, "RepairUtf8");
  if (valid) {
    FUZZ_CHECK(repaired == text, "RepairUtf8 changed valid text");
    FUZZ_CHECK(CharacterCount(text) == LeadBytes(text), "CharacterCount of valid text");
  }
  FUZZ_CHECK(CharacterCount(repaired) <= CharacterCount(text), "repairing added characters");

  const std::string cut = TruncateText(text, limit);
  CheckUtf8(cut, "TruncateText");
  FUZZ_CHECK(CharacterCount(cut) <= limit, absl::StrCat("TruncateText(", limit, ") kept ", CharacterCount(cut)));
  FUZZ_CHECK(absl::StartsWith(repaired, cut), "TruncateText is not a prefix of the (repaired) text");
  if (CharacterCount(repaired) <= limit) FUZZ_CHECK(cut == repaired, "TruncateText cut a text within the limit");
  FUZZ_CHECK(TruncateText(cut, limit) == cut, "TruncateText is not idempotent");

  if (valid && !HasControlCharacters(text)) {
    for (unsigned char c : text) FUZZ_CHECK(c >= 0x20 && c != 0x7F, "a control character HasControlCharacters missed");
  }
  if (!valid) FUZZ_CHECK(HasControlCharacters(text), "malformed text passed HasControlCharacters");
}

void CheckNormalisers(absl::string_view text) {
  const std::string nfkc = Nfkc(text);
  CheckUtf8(nfkc, "Nfkc");
  if (IsValidUtf8(text)) FUZZ_CHECK(Nfkc(nfkc) == nfkc, "NFKC is not idempotent");

  const std::string name = NormalizeText(text);
  CheckUtf8(name, "NormalizeText");
  FUZZ_CHECK(!absl::StartsWith(name, " ") && !absl::EndsWith(name, " ") && !absl::StrContains(name, "  "),
             "NormalizeText left white space at an end or doubled: [" + name + "]");
  for (char c : name) {
    FUZZ_CHECK(c == ' ' || !absl::ascii_isspace(static_cast<unsigned char>(c)), "NormalizeText kept " + name);
  }

  const std::string code = NormalizeCode(text);
  CheckUtf8(code, "NormalizeCode");
  for (char c : code) FUZZ_CHECK(!absl::ascii_isspace(static_cast<unsigned char>(c)), "NormalizeCode kept white space");
  for (absl::string_view dash : {"\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212"}) {
    FUZZ_CHECK(!absl::StrContains(code, dash), "NormalizeCode kept a dash look-alike");
  }

  const std::string company = CompanyNameKey(text);
  CheckUtf8(company, "CompanyNameKey");
  FUZZ_CHECK(
      !absl::StrContains(company, "(株)") && !absl::StrContains(company, "(有)") && !absl::StrContains(company, "(合)"),
      "CompanyNameKey kept an abbreviation: " + company);

  if (auto yen = ParseYen(text); yen.ok()) {
    FUZZ_CHECK(*yen >= 0 && *yen < 1'000'000'000'000'000, absl::StrCat("ParseYen gave ", *yen));
    // What FormatYen writes reads back.
    auto again = ParseYen(FormatYen(*yen));
    FUZZ_CHECK(again.ok() && *again == *yen, "FormatYen does not read back: " + FormatYen(*yen));
  }
  const bool formula = !text.empty() && absl::string_view("=+-@\t\r").find(text[0]) != absl::string_view::npos;
  FUZZ_CHECK(LooksLikeFormula(text) == formula, "LooksLikeFormula");
}

void CheckDecoders(absl::string_view bytes) {
  for (const char* charset : {"Shift_JIS", "windows-31j", "ISO-2022-JP", "EUC-JP", "UTF-8"}) {
    auto text = ToUtf8(bytes, charset);
    if (text.ok()) CheckUtf8(*text, absl::StrCat("ToUtf8 from ", charset));
  }
  // The CP932 export: what it writes from valid text reads back, never more characters than it had
  // (CP932's own, '?' for what it lacks; an invisible formatting character it lacks, such as a bidi
  // control, is left out: ICU's substitution skips default-ignorable code points).
  if (IsValidUtf8(bytes)) {
    int substituted = -1;
    auto sjis = FromUtf8(bytes, "windows-31j", &substituted);
    FUZZ_CHECK(sjis.ok(), "FromUtf8 refused valid text");
    auto back = ToUtf8(*sjis, "windows-31j");
    FUZZ_CHECK(back.ok(), "a CP932 export does not read back");
    FUZZ_CHECK(substituted >= 0 && CharacterCount(*back) <= CharacterCount(bytes), "FromUtf8 added characters");
  }
  // A company name compares equal to itself however it is written again (R05 and intake's check).
  if (IsValidUtf8(bytes)) FUZZ_CHECK(SameStatedName(bytes, Nfkc(bytes), true), "SameStatedName(x, NFKC(x))");
  std::string encoding;
  auto sheet = DecodeSpreadsheetText(bytes, &encoding);
  if (sheet.ok()) {
    CheckUtf8(*sheet, "DecodeSpreadsheetText");
    FUZZ_CHECK(encoding == "UTF-8" || encoding == "CP932", "DecodeSpreadsheetText named " + encoding);
    if (encoding == "UTF-8") {
      FUZZ_CHECK(*sheet == bytes || "\xEF\xBB\xBF" + *sheet == bytes, "UTF-8 decoded into something else");
    }
  }
}

void CheckDomainText(absl::string_view text) {
  if (auto date = ParseDateJa(text); date.ok()) {
    FUZZ_CHECK(IsValidDate(*date), "ParseDateJa gave no real day");
    FUZZ_CHECK(date->year() >= 1900 && date->year() <= 2200, absl::StrCat("ParseDateJa year ", date->year()));
    auto back = ParseDate(FormatDate(*date));
    FUZZ_CHECK(back.ok() && back->SerializeAsString() == date->SerializeAsString(),
               "FormatDate does not read back: " + FormatDate(*date));
  }
  if (auto date = ParseDate(text); date.ok()) {
    FUZZ_CHECK(IsValidDate(*date), "ParseDate gave no real day");
  }
  const auto kind = GuaranteeKindFromNameJa(text);
  FUZZ_CHECK(hosho::v1::GuaranteeKind_IsValid(kind), "GuaranteeKindFromNameJa out of range");
  const auto amendment = AmendmentKindFromNameJa(text);
  FUZZ_CHECK(hosho::v1::AmendmentKind_IsValid(amendment), "AmendmentKindFromNameJa out of range");
  const auto issuer = IssuerFromNameJa(text);
  FUZZ_CHECK(hosho::v1::Issuer_IsValid(issuer), "IssuerFromNameJa out of range");
  if (issuer != hosho::v1::ISSUER_UNSPECIFIED) {
    // The issuer's own Japanese name is recognised as that issuer.
    FUZZ_CHECK(IssuerFromNameJa(IssuerNameJa(issuer)) == issuer, "the issuer's own name is not recognised");
    CheckUtf8(IssuerNameJa(issuer), "IssuerNameJa");
    FUZZ_CHECK(hosho::v1::IssuerKind_IsValid(IssuerKindOf(issuer)), "IssuerKindOf out of range");
  }
  if (auto value = ParseEnumName(hosho::v1::GuaranteeKind_descriptor(), "GUARANTEE_KIND_", text); value.ok()) {
    FUZZ_CHECK(hosho::v1::GuaranteeKind_IsValid(*value), "ParseEnumName out of range");
  }
  CheckUtf8(KindNameJa(kind), "KindNameJa");
}

}  // namespace
}  // namespace hosho::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  hosho::fuzz::QuietLogs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hosho::fuzz;
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  // The first byte picks the truncation limit (0..63 characters); the whole input is the text.
  CheckHygiene(bytes, size == 0 ? 0 : data[0] % 64);
  CheckNormalisers(bytes);
  CheckDecoders(bytes);
  // Domain readers run on text that has been decoded already (valid UTF-8) and on raw bytes alike.
  CheckDomainText(bytes);
  CheckDomainText(hosho::RepairUtf8(bytes));
  return 0;
}
