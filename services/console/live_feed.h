#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/auth/auth.h"
#include "services/common/kafka/kafka.h"
#include "services/common/store/case_store.h"

namespace hosho {

// One case event as the live feed shows it: what happened, to which case, and where the case
// stands now (state, office) after it.
struct FeedItem {
  int64_t seq = 0;  // position in this replica's feed; with the feed's epoch, the SSE event id
  absl::Time at;
  std::string topic;
  std::string event_type;  // "submission_received", "case_transitioned", ...
  std::string event_id;
  std::string case_id;
  std::string state;   // current state, e.g. "ROUTED"
  std::string office;  // office now responsible
  std::string kind;    // "GUARANTEE_KIND_CONTRACT"
  std::string ordering_office;
  std::string department;
  std::string detail;  // a short line: "ROUTED → CONTRACT_CONCLUDED", a rule code, ...
};

// What a viewer asked to see (empty: any).
struct FeedFilter {
  std::string office;
  std::string kind;
  std::string state;
  bool Matches(const FeedItem& item) const;
};

// Operators see every case; a clerk the cases of their office (responsible now, ordering or in
// charge), as CaseService scopes them.
bool MaySeeFeedItem(const Principal& viewer, const FeedItem& item);

// The recent case events of this console replica, in a bounded ring, with waiters woken when more
// arrive. Thread-safe.
//
// Every replica consumes every case event, but numbers them itself. So an SSE id is "<epoch>.<seq>",
// the epoch being random per feed: a browser that reconnects to another replica (or to a restarted
// one) sends an id of another epoch and gets the recent backlog rather than a resume at a number
// that means something else here; the page drops events it has already shown by their event id.
class LiveFeed {
 public:
  explicit LiveFeed(size_t capacity = 2000, std::string epoch = {});
  const std::string& epoch() const { return epoch_; }
  std::string EventId(int64_t seq) const;
  // The sequence number to resume after, or -1 when `event_id` is not one of this feed's.
  int64_t ResumeAfter(absl::string_view event_id) const;
  void Publish(FeedItem item);
  // Items after `after_seq` (at most `limit`), waiting up to `timeout` when there are none yet.
  // Returns empty on timeout or once closed.
  std::vector<FeedItem> WaitAfter(int64_t after_seq, absl::Duration timeout, size_t limit = 200);
  // The newest `limit` items, oldest first.
  std::vector<FeedItem> Recent(size_t limit);
  int64_t last_seq();
  void Close();
  bool closed();

 private:
  const size_t capacity_;
  const std::string epoch_;
  absl::Mutex mu_;
  std::deque<FeedItem> items_ ABSL_GUARDED_BY(mu_);
  int64_t next_seq_ ABSL_GUARDED_BY(mu_) = 1;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

// Turns consumed Kafka records into feed items: parses the envelope, looks the case up for its
// state and office, publishes. Records that are not case events (contracts) are done with nothing
// shown; an unreadable record is skipped (its owning consumers dead-letter it); a store failure is a
// retry (the console's observer logs it and moves on).
class FeedIngester {
 public:
  FeedIngester(LiveFeed* feed, CaseStore* cases) : feed_(feed), cases_(cases) {}
  RecordResult Handle(const KafkaRecord& record);

 private:
  LiveFeed* feed_;
  CaseStore* cases_;
};

// "GUARANTEE_KIND_CONTRACT" for the number a case record stores; empty when unknown.
std::string StoredKindName(absl::string_view stored);

// One SSE message: "id: <event_id>\nevent: case\ndata: <json>\n\n".
std::string ToServerSentEvent(const FeedItem& item, absl::string_view event_id);

}  // namespace hosho
