#include "services/notification/notice_templates.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "services/common/runtime/config.h"

namespace hosho {
namespace {

const absl::flat_hash_set<std::string>& KnownPlaceholders() {
  static const auto* known = new absl::flat_hash_set<std::string>{"case_id",      "contract_number",
                                                                  "project_name", "contractor_name",
                                                                  "kind",         "issuer",
                                                                  "office",       "from_office",
                                                                  "to_office",    "received_at",
                                                                  "deadline",     "task",
                                                                  "reasons",      "note",
                                                                  "state",        "accounting_reference",
                                                                  "amount",       "guarantee_number"};
  return *known;
}

const char* AudienceKey(hosho::v1::Notice::Audience audience) {
  return audience == hosho::v1::Notice::AUDIENCE_CONTRACTOR ? "contractor" : "office";
}

absl::Status CheckPlaceholders(absl::string_view text, absl::string_view where) {
  size_t at = 0;
  while ((at = text.find('{', at)) != absl::string_view::npos) {
    const size_t end = text.find('}', at);
    if (end == absl::string_view::npos) return absl::InvalidArgumentError(absl::StrCat(where, ": unclosed {"));
    const std::string name(text.substr(at + 1, end - at - 1));
    if (!KnownPlaceholders().contains(name)) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": unknown placeholder {", name, "}"));
    }
    at = end + 1;
  }
  return absl::OkStatus();
}

}  // namespace

std::string RenderTemplate(absl::string_view text, const NoticeTemplates::Variables& vars) {
  std::string out;
  size_t at = 0;
  while (at < text.size()) {
    const size_t open = text.find('{', at);
    const size_t close = open == absl::string_view::npos ? open : text.find('}', open);
    if (close == absl::string_view::npos) {
      absl::StrAppend(&out, text.substr(at));
      break;
    }
    absl::StrAppend(&out, text.substr(at, open - at));
    auto it = vars.find(std::string(text.substr(open + 1, close - open - 1)));
    absl::StrAppend(&out, it != vars.end() ? it->second : std::string(text.substr(open, close - open + 1)));
    at = close + 1;
  }
  return out;
}

absl::StatusOr<NoticeTemplates> NoticeTemplates::FromConfig(const Config& config) {
  NoticeTemplates t;
  t.subject_ = config.GetString("subject", "【電子保証】{contract_number} {project_name}");
  t.signature_ = config.GetString("signature");
  t.from_ = config.GetString("mail.from");
  t.message_id_domain_ = config.GetString("mail.message_id_domain", "hosho.localhost");
  if (t.from_.find('@') == std::string::npos) return absl::InvalidArgumentError("mail.from is not an address");
  for (const auto& [where, text] :
       {std::pair<std::string, std::string>{"subject", t.subject_}, {"signature", t.signature_}}) {
    if (absl::Status s = CheckPlaceholders(text, where); !s.ok()) return s;
  }
  for (const std::string& kind : Kinds()) {
    for (const char* audience : {"office", "contractor"}) {
      const std::string path = absl::StrCat("notices.", kind, ".", audience);
      if (!config.Has(path)) continue;
      const std::string body = config.GetString(path);
      if (absl::Status s = CheckPlaceholders(body, path); !s.ok()) return s;
      t.bodies_[absl::StrCat(kind, "/", audience)] = body;
    }
  }
  if (t.bodies_.empty()) return absl::InvalidArgumentError("notices: no template is listed");
  return t;
}

const std::vector<std::string>& NoticeTemplates::Kinds() {
  static const auto* kinds = new std::vector<std::string>(
      {"receipt", "returned", "routed", "verification_escalated", "concluded", "forwarded", "payment_handoff",
       "deadline_approaching", "deadline_breached", "withdrawn", "amended_guarantee_required"});
  return *kinds;
}

absl::StatusOr<NoticeTemplates> NoticeTemplates::FromFile(const std::string& path) {
  auto config = Config::Load("", path);
  if (!config.ok()) return config.status();
  auto t = FromConfig(*config);
  if (!t.ok()) return absl::Status(t.status().code(), absl::StrCat(path, ": ", t.status().message()));
  return t;
}

bool NoticeTemplates::Has(absl::string_view kind, hosho::v1::Notice::Audience audience) const {
  return bodies_.contains(absl::StrCat(kind, "/", AudienceKey(audience)));
}

std::string NoticeTemplates::Subject(const Variables& vars) const { return RenderTemplate(subject_, vars); }

std::string NoticeTemplates::Body(absl::string_view kind, hosho::v1::Notice::Audience audience,
                                  const Variables& vars) const {
  auto it = bodies_.find(absl::StrCat(kind, "/", AudienceKey(audience)));
  if (it == bodies_.end()) return "";
  std::string body = RenderTemplate(it->second, vars);
  while (!body.empty() && body.back() == '\n') body.pop_back();
  return absl::StrCat(body, "\n", RenderTemplate(signature_, vars));
}

}  // namespace hosho
