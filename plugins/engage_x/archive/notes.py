"""Long posts: ``note-tweet.js`` holds the full text of posts longer than 280 characters.

In ``tweets.js`` such a post is cut ("…" and a t.co link). No documented key links a note to
its tweet, so a note is matched to the tweet created within ±2 seconds whose visible text
(minus "…" and the trailing link) the note's text starts with; the closest in time wins.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from engage_x import common as C
from engagecore.plugin import FormatError, hashtags, mentions

TOLERANCE_S = 2

NOTE_SCHEMA = pl.Schema(
    {
        "note_at": pl.Datetime("us", "UTC"),
        "note_text": pl.Utf8(),
        "note_hashtags": pl.List(pl.Utf8()),
        "note_mentions": pl.List(pl.Utf8()),
    }
)


def _note_text(core: dict[str, Any]) -> str:
    urls = [
        {"url": u.get("shortUrl"), "expanded_url": u.get("expandedUrl")}
        for u in core.get("urls") or []
        if isinstance(u, dict)
    ]
    return C.expand_urls(C.full_unescape(core["text"]), urls) or ""


def notes_frame(value: Any, display: str) -> pl.DataFrame:
    """The parsed ``note-tweet.js`` array as a frame of :data:`NOTE_SCHEMA`."""
    if not isinstance(value, list):
        raise FormatError(display, 'expected a JSON array of {"noteTweet": {...}} objects')
    rows: dict[str, list[Any]] = {k: [] for k in NOTE_SCHEMA}
    for i, item in enumerate(value, start=1):
        note = item.get("noteTweet", item) if isinstance(item, dict) else None
        core = note.get("core") if isinstance(note, dict) else None
        if not isinstance(core, dict) or not isinstance(core.get("text"), str):
            raise FormatError(
                display, 'expected "noteTweet": {"core": {"text": ...}}', record=f"#{i}"
            )
        if not isinstance(note.get("createdAt"), str):  # type: ignore[union-attr]
            raise FormatError(display, 'expected "noteTweet": {"createdAt": ...}', record=f"#{i}")
        text = _note_text(core)
        tags = [h.get("text") for h in core.get("hashtags") or [] if isinstance(h, dict)]
        ments = [m.get("screenName") for m in core.get("mentions") or [] if isinstance(m, dict)]
        rows["note_at"].append(note["createdAt"])  # type: ignore[index]
        rows["note_text"].append(text)
        rows["note_hashtags"].append([t for t in tags if t] or hashtags(text))
        rows["note_mentions"].append([m for m in ments if m] or mentions(text))
    df = pl.DataFrame(
        {
            "note_at": pl.Series(rows["note_at"], dtype=pl.Utf8),
            "note_text": pl.Series(rows["note_text"], dtype=pl.Utf8),
            "note_hashtags": pl.Series(rows["note_hashtags"], dtype=pl.List(pl.Utf8)),
            "note_mentions": pl.Series(rows["note_mentions"], dtype=pl.List(pl.Utf8)),
        }
    ).with_columns(pl.col("note_at").str.to_datetime(strict=False, time_unit="us", time_zone="UTC"))
    bad = df.with_row_index("_i", offset=1).filter(pl.col("note_at").is_null())
    if bad.height:
        raise FormatError(
            display,
            f"expected createdAt as an ISO date, got {rows['note_at'][bad['_i'][0] - 1]!r}",
            record=f"#{bad['_i'][0]}",
        )
    return df


def _visible(col: str) -> pl.Expr:
    """The text as shown before the cut, whitespace-normalized for comparison."""
    return (
        pl.col(col)
        .str.replace(r"\s*https?://t\.co/\S+\s*$", "")
        .str.replace(r"\s*(?:…|\.\.\.)\s*(?:https?://\S+)?\s*$", "")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )


def apply_notes(posts: pl.DataFrame, notes: pl.DataFrame) -> pl.DataFrame:
    """Posts with their truncated text replaced by the matching note's full text, and the
    note's hashtags and mentions added. Unmatched notes are ignored."""
    if notes.is_empty() or posts.is_empty():
        return posts
    keys = (
        notes.with_row_index("_note")
        .with_columns(_off=pl.int_ranges(-TOLERANCE_S - 1, TOLERANCE_S + 2))
        .explode("_off")
        .with_columns(
            _key=pl.col("note_at").dt.truncate("1s") + pl.duration(seconds=pl.col("_off"))
        )
        .drop("_off")
    )
    diff = (pl.col("posted_at") - pl.col("note_at")).abs()
    cand = (
        posts.select("post_id", "posted_at", "text")
        .join(keys, left_on="posted_at", right_on="_key", how="inner")
        .filter(diff <= pl.duration(seconds=TOLERANCE_S))
        .filter(
            pl.col("note_text")
            .str.replace_all(r"\s+", " ")
            .str.strip_chars()
            .str.starts_with(_visible("text"))
        )
        .with_columns(_diff=diff)
        .sort("_diff", "post_id")
        .unique("_note", keep="first", maintain_order=True)
        .unique("post_id", keep="first", maintain_order=True)
        .select("post_id", "note_text", "note_hashtags", "note_mentions")
    )
    if cand.is_empty():
        return posts
    matched = pl.col("note_text").is_not_null()
    return (
        posts.join(cand, on="post_id", how="left", maintain_order="left")
        .with_columns(
            text=pl.coalesce("note_text", "text"),
            hashtags=pl.when(matched)
            .then(pl.concat_list("hashtags", "note_hashtags").list.unique(maintain_order=True))
            .otherwise("hashtags"),
            mentions=pl.when(matched)
            .then(pl.concat_list("mentions", "note_mentions").list.unique(maintain_order=True))
            .otherwise("mentions"),
        )
        .drop("note_text", "note_hashtags", "note_mentions")
    )
