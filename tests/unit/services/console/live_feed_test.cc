#include "services/console/live_feed.h"

#include <thread>

#include "gtest/gtest.h"

namespace hosho {
namespace {

FeedItem Item(const std::string& case_id, const std::string& office, const std::string& state) {
  FeedItem item;
  item.case_id = case_id;
  item.office = office;
  item.state = state;
  item.kind = "GUARANTEE_KIND_CONTRACT";
  item.ordering_office = "contract-division";
  item.department = "road-maintenance";
  return item;
}

TEST(LiveFeedTest, NumbersItemsKeepsTheNewestAndResumesAfterASequence) {
  LiveFeed feed(3);
  for (int i = 1; i <= 5; ++i) feed.Publish(Item("C" + std::to_string(i), "contract-division", "RECEIVED"));
  EXPECT_EQ(feed.last_seq(), 5);
  std::vector<FeedItem> recent = feed.Recent(10);
  ASSERT_EQ(recent.size(), 3u);
  EXPECT_EQ(recent.front().case_id, "C3");
  EXPECT_EQ(recent.back().seq, 5);
  std::vector<FeedItem> after = feed.WaitAfter(3, absl::ZeroDuration());
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].case_id, "C4");
}

TEST(LiveFeedTest, AWaiterWakesWhenAnItemArrivesAndEndsWhenClosed) {
  LiveFeed feed;
  std::vector<FeedItem> got;
  std::thread waiter([&] { got = feed.WaitAfter(0, absl::Seconds(30)); });
  feed.Publish(Item("C1", "contract-division", "RECEIVED"));
  waiter.join();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].seq, 1);
  std::thread closing([&] { got = feed.WaitAfter(1, absl::Seconds(30)); });
  feed.Close();
  closing.join();
  EXPECT_TRUE(got.empty());
  EXPECT_TRUE(feed.closed());
}

TEST(LiveFeedTest, FiltersAndVisibilityFollowTheCaseOffices) {
  const FeedItem routed = Item("C1", "contract-division", "ROUTED");
  EXPECT_TRUE((FeedFilter{"", "", ""}).Matches(routed));
  EXPECT_TRUE((FeedFilter{"road-maintenance", "", ""}).Matches(routed)) << "department in charge";
  EXPECT_FALSE((FeedFilter{"sewerage-works", "", ""}).Matches(routed));
  EXPECT_FALSE((FeedFilter{"", "GUARANTEE_KIND_ADVANCE_PAYMENT", ""}).Matches(routed));
  EXPECT_FALSE((FeedFilter{"", "", "CLOSED"}).Matches(routed));
  EXPECT_TRUE((FeedFilter{"contract-division", "GUARANTEE_KIND_CONTRACT", "ROUTED"}).Matches(routed));

  EXPECT_TRUE(MaySeeFeedItem({"op", Role::kOperator, ""}, routed));
  EXPECT_TRUE(MaySeeFeedItem({"k", Role::kClerk, "contract-division"}, routed));
  EXPECT_TRUE(MaySeeFeedItem({"d", Role::kClerk, "road-maintenance"}, routed));
  EXPECT_FALSE(MaySeeFeedItem({"s", Role::kClerk, "water-sewerage-policy"}, routed));
  EXPECT_FALSE(MaySeeFeedItem({"x", Role::kClerk, ""}, routed));
  EXPECT_FALSE(MaySeeFeedItem({"sub", Role::kSubmitter, ""}, routed));
}

TEST(LiveFeedTest, ServerSentEventsAreOneJsonLineWithTheEventId) {
  FeedItem item = Item("C\"1", "contract-division", "ROUTED");
  item.seq = 42;
  item.detail = "line\nbreak";
  const std::string sse = ToServerSentEvent(item, "ep1.42");
  EXPECT_EQ(sse.rfind("id: ep1.42\nevent: case\ndata: {", 0), 0u) << sse;
  EXPECT_NE(sse.find(R"("case_id":"C\"1")"), std::string::npos) << sse;
  EXPECT_NE(sse.find(R"("detail":"line\nbreak")"), std::string::npos) << "a newline would end the event: " << sse;
  EXPECT_EQ(sse.substr(sse.size() - 2), "\n\n");
  EXPECT_EQ(std::count(sse.begin(), sse.end(), '\n'), 4);
}

TEST(LiveFeedTest, EventIdsResumeOnlyOnTheFeedThatNumberedThem) {
  LiveFeed here(10, "replicaA");
  LiveFeed there(10, "replicaB");
  EXPECT_EQ(here.EventId(7), "replicaA.7");
  EXPECT_EQ(here.ResumeAfter("replicaA.7"), 7);
  // Another replica (or this one before a restart) numbers differently: start from the backlog.
  EXPECT_EQ(there.ResumeAfter("replicaA.7"), -1);
  EXPECT_EQ(here.ResumeAfter(""), -1);
  EXPECT_EQ(here.ResumeAfter("7"), -1);
  EXPECT_EQ(here.ResumeAfter("replicaA.x"), -1);
  EXPECT_EQ(here.ResumeAfter("replicaA.-3"), -1);
  // Without a given epoch, each feed draws its own.
  EXPECT_NE(LiveFeed().epoch(), LiveFeed().epoch());
}

TEST(LiveFeedTest, StoredKindNumbersBecomeEnumNames) {
  EXPECT_EQ(StoredKindName("1"), "GUARANTEE_KIND_CONTRACT");
  EXPECT_EQ(StoredKindName("3"), "GUARANTEE_KIND_INTERMEDIATE_ADVANCE_PAYMENT");
  EXPECT_EQ(StoredKindName("77"), "");
  EXPECT_EQ(StoredKindName(""), "");
}

}  // namespace
}  // namespace hosho
