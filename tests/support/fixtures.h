#pragma once

#include <string>

#include "services/stack/stack.h"

namespace hosho::testing {

// The bytes of a file, empty when it cannot be read.
std::string ReadFileBytes(const std::string& path);
// The bytes of a file of the repository (fixtures, demo inputs), by its path from the root.
std::string SourceFile(const std::string& relative);
// A test CA, a server certificate for localhost/127.0.0.1 (server.crt/.key) and a client certificate
// with CN=hosho-verification (client.crt/.key) in `dir`, made with openssl; false when openssl failed.
bool MakeTestCertificates(const std::string& dir);
// After MakeTestCertificates: server-expired.crt, the same key signed by the same CA, valid until
// yesterday.
bool MakeExpiredServerCertificate(const std::string& dir);
// A stack of the real binaries: a fresh temporary run directory (`prefix`), free ports.
StackOptions TestStackOptions(const std::string& prefix);

}  // namespace hosho::testing
