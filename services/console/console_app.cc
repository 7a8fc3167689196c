#include "services/console/console_app.h"

#include <string>
#include <utility>

#include "services/console/html.h"
#include "services/console/pages/page_kit.h"
#include "services/console/pages/routes.h"

namespace hosho {

namespace {

// The stylesheet and the live feed's script: the CSP allows no inline style or script.
std::vector<HttpRoute> StaticRoutes() {
  auto plain = [](std::string body, std::string content_type) {
    HttpReply reply;
    reply.body = std::move(body);
    reply.content_type = std::move(content_type);
    return [reply](const HttpCall&) {
      HttpReply r = reply;
      AddSecurityHeaders(&r);
      return r;
    };
  };
  return {
      {"GET", "/static/console.css", plain(std::string(ConsoleCss()), "text/css; charset=utf-8")},
      {"GET", "/static/console.js", plain(std::string(ConsoleJs()), "text/javascript; charset=utf-8")},
  };
}

}  // namespace

ConsoleApp::ConsoleApp(ConsoleDeps deps, ConsoleOptions options)
    : kit_(std::make_unique<PageKit>(deps, std::move(options))) {}

ConsoleApp::~ConsoleApp() = default;

std::vector<HttpRoute> ConsoleApp::Routes() {
  std::vector<HttpRoute> routes = StaticRoutes();
  for (auto* module : {SignInRoutes, OverviewRoutes, FeedRoutes, SearchRoutes, CaseRoutes, TaskRoutes}) {
    for (HttpRoute& route : module(*kit_)) routes.push_back(std::move(route));
  }
  return routes;
}

}  // namespace hosho
