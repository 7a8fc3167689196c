#include "tests/support/secret_audit.h"

#include "absl/strings/str_cat.h"
#include "tests/support/mail_sink.h"
#include "tests/support/raw_http.h"

namespace hosho::testing {
namespace {

SecretAuditCounts last_counts;

void Search(const std::string& place, const std::string& text, const std::vector<std::string>& secrets,
            std::vector<std::string>* leaks) {
  for (const std::string& s : secrets) {
    if (text.find(s) != std::string::npos) leaks->push_back(absl::StrCat(place, ": ", s));
  }
}

void AuditConsole(const StackEndpoints& e, const std::vector<std::string>& secrets,
                  const std::vector<std::string>& case_ids, absl::Duration feed_window, std::vector<std::string>* leaks,
                  SecretAuditCounts* counts) {
  for (const auto& [user, password] : e.console_passwords) {
    const std::string cookie = ConsoleSignIn(e.console_port, user, password);
    if (cookie.empty()) {
      leaks->push_back(absl::StrCat("console: ", user, " could not sign in (nothing was read for them)"));
      continue;
    }
    std::vector<std::string> paths = {"/", "/cases", "/tasks", "/feed"};
    for (const std::string& id : case_ids) {
      paths.push_back("/cases/" + id);
      paths.push_back("/tasks/" + id);
    }
    for (const std::string& path : paths) {
      const HttpResult page = RawHttp(e.console_port, "GET", path, {{"Cookie", cookie}});
      if (page.status == 200) ++counts->pages;
      Search(absl::StrCat("console ", user, " ", path), page.body, secrets, leaks);
    }
    const HttpResult feed = RawHttp(e.console_port, "GET", "/events",
                                    {{"Cookie", cookie}, {"Accept", "text/event-stream"}}, "", feed_window);
    counts->feed_bytes += feed.body.size();
    Search(absl::StrCat("console feed ", user), feed.body, secrets, leaks);
  }
}

}  // namespace

std::vector<std::string> SecretsShownByTheStack(const StackEndpoints& endpoints,
                                                const std::vector<std::string>& secrets,
                                                const std::vector<std::string>& case_ids, absl::Duration feed_window) {
  std::vector<std::string> leaks;
  SecretAuditCounts counts;
  AuditConsole(endpoints, secrets, case_ids, feed_window, &leaks, &counts);
  for (const auto& [service, port] : endpoints.admin) {
    const HttpResult metrics = RawHttp(port, "GET", "/metrics", {});
    if (metrics.status == 200) ++counts.metric_pages;
    Search("metrics of " + service, metrics.body, secrets, &leaks);
  }
  if (!endpoints.smtp_outbox.empty()) {
    for (const SentMail& mail : ReadSentMail(endpoints.smtp_outbox)) {
      ++counts.mails;
      Search("mail " + mail.file, mail.raw, secrets, &leaks);
      Search("mail " + mail.file, mail.body, secrets, &leaks);
    }
  }
  last_counts = counts;
  return leaks;
}

SecretAuditCounts LastSecretAuditCounts() { return last_counts; }

}  // namespace hosho::testing
