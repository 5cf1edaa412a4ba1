"""What the full-season test reads back: the demo season's state through the API, and the
checks it makes on its own (never by asking the service whether it was right)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import httpx

from tests.support.auth import bearer
from tools.demo.evaluation.cast import CHAIR, CLASSES, COLLEGE, DECLARED, TEACHER

CHAIR_HEADERS = bearer(CHAIR, "college_admin", COLLEGE)
TEACHER_HEADERS = bearer(TEACHER, "teacher", COLLEGE)


def api(services: dict[str, str]) -> str:
    return f"{services['evaluation']}/api/evaluation/colleges/{COLLEGE}"


async def read(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> Any:
    response = await client.get(url, headers=headers)
    assert response.status_code == 200, f"{url}: {response.status_code} {response.text}"
    return response.json()


def assignment_problems(
    assignments: list[dict[str, Any]], reports: dict[str, dict[str, Any]]
) -> list[str]:
    """Every conflict of the demo's assignments, judged from the demo's own facts: an
    author or the advisor reviewing, a declared conflict, a reviewer of the same class."""
    class_of = {person: cls for cls, members in CLASSES.items() for person in members}
    by_id = {r["report_id"]: (key, r) for key, r in reports.items()}
    found = []
    for a in assignments:
        key, report = by_id[a["report_id"]]
        reviewer = a["reviewer_id"]
        authors = set(report["author_ids"])
        if reviewer in authors or reviewer == report["advisor_id"]:
            found.append(f"{reviewer} reviews {key}, which they wrote or advised")
        if reviewer == DECLARED[0] and DECLARED[1] in authors:
            found.append(f"{reviewer} reviews {key} despite the declared conflict")
        own = class_of.get(reviewer)
        if own is not None and any(class_of.get(p) == own for p in authors):
            found.append(f"{reviewer} reviews {key} from their own class {own}")
    return found


def per_report(assignments: list[dict[str, Any]]) -> Counter[str]:
    return Counter(a["report_id"] for a in assignments)


def overlapping_panels(defenses: list[dict[str, Any]]) -> list[str]:
    """Panel members sitting in two defenses at once (none may)."""
    clashes = []
    for i, first in enumerate(defenses):
        for second in defenses[i + 1 :]:
            if _overlap(first, second):
                both = set(first["panel_ids"]) & set(second["panel_ids"])
                clashes.extend(sorted(both))
    return clashes


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    start_a, end_a = datetime.fromisoformat(a["starts_at"]), datetime.fromisoformat(a["ends_at"])
    start_b, end_b = datetime.fromisoformat(b["starts_at"]), datetime.fromisoformat(b["ends_at"])
    return start_a < end_b and start_b < end_a
