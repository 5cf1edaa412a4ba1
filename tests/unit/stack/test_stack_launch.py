"""Service launch records (state_dir/services/<name>.json) and log ownership."""

from __future__ import annotations

import json
import os
import pwd
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from shared.config import SERVICES, service_environment
from tools.stack import StackError
from tools.stack import launch as launch_module
from tools.stack.launch import (
    ServiceLaunch,
    launch_path,
    read_launch,
    service_launch,
    write_launch,
)
from tools.stack.processes import REPO_ROOT, spawn

pytestmark = pytest.mark.unit


def _environment(service: str = "recruitment", port: int = 8101) -> dict[str, str]:
    return service_environment(
        service,
        database_url="postgresql://recruitment:secret@127.0.0.1:5432/campusflow",
        kafka_bootstrap="127.0.0.1:9092",
        redis_url="redis://127.0.0.1:6379/0",
        http_port=port,
    )


def test_stack_up_runs_the_service_module_from_the_repository(tmp_path: Path) -> None:
    launch = service_launch(tmp_path, "scheduling", _environment("scheduling"), 8102)
    assert launch.argv == [sys.executable, "-m", "services.scheduling"]
    assert launch.cwd == str(REPO_ROOT)
    assert launch.log == str(tmp_path / "logs" / "scheduling.log")
    assert launch.url == "http://127.0.0.1:8102"


def test_the_record_holds_only_what_campusflow_set(tmp_path: Path) -> None:
    env = _environment()
    write_launch(tmp_path, service_launch(tmp_path, "recruitment", env, 8101))
    data = json.loads(launch_path(tmp_path, "recruitment").read_text())
    assert data["env"] == env
    assert "PATH" not in data["env"] and "HOME" not in data["env"]
    assert read_launch(tmp_path, "recruitment") == ServiceLaunch.from_json(data)


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o077])
def test_the_record_is_private_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    previous = os.umask(umask)
    try:
        path = write_launch(tmp_path, service_launch(tmp_path, "recruitment", _environment(), 1))
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["recruitment.json"]  # no temp file


def test_the_record_is_created_0600_not_chmodded_after_the_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[tuple[str, int, int]] = []
    real_open = os.open

    def spy(path: Any, flags: int, mode: int = 0o777, *args: Any, **kwargs: Any) -> int:
        opened.append((str(path), flags, mode))
        return real_open(path, flags, mode, *args, **kwargs)

    monkeypatch.setattr(launch_module.os, "open", spy)
    write_launch(tmp_path, service_launch(tmp_path, "evaluation", _environment("evaluation"), 1))
    mine = [entry for entry in opened if "evaluation" in entry[0]]
    assert len(mine) == 1
    _, flags, mode = mine[0]
    assert mode == 0o600
    assert flags & os.O_CREAT and flags & os.O_EXCL


def test_rewriting_a_record_replaces_it(tmp_path: Path) -> None:
    write_launch(tmp_path, service_launch(tmp_path, "notifications", {"A": "1"}, 1))
    write_launch(tmp_path, service_launch(tmp_path, "notifications", {"A": "2"}, 2))
    launch = read_launch(tmp_path, "notifications")
    assert (launch.env, launch.port) == ({"A": "2"}, 2)


def test_a_missing_record_says_how_the_service_should_have_been_started(tmp_path: Path) -> None:
    with pytest.raises(StackError, match=r"no launch record.*campusflow stack up"):
        read_launch(tmp_path, "recruitment")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"name": "recruitment"}', "not a valid service launch record"),
        (
            '{"name": "scheduling", "argv": ["x"], "env": {}, "cwd": "/", "port": 1, "log": "l"}',
            "describes 'scheduling'",
        ),
        (
            '{"name": "recruitment", "argv": [], "env": {}, "cwd": "/", "port": 1, "log": "l"}',
            "empty argv",
        ),
    ],
)
def test_a_broken_record_is_refused(tmp_path: Path, content: str, message: str) -> None:
    path = launch_path(tmp_path, "recruitment")
    path.parent.mkdir()
    path.write_text(content)
    with pytest.raises(StackError, match=message):
        read_launch(tmp_path, "recruitment")


def test_every_service_has_a_record_name() -> None:
    assert {launch_path(Path("/s"), name).name for name in SERVICES} == {
        f"{name}.json" for name in SERVICES
    }


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file away needs root")
def test_a_log_belongs_to_the_user_its_process_runs_as(tmp_path: Path) -> None:
    nobody = pwd.getpwnam("nobody")
    log = tmp_path / "logs" / "postgres.log"
    log.parent.mkdir()
    log.write_text("written by root before\n")  # as a previous run would have left it
    proc = spawn(
        ["/bin/sh", "-c", "echo from the unprivileged user"],
        log,
        cwd=Path("/"),
        user=nobody.pw_uid,
        group=nobody.pw_gid,
    )
    assert proc.wait(timeout=30) == 0
    info = log.stat()
    assert (info.st_uid, info.st_gid) == (nobody.pw_uid, nobody.pw_gid)
    assert log.read_text() == "written by root before\nfrom the unprivileged user\n"


def test_a_log_of_a_process_running_as_us_stays_ours(tmp_path: Path) -> None:
    log = tmp_path / "redis.log"
    proc = spawn(["/bin/sh", "-c", "echo hi"], log)
    assert proc.wait(timeout=30) == 0
    assert log.stat().st_uid == os.geteuid()
