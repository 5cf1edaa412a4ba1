"""Every kind of notification: its category (what a person switches on or off), its
priority (critical kinds bypass quiet hours and cannot be switched off) and the fields
its templates may use, and its failover policy (`domain/failover.py`: critical kinds fail
over through every channel the person can be reached on, most kinds down the person's
own path, a broadcast offer not beyond its first channel). The routing table
(`domain/routes.py`) maps events to kinds; the templates (`templates/<locale>/<kind>.j2`)
word them. A template may use only the fields its kind declares, and every declared
field is always given (None when absent).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from services.notifications.domain.failover import (
    EVERY_REACHABLE,
    FIRST_CHANNEL_ONLY,
    PERSONS_PATH,
    FailoverPolicy,
    effective_policy,
    parse_failover_by_kind,
)


class Priority(StrEnum):
    NORMAL = "normal"
    CRITICAL = "critical"


class Category(StrEnum):
    """What a person chooses channels, quiet-hours handling and digests for."""

    RECRUITMENT = "recruitment"  # applications, interviews, results, teams
    PAIRING = "pairing"  # 结对帮扶
    DUTY = "duty"  # rotas, shifts, swaps, sign-in, handover
    MEETINGS = "meetings"  # meetings, leave, attendance
    TEACHING = "teaching"  # timetables and lessons
    ACTIVITIES = "activities"  # activity calendar and preparation tasks
    EVALUATION = "evaluation"  # reports, reviews, grades, awards, credits, assessments
    REMINDERS = "reminders"  # before shifts, meetings, lessons, deadlines, tasks
    SAFETY = "safety"  # incidents and dropout cases: critical


@dataclass(frozen=True)
class Kind:
    name: str
    category: Category
    priority: Priority
    fields: frozenset[str]
    description: str
    # Where a message of this kind may fail over (an operator may override it per kind).
    failover: FailoverPolicy = field(default=PERSONS_PATH)
    # Waits for the person's digest unless they chose otherwise for its category (a kind
    # that comes in bursts: a published timetable is one message per lesson).
    digested: bool = False

    @property
    def critical(self) -> bool:
        return self.priority is Priority.CRITICAL


def _kind(
    name: str,
    category: Category,
    fields: str,
    description: str,
    priority: Priority = Priority.NORMAL,
    failover: FailoverPolicy | None = None,
    digested: bool = False,
) -> Kind:
    """A kind; its failover defaults to every reachable channel when it is critical,
    else to the person's path."""
    if failover is None:
        failover = EVERY_REACHABLE if priority is Priority.CRITICAL else PERSONS_PATH
    return Kind(
        name, category, priority, frozenset(fields.split()), description, failover, digested
    )


R, P, D, M = Category.RECRUITMENT, Category.PAIRING, Category.DUTY, Category.MEETINGS
T, A, E, REM, S = (
    Category.TEACHING,
    Category.ACTIVITIES,
    Category.EVALUATION,
    Category.REMINDERS,
    Category.SAFETY,
)
CRITICAL = Priority.CRITICAL

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        # --- recruitment (招募 / 纳新 / 项目) ---
        _kind("application_received", R, "applicant_name campaign submitted_at", "报名已提交"),
        _kind("interview_scheduled", R, "campaign starts_at ends_at place", "面试时间地点"),
        _kind("applicant_admitted", R, "campaign squad", "录取通知"),
        _kind("applicant_waitlisted", R, "campaign rank", "候补通知"),
        _kind("applicant_rejected", R, "campaign reason", "未录取"),
        _kind("applicant_promoted", R, "campaign", "候补递补录取"),
        _kind("membership_started", R, "organisation role", "加入部门 / 队伍"),
        _kind("membership_ended", R, "organisation how reason", "退出 / 强制性退会 / 开除"),
        _kind("team_approved", R, "title project_class budget_yuan", "社会实践项目立项"),
        _kind("team_rejected", R, "title reason", "社会实践项目未立项"),
        # --- pairing (结对) ---
        _kind("pairing_created", P, "school reasons", "结对成功"),
        _kind("pairing_ended", P, "school reason", "结对结束"),
        # --- duty (值班) ---
        _kind("shift_assigned", D, "post place starts_at ends_at", "排班通知"),
        _kind("shift_changed", D, "post place starts_at ends_at why", "班次变更"),
        _kind("shift_cancelled", D, "post starts_at reason", "班次取消"),
        # Offered to every eligible member, first come first served: no SMS to all of
        # them when their first channel fails.
        _kind("shift_offered", D, "post starts_at", "可接班次", failover=FIRST_CHANNEL_ONLY),
        _kind("swap_decided", D, "decision reason", "换班审批结果"),
        _kind("duty_missed", D, "post starts_at", "缺勤记录"),
        _kind("handover_recorded", D, "post unfinished_tasks recorded_at", "交接班记录"),
        # --- meetings, leave, attendance (会议 / 请假 / 考勤) ---
        _kind("meeting_scheduled", M, "title agenda place starts_at ends_at", "会议通知"),
        _kind("meeting_cancelled", M, "title starts_at", "会议取消"),
        _kind("leave_decided", M, "decision", "请假审批结果"),
        _kind("attendance_sanction", M, "sanction reason term", "考勤处分 / 警告"),
        # --- teaching (课表) ---
        _kind("lesson_assigned", T, "school class_name subject room starts_at ends_at", "授课安排"),
        _kind(
            "school_lesson_scheduled",
            T,
            "school class_name subject room starts_at ends_at volunteer",
            "支教课程安排（致学校联系人）",
            digested=True,  # a term's timetable: one digest a day, not an email a lesson
        ),
        _kind("school_pairing_created", P, "school volunteer reasons", "结对帮扶（致学校联系人）"),
        # --- activities (活动) ---
        _kind("activity_scheduled", A, "title room starts_at ends_at", "活动通知"),
        _kind("task_due", A, "title activity due_at", "筹备任务到期"),
        # --- evaluation (评比 / 考核) ---
        _kind("report_expected", E, "title closes_at", "社会实践报告提交通知"),
        _kind("review_assigned", E, "title season", "评审任务"),
        _kind("similarity_flagged", E, "title containment", "查重提示（待认定）"),
        _kind("integrity_decided", E, "title decision reason", "学术诚信认定结果"),
        _kind("grade_finalised", E, "title grade passed", "成绩评定"),
        _kind("award_granted", E, "title prize", "获奖通知"),
        _kind("defense_scheduled", E, "title room starts_at ends_at", "答辩安排"),
        _kind("award_withdrawn", E, "title prize reason", "奖项撤销"),
        _kind("defense_withdrawn", E, "title room starts_at ends_at decided", "答辩取消"),
        _kind("credits_awarded", E, "credits balance season", "学分认定"),
        _kind("credits_revoked", E, "credits balance reason", "学分撤销"),
        _kind("staff_assessment_published", E, "term total", "考核结果"),
        _kind("staff_assessment_withdrawn", E, "term", "考核结果撤回"),
        _kind("staff_sanction", E, "sanction reason term", "考核处分（警告 / 通报批评 / 辞退）"),
        _kind("staff_sanction_annulled", E, "sanction reason term", "考核处分撤销"),
        # --- reminders (提醒) ---
        _kind("shift_reminder", REM, "post place starts_at lead", "值班提醒"),
        _kind("meeting_reminder", REM, "title agenda place starts_at lead", "会议提醒"),
        _kind("lesson_reminder", REM, "school class_name subject room starts_at lead", "上课提醒"),
        _kind("deadline_reminder", REM, "what title due_at lead", "截止提醒（报名/项目申报/报告）"),
        _kind("task_reminder", REM, "title due_at lead", "任务提醒"),
        # --- safety: escalation chains (上报), critical ---
        _kind(
            "incident_alert",
            S,
            "title summary place occurred_at step role ack_url",
            "突发事件上报",
            CRITICAL,
        ),
        _kind(
            "return_to_school_notice",
            S,
            "school return_by ack_url",
            "返校通知书（致监护人）",
            CRITICAL,
        ),
        _kind(
            "dropout_escalated",
            S,
            "school county return_by ack_url",
            "辍学未返校，上报乡镇",
            CRITICAL,
        ),
        # --- digests (汇总) ---
        _kind("digest", REM, "items period", "消息汇总"),
    )
}


class UnknownKind(LookupError):
    pass


def kind_named(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise UnknownKind(f"no notification kind {name!r}") from None


def failover_by_kind(text: str) -> dict[str, FailoverPolicy]:
    """The operator's overrides (`NOTIFICATIONS_FAILOVER_BY_KIND`, `kind=policy;...`),
    checked against this table (BadFailoverSetting naming the unknown kind or channel)."""
    critical = {name for name, kind in KINDS.items() if kind.critical}
    return parse_failover_by_kind(text, kinds=KINDS, critical=critical)


def failover_of(kind: Kind, overrides: Mapping[str, FailoverPolicy] | None) -> FailoverPolicy:
    """The policy a message of `kind` follows: the operator's override, else the kind's."""
    return effective_policy(kind.name, kind.failover, overrides)
