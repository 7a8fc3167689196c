#include "services/common/redis/redis_client.h"

#include "gtest/gtest.h"

namespace hosho {
namespace {

// A restarted redis-server answers LOADING until its AOF is read: a caller must retry, not take it for
// a refusal (a worker reads FAILED_PRECONDITION as "the case moved on" and skips the step; a client
// would be refused a submission it may send again). Seen by hosho-chaos (docs/chaos.md).
TEST(RedisErrorStatusTest, AServerThatCannotAnswerForNowIsUnavailable) {
  for (const char* reply : {"LOADING Redis is loading the dataset in memory", "BUSY Redis is busy running a script.",
                            "TRYAGAIN Multiple keys request during rehashing of slot",
                            "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
                            "CLUSTERDOWN The cluster is down", "READONLY You can't write against a read only replica.",
                            "MISCONF Errors writing to the AOF file: No space left on device",
                            "OOM command not allowed when used memory > 'maxmemory'."}) {
    const absl::Status s = RedisErrorStatus(reply);
    EXPECT_TRUE(absl::IsUnavailable(s)) << reply << " → " << s;
    EXPECT_EQ(s.message(), std::string("redis: ") + reply);
  }
}

// Never FAILED_PRECONDITION, which a worker would take for "the case moved on".
TEST(RedisErrorStatusTest, EveryOtherErrorReplyIsAnInternalError) {
  for (const char* reply :
       {"ERR wrong number of arguments for 'hset' command", "NOSCRIPT No matching script.",
        "WRONGTYPE Operation against a key holding the wrong kind of value",
        "BUSYGROUP Consumer Group name already exists", "LOADINGX not a prefix", "loading lower case"}) {
    EXPECT_TRUE(absl::IsInternal(RedisErrorStatus(reply))) << reply;
  }
}

}  // namespace
}  // namespace hosho
