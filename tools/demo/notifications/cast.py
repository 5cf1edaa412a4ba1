"""Who the notifications demo involves: the contact directory of the computer college
(a guardian, the township contact, a grade leader, the moral-education office), the
teacher on the outing, the office member who reads her mail, the short-notice meeting,
the outing's incident and the child who stops coming to school (all invented)."""

from __future__ import annotations

from dataclasses import dataclass

COLLEGE = "cs"
OFFICER = f"{COLLEGE}-officer"
DIRECTORY_ADMIN = f"{COLLEGE}-admin"


@dataclass(frozen=True)
class Entry:
    """One person of the contact directory (通讯录) and how to reach them."""

    role: str
    person_id: str
    name: str
    scopes: tuple[str, ...]
    contact_points: tuple[tuple[str, str], ...]


# The child of the register who stops coming to school (辍学) and her school's county.
DROPOUT_SCHOOL, DROPOUT_COUNTY, DROPOUT_GRADE = "shaoyang-wulong-primary", "邵阳县", 3
GUARDIAN = "cs-guardian-chen"
TOWNSHIP = "cs-township-wufengpu"
GRADE_LEADER = "cs-grade-leader-he"
MORAL_OFFICE = "cs-moral-education-office"
TEACHER = "cs-t-zhou"  # 周老师, in charge of the outing, told first of the incident


def directory(beneficiary_id: str) -> tuple[Entry, ...]:
    """The directory entries; the guardian's scope is the child's register id."""
    return (
        Entry("guardian", GUARDIAN, "陈妈妈", (beneficiary_id,), (("sms", "13800000103"),)),
        Entry(
            "township_contact",
            TOWNSHIP,
            "五峰铺镇教育办 王主任",
            (DROPOUT_COUNTY,),
            (("sms", "13900000311"), ("email", "wufengpu-jiaoyuban@example.cn")),
        ),
        Entry(
            "grade_leader", GRADE_LEADER, "何老师（年级组长）", (), (("email", "he@example.cn"),)
        ),
        Entry(
            "moral_education_office",
            MORAL_OFFICE,
            "学工部德育办",
            (),
            (("email", "deyuban@example.cn"),),
        ),
    )


# The office member who gives her email address and wants reminders by email first.
MAIL_READER, MAIL_READER_NAME = "cs-2024005", "陈静"
MAIL_ADDRESS = "chenjing@example.cn"
# Her choice per category: True = email then in-app, False = in-app only (safety, being
# critical, always goes on every channel she has).
MAIL_READER_CHOICES = (
    ("meetings", True),
    ("reminders", True),
    ("recruitment", False),
    ("pairing", False),
    ("duty", False),
    ("teaching", False),
    ("activities", False),
    ("evaluation", False),
)
TEACHER_MAIL = "zhou.teacher@example.cn"

# A coordination meeting of the office called at short notice: every reminder lead (24 h,
# 1 h) has passed when it is scheduled, so its one reminder fires at once (the documented
# rule), within the demo.
MEETING_TITLE = "值班工作临时协调会"
MEETING_AGENDA = "明日值班交接安排，确认空缺班次的顶岗人员"
MEETING_PLACE = "校团委办公室 A203"
MEETING_IN_MIN, MEETING_LENGTH_MIN = 40, 30

INCIDENT_TITLE = "研学途中学生扭伤脚踝"
INCIDENT_SUMMARY = "社会实践研学途中，一名同学下台阶时扭伤脚踝，已冰敷并送校医室检查"
INCIDENT_PLACE = "岳麓山南门"
DROPOUT_NOTE = "连续两周未到校，家访未见到孩子"
RETURN_WITHIN_DAYS = 7
