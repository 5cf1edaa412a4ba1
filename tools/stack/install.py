"""What the local stack needs on this machine, and `campusflow stack install`."""

from __future__ import annotations

from dataclasses import dataclass

from tools.stack import kafka, postgres, redis
from tools.stack.errors import StackError


@dataclass(frozen=True)
class Prerequisite:
    name: str
    found: str | None  # where it was found, or None when missing
    fix: str


def check_prerequisites() -> list[Prerequisite]:
    """Everything LocalProcesses needs, found or not."""
    pg_bin = postgres.postgres_bin_dir()
    redis_bin = redis.redis_server_binary()
    java = kafka.java_binary()
    return [
        Prerequisite(
            "PostgreSQL server (initdb, postgres)",
            str(pg_bin) if pg_bin else None,
            "apt-get install postgresql",
        ),
        Prerequisite(
            "redis-server", str(redis_bin) if redis_bin else None, "apt-get install redis-server"
        ),
        Prerequisite(
            "java", str(java) if java else None, "apt-get install openjdk-17-jre-headless"
        ),
        Prerequisite(
            "Kafka jars",
            str(kafka.LIBS_DIR) if kafka.libs_present() else None,
            f"mvn -q -B -f {kafka.POM} package (Maven: apt-get install maven)",
        ),
    ]


def missing_prerequisites() -> list[Prerequisite]:
    return [item for item in check_prerequisites() if item.found is None]


def install() -> list[Prerequisite]:
    """Assemble the Kafka jars with Maven if they are missing, then check the rest.

    Returns the prerequisites (all found); raises StackError naming each one still missing
    and the command that installs it.
    """
    if not kafka.libs_present():
        kafka.assemble_libs()
    missing = missing_prerequisites()
    if missing:
        lines = [f"  - {item.name}: {item.fix}" for item in missing]
        raise StackError("the local stack is missing:\n" + "\n".join(lines))
    return check_prerequisites()
