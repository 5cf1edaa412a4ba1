"""python -m services.notifications"""

from pathlib import Path

from services.notifications.api import ROUTERS
from services.notifications.consumers import CONSUMERS
from services.notifications.due_actions import DUE_ACTIONS
from services.notifications.service.dispatch import dispatch_loop
from services.notifications.service.webhook_dispatch import webhook_dispatch_loop
from services.notifications.settings import NotificationsSettings
from shared.runtime import ServiceDefinition, run

DEFINITION = ServiceDefinition(
    name="notifications",
    settings_type=NotificationsSettings,
    migrations=Path(__file__).parent / "migrations",
    routers=ROUTERS,
    consumers=CONSUMERS,
    due_actions=DUE_ACTIONS,
    # The dispatcher on every replica: deliveries claimed SKIP LOCKED, held ones released.
    # Webhooks: each endpoint's head delivery claimed SKIP LOCKED, one in flight per endpoint.
    background_loops={"dispatch": dispatch_loop, "webhooks": webhook_dispatch_loop},
)

if __name__ == "__main__":
    run(DEFINITION)
