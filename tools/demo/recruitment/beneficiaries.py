"""Demo: the register (档案) of children served, through the API only.

The names, addresses and phones are invented. Safe to load twice: a child already
registered is answered 409 and counted as present.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx

Token = Callable[[str, str, str], dict[str, str]]


@dataclass(frozen=True)
class DemoChild:
    college: str
    school_id: str
    county: str
    grade: int
    categories: tuple[str, ...]
    subject_needs: tuple[str, ...]
    name: str
    guardian_name: str
    address: str
    phone: str
    parents_workplace: str
    date_of_birth: str


CHILDREN = (
    DemoChild(
        "cs",
        "shaoyang-tangdu-primary",
        "邵阳县",
        4,
        ("left_behind",),
        ("english", "math"),
        "王小红",
        "王奶奶（祖母）",
        "湖南省邵阳县塘渡口镇新村3组",
        "138 0000 0101",
        "父母在广东东莞电子厂务工",
        "2016-03-01",
    ),
    DemoChild(
        "cs",
        "shaoyang-tangdu-primary",
        "邵阳县",
        5,
        ("left_behind", "poor_family"),
        ("chinese",),
        "刘小刚",
        "刘爷爷（祖父）",
        "湖南省邵阳县塘渡口镇河边村",
        "138 0000 0102",
        "父亲在浙江工地务工",
        "2015-07-19",
    ),
    DemoChild(
        "cs",
        "shaoyang-wulong-primary",
        "邵阳县",
        3,
        ("dropout_risk",),
        ("math",),
        "陈小燕",
        "陈妈妈（母亲）",
        "湖南省邵阳县五峰铺镇五龙村",
        "138 0000 0103",
        "母亲在镇上餐馆打工",
        "2017-11-02",
    ),
    DemoChild(
        "fl",
        "zhenxiong-yiliang-primary",
        "镇雄县",
        4,
        ("left_behind",),
        ("english",),
        "李小军",
        "李爷爷（祖父）",
        "云南省镇雄县以勒镇某村",
        "139 0000 0201",
        "父母在浙江义乌务工",
        "2016-05-20",
    ),
    DemoChild(
        "fl",
        "zhenxiong-yiliang-primary",
        "镇雄县",
        6,
        ("poor_family", "dropout_risk"),
        ("english", "science"),
        "张小花",
        "张奶奶（祖母）",
        "云南省镇雄县以勒镇另一村",
        "139 0000 0202",
        "父亲在昆明务工",
        "2014-09-09",
    ),
)


async def seed_beneficiaries(client: httpx.AsyncClient, urls: dict[str, str], token: Token) -> str:
    root = f"{urls['recruitment']}/api/recruitment/colleges"
    created = present = 0
    for child in CHILDREN:
        response = await client.post(
            f"{root}/{child.college}/beneficiaries",
            json={
                "school_id": child.school_id,
                "county": child.county,
                "grade": child.grade,
                "categories": list(child.categories),
                "subject_needs": list(child.subject_needs),
                "contact_card": {
                    "name": child.name,
                    "guardian_name": child.guardian_name,
                    "address": child.address,
                    "phone": child.phone,
                    "parents_workplace": child.parents_workplace,
                    "date_of_birth": child.date_of_birth,
                },
            },
            headers=token(f"{child.college}-volunteer-officer", "officer", child.college),
        )
        if response.status_code == 201:
            created += 1
        elif response.status_code == 409:
            present += 1
        else:  # the problem body names fields and rules, never the child's data
            raise RuntimeError(f"registering a child in {child.college}: {response.status_code}")
    colleges = sorted({child.college for child in CHILDREN})
    unpaired = 0
    for college in colleges:
        report = await client.get(
            f"{root}/{college}/beneficiaries/coverage",
            headers=token(f"{college}-volunteer-officer", "officer", college),
        )
        report.raise_for_status()
        unpaired += int(report.json()["total"]["unpaired"])
    return (
        f"beneficiaries: {created} registered, {present} already present "
        f"in {len(colleges)} colleges; {unpaired} still unpaired"
    )
