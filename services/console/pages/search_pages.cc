// The case search, and the guarantee ledger (保証台帳) download from the search page's form.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/common/domain/case_view.h"
#include "services/common/domain/domain_text.h"
#include "services/common/domain/events.h"
#include "services/common/runtime/clock.h"
#include "services/common/runtime/log.h"
#include "services/console/html.h"
#include "services/console/ledger.h"
#include "services/console/overview.h"
#include "services/console/pages/page_kit.h"
#include "services/console/pages/routes.h"

namespace hosho {

namespace {

constexpr int kPageSize = 50;  // rows on one page of results
constexpr int kScan = 500;     // cases read to find them

// What the search form asks for.
struct CaseSearch {
  std::string q;  // a case id, guarantee number or contract id, or part of one
  std::string state;
  std::string kind;
  std::string office;
  bool amend = false;  // only the cases owing an amended guarantee
  int offset = 0;
};

CaseSearch SearchOf(const HttpCall& call) {
  CaseSearch s;
  s.q = std::string(absl::StripAsciiWhitespace(call.Param("q")));
  s.state = call.Param("state");
  s.kind = call.Param("kind");
  s.office = call.Param("office");
  s.amend = call.Param("amend") == "1";
  (void)absl::SimpleAtoi(call.Param("offset"), &s.offset);
  s.offset = std::max(0, s.offset);
  return s;
}

// Where to look: an exact contract id or guarantee number first; an office with an ended state in
// that office's ended index; an office otherwise in its in-flight index; else the most recent
// cases. The filters then apply to what was found (a partial term matches there).
absl::StatusOr<std::vector<std::string>> CandidateIds(const PageKit& kit, const CaseSearch& s) {
  CaseStore& cases = *kit.deps().cases;
  if (s.amend) {
    // Only the cases waiting for an amended guarantee, from each office's list.
    std::vector<std::string> codes = {s.office};
    if (s.office.empty() && kit.deps().offices != nullptr) {
      codes.clear();
      for (const Office& o : kit.deps().offices->offices()) codes.push_back(o.code);
    }
    return CasesAwaitingAmendedGuarantee(cases, codes, kScan, 0);
  }
  absl::StatusOr<std::vector<std::string>> ids = std::vector<std::string>{};
  if (!s.q.empty()) ids = cases.LookupCaseIds(s.q, kScan);
  if (!ids.ok() || !ids->empty()) return ids;
  const bool ended = s.state == "CLOSED" || s.state == "WITHDRAWN" || s.state == "RETURNED";
  return ended && !s.office.empty() ? cases.ListEnded(s.office, s.state, kScan, 0)
                                    : cases.ListCaseIds(s.office, kScan, 0);
}

bool Matches(const CaseSearch& s, const hosho::v1::Case& c) {
  if (!s.state.empty() && StateName(c.state()) != s.state) return false;
  if (!s.kind.empty() && hosho::v1::GuaranteeKind_Name(c.kind()) != s.kind) return false;
  return s.q.empty() || absl::StrContains(c.case_id(), s.q) || absl::StrContains(c.guarantee_number(), s.q) ||
         absl::StrContains(c.contract_id(), s.q);
}

std::string CaseRow(const PageKit& kit, const RequestContext& r, const hosho::v1::Case& c) {
  const std::string state = StateName(c.state());
  return absl::StrCat(R"(<tr data-case-id=")", Esc(c.case_id()), R"("><td>)", CaseLink(c.case_id()), "</td><td>",
                      Esc(KindLabel(r.lang, hosho::v1::GuaranteeKind_Name(c.kind()))), "</td><td>",
                      Esc(StateLabel(r.lang, state)), "</td><td>", Esc(kit.OfficeLabel(r.lang, c.office())),
                      "</td><td>", Esc(c.contract_id()), "</td><td>", Esc(c.guarantee_number()), "</td><td>",
                      FormatJst(c.received_at()), "</td><td>", StateHasDeadline(state) ? FormatJst(c.deadline()) : "",
                      "</td></tr>");
}

// The page of results: the rows shown, and how many cases the user may see matched in all.
struct SearchResults {
  std::string rows;
  int matched = 0;
  int shown = 0;
};

SearchResults MatchCases(const PageKit& kit, const RequestContext& r, const CaseSearch& s,
                         const std::vector<std::string>& ids) {
  SearchResults results;
  for (const std::string& id : ids) {
    auto record = kit.deps().cases->Get(id);
    if (!record.ok() || !MaySee(r.user, *record)) continue;
    const hosho::v1::Case c = CaseFromRecord(*record);
    if (!Matches(s, c)) continue;
    if (results.matched++ < s.offset || results.shown >= kPageSize) continue;
    ++results.shown;
    absl::StrAppend(&results.rows, CaseRow(kit, r, c));
  }
  return results;
}

std::string SearchForm(const PageKit& kit, const RequestContext& r, const CaseSearch& s) {
  return absl::StrCat(R"(<form method="get" action="/cases" class="filters" id="case-search"><label>)",
                      T(r.lang, "filter.query"), R"(<input name="q" id="q" value=")", Esc(s.q), R"("></label><label>)",
                      T(r.lang, "filter.state"), Select("state", WithAny(r.lang, StateChoices(r.lang)), s.state),
                      "</label><label>", T(r.lang, "filter.kind"),
                      Select("kind", WithAny(r.lang, KindChoices(r.lang)), s.kind), "</label><label>",
                      T(r.lang, "filter.office"), Select("office", kit.OfficeFilterChoices(r.lang), s.office),
                      R"(</label><label class="check"><input type="checkbox" name="amend" value="1" id="amend")",
                      s.amend ? " checked" : "", ">", T(r.lang, "filter.amend"), R"(</label><button type="submit">)",
                      T(r.lang, "filter.search"), "</button></form>");
}

// The results table and, when more matched, the link to the next page.
std::string ResultsTable(const RequestContext& r, const CaseSearch& s, const SearchResults& results) {
  if (results.shown == 0) return absl::StrCat("<p>", T(r.lang, "cases.none"), "</p>");
  std::string out = absl::StrCat(
      R"(<table id="cases"><thead><tr><th>)", T(r.lang, "col.case"), "</th><th>", T(r.lang, "col.kind"), "</th><th>",
      T(r.lang, "col.state"), "</th><th>", T(r.lang, "col.office"), "</th><th>", T(r.lang, "col.contract"), "</th><th>",
      T(r.lang, "col.guarantee"), "</th><th>", T(r.lang, "col.received"), "</th><th>", T(r.lang, "col.deadline"),
      "</th></tr></thead><tbody>", results.rows, "</tbody></table>");
  if (results.matched > s.offset + results.shown) {
    absl::StrAppend(&out, R"(<p><a id="next-page" href="/cases?q=)", UrlEncode(s.q), "&state=", UrlEncode(s.state),
                    "&kind=", UrlEncode(s.kind), "&office=", UrlEncode(s.office), s.amend ? "&amend=1" : "",
                    "&offset=", s.offset + results.shown, "\">", T(r.lang, "cases.next"), "</a></p>");
  }
  return out;
}

// The ledger's form: the office (a clerk's own), the fiscal year (April to March) this day falls in
// (the period a clerk files by default), kind, state and file format.
std::string LedgerForm(const PageKit& kit, const RequestContext& r) {
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), JapanTimeZone());
  const int year = today.month() >= 4 ? static_cast<int>(today.year()) : static_cast<int>(today.year()) - 1;
  std::string office_field;
  if (r.user.role == Role::kClerk) {
    office_field = Hidden("office", r.user.office);
  } else {
    Choices offices = kit.OfficeChoices(r.lang);
    offices.insert(offices.begin(), {kEveryOffice, std::string(T(r.lang, "ledger.all"))});
    office_field =
        absl::StrCat("<label>", T(r.lang, "filter.office"), Select("office", offices, kEveryOffice), "</label>");
  }
  const Choices formats = {{"xlsx", "Excel (.xlsx)"}, {"csv", "CSV (UTF-8)"}, {"csv-sjis", "CSV (Shift_JIS)"}};
  return absl::StrCat(
      R"(<section class="ledger no-print"><h2>)", T(r.lang, "ledger.title"), "</h2><p>", T(r.lang, "ledger.help"),
      R"(</p><form method="get" action="/ledger" class="filters" id="ledger-form">)", office_field, "<label>",
      T(r.lang, "ledger.from"), R"(<input type="date" name="from" required value=")",
      absl::FormatCivilTime(absl::CivilDay(year, 4, 1)), R"("></label><label>)", T(r.lang, "ledger.to"),
      R"(<input type="date" name="to" required value=")", absl::FormatCivilTime(absl::CivilDay(year + 1, 3, 31)),
      R"("></label><label>)", T(r.lang, "filter.kind"), Select("kind", WithAny(r.lang, KindChoices(r.lang)), ""),
      "</label><label>", T(r.lang, "filter.state"), Select("state", WithAny(r.lang, StateChoices(r.lang)), ""),
      "</label><label>", T(r.lang, "ledger.format"), Select("format", formats, "xlsx"),
      R"(</label><button type="submit" id="ledger-download">)", T(r.lang, "ledger.download"),
      "</button></form></section>");
}

HttpReply CasesPage(const PageKit& kit, const RequestContext& r) {
  const CaseSearch search = SearchOf(r.call);
  if (!search.q.empty()) {
    auto record = kit.deps().cases->Get(search.q);
    if (record.ok() && MaySee(r.user, *record)) return Redirect(absl::StrCat("/cases/", UrlEncode(search.q)));
  }
  auto ids = CandidateIds(kit, search);
  if (!ids.ok()) return kit.ErrorPage(r, ids.status());
  const SearchResults results = MatchCases(kit, r, search, *ids);
  const std::string body =
      absl::StrCat(SearchForm(kit, r, search), ResultsTable(r, search, results), LedgerForm(kit, r));
  return kit.Page(r, 200, std::string(T(r.lang, "cases.title")), body);
}

// The export the ledger form asks for. A kind, state or format that cannot be read is passed on as an
// invalid value (never dropped), so that LedgerQueryFor refuses it with its field named.
hosho::v1::ExportLedgerRequest LedgerRequestOf(const HttpCall& call) {
  hosho::v1::ExportLedgerRequest request;
  request.set_office(call.Param("office"));
  for (const auto& [param, date] :
       {std::pair{"from", request.mutable_received_from()}, std::pair{"to", request.mutable_received_to()}}) {
    // An unreadable date stays unset and is refused by LedgerQueryFor with its field named.
    if (auto parsed = ParseDate(call.Param(param)); parsed.ok()) *date = *parsed;
  }
  if (const std::string kind = call.Param("kind"); !kind.empty()) {
    hosho::v1::GuaranteeKind parsed;
    request.set_kind(hosho::v1::GuaranteeKind_Parse(kind, &parsed) ? parsed
                                                                   : static_cast<hosho::v1::GuaranteeKind>(-1));
  }
  if (const std::string state = call.Param("state"); !state.empty()) {
    request.set_state(ParseStateName(state) != hosho::v1::CASE_STATE_UNSPECIFIED
                          ? ParseStateName(state)
                          : static_cast<hosho::v1::CaseState>(-1));
  }
  const std::string format = call.Param("format");
  request.set_format(format == "csv-sjis"                 ? hosho::v1::ExportLedgerRequest::FORMAT_CSV_CP932
                     : format == "csv"                    ? hosho::v1::ExportLedgerRequest::FORMAT_CSV_UTF8
                     : format.empty() || format == "xlsx" ? hosho::v1::ExportLedgerRequest::FORMAT_XLSX
                                                          : static_cast<hosho::v1::ExportLedgerRequest::Format>(-1));
  return request;
}

HttpReply LedgerDownload(const PageKit& kit, const RequestContext& r) {
  auto query = LedgerQueryFor(r.user, LedgerRequestOf(r.call), kit.deps().offices);
  if (!query.ok()) return kit.ErrorPage(r, query.status());
  auto rows = CollectLedger(*kit.deps().cases, *query, kit.deps().offices);
  if (!rows.ok()) return kit.ErrorPage(r, rows.status());
  auto file = RenderLedger(*query, *rows);
  if (!file.ok()) return kit.ErrorPage(r, file.status());
  LogInfo("ledger exported",
          {{"user", r.user.name}, {"office", query->office}, {"rows", std::to_string(file->rows())}});
  HttpReply reply;
  reply.body = file->content();
  reply.content_type = file->media_type();
  // RFC 6266: an ASCII name for old clients, the Japanese one (RFC 5987) for the rest.
  const char* ascii_name = absl::StrContains(file->filename(), ".xlsx") ? "ledger.xlsx" : "ledger.csv";
  reply.headers.emplace_back("Content-Disposition", absl::StrCat("attachment; filename=\"", ascii_name,
                                                                 "\"; filename*=UTF-8''", UrlEncode(file->filename())));
  reply.headers.emplace_back("Cache-Control", "no-store");
  AddSecurityHeaders(&reply);
  return reply;
}

}  // namespace

std::vector<HttpRoute> SearchRoutes(const PageKit& kit) {
  return {
      kit.PageRoute("GET", "/cases", CasesPage),
      kit.PageRoute("GET", "/ledger", LedgerDownload),
  };
}

}  // namespace hosho
