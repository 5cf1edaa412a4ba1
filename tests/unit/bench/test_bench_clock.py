"""How the bench tells its own events apart and learns when their effects committed."""

from __future__ import annotations

import asyncio
from pathlib import Path
from uuid import uuid4

import pytest
from typer.testing import CliRunner

from shared.config import ServiceSettings
from tools.bench.pipeline import EffectClock, platform_default
from tools.bench.raw import BenchError
from tools.cli.bench import app, running_endpoints

pytestmark = pytest.mark.unit


def test_bench_events_are_known_by_their_campaign() -> None:
    clock = EffectClock("bench-1234abcd-")
    assert clock.campaign("e2e") == "bench-1234abcd-e2e"
    assert clock.phase_of("bench-1234abcd-latency") == "latency"
    assert clock.phase_of("bench-ffffffff-e2e") is None  # another run's event
    assert clock.phase_of("spring-volunteers") is None  # a demo's event


def test_only_committed_effects_count_and_each_only_once() -> None:
    clock = EffectClock("b-")
    first, second = uuid4(), uuid4()
    clock.stage("e2e", first)
    clock.discard_staged()  # the batch rolled back
    assert clock.count("e2e") == 0
    clock.stage("e2e", first)
    clock.stage("e2e", second)
    clock.commit_staged()
    clock.stage("e2e", first)  # a redelivery the inbox let through would not count twice
    clock.commit_staged()
    assert clock.count("e2e") == 2
    assert set(clock.committed) == {first, second}
    assert clock.last_commit["e2e"] >= clock.committed[first]


async def test_waiting_for_effects_is_bounded() -> None:
    clock = EffectClock("b-")
    clock.stage("e2e", uuid4())
    clock.commit_staged()
    await clock.wait_for("e2e", 1, timeout_s=1)
    with pytest.raises(BenchError, match="only 1 of 2"):
        await asyncio.wait_for(clock.wait_for("e2e", 2, timeout_s=0.2), timeout=5)


def test_the_kernel_runs_with_the_platform_defaults() -> None:
    for knob in ("relay_idle_sleep_s", "relay_batch_size", "consumer_max_records"):
        assert platform_default(knob) == ServiceSettings.model_fields[knob].default


def test_no_recorded_stack_means_a_temporary_one(tmp_path: Path) -> None:
    assert running_endpoints(tmp_path) is None


def test_the_command_is_backbone() -> None:
    result = CliRunner().invoke(app, ["backbone", "--help"])
    assert result.exit_code == 0
    for option in ("--state-dir", "--events", "--rate", "--latency-seconds"):
        assert option in result.output
