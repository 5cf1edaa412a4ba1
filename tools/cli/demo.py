"""`campusflow demo`: realistic demo data for the running local stack."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from tools.stack import default_state_dir, read_stack_state
from tools.stack.state import state_dir_flag

app = typer.Typer(help="Demo data for the local stack.", no_args_is_help=True)


@app.command("seed")
def seed(
    state_dir: Path | None = typer.Option(None, "--state-dir", help="The stack's state dir"),
) -> None:
    """Load the zh-CN demo (two colleges) through the public APIs."""
    from tools.demo.seed import APPLICANTS, COLLEGES, seed_demo

    directory = state_dir or default_state_dir()
    state = read_stack_state(directory) or {}
    urls = {name: record["url"] for name, record in (state.get("services") or {}).items()}
    if not {"recruitment", "notifications"} <= urls.keys():
        typer.echo(
            f"No running stack with services found in {directory}: run "
            f"`campusflow stack up{state_dir_flag(directory)}` first.",
            err=True,
        )
        raise typer.Exit(1)
    try:
        report = asyncio.run(seed_demo(urls))
    except Exception as error:
        typer.echo(f"demo seed failed: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"Demo loaded for {', '.join(COLLEGES.values())}: {report.created} applications created, "
        f"{report.already_there} already there; all {report.notices_seen} applicants notified."
    )
    for line in (report.campaigns, *report.parts):
        typer.echo(f"  {line}")
    first = APPLICANTS[0]
    typer.echo(
        f"Try it:\n  TOKEN=$(campusflow token --user {first.user_id} --role student "
        f"--college {first.college})\n"
        f'  curl -H "Authorization: Bearer $TOKEN" {urls["notifications"]}/api/notifications/me'
    )
