#include "services/intake/webhook.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/crypto/sealing.h"
#include "services/common/runtime/errors.h"
#include "services/common/runtime/log.h"
#include "services/common/runtime/metrics.h"
#include "services/common/text/text.h"
#include "services/intake/intake_service.h"

namespace hosho {
namespace {

using nlohmann::json;

HttpReply ErrorReply(int status, const absl::Status& error) {
  json violations = json::array();
  std::vector<FieldViolation> list = ViolationsOf(error);
  for (const auto& v : list) violations.push_back({{"field", v.field}, {"code", v.code}, {"message_ja", v.message_ja}});
  const std::string code = list.empty() ? std::string(absl::StatusCodeToString(error.code())) : list.front().code;
  const std::string message = list.empty() ? std::string(error.message()) : list.front().message_ja;
  Metrics()
      .GetCounter("hosho_intake_webhook_total", "Web form webhook calls by outcome.",
                  {{"status", std::to_string(status)}})
      .Increment();
  const json body = {{"error", {{"code", code}, {"message_ja", message}, {"violations", violations}}}};
  return {status, body.dump(-1, ' ', false, json::error_handler_t::replace)};
}

HttpReply Refuse(int status, absl::string_view field, absl::string_view code, absl::string_view message) {
  return ErrorReply(status, ViolationStatus(absl::StatusCode::kInvalidArgument,
                                            {{std::string(field), std::string(code), std::string(message)}}));
}

// X-Hosho-Timestamp and X-Hosho-Signature: present, fresh and made with `secret` over this body.
std::optional<HttpReply> CheckSignature(const HttpCall& call, const std::string& secret, absl::Time now,
                                        absl::Duration max_skew) {
  const std::string timestamp = call.Header("x-hosho-timestamp");
  const std::string signature = call.Header("x-hosho-signature");
  if (timestamp.empty() || signature.empty()) {
    return Refuse(401, "X-Hosho-Signature", "SIGNATURE_MISSING",
                  "署名（X-Hosho-Timestamp, X-Hosho-Signature）がありません");
  }
  int64_t seconds = 0;
  // Unix seconds as the signer wrote them: digits only (no sign, no space), so one timestamp has
  // one spelling and the signature covers exactly what was checked.
  if (timestamp.size() > 12 || timestamp.find_first_not_of("0123456789") != std::string::npos ||
      !absl::SimpleAtoi(timestamp, &seconds)) {
    return Refuse(401, "X-Hosho-Timestamp", "SIGNATURE_TIMESTAMP_INVALID",
                  "署名の時刻（X-Hosho-Timestamp）はUNIX時刻の秒（数字のみ）で指定してください");
  }
  if (absl::AbsDuration(now - absl::FromUnixSeconds(seconds)) > max_skew) {
    return Refuse(401, "X-Hosho-Timestamp", "SIGNATURE_EXPIRED", "署名の時刻が現在時刻と離れすぎています");
  }
  if (!SecretEquals(signature, WebhookSignature(secret, seconds, call.body))) {
    LogWarn("webhook signature refused", {{"remote", call.remote_address}});
    return Refuse(401, "X-Hosho-Signature", "SIGNATURE_INVALID", "署名が正しくありません");
  }
  return std::nullopt;
}

// The attached files: each an object with a label and its content in base64.
std::optional<HttpReply> ReadFiles(const FormMapping& mapping, const json& files, FormAnswer& answer) {
  if (!files.is_array()) return Refuse(400, mapping.json_files, "FIELD_TYPE_INVALID", "files は配列にしてください");
  for (const auto& f : files) {
    if (!f.is_object() || !f.value("label", json()).is_string() || !f.value("data_base64", json()).is_string()) {
      return Refuse(400, mapping.json_files, "FIELD_TYPE_INVALID",
                    "添付ファイルには label と data_base64（文字列）が必要です");
    }
    FormFile file;
    file.label = f["label"].get<std::string>();
    file.filename = f.value("filename", "");
    file.media_type = f.value("content_type", "");
    if (!absl::Base64Unescape(f["data_base64"].get<std::string>(), &file.content)) {
      return Refuse(400, file.label, "ATTACHMENT_BASE64_INVALID", file.label + "のBase64が正しくありません");
    }
    answer.files.push_back(std::move(file));
  }
  return std::nullopt;
}

// The form's answer in the body's members (named by the mapping): receipt number, answers, files.
std::optional<HttpReply> ReadAnswer(const FormMapping& mapping, const json& body, FormAnswer& answer) {
  auto receipt = body.find(mapping.json_receipt);
  if (receipt == body.end() || !(receipt->is_string() || receipt->is_number_integer())) {
    return Refuse(400, mapping.json_receipt, "RECEIPT_MISSING",
                  mapping.receipt_label + "（" + mapping.json_receipt + "）がありません");
  }
  answer.receipt = receipt->is_string() ? receipt->get<std::string>() : std::to_string(receipt->get<int64_t>());
  auto answers = body.find(mapping.json_answers);
  if (answers == body.end() || !answers->is_object()) {
    return Refuse(400, mapping.json_answers, "ANSWERS_MISSING", "回答（" + mapping.json_answers + "）がありません");
  }
  for (const auto& [label, value] : answers->items()) {
    if (value.is_string()) {
      answer.values[NormalizeText(label)] = value.get<std::string>();
    } else if (value.is_number_integer()) {
      answer.values[NormalizeText(label)] = std::to_string(value.get<int64_t>());
    } else if (!value.is_null()) {
      return Refuse(400, label, "FIELD_TYPE_INVALID", label + "は文字列で送信してください");
    }
  }
  if (auto files = body.find(mapping.json_files); files != body.end() && !files->is_null()) {
    return ReadFiles(mapping, *files, answer);
  }
  return std::nullopt;
}

}  // namespace

FormWebhook::FormWebhook(const FormMapping* mapping, IntakeServiceImpl* intake, std::string secret, Clock* clock,
                         absl::Duration max_skew)
    : mapping_(mapping), intake_(intake), secret_(std::move(secret)), clock_(clock), max_skew_(max_skew) {}

HttpReply FormWebhook::Handle(const HttpCall& call) {
  // Who is calling: the signature first, before the body is even parsed.
  if (std::optional<HttpReply> refused = CheckSignature(call, secret_, clock_->Now(), max_skew_)) return *refused;
  if (!absl::StartsWith(call.Header("content-type"), "application/json")) {
    return Refuse(415, "Content-Type", "CONTENT_TYPE_INVALID", "Content-Type は application/json にしてください");
  }
  if (!IsValidUtf8(call.body)) {
    return Refuse(400, "", "TEXT_INVALID_UTF8", "本文の文字コードが正しくありません（UTF-8）");
  }
  json body = json::parse(call.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return Refuse(400, "", "JSON_INVALID", "本文がJSONとして読めません");
  if (!body.is_object()) return Refuse(400, "", "JSON_NOT_OBJECT", "本文はJSONオブジェクトにしてください");
  FormAnswer answer;
  if (std::optional<HttpReply> refused = ReadAnswer(*mapping_, body, answer)) return *refused;
  return Submit(answer, call.Header("traceparent"));
}

HttpReply FormWebhook::Submit(const FormAnswer& answer, const std::string& traceparent) {
  auto request = MapFormAnswer(*mapping_, answer, *intake_);
  if (!request.ok()) return ErrorReply(HttpStatusFor(request.status().code()), request.status());
  auto result = intake_->Submit(principal_, *request, traceparent, clock_->Now() + absl::Seconds(20));
  if (!result.ok()) {
    const absl::Status labelled = LabelViolations(*mapping_, result.status());
    return ErrorReply(HttpStatusFor(labelled.code()), labelled);
  }
  Metrics()
      .GetCounter("hosho_intake_webhook_total", "Web form webhook calls by outcome.", {{"status", "200"}})
      .Increment();
  return {200, json{{"case_id", result->case_id()},
                    {"state", hosho::v1::CaseState_Name(result->state())},
                    {"replayed", result->replayed()},
                    {"duplicate", result->duplicate()}}
                   .dump(-1, ' ', false, json::error_handler_t::replace)};
}

}  // namespace hosho
