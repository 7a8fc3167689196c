#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "hosho/v1/intake.pb.h"
#include "services/common/auth/auth.h"
#include "services/common/mail/mail.h"

namespace hosho {

class IntakeServiceImpl;

// Reads a mailed submission (flow B: the contractor mails the key and the invoice to the
// department in charge). Subject 「【電子保証】工事番号 案件名」; body or an attached
// 「認証キー」のお知らせ (text) with lines such as 保証契約番号：…, 認証キー：…, 保証の種類：…,
// 保証会社：…, 請求金額：…; PDFs attached: 請求書 (invoice), 発注者提出用フォーマット, and a
// 保証証書 PDF, which R04 refuses. Idempotent on the Message-ID.
// A text part as UTF-8: as GMime converted it, or, when its charset label was missing or wrong,
// decoded as ISO-2022-JP or Shift_JIS (CP932). INVALID_ARGUMENT when it is none of these.
absl::StatusOr<std::string> MailPartText(const MailPart& part);
absl::StatusOr<hosho::v1::SubmitGuaranteeRequest> MapMail(const MailMessage& mail, IntakeServiceImpl& intake);

struct MailPollResult {
  int accepted = 0;
  int replayed = 0;
  int duplicates = 0;
  int refused = 0;
  int deferred = 0;  // left unmarked for the next poll (Kafka or Redis away)
};

// Polls a mailbox, submits every unhandled message and marks it $HoshoDone (and
// $HoshoRefused when refused), only after intake has answered; a message whose submission
// could not be stored stays unmarked and is read again. Run is the loop a ServiceHost runs.
class MailIntake {
 public:
  static constexpr char kDoneKeyword[] = "$HoshoDone";
  static constexpr char kRefusedKeyword[] = "$HoshoRefused";

  MailIntake(std::unique_ptr<Mailbox> mailbox, IntakeServiceImpl* intake, absl::Duration interval);
  absl::StatusOr<MailPollResult> PollOnce();
  // Polls at once, then every `interval`, until `stop` is notified; a failed poll is logged.
  void Run(const absl::Notification& stop);

 private:
  std::unique_ptr<Mailbox> mailbox_;
  IntakeServiceImpl* intake_;
  absl::Duration interval_;
  Principal principal_{"mail-intake", Role::kIntegration, ""};
  absl::Mutex mu_;  // one poll at a time
};

}  // namespace hosho
