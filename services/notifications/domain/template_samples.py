"""Sample values of the declared fields: what a template is rendered against before it is
kept (and what the preview shows when no fields are given). Every field a kind declares
has a sample here (a unit test keeps it so); a field meaning something else in one kind
(`role`, `decision`, `reason`...) has a sample for that kind.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.notifications.domain.kinds import Kind

_START = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # 08:00 in Asia/Shanghai

SAMPLES: dict[str, object] = {
    "applicant_name": "张三",
    "campaign": "2026 年暑期支教志愿者招募",
    "submitted_at": datetime(2026, 11, 30, 2, 30, tzinfo=UTC),
    "starts_at": _START,
    "ends_at": _START + timedelta(hours=2),
    "place": "学生会办公室（主楼 203）",
    "squad": "特招服务小队一队",
    "rank": 3,
    "reason": "名额已满",
    "organisation": "学生会秘书处",
    "role": "干事",
    "how": "withdrawn",
    "title": "乡村留守儿童心理关爱社会实践",
    "project_class": "I",
    "budget_yuan": 3000,
    "school": "青山镇中心小学",
    "reasons": ["留守儿童比例高", "英语、音乐师资紧缺"],
    "post": "日班",
    "why": "swap",
    "decision": "approved",
    "unfinished_tasks": "整理本周例会记录；归还会议室钥匙",
    "recorded_at": _START + timedelta(hours=4),
    "agenda": "1. 总结前期工作\n2. 安排后期工作\n3. 分享帮扶心得",
    "sanction": "verbal_warning",
    "term": "2026 秋季学期",
    "class_name": "五年级二班",
    "volunteer": "李雷",
    "subject": "语文",
    "room": "教学楼 301",
    "activity": "迎新晚会",
    "due_at": _START + timedelta(days=2),
    "closes_at": _START + timedelta(days=14),
    "season": "2026 暑期社会实践",
    "containment": 0.62,
    "grade": "优秀",
    "passed": True,
    "decided": False,
    "prize": "first",
    "credits": 1,
    "balance": 2,
    "total": 92.5,
    "lead": timedelta(hours=24),
    "what": "report",
    "summary": "返程途中一名学生扭伤脚踝，已送镇卫生院处理，家长已通知。",
    "occurred_at": _START + timedelta(hours=6),
    "step": 2,
    "ack_url": "https://campusflow.example/api/notifications/ack/3f2a9c",
    "return_by": _START + timedelta(days=7),
    "county": "青山县",
    # As PREFS' digest gives them: per kind its label, count and the messages' own titles.
    "items": [
        {"kind": "shift_assigned", "title": "排班通知", "count": 1, "titles": ["排班通知"]},
        {
            "kind": "meeting_scheduled",
            "title": "会议通知",
            "count": 2,
            "titles": ["Meeting: 学生会部长例会", "Meeting: 迎新晚会筹备会"],
        },
    ],
    "period": "2026-11-30 20:00 – 2026-12-01 20:00",
}

# A field whose meaning (and so its values) differs by kind.
KIND_SAMPLES: dict[tuple[str, str], object] = {
    ("incident_alert", "role"): "grade_leader",
    ("leave_decided", "decision"): "granted",
    ("integrity_decided", "decision"): "misconduct",
    ("integrity_decided", "reason"): "与往届报告高度雷同，经认定为抄袭",
    ("pairing_ended", "reason"): "学期结束，帮扶计划完成",
    ("team_rejected", "reason"): "选题与往年项目重复",
    ("applicant_rejected", "reason"): "名额已满",
    ("membership_ended", "reason"): "本学期请假超过活动总数三分之一",
    ("swap_decided", "reason"): "",
    ("shift_cancelled", "reason"): "值班室检修",
    ("attendance_sanction", "reason"): "无故缺席例会 1 次",
    ("credits_revoked", "reason"): "学术不端认定",
    ("staff_sanction", "sanction"): "notice_of_criticism",
    ("staff_sanction", "reason"): "值班期间多次擅自离岗，经提醒仍未改正",
    ("staff_sanction_annulled", "sanction"): "notice_of_criticism",
    ("staff_sanction_annulled", "reason"): "经核实，离岗期间系按部长安排外出送材料",
    ("task_due", "title"): "准备晚会节目单",
    ("task_reminder", "title"): "准备晚会节目单",
    ("meeting_scheduled", "title"): "学生会部长例会",
    ("meeting_cancelled", "title"): "学生会部长例会",
    ("meeting_reminder", "title"): "学生会部长例会",
    ("activity_scheduled", "title"): "迎新晚会彩排",
    ("incident_alert", "title"): "青山镇支教返程",
}


def sample_of(kind: Kind, field: str) -> object:
    if (kind.name, field) in KIND_SAMPLES:
        return KIND_SAMPLES[(kind.name, field)]
    return SAMPLES.get(field, f"<{field}>")


def sample_fields(kind: Kind) -> dict[str, object]:
    """Every declared field of the kind with a plausible value."""
    return {field: sample_of(kind, field) for field in sorted(kind.fields)}


def absent_fields(kind: Kind) -> dict[str, object]:
    """Every declared field absent, as a route gives a field its event did not carry."""
    return dict.fromkeys(sorted(kind.fields))
