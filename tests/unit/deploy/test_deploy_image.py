"""The Dockerfile builds one non-root image that runs any service, from an allow-listed context."""

from __future__ import annotations

import fnmatch
import json
import re
import tomllib
from pathlib import Path

import pytest

from shared.config import SERVICES

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[3]
DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text("utf-8"))
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[last_from:]


def _matches(pattern: str, path: str) -> bool:
    """A pattern matching a folder covers everything under it; `**/` matches any depth."""
    parts = path.split("/")
    for depth in range(1, len(parts) + 1):
        if pattern.startswith("**/"):
            if fnmatch.fnmatchcase(parts[depth - 1], pattern[3:]):
                return True
        elif fnmatch.fnmatchcase("/".join(parts[:depth]), pattern):
            return True
    return False


def ignored(path: str) -> bool:
    """Docker's .dockerignore rule: the last matching pattern wins; `!` re-includes."""
    verdict = False
    for raw in DOCKERIGNORE.read_text("utf-8").splitlines():
        pattern = raw.strip()
        if pattern and not pattern.startswith("#"):
            include = pattern.startswith("!")
            if _matches(pattern.lstrip("!").rstrip("/"), path):
                verdict = not include
    return verdict


def test_every_stage_is_python_3_11_slim() -> None:
    images = [args.split()[0] for keyword, args in instructions() if keyword == "FROM"]
    assert images and set(images) == {"python:3.11-slim"}


def test_the_image_installs_the_package_and_runs_a_service_module() -> None:
    assert any(k == "RUN" and re.search(r"pip install .*\s\.$", a) for k, a in instructions())
    stage = dict((k, a) for k, a in final_stage() if k in {"ENTRYPOINT", "CMD", "USER", "EXPOSE"})
    assert json.loads(stage["ENTRYPOINT"]) == ["python", "-m"]
    assert json.loads(stage["CMD"]) == ["services.recruitment"]
    assert stage["EXPOSE"] == "8000"
    user = stage["USER"].split(":")
    assert all(part.isdigit() and int(part) != 0 for part in user), "numeric, non-root"


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_is_a_runnable_module(service: str) -> None:
    import importlib.util

    assert importlib.util.find_spec(f"services.{service}.__main__") is not None


def test_copied_sources_exist_and_are_in_the_build_context() -> None:
    copied = [
        a.split()[:-1] for k, a in instructions() if k == "COPY" and not a.startswith("--from")
    ]
    sources = [source for group in copied for source in group]
    assert sources
    for source in sources:
        assert (REPO / source).exists(), f"COPY {source}: no such file"
        assert not ignored(source), f"COPY {source}: excluded by .dockerignore"


def test_context_holds_the_package_and_nothing_else() -> None:
    for path in (
        "pyproject.toml",
        "shared/config.py",
        "services/recruitment/__main__.py",
        "services/notifications/migrations/0001_notices.sql",
        "shared/messaging/migrations/0001_outbox_inbox.sql",
    ):
        assert not ignored(path), path
    for path in (
        ".git/HEAD",
        "tests/conftest.py",
        "deploy/compose.yaml",
        "deploy/local/.kafka/libs/kafka.jar",
        "shared/__pycache__/config.cpython-311.pyc",
        "services/recruitment/__pycache__/api.cpython-311.pyc",
    ):
        assert ignored(path), path


def test_migrations_ship_inside_the_installed_package() -> None:
    # The services find their .sql files next to their modules, in site-packages.
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
    package_data = pyproject["tool"]["setuptools"]["package-data"]
    assert "*.sql" in package_data["*"]
