// IntakeServiceImpl::Submit against the in-memory case store and producer: what a submission
// writes and publishes, what a retry, a reused request id and a second arrival of the same guarantee
// answer, and that a store outage or an unconfirmed send at one exact step answers UNAVAILABLE.
#include "services/intake/intake_service.h"

#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "gtest/gtest.h"
#include "hosho/events/v1/events.pb.h"
#include "services/common/crypto/sealing.h"
#include "services/common/domain/domain_text.h"
#include "services/common/domain/events.h"
#include "services/common/runtime/errors.h"
#include "services/common/store/case_fields.h"
#include "tests/support/fake_case_store.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_contract_store.h"
#include "tests/support/fake_producer.h"

namespace hosho {
namespace {

using hosho::v1::SubmitGuaranteeRequest;
using hosho::v1::SubmitGuaranteeResponse;

constexpr const char* kContractId = testing::kOneContractId;

// A D-Sure 契約保証 for kContractId.
SubmitGuaranteeRequest DSureRequest(const std::string& request_id, const std::string& guarantee_number) {
  SubmitGuaranteeRequest r;
  r.set_client_request_id(request_id);
  r.set_contract_id(kContractId);
  r.set_kind(hosho::v1::GUARANTEE_KIND_CONTRACT);
  r.set_issuer_kind(hosho::v1::ISSUER_KIND_SURETY_COMPANY);
  r.set_issuer(hosho::v1::ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY);
  r.mutable_d_sure()->set_guarantee_number(guarantee_number);
  r.mutable_d_sure()->set_authentication_key("AK-7f3c9a");
  return r;
}

std::string FirstCode(const absl::Status& status) {
  std::vector<FieldViolation> violations = ViolationsOf(status);
  return violations.empty() ? "" : violations.front().code;
}

class IntakeServiceTest : public ::testing::Test {
 protected:
  IntakeServiceTest()
      : clock_(absl::FromCivil(absl::CivilSecond(2026, 11, 26, 10, 0, 0), JapanTimeZone())),
        sealer_(*KeyRing::FromYaml(KeyRing::GenerateYaml("k1"))),
        intake_(IntakeDeps{&cases_, &contracts_, &producer_, &sealer_, nullptr, &clock_, nullptr, nullptr},
                ScopePolicy{}, IntakeOptions{}) {}

  // Submit wipes the credential of what it is given: each call gets its own copy.
  absl::StatusOr<SubmitGuaranteeResponse> Submit(SubmitGuaranteeRequest request) {
    return intake_.Submit(vendor_, request, "");
  }

  // Every case the store received, oldest first.
  std::vector<std::string> ReceivedCases() {
    return *cases_.ListReceived(absl::InfinitePast(), absl::InfiniteFuture(), 100, 0);
  }

  std::vector<std::string> EventTypes() const {
    std::vector<std::string> types;
    for (const OutgoingRecord& record : producer_.sent()) {
      for (const auto& [name, value] : record.headers) {
        if (name == "event-type") types.push_back(value);
      }
    }
    return types;
  }

  testing::FakeCaseStore cases_;
  testing::OneContractStore contracts_;
  testing::FakeProducer producer_;
  FakeClock clock_;
  Sealer sealer_;
  IntakeServiceImpl intake_;
  Principal vendor_{"vendor", Role::kSubmitter, ""};
};

TEST_F(IntakeServiceTest, AnAcceptedSubmissionCreatesOneReceivedCaseAndPublishesItsReceipt) {
  auto response = Submit(DSureRequest("r-1", "DS-1"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_FALSE(response->replayed());
  EXPECT_FALSE(response->duplicate());
  EXPECT_EQ(response->state(), hosho::v1::CASE_STATE_RECEIVED);

  EXPECT_EQ(ReceivedCases(), std::vector<std::string>{response->case_id()});
  auto stored = cases_.Get(response->case_id());
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->Field("state"), "RECEIVED");
  EXPECT_EQ(stored->Field(case_fields::kContractId), kContractId);
  EXPECT_EQ(stored->Field(case_fields::kSubmittedBy), "vendor");
  EXPECT_EQ(stored->Field(case_fields::kGuaranteeNumber), "DS-1");
  hosho::v1::SealedCredential credential;
  ASSERT_TRUE(credential.ParseFromString(stored->Field("credential")));
  EXPECT_TRUE(credential.has_secret()) << "the key is stored sealed";
  EXPECT_EQ(stored->Field("credential").find("AK-7f3c9a"), std::string::npos) << "never in plaintext";

  EXPECT_EQ(EventTypes(), (std::vector<std::string>{"submission_received", "receipt_acknowledged"}));
  for (const OutgoingRecord& record : producer_.sent()) {
    EXPECT_EQ(record.topic, topics::kSubmissions);
    EXPECT_EQ(record.key, response->case_id());
  }
  hosho::events::v1::Envelope received;
  ASSERT_TRUE(received.ParseFromString(producer_.sent()[0].value));
  EXPECT_EQ(received.event_id(), response->case_id() + ":submitted");
  EXPECT_EQ(received.submission_received().contract().contract_id(), kContractId);
  EXPECT_EQ(received.submission_received().channel(), hosho::v1::CHANNEL_API);
}

TEST_F(IntakeServiceTest, ARetryWithTheSameRequestIdAnswersTheSameCaseWithTheSameEvents) {
  auto first = Submit(DSureRequest("r-1", "DS-1"));
  ASSERT_TRUE(first.ok()) << first.status();
  clock_.Advance(absl::Minutes(3));
  auto retry = Submit(DSureRequest("r-1", "DS-1"));
  ASSERT_TRUE(retry.ok()) << retry.status();

  EXPECT_EQ(retry->case_id(), first->case_id());
  EXPECT_TRUE(retry->replayed());
  EXPECT_FALSE(retry->duplicate());
  EXPECT_EQ(ReceivedCases().size(), 1u);
  const std::vector<OutgoingRecord> sent = producer_.sent();
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(sent[2].value, sent[0].value) << "the stored first event, not one made three minutes later";
  EXPECT_EQ(sent[3].value, sent[1].value);
}

TEST_F(IntakeServiceTest, AReusedRequestIdWithOtherContentIsRefusedAndChangesNothing) {
  auto first = Submit(DSureRequest("r-1", "DS-1"));
  ASSERT_TRUE(first.ok()) << first.status();
  const size_t history = cases_.Get(first->case_id())->history.size();

  auto reused = Submit(DSureRequest("r-1", "DS-2"));
  EXPECT_EQ(reused.status().code(), absl::StatusCode::kAlreadyExists);
  ASSERT_EQ(ViolationsOf(reused.status()).size(), 1u);
  const FieldViolation violation = ViolationsOf(reused.status()).front();
  EXPECT_EQ(violation.field, "client_request_id");
  EXPECT_EQ(violation.code, "REQUEST_ID_REUSED");
  EXPECT_EQ(violation.message_ja,
            "この client_request_id は別の内容の提出で使用済みです（案件 " + first->case_id() + "）");

  EXPECT_EQ(ReceivedCases().size(), 1u);
  EXPECT_EQ(cases_.Get(first->case_id())->history.size(), history);
  EXPECT_EQ(producer_.sent().size(), 2u);
  // DS-2 was not claimed by the refused call: under its own request id it is a case of its own.
  auto other = Submit(DSureRequest("r-2", "DS-2"));
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_FALSE(other->duplicate());
  EXPECT_NE(other->case_id(), first->case_id());
}

TEST_F(IntakeServiceTest, TheSameGuaranteeAgainIsRecordedOnTheFirstCase) {
  auto first = Submit(DSureRequest("r-1", "DS-1"));
  ASSERT_TRUE(first.ok()) << first.status();
  auto again = Submit(DSureRequest("r-2", "DS-1"));
  ASSERT_TRUE(again.ok()) << again.status();

  EXPECT_TRUE(again->duplicate());
  EXPECT_FALSE(again->replayed());
  EXPECT_EQ(again->case_id(), first->case_id());
  EXPECT_EQ(again->state(), hosho::v1::CASE_STATE_RECEIVED);
  EXPECT_EQ(ReceivedCases().size(), 1u);
  auto stored = cases_.Get(first->case_id());
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->Field(case_fields::kDuplicateCount), "1");
  ASSERT_EQ(producer_.Sent(topics::kSubmissions, "submission_duplicate").size(), 1u);
  hosho::events::v1::Envelope duplicate;
  ASSERT_TRUE(duplicate.ParseFromString(producer_.Sent(topics::kSubmissions, "submission_duplicate")[0].value));
  EXPECT_EQ(duplicate.submission_duplicate().code(), "R14_DUPLICATE_GUARANTEE");

  // The duplicate's own retry records nothing new.
  auto retried = Submit(DSureRequest("r-2", "DS-1"));
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_TRUE(retried->duplicate());
  EXPECT_TRUE(retried->replayed());
  EXPECT_EQ(cases_.Get(first->case_id())->Field(case_fields::kDuplicateCount), "1");
}

TEST_F(IntakeServiceTest, AStoreOutageWhenTheCaseIsCreatedAnswersUnavailableAndCreatesNothing) {
  // A fresh submission asks the store four times: the R14 holder, the request id, the R14 claim,
  // then the case. The fourth is refused.
  cases_.Refuse(1, /*after=*/3);
  auto refused = Submit(DSureRequest("r-1", "DS-1"));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable) << refused.status();
  EXPECT_EQ(cases_.refused(), 1);
  EXPECT_TRUE(ReceivedCases().empty());
  EXPECT_TRUE(producer_.sent().empty());

  // Once the store is back, the same request creates the case once.
  auto retried = Submit(DSureRequest("r-1", "DS-1"));
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_FALSE(retried->duplicate());
  EXPECT_EQ(ReceivedCases(), std::vector<std::string>{retried->case_id()});
  EXPECT_EQ(EventTypes(), (std::vector<std::string>{"submission_received", "receipt_acknowledged"}));
}

TEST_F(IntakeServiceTest, ABrokerThatDoesNotConfirmAnswersUnavailableAndTheRetryPublishes) {
  producer_.Refuse(true);
  auto refused = Submit(DSureRequest("r-1", "DS-1"));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable) << refused.status();
  EXPECT_NE(refused.status().message().find("同じ client_request_id で再送してください"), std::string::npos)
      << refused.status();
  EXPECT_TRUE(producer_.sent().empty());

  producer_.Refuse(false);
  auto retried = Submit(DSureRequest("r-1", "DS-1"));
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(ReceivedCases(), std::vector<std::string>{retried->case_id()});
  EXPECT_EQ(EventTypes(), (std::vector<std::string>{"submission_received", "receipt_acknowledged"}));
}

TEST_F(IntakeServiceTest, ARuleAtTheDoorRefusesBeforeAnythingIsWritten) {
  SubmitGuaranteeRequest request = DSureRequest("r-1", "DS-1");
  request.mutable_d_sure()->clear_authentication_key();
  auto refused = Submit(request);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FirstCode(refused.status()), "R01_AUTHENTICATION_KEY_MISSING");
  EXPECT_TRUE(ReceivedCases().empty());
  EXPECT_TRUE(producer_.sent().empty());
  // Nothing was bound: the request id is free for the corrected submission.
  auto corrected = Submit(DSureRequest("r-1", "DS-1"));
  ASSERT_TRUE(corrected.ok()) << corrected.status();
  EXPECT_FALSE(corrected->replayed());
}

TEST_F(IntakeServiceTest, AResubmissionAnswersOnlyAReturnedCaseOfTheSameContractAndKind) {
  auto first = Submit(DSureRequest("r-1", "DS-1"));
  ASSERT_TRUE(first.ok()) << first.status();

  SubmitGuaranteeRequest resubmission = DSureRequest("r-2", "DS-2");
  resubmission.set_resubmits_case_id(first->case_id());
  auto not_returned = Submit(resubmission);
  EXPECT_EQ(not_returned.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(FirstCode(not_returned.status()), "RESUBMITTED_CASE_NOT_RETURNED");
  EXPECT_EQ(ViolationsOf(not_returned.status()).front().message_ja,
            "再提出できるのは差し戻された案件だけです（現在: RECEIVED）");

  resubmission.set_resubmits_case_id("HS-20261126-000000000000");
  auto unknown = Submit(resubmission);
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(FirstCode(unknown.status()), "RESUBMITTED_CASE_NOT_FOUND");

  resubmission.set_resubmits_case_id(first->case_id());
  resubmission.set_supersedes_case_id(first->case_id());
  resubmission.set_amendment_kind(hosho::v1::AMENDMENT_KIND_INCREASE);
  auto both = Submit(resubmission);
  EXPECT_EQ(both.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FirstCode(both.status()), "RESUBMISSION_AND_AMENDMENT");
  EXPECT_EQ(ReceivedCases().size(), 1u);
}

}  // namespace
}  // namespace hosho
