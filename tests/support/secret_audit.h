#pragma once

#include <string>
#include <vector>

#include "services/stack/stack.h"

namespace hosho::testing {

// Where a planted secret (a 認証キー, a 閲覧用パスワード) showed up outside the one answer meant to
// carry it: "<place>: <secret>". Reads what the stack shows people and scrapers:
//  - the console's pages for every development account (overview, cases, tasks, the feed page, and
//    each of `case_ids` as a case and as a task), and its live feed (read for `feed_window`);
//  - every service's /metrics;
//  - every mail the development SMTP server received.
// Kafka, Redis and the logs are read by the tests themselves (they know when those are complete).
std::vector<std::string> SecretsShownByTheStack(const StackEndpoints& endpoints,
                                                const std::vector<std::string>& secrets,
                                                const std::vector<std::string>& case_ids,
                                                absl::Duration feed_window = absl::Seconds(2));

// The counts behind the audit (so a test can assert that it read something): pages, feed bytes,
// metric pages and mails of the last call in this process.
struct SecretAuditCounts {
  int pages = 0;
  size_t feed_bytes = 0;
  int metric_pages = 0;
  int mails = 0;
};
SecretAuditCounts LastSecretAuditCounts();

}  // namespace hosho::testing
