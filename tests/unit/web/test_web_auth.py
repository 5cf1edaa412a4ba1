"""Authentication (401) and college-scoped authorisation (403) at the HTTP edge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from shared.config import LOCAL_JWT_SECRET
from shared.web.auth import (
    InvalidToken,
    Principal,
    TokenVerifier,
    issue_local_token,
    require_roles,
)

from .support import NOW, TokenFactory, bearer, make_settings, sign

pytestmark = pytest.mark.unit

PROBLEM_JSON = "application/problem+json"


def assert_unauthorized(response: httpx.Response, reason_fragment: str) -> None:
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert body["status"] == 401
    assert body["title"] == "Unauthorized"
    assert reason_fragment in body["detail"]
    assert body["request_id"] == response.headers["x-request-id"]


def test_no_token_is_401(client: TestClient) -> None:
    response = client.get("/api/things/engineering")
    assert_unauthorized(response, "bearer token is required")
    assert response.headers["www-authenticate"] == "Bearer"


def test_non_bearer_scheme_is_401(client: TestClient) -> None:
    response = client.get("/api/things/engineering", headers={"Authorization": "Basic dTpw"})
    assert_unauthorized(response, "bearer token is required")


def test_malformed_token_is_401(client: TestClient) -> None:
    response = client.get("/api/things/engineering", headers=bearer("not.a.jwt"))
    assert_unauthorized(response, "malformed")
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_expired_token_is_401(client: TestClient, make_token: TokenFactory) -> None:
    token = make_token(expires_in=-timedelta(hours=1))
    assert_unauthorized(client.get("/api/things/engineering", headers=bearer(token)), "expired")


def test_wrong_signature_is_401(client: TestClient, make_token: TokenFactory) -> None:
    token = make_token(key="some-other-secret-that-is-long-enough-for-hs256")
    response = client.get("/api/things/engineering", headers=bearer(token))
    assert_unauthorized(response, "signature")


def test_unknown_role_is_401(client: TestClient, make_token: TokenFactory) -> None:
    token = make_token(roles=["officer", "janitor"])
    response = client.get("/api/things/engineering", headers=bearer(token))
    assert_unauthorized(response, "unknown role 'janitor'")


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"roles": ["officer"], "college": "eng"}, "'sub'"),
        ({"sub": "u", "roles": ["officer"], "college": "eng", "exp": None}, "'exp'"),
        ({"sub": "u", "college": "eng"}, "roles"),
        ({"sub": "u", "roles": [], "college": "eng"}, "roles"),
        ({"sub": "u", "roles": "officer", "college": "eng"}, "roles"),
        ({"sub": "u", "roles": ["officer"]}, "college"),
        ({"sub": "u", "roles": ["officer", "university_admin"]}, "college"),
        ({"sub": "u", "roles": ["officer"], "college": 7}, "college"),
        # a person id is at most 64 characters in every event: a longer one is nobody's
        ({"sub": "o" * 65, "roles": ["officer"], "college": "eng"}, "at most 64"),
    ],
)
def test_verifier_rejects_bad_claims(claims: dict[str, object], reason: str) -> None:
    claims = {"exp": datetime.now(UTC) + timedelta(hours=1), **claims}
    if claims["exp"] is None:
        del claims["exp"]
    verifier = TokenVerifier.from_settings(make_settings())
    with pytest.raises(InvalidToken, match=reason):
        verifier.verify(sign(claims))


def test_verifier_ignores_optional_iss_and_aud(make_token: TokenFactory) -> None:
    verifier = TokenVerifier.from_settings(make_settings())
    principal = verifier.verify(make_token(iss="https://sso.example", aud="campusflow"))
    assert principal == Principal("u-1", frozenset({"officer"}), "engineering")


def test_officer_reaches_own_college(client: TestClient, make_token: TokenFactory) -> None:
    response = client.get("/api/things/engineering", headers=bearer(make_token()))
    assert response.status_code == 200
    assert response.json() == {"college": "engineering", "user": "u-1"}


def test_wrong_role_is_403(client: TestClient, make_token: TokenFactory) -> None:
    token = make_token(roles=["student", "teacher"])
    response = client.get("/api/things/engineering", headers=bearer(token))
    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["title"] == "Forbidden"
    assert "officer" in body["detail"]
    assert body["request_id"]


def test_other_college_is_403(client: TestClient, make_token: TokenFactory) -> None:
    response = client.get("/api/things/medicine", headers=bearer(make_token()))
    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["detail"] == "not your college"


def test_college_admin_of_another_college_is_403(
    client: TestClient, make_token: TokenFactory
) -> None:
    token = make_token(roles=["officer", "college_admin"], college="law")
    assert client.get("/api/things/medicine", headers=bearer(token)).status_code == 403


@pytest.mark.parametrize("college", ["engineering", "medicine", "law"])
def test_university_admin_reaches_any_college(
    client: TestClient, make_token: TokenFactory, college: str
) -> None:
    token = make_token(roles=["university_admin"], college=None)
    response = client.get(f"/api/things/{college}", headers=bearer(token))
    assert response.status_code == 200
    assert response.json()["college"] == college


def test_principal_rules() -> None:
    officer = Principal("u", frozenset({"officer", "teacher"}), "eng")
    assert officer.has_any("student", "teacher")
    assert not officer.has_any("reviewer")
    assert not officer.is_university_admin
    assert officer.can_access_college("eng")
    assert not officer.can_access_college("law")
    admin = Principal("a", frozenset({"university_admin"}), None)
    assert admin.is_university_admin
    assert admin.can_access_college("law")


def test_require_roles_rejects_unknown_role_at_definition() -> None:
    with pytest.raises(ValueError, match="janitor"):
        require_roles("janitor")
    with pytest.raises(ValueError):
        require_roles()


def _rsa_key_pair() -> tuple[rsa.RSAPrivateKey, str]:
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_key, public_pem


def test_rs256_tokens_verify_with_the_public_key(make_token: TokenFactory) -> None:
    private_key, public_pem = _rsa_key_pair()
    settings = make_settings(jwt_algorithm="RS256", jwt_public_key=public_pem, jwt_secret=None)
    verifier = TokenVerifier.from_settings(settings)

    principal = verifier.verify(make_token(key=private_key, algorithm="RS256"))
    assert principal.user_id == "u-1"
    assert principal.roles == frozenset({"officer"})

    other_private, _ = _rsa_key_pair()
    with pytest.raises(InvalidToken, match="signature"):
        verifier.verify(make_token(key=other_private, algorithm="RS256"))
    # Algorithm confusion: an HS256 token "signed" with the public key must fail.
    with pytest.raises(InvalidToken):
        verifier.verify(sign({"sub": "u", "roles": ["officer"], "college": "e"}, "x" * 40))


def test_rs256_bad_public_key_fails_at_startup() -> None:
    settings = make_settings(jwt_algorithm="RS256", jwt_public_key="not a pem", jwt_secret=None)
    with pytest.raises(ValueError):
        TokenVerifier.from_settings(settings)


def test_issue_local_token_round_trips() -> None:
    token = issue_local_token(
        user="u-9",
        roles=["reviewer"],
        college="arts",
        secret=LOCAL_JWT_SECRET,
        now=datetime.now(UTC),
    )
    principal = TokenVerifier.from_settings(make_settings()).verify(token)
    assert principal == Principal("u-9", frozenset({"reviewer"}), "arts")


def test_issue_local_token_refuses_a_non_local_secret() -> None:
    with pytest.raises(ValueError, match="production secret"):
        issue_local_token(user="u", roles=["officer"], college="eng", secret="prod-secret", now=NOW)


def test_issue_local_token_validates_claims() -> None:
    with pytest.raises(ValueError, match="at most 64"):
        issue_local_token(
            user="u" * 65, roles=["officer"], college="e", secret=LOCAL_JWT_SECRET, now=NOW
        )
    assert issue_local_token(
        user="u" * 64, roles=["officer"], college="e", secret=LOCAL_JWT_SECRET, now=NOW
    )
    with pytest.raises(ValueError, match="unknown role"):
        issue_local_token(user="u", roles=["dean"], college="e", secret=LOCAL_JWT_SECRET, now=NOW)
    with pytest.raises(ValueError, match="college"):
        issue_local_token(
            user="u", roles=["officer"], college=None, secret=LOCAL_JWT_SECRET, now=NOW
        )


def test_openapi_declares_bearer_scheme(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert any(
        scheme["type"] == "http" and scheme["scheme"] == "bearer" for scheme in schemes.values()
    )
    operation = schema["paths"]["/api/things/{college}"]["get"]
    assert operation["security"]
