#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/auth/auth.h"
#include "services/common/crypto/passwords.h"

namespace hosho {

// A person who signs in to the console: a clerk of one office (課) or an operator.
struct ConsoleAccount {
  std::string username;
  std::string display_name;
  std::string office;         // required for clerks
  Role role = Role::kClerk;   // clerk or operator
  std::string password_hash;  // Argon2id PHC string; empty: sign-in only through the trusted proxy
};

// The console's accounts file (YAML):
//   accounts:
//     - {username: tanaka, display_name: 田中, office: contract-division, role: clerk,
//        password_hash: "$argon2id$v=19$..."}
// `hoshoctl account-new` prints such a line.
class AccountBook {
 public:
  static absl::StatusOr<AccountBook> FromYaml(absl::string_view yaml);
  static absl::StatusOr<AccountBook> FromFile(const std::string& path);

  const ConsoleAccount* Find(absl::string_view username) const;
  // The account when the password matches; UNAUTHENTICATED otherwise, in the same time whether the
  // name is unknown or the password wrong (an unknown name uses no Argon2id memory); UNAVAILABLE
  // when every verification slot stayed busy.
  absl::StatusOr<ConsoleAccount> SignIn(absl::string_view username, absl::string_view password) const;
  // Bounds sign-in hashing (default: 2 at once, 5 s wait); set before serving.
  void SetVerifier(std::shared_ptr<PasswordVerifier> verifier) { verifier_ = std::move(verifier); }
  size_t size() const { return accounts_.size(); }

 private:
  std::vector<ConsoleAccount> accounts_;
  absl::flat_hash_map<std::string, size_t> by_name_;
  std::shared_ptr<PasswordVerifier> verifier_ = std::make_shared<PasswordVerifier>(2, absl::Seconds(5));
};

// The principal the console acts as for an account (its calls carry x-hosho-acting-for).
Principal PrincipalOf(const ConsoleAccount& account);

}  // namespace hosho
