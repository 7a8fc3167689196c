#pragma once

namespace hosho {

// The steps of HandoffService a receiving office takes on a routed case (ApiClient::Handoff calls
// the RPC of each): ConcludeContract, AcknowledgeReceipt, RecordPaymentHandoff, Withdraw.
enum class HandoffStep { kConclude, kAcknowledge, kPaymentHandoff, kWithdraw };

}  // namespace hosho
