"""`campusflow dlt`: inspect the dead letters of a topic and replay them.

Kafka is found from `--bootstrap`, else from the endpoints recorded by the running
local stack (`--state-dir`, default $CAMPUSFLOW_STATE_DIR or /tmp/campusflow-stack).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import typer
from aiokafka.errors import KafkaError
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from tools.dlt.plans import (
    DeadLetter,
    DeadLetterTopicError,
    ReplayPlan,
    ReplayReport,
    dead_letter_topic,
    original_topic,
    replay_log_topic,
)
from tools.dlt.replay import (
    list_dead_letters,
    prepare_replay,
    replay_dead_letters,
    replayed_offsets,
)
from tools.stack.state import default_state_dir, recorded_endpoints

app = typer.Typer(help="Inspect and replay dead letters (`<topic>.dlt`).", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)
T = TypeVar("T")

NO_TERMINAL = (
    "refusing to replay without confirmation: there is no terminal to ask on. "
    "Re-run with --yes to replay what is listed above."
)

TOPIC_OPTION = typer.Option(
    ..., "--topic", help="The original topic, e.g. campusflow.recruitment.applications."
)
BOOTSTRAP_OPTION = typer.Option(
    None, "--bootstrap", help="Kafka bootstrap servers; the running local stack's if omitted."
)
STATE_DIR_OPTION = typer.Option(
    None,
    "--state-dir",
    help="The local stack whose Kafka to use; $CAMPUSFLOW_STATE_DIR or "
    "/tmp/campusflow-stack if omitted.",
)


def _fail(message: str, code: int = 1) -> typer.Exit:
    errors.print(
        f"[bold red]error:[/] {escape(message)}", highlight=False, markup=True, soft_wrap=True
    )
    return typer.Exit(code)


def resolve_bootstrap(bootstrap: str | None, state_dir: Path | None) -> str:
    """`--bootstrap`, else the Kafka endpoint recorded by the local stack in `state_dir`."""
    if bootstrap and state_dir is not None:
        raise _fail("give either --bootstrap or --state-dir, not both", code=2)
    if bootstrap:
        return bootstrap
    directory = (state_dir or default_state_dir()).expanduser().resolve()
    endpoints = recorded_endpoints(directory)
    if endpoints is None:
        raise _fail(
            f"no Kafka to talk to: no running stack is recorded in {directory}. "
            "Pass --bootstrap HOST:PORT, or start one with `campusflow stack up`."
        )
    return endpoints.kafka_bootstrap


@app.command("list")
def list_command(
    topic: str = TOPIC_OPTION,
    consumer: str | None = typer.Option(None, "--consumer", help="Only this consumer's."),
    limit: int = typer.Option(100, "--limit", min=1, help="Show at most this many, oldest first."),
    state_dir: Path | None = STATE_DIR_OPTION,
    bootstrap: str | None = BOOTSTRAP_OPTION,
) -> None:
    """List the dead letters of a topic, oldest first, and whether each was replayed."""
    servers = resolve_bootstrap(bootstrap, state_dir)

    async def read() -> tuple[list[DeadLetter], set[int]]:
        letters = await list_dead_letters(servers, topic, consumer=consumer, limit=limit)
        return letters, await replayed_offsets(servers, topic)

    letters, replayed = _run(read(), servers)
    if not letters:
        who = f" of consumer {consumer}" if consumer else ""
        console.print(Text(f"No dead letters{who} in {dead_letter_topic(topic)}."))
        return
    console.print(_letters_table(letters, replayed=replayed, title=dead_letter_topic(topic)))
    if len(letters) == limit:
        console.print(f"Showing the first {limit}; raise --limit to see more.", highlight=False)


@app.command("replay")
def replay_command(
    topic: str = TOPIC_OPTION,
    consumer: str = typer.Option(..., "--consumer", help="Replay this consumer's dead letters."),
    offset: list[int] | None = typer.Option(
        None, "--offset", help="Dead-letter offset to replay (repeatable); all of them if omitted."
    ),
    force: bool = typer.Option(
        False, "--force", help="Replay even if already replayed or still invalid."
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    state_dir: Path | None = STATE_DIR_OPTION,
    bootstrap: str | None = BOOTSTRAP_OPTION,
) -> None:
    """Republish a consumer's dead letters to their original topic.

    Consumers that already applied an event skip it: their inbox dedupes by event id.

    Replays are recorded in `<topic>.dlt.replayed` and are not repeated unless --force.

    A letter that would only fail again is refused unless --force.
    """
    servers = resolve_bootstrap(bootstrap, state_dir)
    offsets = list(offset) if offset else None
    plan = _run(
        prepare_replay(servers, topic, consumer=consumer, offsets=offsets, force=force), servers
    )
    _print_plan(plan, topic=topic)
    # Only what was asked for explicitly makes a refusal an error.
    refused = bool(offsets) and bool(plan.not_found or plan.still_invalid)
    if not plan.replay:
        console.print("Nothing to replay.")
        raise typer.Exit(1 if refused else 0)
    if not yes:
        if not stdin_is_terminal():
            raise _fail(NO_TERMINAL)
        typer.confirm(
            f"Replay {len(plan.replay)} dead letter(s) of {consumer}?", default=False, abort=True
        )
    # Exactly the letters shown: any that arrived since are left for the next run.
    report = _run(
        replay_dead_letters(
            servers,
            topic,
            consumer=consumer,
            offsets=[letter.dlt_offset for letter in plan.replay],
            force=force,
        ),
        servers,
    )
    _print_report(report, topic=topic)
    raise typer.Exit(1 if refused else 0)


def stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _run(work: Coroutine[Any, Any, T], servers: str) -> T:
    try:
        return asyncio.run(work)
    except DeadLetterTopicError as exc:
        raise _fail(str(exc)) from None
    except (KafkaError, TimeoutError) as exc:
        raise _fail(f"Kafka at {servers}: {type(exc).__name__}: {exc}") from None


def _letters_table(letters: Sequence[DeadLetter], *, replayed: set[int], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("Offset", justify="right", no_wrap=True)
    table.add_column("Consumer", overflow="fold")
    table.add_column("Error", overflow="fold")
    table.add_column("Failed at (UTC)")
    table.add_column("Event", overflow="fold")
    table.add_column("From")
    table.add_column("Replayed")
    source = original_topic(title)
    for letter in letters:
        origin = f"p{_or_q(letter.original_partition)} @{_or_q(letter.original_offset)}"
        if letter.original_topic != source:
            origin = f"{letter.original_topic}\n{origin}"
        cells = (
            str(letter.dlt_offset),
            letter.consumer,
            f"{letter.error_class}\n{_shorten(letter.error_message, 120)}",
            _utc(letter.failed_at),
            "\n".join(
                [
                    letter.ce_type or "(no ce_type)",
                    f"id {letter.ce_id or '?'}",
                    f"college {letter.college or '?'}",
                    f"key {_key(letter.key)}",
                    f"{letter.value_size} bytes",
                ]
            ),
            origin,
            "yes" if letter.dlt_offset in replayed else "",
        )
        table.add_row(*(Text(cell) for cell in cells))  # the data is not markup
    return table


def _print_plan(plan: ReplayPlan, *, topic: str) -> None:
    if plan.replay:
        console.print(
            _letters_table(
                plan.replay, replayed=set(), title=f"To replay from {dead_letter_topic(topic)}"
            )
        )
    for refusal in plan.forced:
        console.print(
            f"[yellow]forced:[/] offset {refusal.letter.dlt_offset}: {escape(refusal.reason)}",
            highlight=False,
        )
    if plan.already_replayed:
        offsets = ", ".join(str(letter.dlt_offset) for letter in plan.already_replayed)
        console.print(
            f"Already replayed (see {replay_log_topic(topic)}; --force to replay again): {offsets}",
            highlight=False,
        )
    for refusal in plan.still_invalid:
        console.print(
            f"[red]still invalid[/], not replayed: offset {refusal.letter.dlt_offset}: "
            f"{escape(_shorten(refusal.reason, 300))}",
            highlight=False,
        )
    if plan.not_found:
        console.print(
            "[red]no dead letter of this consumer[/] at offset(s): "
            + ", ".join(str(o) for o in plan.not_found),
            highlight=False,
        )


def _print_report(report: ReplayReport, *, topic: str) -> None:
    for replayed in report.replayed:
        console.print(
            f"[green]replayed[/] offset {replayed.dlt_offset} "
            f"(event {escape(replayed.ce_id or '?')}) "
            f"-> {replayed.topic} p{replayed.partition} @{replayed.offset}",
            highlight=False,
        )
    if report.already_replayed:  # a concurrent replay got there first
        console.print(
            "skipped, replayed meanwhile: " + ", ".join(str(o) for o in report.already_replayed),
            highlight=False,
        )
    console.print(
        f"{len(report.replayed)} replayed; recorded in {replay_log_topic(topic)}.",
        highlight=False,
    )


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _key(key: bytes | None) -> str:
    return "(none)" if key is None else _shorten(key.decode(errors="replace"), 40)


def _utc(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if moment else "?"


def _or_q(value: int | None) -> str:
    return "?" if value is None else str(value)
