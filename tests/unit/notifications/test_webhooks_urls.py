"""Where webhooks may go: http(s) only; in production only public addresses (literal or
resolved, IPv4 and IPv6); locally loopback too. Refusals are 422s naming `url`."""

from __future__ import annotations

import pytest

from services.notifications.domain import webhooks as rules
from services.notifications.service.webhooks import check_url
from shared.rules import RuleBroken

pytestmark = pytest.mark.unit

PRIVATE = [
    "10.0.0.5",
    "10.255.255.255",
    "172.16.0.1",
    "172.31.255.254",
    "192.168.1.10",
    "127.0.0.1",
    "127.8.9.10",
    "169.254.169.254",
    "0.0.0.0",
    "::1",
    "::",
    "fc00::1",
    "fd12:3456:789a::1",
    "fe80::1",
    "::ffff:10.0.0.1",
    "::ffff:127.0.0.1",
    "100.64.0.1",
]
PUBLIC = ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "172.32.0.1", "11.0.0.1"]


def _refusal(host: str, addresses: list[str], *, production: bool) -> RuleBroken:
    with pytest.raises(RuleBroken) as refused:
        rules.check_addresses(host, addresses, production=production)
    assert refused.value.field == "url" and refused.value.invalid
    return refused.value


@pytest.mark.parametrize("address", PRIVATE)
def test_production_refuses_private_loopback_link_local_and_unspecified(address: str) -> None:
    refused = _refusal(address, [address], production=True)
    assert refused.rule == "url_private_address"
    assert address in refused.message or "::ffff" in address


@pytest.mark.parametrize("address", PUBLIC)
def test_production_accepts_public_addresses(address: str) -> None:
    rules.check_addresses(address, [address], production=True)


def test_a_host_with_one_private_address_among_public_ones_is_refused() -> None:
    _refusal("hooks.example.com", ["93.184.216.34", "10.1.2.3"], production=True)


def test_locally_loopback_is_allowed_but_other_private_addresses_are_not() -> None:
    for loopback in ("127.0.0.1", "::1", "::ffff:127.0.0.1"):
        rules.check_addresses("localhost", [loopback], production=False)
    for address in ("10.0.0.5", "192.168.1.10", "169.254.169.254", "fe80::1", "0.0.0.0"):
        _refusal(address, [address], production=False)


def test_a_host_without_addresses_is_refused() -> None:
    assert _refusal("nowhere.invalid", [], production=True).rule == "url_unresolvable"


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("ftp://example.com/hook", "url_scheme"),
        ("file:///etc/passwd", "url_scheme"),
        ("javascript:alert(1)", "url_scheme"),
        ("example.com/hook", "url_scheme"),
        ("http:///nohost", "url_host"),
        ("https://user:pw@example.com/hook", "url_credentials"),
        ("http://example.com:99999/hook", "url_malformed"),
        ("https://example.com/" + "a" * 2000, "url_too_long"),
    ],
)
def test_only_plain_http_and_https_urls_are_taken(url: str, rule: str) -> None:
    with pytest.raises(RuleBroken) as refused:
        rules.url_host(url)
    assert (refused.value.rule, refused.value.field) == (rule, "url")


def test_the_host_of_a_url_with_an_ipv6_literal() -> None:
    assert rules.url_host("http://[fe80::1]:8080/x") == "fe80::1"
    assert rules.literal_address("fe80::1%eth0") is not None


async def test_a_hostname_resolving_to_loopback_is_refused_in_production() -> None:
    async def to_loopback(host: str) -> list[str]:
        return ["127.0.0.1", "::1"]

    with pytest.raises(RuleBroken) as refused:
        await check_url("https://hooks.partner.example/in", production=True, resolve=to_loopback)
    assert refused.value.field == "url"
    # Locally the same host is fine (tests run local receivers).
    assert await check_url(
        "https://hooks.partner.example/in", production=False, resolve=to_loopback
    )


async def test_localhost_really_resolves_and_is_refused_in_production() -> None:
    """The real resolver (getaddrinfo) on `localhost` and literal addresses."""
    with pytest.raises(RuleBroken):
        await check_url("http://localhost:8080/hook", production=True)
    with pytest.raises(RuleBroken):
        await check_url("http://[::1]/hook", production=True)
    with pytest.raises(RuleBroken):
        await check_url("http://169.254.169.254/latest/meta-data", production=True)
    assert await check_url("http://localhost:8080/hook", production=False)


async def test_a_public_hostname_is_accepted_in_production() -> None:
    async def public(host: str) -> list[str]:
        return ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]

    url = "https://hooks.partner.example/in"
    assert await check_url(url, production=True, resolve=public) == url
