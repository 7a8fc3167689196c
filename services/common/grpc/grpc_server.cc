#include "services/common/grpc/grpc_server.h"

#include <grpcpp/ext/health_check_service_server_builder_option.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/common/runtime/config.h"
#include "services/common/runtime/log.h"
#include "services/common/runtime/metrics.h"
#include "services/common/runtime/net.h"
#include "services/common/runtime/trace.h"

namespace hosho {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// grpc.health.v1 Check only, answering from the business server's status (kubelet probes).
class ProbeHealthService final : public grpc::health::v1::Health::Service {
 public:
  explicit ProbeHealthService(grpc::Server** business) : business_(business) {}
  grpc::Status Check(grpc::ServerContext*, const grpc::health::v1::HealthCheckRequest* request,
                     grpc::health::v1::HealthCheckResponse* response) override {
    (void)request;  // one status for the whole process: the probe asks about the pod, not a service
    const bool serving = *business_ != nullptr && serving_.load();
    response->set_status(serving ? grpc::health::v1::HealthCheckResponse::SERVING
                                 : grpc::health::v1::HealthCheckResponse::NOT_SERVING);
    return grpc::Status::OK;
  }
  void SetServing(bool serving) { serving_ = serving; }

 private:
  grpc::Server** business_;
  std::atomic<bool> serving_{false};
};

}  // namespace

grpc::Status ObserveRpc(absl::string_view method, absl::Time started, const grpc::Status& status) {
  const std::string m(method);
  Metrics()
      .GetCounter("hosho_grpc_server_handled_total", "RPCs completed, by method and status code.",
                  {{"method", m}, {"code", std::to_string(static_cast<int>(status.error_code()))}})
      .Increment();
  Metrics()
      .GetHistogram("hosho_grpc_server_handling_seconds", "RPC handling time.", {{"method", m}})
      .Observe(absl::ToDoubleSeconds(absl::Now() - started));
  return status;
}

std::string TraceparentOf(const grpc::ServerContextBase& context) {
  auto it = context.client_metadata().find("traceparent");
  if (it == context.client_metadata().end()) return NewTraceparent();
  return ChildTraceparent(absl::string_view(it->second.data(), it->second.size()));
}

GrpcServerOptions GrpcServerOptionsFromConfig(const Config& config) {
  GrpcServerOptions o;
  o.listen_address = config.GetString("grpc.listen", o.listen_address);
  o.dev_plaintext = config.GetBool("grpc.dev_plaintext", false);
  o.tls_cert_file = config.ResolvePath(config.GetString("grpc.tls.cert_file"));
  o.tls_key_file = config.ResolvePath(config.GetString("grpc.tls.key_file"));
  o.tls_client_ca_file = config.ResolvePath(config.GetString("grpc.tls.client_ca_file"));
  o.max_message_bytes = static_cast<int>(config.GetInt("grpc.max_message_bytes", o.max_message_bytes));
  o.drain_timeout = absl::Milliseconds(config.GetInt("grpc.drain_timeout_ms", 10000));
  o.sync_threads = static_cast<int>(config.GetInt("grpc.sync_threads", 0));
  o.health_listen_address = config.GetString("grpc.health_listen");
  return o;
}

GrpcServerRunner::GrpcServerRunner(GrpcServerOptions options) : options_(std::move(options)) {}
GrpcServerRunner::~GrpcServerRunner() { Shutdown(); }

void GrpcServerRunner::AddService(grpc::Service* service) { services_.push_back(service); }

absl::Status GrpcServerRunner::Start() {
  std::shared_ptr<grpc::ServerCredentials> credentials;
  if (!options_.tls_cert_file.empty()) {
    auto cert = ReadFile(options_.tls_cert_file);
    auto key = ReadFile(options_.tls_key_file);
    if (!cert.ok()) return cert.status();
    if (!key.ok()) return key.status();
    grpc::SslServerCredentialsOptions ssl(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
    ssl.pem_key_cert_pairs.push_back({*key, *cert});
    if (!options_.tls_client_ca_file.empty()) {
      auto ca = ReadFile(options_.tls_client_ca_file);
      if (!ca.ok()) return ca.status();
      ssl.pem_root_certs = *ca;
      ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
    }
    credentials = grpc::SslServerCredentials(ssl);
  } else if (options_.dev_plaintext) {
    if (!IsLoopbackAddress(options_.listen_address)) {
      return absl::FailedPreconditionError(absl::StrCat("plaintext gRPC is allowed only on loopback; ",
                                                        options_.listen_address,
                                                        " needs grpc.tls.cert_file and grpc.tls.key_file"));
    }
    credentials = grpc::InsecureServerCredentials();
  } else {
    return absl::FailedPreconditionError(
        "no TLS certificate configured and grpc.dev_plaintext is off: refusing to serve");
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options_.listen_address, credentials, &port_);
  builder.SetMaxReceiveMessageSize(options_.max_message_bytes);
  builder.SetMaxSendMessageSize(options_.max_message_bytes);
  if (options_.sync_threads > 0) {
    builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 1);
    builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, options_.sync_threads);
  }
  for (grpc::Service* service : services_) builder.RegisterService(service);
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.listen_address));
  }
  server_->GetHealthCheckService()->SetServingStatus(true);
  {
    absl::MutexLock lock(&health_mu_);
    for (const auto& [name, serving] : named_health_) {
      server_->GetHealthCheckService()->SetServingStatus(name, serving);
    }
    health_ready_ = true;
  }
  LogInfo("grpc server listening", {{"address", options_.listen_address}, {"port", port_}});
  if (!options_.health_listen_address.empty()) {
    raw_server_ = server_.get();
    auto probe = std::make_unique<ProbeHealthService>(&raw_server_);
    probe->SetServing(true);
    grpc::ServerBuilder health;
    // Not gRPC's default health service (enabled process-wide above): only ours, which follows the
    // business server, answers here.
    health.SetOption(std::make_unique<grpc::HealthCheckServiceServerBuilderOption>(nullptr));
    int health_port = 0;
    health.AddListeningPort(options_.health_listen_address, grpc::InsecureServerCredentials(), &health_port);
    health.RegisterService(probe.get());
    health_server_ = health.BuildAndStart();
    if (!health_server_ || health_port == 0) {
      return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.health_listen_address));
    }
    health_service_ = std::move(probe);
    LogInfo("grpc health probe port listening", {{"address", options_.health_listen_address}});
  }
  return absl::OkStatus();
}

void GrpcServerRunner::SetHealth(const std::string& service_name, bool serving) {
  absl::MutexLock lock(&health_mu_);
  named_health_[service_name] = serving;
  if (health_ready_) server_->GetHealthCheckService()->SetServingStatus(service_name, serving);
}

void GrpcServerRunner::Shutdown() {
  if (!server_) return;
  {
    absl::MutexLock lock(&health_mu_);
    health_ready_ = false;
  }
  server_->GetHealthCheckService()->SetServingStatus(false);
  if (health_service_) static_cast<ProbeHealthService*>(health_service_.get())->SetServing(false);
  server_->Shutdown(absl::ToChronoTime(absl::Now() + options_.drain_timeout));
  server_->Wait();
  if (health_server_) {
    health_server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
    health_server_->Wait();
    health_server_.reset();
  }
  raw_server_ = nullptr;
  server_.reset();
}

}  // namespace hosho
