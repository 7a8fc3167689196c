// The overview: cases in flight and ended by state × office, deadlines, connectors, DLQ backlog; and
// the same as JSON.
#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/domain/domain_text.h"
#include "services/console/html.h"
#include "services/console/overview.h"
#include "services/console/pages/page_kit.h"
#include "services/console/pages/routes.h"

namespace hosho {

namespace {

using CountsByStateOffice = std::map<std::string, std::map<std::string, int64_t>>;

// An operator sees every office's figures, a clerk their own office's.
bool SeesOffice(const Principal& user, const std::string& office) {
  return user.role == Role::kOperator || office == user.office;
}

// The columns of the state × office tables: the offices with counts the user sees, and a clerk's own
// office even without any, sorted.
std::vector<std::string> OfficeColumns(const Overview& overview, const Principal& user) {
  std::vector<std::string> offices;
  for (const CountsByStateOffice* counts : {&overview.by_state_office, &overview.ended_by_state_office}) {
    for (const auto& [state, by_office] : *counts) {
      for (const auto& [office, count] : by_office) {
        if (SeesOffice(user, office) && std::find(offices.begin(), offices.end(), office) == offices.end()) {
          offices.push_back(office);
        }
      }
    }
  }
  if (user.role != Role::kOperator && std::find(offices.begin(), offices.end(), user.office) == offices.end()) {
    offices.push_back(user.office);
  }
  std::sort(offices.begin(), offices.end());
  return offices;
}

// A state × office table of counts (in flight, or ended); adds the shown counts to *total.
std::string StateOfficeTable(const PageKit& kit, const RequestContext& r, const char* id,
                             const CountsByStateOffice& counts, const std::vector<std::string>& offices,
                             int64_t* total) {
  std::string table = absl::StrCat(R"(<table id=")", id, R"("><thead><tr><th>)", T(r.lang, "col.state"), "</th>");
  for (const std::string& office : offices) {
    absl::StrAppend(&table, "<th>", Esc(kit.OfficeLabel(r.lang, office)), "</th>");
  }
  absl::StrAppend(&table, "<th>", T(r.lang, "total"), "</th></tr></thead><tbody>");
  for (const char* state : kCaseStates) {
    auto it = counts.find(state);
    if (it == counts.end()) continue;
    int64_t row_total = 0;
    std::string cells;
    for (const std::string& office : offices) {
      auto c = it->second.find(office);
      const int64_t n = c == it->second.end() ? 0 : c->second;
      row_total += n;
      absl::StrAppend(&cells, R"(<td class="num" data-office=")", Esc(office), R"(">)", n, "</td>");
    }
    if (row_total == 0) continue;
    *total += row_total;
    absl::StrAppend(&table, R"(<tr data-state=")", state, R"("><th><a href="/cases?state=)", state, R"(">)",
                    Esc(StateLabel(r.lang, state)), "</a></th>", cells, R"(<td class="num">)", row_total, "</td></tr>");
  }
  absl::StrAppend(&table, "</tbody></table>");
  return table;
}

// The figures of the cards at the top of the page.
struct Figures {
  int64_t in_flight = 0;
  int64_t ended = 0;
  int64_t approaching = 0;
  int64_t breached = 0;
  int64_t dlq = 0;
};

// The cases whose deadline is near or past (the first 50 the user sees); counts them all in *figures.
std::string DeadlineTable(const PageKit& kit, const RequestContext& r, const Overview& overview, Figures* figures) {
  std::string table = absl::StrCat(R"(<table id="deadlines"><thead><tr><th>)", T(r.lang, "col.case"), "</th><th>",
                                   T(r.lang, "col.state"), "</th><th>", T(r.lang, "col.office"), "</th><th>",
                                   T(r.lang, "col.deadline"), "</th><th></th></tr></thead><tbody>");
  int shown = 0;
  for (const auto& d : overview.deadlines) {
    if (!SeesOffice(r.user, d.office)) continue;
    (d.breached ? figures->breached : figures->approaching)++;
    if (++shown > 50) continue;
    absl::StrAppend(&table, "<tr><td>", CaseLink(d.case_id), "</td><td>", Esc(StateLabel(r.lang, d.state)), "</td><td>",
                    Esc(kit.OfficeLabel(r.lang, d.office)), "</td><td>", FormatJst(d.deadline), "</td><td class=\"",
                    d.breached ? "bad" : "warn", "\">",
                    T(r.lang, d.breached ? "overview.breached" : "overview.approaching"), "</td></tr>");
  }
  absl::StrAppend(&table, "</tbody></table>");
  if (shown == 0) return absl::StrCat("<p>", T(r.lang, "overview.no_deadlines"), "</p>");
  return table;
}

// Each DLQ's backlog; adds the known ones to *total.
std::string DlqTable(const RequestContext& r, const Overview& overview, int64_t* total) {
  std::string table = R"(<table id="dlq"><tbody>)";
  for (const auto& [topic, depth] : overview.dlq_depth) {
    if (depth > 0) *total += depth;
    absl::StrAppend(&table, "<tr><th><code>", Esc(topic), R"(</code></th><td class="num )", depth > 0 ? "bad" : "",
                    "\">", depth < 0 ? std::string(T(r.lang, "overview.unknown")) : std::to_string(depth),
                    "</td></tr>");
  }
  absl::StrAppend(&table, "</tbody></table>");
  return table;
}

std::string ConnectorTable(const RequestContext& r, const Overview& overview) {
  std::string table = R"(<table id="connectors"><tbody>)";
  for (const auto& c : overview.connectors) {
    hosho::v1::Platform platform = hosho::v1::PLATFORM_UNSPECIFIED;
    (void)hosho::v1::Platform_Parse(c.platform, &platform);
    absl::StrAppend(&table, R"(<tr data-platform=")", c.platform, R"("><th>)", Esc(PlatformNameJa(platform)),
                    R"(</th><td class=")", c.status == "SERVING" ? "ok" : "bad", R"(">)",
                    T(r.lang, absl::StrCat("health.", c.status)), "</td></tr>");
  }
  absl::StrAppend(&table, "</tbody></table>");
  return table;
}

std::string Cards(const RequestContext& r, const Figures& f) {
  return absl::StrCat(R"(<div class="cards"><div class="card" id="card-in-flight"><div>)",
                      T(r.lang, "overview.in_flight"), R"(</div><div class="figure">)", f.in_flight,
                      R"(</div></div><div class="card" id="card-approaching"><div>)", T(r.lang, "overview.approaching"),
                      R"(</div><div class="figure warn">)", f.approaching,
                      R"(</div></div><div class="card" id="card-breached"><div>)", T(r.lang, "overview.breached"),
                      R"(</div><div class="figure bad">)", f.breached,
                      R"(</div></div><div class="card" id="card-dlq"><div>DLQ</div><div class="figure">)", f.dlq,
                      R"(</div></div><div class="card" id="card-ended"><div>)", T(r.lang, "overview.ended_total"),
                      R"(</div><div class="figure">)", f.ended, "</div></div></div>");
}

HttpReply OverviewPage(const PageKit& kit, const RequestContext& r) {
  auto overview = kit.deps().overview->Get();
  if (!overview.ok()) return kit.ErrorPage(r, overview.status());
  const std::vector<std::string> offices = OfficeColumns(*overview, r.user);
  Figures figures;
  const std::string table =
      StateOfficeTable(kit, r, "by-state", overview->by_state_office, offices, &figures.in_flight);
  const std::string ended_table =
      StateOfficeTable(kit, r, "ended", overview->ended_by_state_office, offices, &figures.ended);
  const std::string deadlines = DeadlineTable(kit, r, *overview, &figures);
  const std::string dlq = DlqTable(r, *overview, &figures.dlq);
  const std::string body =
      absl::StrCat(Cards(r, figures), "<h2>", T(r.lang, "overview.by_state"), "</h2>", table, "<h2>",
                   T(r.lang, "overview.deadlines"), "</h2>", deadlines, "<h2>", T(r.lang, "overview.ended"), "</h2>",
                   figures.ended == 0 ? absl::StrCat("<p>", T(r.lang, "overview.none_ended"), "</p>") : ended_table,
                   "<h2>", T(r.lang, "overview.connectors"), "</h2>", ConnectorTable(r, *overview), "<h2>",
                   T(r.lang, "overview.dlq"), "</h2>", dlq, R"(<p class="muted">)", T(r.lang, "overview.computed_at"),
                   " ", FormatJst(overview->computed_at), "</p>");
  return kit.Page(r, 200, std::string(T(r.lang, "overview.title")), body);
}

// {"state":..,"office":..,"count":..} for each count the user sees, comma-separated.
std::string CountsJson(const CountsByStateOffice& counts, const Principal& user) {
  std::vector<std::string> items;
  for (const auto& [state, by_office] : counts) {
    for (const auto& [office, count] : by_office) {
      if (!SeesOffice(user, office)) continue;
      items.push_back(absl::StrCat(R"({"state":")", state, R"(","office":")", office, R"(","count":)", count, "}"));
    }
  }
  return absl::StrJoin(items, ",");
}

std::string DeadlinesJson(const Overview& overview, const Principal& user) {
  std::vector<std::string> items;
  for (const auto& d : overview.deadlines) {
    if (!SeesOffice(user, d.office)) continue;
    items.push_back(absl::StrCat(R"({"case_id":")", d.case_id, R"(","state":")", d.state, R"(","office":")", d.office,
                                 R"(","deadline":")",
                                 absl::FormatTime(absl::RFC3339_sec, d.deadline, absl::UTCTimeZone()),
                                 R"(","breached":)", d.breached ? "true" : "false", "}"));
  }
  return absl::StrJoin(items, ",");
}

std::string DlqJson(const Overview& overview) {
  std::vector<std::string> items;
  for (const auto& [topic, depth] : overview.dlq_depth) items.push_back(absl::StrCat("\"", topic, "\":", depth));
  return absl::StrJoin(items, ",");
}

std::string ConnectorsJson(const Overview& overview) {
  std::vector<std::string> items;
  for (const auto& c : overview.connectors) items.push_back(absl::StrCat("\"", c.platform, "\":\"", c.status, "\""));
  return absl::StrJoin(items, ",");
}

HttpReply OverviewJson(const PageKit& kit, const RequestContext& r) {
  auto overview = kit.deps().overview->Get();
  HttpReply reply;
  AddSecurityHeaders(&reply);
  if (!overview.ok()) {
    reply.status = HttpStatusFor(overview.status().code());
    reply.body = R"({"error":{"code":"UNAVAILABLE","message_ja":"集計できませんでした"}})";
    return reply;
  }
  reply.body = absl::StrCat(R"({"in_flight":[)", CountsJson(overview->by_state_office, r.user), R"(],"ended":[)",
                            CountsJson(overview->ended_by_state_office, r.user), R"(],"deadlines":[)",
                            DeadlinesJson(*overview, r.user), R"(],"dlq_depth":{)", DlqJson(*overview),
                            R"(},"connectors":{)", ConnectorsJson(*overview), "}}");
  return reply;
}

}  // namespace

std::vector<HttpRoute> OverviewRoutes(const PageKit& kit) {
  return {
      kit.PageRoute("GET", "/", OverviewPage),
      kit.PageRoute("GET", "/api/overview", OverviewJson),
  };
}

}  // namespace hosho
