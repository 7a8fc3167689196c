// hosho-notification: turns events into notices, delivers them (SMTP, signed webhooks, office
// watch streams) from a durable outbox, and serves NotificationService.
#include "services/common/host/run_service.h"
#include "services/notification/notification_process.h"

int main(int argc, char** argv) {
  return hosho::RunService<hosho::NotificationProcess>("hosho-notification", hosho::kNotificationDefaults, argc, argv);
}
