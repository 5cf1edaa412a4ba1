"""Bearer-token authentication and college-scoped authorisation.

Every HTTP API takes a JWT naming the user, their roles and their college; a
handler may only return data for a college the principal can access. See
ARCHITECTURE.md, "Tenancy and access".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.config import LOCAL_JWT_SECRET, ServiceSettings
from shared.web.fields import forbidden_character
from shared.web.problems import Problem

ROLES = ("student", "officer", "teacher", "reviewer", "college_admin", "university_admin")
UNIVERSITY_ADMIN = "university_admin"
# A user id is a person id wherever it is stored or published (at most 64 characters in
# every event contract): a longer subject can be nobody's, and is refused with the token.
MAX_SUBJECT_LENGTH = 64

LOCAL_ISSUER = "campusflow-local"

# Declared so OpenAPI lists the bearer scheme and /docs shows an Authorize
# button; auto_error=False because we answer with our own problem+json 401.
bearer_scheme = HTTPBearer(auto_error=False, description="JWT issued by the university SSO")


class InvalidToken(Exception):
    """The bearer token cannot be trusted; `reason` is safe to show the client."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Principal:
    user_id: str
    roles: frozenset[str]
    college: str | None

    def has_any(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)

    @property
    def is_university_admin(self) -> bool:
        return UNIVERSITY_ADMIN in self.roles

    def can_access_college(self, college: str) -> bool:
        if self.is_university_admin:
            return True
        return self.college is not None and self.college == college


def _check_roles_and_college(roles: Any, college: Any) -> tuple[frozenset[str], str | None]:
    """Shared by verification and minting, so a minted token always verifies."""
    if not isinstance(roles, list | tuple) or not roles:
        raise InvalidToken("roles must be a non-empty list")
    for role in roles:
        if role not in ROLES:
            raise InvalidToken(f"unknown role {role!r}")
    role_set = frozenset(roles)
    if college is not None and (not isinstance(college, str) or not college):
        raise InvalidToken("college must be a non-empty string")
    if college is not None and forbidden_character(college) is not None:
        raise InvalidToken("college must not hold control characters")
    # Only a pure university admin may go without a college: anyone else would
    # otherwise have no tenancy boundary at all.
    if college is None and role_set != {UNIVERSITY_ADMIN}:
        raise InvalidToken("college claim is required")
    return role_set, college


class TokenVerifier:
    """Checks a JWT's signature and claims and turns it into a Principal."""

    def __init__(
        self,
        *,
        key: Any,
        algorithm: str,
        issuer: str | None = None,
        audience: str | None = None,
        leeway: timedelta = timedelta(seconds=30),
    ) -> None:
        self._key = key
        self._algorithms = [algorithm]  # one, never a list from the token: no alg confusion
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> TokenVerifier:
        if settings.jwt_algorithm == "RS256":
            if not settings.jwt_public_key:
                raise ValueError("jwt_public_key is required with RS256")
            # Parse now, so a bad key stops the service at start-up, not per request.
            key: Any = load_pem_public_key(settings.jwt_public_key.encode())
            return cls(
                key=key,
                algorithm="RS256",
                issuer=settings.jwt_issuer,
                audience=settings.jwt_audience,
            )
        if settings.jwt_secret is None:
            raise ValueError("jwt_secret is required with HS256")
        return cls(
            key=settings.jwt_secret.get_secret_value(),
            algorithm="HS256",
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=self._algorithms,
                issuer=self._issuer,
                audience=self._audience,
                leeway=self._leeway,
                options={"require": ["exp", "sub"], "verify_aud": self._audience is not None},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("token has expired") from exc
        except jwt.InvalidSignatureError as exc:
            raise InvalidToken("token signature does not verify") from exc
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidToken(f"token is missing the {exc.claim!r} claim") from exc
        except jwt.DecodeError as exc:
            raise InvalidToken("token is malformed") from exc
        except jwt.InvalidTokenError as exc:
            raise InvalidToken(f"token is invalid: {exc}") from exc

        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise InvalidToken("sub must be a non-empty string")
        # The subject is stored as a user id: PostgreSQL cannot hold a NUL.
        if forbidden_character(subject) is not None:
            raise InvalidToken("sub must not hold control characters")
        if len(subject) > MAX_SUBJECT_LENGTH:
            raise InvalidToken(f"sub must be at most {MAX_SUBJECT_LENGTH} characters")
        roles, college = _check_roles_and_college(claims.get("roles"), claims.get("college"))
        return Principal(user_id=subject, roles=roles, college=college)


def issue_local_token(
    *,
    user: str,
    roles: list[str],
    college: str | None,
    secret: str,
    now: datetime,
    ttl: timedelta = timedelta(hours=12),
) -> str:
    """Mint an HS256 token for the local stack.

    Refuses any secret but the well-known local one: this tool must never become
    a way to forge tokens a production service would accept.
    """
    if secret != LOCAL_JWT_SECRET:
        raise ValueError("refusing to mint a token with a production secret")
    if not user:
        raise ValueError("user must not be empty")
    if forbidden_character(user) is not None:
        raise ValueError("user must not hold control characters")
    if len(user) > MAX_SUBJECT_LENGTH:
        raise ValueError(f"user must be at most {MAX_SUBJECT_LENGTH} characters")
    try:
        _check_roles_and_college(roles, college)
    except InvalidToken as exc:
        raise ValueError(exc.reason) from exc
    claims: dict[str, Any] = {
        "sub": user,
        "roles": list(roles),
        "iss": LOCAL_ISSUER,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    if college is not None:
        claims["college"] = college
    return jwt.encode(claims, secret, algorithm="HS256")


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header value, else None."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def current_principal(
    request: Request,
    _documented: HTTPAuthorizationCredentials | None = Depends(bearer_scheme),
) -> Principal:
    """FastAPI dependency: the authenticated caller, or a 401 problem.

    `_documented` only exists to put the scheme in OpenAPI; the header is read
    here so the function also works when called directly with a request.
    """
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        raise Problem.unauthorized("a bearer token is required")
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        return verifier.verify(token)
    except InvalidToken as exc:
        raise Problem.unauthorized(exc.reason, challenge='Bearer error="invalid_token"') from exc


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    """Dependency factory: the principal, if they hold at least one of `roles`."""
    _require_known(roles)
    allowed = frozenset(roles)

    async def principal_with_role(principal: CurrentPrincipal) -> Principal:
        if not principal.has_any(*allowed):
            raise Problem.forbidden(f"requires one of the roles: {', '.join(sorted(allowed))}")
        return principal

    return principal_with_role


def _require_known(roles: tuple[str, ...]) -> None:
    # A typo here would silently lock everyone out (or in); fail at import time.
    unknown = [role for role in roles if role not in ROLES]
    if unknown or not roles:
        raise ValueError(f"unknown or missing roles: {unknown}")


def ensure_college(principal: Principal, college: str) -> None:
    if not principal.can_access_college(college):
        raise Problem.forbidden("not your college")
