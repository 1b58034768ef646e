"""``engage museums discover``: the museums' accounts from Wikidata's SPARQL endpoint, replayed
by a local server on 127.0.0.1 in the real SPARQL JSON results format (issue 11 item 8)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_run import run
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

import engagecore
from engagecore import discover as disc
from engagecore.fetch.http import FetchError, HttpClient
from engagecore.plugin import NetworkSpec
from engagecore.store import Store

ENTITY = "http://www.wikidata.org/entity/"
PROP = "http://www.wikidata.org/prop/direct/"
#: a property no plugin claims (Wikidata's real unclaimed ones may get a plugin any day)
UNCLAIMED = ("P99999", "Myspace username")


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    return ("127.0.0.1", 0)


@pytest.fixture(autouse=True)
def _unclaimed_property(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(disc.ACCOUNT_PROPERTIES, *UNCLAIMED)


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client(sleeps: Sleeps) -> Iterator[HttpClient]:
    with HttpClient(
        timeout=2.0, attempts=3, wait_initial=0.001, wait_max=0.01, wait_jitter=0.001, sleep=sleeps
    ) as c:
        yield c


def binding(item: str, key: str, prop: str | None = None, value: str | None = None) -> Any:
    b: dict[str, Any] = {
        "item": {"type": "uri", "value": ENTITY + item},
        "key": {"type": "literal", "value": key},
    }
    if prop is not None:
        b["property"] = {"type": "uri", "value": PROP + prop}
        b["value"] = {"type": "literal", "value": value}
    return b


def results(bindings: list[Any]) -> str:
    return json.dumps(
        {"head": {"vars": ["item", "key", "property", "value"]}, "results": {"bindings": bindings}}
    )


#: what "Wikidata" holds, by Muséofile id and by (name, city)
BY_ID: dict[str, list[Any]] = {
    "M5004": [  # Louvre: the user linked X already
        binding("Q19675", "M5004", "P2002", "MuseeLouvre"),
        binding("Q19675", "M5004", "P2003", "museelouvre"),
        binding("Q19675", "M5004", "P2397", "UCrmn-louvre0000000000000"),
        binding("Q19675", "M5004", "P7085", "museedulouvre"),  # claimed by the TikTok plugin
        binding("Q19675", "M5004", UNCLAIMED[0], "louvre_space"),
    ],
    "M5010": [  # Orsay: its X handle is linked by the user to another museum
        binding("Q23402", "M5010", "P2002", "MuseeOrsay"),
        binding("Q23402", "M5010", "P2013", "MuseeOrsay"),
    ],
    "M0101": [  # two Facebook values: ambiguous
        binding("Q3329524", "M0101", "P2013", "museerural"),
        binding("Q3329524", "M0101", "P2013", "museeruralsologne"),
    ],
    "M0002": [binding("Q111", "M0002")],  # an item without accounts
}
BY_NAME: dict[tuple[str, str], list[tuple[str, str | None, str | None]]] = {
    ("Centre Pompidou", "Paris"): [("Q178065", "P2002", "CentrePompidou")],
    ("Musée des Beaux-Arts", "Lyon"): [("Q511", "P2002", "mbalyon"), ("Q512", "P2002", "mba")],
    # the museum and its building share the label: only the museum names accounts
    ("Musée Granet", "Aix-en-Provence"): [("Q3329", "P2003", "museegranet"), ("Q9001", None, None)],
}


class Wikidata:
    """The replay: answers each POSTed query from BY_ID / BY_NAME, recording the queries."""

    def __init__(self) -> None:
        self.queries: list[str] = []
        self.headers: list[dict[str, str]] = []

    def __call__(self, request: Request) -> Response:
        query = request.form["query"]
        self.queries.append(query)
        self.headers.append(dict(request.headers))
        out: list[Any] = []
        if "wdt:P539 ?key" in query:
            for key in re.findall(r'"(M\d+)"', query):
                out += BY_ID.get(key, [])
        else:
            for slug, name, city in re.findall(r'\("([^"]+)" "([^"]+)"@fr "([^"]+)"@fr\)', query):
                for item, prop, value in BY_NAME.get((name, city), []):
                    out.append(binding(item, slug, prop, value))
        return Response(results(out), content_type="application/sparql-results+json")


@pytest.fixture
def wikidata(httpserver: HTTPServer) -> Wikidata:
    w = Wikidata()
    httpserver.expect_request("/sparql", method="POST").respond_with_handler(w)
    return w


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "d.duckdb"
    with engagecore.open(path) as eng:
        eng.museums.add("Musée du Louvre", slug="louvre", city="Paris", museofile_id="M5004")
        eng.museums.add("Musée d'Orsay", slug="orsay", city="Paris", museofile_id="M5010")
        eng.museums.add("Musée rural", slug="rural", city="Beaulon", museofile_id="M0101")
        eng.museums.add("Musée sans compte", slug="sans", city="Nulle", museofile_id="M0002")
        eng.museums.add("Musée absent", slug="absent", city="Ailleurs", museofile_id="M0999")
        eng.museums.add("Centre Pompidou", slug="pompidou", city="Paris")
        eng.museums.add("Musée des Beaux-Arts", slug="mba-lyon", city="Lyon")
        eng.museums.add("Musée sans ville", slug="nowhere")
        eng.museums.add("Musée Granet", slug="granet", city="Aix-en-Provence")
        eng.link("louvre", "x", "@MuseeLouvre")
        eng.link("pompidou", "x", "MuseeOrsay")  # a user's (odd) link: never moved
    return path


def _accounts(path: Path) -> set[tuple[str, str, str | None, str | None]]:
    store = Store(path, read_only=True)
    try:
        return {
            (n, a, m, o)
            for n, a, m, o in store.fetchall(
                "SELECT network, account_id, museum, linked_by FROM accounts"
            )
        }
    finally:
        store.close()


def _digest(path: Path) -> dict[str, str]:
    store = Store(path, read_only=True)
    try:
        return store.table_digest()
    finally:
        store.close()


EXPECTED = {
    ("louvre", "x", "MuseeLouvre", "Q19675", "museofile", "already linked"),
    ("louvre", "instagram", "museelouvre", "Q19675", "museofile", "{link}"),
    ("louvre", "youtube", "UCrmn-louvre0000000000000", "Q19675", "museofile", "{link}"),
    ("louvre", "tiktok", "museedulouvre", "Q19675", "museofile", "{link}"),
    (
        "louvre",
        "Myspace username",
        "louvre_space",
        "Q19675",
        "museofile",
        "not linked: no plugin for Myspace username (P99999)",
    ),
    ("orsay", "x", "MuseeOrsay", "Q23402", "museofile", "conflict: linked to pompidou (user), left there"),
    ("orsay", "facebook", "MuseeOrsay", "Q23402", "museofile", "{link}"),
    ("rural", "facebook", "museerural, museeruralsologne", "Q3329524", "museofile", "not linked: several values"),
    ("pompidou", "x", "CentrePompidou", "Q178065", "name", "not linked: pompidou has x:MuseeOrsay"),
    ("mba-lyon", "", "", "Q511, Q512", "name", "not linked: several items"),
    ("granet", "instagram", "museegranet", "Q3329", "name", "{link}"),
}  # fmt: skip


def _expected(link: str) -> set[tuple[str, ...]]:
    return {tuple(c.replace("{link}", link) for c in row) for row in EXPECTED}


def test_dry_run_lists_proposals_and_writes_nothing(
    db: Path, httpserver: HTTPServer, wikidata: Wikidata, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _digest(db)
    code, out, err = run(
        ["museums", "discover", "--dry-run", "--db", str(db), "--format", "json",
         "--api-base", httpserver.url_for("/").rstrip("/")],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    rows = {tuple(r.values()) for r in json.loads(out)}
    assert rows == _expected("proposed")
    assert _digest(db) == before
    # one Muséofile query (the ids batched in a VALUES clause), one name-and-city query
    # (only the museums without a Muséofile id and with a city)
    assert len(wikidata.queries) == 2
    ids, names = wikidata.queries
    assert sorted(re.findall(r'"(M\d+)"', ids)) == ["M0002", "M0101", "M0999", "M5004", "M5010"]
    assert '"Centre Pompidou"@fr "Paris"@fr' in names and '"Paris"@en' in names
    assert "Musée sans ville" not in names and "Louvre" not in names
    for q in wikidata.queries:
        assert "wdt:P2002" in q and "wdt:P2003" in q and "wdt:P99999" in q
    for h in wikidata.headers:
        assert h["Accept"] == "application/sparql-results+json"
        assert h["User-Agent"].startswith("engagecore/") and "museums discover" in h["User-Agent"]
        assert h["Content-Type"] == "application/x-www-form-urlencoded"


def test_a_plain_run_links_and_never_moves_a_users_link(
    db: Path, httpserver: HTTPServer, wikidata: Wikidata, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("ENGAGE_WIKIDATA_API_BASE", httpserver.url_for("/").rstrip("/"))
    code, out, err = run(["museums", "discover", "--db", str(db), "--format", "json"], capsys)
    assert code == 0, err
    assert {tuple(r.values()) for r in json.loads(out)} == _expected("linked")
    assert _accounts(db) == {
        ("x", "MuseeLouvre", "louvre", "user"),
        ("x", "MuseeOrsay", "pompidou", "user"),
        ("instagram", "museelouvre", "louvre", "discover"),
        ("youtube", "UCrmn-louvre0000000000000", "louvre", "discover"),
        ("tiktok", "museedulouvre", "louvre", "discover"),
        ("facebook", "MuseeOrsay", "orsay", "discover"),
        ("instagram", "museegranet", "granet", "discover"),
    }
    # a second run finds them linked and changes nothing
    before = _digest(db)
    code, out, _ = run(["museums", "discover", "--db", str(db), "--format", "json"], capsys)
    statuses = {(r["museum"], r["network"]): r["status"] for r in json.loads(out)}
    assert statuses[("louvre", "instagram")] == statuses[("orsay", "facebook")] == "already linked"
    assert _digest(db) == before
    code, out, _ = run(["museums", "links", "--db", str(db), "--format", "json"], capsys)
    assert {(r["museum"], r["network"], r["linked_by"]) for r in json.loads(out)} >= {
        ("louvre", "instagram", "discover")
    }


def test_the_table_says_how_many_museums_were_asked_and_found(
    db: Path, httpserver: HTTPServer, wikidata: Wikidata, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        ["museums", "discover", "--dry-run", "--db", str(db),
         "--api-base", httpserver.url_for("/").rstrip("/")],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    assert "louvre" in out and "proposed" in out
    assert (
        "asked Wikidata about 8 museum(s) (5 by Muséofile id, 3 by name and city; 1 with "
        "neither, not asked); 6 found; 5 account(s) to link (dry run: nothing linked)"
    ) in " ".join(err.split())


def test_only_the_museums_named(
    db: Path, httpserver: HTTPServer, wikidata: Wikidata, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        ["museums", "discover", "Musée d'Orsay", "--db", str(db), "--format", "json",
         "--api-base", httpserver.url_for("/").rstrip("/")],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    assert {r["museum"] for r in json.loads(out)} == {"orsay"}
    assert len(wikidata.queries) == 1 and re.findall(r'"(M\d+)"', wikidata.queries[0]) == ["M5010"]


def test_ids_are_batched(
    db: Path, httpserver: HTTPServer, wikidata: Wikidata, client: HttpClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr(disc, "BATCH", 2)
    store = Store(db)
    try:
        disc.discover(store, dry_run=True, api_base=httpserver.url_for("/"), client=client)
    finally:
        store.close()
    id_queries = [q for q in wikidata.queries if "wdt:P539 ?key" in q]
    assert [len(re.findall(r'"(M\d+)"', q)) for q in id_queries] == [2, 2, 1]


def _store_run(db: Path, base: str, client: HttpClient) -> Any:
    store = Store(db)
    try:
        return disc.discover(store, api_base=base, client=client, museums=["louvre"])
    finally:
        store.close()


def test_429_and_500_are_retried(
    db: Path, httpserver: HTTPServer, client: HttpClient, sleeps: Sleeps
) -> None:
    body = results(BY_ID["M5004"])
    httpserver.expect_ordered_request("/sparql", method="POST").respond_with_data(
        "Too Many Requests", status=429, headers={"Retry-After": "3"}
    )
    httpserver.expect_ordered_request("/sparql", method="POST").respond_with_data(
        "<html>Internal Server Error</html>", status=500
    )
    httpserver.expect_ordered_request("/sparql", method="POST").respond_with_data(
        body, content_type="application/sparql-results+json"
    )
    found = _store_run(db, httpserver.url_for("/"), client)
    assert set(found["status"]) >= {"linked", "already linked"}
    assert 3.0 in sleeps and client.sent == 3
    assert ("instagram", "museelouvre", "louvre", "discover") in _accounts(db)


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (200, '{"head": {"vars": ["item"]}, "results": {"bindi', "wikidata: "),
        (200, '{"head": {"vars": []}}', "not SPARQL JSON results (no results.bindings)"),
        (200, '{"results": {"bindings": [{"value": {"type": "literal"}}]}}', "binding 1 lacks"),
        (500, "<html>oops</html>", "answered HTTP 500; run again later"),
        (429, "slow down", "HTTP 429; Wikidata asks to slow down"),
    ],
)
def test_bad_answers_are_one_line_errors_and_link_nothing(
    db: Path, httpserver: HTTPServer, client: HttpClient, status: int, body: str, message: str
) -> None:
    httpserver.expect_request("/sparql", method="POST").respond_with_data(
        body, status=status, content_type="application/sparql-results+json",
        headers={"Retry-After": "999999"} if status == 429 else {},
    )  # fmt: skip
    client.budget, client._deadline = 60.0, client._clock() + 60.0  # a 429 longer: given up
    before = _digest(db)
    with pytest.raises(FetchError) as exc:
        _store_run(db, httpserver.url_for("/"), client)
    text = str(exc.value)
    assert message in text and "\n" not in text and text.startswith("wikidata: ")
    assert _digest(db) == before


def test_cli_error_is_one_line_and_exit_non_zero(
    db: Path, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    httpserver.expect_request("/sparql", method="POST").respond_with_data(
        '{"oops": 1}', content_type="application/sparql-results+json"
    )
    code, out, err = run(
        ["museums", "discover", "louvre", "--db", str(db),
         "--api-base", httpserver.url_for("/").rstrip("/")],
        capsys,
    )  # fmt: skip
    assert code != 0 and out == ""
    assert len(err.strip().splitlines()) == 1 and "not SPARQL JSON results" in err


def test_queries_escape_names() -> None:
    q = disc.name_query([("a", 'Musée "X"\\', "Saint-Lô")], ["P2002"])
    assert '"Musée \\"X\\"\\\\"@fr' in q and '"Saint-Lô"@en' in q


def test_networks_claim_their_property() -> None:
    props = disc.account_properties()
    assert props["P2002"] == ("X username", "x")
    assert props["P2003"][1] == "instagram" and props["P2013"][1] == "facebook"
    assert props["P2397"][1] == "youtube"
    assert props["P4033"] == ("Mastodon address", "mastodon")  # user@instance, the plugin's key
    with pytest.raises(ValueError, match="wikidata_property 'X2002'"):
        NetworkSpec(
            name="n", display_name="N", interactions={}, provides=frozenset(),
            wikidata_property="X2002",
        )  # fmt: skip
