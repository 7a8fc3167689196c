#include "services/console/accounts.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "services/common/crypto/passwords.h"
#include "services/common/runtime/config.h"

namespace hosho {

absl::StatusOr<AccountBook> AccountBook::FromYaml(absl::string_view yaml) {
  auto config = Config::FromYaml(yaml);
  if (!config.ok()) return absl::InvalidArgumentError(absl::StrCat("accounts file: ", config.status().message()));
  AccountBook book;
  int index = 0;
  for (const Config& item : config->GetList("accounts")) {
    ConsoleAccount a;
    a.username = item.GetString("username");
    a.display_name = item.GetString("display_name", a.username);
    a.office = item.GetString("office");
    a.password_hash = item.GetString("password_hash");
    auto role = ParseRole(item.GetString("role"));
    const std::string where = absl::StrCat("accounts[", index++, "] (", a.username, ")");
    if (a.username.empty() || a.username.find_first_of(";\r\n ") != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": username must be non-empty, without ';' or spaces"));
    }
    if (!role.ok() || (*role != Role::kClerk && *role != Role::kOperator)) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": role must be clerk or operator"));
    }
    a.role = *role;
    if (a.role == Role::kClerk && a.office.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": a clerk needs an office"));
    }
    if (!a.password_hash.empty() && a.password_hash.rfind("$argon2id$", 0) != 0) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": password_hash must be an Argon2id PHC string"));
    }
    if (book.by_name_.contains(a.username)) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": username repeated"));
    }
    book.by_name_[a.username] = book.accounts_.size();
    book.accounts_.push_back(std::move(a));
  }
  return book;
}

absl::StatusOr<AccountBook> AccountBook::FromFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("accounts file not readable: ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto book = FromYaml(buffer.str());
  if (!book.ok()) return absl::Status(book.status().code(), absl::StrCat(path, ": ", book.status().message()));
  return book;
}

const ConsoleAccount* AccountBook::Find(absl::string_view username) const {
  auto it = by_name_.find(username);
  return it == by_name_.end() ? nullptr : &accounts_[it->second];
}

absl::StatusOr<ConsoleAccount> AccountBook::SignIn(absl::string_view username, absl::string_view password) const {
  const ConsoleAccount* account = Find(username);
  const bool local = account != nullptr && !account->password_hash.empty();
  // An unknown name waits as long as a verification takes, so that timing tells nothing about
  // which names exist, but holds no Argon2id memory.
  const PasswordVerifier::Outcome outcome =
      local ? verifier_->Verify(account->password_hash, password) : verifier_->VerifyUnknown();
  if (outcome == PasswordVerifier::Outcome::kBusy) {
    return absl::UnavailableError("too many sign-ins at once; try again");
  }
  if (outcome != PasswordVerifier::Outcome::kMatch) return absl::UnauthenticatedError("unknown user or wrong password");
  return *account;
}

Principal PrincipalOf(const ConsoleAccount& account) {
  Principal p;
  p.name = account.username;
  p.role = account.role;
  p.office = account.role == Role::kClerk ? account.office : "";
  return p;
}

}  // namespace hosho
