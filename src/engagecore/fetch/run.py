"""``engage fetch``: drive every network's fetcher the same way, then import what it saved.

For each account: the core reads the key or token, plans the fetch from the store (the
newest stored post, the posts younger than ``refresh_days`` to refresh), gives the fetcher
a :class:`Session` whose every complete response is saved, gzip, under
``responses/<network>/<account>/<UTC time>-<n>.json.gz`` beside the store, and imports the
saved files through :func:`engagecore.ingest.run`, the path a user's saved responses take,
with the same provenance (``imports.path`` = ``responses/…``). Fetching never writes the
store itself.

Resumable: a file appears whole or not at all (written aside, then renamed); an account's
files are imported only after its fetch completed, together with the files an interrupted
run left (a killed run's responses are picked up by the next run, and nothing counts twice:
a post is keyed by its id, an import by its digest). The files are imported in batches of
whole files, each read, validated and written in its own transaction (nothing of a batch is
held once it is written: the import's memory does not grow with the pages): a file that
cannot be read leaves the store as it was before its batch, the batches before it stored
whole, and the error says so; killed between two batches, the next run imports the files
not yet recorded, the fetch they came from having completed.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import threading
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, overload
from urllib.parse import urlsplit

import polars as pl

from engagecore import ingest, plugins
from engagecore.errors import EngageError, PluginError, UsageError, one_line
from engagecore.fetch.allocator import pages_back_at_once
from engagecore.fetch.http import (
    BudgetExhausted,
    FetchError,
    HttpClient,
    may_hold_secret,
    read_secret,
    redact,
    strip_secrets_deep,
    with_base,
)
from engagecore.museums import Museums
from engagecore.pluginapi import FetchAccount, Fetcher, FetchPlan, FetchResult, FetchSession
from engagecore.store import Store

#: the folder beside the store holding the saved responses
RESPONSES = "responses"
#: the top-level field saying when a response was fetched (read by the importers)
OBSERVED_AT_FIELD = "engagecore_observed_at"

#: ``progress(event, account, done, total, posts, quota)``; event: start | posts | done
Progress = Callable[[str, str, int, int, int, int], None]


class AccountError(FetchError):
    """A fetch of one account failed; ``network_wide``: the others of its network would
    fail alike (an invalid key, an exhausted quota) and are not tried; ``host``: the others
    whose requests go to that host would (it refused this token, rate-limited it beyond
    the budget or could not be reached), and are not tried — a network of many hosts, such
    as Mastodon's instances, goes on with the others."""

    def __init__(
        self, message: str, *, network_wide: bool = False, host: str | None = None
    ) -> None:
        super().__init__(message)
        self.network_wide = network_wide
        self.host = host


class NotTried(AccountError):
    """The account's requests go to a host that stopped an earlier account of the run."""


class MissingSecret(UsageError):
    """No key or token for a network: neither its environment variable nor a file."""


@dataclass
class AccountReport:
    network: str
    account: str
    museum: str | None
    new_posts: int = 0
    refreshed_posts: int = 0
    requests: int = 0
    quota: int = 0
    status: str = "ok"
    error: str | None = None
    #: what the importers said about the responses imported (``Batch.notes``): each note,
    #: with the number of files that gave it
    notes: dict[str, int] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """The status without its detail: ok, failed, not tried, skipped, no fetcher, dry run
        ("skipped" of "skipped: no API key")."""
        return self.status.split(":", 1)[0]


@dataclass
class FetchReport:
    accounts: list[AccountReport] = field(default_factory=list)
    dry_run: bool = False
    #: network -> one line: its accounts were skipped for want of its key or token (a
    #: network the run did not name: ``fetch --all`` from cron goes on with the others)
    skipped: dict[str, str] = field(default_factory=dict)
    #: a dry run: network -> one line saying whether its key or token is there (the
    #: variable's name or the secret file, never the value)
    keys: dict[str, str] = field(default_factory=dict)
    #: a dry run: network -> one line naming the variable a needed key is missing from
    missing_keys: dict[str, str] = field(default_factory=dict)

    @property
    def fetched_any(self) -> bool:
        """Some account was fetched, or tried and failed."""
        return any(a.status.startswith("ok") or a.status == "failed" for a in self.accounts)

    @property
    def errors(self) -> list[str]:
        """One line per failed account; the skipped networks' lines too when nothing else
        was fetched (a run that fetched nothing has failed)."""
        out = [a.error for a in self.accounts if a.error]
        out += list(self.missing_keys.values())
        if self.skipped and not self.fetched_any:
            out += list(self.skipped.values())
        return out

    @property
    def notes(self) -> list[str]:
        """The skipped networks' lines when they are no errors."""
        return list(self.skipped.values()) if self.fetched_any else []

    @property
    def import_notes(self) -> list[str]:
        """One line per account and note of its imported responses (``Batch.notes``), with
        how many files gave it when more than one: "youtube @x: NOTE (4,000 files)"."""
        return [
            f"{a.network} {a.account}: {note}" + (f" ({n:,} files)" if n > 1 else "")
            for a in self.accounts
            for note, n in a.notes.items()
        ]

    def totals(self) -> str:
        """One line for a log: the accounts by status, then the posts, refreshes, requests
        and quota of the run ("3 accounts, 2 ok, 1 failed; 6 new posts, 0 refreshed, …")."""
        kinds = ("ok", "failed", "not tried", "skipped", "no fetcher", "dry run")
        counts = dict.fromkeys(kinds, 0)
        for a in self.accounts:
            counts[a.kind] = counts.get(a.kind, 0) + 1
        n = len(self.accounts)
        statuses = "".join(f", {c} {k}" for k, c in counts.items() if c)
        new = sum(a.new_posts for a in self.accounts)
        requests = sum(a.requests for a in self.accounts)
        return (
            f"{n} account{'s' if n != 1 else ''}{statuses}; {new} new post{'s' if new != 1 else ''}, "
            f"{sum(a.refreshed_posts for a in self.accounts)} refreshed, "
            f"{requests} request{'s' if requests != 1 else ''}, quota {client_quota(self)}"
        )

    def table(self) -> pl.DataFrame:
        return pl.DataFrame(
            [
                {
                    "museum": a.museum,
                    "network": a.network,
                    "account": a.account,
                    "new posts": a.new_posts,
                    "refreshed": a.refreshed_posts,
                    "requests": a.requests,
                    "quota": a.quota,
                    "status": a.status,
                }
                for a in self.accounts
            ],
            schema={
                "museum": pl.Utf8,
                "network": pl.Utf8,
                "account": pl.Utf8,
                "new posts": pl.Int64,
                "refreshed": pl.Int64,
                "requests": pl.Int64,
                "quota": pl.Int64,
                "status": pl.Utf8,
            },
        )


def _safe(name: str) -> str:
    """A folder name for an account id or handle."""
    return re.sub(r"[^A-Za-z0-9._@-]", "_", name).lstrip(".") or "_"


def _stamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


class Session(FetchSession):
    """One account's requests (see :class:`engagecore.pluginapi.FetchSession`)."""

    def __init__(
        self,
        fetcher: Fetcher,
        account: FetchAccount,
        client: HttpClient,
        folder: Path,
        now: datetime,
        secret: str | None,
        api_base: str | None,
        on_posts: Callable[[int], None] | None = None,
        shared: dict[str, Any] | None = None,
        stopped_hosts: Mapping[str, str] | None = None,
    ) -> None:
        self.fetcher = fetcher
        #: hosts (of the official endpoints) an earlier account's error stopped -> why
        self.stopped_hosts = stopped_hosts or {}
        self.shared = {} if shared is None else shared
        self.account = account
        self.client = client
        self.folder = folder
        self.now = now
        self.api_base = api_base
        self.requests = 0
        self.quota = 0
        #: the names of the files saved, in order (in :attr:`folder`): a name, not a
        #: ``Path`` (~480 bytes each: 7.6 MB for a 16,000-page fetch), packed (0.6 MB)
        self.saved = Names()
        self._secret = secret
        self._params, self._headers = fetcher.authorize(secret) if secret else ({}, {})
        self._n = 0
        self._stamp = _stamp(now)
        #: what ends every response saved as sent: the observed time, then the closing brace
        self._observed_end = f',"{OBSERVED_AT_FIELD}":{json.dumps(now.isoformat())}}}'.encode()
        self._folder_made = False
        self._on_posts = on_posts
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        #: requests submit() sent that have not answered yet (an answered one is let go:
        #: its parsed answer is the fetcher's to keep or drop)
        self._sent: set[Future[Any]] = set()
        #: the first of them that failed
        self._failed: BaseException | None = None

    def url(self, official: str) -> str:
        return with_base(official, self.api_base)

    def error(
        self, message: str, *, network_wide: bool = False, host: str | None = None
    ) -> AccountError:
        text = redact(message, self.client.secrets)
        return AccountError(
            f"{self.account.network} account {self.account.label}: {text}",
            network_wide=network_wide,
            host=host,
        )

    def posts(self, n: int) -> None:
        if self._on_posts is not None and n:
            self._on_posts(n)

    def use_secret(self, secret: str) -> None:
        self.client.add_secret(secret)
        self._params, self._headers = self.fetcher.authorize(secret)

    def get(
        self,
        official: str,
        params: Mapping[str, str | int] | None = None,
        *,
        quota: int = 1,
        save: bool = True,
    ) -> Any:
        url = self.url(official)
        # the official host (an --api-base replaces every one: the stops stay apart)
        host = urlsplit(official).netloc.lower()
        if host in self.stopped_hosts:
            raise NotTried(f"not tried: {self.stopped_hosts[host]}")
        query = {**dict(params or {}), **self._params}
        try:
            resp = self.client.get(url, params=query, headers=self._headers)
        except BudgetExhausted as exc:
            raise self.error(str(exc), network_wide=True) from None
        except EngageError as exc:  # the host could not be reached after every retry
            raise self.error(str(exc), host=host) from None
        finally:
            with self._lock:
                self.requests += 1
                self.quota += quota
        if resp.status != 200:
            try:
                body: Any = resp.json()
            except FetchError:
                body = None
            why = self.fetcher.explain(resp.status, body)
            if why is None:
                why = _generic(resp.status)
            wide = self.fetcher.network_wide(resp.status, body)
            # a refused token, a rate limit beyond the budget: that host's
            raise self.error(
                why, network_wide=wide, host=host if resp.status in (401, 429) else None
            )
        try:
            doc = resp.json()
        except FetchError as exc:
            raise self.error(
                f"{exc}; run again later (nothing of this account was stored)"
            ) from None
        if save:
            self._save_raw(resp.content, doc)
        return doc

    def submit(
        self,
        official: str,
        params: Mapping[str, str | int] | None = None,
        *,
        quota: int = 1,
        save: bool = True,
    ) -> Future[Any]:
        if self._pool is None:
            # the client lets per_host requests go to one host at a time: more threads
            # would only wait
            self._pool = ThreadPoolExecutor(
                max_workers=max(1, self.client.per_host), thread_name_prefix="engage-fetch"
            )
        future = self._pool.submit(self.get, official, params, quota=quota, save=save)
        with self._lock:
            self._sent.add(future)
        future.add_done_callback(self._answered)
        return future

    def _answered(self, future: Future[Any]) -> None:
        error = None if future.cancelled() else future.exception()
        with self._lock:
            self._sent.discard(future)
            if error is not None and self._failed is None:
                self._failed = error

    def drain(self) -> None:
        """Wait for every request :meth:`submit` sent; the first error one of them met is
        raised (the account failed), whether the fetcher looked at it or not."""
        with self._lock:
            sent = list(self._sent)
        for future in sent:
            future.exception()  # waits
        with self._lock:
            error, self._failed = self._failed, None
        if error is not None:
            raise error

    def close(self, wait: bool = True) -> None:
        """Cancel what :meth:`submit` sent that has not started; wait for what has (no
        thread still writes this account's files when the next account begins), unless
        ``wait`` is False (an interrupt: a file is still written whole or not at all)."""
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=True)
            self._pool = None
        with self._lock:
            self._sent.clear()

    def _save_raw(self, content: bytes, doc: Any) -> Path:
        """The response's own bytes with ``engagecore_observed_at`` added before the closing
        brace (no re-serialization: the saved file is what the API sent); a body holding a
        secret, or a secret's parameter name in a URL, goes through :meth:`save` instead."""
        body = content.rstrip()
        risky = may_hold_secret(body, self.client.secrets)
        if risky or not isinstance(doc, dict) or not doc or not body.endswith(b"}"):
            return self.save(doc)
        return self._write(body[:-1] + self._observed_end)

    def save(self, doc: Any) -> Path:
        """Save a response for import: gzip, without secrets, with ``engagecore_observed_at``
        at its top level; written aside and renamed, so a file is whole or absent."""
        clean = strip_secrets_deep(doc)
        if isinstance(clean, dict):
            clean = {**clean, OBSERVED_AT_FIELD: self.now.isoformat()}
        data = json.dumps(clean, ensure_ascii=False, separators=(",", ":")).encode()
        data = redact(data.decode(), self.client.secrets).encode() if self.client.secrets else data
        return self._write(data)

    def _write(self, data: bytes) -> Path:
        if not self._folder_made:  # once per account, not once per response
            self.folder.mkdir(parents=True, exist_ok=True)
            self._folder_made = True
        with self._lock:  # requests sent by submit() save from their threads
            while True:
                self._n += 1
                target = self.folder / f"{self._stamp}-{self._n:04d}.json.gz"
                if not target.exists():
                    break
        part = self.folder / f".{target.name}.part"
        with (
            part.open("wb") as raw,
            gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1, mtime=0) as gz,
        ):
            gz.write(data)
        os.replace(part, target)
        with self._lock:
            self.saved.append(target.name)
        return target


def _generic(status: int) -> str:
    if status in (401, 403):
        return f"HTTP {status}: the key or token was refused (expired, revoked or lacking a permission); renew it"
    if status == 404:
        return "HTTP 404: not found (unknown account, or deleted); check the handle"
    if status == 429:
        return "HTTP 429: rate limited longer than the time budget allows; run again later"
    return f"HTTP {status}: the API failed; run again later"


@dataclass
class _Target:
    account: FetchAccount
    #: None: no plugin fetches this network (listed, not fetched)
    fetcher: Fetcher | None


def _targets(
    store: Store,
    museums: Sequence[str],
    all_museums: bool,
    networks: Sequence[str],
    fetchers: Mapping[str, Fetcher],
) -> list[_Target]:
    reg = plugins.registry()
    for n in networks:
        if n not in reg.networks:
            raise UsageError(plugins.unregistered(n))
        if n not in fetchers:
            have = ", ".join(sorted(fetchers)) or "none"
            raise UsageError(f"network {n!r} has no fetcher (networks with one: {have})")
    where, params = ["museum IS NOT NULL"], []
    if not all_museums:
        m = Museums(store)
        slugs = [m.resolve(name) for name in museums]
        where.append(f"museum IN ({', '.join('?' for _ in slugs)})")
        params.extend(slugs)
    rows = store.fetchall(
        f"SELECT network, account_id, handle, museum FROM accounts WHERE {' AND '.join(where)} "
        "ORDER BY museum, network, coalesce(handle, account_id)",
        params,
    )
    out = []
    for net, acc, handle, museum in rows:
        if networks and net not in networks:
            continue
        out.append(_Target(FetchAccount(net, acc, handle, museum), fetchers.get(net)))
    return out


def _plan(
    store: Store,
    account: FetchAccount,
    now: datetime,
    since: datetime | None,
    max_posts: int | None,
    refresh_days: int,
) -> FetchPlan:
    key = [account.network, account.account_id]
    newest = store.fetchall(
        "SELECT max(posted_at) FROM posts WHERE network = ? AND account_id = ?", key
    )[0][0]
    refresh: tuple[str, ...] = ()
    if refresh_days > 0:
        cutoff = now - timedelta(days=refresh_days)
        refresh = tuple(
            r[0]
            for r in store.fetchall(
                "SELECT post_id FROM posts WHERE network = ? AND account_id = ? AND is_own "
                "AND posted_at >= ? ORDER BY posted_at DESC, post_id",
                [*key, cutoff],
            )
        )
    if isinstance(newest, datetime) and newest.tzinfo is None:
        newest = newest.replace(tzinfo=UTC)
    return FetchPlan(
        account=account,
        newest_post=newest.astimezone(UTC) if isinstance(newest, datetime) else None,
        refresh_ids=refresh,
        refresh_since=now - timedelta(days=refresh_days) if refresh else None,
        since=since,
        max_posts=max_posts,
        now=now,
    )


class Names(Sequence[str]):
    """File names in order, packed: their UTF-8 bytes end to end and where each ends (~37
    bytes a name; a list of ``str`` holds ~85: 16,000 saved pages' names took 1.4 MB, held
    through the account's import, and 0.6 MB so)."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._bytes = bytearray()
        self._ends = array("Q")
        self.extend(names)

    def append(self, name: str) -> None:
        self._bytes += name.encode()
        self._ends.append(len(self._bytes))

    def extend(self, names: Iterable[str]) -> None:
        for name in names:
            self.append(name)

    def __len__(self) -> int:
        return len(self._ends)

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> Names: ...

    def __getitem__(self, i: int | slice) -> str | Names:
        if isinstance(i, slice):
            return Names(self[j] for j in range(*i.indices(len(self))))
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        start = self._ends[i - 1] if i else 0
        return self._bytes[start : self._ends[i]].decode()


class SavedFiles(Sequence[Path]):
    """Files of one folder, in order, as paths: the folder held once and each file's name
    (packed, :class:`Names`), a path made only when it is reached (an account's 16,000 saved
    pages as ``Path`` objects held ~7.6 MB through its import; as a list of names ~1.4 MB,
    packed 0.6 MB)."""

    def __init__(self, folder: Path, names: Iterable[str]) -> None:
        self.folder = folder
        self.names = names if isinstance(names, Names) else Names(names)

    def __len__(self) -> int:
        return len(self.names)

    @overload
    def __getitem__(self, i: int) -> Path: ...

    @overload
    def __getitem__(self, i: slice) -> SavedFiles: ...

    def __getitem__(self, i: int | slice) -> Path | SavedFiles:
        if isinstance(i, slice):
            return type(self)(self.folder, self.names[i])
        return self.folder / self.names[i]


def _pending(store: Store, folder: Path, root: Path) -> list[str]:
    """The names of an account's saved responses that no import recorded yet (oldest
    first)."""
    if not folder.is_dir():
        return []
    prefix = folder.relative_to(root).as_posix() + "/"
    done = {
        r[0]
        for r in store.fetchall("SELECT path FROM imports WHERE starts_with(path, ?)", [prefix])
    }
    out = []
    for p in sorted(folder.iterdir()):
        if p.name.startswith("."):
            if p.name.endswith(".part"):
                p.unlink(missing_ok=True)  # a write a killed run left
            continue
        if p.is_file() and p.name.endswith(".json.gz") and prefix + p.name not in done:
            out.append(p.name)
    return out


def run(
    store: Store,
    *,
    museums: Sequence[str] = (),
    all_museums: bool = False,
    networks: Sequence[str] = (),
    since: datetime | None = None,
    max_posts: int | None = None,
    refresh_days: int = 30,
    dry_run: bool = False,
    api_base: str | None = None,
    secret_files: Mapping[str, Path] | None = None,
    client: HttpClient | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
    link: tuple[str, str, str] | None = None,
) -> FetchReport:
    """Fetch the linked accounts of ``museums`` (every museum with ``all_museums``), or,
    with ``link=(network, handle, museum)``, link that account to the museum and fetch it.

    ``api_base`` replaces the API host of every network fetched (one network at a time,
    then); otherwise each network's ``ENGAGE_<NETWORK>_API_BASE``. Failed accounts are in the
    report (status and a one-line ``error``); the others are fetched and imported.
    """
    if refresh_days < 0:
        raise UsageError(f"refresh days {refresh_days}: expected 0 or more")
    if max_posts is not None and max_posts < 1:
        raise UsageError(f"max posts {max_posts}: expected 1 or more")
    fetchers: dict[str, Fetcher] = dict(plugins.registry().fetchers)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    if link is not None:
        network, handle, museum = link
        if network not in plugins.registry().networks:
            raise UsageError(plugins.unregistered(network))
        if network not in fetchers:
            raise UsageError(f"network {network!r} has no fetcher")
        slug = Museums(store).resolve(museum)
        if dry_run:
            acc = FetchAccount(network, handle.lstrip("@"), handle.lstrip("@"), slug)
            targets = [_Target(acc, fetchers[network])]
        else:
            slug, account_id = Museums(store).link(slug, network, handle)
            found = store.fetchall(
                "SELECT handle FROM accounts WHERE network = ? AND account_id = ?",
                [network, account_id],
            )
            targets = [
                _Target(
                    FetchAccount(network, account_id, found[0][0] if found else None, slug),
                    fetchers[network],
                )
            ]
        networks = [network]
    else:
        if not museums and not all_museums:
            raise UsageError("name the museums to fetch, or --all")
        targets = _targets(store, museums, all_museums, networks, fetchers)
    if api_base and len({t.account.network for t in targets if t.fetcher}) > 1:
        raise UsageError("--api-base replaces one network's API host: add --network NAME")
    root = store.path.parent
    report = FetchReport(dry_run=dry_run)
    own_client = client is None
    client = client or HttpClient()
    stopped: dict[str, str] = {}
    #: networks without a key, the run not naming them: (status, accounts, why)
    missing: dict[str, tuple[str, list[str], str]] = {}
    named = set(networks)  # --network, or the network of an account being linked
    #: network -> official host -> why it stopped (see AccountError.host)
    stopped_hosts: dict[str, dict[str, str]] = {}
    secrets: dict[str, str | None] = {}
    shared: dict[str, dict[str, Any]] = {}
    posts_total = 0
    try:
        for net, path in (secret_files or {}).items():
            if net in fetchers:  # a file the user names is checked at once (a dry run too)
                secrets[net] = read_secret(fetchers[net].secret_env, path)
                client.add_secret(secrets[net] or "")
        if dry_run:
            _check_keys(report, targets, secret_files or {})
        for i, target in enumerate(targets):
            acc, fetcher = target.account, target.fetcher
            row = AccountReport(acc.network, acc.label, acc.museum)
            report.accounts.append(row)
            if progress:
                progress(
                    "start",
                    f"{acc.network} {acc.label}",
                    i,
                    len(targets),
                    posts_total,
                    client_quota(report),
                )
            if acc.network in missing:
                row.status = missing[acc.network][0]
                missing[acc.network][1].append(acc.label)
                continue
            if acc.network in stopped:
                row.status = "not tried"
                row.error = None
                continue
            if fetcher is None:
                row.status = "no fetcher"  # the network's plugin has none (yet): no error
                continue
            plan = _plan(store, acc, now, since, max_posts, refresh_days)
            if dry_run:
                newest = plan.newest_post.date().isoformat() if plan.newest_post else "none"
                row.status = f"dry run: newest {newest}, {len(plan.refresh_ids)} to refresh"
                if acc.network in report.missing_keys:
                    row.status += f"; no {fetcher.secret_name}"
                continue
            try:
                secret = _secret(fetcher, secrets, secret_files or {}, client)
            except MissingSecret as exc:
                if acc.network in named:  # asked for by name: its key is wanted
                    _fail(row, str(exc), stopped, acc.network, wide=True)
                else:
                    row.status = f"skipped: no {fetcher.secret_name}"
                    missing[acc.network] = (row.status, [acc.label], str(exc))
                continue
            except EngageError as exc:
                _fail(row, str(exc), stopped, acc.network, wide=True)
                continue
            base = api_base or os.environ.get(fetcher.api_base_env) or None
            folder = root / RESPONSES / acc.network / _safe(acc.account_id)

            def on_posts(n: int, _label: str = f"{acc.network} {acc.label}", _i: int = i) -> None:
                nonlocal posts_total
                posts_total += n
                if progress:
                    progress("posts", _label, _i, len(targets), posts_total, client_quota(report))

            pending = _pending(store, folder, root)
            session = Session(
                fetcher,
                acc,
                client,
                folder,
                now,
                secret,
                base,
                on_posts,
                shared.setdefault(acc.network, {}),
                stopped_hosts.setdefault(acc.network, {}),
            )
            try:
                try:
                    result = _call(fetcher, plan, session)
                except Exception:
                    session.close()
                    raise
                except BaseException:  # Ctrl-C: the requests still running are not waited for
                    session.close(wait=False)
                    raise
                session.close()
            except NotTried:
                _count(row, session)
                row.status = "not tried"  # the first account its host stopped says why
                continue
            except AccountError as exc:
                _count(row, session)
                _fail(row, str(exc), stopped, acc.network, wide=exc.network_wide)
                if exc.host:
                    stopped_hosts[acc.network][exc.host] = (
                        f"{exc.host} stopped an earlier account of the run ({row.account})"
                    )
                continue
            except EngageError as exc:
                _count(row, session)
                _fail(row, redact(str(exc), client.secrets), stopped, acc.network, wide=False)
                continue
            _count(row, session)
            row.new_posts, row.refreshed_posts = result.new_posts, result.refreshed_posts
            if result.note:
                row.status = f"ok: {result.note}"
            if result.handle:
                row.account = f"@{result.handle}"
            waiting = set(pending)
            names = Names(pending)
            names.extend(n for n in session.saved if n not in waiting)
            files = SavedFiles(folder, names)
            # an account linked by handle gets its id now: the real account takes the link
            found_id = result.account_id not in (None, acc.account_id)
            if files:
                imports_before = _imports_count(store)
                try:
                    # in batches of files, each read, validated and written in its own
                    # transaction (see ingest._run_together); the pages DuckDB frees while
                    # writing them given back at once (see engagecore.fetch.allocator)
                    with pages_back_at_once():
                        imported = ingest.run(
                            store,
                            files,
                            network=acc.network,
                            museum=acc.museum if found_id else None,
                            allow_empty=True,
                            account=result.import_account,
                            relative_to=root,
                            together=True,
                            keep_units=False,  # a result per page is never read here
                        )
                    for note, files_with_it in imported.notes.items():
                        row.notes[note] = row.notes.get(note, 0) + files_with_it
                    if found_id:
                        with store.transaction():
                            store.drop_placeholder_account(acc.network, acc.account_id)
                except EngageError as exc:
                    # a refused file leaves the batches before its own stored (whole files),
                    # nothing of its batch or after it
                    done = _imports_count(store) - imports_before
                    kept = (
                        "nothing of this account was stored"
                        if done == 0
                        else f"the {done} response{'s' if done > 1 else ''} imported before "
                        "its batch are kept"
                    )
                    _fail(
                        row,
                        f"{acc.network} account {acc.label}: the saved responses could not be "
                        f"imported ({redact(str(exc), client.secrets)}); {kept}: move the file "
                        "named aside (and report it), then run again",
                        stopped,
                        acc.network,
                        wide=False,
                    )
                    continue
            if progress:
                progress(
                    "done",
                    f"{acc.network} {acc.label}",
                    i + 1,
                    len(targets),
                    posts_total,
                    client_quota(report),
                )
    finally:
        if own_client:
            client.close()
    for net, (_, labels, why) in missing.items():
        n = len(labels)
        why = why.removeprefix(f"{net}: ")
        report.skipped[net] = f"{net}: {n} account{'s' if n > 1 else ''} skipped, {why}"
    return report


def _check_keys(report: FetchReport, targets: Sequence[_Target], files: Mapping[str, Path]) -> None:
    """A dry run's check of a cron job's setup: per network it would fetch, whether the key
    or token its fetcher asks for (``Fetcher.secret_env``) is there; never its value."""
    counts: dict[str, int] = {}
    fetchers: dict[str, Fetcher] = {}
    for t in targets:
        if t.fetcher is not None:
            counts[t.account.network] = counts.get(t.account.network, 0) + 1
            fetchers[t.account.network] = t.fetcher
    for net, fetcher in fetchers.items():
        n = counts[net]
        accounts = f"{n} account{'s' if n > 1 else ''}"
        var = fetcher.secret_env
        if not var:
            report.keys[net] = f"{net}: no key needed ({accounts})"
        elif net in files:  # read (and checked) by run() already
            report.keys[net] = f"{net}: {fetcher.secret_name} from {files[net]} ({accounts})"
        elif read_secret(var) is not None:
            report.keys[net] = f"{net}: {var} is set ({accounts})"
        else:
            report.keys[net] = f"{net}: {var} is not set ({accounts})"
            report.missing_keys[net] = (
                f"{net}: {var} is not set: {accounts} would be skipped; set it to your "
                f"{fetcher.secret_name} (docs/fetch.md says how to get one)"
            )


def client_quota(report: FetchReport) -> int:
    return sum(a.quota for a in report.accounts)


def _count(row: AccountReport, session: Session) -> None:
    row.requests, row.quota = session.requests, session.quota


def _fail(
    row: AccountReport, message: str, stopped: dict[str, str], network: str, *, wide: bool
) -> None:
    row.error = one_line(message)
    row.status = "failed"
    if wide:
        stopped[network] = message


def _secret(
    fetcher: Fetcher,
    cache: dict[str, str | None],
    files: Mapping[str, Path],
    client: HttpClient,
) -> str | None:
    if not fetcher.secret_env:
        return None
    if fetcher.network not in cache:
        value = read_secret(fetcher.secret_env, files.get(fetcher.network))
        if value is None:
            raise MissingSecret(
                f"{fetcher.network}: no {fetcher.secret_name}; set {fetcher.secret_env} "
                f"(docs/fetch.md says how to get one)"
            )
        client.add_secret(value)
        cache[fetcher.network] = value
    return cache[fetcher.network]


def _call(fetcher: Fetcher, plan: FetchPlan, session: Session) -> FetchResult:
    try:
        result = fetcher.fetch(plan, session)
        session.drain()
    except EngageError:
        raise
    except Exception as exc:
        raise PluginError(
            plugins.owner_name(fetcher),
            f"fetcher for {fetcher.network!r} crashed on {plan.account.label}: "
            f"{redact(repr(exc), session.client.secrets)}",
        ) from None
    if not isinstance(result, FetchResult):
        raise PluginError(
            plugins.owner_name(fetcher),
            f"fetcher for {fetcher.network!r} returned {type(result).__name__}; expected a FetchResult",
        )
    return result


def _imports_count(store: Store) -> int:
    """How many imports the store records (to tell whether a failed import kept any)."""
    return int(store.fetchall("SELECT count(*) FROM imports")[0][0])
