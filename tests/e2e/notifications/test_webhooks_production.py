"""A notifications process started in production mode (its own JWT secret, issuer and
audience, link secret and consumer groups) refuses webhook URLs that are or resolve to
loopback, private, link-local, unique-local or unspecified addresses — 422 naming `url`,
nothing stored — and takes a public one."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import httpx
import jwt
import pytest

from shared.config import service_environment
from tests.e2e.notifications.webhooks_support import problem
from tests.support.auth import bearer
from tools.stack import StackEndpoints, free_port, start_service_process, wait_http_ready
from tools.stack.processes import process_record, stop_record, tail

pytestmark = pytest.mark.e2e

SECRET = f"production-like-secret-{uuid4().hex}"
ISSUER = "https://id.example.edu.cn"
AUDIENCE = "campusflow"


def token(college: str, role: str = "college_admin") -> dict[str, str]:
    now = datetime.now(UTC)
    claims = {
        "sub": f"{role}-{college}",
        "roles": [role],
        "college": college,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(hours=1)).timestamp()),
    }
    return {"Authorization": f"Bearer {jwt.encode(claims, SECRET, algorithm='HS256')}"}


@pytest.fixture(scope="module")
def production(stack: StackEndpoints, service_dsns: dict[str, str]) -> Iterator[str]:
    port = free_port()
    env = service_environment(
        "notifications",
        database_url=service_dsns["notifications"],
        kafka_bootstrap=stack.kafka_bootstrap,
        redis_url=stack.redis_url,
        http_port=port,
        jwt_secret=SECRET,
        environment="production",
    )
    env["NOTIFICATIONS_JWT_ISSUER"] = ISSUER
    env["NOTIFICATIONS_JWT_AUDIENCE"] = AUDIENCE
    env["NOTIFICATIONS_LINK_SECRET"] = f"link-{uuid4().hex}"
    # Production refuses the local stack's loopback providers and placeholder names;
    # nothing is sent here.
    env["NOTIFICATIONS_SMTP_HOST"] = "smtp.campusflow-university.edu.cn"
    env["NOTIFICATIONS_SMS_PROVIDER_URL"] = "https://dysmsapi.aliyuncs.com"
    env["NOTIFICATIONS_PUBLIC_BASE_URL"] = "https://campusflow.campusflow-university.edu.cn"
    env["NOTIFICATIONS_EMAIL_FROM"] = "Campusflow <noreply@campusflow-university.edu.cn>"
    env["NOTIFICATIONS_CONSUMER_GROUP_PREFIX"] = f"tests-prod-{uuid4().hex[:8]}"
    log = Path(tempfile.mkdtemp(prefix="campusflow-webhooks-prod-")) / "notifications.log"
    process = start_service_process("notifications", env, log)
    try:
        try:
            wait_http_ready(f"http://127.0.0.1:{port}/readyz", 60)
        except Exception as error:
            raise RuntimeError(f"notifications not ready: {error}\n{tail(log)}") from error
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_record(process_record(process))


def test_production_refuses_private_and_loopback_webhook_urls(production: str) -> None:
    college = f"whp{uuid4().hex[:8]}"
    hooks = f"{production}/api/notifications/colleges/{college}/webhooks"
    with httpx.Client(timeout=15, headers=token(college)) as client:
        for url in (
            "http://127.0.0.1:8080/in",
            "http://localhost:8080/in",
            "http://[::1]/in",
            "http://10.1.2.3/in",
            "http://172.16.0.9/in",
            "http://192.168.0.9/in",
            "http://169.254.169.254/latest/meta-data",
            "http://[fc00::5]/in",
            "http://[fe80::1]/in",
            "http://0.0.0.0/in",
        ):
            refused = client.post(hooks, json={"url": url})
            assert problem(refused) == (422, "url", "url_private_address"), (url, refused.text)
        assert problem(client.post(hooks, json={"url": "ftp://example.com/in"}))[:2] == (
            422,
            "url",
        )
        assert client.get(hooks).json()["items"] == []

        public = client.post(hooks, json={"url": "https://93.184.216.34/campusflow"})
        assert public.status_code == 201, public.text
        endpoint = public.json()["endpoint_id"]
        moved = client.patch(f"{hooks}/{endpoint}", json={"url": "http://127.0.0.1/in"})
        assert problem(moved) == (422, "url", "url_private_address")
        assert client.get(f"{hooks}/{endpoint}").json()["url"] == (
            "https://93.184.216.34/campusflow"
        )
        assert client.delete(f"{hooks}/{endpoint}").status_code == 204
    # A token of the local stack is not accepted by a production process.
    local = httpx.get(hooks, headers=bearer("x", "college_admin", college), timeout=15)
    assert local.status_code == 401
