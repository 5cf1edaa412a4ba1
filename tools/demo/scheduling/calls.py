"""What the scheduling demo loaders share: the token maker they are handed, a response
checked against the statuses it may have, and a solve job submitted and waited for."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx

Token = Callable[[str, str, str], dict[str, str]]


def checked(response: httpx.Response, *ok: int) -> httpx.Response:
    if response.status_code not in ok:
        raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text}")
    return response


async def solved_job(
    client: httpx.AsyncClient,
    root: str,
    officer: dict[str, str],
    *,
    kind: str,
    problem: dict[str, Any],
    time_limit_s: float,
    wait_s: float,
) -> str:
    """Submit a solve job of `kind` and wait (at most `wait_s`) until it is done; its id."""
    job = checked(
        await client.post(
            f"{root}/solve-jobs",
            json={"kind": kind, "problem": problem, "time_limit_s": time_limit_s},
            headers=officer,
        ),
        202,
    ).json()
    deadline = time.monotonic() + wait_s
    while job["status"] in ("queued", "running"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"solve job {job['job_id']} not done after {wait_s:g} s")
        await asyncio.sleep(0.5)
        job = checked(
            await client.get(f"{root}/solve-jobs/{job['job_id']}", headers=officer), 200
        ).json()
    if job["status"] != "done":
        raise RuntimeError(f"solve job {job['job_id']} ended {job['status']}: {job['error']}")
    return str(job["job_id"])
