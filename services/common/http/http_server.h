#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hosho {

// A business HTTP endpoint (the web form's webhook, the console). cpp-httplib is used only in
// services/common.
struct HttpCall {
  std::string method;
  std::string path;
  std::string body;
  std::string remote_address;
  absl::flat_hash_map<std::string, std::string> headers;  // names in lower case
  absl::flat_hash_map<std::string, std::string> query;    // ?a=b&c=d, and form fields of a urlencoded POST
  std::vector<std::string> path_params;                   // the route pattern's capture groups
  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
  std::string Param(const std::string& name) const {
    auto it = query.find(name);
    return it == query.end() ? "" : it->second;
  }
};

// Writes one chunk of a streamed reply; false once the client has gone.
using HttpChunkWriter = std::function<bool(const std::string& chunk)>;

struct HttpReply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers = {};  // Set-Cookie, Location, Cache-Control, ...
  // A streamed reply (server-sent events): called again and again until it returns false; it may
  // block a while waiting for something to send.
  std::function<bool(const HttpChunkWriter& write)> stream = nullptr;
};

struct HttpRoute {
  std::string method;   // "GET" or "POST"
  std::string pattern;  // an ECMAScript regex over the whole path; groups become path_params
  std::function<HttpReply(const HttpCall&)> handler;
};

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;                     // 0: any free port
  size_t max_body_bytes = 1 << 20;  // larger bodies get 413 before any handler runs
  std::string tls_cert_file;        // TLS when both are set; plain HTTP only on loopback
  std::string tls_key_file;
  int read_timeout_seconds = 10;
  int worker_threads = 8;  // each open event stream holds one
};

class HttpServer {
 public:
  using Handler = std::function<HttpReply(const HttpCall&)>;
  ~HttpServer();
  // Routes are fixed before the server starts.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                           std::vector<std::pair<std::string, Handler>> post_routes);
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                           std::vector<HttpRoute> routes);
  int port() const;
  void Stop();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A POST from a test or a tool: headers as given, body raw. Returns status and body.
absl::StatusOr<std::pair<int, std::string>> HttpPost(const std::string& host, int port, const std::string& path,
                                                     const std::vector<std::pair<std::string, std::string>>& headers,
                                                     const std::string& body, const std::string& content_type);

// The HTTP status that says the same as a status code (422 for a refused field, 409 for a stale version,
// 503 for a dependency away, ...), for pages and JSON alike.
int HttpStatusFor(absl::StatusCode code);

struct HttpResponse {
  int status = 0;
  std::string body;
  absl::flat_hash_map<std::string, std::string> headers;  // names in lower case, last value wins
};
// A GET from a test or a tool (no redirects followed).
absl::StatusOr<HttpResponse> HttpGet(const std::string& host, int port, const std::string& path,
                                     const std::vector<std::pair<std::string, std::string>>& headers);

// The network a client address stands for, as a budget key: an IPv4 address as it is, an IPv6 address
// as its /64 ("2001:db8:1:2::/64"; one household or office is handed a whole /64, so counting single
// IPv6 addresses would give one guesser 2^64 budgets), an IPv4-mapped IPv6 address as the IPv4 one.
// Anything that does not parse is returned unchanged.
std::string ClientNetwork(const std::string& address);

}  // namespace hosho
