"""The HTTP client every fetcher (and ``museums discover``) uses: polite, retried, secret-safe.

- retries with exponential backoff and jitter on timeouts, connection errors, truncated
  bodies and 5xx answers, through :mod:`stamina` (no hand-written loop);
- HTTP 429 honoured: ``Retry-After`` (seconds or an HTTP date) X's ``x-rate-limit-reset`` or
  Bluesky's ``ratelimit-reset`` (epoch seconds); a wait longer than the time budget left gives up with a
  :class:`RateLimited` error instead of sleeping for hours;
- Graph's ``X-App-Usage`` / ``X-Business-Use-Case-Usage`` above 90 % slow the next request to
  that host down;
- at most ``per_host`` requests at a time to one host, and a global time budget;
- the secrets given (API keys, tokens) never appear in an error message, a log record or a
  saved URL: :func:`redact` and :func:`strip_secrets`.

Every wait goes through ``sleep`` (injectable: tests pass a recorder) and is listed in
:attr:`HttpClient.waits`.
"""

from __future__ import annotations

import email.utils
import json
import logging
import os
import stat
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import stamina

from engagecore.errors import EngageError, UsageError

#: query parameters that carry a secret: never saved, logged or shown
SECRET_PARAMS: frozenset[str] = frozenset(
    {"access_token", "key", "api_key", "client_secret", "appsecret_proof", "input_token"}
)

#: a Graph usage figure (percent) from which requests slow down
USAGE_SLOWDOWN_PERCENT = 90.0

USER_AGENT = "engagecore-fetch (+https://github.com/engagecore/engagecore)"
#: a key or token shorter than this is a mistake (and could not be redacted safely)
MIN_SECRET_CHARS = 8

# stamina reports each scheduled retry as a logging warning: with no logging configured,
# Python would print it to stderr, which holds only the one-line errors
logging.getLogger("stamina").addHandler(logging.NullHandler())


class FetchError(EngageError):
    """A fetch failed; the message names the network, the account and what to do."""


class NetworkError(FetchError):
    """The host could not be reached, or kept failing, after every retry."""


class RateLimited(FetchError):
    """The API asks to wait longer than the time budget allows."""


class BudgetExhausted(FetchError):
    """The run's global time budget is spent."""


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret (and its URL-encoded form) replaced by ``***``."""
    for secret in secrets:
        if not secret:
            continue
        for form in {secret, urlencode({"k": secret})[2:]}:
            text = text.replace(form, "***")
    return text


def strip_secrets(url: str) -> str:
    """``url`` without its secret query parameters (``access_token``, ``key``, …)."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    clean = [(k, v) for k, v in kept if k.lower() not in SECRET_PARAMS]
    if len(clean) == len(kept):
        return url
    return urlunsplit(parts._replace(query=urlencode(clean)))


#: each secret parameter as a URL would hold it, lower case (``key=``)
_SECRET_PARAMS_EQ = tuple(f"{name}=".encode() for name in sorted(SECRET_PARAMS))
_LONGEST_PARAM_EQ = max(len(p) for p in _SECRET_PARAMS_EQ)
#: past this many ``=`` in a body, the parameters are searched for one by one
_EQUALS_LOOKED_AT = 64


def may_hold_secret(body: bytes, secrets: Iterable[str]) -> bool:
    """Whether a response body holds one of ``secrets``, or a secret parameter of a URL
    (``key=``, ``access_token=``…, any case): such a body is not saved as sent (``engage
    fetch`` re-serializes it with its URLs stripped and the secrets redacted).

    A secret parameter is a name ending just before an ``=``: the few ``=`` of a page are
    looked at (one pass over the body) rather than the body searched once per name."""
    if any(s and s.encode() in body for s in secrets):
        return True
    if body.count(b"=") > _EQUALS_LOOKED_AT:
        low = body.lower()
        return any(p in low for p in _SECRET_PARAMS_EQ)
    i = body.find(b"=")
    while i >= 0:
        if body[max(0, i + 1 - _LONGEST_PARAM_EQ) : i + 1].lower().endswith(_SECRET_PARAMS_EQ):
            return True
        i = body.find(b"=", i + 1)
    return False


def strip_secrets_deep(doc: Any) -> Any:
    """A parsed response with every URL string stripped of secret parameters (Graph's
    ``paging.next`` carries the ``access_token``)."""
    if isinstance(doc, dict):
        return {k: strip_secrets_deep(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [strip_secrets_deep(v) for v in doc]
    if isinstance(doc, str) and doc.startswith(("http://", "https://")) and "?" in doc:
        return strip_secrets(doc)
    return doc


def with_base(official: str, api_base: str | None) -> str:
    """The official endpoint ``official`` on ``api_base``: its scheme and host (and an
    optional path prefix) replace the official ones, the documented path follows unchanged
    (``https://www.googleapis.com/youtube/v3/videos`` on ``http://127.0.0.1:8000`` is
    ``http://127.0.0.1:8000/youtube/v3/videos``)."""
    if not api_base:
        return official
    base = urlsplit(api_base)
    if base.scheme not in ("http", "https") or not base.netloc:
        raise UsageError(
            f"API base {api_base!r}: expected a URL like https://host or http://127.0.0.1:8000"
        )
    off = urlsplit(official)
    path = base.path.rstrip("/") + off.path
    return urlunsplit((base.scheme, base.netloc, path, off.query, ""))


def read_secret(env_var: str, file: Path | None = None) -> str | None:
    """A key or token: from the file the user names (refused when others may read it), else
    from the environment variable ``env_var``; None when neither gives one."""
    if file is not None:
        try:
            info = file.stat()
        except OSError as exc:
            raise UsageError(f"secret file {file}: cannot be read ({exc.strerror})") from None
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise UsageError(
                f"secret file {file}: readable by others (mode {stat.S_IMODE(info.st_mode):o}); "
                f"make it private with `chmod 600 {file}`"
            )
        value = file.read_text(encoding="utf-8").strip()
        if not value:
            raise UsageError(f"secret file {file}: empty; expected the key or token on one line")
        return _checked(value, f"secret file {file}")
    value = os.environ.get(env_var, "").strip()
    return _checked(value, env_var) if value else None


def _checked(value: str, where: str) -> str:
    if len(value) < MIN_SECRET_CHARS or any(c.isspace() for c in value):
        raise UsageError(
            f"{where}: expected a key or token (one word of {MIN_SECRET_CHARS} characters or "
            f"more), got {len(value)} character(s)"
        )
    return value


_UNSET: Any = object()


@dataclass
class Response:
    """A complete answer: status, headers and the whole body."""

    status: int
    headers: httpx.Headers
    content: bytes
    #: the URL asked (with its secrets: see :attr:`url`)
    asked: httpx.URL | str
    _doc: Any = field(default=_UNSET, repr=False)

    @property
    def url(self) -> str:
        """The URL asked, without its secret parameters (built when a message needs it:
        not once per request)."""
        return strip_secrets(str(self.asked))

    def json(self) -> Any:
        """The body parsed (once); a truncated or malformed body is a :class:`FetchError`."""
        if self._doc is not _UNSET:
            return self._doc
        try:
            self._doc = json.loads(self.content)
            return self._doc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            what = "empty" if not self.content.strip() else "truncated or malformed JSON"
            raise FetchError(
                f"{self.url}: the response is {what} ({len(self.content)} bytes; {exc})"
            ) from None


class _Transient(Exception):
    """A 429 or 5xx answer, retried; carries the response."""

    def __init__(self, response: Response) -> None:
        super().__init__(f"HTTP {response.status}")
        self.response = response


class _Redacting(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message, self.secrets)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


def _retry_after(headers: httpx.Headers, now: float) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or date), ``x-rate-limit-reset`` (X),
    ``ratelimit-reset`` (Bluesky) or ``X-RateLimit-Reset`` (Mastodon, an ISO 8601 time)."""
    raw = headers.get("retry-after")
    if raw:
        raw = raw.strip()
        if raw.isdigit():
            return float(raw)
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return max(0.0, when.timestamp() - now)
    # X's x-rate-limit-reset, Bluesky's ratelimit-reset: the window's end, epoch seconds;
    # Mastodon's X-RateLimit-Reset: the same end as an ISO 8601 time
    reset = (
        headers.get("x-rate-limit-reset")
        or headers.get("ratelimit-reset")
        or headers.get("x-ratelimit-reset")
    )
    if reset and reset.strip().isdigit():
        return max(0.0, float(reset) - now)
    if reset:
        try:
            end = datetime.fromisoformat(reset.strip())
        except ValueError:
            return None
        end = end.replace(tzinfo=UTC) if end.tzinfo is None else end
        return max(0.0, end.timestamp() - now)
    return None


def graph_usage(headers: httpx.Headers) -> tuple[float, float]:
    """The highest usage percentage in Graph's usage headers, and the seconds Meta says
    to wait before access is regained (0 when it says nothing)."""
    top, regain = 0.0, 0.0
    for name in ("x-app-usage", "x-business-use-case-usage", "x-ad-account-usage"):
        raw = headers.get(name)
        if not raw:
            continue
        try:
            doc = json.loads(raw)
        except json.JSONDecodeError:
            continue
        entries: list[Any] = []
        if isinstance(doc, dict) and any(isinstance(v, list) for v in doc.values()):
            for v in doc.values():
                if isinstance(v, list):
                    entries.extend(v)
        else:
            entries.append(doc)
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            for key, value in entry.items():
                if not isinstance(value, int | float) or isinstance(value, bool):
                    continue
                if key == "estimated_time_to_regain_access":
                    regain = max(regain, float(value) * 60)
                elif key in ("call_count", "total_cputime", "total_time", "acc_id_util_pct"):
                    top = max(top, float(value))
    return top, regain


class HttpClient:
    """GET JSON politely (see the module docstring). One client per run; thread-safe.

    :param timeout: seconds per request (connect, read).
    :param attempts: tries per request, the first included.
    :param wait_initial, wait_max, wait_jitter: the exponential backoff (seconds).
    :param per_host: requests at a time to one host.
    :param budget: seconds the whole run may take (None: no limit).
    :param slowdown: the pause before the next request to a host whose Graph usage passed
        90 % (Meta's own estimate wins when it gives one).
    :param secrets: values redacted from every message and log record.
    :param sleep, clock: injectable for tests (waits then take no time).
    :param transport: an httpx transport (tests and the benchmark).
    """

    def __init__(
        self,
        *,
        timeout: float = 30.0,
        attempts: int = 6,
        wait_initial: float = 1.0,
        wait_max: float = 60.0,
        wait_jitter: float = 1.0,
        per_host: int = 2,
        budget: float | None = None,
        slowdown: float = 30.0,
        secrets: Iterable[str] = (),
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.attempts = attempts
        self.wait_initial = wait_initial
        self.wait_max = wait_max
        self.wait_jitter = wait_jitter
        self.per_host = per_host
        self.slowdown = slowdown
        self.secrets = [s for s in secrets if s]
        self._sleep = sleep
        self._clock = clock
        self._wall = wall
        self._deadline = None if budget is None else clock() + budget
        self.budget = budget
        self._hosts: dict[str, threading.BoundedSemaphore] = {}
        self._slow_until: dict[str, float] = {}
        self._lock = threading.Lock()
        #: every wait the client made: (reason, seconds)
        self.waits: list[tuple[str, float]] = []
        #: requests sent, retries included
        self.sent = 0
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            transport=transport,
            follow_redirects=True,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        )
        self._filter = _Redacting(self.secrets)
        for name in ("httpx", "httpcore"):
            logging.getLogger(name).addFilter(self._filter)

    def add_secret(self, secret: str) -> None:
        """Redact ``secret`` too from now on."""
        if secret and secret not in self.secrets:
            self.secrets.append(secret)

    def close(self) -> None:
        self._client.close()
        for name in ("httpx", "httpcore"):
            logging.getLogger(name).removeFilter(self._filter)

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -----------------------------------------------------------------------------------------
    def remaining(self) -> float | None:
        """Seconds of the budget left (None: no budget)."""
        return None if self._deadline is None else self._deadline - self._clock()

    def _check_budget(self, url: str) -> None:
        left = self.remaining()
        if left is not None and left <= 0:
            raise BudgetExhausted(
                f"the time budget of {self.budget:g} s is spent before {self._host(url)} "
                "answered; what was fetched is kept: run again to continue"
            )

    def _wait(self, reason: str, seconds: float) -> None:
        with self._lock:
            self.waits.append((reason, seconds))
        if seconds > 0:
            self._sleep(seconds)

    @staticmethod
    def _host(url: str) -> str:
        return urlsplit(url).netloc

    def _semaphore(self, host: str) -> threading.BoundedSemaphore:
        with self._lock:
            sem = self._hosts.get(host)
            if sem is None:
                sem = self._hosts[host] = threading.BoundedSemaphore(self.per_host)
            return sem

    def _backoff(self, exc: Exception) -> bool | float:
        """stamina's hook: retry transport errors and 5xx with its backoff; a 429 after
        the wait the server asks for (slept here, so that tests can inject the sleep)."""
        if isinstance(exc, _Transient):
            resp = exc.response
            if resp.status != 429:
                return True
            wait = _retry_after(resp.headers, self._wall())
            if wait is None:
                return True  # no hint: the exponential backoff
            left = self.remaining()
            if left is not None and wait > left:
                return False
            self._wait("429", wait)
            return 0.0
        return isinstance(exc, httpx.TransportError)

    def get(
        self,
        url: str,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """GET ``url``: the complete response of the last attempt (a 4xx, a 5xx after every
        retry, a 429 whose wait exceeds the budget are returned for the caller to explain).

        Transport failures after every retry raise :class:`NetworkError`, with the secrets
        redacted from its message."""
        return self._request("GET", url, params, headers, None)

    def post(
        self,
        url: str,
        form: Mapping[str, str],
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """POST a form (``application/x-www-form-urlencoded``) to ``url``, retried and
        answered as :meth:`get` (a SPARQL query too long for a URL)."""
        return self._request("POST", url, None, headers, form)

    def _request(
        self,
        method: str,
        url: str,
        params: Mapping[str, str | int] | None,
        headers: Mapping[str, str] | None,
        form: Mapping[str, str] | None,
    ) -> Response:
        host = self._host(url)
        with self._semaphore(host):
            self._pause_if_slowed(host)
            try:
                for attempt in stamina.retry_context(
                    on=self._backoff,
                    attempts=self.attempts,
                    timeout=_positive(self.remaining()),
                    wait_initial=self.wait_initial,
                    wait_max=self.wait_max,
                    wait_jitter=self.wait_jitter,
                ):
                    with attempt:
                        resp = self._once(url, params, headers, method, form)
            except _Transient as exc:
                resp = exc.response
            except httpx.TransportError as exc:
                kind = type(exc).__name__
                detail = redact(str(exc), self.secrets) or kind
                raise NetworkError(
                    f"{host}: no complete answer after {self.attempts} attempts ({kind}: "
                    f"{detail}); check the connection, or run again later"
                ) from None
            self._note_usage(host, resp.headers)
            return resp

    def _once(
        self,
        url: str,
        params: Mapping[str, str | int] | None,
        headers: Mapping[str, str] | None,
        method: str = "GET",
        form: Mapping[str, str] | None = None,
    ) -> Response:
        self._check_budget(url)
        with self._lock:
            self.sent += 1
        if form is not None:
            r = self._client.request(method, url, data=dict(form), headers=dict(headers or {}))
        else:
            r = self._client.get(url, params=dict(params or {}), headers=dict(headers or {}))
        # the whole body: a connection cut mid-body raises a (retried) transport error
        resp = Response(r.status_code, r.headers, r.content, r.request.url)
        if r.status_code == 429 or r.status_code >= 500:
            raise _Transient(resp)
        if r.status_code == 200 and not _complete(resp):
            raise httpx.RemoteProtocolError(f"truncated body ({len(resp.content)} bytes)")
        return resp

    def _pause_if_slowed(self, host: str) -> None:
        until = self._slow_until.get(host)
        if until is None:
            return
        left = until - self._clock()
        if left > 0:
            self._wait("usage", left)
        self._slow_until.pop(host, None)

    def _note_usage(self, host: str, headers: httpx.Headers) -> None:
        top, regain = graph_usage(headers)
        if top >= USAGE_SLOWDOWN_PERCENT or regain > 0:
            self._slow_until[host] = self._clock() + max(self.slowdown, regain)


def _complete(resp: Response) -> bool:
    """A JSON body that parses (a body cut short without the server saying so, e.g. a
    proxy closing the connection after the headers, is retried like a dropped connection)."""
    ctype = resp.headers.get("content-type", "")
    if "json" not in ctype:
        return True
    try:
        resp.json()
    except FetchError:
        return False
    return True


def _positive(seconds: float | None) -> float | None:
    return None if seconds is None else max(seconds, 0.001)


def utc_now() -> datetime:
    return datetime.now(UTC)
