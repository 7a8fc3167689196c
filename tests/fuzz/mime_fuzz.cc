// A mailed submission as the mailbox hands it over: ParseMail (GMime), each text part as intake reads
// it (MailPartText), and MapMail onto a submission, which the rules at the door then judge. MapMail
// needs intake only for the 工事番号 look-up and the keyed fingerprint of a mail without Message-ID,
// which the fakes provide; nothing here reaches Redis, Kafka or the network.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/mail/mail.h"
#include "services/common/text/text.h"
#include "services/intake/mail_intake.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  hosho::fuzz::QuietLogs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hosho;
  using namespace hosho::fuzz;
  static FakeIntake* intake = new FakeIntake();  // lives for the process, like the service's
  auto mail = ParseMail(absl::string_view(reinterpret_cast<const char*>(data), size));
  if (!mail.ok()) {
    FUZZ_CHECK(mail.status().code() == absl::StatusCode::kInvalidArgument, mail.status().ToString());
    return 0;
  }
  for (const MailPart& part : mail->parts) {
    FUZZ_CHECK(!part.media_type.empty(), "a part without a media type");
    if (!part.is_text) continue;
    if (auto text = MailPartText(part); text.ok()) FUZZ_CHECK(IsValidUtf8(*text), "MailPartText gave non-UTF-8 text");
  }

  auto request = MapMail(*mail, intake->intake);
  if (!request.ok()) {
    CheckRefusal(request.status());
    return 0;
  }
  FUZZ_CHECK(request->channel() == hosho::v1::CHANNEL_EMAIL, "a mail not on the e-mail channel");
  // The receipt identifies the arrival: its Message-ID (hashed) or a keyed fingerprint, never the
  // credential itself.
  FUZZ_CHECK(absl::StartsWith(request->source_receipt(), "mail-"), "receipt " + request->source_receipt());
  FUZZ_CHECK(request->client_request_id() == request->source_receipt(), "request id is not the receipt");
  // (Keys of 12 or more characters: a shorter one may occur in 40 hex digits by chance.)
  if (request->has_d_sure() && request->d_sure().authentication_key().size() >= 12) {
    FUZZ_CHECK(!absl::StrContains(request->source_receipt(), request->d_sure().authentication_key()),
               "the receipt shows the authentication key");
  }
  FUZZ_CHECK(request->contract_id() == kContractId, "a contract id that did not come from the registry");
  DoorChecks(*request);
  return 0;
}
