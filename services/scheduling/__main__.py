"""python -m services.scheduling"""

from pathlib import Path

from services.scheduling.api import ROUTERS
from services.scheduling.consumers import CONSUMERS
from services.scheduling.due_actions import DUE_ACTIONS
from services.scheduling.service.job_runner import solve_job_loop
from services.scheduling.settings import SchedulingSettings
from shared.runtime import ServiceDefinition, run

DEFINITION = ServiceDefinition(
    name="scheduling",
    settings_type=SchedulingSettings,
    migrations=Path(__file__).parent / "migrations",
    routers=ROUTERS,
    consumers=CONSUMERS,
    due_actions=DUE_ACTIONS,
    # Solve jobs: claimed by any replica, solved in its worker processes.
    background_loops={"solve-jobs": solve_job_loop},
)

if __name__ == "__main__":
    run(DEFINITION)
