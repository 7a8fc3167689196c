// The rules' thresholds as a city sets them (rules.*, city.offices_file), read exactly.
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/domain/offices.h"
#include "services/common/runtime/config.h"
#include "services/verification/rules.h"

namespace hosho {

absl::StatusOr<Ratio> Ratio::Parse(absl::string_view text) {
  Ratio r;
  std::vector<absl::string_view> parts = absl::StrSplit(text, '/');
  if (parts.size() == 2) {
    if (!absl::SimpleAtoi(parts[0], &r.numerator) || !absl::SimpleAtoi(parts[1], &r.denominator) ||
        r.denominator <= 0 || r.numerator < 0) {
      return absl::InvalidArgumentError(absl::StrCat("not a ratio: ", text));
    }
  } else {
    // A decimal with at most 6 places, read exactly.
    std::vector<absl::string_view> d = absl::StrSplit(text, '.');
    int64_t whole = 0, frac = 0;
    if (d.empty() || d.size() > 2 || !absl::SimpleAtoi(d[0], &whole) ||
        (d.size() == 2 && (d[1].size() > 6 || !absl::SimpleAtoi(d[1], &frac)))) {
      return absl::InvalidArgumentError(absl::StrCat("not a ratio: ", text));
    }
    r.denominator = 1;
    if (d.size() == 2) {
      for (size_t i = 0; i < d[1].size(); ++i) r.denominator *= 10;
    }
    r.numerator = whole * r.denominator + frac;
  }
  return r;  // not reduced: "4/10" stays as the city wrote it
}

std::string Ratio::ToString() const { return absl::StrCat(numerator, "/", denominator); }

int64_t AtLeast(int64_t price, Ratio ratio) {
  const __int128 product = static_cast<__int128>(price) * ratio.numerator;
  return static_cast<int64_t>((product + ratio.denominator - 1) / ratio.denominator);
}

int64_t AtMost(int64_t price, Ratio ratio) {
  return static_cast<int64_t>(static_cast<__int128>(price) * ratio.numerator / ratio.denominator);
}

absl::StatusOr<VerificationPolicy> VerificationPolicyFromConfig(const Config& config) {
  VerificationPolicy p;
  for (const auto& [key, target] :
       {std::pair<const char*, Ratio*>{"rules.contract_guarantee_ratio", &p.contract_guarantee},
        {"rules.low_bid_contract_guarantee_ratio", &p.low_bid_contract_guarantee},
        {"rules.advance_max_ratio", &p.advance_max},
        {"rules.intermediate_max_ratio", &p.intermediate_max},
        {"rules.advances_total_max_ratio", &p.advances_total_max}}) {
    const std::string text = config.GetString(key);
    if (text.empty()) continue;
    auto ratio = Ratio::Parse(text);
    if (!ratio.ok()) return absl::InvalidArgumentError(absl::StrCat(key, ": ", ratio.status().message()));
    *target = *ratio;
  }
  return p;
}

absl::StatusOr<VerificationPolicy> VerificationPolicyWithCity(const Config& config) {
  auto policy = VerificationPolicyFromConfig(config);
  if (!policy.ok()) return policy.status();
  const std::string file = config.GetString("city.offices_file");
  if (file.empty()) return absl::InvalidArgumentError("city.offices_file: the city's file is not configured");
  auto city = OfficeDirectory::FromFile(config.ResolvePath(file));
  if (!city.ok()) return city.status();
  if (city->city_beneficiary().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        file, ": city.beneficiary is missing (the 発注者 as certificates name the city, e.g. みなと市長)"));
  }
  policy->city_beneficiary = city->city_beneficiary();
  return policy;
}

}  // namespace hosho
