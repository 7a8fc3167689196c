#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "hosho/v1/domain.pb.h"
#include "services/common/runtime/clock.h"
#include "services/common/runtime/config.h"

namespace hosho {

// "2026-04-01" ↔ Date.
absl::StatusOr<hosho::v1::Date> ParseDate(absl::string_view text);
std::string FormatDate(const hosho::v1::Date& date);
absl::CivilDay ToCivilDay(const hosho::v1::Date& date);
hosho::v1::Date FromCivilDay(absl::CivilDay day);
bool IsSet(const hosho::v1::Date& date);
// Today in the city's time zone (Asia/Tokyo).
hosho::v1::Date TodayInJapan(absl::Time now);

// Enum value from its short name, case-insensitive: "contract" → GUARANTEE_KIND_CONTRACT
// (the prefix is the enum's type name in upper snake case).
absl::StatusOr<int> ParseEnumName(const google::protobuf::EnumDescriptor* descriptor, absl::string_view prefix,
                                  absl::string_view text);

// An optional "YYYY-MM-DD" field of a YAML item; *out is left as is when the field is absent.
absl::Status ReadDateField(const Config& item, absl::string_view key, hosho::v1::Date* out);

// An enum field of a YAML item by its short name (ParseEnumName); `fallback` when absent.
template <typename E>
absl::StatusOr<E> ReadEnumField(const Config& item, absl::string_view key,
                                const google::protobuf::EnumDescriptor* descriptor, absl::string_view prefix,
                                absl::string_view fallback = "unspecified") {
  auto value = ParseEnumName(descriptor, prefix, item.GetString(key, fallback));
  if (!value.ok()) return value.status();
  return static_cast<E>(*value);
}

// Dates as people type them: 2026-04-01, 2026/4/1, 2026年4月1日, 令和8年4月1日 (full-width too).
absl::StatusOr<hosho::v1::Date> ParseDateJa(absl::string_view text);
bool IsValidDate(const hosho::v1::Date& date);
// 5000000 → "5,000,000円".
std::string FormatYen(int64_t yen);

// A certificate record as YAML (the fields of hosho.v1.CertificateRecord; kind and issuer by short
// name and required, dates YYYY-MM-DD): what the simulator holds and what a clerk records.
absl::StatusOr<hosho::v1::CertificateRecord> ReadCertificateRecord(const Config& item);

// Japanese names for people.
std::string KindNameJa(hosho::v1::GuaranteeKind kind);
std::string IssuerNameJa(hosho::v1::Issuer issuer);
std::string PlatformNameJa(hosho::v1::Platform platform);
// The issuer a person named: 「東日本建設業保証株式会社」, 「東日本建設業保証(株)」 and the short names
// all match; ISSUER_UNSPECIFIED when the name is on no list.
hosho::v1::Issuer IssuerFromNameJa(absl::string_view name);
hosho::v1::IssuerKind IssuerKindOf(hosho::v1::Issuer issuer);
// 契約保証 / 前払金保証 / 中間前払金保証 (also 前払金, 中間前払金, 前払保証) or the enum short name.
hosho::v1::GuaranteeKind GuaranteeKindFromNameJa(absl::string_view name);
// 増額 / 減額 / 工期延長 (or the enum short name); UNSPECIFIED otherwise.
hosho::v1::AmendmentKind AmendmentKindFromNameJa(absl::string_view name);

}  // namespace hosho
