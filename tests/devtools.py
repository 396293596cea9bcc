"""Headless Chromium driven over the DevTools protocol, for a page `--dump-dom` cannot show: one
that needs a cookie to log in and its own script to draw (the Airflow UI's single-page app)."""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

from devfin.processes import Component, stop

CHROMIUM = Path("/usr/bin/chromium")
STARTUP_TIMEOUT = 60


class DevTools:
    """One headless Chromium with one page, for a `with` block: the browser ends with it."""

    def __init__(self, profile: Path, width: int = 1400, height: int = 900) -> None:
        self.profile, self.width, self.height = profile, width, height
        self._ids = itertools.count(1)
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> DevTools:
        self.profile.mkdir(parents=True, exist_ok=True)
        process = subprocess.Popen(
            [
                str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--user-data-dir={self.profile}", "--remote-debugging-port=0",
                f"--window-size={self.width},{self.height}", "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        # The browser and its renderer, GPU and network processes: a session of their own.
        self._stack.callback(stop, [Component("chromium", process, Path(os.devnull))], 10)
        try:
            endpoint = _browser_endpoint(self.profile)
            self._socket = self._stack.enter_context(
                connect(endpoint, max_size=None, open_timeout=30)
            )
            target = self.call("Target.createTarget", url="about:blank")
            attached = self.call("Target.attachToTarget", targetId=target["targetId"], flatten=True)
            self._session = attached["sessionId"]
            self.page(
                "Emulation.setDeviceMetricsOverride",
                width=self.width, height=self.height, deviceScaleFactor=1, mobile=False,
            )  # fmt: skip
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        """One DevTools command; its result (events arriving meanwhile are dropped)."""
        message: dict[str, Any] = {"id": next(self._ids), "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self._socket.send(json.dumps(message))
        while True:
            answer = json.loads(self._socket.recv(timeout=60))
            if answer.get("id") == message["id"]:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})

    def page(self, method: str, **params: Any) -> dict[str, Any]:
        """A command to the page."""
        return self.call(method, session=self._session, **params)

    def set_cookie(self, url: str, name: str, value: str) -> None:
        self.call("Storage.setCookies", cookies=[{"name": name, "value": value, "url": url}])

    def open(self, url: str) -> None:
        self.page("Page.navigate", url=url)

    def evaluate(self, expression: str) -> Any:
        result = self.page("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def text(self) -> str:
        """What the page shows as text now."""
        return self.evaluate("document.body ? document.body.innerText : ''") or ""

    def wait_for_text(self, *wanted: str, timeout: float = 90) -> str:
        """The page's text once it holds every one of `wanted`; AssertionError after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.text()
            if all(part in text for part in wanted):
                return text
            if time.monotonic() > deadline:
                missing = [part for part in wanted if part not in text]
                raise AssertionError(f"{missing} not on the page after {timeout}s:\n{text[:3000]}")
            time.sleep(0.5)

    def screenshot(self) -> bytes:
        return base64.b64decode(self.page("Page.captureScreenshot", format="png")["data"])


def _browser_endpoint(profile: Path) -> str:
    """The browser's DevTools address, which Chromium writes into the profile once it listens."""
    active = profile / "DevToolsActivePort"
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not (active.exists() and len(active.read_text().split()) == 2):
        if time.monotonic() > deadline:
            raise RuntimeError(f"Chromium wrote no {active} in {STARTUP_TIMEOUT}s")
        time.sleep(0.2)
    port, path = active.read_text().split()
    return f"ws://127.0.0.1:{port}{path}"
