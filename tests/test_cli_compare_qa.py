"""``engage compare``'s cards as a user reads them (h4's walk-through)."""

from __future__ import annotations

import polars as pl
import pytest

from engagecore.cli.score_cmd import show_comparison


def test_a_museum_without_the_network_has_a_plain_dash_for_its_interval(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # the card read "—–—" (a dash, an en dash, a dash) in louvre's column on mastodon
    table = pl.DataFrame(
        {
            "network": ["mastodon"],
            "verdict": ["no winner: no score for louvre"],
            "louvre posts": pl.Series([None], dtype=pl.Int64),
            "louvre score": pl.Series([None], dtype=pl.Float64),
            "louvre score_low": pl.Series([None], dtype=pl.Float64),
            "louvre score_high": pl.Series([None], dtype=pl.Float64),
            "pompidou posts": [51],
            "pompidou score": [0.0],
            "pompidou score_low": [0.0],
            "pompidou score_high": [17.0],
        }
    )
    show_comparison(table)
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "score interval" in x)
    cells = [c.strip() for c in line.strip("│ ").split("│")]
    assert cells == ["score interval", "—", "0–17"]


def _card_table(museums: list[str], basis: str) -> pl.DataFrame:
    row: dict[str, list[object]] = {"network": ["x"], "verdict": ["no significant difference"]}
    for k, m in enumerate(museums):
        row[f"{m} followers"] = [839_745 + k]
        row[f"{m} posts"] = [113]
        row[f"{m} rate"] = [0.00015]
        row[f"{m} basis"] = ["followers"]
        row[f"{m} score"] = [66.0]
        row[f"{m} score_low"] = [28.0]
        row[f"{m} score_high"] = [79.0]
        row[f"{m} young_share"] = [0.19]
        row[f"{m} young_reach"] = [157_849]
        row[f"{m} young_basis"] = [basis]
    return pl.DataFrame(row)


def _headers(out: str) -> list[list[str]]:
    """The museums named in each card's header line, card by card."""
    return [
        [c.strip() for c in line.split("┃")[2:-1]]
        for line in out.splitlines()
        if line.startswith("┃")
    ]


@pytest.mark.parametrize("width", [80, 70])  # at 60 "(museum-adjusted," fits once only
def test_two_museums_stay_side_by_side_when_a_text_is_long(
    width: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # at 80 columns the demo's comparison printed louvre's card, then pompidou's, on six of
    # its nine networks: "young basis" (estimated (museum-adjusted, n = 0, pooled 55)) did
    # not fit twice on one line, so the museums were no longer side by side
    monkeypatch.setenv("COLUMNS", str(width))
    basis = "estimated (museum-adjusted, n = 0, pooled 55)"
    show_comparison(_card_table(["louvre", "pompidou"], basis))
    out = capsys.readouterr().out
    assert _headers(out) == [["louvre", "pompidou"]], out
    assert max(len(line) for line in out.splitlines()) <= width, out
    # the basis wraps between its words, each whole, in each museum's column
    at = next(i for i, line in enumerate(out.splitlines()) if "young basis" in line)
    lines = out.splitlines()[at:]
    columns: list[list[str]] = [[], []]
    for line in lines:
        if not line.startswith("│"):
            break
        cells = [c.strip() for c in line.split("│")[2:-1]]
        for k in (0, 1):
            columns[k].append(cells[k])
    assert [" ".join(" ".join(c).split()) for c in columns] == [basis, basis], out


def test_museums_that_do_not_fit_side_by_side_go_to_a_second_card(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    museums = ["louvre", "pompidou", "orsay", "carnavalet", "rodin"]
    show_comparison(_card_table(museums, "estimated (museum-adjusted, n = 0, pooled 55)"))
    out = capsys.readouterr().out
    headers = _headers(out)
    assert len(headers) >= 2 and [m for h in headers for m in h] == museums, headers
    assert max(len(line) for line in out.splitlines()) <= 80, out


def test_the_same_text_wraps_alike_in_each_museums_column(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # rich shrank the widest column first: louvre's basis read "estimated (museum-adjusted," /
    # "n = 0, pooled 55)", pompidou's "estimated" / "(museum-adjusted, n = 0," / "pooled 55)"
    monkeypatch.setenv("COLUMNS", "80")
    show_comparison(
        _card_table(["louvre", "pompidou"], "estimated (museum-adjusted, n = 0, pooled 55)")
    )
    out = capsys.readouterr().out
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if "young basis" in line)
    rows = [
        [c.strip() for c in line.split("│")[2:-1]] for line in lines[at:] if line.startswith("│")
    ]
    assert len(rows) >= 2 and all(r[0] == r[1] for r in rows), out
    widths = {len(c) for c in lines[at].split("│")[2:-1]}
    assert len(widths) == 1, lines[at]
