from __future__ import annotations

from pathlib import Path

import pytest

from tools.stack import StackEndpoints, default_state_dir, read_stack_state
from tools.stack.state import (
    ENV_FILE,
    remove_stack_state,
    shell_exports,
    state_dir_flag,
    state_path,
    update_stack_state,
    write_stack_state,
)

pytestmark = pytest.mark.unit

ENDPOINTS = StackEndpoints(
    postgres_admin_dsn="postgresql://campusflow@127.0.0.1:5432/campusflow",
    redis_url="redis://127.0.0.1:6379/0",
    kafka_bootstrap="127.0.0.1:9092",
)


def test_endpoints_round_trip_through_json() -> None:
    assert StackEndpoints.from_json(ENDPOINTS.to_json()) == ENDPOINTS
    assert ENDPOINTS.to_json()["kafka_bootstrap"] == "127.0.0.1:9092"


def test_state_file_round_trip(tmp_path: Path) -> None:
    assert read_stack_state(tmp_path) is None
    state = {
        "infrastructure": "local",
        "endpoints": ENDPOINTS.to_json(),
        "components": {"redis": {"pid": 10, "started": 5, "port": 6379}},
    }
    write_stack_state(tmp_path, state)
    assert read_stack_state(tmp_path) == state
    assert StackEndpoints.from_json(read_stack_state(tmp_path)["endpoints"]) == ENDPOINTS  # type: ignore[index]


def test_update_merges_one_level_deep(tmp_path: Path) -> None:
    write_stack_state(tmp_path, {"components": {"redis": {"pid": 1}}, "infrastructure": "local"})
    update_stack_state(tmp_path, components={"kafka": {"pid": 2}})
    update_stack_state(tmp_path, services={"recruitment": {"pid": 3, "url": "http://x"}})
    state = read_stack_state(tmp_path)
    assert state == {
        "infrastructure": "local",
        "components": {"redis": {"pid": 1}, "kafka": {"pid": 2}},
        "services": {"recruitment": {"pid": 3, "url": "http://x"}},
    }
    update_stack_state(tmp_path, services=None)
    assert read_stack_state(tmp_path)["services"] is None  # type: ignore[index]


def test_unreadable_state_counts_as_none(tmp_path: Path) -> None:
    state_path(tmp_path).write_text("{not json")
    assert read_stack_state(tmp_path) is None


def test_remove_deletes_state_and_env_file(tmp_path: Path) -> None:
    write_stack_state(tmp_path, {"infrastructure": "local"})
    (tmp_path / ENV_FILE).write_text("export X=1\n")
    remove_stack_state(tmp_path)
    remove_stack_state(tmp_path)  # idempotent
    assert read_stack_state(tmp_path) is None
    assert not (tmp_path / ENV_FILE).exists()


def test_shell_exports() -> None:
    text = shell_exports(ENDPOINTS, {"recruitment": "http://127.0.0.1:8001"})
    assert text.splitlines() == [
        "export CAMPUSFLOW_DATABASE_URL='postgresql://campusflow@127.0.0.1:5432/campusflow'",
        "export CAMPUSFLOW_REDIS_URL='redis://127.0.0.1:6379/0'",
        "export CAMPUSFLOW_KAFKA_BOOTSTRAP='127.0.0.1:9092'",
        "export CAMPUSFLOW_RECRUITMENT_URL='http://127.0.0.1:8001'",
    ]


def test_shell_exports_name_the_state_dir_for_the_campusflow_commands() -> None:
    text = shell_exports(ENDPOINTS, {}, Path("/tmp/a stack"))
    assert text.splitlines()[-1] == "export CAMPUSFLOW_STATE_DIR='/tmp/a stack'"


def test_a_command_shown_for_another_state_dir_names_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("CAMPUSFLOW_STATE_DIR", raising=False)
    assert state_dir_flag(Path("/tmp/campusflow-stack")) == ""
    assert state_dir_flag(tmp_path) == f" --state-dir {tmp_path}"
    assert state_dir_flag(Path("/tmp/a stack")) == " --state-dir '/tmp/a stack'"
    # Named even where its stack.env was sourced: the command may go to another shell.
    monkeypatch.setenv("CAMPUSFLOW_STATE_DIR", str(tmp_path))
    assert state_dir_flag(tmp_path) == f" --state-dir {tmp_path}"


def test_default_state_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CAMPUSFLOW_STATE_DIR", raising=False)
    assert default_state_dir() == Path("/tmp/campusflow-stack")
    monkeypatch.setenv("CAMPUSFLOW_STATE_DIR", str(tmp_path / "s"))
    assert default_state_dir() == tmp_path / "s"
