#include "services/console/html.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/domain/events.h"
#include "services/common/runtime/clock.h"

namespace hosho {

std::string Esc(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string UrlEncode(absl::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string Hidden(absl::string_view name, absl::string_view value) {
  return absl::StrCat(R"(<input type="hidden" name=")", name, R"(" value=")", Esc(value), R"(">)");
}

std::string Select(absl::string_view name, const Choices& options, absl::string_view selected, absl::string_view id) {
  std::string out =
      absl::StrCat(R"(<select name=")", name, R"(")", id.empty() ? "" : absl::StrCat(R"( id=")", id, R"(")"), ">");
  for (const auto& [value, label] : options) {
    absl::StrAppend(&out, R"(<option value=")", Esc(value), R"(")", value == selected ? " selected" : "", ">",
                    Esc(label), "</option>");
  }
  return out + "</select>";
}

std::string CaseLink(const std::string& id) {
  return absl::StrCat(R"(<a href="/cases/)", UrlEncode(id), R"(">)", Esc(id), "</a>");
}

std::string FormatJst(absl::Time t) {
  if (t == absl::InfinitePast() || t == absl::UnixEpoch()) return "";
  return absl::FormatTime("%Y-%m-%d %H:%M", t, JapanTimeZone());
}

std::string FormatJst(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "";
  return FormatJst(FromProto(t));
}

void AddSecurityHeaders(HttpReply* reply) {
  reply->headers.emplace_back("Content-Security-Policy",
                              "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                              "frame-ancestors 'none'; form-action 'self'; base-uri 'none'");
  reply->headers.emplace_back("X-Content-Type-Options", "nosniff");
  reply->headers.emplace_back("X-Frame-Options", "DENY");
  reply->headers.emplace_back("Referrer-Policy", "same-origin");
  reply->headers.emplace_back("Cache-Control", "no-store");
}

HttpReply Html(int status, std::string body) {
  HttpReply reply;
  reply.status = status;
  reply.body = std::move(body);
  reply.content_type = "text/html; charset=utf-8";
  return reply;
}

HttpReply Redirect(const std::string& location) {
  HttpReply reply;
  reply.status = 303;
  reply.content_type = "text/plain; charset=utf-8";
  reply.headers.emplace_back("Location", location);
  return reply;
}

std::string RenderPage(const PageFrame& f, absl::string_view body_html) {
  const Lang other = f.lang == Lang::kJa ? Lang::kEn : Lang::kJa;
  std::string nav;
  if (f.user != nullptr) {
    nav = absl::StrCat(
        R"(<nav><a href="/">)", T(f.lang, "nav.overview"), R"(</a><a href="/feed">)", T(f.lang, "nav.feed"),
        R"(</a><a href="/cases">)", T(f.lang, "nav.cases"), R"(</a><a href="/tasks">)", T(f.lang, "nav.tasks"),
        "</a></nav>", R"(<div class="who"><span id="user">)", Esc(f.user_label),
        R"(</span><form method="post" action="/logout" class="inline">)", R"(<input type="hidden" name="csrf" value=")",
        Esc(f.csrf), R"("><button type="submit">)", T(f.lang, "nav.signout"), "</button></form>");
  } else {
    nav = R"(<div class="who">)";
  }
  absl::StrAppend(&nav, R"(<a id="lang-switch" href="/lang/)", LangCode(other), "?back=", UrlEncode(f.path), R"(">)",
                  T(f.lang, "nav.lang"), "</a></div>");
  std::string flash;
  if (!f.flash.empty()) {
    flash = absl::StrCat(R"(<p class="flash)", f.flash_error ? " error" : "", R"(" role=")",
                         f.flash_error ? "alert" : "status", R"(">)", f.flash, "</p>");
  }
  return absl::StrCat(R"(<!DOCTYPE html><html lang=")", LangCode(f.lang), R"("><head><meta charset="utf-8">)",
                      R"(<meta name="viewport" content="width=device-width, initial-scale=1">)", "<title>",
                      Esc(f.title), " — ", T(f.lang, "app.title"),
                      R"(</title><link rel="stylesheet" href="/static/console.css">)",
                      R"(</head><body><header><a class="brand" href="/">)", T(f.lang, "app.title"), "</a>", nav,
                      "</header><main><h1>", Esc(f.title), "</h1>", flash, body_html, "</main></body></html>");
}

absl::string_view ConsoleCss() {
  return R"css(
:root { --ink: #1d2a33; --line: #c9d3da; --accent: #0b5cad; --bad: #b3261e; --warn: #8a5a00; --ok: #1e6b34; }
* { box-sizing: border-box; }
body { margin: 0; font-family: "Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", sans-serif; color: var(--ink);
       background: #f6f8fa; font-size: 15px; }
header { display: flex; align-items: center; gap: 1.5rem; padding: .6rem 1.2rem; background: #fff;
         border-bottom: 1px solid var(--line); flex-wrap: wrap; }
header .brand { font-weight: bold; color: var(--ink); text-decoration: none; }
nav a { margin-right: 1rem; color: var(--accent); text-decoration: none; }
.who { margin-left: auto; display: flex; gap: .8rem; align-items: center; }
main { padding: 1rem 1.4rem 3rem; max-width: 1200px; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 1.6rem; }
table { border-collapse: collapse; background: #fff; width: 100%; margin: .4rem 0 1rem; }
th, td { border: 1px solid var(--line); padding: .35rem .55rem; text-align: left; vertical-align: top; }
th { background: #eef2f5; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.flash { padding: .6rem .8rem; background: #e7f3ea; border: 1px solid #9cc9a8; }
.flash.error { background: #fbeaea; border-color: #e0a3a0; color: var(--bad); }
.bad { color: var(--bad); font-weight: 600; } .warn { color: var(--warn); } .ok { color: var(--ok); }
form.inline { display: inline; }
form.stack label { display: block; margin: .5rem 0 .15rem; font-weight: 600; }
form.stack input, form.stack select, form.stack textarea { width: 100%; max-width: 28rem; padding: .35rem; }
.field-error { color: var(--bad); font-size: .9rem; }
button { padding: .35rem .9rem; border: 1px solid var(--accent); background: var(--accent); color: #fff;
         border-radius: 3px; cursor: pointer; }
button.secondary { background: #fff; color: var(--accent); }
.filters { display: flex; gap: .8rem; flex-wrap: wrap; align-items: end; margin-bottom: .6rem; }
.filters label { display: flex; flex-direction: column; font-size: .9rem; }
.secret { font-family: monospace; font-size: 1.1rem; background: #fff8e1; padding: .4rem; border: 1px dashed var(--warn); }
.cards { display: flex; gap: 1rem; flex-wrap: wrap; }
.card { background: #fff; border: 1px solid var(--line); padding: .7rem 1rem; min-width: 10rem; }
.card .figure { font-size: 1.6rem; font-weight: bold; }
#feed-status { font-size: .9rem; }
.print-only { display: none; }
/* Paper: a case page filed on A4 keeps its summary, rules and history and drops what only a screen needs. */
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { background: #fff; font-size: 9.5pt; }
  header nav, header .who, form, .no-print, .flash { display: none !important; }
  header { border: 0; padding: 0 0 3mm; }
  main { padding: 0; max-width: none; }
  h1 { font-size: 14pt; margin: 0 0 3mm; } h2 { font-size: 11pt; margin: 4mm 0 1mm; break-after: avoid; }
  table { margin: 0 0 3mm; } thead { display: table-header-group; } tr { break-inside: avoid; }
  th, td { padding: .8mm 1.6mm; } th { white-space: nowrap; }
  a { color: inherit; text-decoration: none; }
  .print-only { display: block; }
}
)css";
}

absl::string_view ConsoleJs() {
  return R"js(
'use strict';
(function () {
  const form = document.getElementById('feed-filter');
  const body = document.getElementById('feed-body');
  const status = document.getElementById('feed-status');
  if (!form || !body) return;
  const labels = JSON.parse(body.dataset.labels || '{}');
  let source = null;
  // Events already shown, by event id: after a reconnect to another replica the backlog repeats some.
  let shown = new Set();
  function cell(text, href) {
    const td = document.createElement('td');
    if (href) { const a = document.createElement('a'); a.href = href; a.textContent = text; td.appendChild(a); }
    else td.textContent = text;
    return td;
  }
  function add(item) {
    if (item.event_id) {
      if (shown.has(item.event_id)) return;
      shown.add(item.event_id);
      if (shown.size > 2000) shown = new Set(Array.from(shown).slice(-1000));
    }
    const tr = document.createElement('tr');
    tr.dataset.caseId = item.case_id;
    tr.dataset.state = item.state;
    tr.appendChild(cell(item.at.substring(11, 19)));
    tr.appendChild(cell(item.case_id, '/cases/' + encodeURIComponent(item.case_id)));
    tr.appendChild(cell(labels[item.event_type] || item.event_type));
    tr.appendChild(cell(item.detail));
    tr.appendChild(cell(labels[item.state] || item.state));
    tr.appendChild(cell(labels[item.office] || item.office));
    tr.appendChild(cell(labels[item.kind] || item.kind));
    body.insertBefore(tr, body.firstChild);
    while (body.children.length > 300) body.removeChild(body.lastChild);
  }
  function connect() {
    if (source) source.close();
    const params = new URLSearchParams(new FormData(form));
    source = new EventSource('/events?' + params.toString());
    source.addEventListener('case', (e) => add(JSON.parse(e.data)));
    source.onopen = () => { status.textContent = status.dataset.connected; status.dataset.state = 'open'; };
    source.onerror = () => {
      status.textContent = status.dataset.disconnected;
      status.dataset.state = 'retrying';
      // The browser retries by itself unless the answer was an error (every feed slot taken): then here.
      if (source.readyState === EventSource.CLOSED) setTimeout(connect, 10000);
    };
  }
  form.addEventListener('change', () => {
    body.textContent = '';
    shown = new Set();
    const params = new URLSearchParams(new FormData(form));
    history.replaceState(null, '', '/feed?' + params.toString());
    connect();
  });
  form.addEventListener('submit', (e) => e.preventDefault());
  connect();
})();
)js";
}

}  // namespace hosho
