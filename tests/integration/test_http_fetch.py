"""The HTTP fetcher against a real local server, in real time: politeness, retries, outcomes."""

from __future__ import annotations

import random
import socket
import time
from collections.abc import Iterator
from email.utils import formatdate

import pytest

from devfin.extract.http import HttpConfig, HttpFetcher, HttpResult, Validators
from tests.httpserver import Fault, SheetServer, serve

pytestmark = pytest.mark.integration

# Fast enough for a test suite, same code paths as production.
FAST = HttpConfig(
    requests_per_second=200,
    max_concurrency=8,
    connect_timeout=2.0,
    read_timeout=2.0,
    backoff_initial=0.05,
    backoff_max=0.5,
)


def sheets(count: int) -> dict[str, bytes]:
    """`count` pages of 1 to 30 kB of random bytes, the same every run."""
    return {
        f"/sheets/{number:03d}.html": random.Random(number).randbytes(
            random.Random(-number).randint(1_000, 30_000)
        )
        for number in range(count)
    }


@pytest.fixture
def server() -> Iterator[SheetServer]:
    with serve(sheets(200)) as server:
        yield server


def fetch_all(
    config: HttpConfig, urls: list[str], validators: dict[str, Validators] | None = None
) -> dict[str, HttpResult]:
    with HttpFetcher(config) as fetcher:
        requests = [(url, (validators or {}).get(url)) for url in urls]
        results = {result.url: result for result in fetcher.fetch_all(requests)}
    assert sorted(results) == sorted(urls)
    return results


def fetch_one(config: HttpConfig, url: str) -> HttpResult:
    with HttpFetcher(config) as fetcher:
        return fetcher.fetch(url)


def test_every_sheet_is_fetched_whole_then_not_modified(server: SheetServer) -> None:
    urls = [server.url(path) for path in server.pages]

    first = fetch_all(FAST, urls)

    for path, body in server.pages.items():
        result = first[server.url(path)]
        assert (result.outcome, result.status, result.content) == ("fetched", 200, body)
        assert (result.attempts, result.history, result.error) == (1, (), None)
        assert result.etag and result.last_modified
    validators = {
        url: Validators(result.etag, result.last_modified) for url, result in first.items()
    }

    second = fetch_all(FAST, urls, validators)

    assert {result.outcome for result in second.values()} == {"not_modified"}
    assert all(result.status == 304 and result.content is None for result in second.values())
    assert all(second[url].etag == validators[url].etag for url in urls)
    # Each fetcher read robots.txt once, and every request said who we are.
    assert len(server.requests_for("/robots.txt")) == 2
    assert {request.user_agent for request in server.log} == {FAST.user_agent}
    assert len(server.log) == 2 + 2 * len(urls)


def test_passing_faults_are_retried_until_every_sheet_arrives_whole(server: SheetServer) -> None:
    paths = sorted(server.pages)
    expected_history: dict[str, tuple[str, ...]] = {}
    for number, path in enumerate(paths):
        if number % 10 == 0:
            server.add_fault(path, Fault.status_code(500), attempts={1})
            expected_history[path] = ("500",)
        elif number % 10 == 5:
            server.add_fault(path, Fault.status_code(500), attempts={1, 2})
            expected_history[path] = ("500", "500")
        elif number % 50 == 1:
            server.add_fault(path, Fault.status_code(429, retry_after="1"), attempts={1})
            expected_history[path] = ("429 retry-after 1s",)
        elif number % 25 == 2:
            server.add_fault(path, Fault.delay(1.0), attempts={1})
            expected_history[path] = ("ReadTimeout",)
        elif number % 25 == 3:
            server.add_fault(path, Fault.cut(), attempts={1})
            expected_history[path] = ("connection closed mid-body",)
        elif number % 50 == 4:
            server.add_fault(path, Fault.status_code(503), attempts={1})
            expected_history[path] = ("503",)
    doomed = paths[-1]
    server.add_fault(doomed, Fault.status_code(500))
    config = HttpConfig(**{**FAST.__dict__, "read_timeout": 0.5})

    results = fetch_all(config, [server.url(path) for path in paths])

    for path in paths[:-1]:
        result = results[server.url(path)]
        assert result.outcome == "fetched", result
        assert result.content == server.pages[path]
        assert result.history == expected_history.get(path, ())
        assert result.attempts == len(result.history) + 1
    failed = results[server.url(doomed)]
    assert (failed.outcome, failed.status, failed.content) == ("failed", 500, None)
    assert failed.attempts == 5 and failed.history == ("500",) * 5
    assert "gave up after 5 attempts" in failed.error and server.url(doomed) in failed.error
    assert len(server.requests_for(doomed)) == 5
    # Retry-After: 1 was honoured, and not by that sheet alone: its host paused.
    for path, history in expected_history.items():
        if history[0].startswith("429"):
            told, retried = server.requests_for(path)
            assert retried.at - told.at >= 0.99
            # Bar those already on their way when the 429 came back (0.1 s of slack each side).
            assert not [r for r in server.log if told.at + 0.1 < r.at < told.at + 0.9]


def test_retry_after_as_an_http_date_is_honoured(server: SheetServer) -> None:
    path = "/sheets/007.html"
    server.add_fault(
        path, Fault.status_code(503, retry_after=formatdate(time.time() + 2, usegmt=True)), {1}
    )

    result = fetch_one(FAST, server.url(path))

    assert (result.outcome, result.content) == ("fetched", server.pages[path])
    assert result.history[0].startswith("503 retry-after ")
    told, retried = server.requests_for(path)
    assert retried.at - told.at >= 0.9  # dates are to the second: 1 to 2 s ahead


@pytest.mark.parametrize("status", [404, 410])
def test_gone_is_not_retried(server: SheetServer, status: int) -> None:
    path = "/sheets/gone.html"
    if status == 410:
        server.pages[path] = b"was here"
        server.add_fault(path, Fault.status_code(410))

    result = fetch_one(FAST, server.url(path))

    assert (result.outcome, result.status, result.content) == ("gone", status, None)
    assert (result.attempts, result.history) == (1, (str(status),))
    assert server.url(path) in result.error
    assert len(server.requests_for(path)) == 1


def test_other_client_errors_fail_at_once(server: SheetServer) -> None:
    server.add_fault("/sheets/001.html", Fault.status_code(403))

    result = fetch_one(FAST, server.url("/sheets/001.html"))

    assert (result.outcome, result.status, result.attempts) == ("failed", 403, 1)
    assert "HTTP 403 Forbidden" in result.error


def test_redirects_are_followed_only_to_allowed_hosts(server: SheetServer) -> None:
    sheet = "/sheets/001.html"
    with serve({sheet: b"elsewhere"}, host="127.0.0.2") as other:
        server.add_fault("/renamed.html", Fault.redirect(sheet))
        server.add_fault("/moved.html", Fault.redirect(other.url(sheet)))
        server.add_fault("/loop.html", Fault.redirect("/loop.html", status=302))

        renamed = fetch_one(FAST, server.url("/renamed.html"))
        moved = fetch_one(FAST, server.url("/moved.html"))
        loop = fetch_one(FAST, server.url("/loop.html"))
        assert other.log == []
        both = HttpConfig(
            **{**FAST.__dict__, "allowed_hosts": frozenset({"127.0.0.1", "127.0.0.2"})}
        )
        allowed = fetch_one(both, server.url("/moved.html"))

    assert (renamed.outcome, renamed.final_url) == ("fetched", server.url(sheet))
    assert renamed.content == server.pages[sheet]
    assert (moved.outcome, moved.status, moved.content) == ("failed", 301, None)
    assert "host 127.0.0.2 is not allowed" in moved.error
    assert (moved.attempts, moved.history) == (1, ("redirect refused",))
    assert loop.outcome == "failed" and "more than max_redirects=5" in loop.error
    assert len(server.requests_for("/loop.html")) == 6
    assert (allowed.outcome, allowed.final_url) == ("fetched", other.url(sheet))
    assert allowed.content == b"elsewhere"


def test_no_host_sees_more_than_the_rate(server: SheetServer) -> None:
    config = HttpConfig(**{**FAST.__dict__, "requests_per_second": 5, "max_concurrency": 4})
    urls = [server.url(path) for path in sorted(server.pages)[:20]]
    started = time.monotonic()

    results = fetch_all(config, urls)

    assert time.monotonic() - started >= 3.7  # 21 starts (robots.txt too), 0.2 s apart
    assert {result.outcome for result in results.values()} == {"fetched"}
    starts = sorted(request.at for request in server.log)
    assert len(starts) == 21
    # The server stamps a request once its thread has read it. Server and client share one process
    # (and GIL), so on a busy machine a stamp can lag its start by some ms: hence 25 ms of slack,
    # still far from the 0.83 s that six starts at 6 per second would span.
    tightest = min(later - first for first, later in zip(starts, starts[5:], strict=False))
    assert tightest >= 0.975, f"6 starts within {tightest:.4f} s"
    assert server.max_in_flight <= 4


def test_concurrency_is_bounded(server: SheetServer) -> None:
    config = HttpConfig(**{**FAST.__dict__, "max_concurrency": 3})
    paths = sorted(server.pages)[:12]
    for path in paths:
        server.add_fault(path, Fault.delay(0.2))

    results = fetch_all(config, [server.url(path) for path in paths])

    assert {result.outcome for result in results.values()} == {"fetched"}
    assert server.max_in_flight == 3


def test_robots_txt_is_obeyed(server: SheetServer) -> None:
    server.pages["/robots.txt"] = b"User-agent: *\nDisallow: /private/\n"
    server.pages["/private/sheet.html"] = b"secret"
    urls = [server.url("/private/sheet.html"), server.url("/sheets/001.html")]

    results = fetch_all(FAST, urls)
    ignoring = fetch_all(HttpConfig(**{**FAST.__dict__, "respect_robots": False}), urls[:1])

    private = results[urls[0]]
    assert (private.outcome, private.status, private.content) == ("disallowed", None, None)
    assert private.attempts == 0 and "robots.txt disallows" in private.error
    assert results[urls[1]].outcome == "fetched"
    assert len(server.requests_for("/private/sheet.html")) == 1  # only when told to ignore it
    assert ignoring[urls[0]].content == b"secret"
    assert len(server.requests_for("/robots.txt")) == 1


def test_an_unreachable_host_fails_with_its_reason() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/sheets/001.html"

    with_robots = fetch_one(FAST, url)
    without = fetch_one(HttpConfig(**{**FAST.__dict__, "respect_robots": False}), url)

    assert with_robots.outcome == "failed" and with_robots.attempts == 0
    assert "robots.txt unreachable after 5 attempts" in with_robots.error
    assert (without.outcome, without.attempts) == ("failed", 5)
    assert without.history == ("ConnectError",) * 5 and url in without.error


def test_a_retry_after_beyond_the_limit_fails_at_once(server: SheetServer) -> None:
    path = "/sheets/001.html"
    server.add_fault(path, Fault.status_code(429, retry_after="3600"))
    started = time.monotonic()

    result = fetch_one(FAST, server.url(path))

    assert time.monotonic() - started < 1
    assert (result.outcome, result.status, result.attempts) == ("failed", 429, 1)
    assert "Retry-After 3600s, longer than retry_after_max=300s" in result.error


@pytest.mark.parametrize("fault", [None, Fault.unsized()], ids=["sized", "unsized"])
def test_an_oversize_body_fails_naming_the_cap(server: SheetServer, fault: Fault | None) -> None:
    server.pages["/big.html"] = b"x" * 5_000
    server.pages["/fits.html"] = b"y" * 1_000
    if fault is not None:
        server.add_fault("/big.html", fault)
        server.add_fault("/fits.html", fault)
    config = HttpConfig(**{**FAST.__dict__, "max_bytes": 1_000})

    big = fetch_one(config, server.url("/big.html"))
    fits = fetch_one(config, server.url("/fits.html"))

    assert (big.outcome, big.content, big.attempts) == ("failed", None, 1)
    assert "max_bytes=1000" in big.error
    assert (fits.outcome, fits.content) == ("fetched", b"y" * 1_000)


# A page whose end is known: a body without Content-Length is whole only if it reaches </html>.
HTML_PAGE = b"<!DOCTYPE html>\n<html><body>\n" + b"<p>a row</p>\n" * 800 + b"</body>\n</HTML>\n"


@pytest.mark.parametrize("chunked", [False, True], ids=["connection-close", "chunked"])
def test_an_unsized_body_ending_inside_its_page_is_retried_then_fails_truncated(
    server: SheetServer, chunked: bool
) -> None:
    cut = Fault.unsized_cut(0.7, chunked=chunked)
    server.pages["/heals.html"] = server.pages["/stays-cut.html"] = HTML_PAGE
    server.add_fault("/heals.html", cut, attempts={1, 2})
    server.add_fault("/stays-cut.html", cut)
    server.pages["/plain.txt"] = b"Project Number 40000-001\n" * 100  # no end to check: accepted
    server.add_fault("/plain.txt", cut)

    healed = fetch_one(FAST, server.url("/heals.html"))
    doomed = fetch_one(FAST, server.url("/stays-cut.html"))
    plain = fetch_one(FAST, server.url("/plain.txt"))

    assert (healed.outcome, healed.content) == ("fetched", HTML_PAGE)
    assert healed.history == ("truncated", "truncated")
    assert (doomed.outcome, doomed.content, doomed.attempts) == ("failed", None, FAST.max_attempts)
    assert set(doomed.history) == {"truncated"}
    assert doomed.error is not None
    gave_up = f"gave up after {FAST.max_attempts} attempts, the last: truncated:"
    assert doomed.error.startswith(gave_up)
    assert (plain.outcome, plain.attempts) == ("fetched", 1)
