#pragma once

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "hosho/v1/notification.pb.h"

namespace hosho {

class Config;

// Japanese notice templates (deploy/notification/templates.yaml): per notice kind and audience
// a body, and a subject in the city's fixed form. Placeholders are {name}; a template naming an
// unknown placeholder is refused at load, so a typo never reaches a contractor.
class NoticeTemplates {
 public:
  using Variables = absl::flat_hash_map<std::string, std::string>;
  static absl::StatusOr<NoticeTemplates> FromConfig(const Config& config);
  static absl::StatusOr<NoticeTemplates> FromFile(const std::string& path);
  // Every notice kind a template may be written for ("receipt", "routed", ...).
  static const std::vector<std::string>& Kinds();

  bool Has(absl::string_view kind, hosho::v1::Notice::Audience audience) const;
  // Subject and body (with the signature) of a notice.
  std::string Subject(const Variables& vars) const;
  std::string Body(absl::string_view kind, hosho::v1::Notice::Audience audience, const Variables& vars) const;
  const std::string& from() const { return from_; }
  const std::string& message_id_domain() const { return message_id_domain_; }

 private:
  std::string subject_;
  std::string signature_;
  std::string from_;
  std::string message_id_domain_;
  absl::flat_hash_map<std::string, std::string> bodies_;  // "kind/office" or "kind/contractor"
};

// Replaces every {name} in `text` with its value (unknown names stay as they are).
std::string RenderTemplate(absl::string_view text, const NoticeTemplates::Variables& vars);

}  // namespace hosho
