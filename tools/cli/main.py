"""`campusflow`: the operator's and developer's command line."""

from __future__ import annotations

import typer

from tools.cli import bench, demo, deploy, dlt, schedule, stack
from tools.cli.token import token

app = typer.Typer(help="Campusflow platform tools.", no_args_is_help=True)
app.add_typer(stack.app, name="stack")
app.add_typer(demo.app, name="demo")
app.add_typer(dlt.app, name="dlt")
app.add_typer(deploy.app, name="deploy")
app.add_typer(bench.app, name="bench")
app.add_typer(schedule.app, name="schedule")
app.command("token", help="Print a signed token for the local stack.")(token)


@app.command("asyncapi")
def asyncapi(
    write: bool = typer.Option(False, "--write", help="Rewrite docs/asyncapi.yaml"),
) -> None:
    """Print the AsyncAPI document generated from shared/events (or --write it)."""
    from shared.events.asyncapi import DOCUMENT_PATH, render

    document = render()
    if write:
        DOCUMENT_PATH.parent.mkdir(parents=True, exist_ok=True)
        DOCUMENT_PATH.write_text(document, "utf-8")
        typer.echo(f"wrote {DOCUMENT_PATH}")
    else:
        typer.echo(document, nl=False)
