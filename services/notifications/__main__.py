"""python -m services.notifications"""

from pathlib import Path

from services.notifications.api import ROUTERS
from services.notifications.consumers import CONSUMERS
from services.notifications.due_actions import DUE_ACTIONS
from services.notifications.service.dispatch import dispatch_loop
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
    background_loops={"dispatch": dispatch_loop},
)

if __name__ == "__main__":
    run(DEFINITION)
