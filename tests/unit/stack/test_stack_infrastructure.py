from __future__ import annotations

from pathlib import Path

import pytest

from tools.stack import (
    DockerContainers,
    Infrastructure,
    LocalProcesses,
    StackError,
    choose_infrastructure,
)
from tools.stack import infrastructure as infrastructure_module
from tools.stack.state import write_stack_state

pytestmark = pytest.mark.unit


@pytest.fixture
def docker_answers(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    answer = [True]
    monkeypatch.setattr(infrastructure_module, "docker_available", lambda: answer[0])
    monkeypatch.delenv("CAMPUSFLOW_INFRA", raising=False)
    return answer


def test_env_forces_local_even_when_docker_answers(
    docker_answers: list[bool], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CAMPUSFLOW_INFRA", "local")
    infra = choose_infrastructure(tmp_path)
    assert isinstance(infra, LocalProcesses)
    assert isinstance(infra, Infrastructure)


def test_env_forces_docker_even_when_docker_is_absent(
    docker_answers: list[bool], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    docker_answers[0] = False
    monkeypatch.setenv("CAMPUSFLOW_INFRA", "Docker")
    assert isinstance(choose_infrastructure(tmp_path), DockerContainers)


def test_auto_prefers_docker_when_it_answers(docker_answers: list[bool], tmp_path: Path) -> None:
    assert isinstance(choose_infrastructure(tmp_path), DockerContainers)
    docker_answers[0] = False
    assert isinstance(choose_infrastructure(tmp_path), LocalProcesses)


def test_auto_keeps_the_kind_of_a_recorded_stack(
    docker_answers: list[bool], tmp_path: Path
) -> None:
    write_stack_state(tmp_path, {"infrastructure": "local"})
    assert isinstance(choose_infrastructure(tmp_path), LocalProcesses)


def test_an_unknown_value_is_an_error(
    docker_answers: list[bool], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CAMPUSFLOW_INFRA", "kubernetes")
    with pytest.raises(StackError, match="CAMPUSFLOW_INFRA"):
        choose_infrastructure(tmp_path)
