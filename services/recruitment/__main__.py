"""python -m services.recruitment"""

from pathlib import Path

from services.recruitment.api import ROUTERS
from services.recruitment.consumers import CONSUMERS
from services.recruitment.due_actions import DUE_ACTIONS
from services.recruitment.settings import RecruitmentSettings
from shared.runtime import ServiceDefinition, run

DEFINITION = ServiceDefinition(
    name="recruitment",
    settings_type=RecruitmentSettings,
    migrations=Path(__file__).parent / "migrations",
    routers=ROUTERS,
    consumers=CONSUMERS,
    due_actions=DUE_ACTIONS,
)

if __name__ == "__main__":
    run(DEFINITION)
