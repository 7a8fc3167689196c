#pragma once

#include <vector>

#include "services/common/http/http_server.h"
#include "services/console/pages/page_kit.h"

namespace hosho {

// Each page module's routes. They refer to `kit`, which must outlive them.
std::vector<HttpRoute> SignInRoutes(const PageKit& kit);    // /login, /lang/{ja,en}, /logout
std::vector<HttpRoute> OverviewRoutes(const PageKit& kit);  // /, /api/overview
std::vector<HttpRoute> FeedRoutes(const PageKit& kit);      // /feed, /events
std::vector<HttpRoute> SearchRoutes(const PageKit& kit);    // /cases, /ledger
std::vector<HttpRoute> CaseRoutes(const PageKit& kit);      // /cases/{id}: the case, its attachments, hand-offs
std::vector<HttpRoute> TaskRoutes(const PageKit& kit);      // /tasks, /tasks/{id} and its steps

}  // namespace hosho
