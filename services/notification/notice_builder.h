#pragma once

#include <vector>

#include "hosho/events/v1/events.pb.h"
#include "hosho/v1/notification.pb.h"

namespace hosho {

// The notices an event calls for (office and contractor), each with a
// deterministic delivery id "<event id>:<audience>" so that a redelivered event
// yields the same notices. Subjects follow the cities' fixed form
// 「【電子保証】工事番号 工事名」.
std::vector<hosho::v1::Notice> BuildNotices(const hosho::events::v1::Envelope& envelope);

}  // namespace hosho
