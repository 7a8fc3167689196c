// The live feed: the page with its filters, and the server-sent event stream it listens to.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/runtime/log.h"
#include "services/common/runtime/metrics.h"
#include "services/console/html.h"
#include "services/console/live_feed.h"
#include "services/console/pages/page_kit.h"
#include "services/console/pages/routes.h"
#include "services/console/request_context.h"

namespace hosho {

namespace {

// The labels of the codes the page's script receives (offices, kinds, states), as a JSON object.
std::string FeedLabelsJson(const RequestContext& r, const Choices& offices) {
  std::string labels = "{";
  auto label = [&labels](absl::string_view code, absl::string_view text) {
    absl::StrAppend(&labels, labels.size() > 1 ? "," : "", "\"", code, "\":\"");
    AppendJsonEscaped(labels, text);
    labels += "\"";
  };
  for (const auto& [code, text] : offices) {
    if (!code.empty()) label(code, text);
  }
  for (const char* k : kGuaranteeKinds) label(k, KindLabel(r.lang, k));
  for (const char* s : kCaseStates) label(s, StateLabel(r.lang, s));
  labels += "}";
  return labels;
}

HttpReply FeedPage(const PageKit& kit, const RequestContext& r) {
  const Choices offices = kit.OfficeFilterChoices(r.lang);
  const std::string body = absl::StrCat(
      R"(<form id="feed-filter" class="filters"><label>)", T(r.lang, "filter.office"),
      Select("office", offices, r.call.Param("office"), "filter-office"), "</label><label>", T(r.lang, "filter.kind"),
      Select("kind", WithAny(r.lang, KindChoices(r.lang)), r.call.Param("kind"), "filter-kind"), "</label><label>",
      T(r.lang, "filter.state"),
      Select("state", WithAny(r.lang, StateChoices(r.lang)), r.call.Param("state"), "filter-state"),
      R"(</label><span id="feed-status" data-connected=")", T(r.lang, "feed.connected"), R"(" data-disconnected=")",
      T(r.lang, "feed.disconnected"), R"("></span></form>)", R"(<table id="feed"><thead><tr><th>)",
      T(r.lang, "col.time"), "</th><th>", T(r.lang, "col.case"), "</th><th>", T(r.lang, "col.event"), "</th><th>",
      T(r.lang, "col.detail"), "</th><th>", T(r.lang, "col.state"), "</th><th>", T(r.lang, "col.office"), "</th><th>",
      T(r.lang, "col.kind"), R"(</th></tr></thead><tbody id="feed-body" data-labels=")",
      Esc(FeedLabelsJson(r, offices)), R"("></tbody></table><script src="/static/console.js"></script>)");
  return kit.Page(r, 200, std::string(T(r.lang, "feed.title")), body);
}

void ExportOpenFeeds(int open) {
  Metrics().GetGauge("hosho_console_feed_streams", "Live feeds open on this replica.").Set(open);
}

// A slot among the open feeds, given back when the stream ends (its state is destroyed).
struct FeedSlot {
  std::shared_ptr<std::atomic<int>> open;
  ~FeedSlot() { ExportOpenFeeds(--*open); }
};

// A slot for one more feed, or null when every slot is taken.
std::shared_ptr<FeedSlot> TakeFeedSlot(const PageKit& kit) {
  const std::shared_ptr<std::atomic<int>>& open = kit.open_feeds();
  if (++*open > kit.options().max_feed_streams) {
    --*open;
    return nullptr;
  }
  std::shared_ptr<FeedSlot> slot(new FeedSlot{open});
  ExportOpenFeeds(open->load());
  return slot;
}

// Where one open stream is: the last event sent, and whose session it serves.
struct StreamState {
  int64_t after;  // -1: start with the recent backlog
  std::string session_id;
  Principal viewer;
  FeedFilter filter;
  absl::Time last_session_check;
};

// One round of a stream: the backlog first, then what arrives within `keepalive` (or a keep-alive);
// false once the feed closes, the browser goes, or the session was signed out.
bool StreamRound(StreamState& state, LiveFeed* feed, SessionStore* sessions, Clock* clock, absl::Duration keepalive,
                 const HttpChunkWriter& write) {
  if (feed->closed()) return false;
  std::vector<FeedItem> items;
  if (state.after < 0) {
    // Read before the backlog: an event published in between is in the backlog or comes next.
    state.after = feed->last_seq();
    items = feed->Recent(100);
    if (!write("retry: 2000\n\n")) return false;
  } else {
    items = feed->WaitAfter(state.after, keepalive);
  }
  std::string out;
  for (const FeedItem& item : items) {
    state.after = std::max(state.after, item.seq);
    if (MaySeeFeedItem(state.viewer, item) && state.filter.Matches(item)) {
      out += ToServerSentEvent(item, feed->EventId(item.seq));
    }
  }
  if (out.empty()) out = ": keep-alive\n\n";
  if (!write(out)) return false;
  // A signed-out session stops receiving within a minute.
  if (clock->Now() - state.last_session_check > absl::Minutes(1) && !state.session_id.empty()) {
    state.last_session_check = clock->Now();
    if (absl::IsNotFound(sessions->Find(state.session_id).status())) return false;
  }
  return true;
}

HttpReply FeedStream(const PageKit& kit, const RequestContext& r) {
  HttpReply reply;
  // Exactly this type: cpp-httplib compresses (and so holds back) every other text/* stream.
  reply.content_type = "text/event-stream";
  AddSecurityHeaders(&reply);
  reply.headers.emplace_back("X-Accel-Buffering", "no");  // a proxy must not hold events back
  std::shared_ptr<FeedSlot> slot = TakeFeedSlot(kit);
  if (slot == nullptr) {
    LogWarn("console: live feed refused, every feed slot is taken", {{"user", r.user.name}});
    reply.status = 503;
    reply.headers.emplace_back("Retry-After", "10");
    reply.body = ": busy\n\n";
    return reply;
  }
  LiveFeed* feed = kit.deps().feed;
  // -1: start with the recent backlog (a new page, or an id from another replica or a restart).
  const int64_t after = feed->ResumeAfter(r.call.Header("last-event-id"));
  auto state = std::make_shared<StreamState>(StreamState{
      after, CookieValue(r.call, kSessionCookie), r.user,
      FeedFilter{r.call.Param("office"), r.call.Param("kind"), r.call.Param("state")}, kit.deps().clock->Now()});
  reply.stream = [state, slot, feed, sessions = kit.deps().sessions, clock = kit.deps().clock,
                  keepalive = kit.options().feed_keepalive](const HttpChunkWriter& write) {
    return StreamRound(*state, feed, sessions, clock, keepalive, write);
  };
  return reply;
}

}  // namespace

std::vector<HttpRoute> FeedRoutes(const PageKit& kit) {
  return {
      kit.PageRoute("GET", "/feed", FeedPage),
      kit.PageRoute("GET", "/events", FeedStream),
  };
}

}  // namespace hosho
