#include "services/stack/development_secrets.h"

#include "absl/strings/str_cat.h"
#include "services/common/crypto/passwords.h"
#include "services/common/crypto/sealing.h"
#include "services/stack/run_files.h"

namespace hosho {
namespace {

namespace fs = std::filesystem;

struct DevPrincipal {
  const char* name;
  const char* role;
  const char* office;
};

// Development principals; tokens are random per start and stored only hashed
// in the principals file.
constexpr DevPrincipal kPrincipals[] = {
    {"demo-submitter", "submitter", ""},
    {"city-contract-system", "integration", ""},
    {"operator", "operator", ""},
    {"contract-division-clerk", "clerk", "contract-division"},
    {"contract-division-clerk-2", "clerk", "contract-division"},
    {"road-maintenance-clerk", "clerk", "road-maintenance"},
    {"water-sewerage-policy-clerk", "clerk", "water-sewerage-policy"},
    {"sewerage-works-clerk", "clerk", "sewerage-works"},
    {"bridges-clerk", "clerk", "bridges"},
    {"parks-clerk", "clerk", "parks"},
    {"hosho-verification", "service", ""},
    {"hosho-routing", "service", ""},
    {"hosho-console", "service", ""},
};

// Development console accounts (sign-in with a password; Argon2id in the accounts file).
struct DevAccount {
  const char* username;
  const char* display_name;
  const char* office;
  const char* role;
};
constexpr DevAccount kConsoleAccounts[] = {
    {"keiyaku", "契約 花子", "contract-division", "clerk"}, {"keiyaku2", "契約 次郎", "contract-division", "clerk"},
    {"doro", "道路 太郎", "road-maintenance", "clerk"},     {"suido", "水道 一郎", "water-sewerage-policy", "clerk"},
    {"gesui", "下水 三郎", "sewerage-works", "clerk"},      {"unyo", "運用 担当", "", "operator"},
};

// A random token per development principal (<run>/tokens, 0600) and the principals file with their
// hashes. Returns the principals file.
absl::StatusOr<std::string> WritePrincipals(const fs::path& run, const std::string& extra_tokens, StackEndpoints& e) {
  std::string principals = "tokens:\n";
  for (const DevPrincipal& p : kPrincipals) {
    const std::string token = RandomHex(24);
    const fs::path file = run / "tokens" / (std::string(p.name) + ".token");
    if (auto s = WriteRunFile(file, token + "\n", true); !s.ok()) return s;
    e.token_files[p.name] = file.string();
    absl::StrAppend(&principals, "  - {sha256: ", Sha256Hex(token), ", principal: ", p.name, ", role: ", p.role,
                    ", office: \"", p.office, "\"",
                    std::string(p.name) == "hosho-console" ? ", acts_for: [clerk, operator]" : "", "}\n");
  }
  if (!extra_tokens.empty()) absl::StrAppend(&principals, extra_tokens, "\n");
  const fs::path principals_file = run / "secrets" / "principals.yaml";
  if (auto s = WriteRunFile(principals_file, principals, true); !s.ok()) return s;
  return principals_file.string();
}

// Console accounts: random passwords, kept in a 0600 file for the person running the stack. Returns
// the accounts file (Argon2id hashes).
absl::StatusOr<std::string> WriteConsoleAccounts(const fs::path& run, StackEndpoints& e) {
  std::string accounts = "accounts:\n";
  std::string passwords = "# hosho-console development accounts (user  password  office  role)\n";
  for (const DevAccount& a : kConsoleAccounts) {
    const std::string password = RandomHex(8);
    auto hash = HashPassword(password);
    if (!hash.ok()) return hash.status();
    e.console_passwords[a.username] = password;
    absl::StrAppend(&accounts, "  - {username: ", a.username, ", display_name: \"", a.display_name, "\", office: \"",
                    a.office, "\", role: ", a.role, ", password_hash: \"", *hash, "\"}\n");
    absl::StrAppend(&passwords, a.username, "  ", password, "  ", a.office, "  ", a.role, "\n");
  }
  const fs::path accounts_file = run / "secrets" / "console-accounts.yaml";
  if (auto s = WriteRunFile(accounts_file, accounts, true); !s.ok()) return s;
  if (auto s = WriteRunFile(run / "secrets" / "console-accounts.txt", passwords, true); !s.ok()) return s;
  return accounts_file.string();
}

}  // namespace

absl::StatusOr<DevelopmentSecrets> WriteDevelopmentSecrets(const fs::path& run, const std::string& extra_tokens,
                                                           StackEndpoints& e) {
  DevelopmentSecrets secrets;
  const fs::path keyring = run / "secrets" / "keyring.yaml";
  if (auto s = WriteRunFile(keyring, KeyRing::GenerateYaml("dev-1"), true); !s.ok()) return s;
  secrets.keyring_file = keyring.string();
  absl::StatusOr<std::string> principals = WritePrincipals(run, extra_tokens, e);
  if (!principals.ok()) return principals.status();
  secrets.principals_file = *principals;
  absl::StatusOr<std::string> accounts = WriteConsoleAccounts(run, e);
  if (!accounts.ok()) return accounts.status();
  secrets.accounts_file = *accounts;
  e.webhook_secret_file = (run / "secrets" / "webhook.secret").string();
  if (auto s = WriteRunFile(e.webhook_secret_file, RandomHex(32) + "\n", true); !s.ok()) return s;
  return secrets;
}

}  // namespace hosho
