"""Sheets over HTTP: a source's sheets file plan, fetched politely by `devfin.extract.http`."""

from __future__ import annotations

from collections.abc import Iterator

from devfin.errors import FetchError
from devfin.extract.archive import Archive
from devfin.extract.discovery import SourcePlan
from devfin.extract.fetching import FetchResult, Known, SheetRef, archived
from devfin.extract.http import HttpConfig, HttpFetcher, HttpResult, Validators
from devfin.settings import Settings


def http_config(settings: Settings) -> HttpConfig:
    return HttpConfig(
        user_agent=settings.http_user_agent,
        requests_per_second=settings.http_requests_per_second,
        max_concurrency=settings.http_concurrency,
        read_timeout=settings.http_timeout_seconds,
        max_attempts=settings.http_max_attempts,
        allowed_hosts=settings.http_allowed_hosts,
        respect_robots=settings.http_respect_robots,
    )


class HttpSheetSource:
    """The sheets a plan names (and its index pages link to), fetched over HTTP."""

    def __init__(self, plan: SourcePlan, config: HttpConfig) -> None:
        self.plan = plan
        self.config = config

    def discover(self, ids: frozenset[str] | None = None) -> list[SheetRef]:
        refs = self.plan.listed_refs()
        if self.plan.index_urls:
            with HttpFetcher(self.config) as fetcher:
                for index_url in self.plan.index_urls:
                    result = fetcher.fetch(index_url)
                    if result.content is None:
                        raise FetchError(
                            f"{self.plan.source}: index page {result.outcome}: {result.error}",
                            url=index_url,
                        )
                    refs += self.plan.index_refs(index_url, result.content)
        return refs

    def fetch(
        self, refs: list[SheetRef], known: dict[str, Known], archive: Archive
    ) -> Iterator[FetchResult]:
        by_url = {ref.url: ref for ref in refs}
        requests = [(ref.url, _validators(known.get(ref.sheet_id))) for ref in refs]
        with HttpFetcher(self.config) as fetcher:
            for result in fetcher.fetch_all(requests):
                ref = by_url[result.url]
                yield _result(ref, result, known.get(ref.sheet_id), archive)


def _validators(known: Known | None) -> Validators | None:
    if known is None or (known.etag is None and known.last_modified is None):
        return None
    return Validators(etag=known.etag, last_modified=known.last_modified)


def _result(
    ref: SheetRef, result: HttpResult, known: Known | None, archive: Archive
) -> FetchResult:
    details = {
        "http_status": result.status,
        "etag": result.etag,
        "last_modified": result.last_modified,
        "attempts": result.attempts,
        "elapsed_ms": round(result.elapsed_seconds * 1000),
        "retry_history": list(result.history),
    }
    if result.outcome == "fetched" and result.content is not None:
        return archived(ref, result.started_at, result.content, archive, known, **details)
    if result.outcome == "not_modified" and known is not None:
        # The server vouches the version we hold is current: keep its validators.
        details.update(etag=result.etag or known.etag)
        details.update(last_modified=result.last_modified or known.last_modified)
        return FetchResult(
            ref.source, ref.sheet_id, ref.url, result.started_at, "not_modified",
            content_sha256=known.content_sha256, **details,
        )  # fmt: skip
    return FetchResult(
        ref.source, ref.sheet_id, ref.url, result.started_at, result.outcome,
        error=result.error, **details,
    )  # fmt: skip
