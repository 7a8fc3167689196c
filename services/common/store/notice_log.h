#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hosho {

// The notices recorded on a case (what was told to whom), once per delivery id.
class NoticeLog {
 public:
  virtual ~NoticeLog() = default;
  // Records a notice once per delivery id; false when it was already recorded.
  virtual absl::StatusOr<bool> RecordNotice(absl::string_view case_id, absl::string_view delivery_id,
                                            absl::string_view payload) = 0;
  virtual absl::StatusOr<std::vector<std::string>> ListNotices(absl::string_view case_id) = 0;
};

}  // namespace hosho
