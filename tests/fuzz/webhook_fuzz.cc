// The web form's webhook body (POST /webhooks/form), correctly signed, as the form service could post
// it: FormWebhook::Handle end to end up to Submit, and MapFormAnswer on the same answer, judged by the
// rules at the door.
//
// Handle runs against fakes: every 工事番号 not starting with '0' is a registered contract, and the rate
// limiter refuses, which is the first thing IntakeServiceImpl::Submit asks, so a body that maps stops
// there (429) before any store or Kafka would be needed. Handle keeps the request it maps to itself;
// to check that request, this target builds the same FormAnswer from the JSON (as webhook.cc does)
// and maps it with MapFormAnswer.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "services/common/http/http_server.h"
#include "services/common/text/text.h"
#include "services/intake/form_import.h"
#include "services/intake/webhook.h"
#include "tests/fuzz/fuzz_support.h"

namespace hosho::fuzz {
namespace {

using nlohmann::json;

constexpr char kSecret[] = "fuzz-webhook-secret";

// The answer as webhook.cc reads it; nullopt where Handle refuses the body before mapping.
std::optional<FormAnswer> AnswerOf(const FormMapping& m, const std::string& body) {
  if (!IsValidUtf8(body)) return std::nullopt;
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  FormAnswer answer;
  auto receipt = doc.find(m.json_receipt);
  if (receipt == doc.end() || !(receipt->is_string() || receipt->is_number_integer())) return std::nullopt;
  answer.receipt = receipt->is_string() ? receipt->get<std::string>() : std::to_string(receipt->get<int64_t>());
  auto answers = doc.find(m.json_answers);
  if (answers == doc.end() || !answers->is_object()) return std::nullopt;
  for (const auto& [label, value] : answers->items()) {
    if (value.is_string()) {
      answer.values[NormalizeText(label)] = value.get<std::string>();
    } else if (value.is_number_integer()) {
      answer.values[NormalizeText(label)] = std::to_string(value.get<int64_t>());
    } else if (!value.is_null()) {
      return std::nullopt;
    }
  }
  if (auto files = doc.find(m.json_files); files != doc.end() && !files->is_null()) {
    if (!files->is_array()) return std::nullopt;
    for (const auto& f : *files) {
      if (!f.is_object() || !f.value("label", json()).is_string() || !f.value("data_base64", json()).is_string()) {
        return std::nullopt;
      }
      FormFile file;
      file.label = f["label"].get<std::string>();
      file.filename = f.value("filename", "");
      file.media_type = f.value("content_type", "");
      if (!absl::Base64Unescape(f["data_base64"].get<std::string>(), &file.content)) return std::nullopt;
      answer.files.push_back(std::move(file));
    }
  }
  return answer;
}

HttpCall SignedCall(const std::string& body, const std::string& timestamp, const std::string& signature) {
  HttpCall call;
  call.method = "POST";
  call.path = "/webhooks/form";
  call.body = body;
  call.remote_address = "127.0.0.1";
  call.headers["content-type"] = "application/json";
  call.headers["x-hosho-timestamp"] = timestamp;
  call.headers["x-hosho-signature"] = signature;
  return call;
}

// Every refusal is the documented JSON: {error: {code, message_ja, violations: [...]}}.
void CheckErrorReply(const HttpReply& reply) {
  FUZZ_CHECK(reply.status >= 400 && reply.status < 600 && reply.status != 500,
             absl::StrCat("webhook answered ", reply.status, ": ", reply.body));
  FUZZ_CHECK(IsValidUtf8(reply.body), "the webhook's answer is not UTF-8");
  json doc = json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(!doc.is_discarded() && doc.is_object() && doc.contains("error"), "not an error document: " + reply.body);
  const json& error = doc["error"];
  FUZZ_CHECK(error.is_object() && error.value("code", json()).is_string() &&
                 !error["code"].get<std::string>().empty() && error.value("violations", json()).is_array(),
             "error without a code or violations: " + reply.body);
}

}  // namespace
}  // namespace hosho::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  hosho::fuzz::QuietLogs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hosho;
  using namespace hosho::fuzz;
  static FakeIntake* intake = new FakeIntake();
  static const FormMapping* mapping = new FormMapping(FormMapping::Default());
  static FormWebhook* webhook = new FormWebhook(mapping, &intake->intake, kSecret, &intake->clock);
  const std::string body(reinterpret_cast<const char*>(data), size);

  // Signed as the form service signs it: the body reaches the JSON and the mapping.
  const int64_t now = absl::ToUnixSeconds(intake->clock.Now());
  const int64_t refused_before = intake->limiter.refused;
  HttpReply reply = webhook->Handle(SignedCall(body, std::to_string(now), WebhookSignature(kSecret, now, body)));
  CheckErrorReply(reply);
  const bool mapped = intake->limiter.refused > refused_before;
  FUZZ_CHECK(!mapped || reply.status == 429,
             absl::StrCat("Submit refused by the limiter, but answered ", reply.status));

  // The same body under the input's own first bytes as timestamp and a wrong signature: always 401.
  const std::string timestamp = body.substr(0, std::min<size_t>(size, 16));
  HttpReply unsigned_reply = webhook->Handle(SignedCall(body, timestamp, "sha256=00"));
  CheckErrorReply(unsigned_reply);
  FUZZ_CHECK(unsigned_reply.status == 401, absl::StrCat("a wrong signature answered ", unsigned_reply.status));

  if (auto answer = AnswerOf(*mapping, body)) {
    auto request = MapFormAnswer(*mapping, *answer, intake->intake);
    if (!request.ok()) {
      CheckRefusal(request.status());
      CheckRefusal(LabelViolations(*mapping, request.status()));
    } else {
      FUZZ_CHECK(request->channel() == hosho::v1::CHANNEL_WEB_FORM, "a form answer not on the web-form channel");
      FUZZ_CHECK(request->client_request_id() == "form-" + request->source_receipt(), "request id is not the receipt");
      FUZZ_CHECK(request->contract_id() == kContractId, "a contract id that did not come from the registry");
      DoorChecks(*request);
    }
  }
  return 0;
}
