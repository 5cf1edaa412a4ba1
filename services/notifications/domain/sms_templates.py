"""SMS templates: what the SMS provider is told for each kind.

Chinese SMS providers (here Alibaba Cloud SMS, see channels/sms.py) send only templates
that were registered and approved beforehand: a request names the template's code and
gives its variables as a JSON object of strings; the provider words the message. So each
kind maps to one template code and the kind's fields it passes as variables (the
variable has the field's name). The codes below are the ones registered for the
Campusflow sign name; an operator who registers other codes changes them here (reviewed
like code). A unit test fails when a kind has no template or a template passes a field
its kind does not declare.

Values follow the provider's rules: strings only, each at most `VARIABLE_MAX_CHARS`
characters (Alibaba's limit for notification templates is 35 per variable), so longer
values are cut with an ellipsis; times are shown as `YYYY-MM-DD HH:MM` in the zone they
carry. A field carrying a code (a sanction's kind, a decision, a prize, how a membership
ended, what a deadline is for) is sent as its Chinese label
(`SMS_LABELS`), as the zh-CN templates word it: the provider shows a variable as given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from services.notifications.domain.kinds import KINDS

VARIABLE_MAX_CHARS = 35


@dataclass(frozen=True)
class SmsTemplate:
    kind: str
    code: str  # the provider's template code, e.g. "SMS_480100001"
    variables: tuple[str, ...]  # the kind's fields passed as template variables


def _t(kind: str, number: int, variables: str) -> SmsTemplate:
    return SmsTemplate(kind, f"SMS_4801{number:05d}", tuple(variables.split()))


SMS_TEMPLATES: dict[str, SmsTemplate] = {
    template.kind: template
    for template in (
        # --- recruitment ---
        _t("application_received", 1, "applicant_name campaign"),
        _t("interview_scheduled", 2, "campaign starts_at place"),
        _t("applicant_admitted", 3, "campaign squad"),
        _t("applicant_waitlisted", 4, "campaign rank"),
        _t("applicant_rejected", 5, "campaign"),
        _t("applicant_promoted", 6, "campaign"),
        _t("membership_started", 7, "organisation role"),
        _t("membership_ended", 8, "organisation how"),
        _t("team_approved", 9, "title project_class"),
        _t("team_rejected", 10, "title"),
        # --- pairing ---
        _t("pairing_created", 11, "school"),
        _t("pairing_ended", 12, "school"),
        # --- duty ---
        _t("shift_assigned", 13, "post place starts_at"),
        _t("shift_changed", 14, "post place starts_at"),
        _t("shift_cancelled", 15, "post starts_at"),
        _t("shift_offered", 16, "post starts_at"),
        _t("swap_decided", 17, "decision"),
        _t("duty_missed", 18, "post starts_at"),
        _t("handover_recorded", 19, "post recorded_at"),
        # --- meetings ---
        _t("meeting_scheduled", 20, "title place starts_at"),
        _t("meeting_cancelled", 21, "title starts_at"),
        _t("leave_decided", 22, "decision"),
        _t("attendance_sanction", 23, "sanction term"),
        # --- teaching ---
        _t("lesson_assigned", 24, "school class_name subject starts_at"),
        # --- to a school's contacts ---
        _t("school_lesson_scheduled", 50, "volunteer class_name subject starts_at"),
        _t("school_pairing_created", 51, "volunteer school"),
        # --- activities ---
        _t("activity_scheduled", 25, "title room starts_at"),
        _t("task_due", 26, "title due_at"),
        # --- evaluation ---
        _t("report_expected", 27, "title closes_at"),
        _t("review_assigned", 28, "title season"),
        _t("similarity_flagged", 29, "title"),
        _t("integrity_decided", 30, "title decision"),
        _t("grade_finalised", 31, "title grade"),
        _t("award_granted", 32, "title prize"),
        _t("defense_scheduled", 33, "title room starts_at"),
        _t("award_withdrawn", 46, "title prize"),
        _t("defense_withdrawn", 47, "title starts_at"),
        _t("credits_awarded", 34, "credits balance"),
        _t("credits_revoked", 35, "credits balance"),
        _t("staff_assessment_published", 36, "term total"),
        _t("staff_assessment_withdrawn", 52, "term"),
        _t("staff_sanction", 48, "sanction term"),
        _t("staff_sanction_annulled", 49, "sanction term"),
        # --- reminders ---
        _t("shift_reminder", 37, "post place starts_at"),
        _t("meeting_reminder", 38, "title place starts_at"),
        _t("lesson_reminder", 39, "school class_name starts_at"),
        _t("deadline_reminder", 40, "what title due_at"),
        _t("task_reminder", 41, "title due_at"),
        # --- safety (critical): the acknowledgement link goes in the SMS too ---
        _t("incident_alert", 42, "title place step ack_url"),
        _t("return_to_school_notice", 43, "school return_by ack_url"),
        _t("dropout_escalated", 44, "school county return_by ack_url"),
        # --- digests: the number of items and the period ---
        _t("digest", 45, "items period"),
    )
}


# The sanctions in the seeds' words: scheduling's attendance sanctions (学生会会议考勤制度:
# 口头警告, 强制性退会, 开除) and the officers' (DOMAIN.md §3: 警告, 通报批评, 辞退).
ATTENDANCE_SANCTION_LABELS = {
    "verbal_warning": "口头警告",
    "compulsory_withdrawal": "强制性退会",
    "expulsion": "开除",
}
STAFF_SANCTION_LABELS = {"warning": "警告", "notice_of_criticism": "通报批评", "dismissal": "辞退"}
# The other codes a template variable carries, in the zh-CN templates' words.
SWAP_DECISION_LABELS = {"approved": "已批准", "refused": "未获批准"}
LEAVE_DECISION_LABELS = {"granted": "已批准", "refused": "未获批准"}
INTEGRITY_LABELS = {"misconduct": "认定为学术不端", "cleared": "不构成学术不端"}
PRIZE_LABELS = {"first": "一等奖", "second": "二等奖", "third": "三等奖", "honourable": "优秀奖"}
HOW_ENDED_LABELS = {
    "transferred": "调离",
    "withdrawn": "退出",
    "compulsory_withdrawal": "强制性退会",
    "expelled": "开除",
}
DEADLINE_LABELS = {"application": "报名", "project": "项目申报", "report": "社会实践报告"}
# Per (kind, variable): the label sent for each code (a code not listed is sent as it is).
SMS_LABELS: dict[tuple[str, str], Mapping[str, str]] = {
    ("attendance_sanction", "sanction"): ATTENDANCE_SANCTION_LABELS,
    ("staff_sanction", "sanction"): STAFF_SANCTION_LABELS,
    ("staff_sanction_annulled", "sanction"): STAFF_SANCTION_LABELS,
    ("swap_decided", "decision"): SWAP_DECISION_LABELS,
    ("leave_decided", "decision"): LEAVE_DECISION_LABELS,
    ("integrity_decided", "decision"): INTEGRITY_LABELS,
    ("award_granted", "prize"): PRIZE_LABELS,
    ("award_withdrawn", "prize"): PRIZE_LABELS,
    ("membership_ended", "how"): HOW_ENDED_LABELS,
    ("deadline_reminder", "what"): DEADLINE_LABELS,
}


class NoSmsTemplate(LookupError):
    pass


def sms_template(kind: str) -> SmsTemplate:
    try:
        return SMS_TEMPLATES[kind]
    except KeyError:
        raise NoSmsTemplate(f"no SMS template for kind {kind!r}") from None


def sms_value(value: object) -> str:
    """One field as an SMS variable: a short string."""
    if value is None:
        text = "-"
    elif isinstance(value, bool):
        text = "是" if value else "否"
    elif isinstance(value, datetime):
        text = value.strftime("%Y-%m-%d %H:%M")
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, list | tuple | set | frozenset):
        text = str(len(value))  # a digest's items: how many
    elif isinstance(value, float):
        text = f"{value:g}"
    else:
        text = str(value)
        text = _iso_time_shown(text)
    text = " ".join(text.split()) or "-"
    if len(text) > VARIABLE_MAX_CHARS:
        text = text[: VARIABLE_MAX_CHARS - 1] + "…"
    return text


def _iso_time_shown(text: str) -> str:
    """An ISO datetime string (how fields travel as JSON) shown like a datetime."""
    if len(text) >= 16 and text[4] == "-" and text[10] in "T ":
        try:
            return datetime.fromisoformat(text).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return text
    return text


def sms_variables(kind: str, fields: Mapping[str, object]) -> tuple[str, dict[str, str]]:
    """(template code, variables) for a message of `kind` with `fields`."""
    template = sms_template(kind)
    return template.code, {
        name: sms_value(_labelled(kind, name, fields.get(name))) for name in template.variables
    }


def _labelled(kind: str, name: str, value: object) -> object:
    labels = SMS_LABELS.get((kind, name))
    if labels is None or not isinstance(value, str):
        return value
    return labels.get(value, value)


def unmapped_kinds() -> list[str]:
    """Kinds without an SMS template (must be empty)."""
    return sorted(set(KINDS) - set(SMS_TEMPLATES))


def undeclared_variables() -> dict[str, list[str]]:
    """Per kind, template variables its kind does not declare (must be empty)."""
    wrong: dict[str, list[str]] = {}
    for kind, template in SMS_TEMPLATES.items():
        declared = KINDS[kind].fields if kind in KINDS else frozenset()
        extra = sorted(set(template.variables) - declared)
        if extra:
            wrong[kind] = extra
    return wrong
