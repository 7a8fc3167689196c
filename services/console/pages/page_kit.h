#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "hosho/v1/domain.pb.h"
#include "services/common/http/http_server.h"
#include "services/console/console_deps.h"
#include "services/console/html.h"
#include "services/console/i18n.h"
#include "services/console/request_context.h"

namespace hosho {

// A case's states in the order of its life, and the guarantee kinds: the rows and options of every
// table and filter that lists them.
inline constexpr const char* kCaseStates[] = {
    "RECEIVED",  "AWAITING_VERIFICATION", "VERIFYING", "VERIFIED", "RETURNED", "ROUTED", "CONTRACT_CONCLUDED",
    "FORWARDED", "PAYMENT_HANDED_OFF",    "CLOSED",    "WITHDRAWN"};
inline constexpr const char* kGuaranteeKinds[] = {"GUARANTEE_KIND_CONTRACT", "GUARANTEE_KIND_ADVANCE_PAYMENT",
                                                  "GUARANTEE_KIND_INTERMEDIATE_ADVANCE_PAYMENT"};

class PageKit;
// A page behind the request layer: runs only for a signed-in user (and a form only with its token).
using PageHandler = HttpReply (*)(const PageKit& kit, const RequestContext& r);

// What every page module works with: the console's dependencies and options, the request layer in
// front of its pages, and the frame, labels and options its pages share.
class PageKit {
 public:
  PageKit(ConsoleDeps deps, ConsoleOptions options);

  const ConsoleDeps& deps() const { return deps_; }
  const ConsoleOptions& options() const { return options_; }
  // The live feeds open on this replica: each holds an HTTP worker until its stream ends.
  const std::shared_ptr<std::atomic<int>>& open_feeds() const { return open_feeds_; }

  // A route to `page` through the request layer. The route refers to this kit, which must outlive it.
  HttpRoute PageRoute(std::string method, std::string pattern, PageHandler page) const;

  // A page in the shared frame, with the security headers; `flash` is HTML (already escaped).
  HttpReply Page(const RequestContext& r, int status, const std::string& title, const std::string& body,
                 const std::string& flash = "", bool flash_error = false) const;
  // The page for a failed call: what the service said (its field violations), or "not answering".
  HttpReply ErrorPage(const RequestContext& r, const absl::Status& status) const;

  // "契約課" for an office code ("—" for none; the code itself in English or without a directory).
  std::string OfficeLabel(Lang lang, const std::string& code) const;
  // "田中（契約課・職員）": the signed-in user as the page header shows them.
  std::string UserLabel(const RequestContext& r) const;
  // The directory's offices, labelled.
  Choices OfficeChoices(Lang lang) const;
  // A filter's offices: any, the directory's offices, the operators' queue.
  Choices OfficeFilterChoices(Lang lang) const;

 private:
  HttpReply Serve(const HttpCall& call, PageHandler page) const;
  HttpReply Refuse(const ResolvedRequest& resolved) const;
  HttpReply SignInRequired(const RequestContext& r) const;

  ConsoleDeps deps_;
  ConsoleOptions options_;
  std::shared_ptr<std::atomic<int>> open_feeds_ = std::make_shared<std::atomic<int>>(0);
};

// The states and the kinds as options, labelled in `lang`.
Choices StateChoices(Lang lang);
Choices KindChoices(Lang lang);
// `choices` after a first option "" labelled "any" (a filter that is not set).
Choices WithAny(Lang lang, Choices choices);

// The rule results of a verification as a table (outcome, message and code, expected, found).
std::string RuleTable(Lang lang, const google::protobuf::RepeatedPtrField<hosho::v1::RuleResult>& rules);

}  // namespace hosho
