"""Key rotation of children's contact cards on the real database.

Cards are registered through the running service (local key); the rotation use case
then runs with a new key put first; afterwards the new key alone opens every card,
and nothing personal is left in clear in any column.
"""

from __future__ import annotations

from uuid import uuid4

import httpx
import pytest
from cryptography.fernet import Fernet

from services.recruitment.crypto import ContactCardCipher, ContactCardUnreadable
from services.recruitment.service import beneficiaries as service
from shared.config import LOCAL_BENEFICIARY_INDEX_KEY, LOCAL_BENEFICIARY_KEY
from shared.db.pool import close_pool, create_pool
from tests.support.auth import bearer

pytestmark = pytest.mark.e2e

CARD = {
    "name": "李小军",
    "guardian_name": "李爷爷",
    "address": "云南省镇雄县某村",
    "phone": "13900001111",
    "parents_workplace": "浙江义乌",
    "date_of_birth": "2015-06-01",
}


async def test_after_rotation_to_a_new_key_the_new_key_alone_opens_every_card(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    college = f"r{uuid4().hex[:10]}"
    base = f"{services['recruitment']}/api/recruitment/colleges/{college}/beneficiaries"
    officer = bearer("o", "officer", college)
    async with httpx.AsyncClient(timeout=10) as client:
        ids = []
        for n in range(5):
            body = {
                "school_id": "zhenxiong-1",
                "county": "镇雄县",
                "grade": 3,
                "categories": ["dropout_risk"],
                "contact_card": {**CARD, "name": f"李小军{n}"},
            }
            created = await client.post(base, json=body, headers=officer)
            assert created.status_code == 201, created.text
            ids.append(created.json()["id"])
        # The service's own key is already first: nothing to rotate.
        admin = bearer("a", "college_admin", college)
        report = await client.post(f"{base}/key-rotation", headers=admin)
        assert report.status_code == 200, report.text
        assert report.json()["rotated"] == 0 and report.json()["remaining"] == 0
        assert (await client.post(f"{base}/key-rotation", headers=officer)).status_code == 403

    new_key = Fernet.generate_key().decode()
    during = ContactCardCipher(
        [new_key, LOCAL_BENEFICIARY_KEY], index_key=LOCAL_BENEFICIARY_INDEX_KEY
    )
    new_alone = ContactCardCipher([new_key], index_key=LOCAL_BENEFICIARY_INDEX_KEY)
    old_alone = ContactCardCipher([LOCAL_BENEFICIARY_KEY], index_key=LOCAL_BENEFICIARY_INDEX_KEY)
    pool = await create_pool(service_dsns["recruitment"], schema="recruitment", max_size=2)
    try:
        rotated = await service.rotate_contact_card_keys(
            pool, cipher=during, college=college, batch_size=2
        )
        assert rotated == 5
        async with pool.acquire() as conn:
            assert await service.cards_left_to_rotate(conn, cipher=new_alone, college=college) == 0
            rows = await conn.fetch("SELECT * FROM beneficiaries WHERE college = $1", college)
            for row in rows:
                card = new_alone.open(
                    bytes(row["contact_card"]), beneficiary_id=row["id"], college=college
                )
                assert card.name.startswith("李小军") and card.phone == "13900001111"
                with pytest.raises(ContactCardUnreadable):
                    old_alone.open(
                        bytes(row["contact_card"]), beneficiary_id=row["id"], college=college
                    )
                clear = b"".join(
                    value if isinstance(value, bytes) else str(value).encode()
                    for value in row.values()
                )
                for personal in ("李小军", "李爷爷", "镇雄县某村", "13900001111", "义乌"):
                    assert personal.encode() not in clear
        assert sorted(str(row["id"]) for row in rows) == sorted(ids)
        # Running it again finds nothing left: rotation can be stopped and resumed.
        assert await service.rotate_contact_card_keys(pool, cipher=during, college=college) == 0
    finally:
        await close_pool(pool)
