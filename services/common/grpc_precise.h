#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/rpc_service_method.h>
#include <grpcpp/support/method_handler.h>

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "services/common/errors.h"

namespace hosho {

// A request's bytes, for a method that parses its own request.
struct RawRequest {
  std::string bytes;
};

// Why `bytes` do not parse as `descriptor`: a string field with invalid UTF-8 is named
// (INVALID_ARGUMENT TEXT_INVALID_UTF8, field path such as "confirmation_system.viewing_password"),
// anything else is REQUEST_UNREADABLE.
absl::Status ParseRefusal(absl::string_view bytes, const google::protobuf::Descriptor& descriptor);

// proto3 refuses a string field with invalid UTF-8 before any handler runs, and gRPC then answers
// INTERNAL without saying which field. A unary method registered through this service receives the
// bytes and parses them itself, so the caller gets a precise refusal. Register it together with the
// generated service whose method is marked generic (WithGenericMethod_<Method>).
template <class Request, class Response>
class PreciseUnaryMethod final : public grpc::Service {
 public:
  using Handler = std::function<grpc::Status(grpc::ServerContext*, const Request*, Response*)>;
  // `path` is the full method name, "/hosho.v1.IntakeService/SubmitGuarantee".
  PreciseUnaryMethod(std::string path, Handler handler) : path_(std::move(path)), handler_(std::move(handler)) {
    AddMethod(new grpc::internal::RpcServiceMethod(
        path_.c_str(), grpc::internal::RpcMethod::NORMAL_RPC,
        new grpc::internal::RpcMethodHandler<PreciseUnaryMethod, RawRequest, Response>(
            [](PreciseUnaryMethod* self, grpc::ServerContext* context, const RawRequest* raw, Response* response) {
              return self->Run(context, *raw, response);
            },
            this)));
  }

 private:
  grpc::Status Run(grpc::ServerContext* context, const RawRequest& raw, Response* response) {
    Request request;
    if (!request.ParseFromString(raw.bytes)) return ToGrpcStatus(ParseRefusal(raw.bytes, *Request::descriptor()));
    return handler_(context, &request, response);
  }

  std::string path_;  // RpcServiceMethod keeps the pointer
  Handler handler_;
};

}  // namespace hosho

namespace grpc {

template <>
class SerializationTraits<hosho::RawRequest, void> {
 public:
  static Status Serialize(const hosho::RawRequest& msg, ByteBuffer* buffer, bool* own_buffer) {
    Slice slice(msg.bytes);
    *buffer = ByteBuffer(&slice, 1);
    *own_buffer = true;
    return Status::OK;
  }
  static Status Deserialize(ByteBuffer* buffer, hosho::RawRequest* msg) {
    std::vector<Slice> slices;
    if (Status s = buffer->Dump(&slices); !s.ok()) return s;
    msg->bytes.clear();
    for (const Slice& s : slices) msg->bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    return Status::OK;
  }
};

}  // namespace grpc
