#pragma once

#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "services/common/domain/offices.h"
#include "services/common/runtime/clock.h"
#include "services/common/store/blob_store.h"
#include "services/common/store/case_store.h"
#include "services/common/store/rate_limiter.h"
#include "services/console/accounts.h"
#include "services/console/backends.h"
#include "services/console/live_feed.h"
#include "services/console/overview.h"
#include "services/console/sessions.h"

namespace hosho {

// What the console's pages read and act through; the caller owns each, and keeps it while the pages serve.
struct ConsoleDeps {
  CaseStore* cases = nullptr;
  SessionStore* sessions = nullptr;
  const AccountBook* accounts = nullptr;
  ConsoleBackends* backends = nullptr;
  LiveFeed* feed = nullptr;
  OverviewSource* overview = nullptr;
  BlobStore* blobs = nullptr;
  const OfficeDirectory* offices = nullptr;
  Clock* clock = nullptr;
  // per user name and client address: failed and successful sign-ins alike (a guess elsewhere does
  // not lock a clerk out)
  RateLimiter* signin_limiter = nullptr;
  // per client address, whatever the name (an office behind one proxy shares it: a larger budget)
  RateLimiter* signin_address_limiter = nullptr;
};

// How the console's pages behave (ConsoleConfig reads them from console.*).
struct ConsoleOptions {
  // Cookies carry Secure (sent only over HTTPS; browsers also accept it on http://localhost).
  bool cookie_secure = true;
  // Trusted reverse proxy: requests from these addresses may name the user in `proxy_user_header`;
  // the account (office, role) still comes from the accounts file.
  absl::flat_hash_set<std::string> trusted_proxy_addresses;
  std::string proxy_user_header = "x-forwarded-user";
  absl::Duration feed_keepalive = absl::Seconds(15);
  // Open live feeds each hold an HTTP worker; beyond this many, a new one is refused (503) so that
  // pages and forms always find a worker. The page retries.
  int max_feed_streams = 48;
};

}  // namespace hosho
