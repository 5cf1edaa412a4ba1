"""python -m services.notifications"""

from pathlib import Path

from services.notifications.api import ROUTERS
from services.notifications.consumers import CONSUMERS
from services.notifications.due_actions import DUE_ACTIONS
from services.notifications.service.dispatch import dispatch_loop
from services.notifications.service.webhook_dispatch import webhook_dispatch_loop
from services.notifications.settings import StartedNotificationsSettings
from shared.runtime import ServiceDefinition, run

DEFINITION = ServiceDefinition(
    name="notifications",
    # Made once at start, checked (a bad value stops the start), then in force for the
    # use cases the runtime hands no settings (consumers', timers': the planner).
    settings_type=StartedNotificationsSettings,
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
