"""The duty desk page in a real headless Chromium (Debian's chromium and chromium-driver,
driven by selenium): the QR code renders as SVG, a screenshot of it decodes (zxing-cpp) to
a code the check-in API accepts, and the code shown changes after a rotation (a scheduling
replica whose code rotates every 5 s)."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import zxingcpp
from PIL import Image
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.e2e.scheduling.desk_support import (
    ROOT,
    SHORT_ROTATION_S,
    fast_desk,
    issue_desk_key,
    member,
    new_person,
    new_post,
    publish_shift,
)

pytestmark = pytest.mark.e2e
__all__ = ["fast_desk"]


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,1024",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(
        service=Service(executable_path="/usr/bin/chromedriver"), options=options
    )
    try:
        yield driver
    finally:
        driver.quit()


def decode_qr(driver: WebDriver) -> str:
    """Screenshot the QR code as the screen shows it and decode the PNG. The page's script
    replaces the SVG at each rotation: an element found just before is then stale, and is
    looked up again."""
    for _ in range(5):
        try:
            png = driver.find_element(By.CSS_SELECTOR, "#qr svg").screenshot_as_png
            break
        except StaleElementReferenceException:
            time.sleep(0.2)
    else:
        raise AssertionError("the QR code's SVG was replaced under every screenshot")
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(found) == 1, f"{len(found)} codes decoded from the screenshot"
    assert found[0].format == zxingcpp.BarcodeFormat.QRCode
    text: str = found[0].text
    return text


async def test_the_desk_page_shows_a_scannable_code_that_rotates(
    fast_desk: str, service_dsns: dict[str, str], browser: WebDriver
) -> None:
    started = time.monotonic()
    post, holder = new_post("page"), new_person()
    shift = await publish_shift(
        service_dsns["scheduling"],
        post=post,
        starts_at=datetime.now(UTC) - timedelta(minutes=2),
        holders=(holder,),
    )
    async with httpx.AsyncClient(timeout=10) as client:
        key = await issue_desk_key(client, fast_desk, post)
        browser.get(f"{fast_desk}{key['page']}")
        WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#qr svg path"))
        assert "值班签到" in browser.title
        body = browser.find_element(By.TAG_NAME, "body").text
        assert "值班签到" in body and "交接" in body and holder in body and "未签到" in body
        shown = browser.find_element(By.ID, "shift").get_attribute("data-shift-id")
        assert shown == str(shift.shift_id)

        first = decode_qr(browser)
        assert first.startswith("CF1.cs.")
        signed = await client.post(
            f"{fast_desk}{ROOT}/check-ins", json={"code": first}, headers=member(holder)
        )
        assert signed.status_code == 201, signed.text
        assert signed.json()["shift_id"] == str(shift.shift_id)

        # The page's script fetches the next code when this one rotates.
        deadline = time.monotonic() + 3 * SHORT_ROTATION_S
        second = first
        while second == first and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            second = decode_qr(browser)
        assert second != first, "the code shown did not change after a rotation"
        assert int(second.split(".")[3]) > int(first.split(".")[3])
        again = await client.post(
            f"{fast_desk}{ROOT}/check-ins", json={"code": second}, headers=member(holder)
        )
        assert again.status_code == 200, again.text  # accepted: signed in already

        browser.refresh()
        WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#qr svg"))
        holders = browser.find_element(By.ID, "holders").text
        assert holder in holders and "已签到" in holders
    assert time.monotonic() - started < 60
