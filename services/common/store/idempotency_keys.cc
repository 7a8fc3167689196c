#include "services/common/store/idempotency_keys.h"

#include "services/common/store/redis_case_keys.h"

namespace hosho {

IdempotencyKey IdempotencyKey::ClientRequest(absl::string_view principal, absl::string_view client_request_id) {
  return IdempotencyKey(redis_keys::ClientRequest(principal, client_request_id));
}

IdempotencyKey IdempotencyKey::ReceiptNumber(hosho::v1::Channel channel, absl::string_view submitter,
                                             absl::string_view number) {
  return IdempotencyKey(redis_keys::ReceiptNumber(channel, submitter, number));
}

IdempotencyKey IdempotencyKey::Guarantee(absl::string_view contract_id, hosho::v1::GuaranteeKind kind,
                                         absl::string_view fingerprint) {
  return IdempotencyKey(redis_keys::Guarantee(contract_id, kind, fingerprint));
}

}  // namespace hosho
