#include "services/hoshoctl/scenario.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "grpcpp/support/status.h"
#include "services/common/config.h"
#include "services/common/errors.h"
#include "services/common/events.h"
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

}  // namespace

absl::StatusOr<std::vector<ScenarioRow>> RunScenario(HoshoClient& client, const Config& scenario,
                                                     absl::Duration per_case_deadline) {
  // Contracts, pushed as the city's contract system would.
  if (auto s = client.ActAs("city-contract-system"); !s.ok()) return s;
  for (const Config& item : scenario.GetList("contracts")) {
    auto contract = ContractFromYaml(item);
    if (!contract.ok()) return contract.status();
    if (auto stored = client.UpsertContract(*contract); !stored.ok()) {
      return absl::Status(stored.status().code(),
                          absl::StrCat("contract ", contract->contract_id(), ": ", stored.status().message()));
    }
  }

  if (auto s = client.ActAs("demo-submitter"); !s.ok()) return s;
  std::vector<ScenarioRow> rows;
  std::map<std::string, std::string> case_by_request;
  struct Pending {
    size_t row;
    std::string case_id;
    Config expect;
  };
  std::vector<Pending> pending;
  for (const Config& item : scenario.GetList("submissions")) {
    ScenarioRow row;
    row.label = item.GetString("label");
    auto request = SubmissionFromYaml(item);
    if (!request.ok()) return request.status();
    auto response = client.Submit(*request);
    const std::string expected_error = item.GetString("expect.error");
    if (!expected_error.empty()) {
      row.expected = absl::StrCat(item.GetString("expect.grpc_code"), " ", expected_error);
      if (response.ok()) {
        row.actual = absl::StrCat("accepted as ", response->case_id());
      } else {
        const auto violations = ViolationsOf(response.status());
        const std::string code = violations.empty() ? "(no details)" : violations.front().code;
        const std::string field = violations.empty() ? "" : violations.front().field;
        row.actual = absl::StrCat(CodeName(response.status().code()), " ", code);
        row.ok = code == expected_error && CodeName(response.status().code()) == item.GetString("expect.grpc_code") &&
                 (item.GetString("expect.field").empty() || field == item.GetString("expect.field")) &&
                 !violations.front().message_ja.empty();
      }
      rows.push_back(row);
      continue;
    }
    if (!response.ok()) {
      row.expected = item.GetString("expect.state");
      row.actual = absl::StrCat("refused: ", response.status().message());
      rows.push_back(row);
      continue;
    }
    row.case_id = response->case_id();
    const std::string same_as = item.GetString("expect.same_case_as");
    if (!same_as.empty()) {
      row.expected = absl::StrCat("same case as ", same_as, " (replay)");
      const bool same = case_by_request[same_as] == response->case_id() && response->replayed();
      row.actual =
          same ? "same case, replayed" : absl::StrCat("case ", response->case_id(), " replayed=", response->replayed());
      row.ok = same;
      rows.push_back(row);
      continue;
    }
    case_by_request[item.GetString("request_id")] = response->case_id();
    pending.push_back({rows.size(), response->case_id(), item});
    rows.push_back(row);
  }

  // Await each accepted case's end state and its notices.
  if (auto s = client.ActAs("operator"); !s.ok()) return s;
  for (Pending& p : pending) {
    ScenarioRow& row = rows[p.row];
    const std::string want = p.expect.GetString("expect.state");
    row.expected = want;
    const std::string office = p.expect.GetString("expect.office");
    const std::string action = p.expect.GetString("expect.action");
    const std::string rule = p.expect.GetString("expect.rule");
    if (!office.empty()) absl::StrAppend(&row.expected, " @", office);
    if (!rule.empty()) absl::StrAppend(&row.expected, " ", rule);
    auto final_case = client.WatchUntil(
        p.case_id, [&](const hosho::v1::Case& c) { return StateName(c.state()) == want || IsTerminal(c.state()); },
        per_case_deadline);
    if (!final_case.ok()) {
      row.actual = absl::StrCat("watch failed: ", final_case.status().message());
      continue;
    }
    row.actual = StateName(final_case->state());
    if (!final_case->office().empty()) absl::StrAppend(&row.actual, " @", final_case->office());
    bool ok = StateName(final_case->state()) == want && (office.empty() || final_case->office() == office) &&
              (action.empty() || hosho::v1::HandoffAction_Name(final_case->action()) == "HANDOFF_ACTION_" + action);
    if (!rule.empty()) {
      bool found = false;
      for (const auto& r : final_case->rule_results()) {
        if (!r.passed() && r.code() == rule) found = true;
      }
      absl::StrAppend(&row.actual, found ? absl::StrCat(" ", rule) : " (rule missing)");
      ok = ok && found;
    }
    // Everyone involved is told: the office (and the contractor) get a notice.
    bool noticed = false;
    const absl::Time give_up = absl::Now() + per_case_deadline;
    while (ok && absl::Now() < give_up) {
      auto notices = client.ListNotices(p.case_id);
      if (notices.ok() && notices->notices_size() > 0) {
        noticed = true;
        absl::StrAppend(&row.actual, ", ", notices->notices_size(), " notices");
        break;
      }
      absl::SleepFor(absl::Milliseconds(20));  // awaiting the notification consumer
    }
    row.ok = ok && noticed;
  }
  return rows;
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
