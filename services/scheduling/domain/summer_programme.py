"""The summer teaching programme ("一帮一" 暑期知识拓展班) as a template of the general model.

8 Jul–11 Aug by default (whole Monday–Sunday weeks from the Monday of 8 July's week; an
explicit `starts_on` starts the weekly cycle on that day); six teaching days, six periods a
day (08:30–09:15, 09:30–10:15, 10:30–11:15, 14:30–15:15, 15:25–16:10, 16:20–17:05), the
sixth day's afternoon kept for the farewell party (告别联欢会), the seventh the team moves to
its next school. The evening film (电影天堂, 18:30–20:30) is a course shared by all classes
of a school, held in an evening period of the first five days. Volunteer teams rotate across
the schools weekly: by default team i is at school (i + week) mod the number of schools.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from services.scheduling.domain.timetabling import (
    Course,
    Period,
    Room,
    School,
    SchoolClass,
    Teacher,
    TimetableProblem,
    Weights,
)

TEMPLATE = "summer"
DEFAULT_STARTS = (7, 8)  # 8 July
DEFAULT_ENDS = (8, 11)  # 11 August
TEACHING_DAYS = 6
FAREWELL_DAY = 5  # the sixth day of the cycle: morning lessons, afternoon party
EVENING_DAYS = 5
GRADES = (3, 4, 5)


@dataclass(frozen=True)
class SubjectPlan:
    subject: str
    name_en: str
    name_zh: str
    lessons: int
    min_days: int
    shared: bool = False  # one course for all classes of the school (the evening film)
    evening: bool = False


SUBJECTS: tuple[SubjectPlan, ...] = (
    SubjectPlan("safety", "Safety education", "安全教育", 2, 2),
    SubjectPlan("law", "Law class", "普法小课堂", 2, 2),
    SubjectPlan("story", "Story time", "故事会", 4, 2),
    SubjectPlan("riddles", "Character riddles", "趣味“字谜”", 2, 2),
    SubjectPlan("sports", "Sports", "活力运动", 2, 1),
    SubjectPlan("puzzles", "Number puzzles", "数字“迷”", 2, 2),
    SubjectPlan("english", "English", "卓越英语", 3, 3),
    SubjectPlan("ancient_figures", "Ancient figures", "走进古人", 2, 2),
    SubjectPlan("film", "Evening film", "电影天堂", 3, 3, shared=True, evening=True),
    SubjectPlan("games", "Games", "小游戏", 3, 3),
    SubjectPlan("homework", "Homework tutoring", "暑假作业辅导", 9, 3),
)
SUBJECT_BY_ID = {s.subject: s for s in SUBJECTS}

# (index in the day, starts, ends): a gap in the indexes keeps lunch from joining sessions.
DAY_PERIODS = (
    (0, time(8, 30), time(9, 15)),
    (1, time(9, 30), time(10, 15)),
    (2, time(10, 30), time(11, 15)),
    (4, time(14, 30), time(15, 15)),
    (5, time(15, 25), time(16, 10)),
    (6, time(16, 20), time(17, 5)),
)
EVENING = (7, time(18, 30), time(20, 30))
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


@dataclass(frozen=True)
class SummerSchool:
    school_id: str
    name: str
    classes: tuple[SchoolClass, ...]
    rooms: tuple[Room, ...]
    # Where the evening film is shown (a hall, the playground, the village square).
    screening_room: str


@dataclass(frozen=True)
class VolunteerTeam:
    team_id: str
    volunteers: tuple[Teacher, ...]
    teaches: Mapping[str, str] = field(default_factory=dict)  # subject -> volunteer id


@dataclass(frozen=True)
class SummerProgramme:
    name: str
    starts_on: date
    ends_on: date
    schools: tuple[SummerSchool, ...]
    teams: tuple[VolunteerTeam, ...]
    # rotation[week] = {team id: school id}; empty: the default cyclic rotation.
    rotation: tuple[Mapping[str, str], ...] = ()
    language: str = "zh-CN"
    weights: Weights = field(default_factory=Weights)

    @property
    def weeks(self) -> int:
        return ((self.ends_on - self.starts_on).days + 1) // 7


def default_dates(year: int) -> tuple[date, date]:
    """The programme's five weeks (8 July–11 August) as Monday–Sunday weeks from the Monday
    of 8 July's week: exactly 8 Jul–11 Aug when 8 July is a Monday, as in 2024."""
    eighth = date(year, *DEFAULT_STARTS)
    monday = eighth - timedelta(days=eighth.weekday())
    weeks = ((date(year, *DEFAULT_ENDS) - eighth).days + 1) // 7
    return monday, monday + timedelta(days=7 * weeks - 1)


def grade_classes(school_id: str, pupils: int, language: str = "zh-CN") -> tuple[SchoolClass, ...]:
    """Grades 3–5 as three classes of (nearly) equal size."""
    sizes = [pupils // len(GRADES) + (1 if i < pupils % len(GRADES) else 0) for i in range(3)]
    return tuple(
        SchoolClass(
            class_id=f"{school_id}-g{grade}",
            school_id=school_id,
            pupils=size,
            name=(f"{'三四五'[i]}年级" if language == "zh-CN" else f"Grade {grade}"),
        )
        for i, (grade, size) in enumerate(zip(GRADES, sizes, strict=True))
    )


def default_rotation(
    teams: tuple[VolunteerTeam, ...], schools: tuple[SummerSchool, ...], weeks: int
) -> tuple[dict[str, str], ...]:
    """Team i is at school (i + week) mod the number of schools."""
    return tuple(
        {team.team_id: schools[(i + week) % len(schools)].school_id for i, team in enumerate(teams)}
        for week in range(weeks)
    )


def summer_periods(starts_on: date, language: str = "zh-CN") -> tuple[Period, ...]:
    periods: list[Period] = []
    for day in range(TEACHING_DAYS):
        weekday = (starts_on + timedelta(days=day)).weekday()
        slots = DAY_PERIODS[:3] if day == FAREWELL_DAY else DAY_PERIODS
        for n, (index, starts, ends) in enumerate(slots, start=1):
            label = (
                f"{WEEKDAYS_ZH[weekday]} 第{n}节"
                if language == "zh-CN"
                else f"{WEEKDAYS[weekday]} {n}"
            )
            periods.append(Period(f"{WEEKDAYS[weekday]}-{n}", day, index, starts, ends, label))
        if day < EVENING_DAYS:
            index, starts, ends = EVENING
            label = (
                f"{WEEKDAYS_ZH[weekday]} 晚上"
                if language == "zh-CN"
                else f"{WEEKDAYS[weekday]} evening"
            )
            periods.append(Period(f"{WEEKDAYS[weekday]}-evening", day, index, starts, ends, label))
    return tuple(periods)


def expand_programme(programme: SummerProgramme) -> TimetableProblem:
    """The general problem: per week, the courses of each school taught by its team."""
    periods = summer_periods(programme.starts_on, programme.language)
    evening = frozenset(p.period_id for p in periods if p.index == EVENING[0])
    daytime = frozenset(p.period_id for p in periods) - evening
    rotation = programme.rotation or default_rotation(
        programme.teams, programme.schools, programme.weeks
    )
    school_by_id = {s.school_id: s for s in programme.schools}
    team_by_id = {t.team_id: t for t in programme.teams}
    courses: list[Course] = []
    for week, placement in enumerate(rotation):
        for team_id, school_id in placement.items():
            team, school = team_by_id[team_id], school_by_id[school_id]
            courses += _school_week(programme, school, team, week, evening, daytime)
    teachers = tuple(v for team in programme.teams for v in team.volunteers)
    return TimetableProblem(
        name=programme.name,
        periods=periods,
        schools=tuple(School(s.school_id, s.name) for s in programme.schools),
        classes=tuple(k for s in programme.schools for k in s.classes),
        rooms=tuple(r for s in programme.schools for r in s.rooms),
        teachers=teachers,
        courses=tuple(courses),
        weeks=programme.weeks,
        starts_on=programme.starts_on,
        weights=programme.weights,
        notes=_notes(programme, rotation),
    )


def _school_week(
    programme: SummerProgramme,
    school: SummerSchool,
    team: VolunteerTeam,
    week: int,
    evening: frozenset[str],
    daytime: frozenset[str],
) -> list[Course]:
    zh = programme.language == "zh-CN"
    classrooms = tuple(r.room_id for r in school.rooms if r.room_id != school.screening_room)
    planned: list[tuple[SubjectPlan, tuple[str, ...]]] = []
    for plan in SUBJECTS:
        if plan.shared:
            planned.append((plan, tuple(k.class_id for k in school.classes)))
        else:
            planned += [(plan, (k.class_id,)) for k in school.classes]
    teacher_of = _share_out(team, planned)
    courses = []
    for n, (plan, class_ids) in enumerate(planned):
        course_id = f"{school.school_id}/w{week + 1}/" + (
            plan.subject if plan.shared else f"{class_ids[0]}/{plan.subject}"
        )
        courses.append(
            Course(
                course_id=course_id,
                subject=plan.subject,
                class_ids=class_ids,
                teacher_id=teacher_of[n],
                lessons=plan.lessons,
                min_days=plan.min_days,
                week=week,
                name=plan.name_zh if zh else plan.name_en,
                room_ids=(school.screening_room,) if plan.evening else classrooms,
                unavailable=daytime if plan.evening else evening,
            )
        )
    return courses


def _share_out(
    team: VolunteerTeam, planned: list[tuple[SubjectPlan, tuple[str, ...]]]
) -> list[str]:
    """Each course's volunteer: the team's `teaches` choice, else the least loaded so far
    (largest courses first)."""
    load = {v.teacher_id: 0 for v in team.volunteers}
    chosen: dict[int, str] = {}
    for n, (plan, _classes) in enumerate(planned):
        if plan.subject in team.teaches:
            chosen[n] = team.teaches[plan.subject]
            load[chosen[n]] += plan.lessons
    order = sorted(
        (n for n in range(len(planned)) if n not in chosen), key=lambda n: -planned[n][0].lessons
    )
    for n in order:
        volunteer = min(load, key=lambda v: (load[v], v))
        chosen[n] = volunteer
        load[volunteer] += planned[n][0].lessons
    return [chosen[n] for n in range(len(planned))]


def _notes(
    programme: SummerProgramme, rotation: tuple[Mapping[str, str], ...]
) -> dict[str, object]:
    zh = programme.language == "zh-CN"
    weeks = []
    for week, placement in enumerate(rotation):
        first = programme.starts_on + timedelta(days=7 * week)
        weeks.append(
            {
                "week": week + 1,
                "starts_on": first.isoformat(),
                "farewell_party": (first + timedelta(days=FAREWELL_DAY)).isoformat(),
                "moving_day": (first + timedelta(days=TEACHING_DAYS)).isoformat(),
                "teams": [
                    {"team": team, "school": school} for team, school in sorted(placement.items())
                ],
            }
        )
    return {
        "template": TEMPLATE,
        "farewell_party": "告别联欢会 14:30" if zh else "farewell party 14:30",
        "moving_day": "移至下一所学校" if zh else "the team moves to the next school",
        "teams": {t.team_id: [v.teacher_id for v in t.volunteers] for t in programme.teams},
        "rotation": weeks,
    }
