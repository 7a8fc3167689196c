#pragma once

#include <memory>
#include <vector>

#include "services/common/http/http_server.h"
#include "services/console/console_deps.h"

namespace hosho {

class PageKit;

// The console's pages, forms, event stream and JSON, as routes for the common HTTP server. The pages
// live in services/console/pages/, one module per part of the console; each registers its routes here.
class ConsoleApp {
 public:
  ConsoleApp(ConsoleDeps deps, ConsoleOptions options);
  ~ConsoleApp();
  ConsoleApp(const ConsoleApp&) = delete;
  ConsoleApp& operator=(const ConsoleApp&) = delete;

  // The routes stay valid while this app lives.
  std::vector<HttpRoute> Routes();

 private:
  std::unique_ptr<PageKit> kit_;
};

}  // namespace hosho
