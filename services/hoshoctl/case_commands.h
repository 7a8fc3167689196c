#pragma once

#include "services/hoshoctl/client.h"
#include "services/hoshoctl/commands.h"

namespace hosho::ctl {

// The commands on cases, contracts and the intake channels; each returns the exit status.

// demo [--scenario=FILE] [--clerks[=FILE]]: runs a scenario and prints its table (0 only if all OK).
int RunDemo(HoshoClient& client, const Args& args);
// submit --contract=ID --kind=K --issuer-kind=K --issuer=I --request-id=ID (credential flags) [--amount=YEN]
int Submit(HoshoClient& client, const Args& args);
// get CASE_ID, list [--office=X], watch CASE_ID, notices CASE_ID
int GetCase(HoshoClient& client, const Args& args);
int ListCases(HoshoClient& client, const Args& args);
int WatchCase(HoshoClient& client, const Args& args);
int ListCaseNotices(HoshoClient& client, const Args& args);
// payments: what the accounting simulator received.
int ListPayments(HoshoClient& client, const Args& args);
// contract upsert FILE.yaml
int UpsertContracts(HoshoClient& client, const Args& args);
// contract import FILE.csv, form import FILE.csv [--report=OUT.csv]: exit 1 if a row was refused.
int ImportContracts(HoshoClient& client, const Args& args);
int ImportForms(HoshoClient& client, const Args& args);
// form post FILE.json: exit 1 unless the webhook answered 200.
int PostForm(HoshoClient& client, const Args& args);
// mail deliver FILE.eml
int DeliverMail(HoshoClient& client, const Args& args);

}  // namespace hosho::ctl
