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

// A business HTTP endpoint (the web form's webhook). cpp-httplib is used only in services/common.
struct HttpCall {
  std::string method;
  std::string path;
  std::string body;
  std::string remote_address;
  absl::flat_hash_map<std::string, std::string> headers;  // names in lower case
  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

struct HttpReply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json; charset=utf-8";
};

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;                     // 0: any free port
  size_t max_body_bytes = 1 << 20;  // larger bodies get 413 before any handler runs
  std::string tls_cert_file;        // TLS when both are set; plain HTTP only on loopback
  std::string tls_key_file;
  int read_timeout_seconds = 10;
};

class HttpServer {
 public:
  using Handler = std::function<HttpReply(const HttpCall&)>;
  ~HttpServer();
  // Routes are fixed before the server starts.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                           std::vector<std::pair<std::string, Handler>> post_routes);
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

}  // namespace hosho
