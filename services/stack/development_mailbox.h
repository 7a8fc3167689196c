#pragma once

#include <filesystem>
#include <string>

#include "absl/status/statusor.h"

namespace hosho {

// What WriteDovecotConfig writes for the development mailbox that intake polls.
struct MailboxFiles {
  std::string config;
  std::string user;
  std::string password_file;
};

// Writes the configuration of a dovecot serving one IMAP user (intake@city.example, a random password)
// on 127.0.0.1:`port`, its mail kept under `dir`. As root, the mail belongs to nobody (dovecot refuses
// uid 0); otherwise everything runs as the calling user.
absl::StatusOr<MailboxFiles> WriteDovecotConfig(const std::filesystem::path& dir, int port);

// Awaits the mailbox (up to 30 s): signs in over IMAP as its user and lists it.
absl::Status AwaitMailbox(const std::filesystem::path& dir, int port);

}  // namespace hosho
