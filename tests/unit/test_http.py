"""The HTTP fetcher's timing rules on a fake clock: rate limiting, backoff, Retry-After."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise

import httpx
import pytest

from devfin.extract.http import HttpConfig, HttpFetcher, retry_after_seconds
from devfin.extract.politeness import HostLimiter

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)


class FakeTime:
    """A monotonic clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def starts(limiter: HostLimiter, time: FakeTime, host: str, count: int) -> list[float]:
    result = []
    for _ in range(count):
        limiter.wait(host)
        result.append(round(time.now, 6))
    return result


@pytest.mark.parametrize(
    ("rate", "expected"),
    [(5, [0, 0.2, 0.4, 0.6, 0.8, 1.0]), (1.5, [0, 1, 2]), (0.5, [0, 2, 4])],
)
def test_the_limiter_spaces_starts_per_host(rate: float, expected: list[float]) -> None:
    time = FakeTime()
    limiter = HostLimiter(rate, time.clock, time.sleep)

    assert starts(limiter, time, "a.example", len(expected)) == expected
    assert starts(limiter, time, "b.example", 1) == [expected[-1]]  # another host: no wait


def test_a_pause_holds_every_start_at_that_host() -> None:
    time = FakeTime()
    limiter = HostLimiter(10, time.clock, time.sleep)
    limiter.wait("a.example")
    limiter.pause("a.example", 3)

    assert starts(limiter, time, "a.example", 2) == [3, 3.1]


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        ("Sun, 01 Jun 2025 12:00:30 GMT", 30.0),
        ("Sun, 01 Jun 2025 11:00:00 GMT", 0.0),
        ("soon", None),
        (None, None),
    ],
)
def test_retry_after_is_read_as_seconds_or_a_date(
    header: str | None, seconds: float | None
) -> None:
    assert retry_after_seconds(header, NOW) == seconds


def fetcher(
    time: FakeTime, answers: list[httpx.Response], seen: list[float] | None = None
) -> HttpFetcher:
    """A fetcher on fake time whose server gives `answers` in turn, noting when in `seen`."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
        if seen is not None:
            seen.append(time.now)
        return answers.pop(0)

    return HttpFetcher(
        HttpConfig(requests_per_second=1000, backoff_initial=1.0, backoff_max=60.0),
        clock=time.clock,
        sleep=time.sleep,
        utc_now=lambda: NOW,
        transport=httpx.MockTransport(handler),
    )


def test_backoff_is_exponential_with_full_jitter_and_honours_retry_after() -> None:
    time = FakeTime()
    seen: list[float] = []
    answers = [
        httpx.Response(500),
        httpx.Response(500),
        httpx.Response(429, headers={"Retry-After": "7"}),
        httpx.Response(200, content=b"sheet"),
    ]

    with fetcher(time, answers, seen) as http:
        result = http.fetch("http://a.example/sheet")

    assert (result.outcome, result.content, result.attempts) == ("fetched", b"sheet", 4)
    assert result.history == ("500", "500", "429 retry-after 7s")
    first, second, after_429 = (later - earlier for earlier, later in pairwise(seen))
    limiter = 0.001  # the spacing at 1000 requests per second
    assert 0 <= first <= 1 + limiter and 0 <= second <= 2 + limiter
    assert 7 - 1e-9 <= after_429 <= 7 + limiter + 4  # the larger of Retry-After and the backoff


def test_a_retry_after_beyond_the_limit_is_not_waited_for() -> None:
    time = FakeTime()
    answers = [httpx.Response(503, headers={"Retry-After": "301"})]

    with fetcher(time, answers) as http:
        result = http.fetch("http://a.example/sheet")

    assert (result.outcome, result.attempts) == ("failed", 1)
    assert "longer than retry_after_max=300s" in result.error
    assert time.now < 2
