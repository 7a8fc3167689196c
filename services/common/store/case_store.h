#pragma once

#include "services/common/store/case_index.h"
#include "services/common/store/case_ledger.h"
#include "services/common/store/case_timers.h"
#include "services/common/store/clerk_tasks.h"
#include "services/common/store/contract_store.h"
#include "services/common/store/idempotency_keys.h"
#include "services/common/store/notice_log.h"

namespace hosho {

// The whole case store: every role at once. A process's wiring holds one (RedisCaseStore) and hands
// each part of its library the roles it uses; tests/support/fake_case_store.h is the in-memory one.
class CaseStore : public CaseLedger,
                  public ClerkTasks,
                  public CaseTimers,
                  public CaseIndex,
                  public IdempotencyKeys,
                  public NoticeLog {};

}  // namespace hosho
