"""`python3 -m tools.fuzz`: fuzz the platform's HTTP APIs; exit 1 if the boundary breaks."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

import typer

from tools.fuzz.campaign import fuzz_stack, own_stack
from tools.fuzz.runs import FULL, PERSONAS, QUICK, SEED

app = typer.Typer(add_completion=False)


@app.command()
def main(
    state_dir: Path | None = typer.Option(
        None,
        "--state-dir",
        help="Fuzz the stack already running there (default: start one of its own, "
        "in a temporary directory, and stop it afterwards).",
    ),
    report_dir: Path | None = typer.Option(
        None, "--report-dir", help="Where the schemathesis reports go (default: a temp dir)."
    ),
    service: list[str] = typer.Option(
        [], "--service", help="Only this service (repeatable; default: all four)."
    ),
    role: list[str] = typer.Option(
        [], "--role", help="Only the persona of this role (repeatable; default: all)."
    ),
    quick: bool = typer.Option(
        False,
        "--quick",
        help="The test suite's campaign: a third of the random cases per operation, each "
        "more often hostile, and the coverage phase's boundary cases in the college_admin's "
        "runs only (tools/fuzz/runs.py, QUICK).",
    ),
    max_examples: int | None = typer.Option(
        None,
        "--max-examples",
        min=1,
        help="Random cases per operation (default: 15; 5 with --quick).",
    ),
    seed: int = typer.Option(SEED, "--seed", help="Schemathesis's random seed."),
    demo: bool = typer.Option(True, "--demo/--no-demo", help="Load the demo data first."),
) -> None:
    personas = [p for p in PERSONAS if not role or p.role in role]
    if not personas:
        raise typer.BadParameter(f"no persona has the role(s) {role}")
    reports = report_dir or Path(tempfile.mkdtemp(prefix="campusflow-fuzz-report-"))
    intensity = QUICK if quick else FULL
    if max_examples is not None:
        intensity = replace(intensity, max_examples=max_examples)

    def fuzz(directory: Path) -> bool:
        report = fuzz_stack(
            directory,
            reports,
            personas=personas,
            services=service or None,
            intensity=intensity,
            seed=seed,
            with_demo=demo,
            progress=typer.echo,
        )
        typer.echo(report.summary())
        return report.holds

    if state_dir is not None:
        holds = fuzz(state_dir.resolve())
    else:
        typer.echo("starting a stack of its own (campusflow stack up)...")
        with own_stack() as directory:
            holds = fuzz(directory)
    raise typer.Exit(0 if holds else 1)


if __name__ == "__main__":
    app()
