"""A use case refuses with `shared.rules` errors only; the consumer kernel decides what a
refusal means for a message (RuleBroken: dead-lettered, the partition moves on). So no
service module but its consumers imports the messaging kernel's failure or consumer types."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

SERVICES = Path(__file__).resolve().parents[3] / "services"
KERNEL_ONLY = ("shared.messaging.failures", "shared.messaging.consumer")


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_only_consumers_import_the_messaging_failure_types() -> None:
    offenders = {
        str(path.relative_to(SERVICES.parent)): sorted(
            name for name in imported_modules(path) if name.startswith(KERNEL_ONLY)
        )
        for path in sorted(SERVICES.rglob("*.py"))
        if not path.name.endswith("consumers.py") and "consumers" not in path.parts
    }
    assert {path: names for path, names in offenders.items() if names} == {}
