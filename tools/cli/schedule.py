"""`campusflow schedule`: solve a scheduling problem file without the service.

Each command reads a problem in the scheduling service's JSON format (README,
"Scheduling problems"; examples in docs/examples/), solves it, judges the answer
with the independent checker and prints the checked solution as JSON.
"""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(help="Solve scheduling problems from JSON files.", no_args_is_help=True)

PROBLEM = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="Problem JSON")


@app.command("solve")
def solve_command(
    problem: Path = PROBLEM,
    time_limit: float = typer.Option(30.0, "--time-limit", min=0.1, help="Seconds of search."),
) -> None:
    """A duty rota: prints the checked solution (status, objective, bound, gap, penalties)."""
    from tools.schedule.rota import solve_file

    raise typer.Exit(solve_file(problem, time_limit_s=time_limit))


@app.command("timetable")
def timetable_command(
    problem: Path = PROBLEM,
    time_limit: float = typer.Option(60.0, "--time-limit", min=0.1, help="Seconds of search."),
) -> None:
    """A teaching timetable: prints the checked timetable per school, class and volunteer."""
    from tools.schedule.timetable import solve_file

    raise typer.Exit(solve_file(problem, time_limit_s=time_limit))
