"""The summer programme template's JSON format, expanded into the general model.

{"template": "summer", "name": "...", "year": 2024,            # or starts_on / ends_on
 "language": "zh-CN",                                          # or "en"
 "schools": [{"id": "s1", "name": "响肠小学", "pupils": 45}     # grades 3–5, split evenly
             | {"id": ..., "classes": [{"id", "name", "pupils"}],
                "rooms": [{"id", "name", "capacity"}],         # default: one per class
                "screening": {"id", "name", "capacity"}}],     # where the film is shown
 "teams": [{"id": "team-1", "volunteers": ["cs-2024001", {"id", "name", "unavailable"}],
            "teaches": {"english": "cs-2024001"}}],
 "rotation": [{"team-1": "s1", ...}, ...],                     # per week; default cyclic
 "weights": {...}}
"""

from __future__ import annotations

from datetime import date
from typing import Any

from services.scheduling.domain.solving import ProblemLimits
from services.scheduling.domain.summer_programme import (
    SUBJECT_BY_ID,
    SummerProgramme,
    SummerSchool,
    VolunteerTeam,
    default_dates,
    expand_programme,
    grade_classes,
    summer_periods,
)
from services.scheduling.domain.timetabling import Room, SchoolClass, Teacher, TimetableProblem
from services.scheduling.schemas.timetable_reading import (
    bad,
    day,
    ident,
    ids,
    integer,
    obj,
    seq,
    text,
    unique,
)
from services.scheduling.schemas.timetabling import check_periods_for, parse_weights

MIN_PUPILS, MAX_PUPILS = 30, 60
LANGUAGES = ("zh-CN", "en")


def parse_summer_programme(document: dict[str, Any], limits: ProblemLimits) -> TimetableProblem:
    language = text(document, "language", "", default="zh-CN")
    if language not in LANGUAGES:
        raise bad("language", f"must be one of {', '.join(LANGUAGES)}", "unknown_language")
    year = integer(document, "year", "", default=date.today().year, minimum=2000, maximum=2100)
    first, last = default_dates(year)
    starts_on = day(document, "starts_on", "", default=first)
    ends_on = day(document, "ends_on", "", default=last)
    span = (ends_on - starts_on).days + 1
    if span < 7 or span % 7:
        raise bad("ends_on", "the programme runs in whole weekly cycles from starts_on", "weeks")
    if span > limits.max_days:
        raise bad("ends_on", f"more than {limits.max_days} days", "too_large")
    schools = _schools(document, language)
    teams = _teams(document, summer_periods(starts_on, language))
    if len(teams) > len(schools):
        raise bad("teams", "more teams than schools: a team teaches at one school a week", "teams")
    programme = SummerProgramme(
        name=text(
            document,
            "name",
            "",
            default="暑期知识拓展班" if language == "zh-CN" else "Summer programme",
        ),
        starts_on=starts_on,
        ends_on=ends_on,
        schools=schools,
        teams=teams,
        rotation=_rotation(document, span // 7, teams, schools),
        language=language,
        weights=parse_weights(document),
    )
    problem = expand_programme(programme)
    team_of = {v.teacher_id: n for n, t in enumerate(teams) for v in t.volunteers}
    for course in problem.courses:
        check_periods_for(problem, course, f"teams[{team_of[course.teacher_id]}].volunteers")
    return problem


def _schools(document: dict[str, Any], language: str) -> tuple[SummerSchool, ...]:
    raws = seq(document, "schools", "")
    if not raws:
        raise bad("schools", "at least one school is required", "required")
    schools: list[SummerSchool] = []
    seen: set[str] = set()
    everything: set[str] = set()
    for n, raw in enumerate(raws):
        at = f"schools[{n}]"
        raw = obj(raw, at)
        school_id = ident(raw, "id", at)
        unique(f"{at}.id", seen, school_id, "school")
        if "classes" in raw:
            classes = _classes(raw, at, school_id, everything)
        else:
            classes = grade_classes(school_id, integer(raw, "pupils", at, minimum=1), language)
        pupils = sum(k.pupils for k in classes)
        if not MIN_PUPILS <= pupils <= MAX_PUPILS:
            raise bad(
                f"{at}.pupils",
                f"{pupils} pupils: the programme takes {MIN_PUPILS}–{MAX_PUPILS} pupils a school",
                "pupils_per_school",
            )
        rooms = _rooms(raw, at, school_id, classes, language, everything)
        screening = obj(raw.get("screening", {}), f"{at}.screening")
        hall = Room(
            room_id=(
                ident(screening, "id", f"{at}.screening")
                if "id" in screening
                else f"{school_id}-screening"
            ),
            school_id=school_id,
            capacity=integer(screening, "capacity", f"{at}.screening", default=pupils, minimum=1),
            name=text(
                screening,
                "name",
                f"{at}.screening",
                default="电影放映点" if language == "zh-CN" else "screening",
            ),
        )
        unique(f"{at}.screening.id", everything, hall.room_id, "room")
        schools.append(
            SummerSchool(
                school_id=school_id,
                name=text(raw, "name", at, default=school_id),
                classes=classes,
                rooms=(*rooms, hall),
                screening_room=hall.room_id,
            )
        )
    return tuple(schools)


def _classes(
    raw: dict[str, Any], at: str, school_id: str, everything: set[str]
) -> tuple[SchoolClass, ...]:
    found = []
    for m, item in enumerate(seq(raw, "classes", at)):
        where = f"{at}.classes[{m}]"
        item = obj(item, where)
        class_id = ident(item, "id", where)
        unique(f"{where}.id", everything, class_id, "class")
        found.append(
            SchoolClass(
                class_id=class_id,
                school_id=school_id,
                pupils=integer(item, "pupils", where, minimum=1),
                name=text(item, "name", where, default=""),
            )
        )
    if not found:
        raise bad(f"{at}.classes", "at least one class is required", "required")
    return tuple(found)


def _rooms(
    raw: dict[str, Any],
    at: str,
    school_id: str,
    classes: tuple[SchoolClass, ...],
    language: str,
    everything: set[str],
) -> tuple[Room, ...]:
    if "rooms" not in raw:
        rooms = tuple(
            Room(
                room_id=f"{school_id}-room{m + 1}",
                school_id=school_id,
                capacity=k.pupils,
                name=f"{m + 1}号教室" if language == "zh-CN" else f"classroom {m + 1}",
            )
            for m, k in enumerate(classes)
        )
    else:
        found = []
        for m, item in enumerate(seq(raw, "rooms", at)):
            where = f"{at}.rooms[{m}]"
            item = obj(item, where)
            found.append(
                Room(
                    room_id=ident(item, "id", where),
                    school_id=school_id,
                    capacity=integer(item, "capacity", where, minimum=1),
                    name=text(item, "name", where, default=""),
                )
            )
        rooms = tuple(found)
    if len(rooms) < 1:
        raise bad(f"{at}.rooms", "a school needs at least one classroom", "no_room")
    for m, room in enumerate(rooms):
        unique(f"{at}.rooms[{m}].id", everything, room.room_id, "room")
    return rooms


def _teams(document: dict[str, Any], periods: tuple[Any, ...]) -> tuple[VolunteerTeam, ...]:
    raws = seq(document, "teams", "")
    if not raws:
        raise bad("teams", "at least one volunteer team is required", "required")
    known_periods = {p.period_id for p in periods}
    teams: list[VolunteerTeam] = []
    seen: set[str] = set()
    volunteers_seen: set[str] = set()
    for n, raw in enumerate(raws):
        at = f"teams[{n}]"
        raw = obj(raw, at)
        team_id = ident(raw, "id", at)
        unique(f"{at}.id", seen, team_id, "team")
        volunteers: list[Teacher] = []
        for m, item in enumerate(seq(raw, "volunteers", at)):
            where = f"{at}.volunteers[{m}]"
            item = {"id": item} if isinstance(item, str) else obj(item, where)
            volunteer = Teacher(
                teacher_id=ident(item, "id", where),
                name=text(item, "name", where, default=""),
                unavailable=frozenset(ids(item, "unavailable", where, known_periods, "period")),
            )
            unique(f"{where}.id", volunteers_seen, volunteer.teacher_id, "volunteer")
            volunteers.append(volunteer)
        if not volunteers:
            raise bad(f"{at}.volunteers", "a team needs at least one volunteer", "required")
        members = {v.teacher_id for v in volunteers}
        teaches = obj(raw.get("teaches", {}), f"{at}.teaches")
        for subject, volunteer_id in teaches.items():
            if subject not in SUBJECT_BY_ID:
                raise bad(f"{at}.teaches.{subject}", "unknown subject", "unknown_subject")
            if volunteer_id not in members:
                raise bad(
                    f"{at}.teaches.{subject}",
                    f"{volunteer_id!r} is not in the team",
                    "unknown_volunteer",
                )
        teams.append(VolunteerTeam(team_id, tuple(volunteers), dict(teaches)))
    return tuple(teams)


def _rotation(
    document: dict[str, Any],
    weeks: int,
    teams: tuple[VolunteerTeam, ...],
    schools: tuple[SummerSchool, ...],
) -> tuple[dict[str, str], ...]:
    if "rotation" not in document:
        return ()
    raws = seq(document, "rotation", "")
    if len(raws) != weeks:
        raise bad("rotation", f"one placement per week: {weeks} expected", "weeks")
    team_ids = {t.team_id for t in teams}
    school_ids = {s.school_id for s in schools}
    placements: list[dict[str, str]] = []
    for week, raw in enumerate(raws):
        at = f"rotation[{week}]"
        raw = obj(raw, at)
        taken: set[str] = set()
        for team_id, school_id in raw.items():
            if team_id not in team_ids:
                raise bad(f"{at}.{team_id}", "unknown team", "unknown_team")
            if not isinstance(school_id, str) or school_id not in school_ids:
                raise bad(f"{at}.{team_id}", f"unknown school {school_id!r}", "unknown_school")
            if school_id in taken:
                raise bad(
                    f"{at}.{team_id}",
                    f"two teams at {school_id!r} in one week",
                    "one_team_a_school",
                )
            taken.add(school_id)
        placements.append(dict(raw))
    return tuple(placements)
