#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/method_handler.h>

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "google/protobuf/descriptor.h"
#include "services/common/auth/auth.h"
#include "services/common/grpc/grpc_server.h"
#include "services/common/runtime/errors.h"

namespace hosho {

// A request's bytes, for a method that parses its own request.
struct RawRequest {
  std::string bytes;
};

// Why `bytes` do not parse as `descriptor`: a string field with invalid UTF-8 is named
// (INVALID_ARGUMENT TEXT_INVALID_UTF8, field path such as "confirmation_system.viewing_password"),
// anything else is REQUEST_UNREADABLE.
absl::Status ParseRefusal(absl::string_view bytes, const google::protobuf::Descriptor& descriptor);

// The step both handlers below share: authenticate the caller (when `auth` is given), then read and
// parse its one request message into `request`. A refusal is returned, counted under `method` like
// the method's own answers (ObserveRpc); OK means `request` holds the caller's request.
template <class Request, class Stream>
grpc::Status ReadPreciseRequest(const char* method, const Authenticator* auth, grpc::ServerContext* context,
                                Stream* stream, Request* request) {
  const absl::Time started = absl::Now();
  if (auth != nullptr) {
    if (auto caller = auth->Authenticate(*context); !caller.ok()) {
      return ObserveRpc(method, started, ToGrpcStatus(caller.status()));
    }
  }
  RawRequest raw;
  if (!stream->Read(&raw)) {
    return ObserveRpc(method, started, grpc::Status(grpc::StatusCode::INTERNAL, "no request message"));
  }
  if (!request->ParseFromString(raw.bytes)) {
    return ObserveRpc(method, started, ToGrpcStatus(ParseRefusal(raw.bytes, *Request::descriptor())));
  }
  return grpc::Status::OK;
}

// proto3 refuses a string field with invalid UTF-8 before any handler runs, and gRPC then answers
// INTERNAL without saying which field. This handler receives the request's bytes and parses them
// itself, so the caller gets a precise refusal. A service installs it over a generated unary method
// in its constructor: MarkMethodStreamed(<method index>, PreciseUnaryHandler<Req, Resp>(...)). On the
// wire it is the same unary call ("streamed unary": one message each way), served by the same
// synchronous threads as the other methods.
// The caller is authenticated before its bytes are parsed (`auth`, when given): an unknown caller
// is told UNAUTHENTICATED, never which field of its request is wrong. The role is still checked by
// the method itself.
// A refusal made here is counted under `method` like the method's own answers (ObserveRpc).
// The request handed to `handler` is the handler's own parse of the bytes, so a method may change
// it (PreciseOwningMethod: to wipe a secret once it is used).
//
// Why grpc::internal::StreamedUnaryHandler (the class the generated WithStreamedUnaryMethod_* code
// itself installs with MarkMethodStreamed) and not a public API: the public ways to serve a unary
// method all parse the request into the generated type before our code runs (the plain method and
// WithStreamedUnaryMethod_*, whose ServerUnaryStreamer::Read only says false), except the raw ones,
// WithRawMethod_* (the asynchronous completion-queue API) and WithRawCallbackMethod_* (the
// callback API with ByteBuffer). Those move the method off the synchronous threads onto a reactor
// that must not block, while these handlers wait on Redis and Kafka for seconds; each service
// would need its own thread pool and completion logic. A gRPC upgrade that changes this class
// breaks the build here, in one place, not at run time.
template <class Request, class Response>
grpc::internal::MethodHandler* PreciseUnaryHandler(
    const char* method, const Authenticator* auth,
    std::function<grpc::Status(grpc::ServerContext*, Request*, Response*)> handler) {
  using Streamer = grpc::ServerUnaryStreamer<RawRequest, Response>;
  return new grpc::internal::StreamedUnaryHandler<RawRequest, Response>(
      [method, auth, handler = std::move(handler)](grpc::ServerContext* context, Streamer* stream) {
        Request request;
        if (grpc::Status refused = ReadPreciseRequest(method, auth, context, stream, &request); !refused.ok()) {
          return refused;
        }
        Response response;
        grpc::Status status = handler(context, &request, &response);
        if (status.ok() && !stream->Write(response)) {
          return grpc::Status(grpc::StatusCode::UNAVAILABLE, "the answer could not be sent");
        }
        return status;
      });
}

// PreciseUnaryHandler over a service's own method: in the service's constructor,
//   MarkMethodStreamed(<index in the proto>, PreciseMethod("Bar", auth_, this, &FooServiceImpl::Bar));
template <class Service, class Request, class Response>
grpc::internal::MethodHandler* PreciseMethod(const char* name, const Authenticator* auth, Service* service,
                                             grpc::Status (Service::*method)(grpc::ServerContext*, const Request*,
                                                                             Response*)) {
  return PreciseUnaryHandler<Request, Response>(
      name, auth, [service, method](grpc::ServerContext* context, const Request* request, Response* response) {
        return (service->*method)(context, request, response);
      });
}

// PreciseMethod for a method that owns its request: it receives the handler's own parse and may
// change it (SubmitGuarantee wipes the plaintext credential in it), with no const_cast.
//   MarkMethodStreamed(<index>, PreciseOwningMethod("Bar", auth_, this, &FooServiceImpl::ServeBar));
// where ServeBar(grpc::ServerContext*, Req*, Resp*) replaces the generated Bar override.
template <class Service, class Request, class Response>
grpc::internal::MethodHandler* PreciseOwningMethod(const char* name, const Authenticator* auth, Service* service,
                                                   grpc::Status (Service::*method)(grpc::ServerContext*, Request*,
                                                                                   Response*)) {
  return PreciseUnaryHandler<Request, Response>(
      name, auth, [service, method](grpc::ServerContext* context, Request* request, Response* response) {
        return (service->*method)(context, request, response);
      });
}

// The same for a server-streaming method ("split streaming": one request message, then a stream of
// answers; the same on the wire). The method's body takes the stream as a writer:
//   MarkMethodStreamed(<index>, PreciseStreamingMethod("Watch", auth_, this, &FooServiceImpl::Watch));
// where Watch(grpc::ServerContext*, const Req*, grpc::internal::WriterInterface<Resp>*) is what the
// generated override (ServerWriter<Resp> is such a writer) also calls.
template <class Response>
using ResponseWriter = grpc::internal::WriterInterface<Response>;

template <class Request, class Response>
grpc::internal::MethodHandler* PreciseServerStreamingHandler(
    const char* method, const Authenticator* auth,
    std::function<grpc::Status(grpc::ServerContext*, const Request*, ResponseWriter<Response>*)> handler) {
  using Streamer = grpc::ServerSplitStreamer<RawRequest, Response>;
  return new grpc::internal::SplitServerStreamingHandler<RawRequest, Response>(
      [method, auth, handler = std::move(handler)](grpc::ServerContext* context, Streamer* stream) {
        Request request;
        if (grpc::Status refused = ReadPreciseRequest(method, auth, context, stream, &request); !refused.ok()) {
          return refused;
        }
        return handler(context, &request, stream);
      });
}

template <class Service, class Request, class Response>
grpc::internal::MethodHandler* PreciseStreamingMethod(const char* name, const Authenticator* auth, Service* service,
                                                      grpc::Status (Service::*method)(grpc::ServerContext*,
                                                                                      const Request*,
                                                                                      ResponseWriter<Response>*)) {
  return PreciseServerStreamingHandler<Request, Response>(
      name, auth,
      [service, method](grpc::ServerContext* context, const Request* request, ResponseWriter<Response>* writer) {
        return (service->*method)(context, request, writer);
      });
}

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
