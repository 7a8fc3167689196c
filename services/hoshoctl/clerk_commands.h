#pragma once

#include "services/hoshoctl/client.h"
#include "services/hoshoctl/commands.h"

namespace hosho::ctl {

// The commands of an office's clerk (--as=<clerk principal>); each returns the exit status.

// tasks [--office=X], claim TASK, release TASK
int ListClerkTasks(HoshoClient& client, const Args& args);
int ClaimClerkTask(HoshoClient& client, const Args& args);
int ReleaseClerkTask(HoshoClient& client, const Args& args);
// reveal TASK --reason=TEXT: prints the credential; every showing is recorded in the case history.
int RevealTaskCredential(HoshoClient& client, const Args& args);
// record TASK (--certificate=FILE.yaml | --no-certificate=REASON)
int RecordTaskCertificate(HoshoClient& client, const Args& args);
// The hand-off steps: conclude, acknowledge, payment-handoff CASE [--note=T], withdraw CASE --note=REASON.
int Conclude(HoshoClient& client, const Args& args);
int Acknowledge(HoshoClient& client, const Args& args);
int HandOffPayment(HoshoClient& client, const Args& args);
int Withdraw(HoshoClient& client, const Args& args);
// office-watch [OFFICE] [--after=CURSOR]: an office's notices as they come, with their cursors.
int WatchOfficeNotices(HoshoClient& client, const Args& args);
// ledger [--office=X|*] [--from=DATE] [--to=DATE] [--kind=K] [--state=S] [--format=csv|csv-sjis|xlsx]
// [--out=FILE]: the guarantee ledger (保証台帳) into a file.
int ExportLedger(HoshoClient& client, const Args& args);

}  // namespace hosho::ctl
