#pragma once
// The console's calls to the owning services (ConsoleBackends), for tests of its pages without
// hosho-verification and hosho-routing.
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "services/console/backends.h"

namespace hosho {

// Records every call (who, what) and answers with fixed tasks and cases; `handoff_error` makes the
// next hand-offs fail, `claimed_by` names who holds the listed task.
class FakeConsoleBackends : public ConsoleBackends {
 public:
  absl::StatusOr<hosho::v1::ListTasksResponse> ListTasks(const Principal& user, const std::string& office) override {
    calls.push_back(absl::StrCat("ListTasks ", user.name, " ", office));
    hosho::v1::ListTasksResponse r;
    auto* t = r.add_tasks();
    t->set_task_id("C1");
    t->set_case_id("C1");
    t->set_claimed_by(claimed_by);
    return r;
  }
  absl::StatusOr<hosho::v1::VerificationTask> ClaimTask(const Principal& user, const std::string& id) override {
    calls.push_back(absl::StrCat("ClaimTask ", user.name, "/", RoleName(user.role), "/", user.office, " ", id));
    hosho::v1::VerificationTask t;
    t.set_case_id(id);
    return t;
  }
  absl::StatusOr<hosho::v1::VerificationTask> ReleaseTask(const Principal& user, const std::string& id) override {
    calls.push_back(absl::StrCat("ReleaseTask ", user.name, " ", id));
    return hosho::v1::VerificationTask();
  }
  absl::StatusOr<hosho::v1::RevealCredentialResponse> RevealCredential(const Principal& user, const std::string& id,
                                                                       const std::string& reason) override {
    calls.push_back(absl::StrCat("Reveal ", user.name, " ", id, " ", reason));
    hosho::v1::RevealCredentialResponse r;
    r.mutable_d_sure()->set_guarantee_number("DS-1");
    r.mutable_d_sure()->set_authentication_key("KEY-<script>");
    return r;
  }
  absl::StatusOr<hosho::v1::VerificationTask> RecordCertificate(
      const Principal& user, const hosho::v1::RecordCertificateRequest& request) override {
    calls.push_back(absl::StrCat("Record ", user.name, " ", request.certificate().contract_price_yen()));
    hosho::v1::VerificationTask t;
    t.set_case_id(request.task_id());
    t.set_state(hosho::v1::CASE_STATE_VERIFIED);
    return t;
  }
  absl::StatusOr<hosho::v1::Case> Handoff(const Principal& user, HandoffStep step,
                                          const hosho::v1::HandoffRequest& request) override {
    calls.push_back(absl::StrCat("Handoff ", user.name, " ", static_cast<int>(step), " ", request.case_id(), " v",
                                 request.expected_version(), " ", request.note()));
    if (!handoff_error.ok()) return handoff_error;
    return hosho::v1::Case();
  }
  std::vector<ConnectorHealth> PlatformHealth() override { return {{"PLATFORM_D_SURE", "NOT_SERVING"}}; }

  std::vector<std::string> calls;
  std::string claimed_by;
  absl::Status handoff_error = absl::OkStatus();
};

}  // namespace hosho
