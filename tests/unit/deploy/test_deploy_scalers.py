"""The KEDA lag triggers are generated from the consumers and kept current."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tools import scalers
from tools.cli.main import app

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("service", scalers.SERVICES)
def test_every_service_manifest_holds_its_generated_triggers(service: str) -> None:
    assert not scalers.stale(service), f"run `{scalers.REGENERATE_COMMAND}`"


def test_a_new_consumer_topic_makes_the_manifest_stale(monkeypatch: pytest.MonkeyPatch) -> None:
    real = scalers.lag_pairs("evaluation")
    monkeypatch.setattr(
        scalers, "lag_pairs", lambda service: [*real, ("campusflow.x", "campusflow.y")]
    )
    assert scalers.stale("evaluation")
    text = scalers.rendered_manifest("evaluation", scalers.manifest_path("evaluation").read_text())
    assert "consumerGroup: campusflow.x" in text
    assert text.count(scalers.BEGIN) == 1


def test_the_check_command_passes_on_the_committed_files() -> None:
    result = CliRunner().invoke(app, ["deploy", "scalers", "--check"])
    assert result.exit_code == 0, result.output
