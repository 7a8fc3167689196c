#include "services/common/grpc/grpc_client.h"

#include <grpcpp/grpcpp.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "services/common/runtime/config.h"
#include "services/common/runtime/net.h"

namespace hosho {
namespace {
absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}
}  // namespace

ChannelOptions ChannelOptionsFromConfig(const Config& config, const std::string& prefix) {
  ChannelOptions o;
  o.target = config.GetString(prefix + ".target");
  o.dev_plaintext = config.GetBool(prefix + ".dev_plaintext", false);
  o.ca_file = config.ResolvePath(config.GetString(prefix + ".tls.ca_file"));
  o.cert_file = config.ResolvePath(config.GetString(prefix + ".tls.cert_file"));
  o.key_file = config.ResolvePath(config.GetString(prefix + ".tls.key_file"));
  return o;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const ChannelOptions& options) {
  if (options.target.empty()) return absl::InvalidArgumentError("channel target is empty");
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(16 << 20);
  if (options.dev_plaintext) {
    if (!IsLoopbackAddress(options.target)) {
      return absl::FailedPreconditionError(
          absl::StrCat("plaintext gRPC is allowed only to loopback, not ", options.target));
    }
    return grpc::CreateCustomChannel(options.target, grpc::InsecureChannelCredentials(), args);
  }
  grpc::SslCredentialsOptions ssl;
  if (!options.ca_file.empty()) {
    auto ca = ReadFile(options.ca_file);
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *ca;
  }
  if (!options.cert_file.empty()) {
    auto cert = ReadFile(options.cert_file);
    auto key = ReadFile(options.key_file);
    if (!cert.ok()) return cert.status();
    if (!key.ok()) return key.status();
    ssl.pem_cert_chain = *cert;
    ssl.pem_private_key = *key;
  }
  return grpc::CreateCustomChannel(options.target, grpc::SslCredentials(ssl), args);
}

}  // namespace hosho
