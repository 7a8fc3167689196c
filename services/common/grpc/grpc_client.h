#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace grpc {
class Channel;
}

namespace hosho {

class Config;

struct ChannelOptions {
  std::string target;
  bool dev_plaintext = false;  // loopback only
  std::string ca_file;         // server CA for TLS
  std::string cert_file;       // client certificate for mTLS
  std::string key_file;
};

// Reads <prefix>.target, <prefix>.dev_plaintext, <prefix>.tls.{ca,cert,key}_file.
ChannelOptions ChannelOptionsFromConfig(const Config& config, const std::string& prefix);
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const ChannelOptions& options);

}  // namespace hosho
