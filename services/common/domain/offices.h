#pragma once

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hosho {

class Config;

// One office of the city (課): its code in contracts, tokens and rules, its Japanese name and the
// shared mailbox that receives its notices.
struct Office {
  std::string code;
  std::string name_ja;
  std::string mailbox;
};

// The offices hosho knows (deploy/city/offices.yaml). Routing sends a case whose destination is
// not listed here to the operators; notification mails an office only at its listed mailbox.
class OfficeDirectory {
 public:
  // `config` holds `offices: [{code, name_ja, mailbox}]`; a missing code or a repeated one is an error.
  static absl::StatusOr<OfficeDirectory> FromConfig(const Config& config);
  static absl::StatusOr<OfficeDirectory> FromFile(const std::string& path);

  const Office* Find(absl::string_view code) const;
  // The Japanese name, or the code itself when the office is unknown.
  std::string NameJa(absl::string_view code) const;
  const std::vector<Office>& offices() const { return offices_; }
  // The city itself (`city: {name_ja, beneficiary}`): its name, and the 発注者 as guarantee
  // certificates name it (e.g. "みなと市長"), which R05 uses when a contract does not say. Empty
  // when the file does not give them.
  const std::string& city_name_ja() const { return city_name_ja_; }
  const std::string& city_beneficiary() const { return city_beneficiary_; }

 private:
  std::vector<Office> offices_;
  std::string city_name_ja_;
  std::string city_beneficiary_;
  absl::flat_hash_map<std::string, size_t> by_code_;
};

}  // namespace hosho
