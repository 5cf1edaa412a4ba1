"""Production accepts only tokens issued for Campusflow, and never starts without saying where."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from pydantic import ValidationError

from shared.config import LOCAL_JWT_SECRET, ServiceSettings
from shared.web.auth import InvalidToken, TokenVerifier

from .support import make_settings

pytestmark = pytest.mark.unit
SECRET = "a-production-secret-of-enough-length-0123456789"


def token(**claims: Any) -> str:
    base = {
        "sub": "u1",
        "roles": ["officer"],
        "college": "cs",
        "exp": datetime.now(UTC) + timedelta(minutes=5),
    }
    return jwt.encode(base | claims, SECRET, algorithm="HS256")


def verifier() -> TokenVerifier:
    settings = make_settings(
        jwt_secret=SECRET, jwt_issuer="https://sso.example/campus", jwt_audience="campusflow"
    )
    return TokenVerifier.from_settings(settings)


def test_a_token_for_campusflow_from_the_university_issuer_is_accepted() -> None:
    principal = verifier().verify(token(iss="https://sso.example/campus", aud="campusflow"))
    assert principal.user_id == "u1"


@pytest.mark.parametrize(
    "claims",
    [
        {"iss": "https://sso.example/campus", "aud": "library-system"},
        {"iss": "https://elsewhere.example", "aud": "campusflow"},
        {"aud": "campusflow"},
        {"iss": "https://sso.example/campus"},
    ],
)
def test_a_token_for_another_application_or_issuer_is_refused(claims: dict[str, str]) -> None:
    with pytest.raises(InvalidToken):
        verifier().verify(token(**claims))


def test_production_requires_issuer_and_audience() -> None:
    with pytest.raises(ValidationError, match="jwt_issuer and jwt_audience"):
        make_settings(environment="production", jwt_secret=SECRET)
    assert make_settings(
        environment="production", jwt_secret=SECRET, jwt_issuer="i", jwt_audience="a"
    )


def test_production_refuses_the_local_secret() -> None:
    with pytest.raises(ValidationError, match="local development JWT secret"):
        make_settings(
            environment="production", jwt_secret=LOCAL_JWT_SECRET, jwt_issuer="i", jwt_audience="a"
        )


def test_a_service_that_does_not_say_where_it_runs_does_not_start() -> None:
    with pytest.raises(ValidationError, match="environment"):
        ServiceSettings(
            database_url="postgresql://x",
            kafka_bootstrap="x",
            redis_url="redis://x",
            jwt_secret=LOCAL_JWT_SECRET,
        )
