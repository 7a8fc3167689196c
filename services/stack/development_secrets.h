#pragma once

#include <filesystem>
#include <string>

#include "absl/status/statusor.h"
#include "services/stack/stack.h"

namespace hosho {

// Where WriteDevelopmentSecrets put what the services read.
struct DevelopmentSecrets {
  std::string keyring_file;
  std::string principals_file;
  std::string accounts_file;  // the console's accounts
};

// A stack's development secrets under `run`, each 0600 and new per start: a sealing key ring
// (secrets/keyring.yaml), a random token per development principal (tokens/<principal>.token) and the
// principals file with their hashes and `extra_tokens` (secrets/principals.yaml), console accounts with
// random passwords (secrets/console-accounts.yaml with Argon2id hashes, the passwords themselves in
// secrets/console-accounts.txt) and the webhook's key (secrets/webhook.secret). Fills the endpoints'
// token_files, console_passwords and webhook_secret_file.
absl::StatusOr<DevelopmentSecrets> WriteDevelopmentSecrets(const std::filesystem::path& run,
                                                           const std::string& extra_tokens, StackEndpoints& endpoints);

}  // namespace hosho
