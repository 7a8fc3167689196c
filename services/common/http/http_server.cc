#include "services/common/http/http_server.h"

#include <arpa/inet.h>
#include <httplib.h>

#include <cstring>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/runtime/log.h"
#include "services/common/runtime/net.h"

namespace hosho {
namespace {

// The refusal shape every hosho HTTP answer has (docs/api.md), for refusals made before any handler
// (no field: the request as a whole). `code` and `message` are constants of ours: no escaping needed.
std::string ErrorBody(absl::string_view code, absl::string_view message) {
  return absl::StrCat(R"({"error":{"code":")", code, R"(","message_ja":")", message,
                      R"(","violations":[{"field":"","code":")", code, R"(","message_ja":")", message, R"("}]}})");
}

}  // namespace

struct HttpServer::Impl {
  std::unique_ptr<httplib::Server> server;
  std::thread thread;
  int port = -1;
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Stop() {
  if (impl_ && impl_->thread.joinable()) {
    impl_->server->stop();
    impl_->thread.join();
  }
}

int HttpServer::port() const { return impl_->port; }

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    const HttpServerOptions& options, std::vector<std::pair<std::string, Handler>> post_routes) {
  std::vector<HttpRoute> routes;
  for (auto& [path, handler] : post_routes) routes.push_back({"POST", path, std::move(handler)});
  return Start(options, std::move(routes));
}

namespace {

// Errors cpp-httplib answers itself (no route, body too large) and handlers that throw, in the JSON
// shape of every other refusal.
void InstallErrorReplies(httplib::Server& server) {
  server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string code = "HTTP_ERROR";
    std::string message = "リクエストを処理できませんでした";
    if (res.status == 413) {
      code = "BODY_TOO_LARGE";
      message = "送信データが大きすぎます";
    } else if (res.status == 404) {
      code = "NOT_FOUND";
      message = "このURLはありません";
    }
    res.set_content(ErrorBody(code, message), "application/json; charset=utf-8");
  });
  // A handler that throws answers a plain 500 in the same JSON shape; what it threw goes to the log,
  // never into a header or the body (cpp-httplib's default puts e.what() in a response header).
  server.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr thrown) {
    std::string what = "unknown";
    try {
      std::rethrow_exception(thrown);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    LogError("http handler failed", {{"path", req.path}, {"error", what}});
    res.status = 500;
    res.set_content(ErrorBody("INTERNAL", "内部エラーが発生しました"), "application/json; charset=utf-8");
  });
}

// What a handler sees of a request: headers in lower case, query and form fields, path parameters.
HttpCall ToHttpCall(const httplib::Request& req) {
  HttpCall call;
  call.method = req.method;
  call.path = req.path;
  call.body = req.body;
  call.remote_address = req.remote_addr;
  for (const auto& [name, value] : req.headers) call.headers[absl::AsciiStrToLower(name)] = value;
  for (const auto& [name, value] : req.params) call.query[name] = value;
  for (size_t i = 1; i < req.matches.size(); ++i) call.path_params.push_back(req.matches[i].str());
  if (req.method == "POST" &&
      absl::StartsWith(req.get_header_value("Content-Type"), "application/x-www-form-urlencoded")) {
    httplib::Params form;
    httplib::detail::parse_query_text(req.body, form);
    for (const auto& [name, value] : form) call.query[name] = value;
  }
  return call;
}

void Answer(HttpReply reply, httplib::Response& res) {
  res.status = reply.status;
  for (const auto& [name, value] : reply.headers) res.headers.emplace(name, value);
  if (reply.stream) {
    res.set_chunked_content_provider(reply.content_type,
                                     [stream = std::move(reply.stream)](size_t, httplib::DataSink& sink) {
                                       const bool more = stream([&sink](const std::string& chunk) {
                                         return sink.is_writable() && sink.write(chunk.data(), chunk.size());
                                       });
                                       if (!more) sink.done();
                                       return true;
                                     });
    return;
  }
  res.set_content(reply.body, reply.content_type);
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                              std::vector<HttpRoute> routes) {
  auto impl = std::make_unique<Impl>();
  const bool tls = !options.tls_cert_file.empty() && !options.tls_key_file.empty();
  if (!tls && !IsLoopbackAddress(absl::StrCat(options.host, ":", options.port))) {
    return absl::InvalidArgumentError(
        absl::StrCat("plain HTTP is only allowed on loopback; set tls_cert_file and tls_key_file for ", options.host));
  }
  if (tls) {
    auto server = std::make_unique<httplib::SSLServer>(options.tls_cert_file.c_str(), options.tls_key_file.c_str());
    if (!server->is_valid()) return absl::InvalidArgumentError("TLS certificate or key cannot be loaded");
    impl->server = std::move(server);
  } else {
    impl->server = std::make_unique<httplib::Server>();
  }
  httplib::Server& server = *impl->server;
  server.set_payload_max_length(options.max_body_bytes);
  server.set_read_timeout(options.read_timeout_seconds, 0);
  InstallErrorReplies(server);
  server.new_task_queue = [threads = std::max(2, options.worker_threads)] {
    return new httplib::ThreadPool(static_cast<size_t>(threads));
  };
  for (auto& route : routes) {
    auto serve = [handler = std::move(route.handler)](const httplib::Request& req, httplib::Response& res) {
      Answer(handler(ToHttpCall(req)), res);
    };
    if (route.method == "GET") {
      server.Get(route.pattern, std::move(serve));
    } else {
      server.Post(route.pattern, std::move(serve));
    }
  }
  impl->port = options.port == 0 ? server.bind_to_any_port(options.host)
                                 : (server.bind_to_port(options.host, options.port) ? options.port : -1);
  if (impl->port <= 0) {
    return absl::UnavailableError(absl::StrCat("http port ", options.host, ":", options.port, " cannot be bound"));
  }
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->server->listen_after_bind(); });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

absl::StatusOr<std::pair<int, std::string>> HttpPost(const std::string& host, int port, const std::string& path,
                                                     const std::vector<std::pair<std::string, std::string>>& headers,
                                                     const std::string& body, const std::string& content_type) {
  httplib::Client client(host, port);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(30, 0);
  httplib::Headers h;
  for (const auto& [name, value] : headers) h.emplace(name, value);
  auto result = client.Post(path.c_str(), h, body, content_type.c_str());
  if (!result) {
    return absl::UnavailableError(
        absl::StrCat("POST http://", host, ":", port, path, ": ", httplib::to_string(result.error())));
  }
  return std::make_pair(result->status, result->body);
}

int HttpStatusFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
      return 422;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return 503;
    default:
      return 500;
  }
}

absl::StatusOr<HttpResponse> HttpGet(const std::string& host, int port, const std::string& path,
                                     const std::vector<std::pair<std::string, std::string>>& headers) {
  httplib::Client client(host, port);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(30, 0);
  httplib::Headers h;
  for (const auto& [name, value] : headers) h.emplace(name, value);
  auto result = client.Get(path.c_str(), h);
  if (!result) {
    return absl::UnavailableError(
        absl::StrCat("GET http://", host, ":", port, path, ": ", httplib::to_string(result.error())));
  }
  HttpResponse out;
  out.status = result->status;
  out.body = result->body;
  for (const auto& [name, value] : result->headers) out.headers[absl::AsciiStrToLower(name)] = value;
  return out;
}

std::string ClientNetwork(const std::string& address) {
  in6_addr v6{};
  if (inet_pton(AF_INET6, address.c_str(), &v6) != 1) return address;
  char text[INET6_ADDRSTRLEN] = {};
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    in_addr v4{};
    std::memcpy(&v4, &v6.s6_addr[12], sizeof(v4));
    return inet_ntop(AF_INET, &v4, text, sizeof(text)) != nullptr ? std::string(text) : address;
  }
  std::memset(&v6.s6_addr[8], 0, 8);
  if (inet_ntop(AF_INET6, &v6, text, sizeof(text)) == nullptr) return address;
  return absl::StrCat(text, "/64");
}

}  // namespace hosho
