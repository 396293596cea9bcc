"""Headless Chromium (Debian's) driven over the DevTools protocol, for pages that need a login."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import shutil
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

CHROMIUM = Path("/usr/bin/chromium")
# Headless, sandbox-free (root in CI), and quiet: no network of its own beside the page's.
HEADLESS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@dataclass
class Page:
    """One tab: commands go to it, and what it logs and fetches is kept."""

    socket: ClientConnection
    session_id: str
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    waiting: dict[int, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)
    responses: dict[str, int] = field(default_factory=dict)
    # request id -> why it failed: the browser's reason it blocked it ("csp"), or the error
    failures: dict[str, str] = field(default_factory=dict)
    console_errors: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    loaded: asyncio.Event = field(default_factory=asyncio.Event)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        message_id = next(self.ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.waiting[message_id] = future
        message = {"id": message_id, "method": method, "params": params}
        await self.socket.send(json.dumps({**message, "sessionId": self.session_id}))
        reply = await asyncio.wait_for(future, timeout=60)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def on_event(self, method: str, params: dict[str, Any]) -> None:
        if method == "Network.requestWillBeSent":
            self.requests[params["requestId"]] = params["request"]
        elif method == "Network.responseReceived":
            self.responses[params["requestId"]] = params["response"]["status"]
        elif method == "Network.loadingFailed":
            self.failures[params["requestId"]] = params.get("blockedReason") or params["errorText"]
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            self.exceptions.append(details.get("exception", {}).get("description", details["text"]))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            self.console_errors.append(params["entry"]["text"])
        elif method == "Runtime.consoleAPICalled" and params["type"] == "error":
            self.console_errors.append(
                " ".join(
                    str(arg.get("value", arg.get("description", ""))) for arg in params["args"]
                )
            )
        elif method == "Page.loadEventFired":
            self.loaded.set()

    async def goto(self, url: str) -> None:
        self.loaded.clear()
        await self.send("Page.navigate", url=url)
        await asyncio.wait_for(self.loaded.wait(), timeout=60)

    async def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (awaited when it is a promise)."""
        result = await self.send(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:80]}…: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_for(self, expression: str, timeout: float = 90) -> Any:
        """Evaluate the expression until it is truthy; its last value either way."""
        deadline = time.monotonic() + timeout
        while True:
            value = await self.evaluate(expression)
            if value or time.monotonic() > deadline:
                return value
            await asyncio.sleep(0.5)

    async def screenshot(self, path: Path) -> None:
        shot = await self.send("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(shot["data"]))


@asynccontextmanager
async def chromium(profile: Path, width: int = 1400, height: int = 1000) -> AsyncIterator[Page]:
    """A headless Chromium with one tab open; ended, and its profile removed, on leaving."""
    profile.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [
            str(CHROMIUM),
            *HEADLESS,
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and len(port_file.read_text().splitlines()) == 2):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"chromium did not open its DevTools port ({process.poll()})")
            await asyncio.sleep(0.1)
        port, path = port_file.read_text().splitlines()
        async with connect(f"ws://127.0.0.1:{port}{path}", max_size=None) as socket:
            await socket.send(
                json.dumps({"id": 0, "method": "Target.createTarget", "params": {"url": ""}})
            )
            target = json.loads(await socket.recv())["result"]["targetId"]
            await socket.send(
                json.dumps(
                    {
                        "id": -1,
                        "method": "Target.attachToTarget",
                        "params": {"targetId": target, "flatten": True},
                    }
                )
            )
            session_id = ""
            while not session_id:
                message = json.loads(await socket.recv())
                if message.get("id") == -1:
                    session_id = message["result"]["sessionId"]
            page = Page(socket, session_id)
            reader = asyncio.create_task(_read(socket, page))
            try:
                for domain in ("Page", "Network", "Runtime", "Log"):
                    await page.send(f"{domain}.enable")
                await page.send(
                    "Emulation.setDeviceMetricsOverride",
                    width=width,
                    height=height,
                    deviceScaleFactor=1,
                    mobile=False,
                )
                yield page
            finally:
                reader.cancel()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(profile, ignore_errors=True)


async def _read(socket: ClientConnection, page: Page) -> None:
    async for raw in socket:
        message = json.loads(raw)
        if "id" in message and message["id"] in page.waiting:
            page.waiting.pop(message["id"]).set_result(message)
        elif message.get("sessionId") == page.session_id and "method" in message:
            page.on_event(message["method"], message["params"])
