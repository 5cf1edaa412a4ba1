"""python -m services.evaluation"""

from pathlib import Path

from services.evaluation.api import ROUTERS
from services.evaluation.api.reports import oversize_fields
from services.evaluation.consumers import CONSUMERS
from services.evaluation.due_actions import DUE_ACTIONS
from services.evaluation.settings import EvaluationSettings
from shared.runtime import ServiceDefinition, run

DEFINITION = ServiceDefinition(
    name="evaluation",
    settings_type=EvaluationSettings,
    migrations=Path(__file__).parent / "migrations",
    routers=ROUTERS,
    consumers=CONSUMERS,
    due_actions=DUE_ACTIONS,
    oversize_fields=oversize_fields,
)

if __name__ == "__main__":
    run(DEFINITION)
