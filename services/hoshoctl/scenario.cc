#include "services/hoshoctl/scenario.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/crypto/sealing.h"
#include "services/common/runtime/config.h"
#include "services/common/runtime/errors.h"
#include "services/hoshoctl/scenario_steps.h"
#include "services/hoshoctl/yaml_input.h"

namespace hosho {
namespace {

// Display width of UTF-8 text: CJK and full-width forms count two columns.
size_t DisplayWidth(const std::string& s) {
  size_t width = 0;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    width += len >= 3 ? 2 : 1;
    i += static_cast<size_t>(len);
  }
  return width;
}

std::string Pad(const std::string& s, size_t width) {
  const size_t w = DisplayWidth(s);
  return w >= width ? s : s + std::string(width - w, ' ');
}

std::string CodeName(absl::StatusCode code) { return absl::StatusCodeToString(code); }

absl::StatusOr<std::string> ReadBinaryFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// A string member of a flat JSON answer (the webhook's).
std::string JsonString(const std::string& json, const std::string& key) {
  const std::string marker = absl::StrCat("\"", key, "\":\"");
  const size_t at = json.find(marker);
  if (at == std::string::npos) return "";
  const size_t start = at + marker.size();
  return json.substr(start, json.find('"', start) - start);
}

std::string ReportCounts(const hosho::v1::ImportReport& report) {
  return absl::StrCat(report.encoding(), ": ", report.accepted(), " accepted, ", report.unchanged(), " unchanged, ",
                      report.refused(), " refused");
}

// A submission the scenario expects refused: the gRPC code, the first violation's code and field, and
// a Japanese message for it.
void CompareRefusal(const Config& item, const absl::StatusOr<hosho::v1::SubmitGuaranteeResponse>& response,
                    ScenarioRow& row) {
  const std::string expected_error = item.GetString("expect.error");
  row.expected = absl::StrCat(item.GetString("expect.grpc_code"), " ", expected_error);
  if (response.ok()) {
    row.actual = absl::StrCat("accepted as ", response->case_id());
    return;
  }
  const auto violations = ViolationsOf(response.status());
  const std::string code = violations.empty() ? "(no details)" : violations.front().code;
  const std::string field = violations.empty() ? "" : violations.front().field;
  row.actual = absl::StrCat(CodeName(response.status().code()), " ", code);
  row.ok = code == expected_error && CodeName(response.status().code()) == item.GetString("expect.grpc_code") &&
           (item.GetString("expect.field").empty() || field == item.GetString("expect.field")) &&
           !violations.front().message_ja.empty();
}

// One submission: refused as expected, a replay of an earlier one, or a case whose end state is awaited.
absl::Status Submit(ScenarioRun& run, const Config& item) {
  ScenarioRow row;
  row.label = item.GetString("label");
  if (auto s = run.client.ActAs(item.GetString("act_as", "demo-submitter")); !s.ok()) return s;
  auto request = SubmissionFromYaml(item);
  if (!request.ok()) return request.status();
  auto response = run.client.Submit(*request);
  if (!item.GetString("expect.error").empty()) {
    CompareRefusal(item, response, row);
  } else if (!response.ok()) {
    row.expected = item.GetString("expect.state");
    row.actual = absl::StrCat("refused: ", response.status().message());
  } else if (const std::string same_as = item.GetString("expect.same_case_as"); !same_as.empty()) {
    row.case_id = response->case_id();
    row.expected = absl::StrCat("same case as ", same_as, " (replay)");
    const bool same = run.case_by_request[same_as] == response->case_id() && response->replayed();
    row.actual =
        same ? "same case, replayed" : absl::StrCat("case ", response->case_id(), " replayed=", response->replayed());
    row.ok = same;
  } else {
    row.case_id = response->case_id();
    run.case_by_request[item.GetString("request_id")] = response->case_id();
    run.pending.push_back({run.rows.size(), response->case_id(), item});
  }
  run.rows.push_back(row);
  return absl::OkStatus();
}

// The web form's webhook, posted twice: the answer's case, then the same case replayed.
absl::Status PostWebhook(ScenarioRun& run, const std::string& file) {
  auto body = ReadBinaryFile(run.scenario.ResolvePath(file));
  if (!body.ok()) return body.status();
  for (int attempt = 0; attempt < 2; ++attempt) {
    ScenarioRow row;
    row.label = attempt == 0 ? "Webフォーム（Webhook、署名付き）" : "Webフォームの再送（同じ受付番号）";
    auto posted = run.client.PostFormWebhook(*body);
    if (!posted.ok()) return posted.status();
    const std::string case_id = JsonString(posted->second, "case_id");
    row.case_id = case_id;
    if (attempt == 0) {
      run.case_by_request["webhook"] = case_id;
      run.pending.push_back({run.rows.size(), case_id, run.scenario.Child("channels.webhook")});
    } else {
      row.expected = "same case (replay)";
      const bool same = posted->first == 200 && case_id == run.case_by_request["webhook"] &&
                        posted->second.find("\"replayed\":true") != std::string::npos;
      row.actual = same ? "same case, replayed" : absl::StrCat("HTTP ", posted->first, " ", posted->second);
      row.ok = same;
    }
    run.rows.push_back(row);
  }
  return absl::OkStatus();
}

// The web form's CSV export: the report's counts, then each awaited receipt's case.
absl::Status ImportFormCsv(ScenarioRun& run, const std::string& file) {
  auto bytes = ReadBinaryFile(run.scenario.ResolvePath(file));
  if (!bytes.ok()) return bytes.status();
  auto report = run.client.ImportFormCsv(*bytes, file);
  if (!report.ok()) return report.status();
  const Config expect = run.scenario.Child("channels.form_csv.expect");
  ScenarioRow row;
  row.label = "Webフォームの CSV 取り込み";
  row.expected = absl::StrCat(expect.GetInt("accepted"), " accepted, ", expect.GetInt("unchanged"), " unchanged, ",
                              expect.GetInt("refused"), " refused");
  row.actual = ReportCounts(*report);
  row.ok = report->accepted() == expect.GetInt("accepted") && report->unchanged() == expect.GetInt("unchanged") &&
           report->refused() == expect.GetInt("refused");
  run.rows.push_back(row);
  for (const Config& awaited : run.scenario.GetList("channels.form_csv.await")) {
    ScenarioRow r;
    r.label = absl::StrCat("  CSV の受付 ", awaited.GetString("receipt"));
    for (const auto& line : report->rows()) {
      if (line.key() == awaited.GetString("receipt")) r.case_id = line.case_id();
    }
    run.pending.push_back({run.rows.size(), r.case_id, awaited});
    run.rows.push_back(r);
  }
  return absl::OkStatus();
}

// The case intake opened for a mail, found by its receipt; empty if none came within the deadline.
std::string AwaitMailedCase(ScenarioRun& run, const std::string& receipt) {
  std::string case_id;
  const absl::Time give_up = absl::Now() + run.deadline;
  while (case_id.empty() && absl::Now() < give_up) {
    hosho::v1::ListCasesRequest request;
    request.set_page_size(200);
    if (auto listed = run.client.ListCases(request); listed.ok()) {
      for (const auto& k : listed->cases()) {
        if (k.source_receipt() == receipt) case_id = k.case_id();
      }
    }
    if (case_id.empty()) absl::SleepFor(absl::Milliseconds(100));  // awaiting the mailbox poll
  }
  return case_id;
}

absl::Status DeliverMail(ScenarioRun& run, const Config& mail) {
  auto raw = ReadBinaryFile(run.scenario.ResolvePath(mail.GetString("file")));
  if (!raw.ok()) return raw.status();
  if (auto s = run.client.DeliverMail(*raw); !s.ok()) return s;
  ScenarioRow row;
  row.label = mail.GetString("label", "メール（IMAP）");
  // Intake names a mailed case's receipt after its Message-ID.
  row.case_id = AwaitMailedCase(run, absl::StrCat("mail-", Sha256Hex(mail.GetString("message_id")).substr(0, 40)));
  run.pending.push_back({run.rows.size(), row.case_id, mail});
  run.rows.push_back(row);
  return absl::OkStatus();
}

}  // namespace

// Contracts, imported from the city's CSV or pushed as the city's contract system would.
absl::Status LoadContracts(ScenarioRun& run) {
  if (auto s = run.client.ActAs("city-contract-system"); !s.ok()) return s;
  if (const std::string csv = run.scenario.GetString("contracts_csv"); !csv.empty()) {
    auto bytes = ReadBinaryFile(run.scenario.ResolvePath(csv));
    if (!bytes.ok()) return bytes.status();
    auto report = run.client.ImportContractsCsv(*bytes);
    if (!report.ok()) return report.status();
    ScenarioRow row;
    row.label = absl::StrCat("契約の取り込み（", csv, "）");
    row.expected = "every row accepted or unchanged";
    row.actual = ReportCounts(*report);
    row.ok = report->refused() == 0 && report->rows_size() > 0;
    run.rows.push_back(row);
  }
  for (const Config& item : run.scenario.GetList("contracts")) {
    auto contract = ContractFromYaml(item);
    if (!contract.ok()) return contract.status();
    if (auto stored = run.client.UpsertContract(*contract); !stored.ok()) {
      return absl::Status(stored.status().code(),
                          absl::StrCat("contract ", contract->contract_id(), ": ", stored.status().message()));
    }
  }
  return absl::OkStatus();
}

absl::Status SubmitSubmissions(ScenarioRun& run) {
  for (const Config& item : run.scenario.GetList("submissions")) {
    if (absl::Status s = Submit(run, item); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// The other channels: the web form's webhook and CSV export, and mail.
absl::Status UseOtherChannels(ScenarioRun& run) {
  if (auto s = run.client.ActAs("operator"); !s.ok()) return s;
  if (const std::string file = run.scenario.GetString("channels.webhook.file"); !file.empty()) {
    if (absl::Status s = PostWebhook(run, file); !s.ok()) return s;
  }
  if (const std::string file = run.scenario.GetString("channels.form_csv.file"); !file.empty()) {
    if (absl::Status s = ImportFormCsv(run, file); !s.ok()) return s;
  }
  for (const Config& mail : run.scenario.GetList("channels.mail")) {
    if (absl::Status s = DeliverMail(run, mail); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ScenarioRow>> RunScenario(HoshoClient& client, const Config& scenario,
                                                     absl::Duration per_case_deadline, ScenarioClerks clerks) {
  ScenarioRun run{.client = client, .scenario = scenario, .deadline = per_case_deadline, .clerks = clerks};
  using Step = absl::Status (*)(ScenarioRun&);
  for (Step step : {LoadContracts, SubmitSubmissions, UseOtherChannels, AwaitEndStates, CheckPaperCases, RunHandoffs,
                    RunContractChanges}) {
    if (absl::Status s = step(run); !s.ok()) return s;
  }
  return std::move(run.rows);
}

std::string FormatScenarioTable(const std::vector<ScenarioRow>& rows) {
  size_t w_label = 4, w_case = 4, w_expected = 8, w_actual = 6;
  for (const auto& r : rows) {
    w_label = std::max(w_label, DisplayWidth(r.label));
    w_case = std::max(w_case, DisplayWidth(r.case_id));
    w_expected = std::max(w_expected, DisplayWidth(r.expected));
    w_actual = std::max(w_actual, DisplayWidth(r.actual));
  }
  std::string out;
  auto line = [&](const std::string& a, const std::string& b, const std::string& c, const std::string& d,
                  const std::string& e) {
    absl::StrAppend(&out, Pad(a, w_label), "  ", Pad(b, w_case), "  ", Pad(c, w_expected), "  ", Pad(d, w_actual), "  ",
                    e, "\n");
  };
  line("case", "id", "expected", "actual", "");
  line(std::string(w_label, '-'), std::string(w_case, '-'), std::string(w_expected, '-'), std::string(w_actual, '-'),
       "--");
  int passed = 0;
  for (const auto& r : rows) {
    line(r.label, r.case_id.empty() ? "-" : r.case_id, r.expected, r.actual, r.ok ? "OK" : "NG");
    passed += r.ok ? 1 : 0;
  }
  absl::StrAppend(&out, "\n", passed, "/", rows.size(), " cases as expected\n");
  return out;
}

}  // namespace hosho
