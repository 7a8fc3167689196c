#pragma once

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "hosho/v1/domain.pb.h"

namespace hosho {

class Config;

// The certificates the simulated platforms hold, loaded from a YAML file:
//   certificates:
//     - platform: d_sure              # or confirmation_system
//       guarantee_number: "..."       # D-Sure
//       authentication_key: "..."     # D-Sure
//       viewing_url: "https://..."    # confirmation system
//       viewing_password: "..."       # confirmation system
//       record: {kind, beneficiary, contractor_name, project_name, project_location,
//                contract_price_yen, guaranteed_amount_yen, advance_amount_yen,
//                period_start, period_end, issue_date, issuer}
class CertificateBook {
 public:
  static absl::StatusOr<CertificateBook> FromConfig(const Config& file);
  static absl::StatusOr<CertificateBook> FromFile(const std::string& path);

  // NOT_FOUND for an unknown number or a wrong key: the platform shows nothing
  // either way, and says nothing about which part was wrong.
  absl::StatusOr<hosho::v1::CertificateRecord> LookupDSure(const std::string& guarantee_number,
                                                           const std::string& authentication_key) const;
  absl::StatusOr<hosho::v1::CertificateRecord> LookupConfirmationSystem(const std::string& viewing_url,
                                                                        const std::string& viewing_password) const;
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    hosho::v1::Platform platform = hosho::v1::PLATFORM_UNSPECIFIED;
    std::string locator;  // guarantee number or viewing URL
    std::string secret;   // authentication key or viewing password
    hosho::v1::CertificateRecord record;
  };
  absl::StatusOr<hosho::v1::CertificateRecord> Find(hosho::v1::Platform platform, const std::string& locator,
                                                    const std::string& secret) const;
  // Keyed by platform and locator.
  absl::flat_hash_map<std::pair<int, std::string>, Entry> entries_;
};

}  // namespace hosho
