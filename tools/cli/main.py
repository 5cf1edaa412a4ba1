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
    check_compatible: bool = typer.Option(
        False,
        "--check-compatible",
        help="Compare with the released contracts (docs/asyncapi.released.yaml); exit 1 on a break",
    ),
    release: bool = typer.Option(
        False,
        "--release",
        help="After that check passes, write the current document as the released contracts",
    ),
) -> None:
    """Print the AsyncAPI document generated from shared/events (or --write it).

    --check-compatible lists every way the current contracts break the released ones;
    --release is the step of a release that makes the current contracts the baseline.
    """
    from shared.events.asyncapi import (
        DOCUMENT_PATH,
        RELEASED_PATH,
        build_document,
        load_released,
        render,
        render_released,
    )
    from shared.events.compatibility import breaking_changes

    if write:
        DOCUMENT_PATH.parent.mkdir(parents=True, exist_ok=True)
        DOCUMENT_PATH.write_text(render(), "utf-8")
        typer.echo(f"wrote {DOCUMENT_PATH}")
    if check_compatible or release:
        breaks = breaking_changes(load_released(), build_document())
        for line in breaks:
            typer.echo(line, err=True)
        if breaks:
            typer.echo(f"{len(breaks)} breaking change(s) against {RELEASED_PATH.name}", err=True)
            raise typer.Exit(1)
        typer.echo(f"compatible with {RELEASED_PATH.name}")
    if release:
        RELEASED_PATH.write_text(render_released(), "utf-8")
        typer.echo(f"wrote {RELEASED_PATH}")
    if not (write or check_compatible or release):
        typer.echo(render(), nl=False)
