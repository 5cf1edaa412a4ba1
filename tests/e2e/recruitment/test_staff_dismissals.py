"""An officer's dismissal (辞退) in evaluation ends the membership it names in recruitment,
over the running services and Kafka: MembershipEnded (a compulsory withdrawal whose reason
says 辞退), the sanction on file; the same event delivered again changes nothing; the
dismissal annulled starts the membership again (the ended one stays ended). A dismissal
from an organisation the person is not in is recorded and ends nothing; one whose
annulment came first goes on file annulled and ends nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from shared.events.evaluation import StaffSanctionAnnulled, StaffSanctionImposed
from shared.events.recruitment import MembershipEnded, MembershipStarted
from shared.events.registry import EVALUATION_STAFF_ASSESSMENTS
from tests.e2e.evaluation.staff_support import T0, TERM_ENDS, base_url, new_term
from tests.e2e.recruitment.test_memberships_flow import admit_to_publicity, memberships, sanctions
from tests.support.auth import bearer
from tests.support.kafka import events_keyed, group_caught_up, publish, read_topic, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

OFFICER = bearer("cs-officer", "officer", "cs")
CHAIR = bearer("cs-chair", "college_admin", "cs")
GROUP = "campusflow.recruitment.staff-sanctions"
REASON = "多次值班擅自离岗，经批评教育仍未改正"
PUBLICITY = {"organisation_kind": "department", "organisation_id": "publicity"}


def urls(services: dict[str, str]) -> tuple[str, str]:
    """Recruitment's and evaluation's routes of the demo college."""
    return f"{services['recruitment']}/api/recruitment/colleges/cs", base_url(services, "cs")


async def publicity_member_in_a_term(
    client: httpx.AsyncClient, services: dict[str, str], term: str, person: str
) -> dict:
    """The person admitted to the publicity department, and a staff-assessment term set."""
    recruitment, evaluation = urls(services)
    window = {"starts_at": T0.isoformat(), "ends_at": TERM_ENDS.isoformat()}
    put = await client.put(f"{evaluation}/terms/{term}", json=window, headers=OFFICER)
    assert put.status_code == 200, put.text
    await admit_to_publicity(client, recruitment, person)
    [joined] = await memberships(client, recruitment, person)
    return joined


async def dismiss(
    client: httpx.AsyncClient, base: str, term: str, person: str, named: dict[str, str]
) -> httpx.Response:
    body = {"kind": "dismissal", "reason": REASON, **named}
    return await client.post(f"{base}/terms/{term}/sanctions/{person}", json=body, headers=OFFICER)


async def membership_ended(client: httpx.AsyncClient, recruitment: str, person: str) -> None:
    """Recruitment has ended the person's (only) membership."""

    async def ended() -> bool:
        return not (await memberships(client, recruitment, person))[0]["active"]

    await wait_until(ended, timeout_s=60, what="recruitment to end the membership")


async def consumed(stack: StackEndpoints) -> None:
    """Recruitment's staff-sanctions consumer has committed all of evaluation's topic."""
    topic = EVALUATION_STAFF_ASSESSMENTS.name
    await wait_until(
        lambda: group_caught_up(stack.kafka_bootstrap, GROUP, topic),
        timeout_s=60,
        what="recruitment's staff-sanctions consumer",
        every_s=0.5,
    )


async def redeliver(
    stack: StackEndpoints,
    model: type[StaffSanctionImposed] | type[StaffSanctionAnnulled],
    person: str,
) -> None:
    """The person's events of that type produced again as evaluation's relay would, under
    new event ids (a re-send the inbox cannot recognise: only the sanction id does)."""
    payloads = await events_keyed(stack.kafka_bootstrap, model.event_type, person)
    assert payloads
    await publish(stack.kafka_bootstrap, [(model.model_validate(p), uuid4()) for p in payloads])


async def test_a_dismissal_ends_the_membership_once_and_its_annulment_starts_it_again(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    recruitment, evaluation = urls(services)
    term, person = new_term(), f"dm-{uuid4().hex[:6]}"
    async with httpx.AsyncClient(timeout=20) as client:
        joined = await publicity_member_in_a_term(client, services, term, person)

        dismissed = await dismiss(client, evaluation, term, person, PUBLICITY)
        assert dismissed.status_code == 201, dismissed.text
        assert {k: dismissed.json()[k] for k in PUBLICITY} == PUBLICITY
        sanction_id = dismissed.json()["sanction_id"]
        await membership_ended(client, recruitment, person)
        [gone] = await memberships(client, recruitment, person)
        assert (gone["id"], gone["how_ended"]) == (joined["id"], "compulsory_withdrawal")
        assert gone["end_reason"] == f"辞退: {REASON}"
        [on_file] = await sanctions(client, recruitment, person)
        assert (on_file["sanction_id"], on_file["sanction"], on_file["effect"]) == (
            sanction_id,
            "dismissal",
            "membership_ended",
        )
        assert on_file["membership_id"] == joined["id"] and on_file["annulled_at"] is None

        # The same dismissal delivered again under a new event id: nothing changes.
        await redeliver(stack, StaffSanctionImposed, person)
        await consumed(stack)
        assert await memberships(client, recruitment, person) == [gone]
        assert await sanctions(client, recruitment, person) == [on_file]

        annulled = await client.post(
            f"{evaluation}/terms/{term}/sanctions/{person}/{sanction_id}/annulment",
            json={"reason": "经核实系误记"},
            headers=CHAIR,
        )
        assert annulled.status_code == 201, annulled.text

        async def restarted() -> bool:
            return any(m["active"] for m in await memberships(client, recruitment, person))

        await wait_until(restarted, timeout_s=60, what="recruitment to start it again")
        again, before = await memberships(client, recruitment, person)  # newest first
        assert before == gone  # history kept: the ended one stays ended
        assert (again["active"], again["how_started"], again["role"]) == (
            True,
            "admitted",
            "member",
        )
        assert (again["organisation_kind"], again["organisation_id"]) == ("department", "publicity")
        [annulled_on_file] = await sanctions(client, recruitment, person)
        assert annulled_on_file["annulment_effect"] == "membership_started"
        assert annulled_on_file["restored_membership_id"] == again["id"]

        # The annulment delivered again: no second membership.
        await redeliver(stack, StaffSanctionAnnulled, person)
        await consumed(stack)
        assert await memberships(client, recruitment, person) == [again, before]

    ended_events = await events_keyed(stack.kafka_bootstrap, MembershipEnded.event_type, person)
    assert [(e["membership_id"], e["how"], e["reason"]) for e in ended_events] == [
        (joined["id"], "compulsory_withdrawal", f"辞退: {REASON}")
    ]
    started = await events_keyed(stack.kafka_bootstrap, MembershipStarted.event_type, person)
    assert [UUID(e["membership_id"]) for e in started] == [UUID(joined["id"]), UUID(again["id"])]


async def test_a_dismissal_from_elsewhere_is_recorded_and_one_without_organisation_refused(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    recruitment, evaluation = urls(services)
    term, person = new_term(), f"dx-{uuid4().hex[:6]}"
    async with httpx.AsyncClient(timeout=20) as client:
        joined = await publicity_member_in_a_term(client, services, term, person)

        unnamed = await dismiss(client, evaluation, term, person, {})
        assert unnamed.status_code == 422, unnamed.text
        assert {e["field"] for e in unnamed.json()["errors"]} == {"organisation_kind"}
        listed = await client.get(f"{evaluation}/terms/{term}/sanctions/{person}", headers=OFFICER)
        assert listed.json()["sanctions"] == []

        sports = {"organisation_kind": "department", "organisation_id": "sports"}
        elsewhere = await dismiss(client, evaluation, term, person, sports)
        assert elsewhere.status_code == 201, elsewhere.text

        async def recorded() -> bool:
            return bool(await sanctions(client, recruitment, person))

        await wait_until(recorded, timeout_s=60, what="recruitment to record the dismissal")
        [on_file] = await sanctions(client, recruitment, person)
        assert (on_file["organisation_id"], on_file["effect"]) == ("sports", "no_active_membership")
        assert on_file["membership_id"] is None
        assert await memberships(client, recruitment, person) == [joined]  # still a member

    assert await events_keyed(stack.kafka_bootstrap, MembershipEnded.event_type, person) == []
    imposed = await events_keyed(stack.kafka_bootstrap, StaffSanctionImposed.event_type, person)
    assert [e["organisation_id"] for e in imposed] == ["sports"]  # the refused one: no event


async def test_an_annulment_received_before_its_dismissal_keeps_the_member(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    # Events of one sanction out of order: the dismissal dead-lettered (say) and replayed
    # after its annulment was applied. An annulled dismissal must never remove a member.
    recruitment, _ = urls(services)
    term, person = new_term(), f"da-{uuid4().hex[:6]}"
    async with httpx.AsyncClient(timeout=20) as client:
        joined = await publicity_member_in_a_term(client, services, term, person)
        sanction_id, now = uuid4(), datetime.now(UTC)  # after the admission: it would end it
        told = {"college": "cs", "sanction_id": sanction_id, "person_id": person, "term": term}
        annulment = StaffSanctionAnnulled(
            **told, kind="dismissal", reason="经核实系误记", annulled_by="cs-chair",
            annulled_at=now + timedelta(minutes=1), **PUBLICITY,
        )  # fmt: skip
        dismissal = StaffSanctionImposed(
            **told, kind="dismissal", reason=REASON, imposed_by="cs-officer", imposed_at=now,
            **PUBLICITY,
        )  # fmt: skip
        await publish(stack.kafka_bootstrap, [(annulment, uuid4())])
        await consumed(stack)
        assert await sanctions(client, recruitment, person) == []  # nothing to show yet
        await publish(stack.kafka_bootstrap, [(dismissal, uuid4())])
        await consumed(stack)
        assert await memberships(client, recruitment, person) == [joined]  # still a member
        [on_file] = await sanctions(client, recruitment, person)
        assert (on_file["sanction_id"], on_file["effect"], on_file["annulment_effect"]) == (
            str(sanction_id),
            "annulled_first",
            "nothing_ended",
        )
        assert on_file["membership_id"] is None and on_file["annulled_at"] is not None
        # Both delivered again: nothing changes.
        await publish(stack.kafka_bootstrap, [(annulment, uuid4()), (dismissal, uuid4())])
        await consumed(stack)
        assert await memberships(client, recruitment, person) == [joined]
        assert await sanctions(client, recruitment, person) == [on_file]
    assert await events_keyed(stack.kafka_bootstrap, MembershipEnded.event_type, person) == []


async def test_an_annulment_racing_a_readmission_finds_the_member_again(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    """An officer re-admits the dismissed person while recruitment applies the dismissal's
    annulment: the annulment's own admission meets the officer's on the one-active index,
    reads again and finds them a member (member_again), never a dead letter."""
    recruitment, evaluation = urls(services)
    term, person = new_term(), f"dm-{uuid4().hex[:6]}"
    async with httpx.AsyncClient(timeout=20) as client:
        await publicity_member_in_a_term(client, services, term, person)
        dismissed = await dismiss(client, evaluation, term, person, PUBLICITY)
        assert dismissed.status_code == 201, dismissed.text
        sanction_id = dismissed.json()["sanction_id"]
        await membership_ended(client, recruitment, person)

        # The officer's re-admission, written and not yet committed when the annulment
        # comes: recruitment's consumer sees no member and waits on the index.
        conn = await asyncpg.connect(stack.postgres_admin_dsn)
        try:
            admission = conn.transaction()
            await admission.start()
            readmitted = uuid4()
            await conn.execute(
                "INSERT INTO recruitment.memberships (id, college, person_id,"
                " organisation_kind, organisation_id, role, how_started, started_at)"
                " VALUES ($1, 'cs', $2, 'department', 'publicity', 'member', 'admitted', now())",
                readmitted,
                person,
            )
            annulled = await client.post(
                f"{evaluation}/terms/{term}/sanctions/{person}/{sanction_id}/annulment",
                json={"reason": "经核实系误记"},
                headers=CHAIR,
            )
            assert annulled.status_code == 201, annulled.text

            async def waiting() -> bool:
                # From another connection: a transaction sees one snapshot of the statistics.
                found = await asyncpg.connect(stack.postgres_admin_dsn)
                try:
                    return bool(
                        await found.fetchval(
                            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                            " AND query LIKE '%INSERT INTO memberships%'"
                        )
                    )
                finally:
                    await found.close()

            await wait_until(waiting, timeout_s=60, what="the annulment to wait on the index")
            await admission.commit()
        finally:
            await conn.close()

        async def annulled_on_file() -> bool:
            return (await sanctions(client, recruitment, person))[0]["annulled_at"] is not None

        await wait_until(annulled_on_file, timeout_s=60, what="recruitment to take the annulment")
        [on_file] = await sanctions(client, recruitment, person)
        assert on_file["annulment_effect"] == "member_again"
        assert on_file["restored_membership_id"] is None
        active = [m for m in await memberships(client, recruitment, person) if m["active"]]
        assert [m["id"] for m in active] == [str(readmitted)]
    dead_letters = await read_topic(stack.kafka_bootstrap, EVALUATION_STAFF_ASSESSMENTS.dead_letter)
    assert [r for r in dead_letters if r.key == person.encode()] == []
