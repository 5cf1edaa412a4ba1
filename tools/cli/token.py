"""`campusflow token`: mint a bearer token for the local stack.

Signs only with the well-known local secret; pointed at anything else (such as
a production secret in the environment) it refuses rather than forge a token.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import typer

from shared.config import LOCAL_JWT_SECRET
from shared.web.auth import ROLES, UNIVERSITY_ADMIN, issue_local_token

SECRET_ENV = "CAMPUSFLOW_JWT_SECRET"
REFUSAL = "refusing to mint a token with a production secret"


def token(
    user: str = typer.Option(..., "--user", help="User id, becomes the `sub` claim."),
    role: list[str] = typer.Option(..., "--role", help=f"Repeatable; one of: {', '.join(ROLES)}."),
    college: str | None = typer.Option(None, "--college", help="Required unless university_admin."),
    ttl_hours: float = typer.Option(
        12.0, "--ttl-hours", min=0.01, max=24 * 366, help="Lifetime in hours (at most a year)."
    ),
) -> None:
    """Print a bearer token for the local stack."""
    secret = os.environ.get(SECRET_ENV, LOCAL_JWT_SECRET)
    if secret != LOCAL_JWT_SECRET:
        typer.echo(
            f"error: {REFUSAL}. {SECRET_ENV} is not the local development secret; "
            "unset it to use the local one.",
            err=True,
        )
        raise typer.Exit(code=2)
    unknown = [r for r in role if r not in ROLES]
    if unknown:
        raise typer.BadParameter(
            f"unknown role(s) {', '.join(unknown)}; expected one of {', '.join(ROLES)}",
            param_hint="--role",
        )
    if college is None and set(role) != {UNIVERSITY_ADMIN}:
        raise typer.BadParameter(
            "a college is required unless the only role is university_admin",
            param_hint="--college",
        )
    try:
        minted = issue_local_token(
            user=user,
            roles=list(dict.fromkeys(role)),  # de-duplicated, order kept
            college=college,
            secret=secret,
            now=datetime.now(UTC),
            ttl=timedelta(hours=ttl_hours),
        )
    except ValueError as refused:  # a user id or college a service would not accept
        raise typer.BadParameter(str(refused)) from None  # the message names the option
    typer.echo(minted)
