#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "services/common/blob_store.h"
#include "services/common/case_store.h"
#include "services/common/clock.h"
#include "services/common/http_server.h"
#include "services/common/offices.h"
#include "services/common/rate_limiter.h"
#include "services/console/accounts.h"
#include "services/console/backends.h"
#include "services/console/i18n.h"
#include "services/console/live_feed.h"
#include "services/console/overview.h"
#include "services/console/sessions.h"

namespace hosho {

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

// The console's pages, forms, event stream and JSON, as routes for the common HTTP server.
class ConsoleApp {
 public:
  ConsoleApp(ConsoleDeps deps, ConsoleOptions options);
  std::vector<HttpRoute> Routes();

 private:
  struct Request;  // one call: its user, session, language
  HttpReply Dispatch(const HttpCall& call, bool needs_user, HttpReply (ConsoleApp::*page)(const Request&));

  HttpReply SignInPage(const HttpCall& call, const std::string& error_key);
  HttpReply SignIn(const HttpCall& call);
  HttpReply SignOut(const Request& r);
  HttpReply SwitchLanguage(const HttpCall& call);

  HttpReply OverviewPage(const Request& r);
  std::string StateOfficeTable(const Request& r, const char* id,
                               const std::map<std::string, std::map<std::string, int64_t>>& counts,
                               const std::vector<std::string>& offices, int64_t* total) const;
  HttpReply OverviewJson(const Request& r);
  HttpReply FeedPage(const Request& r);
  HttpReply FeedStream(const Request& r);
  HttpReply CasesPage(const Request& r);
  // The guarantee ledger (保証台帳) download from the search page's form (ledger.h).
  HttpReply LedgerDownload(const Request& r);
  std::string LedgerForm(const Request& r) const;
  HttpReply CasePage(const Request& r);
  HttpReply AttachmentDownload(const Request& r);
  HttpReply CaseHandoff(const Request& r);
  HttpReply TasksPage(const Request& r);
  HttpReply TaskPage(const Request& r);
  HttpReply TaskClaim(const Request& r);
  HttpReply TaskRelease(const Request& r);
  HttpReply TaskReveal(const Request& r);
  HttpReply TaskRecord(const Request& r);

  HttpReply Page(const Request& r, int status, const std::string& title, const std::string& body,
                 const std::string& flash = "", bool flash_error = false);
  HttpReply ErrorPage(const Request& r, const absl::Status& status);
  HttpReply RenderTask(const Request& r, const hosho::v1::VerificationTask& task, const std::string& flash,
                       bool flash_error, const std::vector<std::pair<std::string, std::string>>& field_errors);
  std::string OfficeLabel(const Request& r, const std::string& code) const;
  std::string UserLabel(const Request& r) const;

  ConsoleDeps deps_;
  ConsoleOptions options_;
  std::shared_ptr<std::atomic<int>> open_feeds_ = std::make_shared<std::atomic<int>>(0);
};

// Security headers on every console answer (CSP 'self' only, no framing, no sniffing, no caching
// of pages that show case data).
void AddSecurityHeaders(HttpReply* reply);

}  // namespace hosho
