"""Children's contact cards are encrypted at rest, with key rotation (DOMAIN.md §1)."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest
from cryptography.fernet import Fernet

from services.recruitment.crypto import ContactCardCipher, ContactCardUnreadable, key_fingerprint
from services.recruitment.domain.beneficiaries import ContactCard
from services.recruitment.settings import RecruitmentSettings
from shared.config import (
    LOCAL_BENEFICIARY_INDEX_KEY,
    LOCAL_BENEFICIARY_KEY,
    LOCAL_JWT_SECRET,
    service_environment,
)

pytestmark = pytest.mark.unit
CARD = ContactCard(
    name="李小军",
    guardian_name="李爷爷",
    address="云南省镇雄县某村",
    phone="13900001111",
    parents_workplace="浙江义乌",
    date_of_birth=date(2015, 6, 1),
)
INDEX = "an-index-key-of-at-least-thirty-two-characters"


def cipher(*keys: str) -> ContactCardCipher:
    return ContactCardCipher(keys, index_key=INDEX)


def test_a_sealed_card_opens_again_and_holds_nothing_in_clear() -> None:
    key, child = Fernet.generate_key().decode(), uuid4()
    token = cipher(key).seal(CARD, beneficiary_id=child, college="cs")
    assert "李小军".encode() not in token and b"13900001111" not in token
    assert cipher(key).open(token, beneficiary_id=child, college="cs") == CARD


def test_a_card_copied_onto_another_child_does_not_open() -> None:
    key = Fernet.generate_key().decode()
    token = cipher(key).seal(CARD, beneficiary_id=uuid4(), college="cs")
    with pytest.raises(ContactCardUnreadable):
        cipher(key).open(token, beneficiary_id=uuid4(), college="cs")


def test_a_card_copied_into_another_college_does_not_open() -> None:
    key, child = Fernet.generate_key().decode(), uuid4()
    token = cipher(key).seal(CARD, beneficiary_id=child, college="cs")
    with pytest.raises(ContactCardUnreadable):
        cipher(key).open(token, beneficiary_id=child, college="fl")


def test_after_a_new_key_is_put_first_and_cards_rotated_the_new_key_alone_opens_them() -> None:
    old, new, child = Fernet.generate_key().decode(), Fernet.generate_key().decode(), uuid4()
    token = cipher(old).seal(CARD, beneficiary_id=child, college="cs")
    during = cipher(new, old)
    assert during.open(token, beneficiary_id=child, college="cs") == CARD  # old rows still read
    rotated = during.rotate(token)
    assert cipher(new).open(rotated, beneficiary_id=child, college="cs") == CARD
    with pytest.raises(ContactCardUnreadable):
        cipher(old).open(rotated, beneficiary_id=child, college="cs")
    with pytest.raises(ContactCardUnreadable):  # and the old token needs the old key
        cipher(new).open(token, beneficiary_id=child, college="cs")


def test_new_cards_are_written_under_the_first_key() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    both = cipher(new, old)
    assert both.primary_fingerprint == key_fingerprint(new) != key_fingerprint(old)
    token = both.seal(CARD, beneficiary_id=(child := uuid4()), college="cs")
    assert cipher(new).open(token, beneficiary_id=child, college="cs") == CARD


def test_a_second_registration_of_the_same_child_is_found_across_key_rotations() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    before = cipher(old).identity_digest(college="cs", school_id="s1", card=CARD)
    after = cipher(new, old).identity_digest(college="cs", school_id="s1", card=CARD)
    assert before == after
    spaced = ContactCard(**{**CARD.__dict__, "name": " 李小军 "})
    assert cipher(new).identity_digest(college="cs", school_id="s1", card=spaced) == before
    other_school = cipher(new).identity_digest(college="cs", school_id="s2", card=CARD)
    assert other_school != before


def settings(**env: str) -> RecruitmentSettings:
    values: dict[str, object] = {
        "database_url": "postgresql://u@localhost/db",
        "kafka_bootstrap": "localhost:9092",
        "redis_url": "redis://localhost",
        "jwt_secret": "a-production-secret-of-enough-length",
        "jwt_issuer": "https://sso.example/campus",
        "jwt_audience": "campusflow",
        "environment": "test",
        "beneficiary_keys": LOCAL_BENEFICIARY_KEY,
        "beneficiary_index_key": LOCAL_BENEFICIARY_INDEX_KEY,
    }
    values.update(env)
    return RecruitmentSettings(**values)  # type: ignore[arg-type]


def test_production_refuses_the_local_beneficiary_key() -> None:
    with pytest.raises(ValueError, match="local development beneficiary keys"):
        settings(environment="production")
    with pytest.raises(ValueError, match="local development beneficiary keys"):
        new = Fernet.generate_key().decode()
        settings(environment="production", beneficiary_keys=f"{new},{LOCAL_BENEFICIARY_KEY}")


def test_production_starts_with_its_own_keys() -> None:
    keys = f"{Fernet.generate_key().decode()},{Fernet.generate_key().decode()}"
    configured = settings(
        environment="production", beneficiary_keys=keys, beneficiary_index_key=INDEX
    )
    assert len(configured.beneficiary_key_list) == 2


def test_a_key_that_is_not_a_fernet_key_stops_the_service_at_start_up() -> None:
    with pytest.raises(ValueError, match="key 2 is not a Fernet key"):
        settings(beneficiary_keys=f"{LOCAL_BENEFICIARY_KEY},not-a-key")


def test_the_local_stack_configures_recruitment_with_the_local_keys() -> None:
    env = service_environment(
        "recruitment",
        database_url="postgresql://u@h/d",
        kafka_bootstrap="k:9092",
        redis_url="redis://r",
        http_port=8000,
        jwt_secret=LOCAL_JWT_SECRET,
    )
    assert env["RECRUITMENT_BENEFICIARY_KEYS"] == LOCAL_BENEFICIARY_KEY
    assert env["RECRUITMENT_BENEFICIARY_INDEX_KEY"] == LOCAL_BENEFICIARY_INDEX_KEY
    assert "SCHEDULING_BENEFICIARY_KEYS" not in service_environment(
        "scheduling",
        database_url="postgresql://u@h/d",
        kafka_bootstrap="k:9092",
        redis_url="redis://r",
        http_port=8000,
    )
