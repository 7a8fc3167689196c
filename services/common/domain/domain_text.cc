#include "services/common/domain/domain_text.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "services/common/text/text.h"

namespace hosho {

absl::StatusOr<hosho::v1::Date> ParseDate(absl::string_view text) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, '-');
  int y = 0, m = 0, d = 0;
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &y) || !absl::SimpleAtoi(parts[1], &m) ||
      !absl::SimpleAtoi(parts[2], &d)) {
    return absl::InvalidArgumentError(absl::StrCat("not a date (YYYY-MM-DD): '", text, "'"));
  }
  const absl::CivilDay day(y, m, d);
  if (day.year() != y || day.month() != m || day.day() != d) {
    return absl::InvalidArgumentError(absl::StrCat("no such date: '", text, "'"));
  }
  return FromCivilDay(day);
}

absl::StatusOr<hosho::v1::Date> ParseDateJa(absl::string_view text) {
  std::string n = NormalizeCode(text);
  int era_offset = 0;
  if (ConsumePrefixOf(&n, "令和")) {
    era_offset = 2018;
  } else if (ConsumePrefixOf(&n, "R")) {
    era_offset = 2018;
  }
  if (absl::StartsWith(n, "元年")) n = "1" + n.substr(std::string("元").size());
  n = absl::StrReplaceAll(n, {{"年", "-"}, {"月", "-"}, {"日", ""}, {"/", "-"}, {".", "-"}});
  std::vector<absl::string_view> parts = absl::StrSplit(n, '-');
  int y = 0, m = 0, d = 0;
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &y) || !absl::SimpleAtoi(parts[1], &m) ||
      !absl::SimpleAtoi(parts[2], &d) || (era_offset == 0 && parts[0].size() != 4)) {
    return absl::InvalidArgumentError("not a date");
  }
  y += era_offset;
  const absl::CivilDay day(y, m, d);
  if (day.year() != y || day.month() != m || day.day() != d || y < 1900 || y > 2200) {
    return absl::InvalidArgumentError("no such date");
  }
  return FromCivilDay(day);
}

bool IsValidDate(const hosho::v1::Date& date) {
  const absl::CivilDay day(date.year(), date.month(), date.day());
  return day.year() == date.year() && day.month() == date.month() && day.day() == date.day();
}

std::string FormatYen(int64_t yen) {
  std::string digits = std::to_string(yen < 0 ? -yen : yen);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return absl::StrCat(yen < 0 ? "-" : "", out, "円");
}

std::string FormatDate(const hosho::v1::Date& date) {
  return absl::StrFormat("%04d-%02d-%02d", date.year(), date.month(), date.day());
}

absl::CivilDay ToCivilDay(const hosho::v1::Date& date) { return absl::CivilDay(date.year(), date.month(), date.day()); }

hosho::v1::Date FromCivilDay(absl::CivilDay day) {
  hosho::v1::Date date;
  date.set_year(static_cast<int32_t>(day.year()));
  date.set_month(day.month());
  date.set_day(day.day());
  return date;
}

bool IsSet(const hosho::v1::Date& date) { return date.year() != 0; }

hosho::v1::Date TodayInJapan(absl::Time now) { return FromCivilDay(absl::ToCivilDay(now, JapanTimeZone())); }

absl::StatusOr<int> ParseEnumName(const google::protobuf::EnumDescriptor* descriptor, absl::string_view prefix,
                                  absl::string_view text) {
  std::string upper = absl::AsciiStrToUpper(text);
  if (!absl::StartsWith(upper, prefix)) upper = absl::StrCat(prefix, upper);
  const auto* value = descriptor->FindValueByName(upper);
  if (value == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("unknown ", descriptor->name(), " '", text, "'"));
  }
  return value->number();
}

absl::Status ReadDateField(const Config& item, absl::string_view key, hosho::v1::Date* out) {
  const std::string text = item.GetString(key);
  if (text.empty()) return absl::OkStatus();
  auto date = ParseDate(text);
  if (!date.ok()) return date.status();
  *out = *date;
  return absl::OkStatus();
}

absl::StatusOr<hosho::v1::CertificateRecord> ReadCertificateRecord(const Config& c) {
  hosho::v1::CertificateRecord r;
  r.set_guarantee_number(c.GetString("guarantee_number"));
  auto kind = ReadEnumField<hosho::v1::GuaranteeKind>(c, "kind", hosho::v1::GuaranteeKind_descriptor(),
                                                      "GUARANTEE_KIND_", /*fallback=*/"");
  if (!kind.ok()) return kind.status();
  r.set_kind(*kind);
  auto issuer =
      ReadEnumField<hosho::v1::Issuer>(c, "issuer", hosho::v1::Issuer_descriptor(), "ISSUER_", /*fallback=*/"");
  if (!issuer.ok()) return issuer.status();
  r.set_issuer(*issuer);
  r.set_beneficiary(c.GetString("beneficiary"));
  r.set_contractor_name(c.GetString("contractor_name"));
  r.set_project_name(c.GetString("project_name"));
  r.set_project_location(c.GetString("project_location"));
  r.set_contract_price_yen(c.GetInt("contract_price_yen"));
  r.set_guaranteed_amount_yen(c.GetInt("guaranteed_amount_yen"));
  r.set_advance_amount_yen(c.GetInt("advance_amount_yen"));
  for (const absl::Status& s : {ReadDateField(c, "period_start", r.mutable_period_start()),
                                ReadDateField(c, "period_end", r.mutable_period_end()),
                                ReadDateField(c, "issue_date", r.mutable_issue_date())}) {
    if (!s.ok()) return s;
  }
  return r;
}

std::string KindNameJa(hosho::v1::GuaranteeKind kind) {
  switch (kind) {
    case hosho::v1::GUARANTEE_KIND_CONTRACT:
      return "契約保証";
    case hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT:
      return "前払金保証";
    case hosho::v1::GUARANTEE_KIND_INTERMEDIATE_ADVANCE_PAYMENT:
      return "中間前払金保証";
    default:
      return "保証";
  }
}

std::string IssuerNameJa(hosho::v1::Issuer issuer) {
  switch (issuer) {
    case hosho::v1::ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY:
      return "東日本建設業保証";
    case hosho::v1::ISSUER_WEST_JAPAN_CONSTRUCTION_SURETY:
      return "西日本建設業保証";
    case hosho::v1::ISSUER_HOKKAIDO_CONSTRUCTION_SURETY:
      return "北海道建設業信用保証";
    case hosho::v1::ISSUER_AIOI_NISSAY_DOWA:
      return "あいおいニッセイ同和損害保険";
    case hosho::v1::ISSUER_AIG:
      return "AIG損害保険";
    case hosho::v1::ISSUER_KYOEI_FIRE_MARINE:
      return "共栄火災海上保険";
    case hosho::v1::ISSUER_SOMPO_JAPAN:
      return "損害保険ジャパン";
    case hosho::v1::ISSUER_DAIDO_FIRE_MARINE:
      return "大同火災海上保険";
    case hosho::v1::ISSUER_TOKIO_MARINE_NICHIDO:
      return "東京海上日動火災保険";
    case hosho::v1::ISSUER_NISSHIN_FIRE_MARINE:
      return "日新火災海上保険";
    case hosho::v1::ISSUER_MITSUI_SUMITOMO:
      return "三井住友海上火災保険";
    case hosho::v1::ISSUER_BANK:
      return "金融機関";
    default:
      return "不明な発行者";
  }
}

std::string PlatformNameJa(hosho::v1::Platform platform) {
  switch (platform) {
    case hosho::v1::PLATFORM_D_SURE:
      return "D-Sure";
    case hosho::v1::PLATFORM_CONFIRMATION_SYSTEM:
      return "保証証券等確認システム";
    case hosho::v1::PLATFORM_PAPER:
      return "紙の保証書";
    default:
      return "不明なプラットフォーム";
  }
}

hosho::v1::Issuer IssuerFromNameJa(absl::string_view name) {
  std::string key = CompanyNameKey(name);
  for (absl::string_view suffix : {"株式会社", "会社"}) {
    if (absl::EndsWith(key, suffix)) key.resize(key.size() - suffix.size());
  }
  if (absl::StartsWith(key, "株式会社")) key = key.substr(std::string("株式会社").size());
  if (key.empty()) return hosho::v1::ISSUER_UNSPECIFIED;
  const auto* descriptor = hosho::v1::Issuer_descriptor();
  for (int i = 0; i < descriptor->value_count(); ++i) {
    const auto issuer = static_cast<hosho::v1::Issuer>(descriptor->value(i)->number());
    if (issuer == hosho::v1::ISSUER_UNSPECIFIED || issuer == hosho::v1::ISSUER_OTHER) continue;
    if (CompanyNameKey(IssuerNameJa(issuer)) == key) return issuer;
  }
  // 東京海上日動 without 火災保険, 損保ジャパン and similar short forms.
  if (key == "損保ジャパン") return hosho::v1::ISSUER_SOMPO_JAPAN;
  if (key == "東京海上日動") return hosho::v1::ISSUER_TOKIO_MARINE_NICHIDO;
  if (key == "三井住友海上") return hosho::v1::ISSUER_MITSUI_SUMITOMO;
  if (key == "あいおいニッセイ同和損保") return hosho::v1::ISSUER_AIOI_NISSAY_DOWA;
  return hosho::v1::ISSUER_UNSPECIFIED;
}

hosho::v1::IssuerKind IssuerKindOf(hosho::v1::Issuer issuer) {
  if (issuer >= hosho::v1::ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY &&
      issuer <= hosho::v1::ISSUER_HOKKAIDO_CONSTRUCTION_SURETY) {
    return hosho::v1::ISSUER_KIND_SURETY_COMPANY;
  }
  if (issuer >= hosho::v1::ISSUER_AIOI_NISSAY_DOWA && issuer <= hosho::v1::ISSUER_MITSUI_SUMITOMO) {
    return hosho::v1::ISSUER_KIND_INSURER;
  }
  if (issuer == hosho::v1::ISSUER_BANK) return hosho::v1::ISSUER_KIND_BANK;
  return hosho::v1::ISSUER_KIND_UNSPECIFIED;
}

hosho::v1::GuaranteeKind GuaranteeKindFromNameJa(absl::string_view name) {
  const std::string n = NormalizeCode(name);
  if (absl::StrContains(n, "中間前払")) return hosho::v1::GUARANTEE_KIND_INTERMEDIATE_ADVANCE_PAYMENT;
  if (absl::StrContains(n, "前払")) return hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT;
  if (absl::StrContains(n, "契約保証") || absl::StrContains(n, "履行保証")) return hosho::v1::GUARANTEE_KIND_CONTRACT;
  auto parsed = ParseEnumName(hosho::v1::GuaranteeKind_descriptor(), "GUARANTEE_KIND_", n);
  if (parsed.ok()) return static_cast<hosho::v1::GuaranteeKind>(*parsed);
  return hosho::v1::GUARANTEE_KIND_UNSPECIFIED;
}

hosho::v1::AmendmentKind AmendmentKindFromNameJa(absl::string_view name) {
  const std::string n = NormalizeCode(name);
  if (absl::StrContains(n, "増額")) return hosho::v1::AMENDMENT_KIND_INCREASE;
  if (absl::StrContains(n, "減額")) return hosho::v1::AMENDMENT_KIND_DECREASE;
  if (absl::StrContains(n, "延長")) return hosho::v1::AMENDMENT_KIND_EXTENSION;
  auto parsed = ParseEnumName(hosho::v1::AmendmentKind_descriptor(), "AMENDMENT_KIND_", n);
  if (parsed.ok()) return static_cast<hosho::v1::AmendmentKind>(*parsed);
  return hosho::v1::AMENDMENT_KIND_UNSPECIFIED;
}

}  // namespace hosho
