"""python -m services.notifications"""

from pathlib import Path

from services.notifications.api import ROUTERS
from services.notifications.consumers import CONSUMERS
from services.notifications.settings import NotificationsSettings
from shared.runtime import ServiceDefinition, run

DEFINITION = ServiceDefinition(
    name="notifications",
    settings_type=NotificationsSettings,
    migrations=Path(__file__).parent / "migrations",
    routers=ROUTERS,
    consumers=CONSUMERS,
)

if __name__ == "__main__":
    run(DEFINITION)
