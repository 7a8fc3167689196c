// Request bytes as PreciseUnaryHandler receives them (services/common/grpc/grpc_precise.h): when they do not
// parse, ParseRefusal must refuse them with INVALID_ARGUMENT and a code, and name the field whenever
// invalid UTF-8 in a string field is what failed the parse (the point of the precise handler).
//
// The oracle for "what failed": the same bytes parsed as a shadow of the message in which every
// string field is a bytes field (a dynamic message from a copy of the .proto files). When the shadow
// parses and the real message does not, only UTF-8 can be the reason.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "grpcpp/grpcpp.h"
#include "hosho/v1/handoff.pb.h"
#include "hosho/v1/intake.pb.h"
#include "hosho/v1/verification.pb.h"
#include "services/common/grpc/grpc_precise.h"
#include "services/common/runtime/errors.h"
#include "tests/fuzz/fuzz_support.h"

namespace hosho::fuzz {
namespace {

namespace pb = google::protobuf;

void StringsToBytes(pb::DescriptorProto& message) {
  const bool map_entry = message.options().map_entry();
  for (pb::FieldDescriptorProto& field : *message.mutable_field()) {
    // A map's key may not be bytes; it stays a string (a bad key then fails the shadow too).
    if (map_entry && field.number() == 1) continue;
    if (field.type() == pb::FieldDescriptorProto::TYPE_STRING) field.set_type(pb::FieldDescriptorProto::TYPE_BYTES);
  }
  for (pb::DescriptorProto& nested : *message.mutable_nested_type()) StringsToBytes(nested);
}

// The .proto files behind the requests, copied into a pool of their own with strings as bytes.
class ShadowPool {
 public:
  const pb::Descriptor* Shadow(const pb::Descriptor& real) {
    Add(real.file());
    return pool_.FindMessageTypeByName(real.full_name());
  }
  pb::MessageFactory& factory() { return factory_; }

 private:
  void Add(const pb::FileDescriptor* file) {
    if (pool_.FindFileByName(file->name()) != nullptr) return;
    for (int i = 0; i < file->dependency_count(); ++i) Add(file->dependency(i));
    pb::FileDescriptorProto proto;
    file->CopyTo(&proto);
    for (pb::DescriptorProto& message : *proto.mutable_message_type()) StringsToBytes(message);
    FUZZ_CHECK(pool_.BuildFile(proto) != nullptr, "cannot build the shadow of " + file->name());
  }
  pb::DescriptorPool pool_;
  pb::DynamicMessageFactory factory_{&pool_};
};

ShadowPool& Shadows() {
  static ShadowPool* pool = new ShadowPool();
  return *pool;
}

// One request type, as PreciseUnaryHandler<Request, ...> treats it.
template <class Request>
void CheckPrecise(absl::string_view bytes) {
  Request request;
  if (request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    // What parsed is what the handler runs on: it serialises again and holds only UTF-8 strings.
    FUZZ_CHECK(FirstInvalidUtf8Field(request).empty(),
               "a parsed request with non-UTF-8 " + FirstInvalidUtf8Field(request));
    Request again;
    FUZZ_CHECK(again.ParseFromString(request.SerializeAsString()), "a parsed request does not parse again");
    return;
  }
  const absl::Status refusal = ParseRefusal(bytes, *Request::descriptor());
  FUZZ_CHECK(refusal.code() == absl::StatusCode::kInvalidArgument, refusal.ToString());
  const std::vector<FieldViolation> violations = ViolationsOf(refusal);
  FUZZ_CHECK(violations.size() == 1, absl::StrCat(violations.size(), " violations"));
  const FieldViolation& v = violations.front();
  FUZZ_CHECK(v.code == "TEXT_INVALID_UTF8" || v.code == "REQUEST_UNREADABLE", "code " + v.code);
  FUZZ_CHECK(v.code != "TEXT_INVALID_UTF8" || !v.field.empty(), "TEXT_INVALID_UTF8 without a field");
  FUZZ_CHECK(!v.message_ja.empty(), "a refusal without a message");

  // Only UTF-8 failed the parse: the refusal must say which field.
  const pb::Descriptor* shadow = Shadows().Shadow(*Request::descriptor());
  FUZZ_CHECK(shadow != nullptr, "no shadow of " + Request::descriptor()->full_name());
  std::unique_ptr<pb::Message> lenient(Shadows().factory().GetPrototype(shadow)->New());
  if (lenient->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    FUZZ_CHECK(v.code == "TEXT_INVALID_UTF8", absl::StrCat("the bytes fail only for UTF-8, but the refusal is ", v.code,
                                                           " (", Request::descriptor()->name(), ")"));
  }

  // On the wire the refusal keeps its code and field (ToGrpcStatus, then the client's FromGrpcStatus).
  const absl::Status back = FromGrpcStatus(ToGrpcStatus(refusal));
  FUZZ_CHECK(back.code() == refusal.code(), "the gRPC status lost its code");
  const std::vector<FieldViolation> received = ViolationsOf(back);
  FUZZ_CHECK(received.size() == 1 && received.front().code == v.code && received.front().field == v.field,
             "the gRPC status lost the violation");
}

}  // namespace
}  // namespace hosho::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  hosho::fuzz::QuietLogs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hosho::fuzz;
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  // SubmitGuarantee first (the public door); the other methods served by PreciseUnaryHandler read the
  // same bytes as their own requests.
  CheckPrecise<hosho::v1::SubmitGuaranteeRequest>(bytes);
  CheckPrecise<hosho::v1::ImportFormCsvRequest>(bytes);
  CheckPrecise<hosho::v1::RecordCertificateRequest>(bytes);
  CheckPrecise<hosho::v1::RevealCredentialRequest>(bytes);
  CheckPrecise<hosho::v1::ClaimTaskRequest>(bytes);
  CheckPrecise<hosho::v1::ReleaseTaskRequest>(bytes);
  CheckPrecise<hosho::v1::ListTasksRequest>(bytes);
  CheckPrecise<hosho::v1::HandoffRequest>(bytes);
  return 0;
}
