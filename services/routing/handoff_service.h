#pragma once

#include <functional>
#include <string>
#include <vector>

#include "hosho/events/v1/events.pb.h"
#include "hosho/v1/handoff.grpc.pb.h"
#include "services/common/auth/auth.h"
#include "services/common/kafka/kafka.h"
#include "services/common/runtime/clock.h"
#include "services/common/store/case_store.h"
#include "services/routing/accounting.h"
#include "services/routing/routing_rules.h"

namespace hosho {

// Timer of cases whose hand-off events may not have reached Kafka yet: set before a step is
// applied, cleared once its events are stored; the sweeper re-sends what is left (same event ids).
inline constexpr char kHandoffPublishTimer[] = "handoff-publish";

// The suffixes of every event id a hand-off step can record on a case, in lifecycle order.
const std::vector<std::string>& HandoffEventSuffixes();

// What the receiving office does with a routed case. Every step is one audited transition (actor,
// time, note, event) and is refused (NOT_FOUND, as if the case did not exist) to anyone outside
// the office now responsible. A step repeated by the same office after it succeeded answers with
// the case as it is and re-sends the same events.
//   ConcludeContract:      ROUTED → CONTRACT_CONCLUDED, then FORWARDED to the department in charge
//   AcknowledgeReceipt:    FORWARDED → CLOSED (the department has the credential or format)
//   RecordPaymentHandoff:  ROUTED → PAYMENT_HANDED_OFF (accounting called first) → CLOSED
//   Withdraw:              any open state → WITHDRAWN (the office, an operator or the submitter)
class HandoffServiceImpl final : public hosho::v1::HandoffService::Service {
 public:
  HandoffServiceImpl(CaseStore* cases, EventProducer* producer, const Authenticator* auth, Clock* clock,
                     const RoutingPolicy* policy, AccountingSystem* accounting,
                     absl::Duration send_timeout = absl::Seconds(10));

  grpc::Status ConcludeContract(grpc::ServerContext* context, const hosho::v1::HandoffRequest* request,
                                hosho::v1::Case* response) override;
  grpc::Status AcknowledgeReceipt(grpc::ServerContext* context, const hosho::v1::HandoffRequest* request,
                                  hosho::v1::Case* response) override;
  grpc::Status RecordPaymentHandoff(grpc::ServerContext* context, const hosho::v1::HandoffRequest* request,
                                    hosho::v1::Case* response) override;
  grpc::Status Withdraw(grpc::ServerContext* context, const hosho::v1::HandoffRequest* request,
                        hosho::v1::Case* response) override;

  // The same operations without gRPC (the console and tests call these).
  absl::StatusOr<CaseRecord> Conclude(const Principal& who, const hosho::v1::HandoffRequest& request,
                                      const std::string& traceparent);
  absl::StatusOr<CaseRecord> Acknowledge(const Principal& who, const hosho::v1::HandoffRequest& request,
                                         const std::string& traceparent);
  absl::StatusOr<CaseRecord> HandOffPayment(const Principal& who, const hosho::v1::HandoffRequest& request,
                                            const std::string& traceparent);
  absl::StatusOr<CaseRecord> WithdrawCase(const Principal& who, const hosho::v1::HandoffRequest& request,
                                          const std::string& traceparent);

 private:
  using Operation = absl::StatusOr<CaseRecord> (HandoffServiceImpl::*)(const Principal&,
                                                                       const hosho::v1::HandoffRequest&,
                                                                       const std::string&);
  // The RPC frame (rpc_frame.h) around `op`: the caller authenticated first, the answer counted.
  grpc::Status Serve(const char* method, Operation op, grpc::ServerContext* context,
                     const hosho::v1::HandoffRequest* request, hosho::v1::Case* response);
  // Applies `steps` (first step's event id is the replay key) and publishes their events.
  absl::StatusOr<CaseRecord> ApplyAndPublish(const Principal& who, const std::string& case_id,
                                             std::vector<TransitionRequest> steps, const std::string& traceparent);
  // The case a step acts on, after the request's fields and the caller are checked; `done` when this office already
  // recorded the step (its events were re-sent) and the record is the answer. NOT_FOUND CASE_NOT_FOUND.
  struct Target {
    CaseRecord record;
    bool done = false;
    std::string office;  // the office now holding the case
    std::string state;
  };
  // `may_act` decides who may take the step (NOT_FOUND for anyone else).
  absl::StatusOr<Target> Open(const Principal& who, const hosho::v1::HandoffRequest& r, const std::string& step_suffix,
                              bool note_required, const std::string& traceparent,
                              bool (*may_act)(const Principal&, const CaseRecord&));
  // If the step keyed `event_id` was already applied by `who`'s office: re-send and answer.
  absl::StatusOr<bool> AlreadyDone(const Principal& who, const std::string& case_id, const std::string& event_id,
                                   const std::string& traceparent);

  CaseStore* cases_;
  EventProducer* producer_;
  const Authenticator* auth_;
  Clock* clock_;
  const RoutingPolicy* policy_;
  AccountingSystem* accounting_;
  absl::Duration send_timeout_;
};

// Re-sends every applied hand-off event of `case_id` (their ids are deterministic, so consumers
// see a repeat, never a new event). Used by the sweeper for kHandoffPublishTimer (a new trace) and for a
// repeated step (the caller's trace continues).
absl::Status RepublishHandoffEvents(CaseLedger* cases, EventProducer* producer, const std::string& case_id,
                                    absl::Duration timeout, const std::string& traceparent = "");

}  // namespace hosho
