"""Which fetched responses are saved as the API sent them: never one that holds a secret, or
a secret parameter of a URL (``key=``, ``access_token=``, any case), however many ``=`` it
holds (``may_hold_secret``, which looks at each ``=`` of a page rather than searching the
body once per parameter name)."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

from engage_youtube.fetch import YouTubeFetcher
from hypothesis import given
from hypothesis import strategies as st

from engagecore.fetch.http import SECRET_PARAMS, HttpClient, may_hold_secret
from engagecore.fetch.run import Session
from engagecore.pluginapi import FetchAccount

SECRET = "AIzaPLANTEDsecret-123"


def _by_name(body: bytes) -> bool:
    """The definition: a secret parameter's name followed by ``=``, searched name by name."""
    low = body.lower()
    return any(f"{name}=".encode() in low for name in SECRET_PARAMS)


def test_a_secret_parameter_anywhere_in_a_body_is_seen() -> None:
    assert not may_hold_secret(b'{"items": [{"title": "a = b"}]}', [SECRET])
    assert may_hold_secret(b'{"d": "' + SECRET.encode() + b'"}', [SECRET])
    assert may_hold_secret(b"key=1", [])  # at the very start
    assert may_hold_secret(b'{"next": "https://h/x?after=Q&ACCESS_TOKEN=abc"}', [])
    assert may_hold_secret(b'{"u": "https://h/x?Api_Key=abc"}', [])
    assert not may_hold_secret(b'{"u": "https://h/x?v=abc&keys =1"}', [])
    # many "=" before it (past the ones looked at one by one): still seen
    many = b'{"d": "' + b"a=b&" * 500 + b'", "u": "https://h/?input_token=x"}'
    assert may_hold_secret(many, [])
    assert not may_hold_secret(many.replace(b"input_token", b"input_tok"), [])


@given(
    st.lists(
        st.sampled_from(
            [
                "key",
                "KEY",
                "api_",
                "access_",
                "token",
                "client_secret",
                "appsecret_proof",
                "input_",
                "=",
                "&",
                "?",
                "a",
                "\u00e9",
                " ",
                "y",
            ]
        ),
        max_size=200,
    )
)
def test_the_same_answer_as_searching_each_name(parts: list[str]) -> None:
    body = "".join(parts).encode()
    assert may_hold_secret(body, []) == _by_name(body)


def _session(tmp_path: Path) -> Session:
    client = HttpClient(secrets=[SECRET])
    return Session(
        YouTubeFetcher(),
        FetchAccount("youtube", "UCx", "x", "m"),
        client,
        tmp_path / "responses",
        datetime(2025, 12, 1, tzinfo=UTC),
        SECRET,
        None,
    )


def test_a_page_is_saved_as_sent_unless_it_may_hold_a_secret(tmp_path: Path) -> None:
    session = _session(tmp_path)
    plain = b'{"kind": "youtube#videoListResponse", "items": [{"d": "x = y"}]}\n'
    echoed = (
        b'{"items": [{"d": "' + b"a=b " * 100 + b'"}], '
        b'"next": "https://h/x?after=Q&Key=' + SECRET.encode() + b'"}'
    )
    saved = [session._save_raw(body, json.loads(body)) for body in (plain, echoed)]
    first, second = (gzip.decompress(p.read_bytes()) for p in saved)
    # as sent, the observed time spliced in before the closing brace
    assert first == plain.rstrip()[:-1] + b',"engagecore_observed_at":"2025-12-01T00:00:00+00:00"}'
    # re-serialized: the URL stripped of its key, and no secret anywhere
    assert SECRET.encode() not in second and b"Key=" not in second
    assert json.loads(second)["next"] == "https://h/x?after=Q"
    assert [p.name for p in saved] == list(session.saved)
    session.client.close()
