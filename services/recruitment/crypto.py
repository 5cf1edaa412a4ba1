"""Encryption at rest of children's contact cards (cryptography's Fernet / MultiFernet).

Keys come from settings as a list: the first encrypts, all decrypt. Rotating means
putting a new key first, re-encrypting every row (`rotate`), then dropping the old
key. Each stored token records the fingerprint of the key that wrote it, so a
rotation knows which rows are left and can be resumed.

The card is sealed together with the child's id and college: a token copied onto
another row no longer opens there (Fernet has no associated data of its own).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from uuid import UUID

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from services.recruitment.domain.beneficiaries import ContactCard


class ContactCardUnreadable(RuntimeError):
    """No configured key opens the token, or it belongs to another row."""


def key_fingerprint(key: str) -> str:
    # A short digest of a 256-bit random key: identifies it without revealing it.
    return hashlib.sha256(key.encode()).hexdigest()[:16]


class ContactCardCipher:
    def __init__(self, keys: Sequence[str], *, index_key: str) -> None:
        if not keys:
            raise ValueError("at least one beneficiary key is required")
        self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])
        self._primary = Fernet(keys[0].encode())
        self.primary_fingerprint = key_fingerprint(keys[0])
        self._index_key = index_key.encode()

    def seal(self, card: ContactCard, *, beneficiary_id: UUID, college: str) -> bytes:
        payload = {
            "beneficiary_id": str(beneficiary_id),
            "college": college,
            "name": card.name,
            "guardian_name": card.guardian_name,
            "address": card.address,
            "phone": card.phone,
            "parents_workplace": card.parents_workplace,
            "date_of_birth": card.date_of_birth.isoformat(),
        }
        return self._primary.encrypt(json.dumps(payload, ensure_ascii=False).encode())

    def open(self, token: bytes, *, beneficiary_id: UUID, college: str) -> ContactCard:
        try:
            payload = json.loads(self._fernet.decrypt(token))
        except InvalidToken as exc:
            raise ContactCardUnreadable("no configured key opens this contact card") from exc
        if payload["beneficiary_id"] != str(beneficiary_id) or payload["college"] != college:
            raise ContactCardUnreadable("this contact card belongs to another entry")
        return ContactCard(
            name=payload["name"],
            guardian_name=payload["guardian_name"],
            address=payload["address"],
            phone=payload["phone"],
            parents_workplace=payload["parents_workplace"],
            date_of_birth=date.fromisoformat(payload["date_of_birth"]),
        )

    def rotate(self, token: bytes) -> bytes:
        """Re-encrypt under the first key (decrypting with any)."""
        try:
            return self._fernet.rotate(token)
        except InvalidToken as exc:
            raise ContactCardUnreadable("no configured key opens this contact card") from exc

    def identity_digest(self, *, college: str, school_id: str, card: ContactCard) -> bytes:
        """A keyed digest (blind index) that finds a second registration of the same
        child without storing the name in clear. Its key does not rotate with the
        encryption keys, so digests stay comparable across rotations."""
        identity = "\x1f".join(
            (college, school_id, " ".join(card.name.split()), card.date_of_birth.isoformat())
        )
        return hmac.new(self._index_key, identity.encode(), hashlib.sha256).digest()


@lru_cache(maxsize=4)
def cipher_for(keys: tuple[str, ...], index_key: str) -> ContactCardCipher:
    """One cipher per key set, built once per process."""
    return ContactCardCipher(keys, index_key=index_key)
