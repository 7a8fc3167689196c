#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace grpc {
class Status;
class ServerContextBase;
class Service;
class Server;
}  // namespace grpc

namespace hosho {

class Config;

// How the business port listens. TLS (optionally mTLS) from files; plaintext
// only on a loopback address and only with dev_plaintext set.
struct GrpcServerOptions {
  std::string listen_address = "127.0.0.1:0";
  bool dev_plaintext = false;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;  // set: mTLS, client certificates required
  int max_message_bytes = 4 << 20;
  absl::Duration drain_timeout = absl::Seconds(10);
  int sync_threads = 0;  // 0: gRPC's default
  // A second, plaintext port that serves only grpc.health.v1 Check (empty: none). Kubernetes' native
  // gRPC probes cannot speak TLS; this port tells them SERVING/NOT_SERVING and nothing else, so it
  // may listen on the pod address.
  std::string health_listen_address;
};

// Reads grpc.listen, grpc.dev_plaintext, grpc.tls.{cert,key,client_ca}_file,
// grpc.max_message_bytes, grpc.drain_timeout_ms, grpc.health_listen.
GrpcServerOptions GrpcServerOptionsFromConfig(const Config& config);

// Starts a gRPC server with grpc.health.v1 and reflection, and drains it on stop.
class GrpcServerRunner {
 public:
  explicit GrpcServerRunner(GrpcServerOptions options);
  ~GrpcServerRunner();

  void AddService(grpc::Service* service);
  absl::Status Start();
  int port() const { return port_; }
  // The health of a named part (grpc.health.v1 Check with service = name), e.g. a platform
  // connector's breaker; call after Start.
  void SetHealth(const std::string& service_name, bool serving);
  // Health goes NOT_SERVING, in-flight calls get the drain timeout, then stop.
  void Shutdown();
  grpc::Server* server() { return server_.get(); }

 private:
  GrpcServerOptions options_;
  std::vector<grpc::Service*> services_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<grpc::Server> health_server_;
  std::unique_ptr<grpc::Service> health_service_;
  grpc::Server* raw_server_ = nullptr;
  int port_ = 0;
  absl::Mutex health_mu_;
  absl::flat_hash_map<std::string, bool> named_health_ ABSL_GUARDED_BY(health_mu_);
  bool health_ready_ ABSL_GUARDED_BY(health_mu_) = false;
};

// RED metrics per RPC: hosho_grpc_server_handled_total{method,code} and
// hosho_grpc_server_handling_seconds{method}. Returns `status` for chaining.
grpc::Status ObserveRpc(absl::string_view method, absl::Time started, const grpc::Status& status);

// The caller's W3C traceparent (gRPC metadata), or a new trace.
std::string TraceparentOf(const grpc::ServerContextBase& context);

}  // namespace hosho
