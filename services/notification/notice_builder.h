#pragma once

#include <vector>

#include "hosho/events/v1/events.pb.h"
#include "hosho/v1/notification.pb.h"
#include "services/common/domain/offices.h"
#include "services/notification/notice_templates.h"

namespace hosho {

// The notices an event calls for (office and contractor), each with a deterministic delivery id
// "<event id>:<audience>" so that a redelivered event yields the same notices. Wording comes from
// the templates; office names from the directory. A contractor without an address gets no notice.
//   ReceiptAcknowledged → receipt (contractor)          VerificationCompleted RETURNED → returned
//   RoutingDecided → routed (office, contractor)        VerificationEscalated → verification_escalated
//   HandoffRecorded → concluded (contractor), forwarded (the department), withdrawn (both)
//   PaymentHandoffRequested → payment_handoff (both)    HandoffEscalated → deadline_approaching/breached
std::vector<hosho::v1::Notice> BuildNotices(const hosho::events::v1::Envelope& envelope,
                                            const NoticeTemplates& templates, const OfficeDirectory& offices);

}  // namespace hosho
