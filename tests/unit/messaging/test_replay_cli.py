"""`campusflow dlt`: where it finds Kafka, and that it never replays without consent."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from tools.cli import dlt
from tools.dlt.plans import (
    DeadLetter,
    Refusal,
    Replayed,
    ReplayPlan,
    ReplayReport,
    read_dead_letter,
)
from tools.stack import StackEndpoints
from tools.stack.state import write_stack_state

pytestmark = pytest.mark.unit

runner = CliRunner()
BOOTSTRAP = "127.0.0.1:1"
TOPIC = "campusflow.recruitment.applications"


def dead_letter(*, dlt_offset: int, consumer: str) -> DeadLetter:
    return read_dead_letter(
        topic=TOPIC + ".dlt",
        offset=dlt_offset,
        key=b"k",
        value=b"{}",
        headers=[("dlt_consumer", consumer.encode()), ("dlt_error_class", b"PermanentFailure")],
    )


class FakeKafka:
    """Stands in for the replay library: a fixed plan, and a record of what was replayed."""

    def __init__(self, plan: ReplayPlan) -> None:
        self.plan = plan
        self.replayed: list[dict[str, Any]] = []

    async def prepare_replay(self, bootstrap: str, topic: str, **kwargs: Any) -> ReplayPlan:
        return self.plan

    async def replay_dead_letters(
        self, bootstrap: str, topic: str, *, offsets: Sequence[int], **kwargs: Any
    ) -> ReplayReport:
        self.replayed.append({"bootstrap": bootstrap, "topic": topic, "offsets": list(offsets)})
        return ReplayReport(
            replayed=tuple(
                Replayed(dlt_offset=o, topic=TOPIC, partition=0, offset=100 + o, ce_id="e")
                for o in offsets
            )
        )


@pytest.fixture
def kafka(monkeypatch: pytest.MonkeyPatch) -> FakeKafka:
    fake = FakeKafka(
        ReplayPlan(
            replay=(dead_letter(dlt_offset=3, consumer="c"),),
            still_invalid=(Refusal(dead_letter(dlt_offset=5, consumer="c"), "MalformedEvent: x"),),
        )
    )
    monkeypatch.setattr(dlt, "prepare_replay", fake.prepare_replay)
    monkeypatch.setattr(dlt, "replay_dead_letters", fake.replay_dead_letters)
    return fake


def replay(*args: str, input: str | None = None) -> Any:
    return runner.invoke(
        dlt.app,
        ["replay", "--topic", TOPIC, "--consumer", "c", "--bootstrap", BOOTSTRAP, *args],
        input=input,
    )


def test_bootstrap_comes_from_the_flag_first(tmp_path: Path) -> None:
    assert dlt.resolve_bootstrap("k:9092", None) == "k:9092"


def test_bootstrap_comes_from_the_running_local_stack(tmp_path: Path) -> None:
    endpoints = StackEndpoints(
        postgres_admin_dsn="postgresql://x@127.0.0.1:5/x",
        redis_url="redis://127.0.0.1:6/0",
        kafka_bootstrap="127.0.0.1:7777",
    )
    write_stack_state(tmp_path, {"endpoints": endpoints.to_json()})
    assert dlt.resolve_bootstrap(None, tmp_path) == "127.0.0.1:7777"


def test_without_a_flag_or_a_recorded_stack_the_error_says_what_to_do(tmp_path: Path) -> None:
    result = runner.invoke(dlt.app, ["list", "--topic", TOPIC, "--state-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "no running stack is recorded" in result.stderr
    assert "--bootstrap" in result.stderr


def test_the_flag_and_a_state_dir_together_are_refused(tmp_path: Path) -> None:
    result = runner.invoke(
        dlt.app,
        ["list", "--topic", TOPIC, "--state-dir", str(tmp_path), "--bootstrap", BOOTSTRAP],
    )
    assert result.exit_code == 2
    assert "not both" in result.stderr


def test_without_yes_and_without_a_terminal_nothing_is_replayed(kafka: FakeKafka) -> None:
    result = replay()
    assert result.exit_code == 1
    assert "--yes" in result.stderr and "no terminal" in result.stderr
    assert "still invalid" in result.stdout  # what would happen is shown first
    assert kafka.replayed == []


def test_with_yes_exactly_the_planned_letters_are_replayed(kafka: FakeKafka) -> None:
    result = replay("--yes")
    assert result.exit_code == 0, result.output
    assert kafka.replayed == [{"bootstrap": BOOTSTRAP, "topic": TOPIC, "offsets": [3]}]
    assert "replayed offset 3" in result.stdout


def test_a_confirmation_on_a_terminal_replays_and_a_refusal_does_not(
    kafka: FakeKafka, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dlt, "stdin_is_terminal", lambda: True)
    declined = replay(input="n\n")
    assert declined.exit_code == 1 and kafka.replayed == []
    accepted = replay(input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert [call["offsets"] for call in kafka.replayed] == [[3]]


def test_an_offset_asked_for_but_refused_fails_the_command(kafka: FakeKafka) -> None:
    kafka.plan = ReplayPlan(
        still_invalid=(Refusal(dead_letter(dlt_offset=5, consumer="c"), "MalformedEvent: x"),),
        not_found=(8,),
    )
    result = replay("--offset", "5", "--offset", "8", "--yes")
    assert result.exit_code == 1
    assert "Nothing to replay" in result.stdout
    assert "8" in result.stdout and kafka.replayed == []


def test_nothing_to_replay_is_not_an_error_when_no_offset_was_asked_for(
    kafka: FakeKafka,
) -> None:
    kafka.plan = ReplayPlan(already_replayed=(dead_letter(dlt_offset=3, consumer="c"),))
    result = replay("--yes")
    assert result.exit_code == 0
    assert "Already replayed" in result.stdout


def test_list_shows_error_text_verbatim_and_marks_replayed_letters(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    letter = read_dead_letter(
        topic=TOPIC + ".dlt",
        offset=9,
        key=b"k",
        value=b"{}",
        headers=[
            ("dlt_consumer", b"c"),
            ("dlt_error_class", b"MalformedEvent"),
            ("dlt_error_message", b"[red]payload[/red] [type=json_invalid]"),
        ],
    )

    async def letters(bootstrap: str, topic: str, **kwargs: Any) -> list[DeadLetter]:
        return [letter]

    async def replayed(bootstrap: str, topic: str) -> set[int]:
        return {9}

    monkeypatch.setattr(dlt, "list_dead_letters", letters)
    monkeypatch.setattr(dlt, "replayed_offsets", replayed)
    # A console wide enough for the whole message, whatever width the module's console took
    # when it was made (rich reads COLUMNS once; another test, or none, may have set it).
    monkeypatch.setattr(dlt, "console", Console(width=250))
    result = runner.invoke(dlt.app, ["list", "--topic", TOPIC, "--bootstrap", BOOTSTRAP])
    assert result.exit_code == 0, result.output
    assert "[red]payload[/red] [type=json_invalid]" in result.stdout
    assert "yes" in result.stdout
