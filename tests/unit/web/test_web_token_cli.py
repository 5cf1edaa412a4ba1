"""`campusflow token` mints local tokens and refuses production secrets."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from shared.config import LOCAL_JWT_SECRET
from shared.web.auth import Principal, TokenVerifier
from tools.cli.token import SECRET_ENV, token

from .support import make_settings

pytestmark = pytest.mark.unit

runner = CliRunner()


def cli() -> typer.Typer:
    app = typer.Typer()
    app.command("token")(token)

    @app.command("other")  # a second command, so "token" is addressed by name as in main
    def other() -> None:
        return None

    return app


def test_prints_a_token_that_verifies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    result = runner.invoke(
        cli(),
        [
            "token",
            "--user",
            "u-5",
            "--role",
            "officer",
            "--role",
            "teacher",
            "--college",
            "science",
        ],
    )
    assert result.exit_code == 0, result.output
    principal = TokenVerifier.from_settings(make_settings()).verify(result.stdout.strip())
    assert principal == Principal("u-5", frozenset({"officer", "teacher"}), "science")


def test_university_admin_needs_no_college() -> None:
    result = runner.invoke(
        cli(),
        ["token", "--user", "boss", "--role", "university_admin", "--ttl-hours", "1"],
        env={SECRET_ENV: LOCAL_JWT_SECRET},
    )
    assert result.exit_code == 0, result.output
    principal = TokenVerifier.from_settings(make_settings()).verify(result.stdout.strip())
    assert principal.is_university_admin
    assert principal.college is None


def test_refuses_a_production_secret() -> None:
    result = runner.invoke(
        cli(),
        ["token", "--user", "u", "--role", "officer", "--college", "science"],
        env={SECRET_ENV: "the-real-production-secret-0123456789abcdef"},
    )
    assert result.exit_code == 2
    assert "refusing to mint a token with a production secret" in result.output
    assert "eyJ" not in result.output


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["--role", "dean", "--college", "science"], "unknown role"),
        (["--role", "officer"], "college is required"),
        (["--role", "officer", "--role", "university_admin"], "college is required"),
    ],
)
def test_rejects_bad_roles_and_missing_college(args: list[str], complaint: str) -> None:
    result = runner.invoke(cli(), ["token", "--user", "u", *args], env={SECRET_ENV: None})
    assert result.exit_code == 2
    assert complaint in result.output


@pytest.mark.parametrize(
    ("user", "said"), [("u" * 65, "at most 64 characters"), ("u\x07", "control characters")]
)
def test_a_user_id_no_service_takes_is_a_clear_error_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, user: str, said: str
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    args = ["token", "--user", user, "--role", "student", "--college", "cs"]
    result = runner.invoke(cli(), args)
    assert result.exit_code == 2, result.output
    assert said in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_lifetime_beyond_a_year_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    args = ["token", "--user", "u-1", "--role", "student", "--college", "cs"]
    result = runner.invoke(cli(), [*args, "--ttl-hours", "1e12"])
    assert result.exit_code == 2, result.output
    assert "--ttl-hours" in result.output and "Traceback" not in result.output
