"""Fetching politeness: which hosts may be asked, what their robots.txt allows, and how fast."""

from __future__ import annotations

import logging
import math
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from urllib.robotparser import RobotFileParser

import httpx

log = logging.getLogger(__name__)

# Float clocks: a start due at `ready` may be seen at `ready - 1 ulp` after sleeping exactly.
_CLOCK_SLACK = 1e-9


class HostLimiter:
    """Spaces request starts per host so no host sees more than `rate` in any 1-second window.

    A thread is let go only when the host's last start is `1/rate` ago; for a fractional rate that
    spacing alone would let ceil(rate) starts into one window, so starts are also counted over the
    last second (at most floor(rate), at least one). Starts are stamped when granted, not reserved
    ahead, so a thread that is slow to get here never bunches up with the next one.
    """

    def __init__(
        self, rate: float, clock: Callable[[], float], sleep: Callable[[float], None]
    ) -> None:
        self._interval = 1.0 / rate
        self._per_window = max(1, math.floor(rate))
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._starts: dict[str, deque[float]] = {}
        self._paused_until: dict[str, float] = {}

    def wait(self, host: str) -> None:
        """Block until a request to `host` may start, and count it as started."""
        while True:
            with self._lock:
                now = self._clock()
                ready = self._ready_at(host)
                if now >= ready - _CLOCK_SLACK:
                    starts = self._starts.setdefault(host, deque(maxlen=self._per_window))
                    starts.append(now)
                    return
            self._sleep(ready - now)

    def pause(self, host: str, seconds: float) -> None:
        """Start nothing at `host` for `seconds` (its Retry-After applies to every thread)."""
        with self._lock:
            until = self._clock() + seconds
            self._paused_until[host] = max(self._paused_until.get(host, until), until)

    def _ready_at(self, host: str) -> float:
        ready = self._paused_until.get(host, -math.inf)
        starts = self._starts.get(host)
        if starts:
            ready = max(ready, starts[-1] + self._interval)
            if len(starts) == self._per_window:
                ready = max(ready, starts[0] + 1.0)
        return ready


@dataclass(frozen=True)
class Refusal:
    """Why a URL is not to be requested at all.

    `outcome` is the HttpResult outcome it comes to: "disallowed" (allowed_hosts or robots.txt
    forbids it) or "failed" (it cannot be asked: not an http(s) URL, or no robots.txt to go by).
    """

    outcome: str
    error: str
    note: str | None  # the history entry


def allowed_hosts(configured: frozenset[str], url: str) -> frozenset[str]:
    """The hosts a fetch of `url` may ask: those configured, or if none, the URL's own."""
    if configured:
        return frozenset(host.lower() for host in configured)
    try:
        return frozenset({httpx.URL(url).host})
    except httpx.InvalidURL:
        return frozenset()


def host_refusal(url: str, allowed: frozenset[str]) -> Refusal | None:
    """Why `url` is not to be requested, by its scheme and host, or None if it may be."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as error:
        return Refusal("failed", f"invalid URL: {error}", "invalid URL")
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return Refusal("failed", "not an http(s) URL", "invalid URL")
    if parsed.host not in allowed:
        hosts = ", ".join(sorted(allowed))
        return Refusal(
            "disallowed", f"host {parsed.host} is not allowed (only {hosts})", "host not allowed"
        )
    return None


@dataclass(frozen=True)
class RobotsFetch:
    """What fetching one origin's robots.txt came to, after retries."""

    final_url: str
    status: int | None
    content: bytes | None  # the complete body, if it was fetched
    error: str | None
    attempts: int


@dataclass(frozen=True)
class _Robots:
    """One origin's robots.txt, or why it could not be had (then nothing there is requested)."""

    parser: RobotFileParser | None
    error: str | None = None


class RobotsRules:
    """Each origin's robots.txt, fetched once however many threads ask, and kept for the
    fetcher's life; `fetch` gets a robots.txt through the same gates as any request."""

    def __init__(self, user_agent: str, fetch: Callable[[str], RobotsFetch]) -> None:
        self._user_agent = user_agent
        self._fetch = fetch
        self._robots: dict[str, _Robots] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def refusal(self, url: str) -> Refusal | None:
        """Why robots.txt keeps us from `url` (it forbids it or could not be read), else None."""
        parsed = httpx.URL(url)
        origin = f"{parsed.scheme}://{parsed.netloc.decode('ascii')}"
        with self._guard:
            lock = self._locks.setdefault(origin, threading.Lock())
        with lock:  # one fetch per origin, however many threads ask at once
            robots = self._robots.get(origin)
            if robots is None:
                robots = self._robots[origin] = self._read(origin)
        if robots.parser is None:
            return Refusal("failed", f"not requested: {robots.error}", "no robots.txt")
        if not robots.parser.can_fetch(self._user_agent, url):
            return Refusal("disallowed", f"{origin}/robots.txt disallows it", None)
        return None

    def _read(self, origin: str) -> _Robots:
        url = f"{origin}/robots.txt"
        fetched = self._fetch(url)
        parser = RobotFileParser(url)
        if fetched.content is not None:
            parser.parse(fetched.content.decode("utf-8", errors="replace").splitlines())
        elif fetched.status in (401, 403):
            parser.disallow_all = True  # as urllib.robotparser.read() does: a closed door
        elif fetched.status is not None and 400 <= fetched.status < 500:
            parser.allow_all = True  # no robots.txt: no rules
        else:
            # Unreachable or failing: RFC 9309 says assume everything is disallowed, and we stay
            # away for this fetcher's life rather than hammer a host that is already struggling.
            error = f"{url} unreachable after {fetched.attempts} attempts: {fetched.error}"
            return _Robots(None, error)
        log.info("%s: robots.txt read from %s", origin, fetched.final_url)
        return _Robots(parser)
