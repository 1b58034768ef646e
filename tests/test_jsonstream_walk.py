"""JsonStream.walk (a document read with its large arrays item by item) and Rows (rows kept
as frames): what the saved-API importers read large responses with (issue 15.5)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from engagecore import jsonstream
from engagecore.errors import FormatError
from engagecore.plugin import JsonStream, Rows

DOC = {
    "kind": "page",
    "data": {"videos": [{"id": i, "t": "é✨" * i} for i in range(5)], "cursor": 3},
    "history": {"list": [{"a": [1, {"b": 2}]}] * 3, "note": "x", "deep": {"x": {"y": [1]}}},
    "tail": [1, 2],
}


def route(path: tuple[str | int, ...]) -> str:
    if path in ((), ("data",)):
        return JsonStream.DESCEND
    if path == ("data", "videos"):
        return JsonStream.ITEMS
    return JsonStream.SKIP if path == ("history",) else JsonStream.KEEP


def walk(text: str, on_item: Any = None) -> Any:
    doc = JsonStream(io.BytesIO(text.encode()), "doc.json")
    return doc.walk(route, on_item, item_limit=1000, value_limit=1000)


@pytest.mark.parametrize("indent", [None, 2])
def test_walk_gives_items_one_by_one_and_keeps_the_rest(
    indent: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonstream, "_READ_SIZE", 5)
    got: list[tuple[Any, int, Any]] = []
    top = walk(json.dumps(DOC, indent=indent), lambda p, i, v: got.append((p, i, v)))
    assert got == [(("data", "videos"), i, v) for i, v in enumerate(DOC["data"]["videos"])]
    assert top["kind"] == "page" and top["tail"] == [1, 2] and top["data"]["cursor"] == 3
    assert isinstance(top["data"]["videos"], JsonStream.Streamed)
    assert top["data"]["videos"].count == 5
    assert top["history"] is JsonStream.SKIPPED


def test_walk_keeps_a_value_of_another_type_than_the_route_expects() -> None:
    top = walk(json.dumps({"data": {"videos": None}, "history": 3}))
    assert top == {"data": {"videos": None}, "history": JsonStream.SKIPPED}
    assert walk(json.dumps({"data": [1]})) == {"data": [1]}


def test_walk_names_the_item_a_cut_file_ends_in() -> None:
    text = json.dumps(DOC)
    with pytest.raises(FormatError, match=r"doc.json: not valid JSON in record data.videos\[3\]"):
        walk(text[: text.index('"id": 3') + 4])
    with pytest.raises(FormatError, match=r"record history.list\[1\]"):
        walk(text[: text.index('"list"') + 30])
    with pytest.raises(FormatError, match="Extra data"):
        walk(text + "{}")
    with pytest.raises(FormatError, match="property name"):
        walk('{"data": {1: 2}}')


def test_walk_refuses_an_item_past_its_limit() -> None:
    big = json.dumps({"data": {"videos": [{"t": "x" * 2000}]}})
    with pytest.raises(FormatError, match="an item larger than"):
        walk(big)


def _row(i: int, post: str, seen: int) -> dict[str, Any]:
    return {
        "network": "x",
        "post_id": post,
        "account_id": "a",
        "posted_at": datetime(2024, 1, 1 + i % 20, tzinfo=UTC),
        "observed_at": datetime(2024, 2, seen, tzinfo=UTC),
        "likes": i,
    }


def test_rows_keep_each_key_once_as_asked_and_in_order() -> None:
    data = [_row(i, f"p{i % 7}", seen=1 + i % 3) for i in range(20)]
    for keep in ("first", "last"):
        r = Rows("posts", chunk=3)
        for row in data:
            r.add(row)
        assert len(r) == 20
        got = r.frame(key="post_id", keep=keep, order=("posted_at", "post_id"))  # type: ignore[arg-type]
        chosen: dict[str, dict[str, Any]] = {}
        for row in data:
            if keep == "last" or row["post_id"] not in chosen:
                chosen[row["post_id"]] = row
        want = sorted(chosen.values(), key=lambda r: (r["posted_at"], r["post_id"]))
        assert got["likes"].to_list() == [w["likes"] for w in want]
    r = Rows("posts", chunk=4)
    for row in data:
        r.add(row)
    newest: dict[str, dict[str, Any]] = {}
    for row in data:
        old = newest.get(row["post_id"])
        if old is None or row["observed_at"] >= old["observed_at"]:
            newest[row["post_id"]] = row
    got = r.frame(key="post_id", newest="observed_at", order=("post_id",))
    assert got["likes"].to_list() == [newest[k]["likes"] for k in sorted(newest)]
    assert Rows("posts").frame().height == 0


def test_offset_is_the_byte_offset_between_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonstream, "_READ_SIZE", 3)
    items = [{"t": "é✨" * i, "n": i} for i in range(6)]
    data = ("\ufeff[ " + ", ".join(json.dumps(i, ensure_ascii=False) for i in items) + "]").encode()
    doc = JsonStream(io.BytesIO(data), "doc.json")
    doc.take("[")
    starts = []
    while True:
        doc.peek()
        starts.append(doc.offset())
        doc.value(1000)
        if doc.take(",]") == "]":
            break
    for item, at in zip(items, starts, strict=True):
        assert json.loads(data[at:].decode()[: len(json.dumps(item, ensure_ascii=False))]) == item
