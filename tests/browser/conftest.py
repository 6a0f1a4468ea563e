"""Real-browser tests: Debian's Chromium (headless, fake camera and microphone) driven by
Selenium through Debian's chromedriver; the node runs once per session in a thread, relaying
through the session's real coturn. Screenshots go to tests/artifacts/ (kept by CI, ignored by
git)."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from infra.config import StackConfig
from tests.media_node.call_helpers import RunningNode, node_config, running_node
from tests.servers import RunningTurnServer

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def with_video_consent_type(stack: StackConfig) -> StackConfig:
    """The dev stack plus an optional, consent-based audio+video meeting type."""
    support = stack.meeting_type("customer-support")
    video = replace(support, name="video-support", mode="audio+video")
    return replace(stack, meeting_types=(*stack.meeting_types, video))


@dataclass
class BrowserNode:
    running: RunningNode

    @property
    def url(self) -> str:
        return self.running.url

    def token(self, role: str, subject: str) -> str:
        return self.running.token(role, subject)

    def api(self, method: str, path: str, token: str) -> tuple[int, Any]:
        request = urllib.request.Request(
            self.url + path, method=method, headers={"Authorization": f"Bearer {token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback
                body = response.read()
                status = response.status
                kind = response.headers.get_content_type()
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")
        return status, json.loads(body) if kind == "application/json" else body


@pytest.fixture(scope="session")
def browser_node(
    tmp_path_factory: pytest.TempPathFactory, dev_config: StackConfig, coturn: RunningTurnServer
) -> Iterator[BrowserNode]:
    config = node_config(
        tmp_path_factory.mktemp("browser-node"), with_video_consent_type(dev_config), coturn
    )
    ready = threading.Event()
    holder: dict[str, Any] = {}

    async def serve() -> None:
        async with running_node(config) as node:
            holder["node"] = node
            holder["stop"] = asyncio.Event()
            ready.set()
            await holder["stop"].wait()

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(30), "the node did not start"
    yield BrowserNode(holder["node"])
    loop.call_soon_threadsafe(holder["stop"].set)
    thread.join(30)


@pytest.fixture(scope="session")
def chromium() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        "--disable-background-timer-throttling",
        "--disable-renderer-backgrounding",
        "--disable-backgrounding-occluded-windows",
        "--window-size=900,1000",
        "--lang=en-US",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    driver.set_page_load_timeout(60)
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()
