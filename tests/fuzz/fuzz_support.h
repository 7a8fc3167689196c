#pragma once
// What the fuzz targets share: a failed invariant that libFuzzer keeps as a crash, quiet logs, and
// an intake that maps submissions without Redis, Kafka or a network (fakes for the contract store
// and the rate limiter; the rules at the door are pure functions).

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/stubs/logging.h"
#include "hosho/v1/domain.pb.h"
#include "hosho/v1/intake.pb.h"
#include "services/common/crypto/sealing.h"
#include "services/common/domain/domain_text.h"
#include "services/common/runtime/clock.h"
#include "services/common/runtime/errors.h"
#include "services/common/runtime/log.h"
#include "services/common/store/case_store.h"
#include "services/common/store/rate_limiter.h"
#include "services/common/text/text.h"
#include "services/intake/intake_service.h"
#include "services/intake/scope_rules.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_contract_store.h"

// A broken invariant aborts, so that libFuzzer saves the input as a crash- artifact and the run fails.
#define FUZZ_CHECK(condition, what)                                                                     \
  do {                                                                                                  \
    if (!(condition)) {                                                                                 \
      std::fprintf(stderr, "fuzz invariant broken at %s:%d: %s (%s)\n", __FILE__, __LINE__, #condition, \
                   std::string(what).c_str());                                                          \
      std::abort();                                                                                     \
    }                                                                                                   \
  } while (0)

namespace hosho::fuzz {

// Log lines and protobuf's complaints about the inputs it refuses would cost more time than the
// code under test, and drown libFuzzer's own output.
inline void QuietLogs() {
  InitLogging("fuzz", LogLevel::kError);
  google::protobuf::SetLogHandler([](google::protobuf::LogLevel, const char*, int, const std::string&) {});
}

// The path of the first string field (recursively) that is not valid UTF-8, or "" when there is none:
// proto3 refuses to serialise such a field, and the case store refuses such text.
inline std::string FirstInvalidUtf8Field(const google::protobuf::Message& message, const std::string& prefix = "") {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Descriptor* descriptor = message.GetDescriptor();
  const google::protobuf::Reflection* reflection = message.GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    const std::string path = prefix + field->name();
    if (field->is_repeated()) {
      for (int k = 0; k < reflection->FieldSize(message, field); ++k) {
        if (field->type() == FieldDescriptor::TYPE_STRING &&
            !IsValidUtf8(reflection->GetRepeatedString(message, field, k))) {
          return path;
        }
        if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          std::string inner = FirstInvalidUtf8Field(reflection->GetRepeatedMessage(message, field, k), path + ".");
          if (!inner.empty()) return inner;
        }
      }
    } else if (field->type() == FieldDescriptor::TYPE_STRING) {
      if (!IsValidUtf8(reflection->GetString(message, field))) return path;
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && reflection->HasField(message, field)) {
      std::string inner = FirstInvalidUtf8Field(reflection->GetMessage(message, field), path + ".");
      if (!inner.empty()) return inner;
    }
  }
  return "";
}

// The registered contract (tests/support/fake_contract_store.h) every known 工事番号 leads to. A
// 工事番号 beginning with '0' is unknown, so that both answers are reached.
inline constexpr const char* kContractId = testing::kOneContractId;
inline bool KnownNumber(absl::string_view number) { return !number.empty() && number.front() != '0'; }

// Refuses every admission: IntakeServiceImpl::Submit asks the limiter before it touches the case
// store or Kafka (neither exists here), so a mapped submission stops there with RATE_LIMITED.
class RefusingLimiter final : public RateLimiter {
 public:
  absl::Status AdmitMany(absl::string_view, int64_t) override {
    ++refused;
    return absl::ResourceExhaustedError("fuzz: every submission stops at the rate limiter");
  }
  int64_t refused = 0;
};

// A moment inside the insurers' route (令和8年), fixed so that runs are reproducible.
inline absl::Time FuzzNow() { return absl::FromCivil(absl::CivilSecond(2026, 11, 26, 10, 0, 0), JapanTimeZone()); }

// Intake with fakes: MapMail and MapFormAnswer need only the contract store and the sealer.
struct FakeIntake {
  FakeIntake()
      : clock(FuzzNow()),
        sealer(*KeyRing::FromYaml(KeyRing::GenerateYaml("fuzz"))),
        intake(IntakeDeps{.contracts = &contracts, .sealer = &sealer, .clock = &clock, .limiter = &limiter},
               ScopePolicy{}, IntakeOptions{}) {}
  testing::OneContractStore contracts{KnownNumber};
  FakeClock clock;
  Sealer sealer;
  RefusingLimiter limiter;
  IntakeServiceImpl intake;
};

// The rules at the door as Submit applies them (normalise, then check against the contract), without
// the stores. Returns the violations; empty means admitted. Admitted requests must be storable.
inline std::vector<FieldViolation> DoorChecks(hosho::v1::SubmitGuaranteeRequest request) {
  NormalizeSubmission(request);
  const hosho::v1::Date today = TodayInJapan(FuzzNow());
  std::vector<FieldViolation> v = CheckSubmittedOn(request, today);
  const hosho::v1::Contract contract = testing::OneContract();
  for (FieldViolation& f :
       CheckSubmission(request, request.contract_id() == kContractId ? &contract : nullptr, ScopePolicy{}, today)) {
    v.push_back(std::move(f));
  }
  if (v.empty()) {
    FUZZ_CHECK(FirstInvalidUtf8Field(request).empty(),
               "an admitted submission has a non-UTF-8 field " + FirstInvalidUtf8Field(request));
    std::string wire;
    FUZZ_CHECK(request.SerializeToString(&wire), "an admitted submission does not serialise");
    hosho::v1::SubmitGuaranteeRequest back;
    FUZZ_CHECK(back.ParseFromString(wire), "an admitted submission does not parse back");
  }
  for (const FieldViolation& f : v) FUZZ_CHECK(!f.code.empty(), "a violation without a code at " + f.field);
  return v;
}

// Every refusal carries a machine code (the API, the form and the mail reply all show one).
inline void CheckRefusal(const absl::Status& status) {
  FUZZ_CHECK(!status.ok(), "not a refusal");
  for (const FieldViolation& f : ViolationsOf(status)) {
    FUZZ_CHECK(!f.code.empty(), "a violation without a code at " + f.field);
    FUZZ_CHECK(IsValidUtf8(f.message_ja), "a violation message that is not UTF-8 (" + f.code + ")");
  }
}

}  // namespace hosho::fuzz
