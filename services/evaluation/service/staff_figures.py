"""The figures a published staff assessment stores (each naming what it came from) and
the figures its StaffAssessmentPublished event carries, from the domain's `assess`."""

from __future__ import annotations

from services.evaluation.domain.staff_assessment import (
    DUTY_CRITERIA,
    WEIGHTS,
    DutyRecord,
    Figure,
    assess,
)
from shared.events.evaluation import AssessmentFigure


def stored_figures(record: DutyRecord) -> tuple[float | None, list[dict[str, object]]]:
    """The stored figures: each with its value, its weight and points in the total, and the
    ids it came from (scheduling's event ids; officers' score ids for their criteria; the
    officers' sanction ids, under `sanctions` only when there are some, so a member without
    one has the figures of before)."""
    scores = {s.score_id for s in record.officer_scores}
    sanctions = {s.sanction_id for s in record.officer_sanctions}
    result = assess(record)
    weighed = [c for c in result.criteria if c.value is not None]
    mass = sum(WEIGHTS[c.name] for c in weighed)

    def entry(kind: str, figure: Figure, weight: float | None, points: float | None) -> dict:
        stored = {
            "name": figure.name,
            "kind": kind,
            "value": figure.value,
            "weight": weight,
            "points": points,
            "events": sorted(str(i) for i in figure.sources - scores - sanctions),
            "scores": sorted(str(i) for i in figure.sources & scores),
        }
        if figure.sources & sanctions:
            stored["sanctions"] = sorted(str(i) for i in figure.sources & sanctions)
        return stored

    figures = [entry("count", f, None, None) for f in result.counts]
    for c in result.criteria:
        if c.name in DUTY_CRITERIA and c.value is None:
            # Not scored: left out, so a member's figures (and whether publishing again
            # gives a new version) are what they were before these criteria existed.
            continue
        share = WEIGHTS[c.name] / mass if c.value is not None and mass else None
        points = None if share is None else round(100 * share * (c.value or 0.0), 2)
        figures.append(entry("criterion", c, None if share is None else round(share, 6), points))
    figures.append(entry("total", result.total, None, result.total.value))
    return result.total.value, figures


def event_figures(figures: list[dict]) -> list[AssessmentFigure]:
    """The event's figures: those with a value, `score` their points in the total (the
    value for counts), `events` how many events (or officers' scores or sanctions) made
    each."""
    return [
        AssessmentFigure(
            name=f["name"],
            value=float(f["value"]),
            score=float(f["points"] if f["points"] is not None else f["value"]),
            events=len(f["events"]) + len(f["scores"]) + len(f.get("sanctions", ())),
        )
        for f in figures
        if f["value"] is not None
    ]
