"""A small threaded HTTP server for tests: serves pages, logs requests, injects faults on cue."""

# Faults are decided per (path, attempt number), the attempt being how many times that path has
# been asked for, so a test knows exactly what each try of each sheet will meet.

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Fault:
    """What to do instead of (or before) serving a page. Build one with the class methods."""

    kind: str  # "status" | "delay" | "cut" | "redirect" | "unsized" | "unsized_cut"
    status: int = 200
    retry_after: str | None = None
    seconds: float = 0.0
    location: str | None = None
    fraction: float = 1.0  # of the body an "unsized_cut" sends
    chunked: bool = False  # an "unsized_cut" as a chunked stream ended cleanly

    @classmethod
    def status_code(cls, status: int, *, retry_after: str | None = None) -> Fault:
        """Answer `status` (with an optional Retry-After) and no page."""
        return cls("status", status=status, retry_after=retry_after)

    @classmethod
    def delay(cls, seconds: float) -> Fault:
        """Wait `seconds` before answering normally (longer than the client's read timeout)."""
        return cls("delay", seconds=seconds)

    @classmethod
    def cut(cls) -> Fault:
        """Send the headers with the full Content-Length, half the body, then close."""
        return cls("cut")

    @classmethod
    def redirect(cls, location: str, status: int = 301) -> Fault:
        return cls("redirect", status=status, location=location)

    @classmethod
    def unsized(cls) -> Fault:
        """Send the page without Content-Length, ending it by closing the connection."""
        return cls("unsized")

    @classmethod
    def unsized_cut(cls, fraction: float, *, chunked: bool = False) -> Fault:
        """Send `fraction` of the page without Content-Length, then end it as if whole: by
        closing the connection, or (`chunked`) with the last chunk of a chunked stream."""
        return cls("unsized_cut", fraction=fraction, chunked=chunked)


@dataclass(frozen=True)
class LoggedRequest:
    at: float  # time.monotonic() when the request had been read
    host: str | None
    path: str
    method: str
    status: int
    user_agent: str | None


class SheetServer(ThreadingHTTPServer):
    """Serves `pages` (path → body) with ETag and Last-Modified; faults are added per path."""

    daemon_threads = True

    def __init__(self, pages: Mapping[str, bytes], host: str = "127.0.0.1") -> None:
        super().__init__((host, 0), _Handler)
        self.pages = dict(pages)
        self.last_modified = formatdate(time.time() - 3600, usegmt=True)
        self.log: list[LoggedRequest] = []
        self.max_in_flight = 0
        self._faults: dict[str, list[tuple[Collection[int] | None, Fault]]] = {}
        self._attempts: dict[str, int] = {}
        self._in_flight = 0
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def add_fault(self, path: str, fault: Fault, attempts: Collection[int] | None = None) -> None:
        """Meet the given attempts (1 = the first request for `path`; None = all) with `fault`."""
        self._faults.setdefault(path, []).append((attempts, fault))

    def requests_for(self, path: str) -> list[LoggedRequest]:
        with self._lock:
            return [request for request in self.log if request.path == path]

    def _begin(self, path: str) -> Fault | None:
        with self._lock:
            attempt = self._attempts[path] = self._attempts.get(path, 0) + 1
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        for attempts, fault in self._faults.get(path, []):
            if attempts is None or attempt in attempts:
                return fault
        return None

    def _record(self, request: LoggedRequest) -> None:
        with self._lock:
            self.log.append(request)

    def _end(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that time out and hang up are part of the tests, not news


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers do
    server: SheetServer

    def do_GET(self) -> None:
        self.arrived = time.monotonic()
        fault = self.server._begin(self.path)
        try:
            self._answer(self.path, fault)
        finally:
            self.server._end()

    def _answer(self, path: str, fault: Fault | None) -> None:
        kind = fault.kind if fault is not None else None
        if fault is not None and kind == "delay":
            time.sleep(fault.seconds)
        body = self.server.pages.get(path)
        etag = etag_of(body) if body is not None else ""
        headers = {"ETag": etag, "Last-Modified": self.server.last_modified}
        if fault is not None and kind == "status":
            retry_after = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            self._send(fault.status, b"fault\n", retry_after)
        elif fault is not None and kind == "redirect":
            self._send(fault.status, b"", {"Location": fault.location or "/"})
        elif body is None:
            self._send(404, b"not found\n")
        elif self._not_modified(etag):
            self._send(304, b"", headers)
        elif kind == "cut":
            self.close_connection = True
            self._send(200, body, headers, send=len(body) // 2)
        elif kind == "unsized":
            self.close_connection = True
            self._send(200, body, {**headers, "Connection": "close"}, sized=False)
        elif fault is not None and kind == "unsized_cut":
            self._send_cut_unsized(body, headers, fault)
        else:
            self._send(200, body, headers)

    def _not_modified(self, etag: str) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:  # it wins over If-Modified-Since (RFC 9110 13.2.2)
            return if_none_match.strip() in (etag, "*")
        return self.headers.get("If-Modified-Since") == self.server.last_modified

    def _send(
        self,
        status: int,
        body: bytes,
        headers: Mapping[str, str] | None = None,
        *,
        send: int | None = None,
        sized: bool = True,
    ) -> None:
        # Logged before answering, so a client that has its answer finds it in the log.
        self.server._record(
            LoggedRequest(
                self.arrived,
                self.headers.get("Host"),
                self.path,
                self.command,
                status,
                self.headers.get("User-Agent"),
            )
        )
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if sized and status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            self.wfile.write(body[:send])
        self.wfile.flush()

    def _send_cut_unsized(self, body: bytes, headers: Mapping[str, str], fault: Fault) -> None:
        part = body[: int(len(body) * fault.fraction)]
        if not fault.chunked:
            self.close_connection = True
            self._send(200, part, {**headers, "Connection": "close"}, sized=False)
            return
        # A well-formed chunked stream (its zero-length last chunk sent) of part of the page.
        self._send(200, b"", {**headers, "Transfer-Encoding": "chunked"}, sized=False)
        self.wfile.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(part), part))
        self.wfile.flush()

    def log_message(self, format: str, *args: object) -> None:
        pass  # the request log is `server.log`


@contextlib.contextmanager
def serve(pages: Mapping[str, bytes], host: str = "127.0.0.1") -> Iterator[SheetServer]:
    """Run a SheetServer on `host` (any 127.x.y.z) and a free port, in a daemon thread."""
    server = SheetServer(pages, host)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
