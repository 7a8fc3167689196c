#pragma once

#include <string>

namespace hosho {

// True for 127.0.0.0/8, ::1 and localhost: the addresses where plaintext (gRPC, HTTP, SMTP, IMAP) is
// allowed, because nothing leaves the machine.
bool IsLoopbackAddress(const std::string& host_port);

}  // namespace hosho
