"""A polite HTTP fetcher for data sheets: rate-limited per host, robots-aware, retrying, capped."""

# Design. One httpx.Client is shared by all worker threads. Every request start (a sheet, a
# redirect hop, a retry, a robots.txt) goes through the same two gates, whoever calls fetch():
# a semaphore bounding requests in flight, then the per-host limiter; a Retry-After pauses the
# whole host, not just the sheet that met it (a thread may then hold its slot while it waits).
# A sheet is tried by tenacity (stop, full-jitter wait and sleep are all it needs to supply);
# one try follows redirects itself and sums up what happened in a `_Try`, which says whether
# another try may help. Bodies are streamed into memory and handed out only when complete.
# Nothing here raises for a bad sheet: every outcome, failures included, is an `HttpResult`.
# What may be asked and how fast (allowed hosts, robots.txt, the limiter): extract/politeness.py.

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType

import httpx
from tenacity import RetryCallState, Retrying, retry_if_result, stop_after_attempt
from tenacity.wait import wait_random_exponential

from devfin.extract.politeness import (
    HostLimiter,
    Refusal,
    RobotsFetch,
    RobotsRules,
    allowed_hosts,
    host_refusal,
)
from devfin.parse.text import closes_html_document, looks_like_html
from devfin.settings import default_of

log = logging.getLogger(__name__)

DEFAULT_USER_AGENT: str = default_of("http_user_agent")
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
GONE_STATUSES = frozenset({404, 410})
RETRY_AFTER_STATUSES = frozenset({429, 503})
HTML_MEDIA_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TRUNCATED = "truncated"  # the note and the error's start of a body that ends inside its page


@dataclass(frozen=True)
class HttpConfig:
    """How politely and how persistently to fetch."""

    # The defaults a DEVFIN_HTTP_* variable overrides are the settings' (devfin.settings).
    user_agent: str = DEFAULT_USER_AGENT
    requests_per_second: float = default_of("http_requests_per_second")  # per host, all threads
    max_concurrency: int = default_of("http_concurrency")  # requests in flight at once, all hosts
    connect_timeout: float = 10.0
    read_timeout: float = default_of("http_timeout_seconds")
    max_attempts: int = default_of("http_max_attempts")  # per sheet, first try included
    backoff_initial: float = 1.0  # seconds; exponential with full jitter
    backoff_max: float = 60.0
    retry_after_max: float = 300.0  # longest Retry-After honoured; longer: give up with an error
    max_bytes: int = 10_000_000  # response body cap
    allowed_hosts: frozenset[str] = default_of("http_allowed_hosts")  # empty: each URL's host
    respect_robots: bool = default_of("http_respect_robots")
    max_redirects: int = 5

    def __post_init__(self) -> None:
        for name in ("requests_per_second", "connect_timeout", "read_timeout"):
            if not getattr(self, name) > 0:
                raise ValueError(f"HttpConfig.{name} must be positive, not {getattr(self, name)}")
        for name in ("max_concurrency", "max_attempts", "max_bytes"):
            if getattr(self, name) < 1:
                raise ValueError(f"HttpConfig.{name} must be at least 1, not {getattr(self, name)}")
        if self.max_redirects < 0 or self.backoff_initial < 0 or self.backoff_max < 0:
            raise ValueError("HttpConfig.max_redirects and the backoffs must not be negative")


@dataclass(frozen=True)
class Validators:
    """What we remember of a sheet's last good fetch, for a conditional request."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class HttpResult:
    """One sheet's final outcome, after retries.

    `outcome` is "fetched" (content is the complete body), "not_modified" (304 to our validators),
    "gone" (404/410), "failed" or "disallowed" (robots.txt or allowed_hosts: never requested).
    `history` has one entry per try that did not end well, so it is as long as `attempts` for a
    gone or failed sheet and one shorter for a fetched one.
    """

    url: str
    final_url: str
    outcome: str
    status: int | None
    content: bytes | None
    etag: str | None
    last_modified: str | None
    error: str | None
    attempts: int
    history: tuple[str, ...]
    started_at: datetime
    elapsed_seconds: float


@dataclass(frozen=True)
class _Try:
    """What one try, or one exchange of it, came to. `retry`: another try may help."""

    outcome: str  # an HttpResult outcome, or "redirect" for one exchange
    final_url: str
    status: int | None = None
    content: bytes | None = None
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    note: str | None = None  # the history entry, when it did not end well
    retry: bool = False
    retry_after: float | None = None
    location: str | None = None


def _utc_now() -> datetime:
    return datetime.now(UTC)


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """A Retry-After header (delay in seconds or an HTTP date) as seconds from `now`."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # obsolete date formats carry no zone; HTTP dates are GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _seconds(value: float) -> str:
    return f"{round(value, 1):g}s"


class HttpFetcher:
    """Fetches data sheets politely; thread-safe, one per run (it caches robots.txt)."""

    def __init__(
        self,
        config: HttpConfig,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        utc_now: Callable[[], datetime] = _utc_now,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._config = config
        self._clock = clock
        self._sleep = sleep
        self._utc_now = utc_now
        self._client = httpx.Client(
            headers={"User-Agent": config.user_agent},
            timeout=httpx.Timeout(
                connect=config.connect_timeout,
                read=config.read_timeout,
                write=config.read_timeout,
                pool=config.connect_timeout,
            ),
            limits=httpx.Limits(
                max_connections=config.max_concurrency,
                max_keepalive_connections=config.max_concurrency,
            ),
            follow_redirects=False,
            transport=transport,
        )
        self._in_flight = threading.BoundedSemaphore(config.max_concurrency)
        self._limiter = HostLimiter(config.requests_per_second, clock, sleep)
        self._backoff = wait_random_exponential(
            multiplier=config.backoff_initial, max=config.backoff_max
        )
        self._robots = RobotsRules(config.user_agent, self._fetch_robots)

    def __enter__(self) -> HttpFetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def fetch(self, url: str, validators: Validators | None = None) -> HttpResult:
        """Fetch one sheet, retrying what may pass; never raises for what the server does."""
        started_at = self._utc_now()
        start = self._clock()
        refusal = host_refusal(url, allowed_hosts(self._config.allowed_hosts, url))
        if refusal is None and self._config.respect_robots:
            refusal = self._robots.refusal(url)
        if refusal is not None:
            last, attempts, history = _refused(url, refusal), 0, ()
        else:
            last, attempts, history = self._tries(url, validators, check_robots=True)
        error = last.error
        if last.retry:
            error = f"gave up after {attempts} attempts, the last: {error}"
        if error is not None:
            error += f", fetching {url}"
            if last.final_url != url:
                error += f" (at {last.final_url})"
        return HttpResult(
            url=url,
            final_url=last.final_url,
            outcome="failed" if last.retry else last.outcome,
            status=last.status,
            content=last.content if last.outcome == "fetched" else None,
            etag=last.etag,
            last_modified=last.last_modified,
            error=error,
            attempts=attempts,
            history=history,
            started_at=started_at,
            elapsed_seconds=self._clock() - start,
        )

    def fetch_all(self, requests: Iterable[tuple[str, Validators | None]]) -> Iterator[HttpResult]:
        """Bounded concurrency (threads), results as they complete (any order), each names its url.

        Closing the iterator early cancels the sheets not yet started.
        """
        with ThreadPoolExecutor(
            max_workers=self._config.max_concurrency, thread_name_prefix="devfin-http"
        ) as pool:
            futures = [pool.submit(self.fetch, url, validators) for url, validators in requests]
            try:
                for future in as_completed(futures):
                    yield future.result()
            finally:
                for future in futures:
                    future.cancel()

    # One sheet: tries, each following redirects.

    def _tries(
        self, url: str, validators: Validators | None, *, check_robots: bool
    ) -> tuple[_Try, int, tuple[str, ...]]:
        """Try until a try needs no retry or attempts run out: (the last try, attempts, history)."""
        history: list[str] = []
        attempts = 0

        def one_try() -> _Try:
            nonlocal attempts
            attempts += 1
            result = self._try_once(url, validators, check_robots=check_robots)
            if result.note is not None:
                history.append(result.note)
            return result

        def last_try(state: RetryCallState) -> _Try:
            # Out of attempts: hand back the last try; fetch() turns it into "failed".
            assert state.outcome is not None
            return state.outcome.result()

        retrying = Retrying(
            stop=stop_after_attempt(self._config.max_attempts),
            wait=self._wait,
            retry=retry_if_result(lambda result: result.retry),
            sleep=self._sleep,
            before_sleep=lambda state: log.info("retrying %s after %s", url, history[-1]),
            retry_error_callback=last_try,
        )
        last: _Try = retrying(one_try)
        return last, attempts, tuple(history)

    def _wait(self, state: RetryCallState) -> float:
        """Full-jitter exponential backoff, but never sooner than the server's Retry-After."""
        backoff = self._backoff(state)
        last = state.outcome.result() if state.outcome else None
        if last is not None and last.retry_after is not None:
            return max(backoff, last.retry_after)
        return backoff

    def _try_once(self, url: str, validators: Validators | None, *, check_robots: bool) -> _Try:
        allowed = allowed_hosts(self._config.allowed_hosts, url)
        current = url
        for hop in range(self._config.max_redirects + 1):
            if hop and check_robots and self._config.respect_robots:
                refusal = self._robots.refusal(current)
                if refusal is not None:
                    return _refused(current, refusal)
            result = self._exchange(current, validators)
            if result.outcome != "redirect" or result.location is None:
                return result
            try:
                target = str(httpx.URL(current).join(result.location))
            except httpx.InvalidURL as error:
                return _Try(
                    "failed",
                    current,
                    result.status,
                    error=f"bad redirect: {error}",
                    note="redirect",
                )
            refusal = host_refusal(target, allowed)
            if refusal is not None:
                error = f"redirect from {current} refused: {refusal.error}"
                return _Try("failed", target, result.status, error=error, note="redirect refused")
            current = target
        error = f"more than max_redirects={self._config.max_redirects} redirects"
        return _Try("failed", current, result.status, error=error, note="too many redirects")

    def _exchange(self, url: str, validators: Validators | None) -> _Try:
        """One request and its response, through the concurrency and rate gates."""
        headers: dict[str, str] = {}
        if validators is not None and validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators is not None and validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        host = httpx.URL(url).host
        with self._in_flight:
            self._limiter.wait(host)
            try:
                with self._client.stream("GET", url, headers=headers) as response:
                    result = self._read(url, response, validators)
            except httpx.TimeoutException as error:
                name = type(error).__name__
                return _Try("failed", url, error=f"{name} from {host}", note=name, retry=True)
            except (httpx.NetworkError, httpx.RemoteProtocolError) as error:
                name = type(error).__name__
                return _Try("failed", url, error=f"{name}: {error}", note=name, retry=True)
            except httpx.HTTPError as error:  # not a passing trouble: bad URL, unsupported scheme
                name = type(error).__name__
                return _Try("failed", url, error=f"{name}: {error}", note=name)
        if result.retry_after is not None and result.retry:
            self._limiter.pause(host, result.retry_after)
        return result

    def _read(self, url: str, response: httpx.Response, validators: Validators | None) -> _Try:
        status = response.status_code
        said = f"HTTP {status} {response.reason_phrase}".rstrip()
        etag = response.headers.get("ETag")
        last_modified = response.headers.get("Last-Modified")
        if status in REDIRECT_STATUSES:
            location = response.headers.get("Location")
            if not location:
                error = f"{said} without a Location"
                return _Try("failed", url, status, error=error, note=str(status))
            return _Try("redirect", url, status, location=location)
        if status == 304:
            if validators is None:
                error = f"{said} to an unconditional request"
                return _Try("failed", url, status, error=error, note=str(status))
            return _Try(
                "not_modified",
                url,
                status,
                etag=etag or validators.etag,
                last_modified=last_modified or validators.last_modified,
            )
        if status in GONE_STATUSES:
            return _Try("gone", url, status, error=said, note=str(status))
        if status == 429 or status >= 500:
            retry_after = None
            if status in RETRY_AFTER_STATUSES:
                header = response.headers.get("Retry-After")
                retry_after = retry_after_seconds(header, self._utc_now())
            if retry_after is None:
                return _Try("failed", url, status, error=said, note=str(status), retry=True)
            note = f"{status} retry-after {_seconds(retry_after)}"
            if retry_after > self._config.retry_after_max:
                error = (
                    f"{said} with Retry-After {_seconds(retry_after)}, longer than "
                    f"retry_after_max={_seconds(self._config.retry_after_max)}"
                )
                return _Try("failed", url, status, error=error, note=note)
            return _Try(
                "failed", url, status, error=said, note=note, retry=True, retry_after=retry_after
            )
        if not 200 <= status < 300:
            return _Try("failed", url, status, error=said, note=str(status))
        return self._read_body(url, response, etag, last_modified)

    def _read_body(
        self, url: str, response: httpx.Response, etag: str | None, last_modified: str | None
    ) -> _Try:
        status = response.status_code
        cap = self._config.max_bytes
        too_big = _Try(
            "failed", url, status, error=f"body larger than max_bytes={cap}", note="over max_bytes"
        )
        try:
            declared: int | None = int(response.headers["Content-Length"])
        except (KeyError, ValueError):
            declared = None
        if declared is not None and declared > cap:
            return too_big  # said up front: do not download what we would throw away
        chunks: list[bytes] = []
        size = 0
        mid_body = "connection closed mid-body"
        cut = _Try("failed", url, status, error=mid_body, note=mid_body, retry=True)
        try:
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > cap:
                    return too_big
                chunks.append(chunk)
        except (httpx.RemoteProtocolError, httpx.ReadError):
            return cut
        # h11 already refuses a short body; this holds for transports that do not. Content-Length
        # counts encoded bytes, so only a body sent as is can be held to it here.
        encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
        if declared is not None and encoding == "identity" and size < declared:
            return cut
        body = b"".join(chunks)
        if declared is None and _ends_inside_html(body, response.headers.get("Content-Type")):
            # Without a length to hold it to, a body closed early (the connection, or a chunked
            # stream its server ended after an error) is known short only by its page.
            error = f"{TRUNCATED}: no Content-Length and the page ends before its </html>"
            return _Try("failed", url, status, error=error, note=TRUNCATED, retry=True)
        return _Try("fetched", url, status, body, etag, last_modified)

    def _fetch_robots(self, url: str) -> RobotsFetch:
        """Fetch a robots.txt through the same gates and retries as a sheet (no robots check)."""
        last, attempts, _ = self._tries(url, None, check_robots=False)
        content = last.content if last.outcome == "fetched" else None
        return RobotsFetch(last.final_url, last.status, content, last.error, attempts)


def _refused(url: str, refusal: Refusal) -> _Try:
    """A try that was never made, saying why."""
    return _Try(refusal.outcome, url, error=refusal.error, note=refusal.note)


def _ends_inside_html(body: bytes, content_type: str | None) -> bool:
    """Whether an HTML body (by its Content-Type, or by its start if it has none) ends before
    its closing </html>. Other types have no end to check here: their parsers judge them."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # UTF-16: not read byte-wise; its parser checks the page whole
    # Latin-1 maps every byte, and the tags are ASCII in every encoding a sheet comes in.
    text = body.decode("latin-1")
    is_html = media_type in HTML_MEDIA_TYPES if media_type else looks_like_html(text)
    return is_html and not closes_html_document(text)
