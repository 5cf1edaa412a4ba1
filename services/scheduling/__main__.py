"""python -m services.scheduling"""

from pathlib import Path

from services.scheduling.api import ROUTERS
from services.scheduling.consumers import CONSUMERS
from services.scheduling.due_actions import DUE_ACTIONS
from services.scheduling.settings import SchedulingSettings
from shared.runtime import ServiceDefinition, run

DEFINITION = ServiceDefinition(
    name="scheduling",
    settings_type=SchedulingSettings,
    migrations=Path(__file__).parent / "migrations",
    routers=ROUTERS,
    consumers=CONSUMERS,
    due_actions=DUE_ACTIONS,
)

if __name__ == "__main__":
    run(DEFINITION)
