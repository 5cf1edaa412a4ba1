"""Who takes part in the demo's report season of the computer college, and how good each
report is meant to be (the reviewers' scores are drawn around it, with each reviewer's
leniency or severity, so the calibration has something to correct)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

CAMPUS_TZ = ZoneInfo("Asia/Shanghai")
COLLEGE = "cs"
CHAIR = "cs-chair"  # 评审委员会主任 (the college's college_admin)
TEACHER = "cs-t-qian"  # 钱老师: the final review (终审)
OFFICER = "cs-officer"


def season_name(now: datetime) -> str:
    """The recruitment demo's project season (tools/demo/recruitment/teams.py): the
    evaluation season of the same name receives its approved teams' reports."""
    return f"{now.astimezone(CAMPUS_TZ).year}-summer"


@dataclass(frozen=True)
class Individual:
    student_id: str
    name: str
    class_id: str
    title: str
    seed: str  # the seed file the report's text is drawn from first


INDIVIDUALS = (
    Individual("cs-2023011", "周婷", "cs-2023-1", "社区老年人智能手机使用帮扶实践报告", "000"),
    Individual("cs-2023012", "吴昊", "cs-2023-1", "家乡义务教育控辍保学情况调研", "003"),
    Individual("cs-2023013", "郑雪", "cs-2023-1", "校园社团管理制度的调研与思考", "004"),
    Individual("cs-2023014", "冯凯", "cs-2023-1", "关爱留守儿童志愿服务个人总结", "002"),
    Individual("cs-2023015", "褚玲", "cs-2023-1", "高校学生会对外联络工作实践", "001"),
    Individual("cs-2023016", "卫强", "cs-2023-1", "暑期义务献血宣传活动实践报告", "000"),
    Individual("cs-2023017", "蒋琳", "cs-2023-2", "乡村小学辍学问题访谈报告", "003"),
    Individual("cs-2023018", "沈涛", "cs-2023-2", "学生组织值班与档案管理实践", "004"),
    Individual("cs-2023019", "韩梅", "cs-2023-2", "一对一帮扶计划的实施与反思", "002"),
    Individual("cs-2023020", "杨柳", "cs-2023-2", "社区服务中的大学生志愿者角色", "000"),
    Individual("cs-2023021", "朱磊", "cs-2023-2", "县域义务教育均衡发展见闻", "003"),
    Individual("cs-2023022", "秦悦", "cs-2023-2", "学生干部工作作风建设调研", "004"),
)
# Her report (one version) pastes whole passages of a draft of the 红色文化寻访 team's
# report; she submits before the team, so the gate finds nothing and she is graded and
# credited. The team submits after the others were graded: its gate check flags the
# team; the chair's re-check flags her report: misconduct, her credit revoked; the team
# cleared.
COPIER = "cs-2023020"
COPIED_TEAM = "红色文化寻访"
UPLOADS_DOCX = "cs-2023011"  # submits a Word file instead of text

TEAM_SEEDS = {"乡村留守儿童阅读推广": "002", "红色文化寻访": "000"}


@dataclass(frozen=True)
class Reviewer:
    reviewer_id: str
    name: str
    load: int
    bias: float  # points added to the scores they give (+ lenient, − severe)
    class_id: str | None = None


REVIEWERS = (
    Reviewer("cs-t-wu", "吴老师", 8, +6.0),
    Reviewer("cs-t-sun", "孙老师", 8, -5.0),
    Reviewer("cs-t-zhao", "赵老师", 8, 0.0),
    Reviewer("cs-t-zhang", "张老师", 8, +1.0),  # advises 乡村留守儿童阅读推广: never its reviewer
    Reviewer("cs-2022015", "何静（学生评委）", 6, +2.0, "cs-2022-2"),
    Reviewer("cs-2023030", "马骏（学生评委）", 6, -1.0, "cs-2023-1"),  # not on cs-2023-1's reports
)
# 孙老师 declares a conflict about 吴昊 (a relative): no report of his comes to her.
DECLARED = ("cs-t-sun", "cs-2023012", "亲属关系，申请回避")
CLASSES = {
    "cs-2023-1": [i.student_id for i in INDIVIDUALS if i.class_id == "cs-2023-1"] + ["cs-2023030"],
    "cs-2023-2": [i.student_id for i in INDIVIDUALS if i.class_id == "cs-2023-2"],
    "cs-2022-2": ["cs-2022015", "cs-2022016", "cs-2022017"],
}
CRITERIA = (
    ("method", "调研方法", 0.3),
    ("findings", "实践成果", 0.4),
    ("writing", "报告撰写", 0.3),
)
RUBRIC: dict[str, Any] = {
    "criteria": [{"key": key, "name": name, "weight": weight} for key, name, weight in CRITERIA],
    "min_score": 0,
    "max_score": 100,
    "reviews_per_report": 2,
}
# How good each report is (team reports by title, individual ones by student).
QUALITY = {
    "乡村留守儿童阅读推广": 95.0,
    "cs-2023014": 87.0,
    "红色文化寻访": 79.0,
    "cs-2023011": 77.0,
    "cs-2023017": 69.0,
    "cs-2023012": 68.0,
    "cs-2023019": 68.0,
    "cs-2023020": 67.0,
    "cs-2023013": 66.0,
    "cs-2023018": 66.0,
    "cs-2023015": 65.0,
    "cs-2023021": 64.0,
    "cs-2023016": 64.0,
    "cs-2023022": 63.0,
}
COMMENTS = (
    (85.0, "选题扎实，调研过程记录完整，数据与结论对应清楚，建议补充后续跟踪计划。"),
    (75.0, "内容充实，结构清楚；部分结论缺少数据支撑，可增加访谈记录。"),
    (0.0, "完成了实践任务，但过程描述偏简略，反思不够深入，建议按模板补全各部分。"),
)
# The teacher raises 红色文化寻访 above the committee's grade, with a reason on record.
OVERRIDE = (
    "红色文化寻访",
    "优",
    "实地走访七处红色教育基地，口述史整理完整，展板已被县档案馆采用。",
)
DEFENSE_PANEL = ("cs-t-wu", "cs-t-sun", "cs-t-zhao", TEACHER)
DEFENSE_ROOMS = ("计算机楼 301", "计算机楼 305")
STAFF_MEMBER = "cs-2024004"  # 刘洋: office rota duties, a late sign-in at the reception desk
STAFF_SCORES = {"attitude": 8.5, "ability": 8.0, "teamwork": 9.0, "comment": "值班认真，交接清楚"}


def quality_of(key: str) -> float:
    return QUALITY.get(key, 75.0)


def comment_for(score: float) -> str:
    return next(text for floor, text in COMMENTS if score >= floor)
