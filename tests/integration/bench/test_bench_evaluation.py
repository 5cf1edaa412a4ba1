"""`campusflow bench evaluation --quick` runs on the real stack and ends with one JSON line
holding every figure the issue names (the figures themselves are not judged here)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tools.bench import evaluation_similarity
from tools.bench.evaluation import GOALS, KEYS
from tools.bench.evaluation_calibration import WORLD_SCALES
from tools.cli import bench
from tools.stack import StackEndpoints

pytestmark = pytest.mark.integration

SMALLER_INDEX = replace(evaluation_similarity.QUICK, background=1_000)


def test_a_quick_run_ends_with_one_json_line_of_every_figure(
    stack: StackEndpoints,
    service_dsns: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The session's stack stands for "the stack running in --state-dir" (its own state
    # directory is not exposed); nothing of the bench itself is replaced but the size of
    # the similarity index behind the quick run's checks (1,000 reports instead of 5,000:
    # building it was most of the run).
    monkeypatch.setattr(bench, "running_endpoints", lambda directory: stack)
    monkeypatch.setattr(evaluation_similarity, "QUICK", SMALLER_INDEX)
    result = CliRunner().invoke(
        bench.app, ["evaluation", "--quick", "--state-dir", str(tmp_path)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) > 3, result.stdout  # progress first
    figures = json.loads(lines[-1])
    assert list(figures)[: len(KEYS)] == list(KEYS)
    for key in KEYS:
        assert isinstance(figures[key], int | float), (key, figures[key])
    assert figures["quick"] is True and figures["stack"] == "existing"
    assert set(figures["goals_met"]) == {goal.key for goal in GOALS}
    # The quick instances are small enough to meet the assignment goals every time.
    assert figures["assignment_conflicts"] == 0 and figures["assignment_load_spread"] <= 1
    assert len(figures["calibration_gain_per_seed"]) == 3
    worlds = figures["calibration_worlds"]
    assert [(w["bias_scale"], w["noise_scale"]) for w in worlds] == list(WORLD_SCALES)
    # More bias to correct, more gain; the estimate near the oracle's ceiling everywhere
    # (above it by chance at most a little, on these small rounds).
    by_scale = {(w["bias_scale"], w["noise_scale"]): w for w in worlds}
    assert by_scale[(2.0, 1.0)]["oracle_points"] > by_scale[(1.5, 1.0)]["oracle_points"]
    for world in worlds:
        assert abs(world["gain_points"] - world["oracle_points"]) < 3.0, world
