#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace hosho {

// What MakeDevelopmentTls writes into its directory.
struct TlsFiles {
  std::string ca_file, cert_file, key_file;
  std::string client_cert_file, client_key_file;  // empty without a client certificate
};

struct DevelopmentTlsOptions {
  int days = 30;
  std::string ca_name = "hosho development CA";
  // Non-empty: also a client certificate (client.crt, client.key) with this common name, for mTLS.
  std::string client_common_name;
};

// A CA and a server certificate for localhost and 127.0.0.1 (P-256), made with Debian's openssl
// like any operator would, in `dir` (created 0700; the CA's key stays there, and so do the server's
// request and SAN file, so that a test can sign another certificate with the same CA). What openssl
// printed is in <dir>/openssl.log.
absl::StatusOr<TlsFiles> MakeDevelopmentTls(const std::string& dir, const DevelopmentTlsOptions& options = {});

}  // namespace hosho
