"""What a plugin hands to the core: network specs, importers and the frames they produce.

A network plugin registers a :class:`NetworkSpec` and one or more :class:`Importer` objects
through the ``register_networks`` and ``register_importers`` hooks (see :mod:`hookspecs`).
Plugins import these names from :mod:`engagecore.plugin`. Which plugin registered an object
is kept by the registry (``plugins.registry().owner(obj)``), never written onto the object.
"""

from __future__ import annotations

import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

import polars as pl

from engagecore import schema
from engagecore.sources import Source

#: The rate bases a network may prefer, in the scoring's default order.
RATE_BASES: tuple[str, ...] = ("followers", "reach", "views")


@dataclass(frozen=True)
class YoungPrior:
    """A network's young-audience prior: the age make-up of its users, with its sources.

    Used to estimate an account's young share when it has no owned audience-age data.

    :param bands: age band (``"18-24"``, ``"65+"``) → share of the network's audience; the
        shares sum to 1.
    :param sources: where the shares come from (surveys, population tables, proxies).
    :param concentration: how much the prior is trusted, as a Dirichlet concentration: the
        young share *s* gets the interval of Beta(κs, κ(1−s)), as uncertain as a share
        observed on ``concentration`` people (20 for a survey-based entry, lower for a proxy).
    :param note: what is approximate about it.
    """

    bands: Mapping[str, float]
    sources: tuple[str, ...]
    concentration: float = 20.0
    note: str = ""


@dataclass(frozen=True)
class AccrualCurve:
    """How a network's posts gather their interactions with age: the accrual curve.

    ``F(a) = 1 − 2^(−(a / half_life)^shape)``, the fraction of a post's final interactions
    reached at age ``a`` (a Weibull distribution function written with its median, the
    half-life: ``F(half_life) = 0.5``). ``shape`` < 1 gives the long tail of a feed (most
    interactions in the first hours, a trickle for weeks). See docs/scoring.md §1.5.

    :param half_life_hours: the age at which half of the final interactions are reached.
    :param shape: the Weibull shape *k* (> 0).
    :param sources: where the half-life comes from (studies, reports).
    :param note: how uncertain it is, and what was widened where evidence is thin.

    .. versionadded:: 1
    """

    half_life_hours: float
    shape: float = 0.6
    sources: tuple[str, ...] = ()
    note: str = ""

    def __post_init__(self) -> None:
        if not (self.half_life_hours > 0 and self.shape > 0):
            raise ValueError(
                f"accrual curve: half_life_hours {self.half_life_hours!r} and shape "
                f"{self.shape!r}; expected positive numbers"
            )

    def fraction(self, age_hours: Any) -> Any:
        """F(age): the fraction of the final interactions reached at ``age_hours`` (a number
        or a numpy array; 0 at age ≤ 0)."""
        import numpy as np

        a = np.maximum(np.asarray(age_hours, dtype=float), 0.0)
        out = 1.0 - np.exp2(-((a / self.half_life_hours) ** self.shape))
        return float(out) if np.ndim(out) == 0 else out

    def age_at(self, fraction: float) -> float:
        """The age (hours) at which F reaches ``fraction`` (0 < fraction < 1)."""
        if not 0 < fraction < 1:
            raise ValueError(f"accrual fraction {fraction!r}; expected between 0 and 1")
        import math

        return self.half_life_hours * math.log2(1.0 / (1.0 - fraction)) ** (1.0 / self.shape)


@dataclass(frozen=True)
class NudityRule:
    """A network's rule on nudity, for ``engage risks`` (docs/analyses.md, "Policy risk").

    :param rule: the policy's name.
    :param wording: a short extract of it.
    :param quoted: True when ``wording`` is the network's own words; False for a summary
        (to be checked at ``source``).
    :param source: the address of the policy.
    :param consequence: what may happen to a post, said with "may" ("may be removed or have
        its reach restricted").
    :param kinds: the post kinds that carry an image or a video on this network (a flagged
        caption on another kind is not flagged).

    .. versionadded:: 1
    """

    rule: str
    wording: str
    quoted: bool
    source: str
    consequence: str
    kinds: tuple[str, ...] = ("photo", "video", "reel", "carousel", "live", "story", "other")


@dataclass(frozen=True)
class NetworkSpec:
    """A social network as the scoring needs to know it.

    :param name: short stable key stored in every row (``"x"``, ``"instagram"``).
    :param display_name: how humans call it.
    :param interactions: the count columns summed into "interactions", with their default
        weights (e.g. X: likes, comments (replies), shares (reposts), quotes, all 1.0).
    :param provides: the count columns this network's sources can fill at all.
    :param typical_rate: a published typical engagement rate by followers per post (a
        fraction, e.g. 0.0047), cited in ``rate_source``; used by the demo generator and shown
        in docs, never to score.
    :param rate_source: where ``typical_rate`` comes from.
    :param launched: the day the network opened to the public: no post and no observation
        of it can be older, so an import holding one is refused (a 1970 or 1899 date is an
        unset or broken field). ``None``: :data:`schema.EARLIEST_LAUNCH`.
    :param young_prior: the network's young-audience prior (:class:`YoungPrior`); ``None``:
        no estimate for accounts without owned age data (a user's ``ENGAGE_YOUNG_PRIORS``
        file may still give one).
    :param basis_order: the rate bases tried for this network's posts, in order (some of
        :data:`RATE_BASES`, e.g. ``("views", "followers")`` for a video network); empty: the
        scoring's default order (followers, reach, views). A user's
        ``ScoringConfig.basis_by_network`` still overrides it.
    :param simulation: the simulator's parameters for this network (the keys of
        ``[default]`` in ``engagecore/data/simulation.toml``: ``followers_median``,
        ``adoption``, ``kinds``, …); keys not given keep the default.
    :param wikidata_property: the Wikidata property whose value names an item's account on
        this network (``"P2002"``, X username): ``engage museums discover`` proposes the
        accounts of the store's museums from it. Empty: none.
    :param nudity_rule: the network's rule on nudity (:class:`NudityRule`), for ``engage
        risks``; ``None``: its posts are not flagged.
    :param accrual: the network's default accrual curve (:class:`AccrualCurve`): how fast
        its posts reach their final interactions, with its sources. The scoring estimates
        the curve from the store's repeated observations of the same posts where there are
        enough, else uses this one; ``None``: every post counts as mature (docs/scoring.md
        §1.5).
    """

    name: str
    display_name: str
    interactions: dict[str, float]
    provides: frozenset[str]
    typical_rate: float | None = None
    rate_source: str = ""
    launched: date | None = None
    young_prior: YoungPrior | None = None
    basis_order: tuple[str, ...] = ()
    simulation: Mapping[str, Any] = field(default_factory=dict)
    wikidata_property: str = ""
    nudity_rule: NudityRule | None = None
    accrual: AccrualCurve | None = None

    def __post_init__(self) -> None:
        if self.wikidata_property and not re.fullmatch(r"P[1-9][0-9]*", self.wikidata_property):
            raise ValueError(
                f"network {self.name!r}: wikidata_property {self.wikidata_property!r}; "
                "expected a property id like 'P2002'"
            )
        bad = [c for c in (*self.interactions, *self.provides) if c not in schema.COUNT_COLUMNS]
        if bad:
            raise ValueError(
                f"network {self.name!r}: unknown count column(s) {bad}; "
                f"expected some of {list(schema.COUNT_COLUMNS)}"
            )
        wrong = [b for b in self.basis_order if b not in RATE_BASES]
        if wrong or len(set(self.basis_order)) != len(self.basis_order):
            raise ValueError(
                f"network {self.name!r}: basis_order {self.basis_order!r}; expected distinct "
                f"rate bases among {list(RATE_BASES)}"
            )


@dataclass
class ReadContext:
    """Options the user passed to ``engage ingest`` that an importer may honour.

    ``scratch`` is the run's temporary folder (``<store>.engage-tmp/run-<pid>/…``, removed when the
    run ends, and by the next run after a crash); importers take folders in it with
    :meth:`temp_dir`, never in the system's temporary folder, where a killed run would
    leave them.
    """

    timezone: str = "Europe/Paris"
    now: datetime | None = None
    options: dict[str, Any] = field(default_factory=dict)
    scratch: Path | None = None

    def temp_dir(self, prefix: str) -> tempfile.TemporaryDirectory[str]:
        """A fresh temporary folder (a context manager giving its path as text), inside
        ``scratch`` when the run has one (else the system's temporary folder)."""
        if self.scratch is not None:
            self.scratch.mkdir(parents=True, exist_ok=True)
        return tempfile.TemporaryDirectory(prefix=prefix, dir=self.scratch)


#: The longest note (``Batch.notes``) an importer may give: one line of the ingest summary.
MAX_NOTE_CHARS: Final = 500


def checked_notes(notes: object) -> list[str]:
    """``Batch.notes`` as the ingest keeps them: each stripped, the same note once, in order.
    ``ValueError`` saying what is wrong when ``notes`` is not a list of one-line texts of
    1 to :data:`MAX_NOTE_CHARS` characters."""
    if not isinstance(notes, list | tuple):
        raise ValueError(f"Batch.notes must be a list of texts, got {type(notes).__name__}")
    out: dict[str, None] = {}
    for i, note in enumerate(notes):
        if not isinstance(note, str):
            raise ValueError(f"Batch.notes[{i}] must be a text, got {type(note).__name__}")
        text = note.strip()
        if not text:
            raise ValueError(f"Batch.notes[{i}] is empty")
        if "\n" in text or "\r" in text:
            raise ValueError(f"Batch.notes[{i}] holds a newline (one line each): {text!r:.80}")
        if len(text) > MAX_NOTE_CHARS:
            raise ValueError(
                f"Batch.notes[{i}] has {len(text)} characters (at most {MAX_NOTE_CHARS}): "
                f"{text!r:.80}"
            )
        out.setdefault(text)
    return list(out)


@dataclass
class Batch:
    """Normalized frames read from one source. Any frame may be absent (None).

    ``museum_hints`` maps an account_id to a museum name found in the export itself
    (e.g. the display name in X's ``account.js``), so the core can attach the account.

    A batch with no posts, follower snapshots or audience rows is refused by the ingest
    (a header-only CSV is a mistake, not data) unless the user allows empty imports, or
    ``empty_reason`` says why the source rightly holds nothing (an API page past the
    last result: ``"a page past the last result"``).

    ``post_parts`` (a large source): the posts, or more of them after ``posts``, as frames
    made while the importer reads on (a generator the importer returns before it has read
    the whole source). The ingest validates each batch of parts as it comes and stages it on
    disk, so a table of any size is never held at once; the other fields are read once the
    parts are consumed (a generator may set them at its end: the account's name read after
    its posts).
    :meth:`frames` (and :meth:`rows`) consume the parts and concatenate them into ``posts``.

    ``notes``: what the importer has to say beside what it stores, one line each, whether
    the batch stores rows or not ("3 rows had '--' counts, stored as unknown", "ages are not
    in this export"): shown under the ingest summary (``note: FILE: …``) and kept with the
    import's provenance (``imports.notes``). A generator of ``post_parts`` may add to them
    until its end. Each note is one line of text (no newline), at most
    :data:`MAX_NOTE_CHARS` characters; the same note twice is said once.

    .. versionadded:: 1 ``post_parts``, ``notes`` (optional fields: a plugin that sets
       neither runs as before)
    """

    accounts: pl.DataFrame | None = None
    posts: pl.DataFrame | None = None
    follower_snapshots: pl.DataFrame | None = None
    audience_age: pl.DataFrame | None = None
    museum_hints: dict[str, str] = field(default_factory=dict)
    empty_reason: str | None = None
    post_parts: Iterator[pl.DataFrame] | None = None
    notes: list[str] = field(default_factory=list)

    def gather(self) -> None:
        """Consume ``post_parts`` (if any) into ``posts``: the table whole, in part order."""
        if self.post_parts is None:
            return
        parts, self.post_parts = self.post_parts, None
        got = [p for p in (self.posts, *parts) if p is not None]
        if got:
            self.posts = pl.concat(got, how="vertical_relaxed") if len(got) > 1 else got[0]

    def frames(self) -> dict[str, pl.DataFrame]:
        """The frames that are present, keyed by table name (``post_parts`` gathered first)."""
        self.gather()
        out = {}
        for name in schema.PRODUCED:
            df = getattr(self, name)
            if df is not None:
                out[name] = df
        return out

    def rows(self) -> int:
        return sum(df.height for df in self.frames().values())


class Importer(ABC):
    """Reads one kind of export into normalized frames.

    Subclasses set ``name`` (unique, e.g. ``"x-archive"``), ``network`` and ``description``
    and implement :meth:`detect` and :meth:`read`.

    ``network`` is the importer's own network (the plugin's); ``networks`` every network
    whose rows it may emit, ``network`` included: by default ``frozenset({network})``. An
    importer of an export that mixes networks declares them all (the Meta Business Suite CSV
    importer: ``frozenset({"facebook", "instagram"})``); rows of another network are the
    plugin's error. ``network = "*"`` (:data:`engagecore.plugins.ANY_NETWORK`): each row
    names its own network, any registered one.
    """

    name: str = ""
    network: str = ""
    description: str = ""
    _networks: frozenset[str] | None = None

    @property
    def networks(self) -> frozenset[str]:
        """Every network whose rows this importer may emit (default: its ``network``).

        Set it as a class attribute (``networks = frozenset({"facebook", "instagram"})``) or
        on the instance.
        """
        if self._networks is not None:
            return self._networks
        return frozenset({self.network}) if self.network else frozenset()

    @networks.setter
    def networks(self, value: frozenset[str]) -> None:
        self._networks = value

    @abstractmethod
    def detect(self, source: Source) -> float:
        """How sure this importer is that it can read ``source``: 0.0 (no) to 1.0 (certain).

        Must be cheap: look at member names and the first bytes, never parse the whole file.
        """

    @abstractmethod
    def read(self, source: Source, ctx: ReadContext) -> Batch:
        """Read ``source`` into a :class:`Batch`. Raise :class:`~engagecore.errors.FormatError`
        naming the file, the record and what was expected when the input is malformed."""


#: The frame a museum-registry reader returns (one row per museum).
REGISTRY_SCHEMA = pl.Schema(
    {
        "name": pl.Utf8,
        "city": pl.Utf8,
        "region": pl.Utf8,
        "country": pl.Utf8,
        "museofile_id": pl.Utf8,
    }
)


class RegistryReader(ABC):
    """Reads an official list of museums (e.g. France's Musées de France) into museums."""

    name: str = ""
    description: str = ""

    @abstractmethod
    def detect(self, source: Source) -> float:
        """0.0–1.0 confidence that ``source`` is this registry."""

    @abstractmethod
    def read(self, source: Source) -> pl.DataFrame:
        """Rows of :data:`REGISTRY_SCHEMA`, one per museum, or one per name of a museum known
        by several: rows repeating a Muséofile id give that museum other names, kept as its
        aliases (the first row's name is its name)."""


class DemoWriter(ABC):
    """Writes simulated normalized data as the files a network really exports.

    ``engage demo`` and the benchmarks use it so that generated data goes through the real
    importers. ``network`` names the :class:`NetworkSpec` this writer serves.
    """

    network: str = ""

    @abstractmethod
    def write(self, data: DemoAccountData, folder: Path) -> list[Path]:
        """Write one account's data under ``folder`` in the network's real export format.

        :return: the paths to import (files, folders or zips), each one import unit.
        """


@dataclass
class DemoAccountData:
    """One simulated account: frames of the normalized schemas, all for the same account.

    ``posts`` has the :data:`schema.POSTS` columns; ``followers`` the
    :data:`schema.FOLLOWER_SNAPSHOTS` columns (oldest first); ``audience_age`` may be None
    when the account has no owned age data. ``export_date`` is when the export is dated.

    ``readings`` (None when none were simulated): earlier readings of some of the own posts,
    before the one ``posts`` holds — ``network``, ``post_id``, ``observed_at`` and the count
    columns, one row per post and time, oldest first — as earlier fetches or exports saw
    them. A writer whose format carries when each response was observed may write them (as
    the responses of earlier fetches, each its own import unit), so that the store holds
    repeated observations of those posts; a writer may also leave them out.

    .. versionadded:: 1 ``readings``
    """

    museum_name: str
    handle: str
    account_id: str
    posts: pl.DataFrame
    followers: pl.DataFrame
    audience_age: pl.DataFrame | None
    export_date: datetime
    readings: pl.DataFrame | None = None


# -- fetching from the networks' APIs (engage fetch) ------------------------------------------


@dataclass(frozen=True)
class FetchAccount:
    """An account to fetch, as the store knows it.

    :param network: the network's key.
    :param account_id: the network's id of the account when the store knows it; for an
        account linked by handle and never imported, the handle.
    :param handle: its handle (no ``@``), when known.
    :param museum: the museum's slug it is linked to.
    :param owned: the user says their token owns this account (owner-only figures, such as
        insights and audience ages, may be asked; a fetcher may also find it out itself).
    """

    network: str
    account_id: str
    handle: str | None = None
    museum: str | None = None
    owned: bool = False

    @property
    def label(self) -> str:
        """How messages name it: ``@handle`` when known, else the id."""
        return f"@{self.handle}" if self.handle else self.account_id


@dataclass(frozen=True)
class FetchPlan:
    """What the core asks a fetcher to fetch for one account.

    :param account: the account.
    :param newest_post: the newest stored post's time: ask only for posts newer than it
        (None: nothing stored yet).
    :param refresh_ids: ids of stored posts younger than ``--refresh-days``, whose counts
        to fetch again (each refresh adds an observation).
    :param refresh_since: the start of that window (None: nothing to refresh); an API that
        lists posts newest first without a lookup by id is paged back to it.
    :param since: ``--since``: no posts older than this.
    :param max_posts: ``--max-posts``: at most this many new posts (None: all).
    :param now: the run's time (also what the saved responses say they were observed at).
    """

    account: FetchAccount
    newest_post: datetime | None = None
    refresh_ids: tuple[str, ...] = ()
    refresh_since: datetime | None = None
    since: datetime | None = None
    max_posts: int | None = None
    now: datetime | None = None

    def wants(self, posted_at: datetime) -> bool:
        """A post of that time is new and inside ``--since``."""
        if self.newest_post is not None and posted_at <= self.newest_post:
            return False
        return self.since is None or posted_at >= self.since


@dataclass
class FetchResult:
    """What a fetcher reports for one account (the core counts requests and quota itself).

    :param account_id: the account's id, found from a handle (None: unchanged).
    :param handle: its handle as the network spells it, when found.
    :param new_posts: posts fetched that were not stored.
    :param refreshed_posts: stored posts whose counts were fetched again.
    :param import_account: the account to import the saved responses as, for responses
        that do not name theirs (``engage ingest --account``); None: they name it.
    :param note: a few words the summary table shows after the status ("ok: insights not
        permitted"): what was fetched but not everything the user might expect.
    """

    account_id: str | None = None
    handle: str | None = None
    new_posts: int = 0
    refreshed_posts: int = 0
    import_account: str | None = None
    note: str | None = None


class FetchSession(ABC):
    """The core's side of a fetch, handed to :meth:`Fetcher.fetch`: one account's requests.

    :meth:`get` sends a GET through the core's HTTP client (retries, rate limits, time
    budget), adds the key or token as the fetcher's :meth:`Fetcher.authorize` says, turns an
    error answer into a one-line :class:`~engagecore.errors.EngageError` (through
    :meth:`Fetcher.explain`), counts the request and its quota units, and saves the complete
    response (gzip, with ``engagecore_observed_at``, without secrets) for the core to import
    through the network's importers. A fetcher never writes the store.
    """

    #: the run's time (UTC), written into every saved response as ``engagecore_observed_at``
    now: datetime
    #: a dict the fetcher may keep lookups in for the whole run (every account of its
    #: network sees the same one), e.g. the id of the token's own account
    shared: dict[str, Any]

    @abstractmethod
    def url(self, official: str) -> str:
        """The official endpoint URL on the ``--api-base`` / ``ENGAGE_<NETWORK>_API_BASE``
        host when one is set (the documented path follows unchanged)."""

    @abstractmethod
    def get(
        self,
        official: str,
        params: Mapping[str, str | int] | None = None,
        *,
        quota: int = 1,
        save: bool = True,
    ) -> Any:
        """GET the official endpoint ``official`` (see :meth:`url`) and return the parsed JSON.

        :param quota: the quota units the API charges for this call.
        :param save: save the response for import (False for listings the importers do not
            read, such as a page of ids whose details a later call fetches).
        """

    def submit(
        self,
        official: str,
        params: Mapping[str, str | int] | None = None,
        *,
        quota: int = 1,
        save: bool = True,
    ) -> Future[Any]:
        """:meth:`get` sent while the fetcher goes on (say, the details of one page of ids
        while it asks for the next page): a future whose ``result()`` is what :meth:`get`
        returns, or raises what it raises. At most the per-host limit of requests run at
        once; the core waits for every one sent before it imports the account, and an error
        of one is the account's error, whether the fetcher looked at it or not (send aside
        only what the account cannot do without). Take each result soon (a future holds its
        parsed answer). Default: :meth:`get` at once.

        .. versionadded:: 1
        """
        done: Future[Any] = Future()
        try:
            done.set_result(self.get(official, params, quota=quota, save=save))
        except Exception as exc:
            done.set_exception(exc)
        return done

    @abstractmethod
    def save(self, doc: Any) -> Path:
        """Save a response got with ``save=False`` after all (say, once it proved to hold
        the account); returns the file written."""

    @abstractmethod
    def error(self, message: str, *, network_wide: bool = False) -> Exception:
        """An error naming the network and the account: ``raise session.error("...")``;
        ``network_wide``: the other accounts of the network would fail alike (an invalid
        key, an exhausted quota), so they are not tried."""

    @abstractmethod
    def posts(self, n: int) -> None:
        """Report ``n`` more posts fetched (the progress bar)."""

    def use_secret(self, secret: str) -> None:
        """From now on send ``secret`` instead of the run's key or token (as
        :meth:`Fetcher.authorize` says), and redact it like the run's: a token the API gave
        for the run's one, such as a Facebook Page's access token from ``/me/accounts``."""
        raise NotImplementedError


class Fetcher(ABC):
    """Fetches one network's figures from its API (``engage fetch``).

    Subclasses set ``network`` (a registered network), ``description``, ``official_base``
    (the API's scheme and host, e.g. ``"https://www.googleapis.com"``), ``secret_env`` (the
    environment variable holding the key or token; ``""`` when the API needs none) and
    ``secret_name`` (``"API key"``, ``"access token"``), and implement :meth:`fetch`.

    The core drives every fetcher the same way: it reads the secret, opens a
    :class:`FetchSession` per account, calls :meth:`fetch` with a :class:`FetchPlan`, then
    imports the saved responses through the importers, in one transaction per account.
    """

    network: str = ""
    description: str = ""
    official_base: str = ""
    secret_env: str = ""
    secret_name: str = "access token"

    @property
    def api_base_env(self) -> str:
        """The environment variable replacing the API's host: ``ENGAGE_<NETWORK>_API_BASE``."""
        return f"ENGAGE_{self.network.upper()}_API_BASE"

    def authorize(self, secret: str) -> tuple[dict[str, str], dict[str, str]]:
        """The query parameters and headers carrying ``secret`` (default: a bearer token)."""
        return {}, {"Authorization": f"Bearer {secret}"}

    def explain(self, status: int, body: Any) -> str | None:
        """One line saying what an error answer means and what to do (an expired token,
        a missing permission, an exhausted quota…), from the API's own error body; None for
        the core's generic message."""
        return None

    def network_wide(self, status: int, body: Any) -> bool:
        """An error answer that every account of the network would get alike (an invalid
        key, an exhausted quota): the run stops asking for this network. Besides, an HTTP
        401 or 429 (beyond the time budget), or a host that cannot be reached, stops the
        requests to that host: the network's other accounts whose requests go to another
        host (Mastodon's instances) are still fetched."""
        return False

    @abstractmethod
    def fetch(self, plan: FetchPlan, session: FetchSession) -> FetchResult:
        """Fetch ``plan.account``'s profile (a follower snapshot), its new posts and a
        refresh of ``plan.refresh_ids``, every response through ``session.get``."""
