#include "services/common/domain/offices.h"

#include "absl/strings/str_cat.h"
#include "services/common/runtime/config.h"

namespace hosho {

absl::StatusOr<OfficeDirectory> OfficeDirectory::FromConfig(const Config& config) {
  OfficeDirectory d;
  int index = 0;
  for (const Config& entry : config.GetList("offices")) {
    Office office{entry.GetString("code"), entry.GetString("name_ja"), entry.GetString("mailbox")};
    if (office.code.empty()) return absl::InvalidArgumentError(absl::StrCat("offices[", index, "]: code is missing"));
    if (office.name_ja.empty()) office.name_ja = office.code;
    if (!office.mailbox.empty() && office.mailbox.find('@') == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("offices[", index, "]: mailbox is not an address"));
    }
    if (!d.by_code_.emplace(office.code, d.offices_.size()).second) {
      return absl::InvalidArgumentError(absl::StrCat("offices[", index, "]: office ", office.code, " is repeated"));
    }
    d.offices_.push_back(std::move(office));
    ++index;
  }
  if (d.offices_.empty()) return absl::InvalidArgumentError("offices: no office is listed");
  d.city_name_ja_ = config.GetString("city.name_ja");
  d.city_beneficiary_ = config.GetString("city.beneficiary");
  return d;
}

absl::StatusOr<OfficeDirectory> OfficeDirectory::FromFile(const std::string& path) {
  auto config = Config::Load("", path);
  if (!config.ok()) return config.status();
  auto d = FromConfig(*config);
  if (!d.ok()) return absl::Status(d.status().code(), absl::StrCat(path, ": ", d.status().message()));
  return d;
}

const Office* OfficeDirectory::Find(absl::string_view code) const {
  auto it = by_code_.find(code);
  return it == by_code_.end() ? nullptr : &offices_[it->second];
}

std::string OfficeDirectory::NameJa(absl::string_view code) const {
  const Office* o = Find(code);
  return o == nullptr ? std::string(code) : o->name_ja;
}

}  // namespace hosho
