"""`campusflow deploy`: deployment manifests generated from code."""

from __future__ import annotations

import typer

app = typer.Typer(help="Deployment manifests generated from code.", no_args_is_help=True)


@app.callback()
def deploy() -> None:
    """Deployment manifests generated from code (deploy/k8s)."""


@app.command("topics")
def topics(
    write: bool = typer.Option(False, "--write", help="Rewrite deploy/k8s/base/kafka-topics.yaml."),
    check: bool = typer.Option(
        False, "--check", help="Exit 1 if the committed file differs from the registry."
    ),
) -> None:
    """Print the Strimzi KafkaTopic manifests generated from the event registry."""
    from tools import manifests

    path = manifests.KAFKA_TOPICS_PATH
    if write and check:
        raise typer.BadParameter("use --write or --check, not both")
    if check:
        if not manifests.kafka_topics_current(path):
            typer.echo(f"{path} is stale; run `{manifests.REGENERATE_COMMAND}`", err=True)
            raise typer.Exit(1)
        typer.echo(f"{path} is current")
    elif write:
        typer.echo(f"wrote {manifests.write_kafka_topics(path)}")
    else:
        typer.echo(manifests.render_kafka_topics(), nl=False)


@app.command("scalers")
def scalers(
    write: bool = typer.Option(False, "--write", help="Rewrite the services' lag triggers."),
    check: bool = typer.Option(
        False, "--check", help="Exit 1 if a service's lag triggers differ from its consumers."
    ),
) -> None:
    """The KEDA consumer-lag triggers of each service, generated from its consumers."""
    from tools import scalers as generated

    if write and check:
        raise typer.BadParameter("use --write or --check, not both")
    stale = [service for service in generated.SERVICES if generated.stale(service)]
    if check:
        for service in stale:
            typer.echo(
                f"{generated.manifest_path(service)} is stale; run "
                f"`{generated.REGENERATE_COMMAND}`",
                err=True,
            )
        if stale:
            raise typer.Exit(1)
        typer.echo("every service's lag triggers are current")
    elif write:
        for service in stale:
            typer.echo(f"wrote {generated.write(service)}")
    else:
        for service in generated.SERVICES:
            typer.echo(f"# {service}\n{generated.render_triggers(service)}", nl=False)
