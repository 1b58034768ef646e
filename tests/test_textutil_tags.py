"""The vectorized hashtag and mention expressions: cutting the mark by position gives what
the regular-expression replace they used before gave, on any text without a doubled mark;
on every text, what :func:`hashtags` and :func:`mentions` give (``##tag`` → ``tag``)."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engagecore.textutil import (
    HASHTAG_PATTERN,
    MENTION_PATTERN,
    hashtags,
    hashtags_expr,
    mentions,
    mentions_expr,
)


def _by_replace(pattern: str, mark: str) -> pl.Expr:
    """The expressions as first written: the match's head removed by a regex replace."""
    return (
        pl.col("text")
        .fill_null("")
        .str.extract_all(pattern)
        .list.eval(pl.element().str.replace(rf"^[^{mark}]*{mark}", ""))
        .list.unique(maintain_order=True)
    )


#: Pieces of captions as museums write them: tags and mentions after spaces, punctuation,
#: emoji, accents and other scripts, '#'/'@' inside words and URLs, doubled marks.
_PIECES = st.sampled_from(
    [
        "#musée",
        "#Été",
        "#博物馆",
        "#متحف",
        "#1789",
        "#art2024",
        "##double",
        "#",
        "@",
        "@@x",
        "@amis.du.musee",
        "@a.",
        "C#",
        "page#3",
        "a&#x27;",
        "https://example.org/page#section",
        "https://www.tiktok.com/@museedemo/video/1",
        "mail@musee.fr",
        "🎨",
        "✨#nuit",
        "«#coulisses»",
        "(#quiz)",
        "é",
        "_",
        " ",
        "\n",
        "\r\n",
        "\u00a0",
        ",",
        "/",
        "&",
        ".",
    ]
)
_TEXTS = st.one_of(
    st.lists(_PIECES, max_size=12).map("".join),
    st.text(alphabet=st.sampled_from("#@ a1_./&éÉ博🎨\n-:"), max_size=30),
    st.text(max_size=30),
)


def _doubled(text: str | None, mark: str) -> bool:
    return text is not None and mark + mark in text


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.none(), _TEXTS), min_size=1, max_size=8))
def test_tags_cut_by_position_equal_the_regex_replace(texts: list[str | None]) -> None:
    df = pl.DataFrame({"text": texts}, schema={"text": pl.Utf8})
    got = df.select(h=hashtags_expr("text"), m=mentions_expr("text"))
    # every text: what the Python functions give
    assert got["h"].to_list() == [hashtags(t) for t in texts], texts
    assert got["m"].to_list() == [mentions(t) for t in texts], texts
    # a text without a doubled mark: what the expressions gave before (the old replace cut
    # up to the first mark, so "##tag" gave "#tag": the one difference)
    want = df.select(h=_by_replace(HASHTAG_PATTERN, "#"), m=_by_replace(MENTION_PATTERN, "@"))
    for column, mark in (("h", "#"), ("m", "@")):
        plain = [not _doubled(t, mark) for t in texts]
        kept = got[column].filter(pl.Series(plain))
        assert kept.equals(want[column].filter(pl.Series(plain))), (texts, column)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["##", "###", "@@", "#", "@", " ", "x", "é", "博", "_", "1"]), max_size=10
    ).map("".join)
)
def test_doubled_marks_read_as_the_python_functions(text: str) -> None:
    df = pl.DataFrame({"text": [text]})
    got = df.select(h=hashtags_expr(), m=mentions_expr()).row(0)
    assert list(got) == [hashtags(text), mentions(text)], text


def test_a_doubled_mark_is_a_mark_before_the_tag() -> None:
    texts = ["##musée", "Visite ##nuit et ###expo", "@@museedemo", "C##x", "a ## b"]
    got = pl.DataFrame({"text": texts}).select(h=hashtags_expr(), m=mentions_expr())
    # "C##x": the second mark follows a mark, not a word character
    assert got["h"].to_list() == [["musée"], ["nuit", "expo"], [], ["x"], []]
    assert got["m"].to_list() == [[], [], ["museedemo"], [], []]
    assert got["h"].to_list() == [hashtags(t) for t in texts]


def test_tags_of_captions_in_many_scripts() -> None:
    texts = [
        "Nocturne au musée ✨ #museum #nuitdesmusées, venez nombreux !",
        "«#Été» au 博物馆 #博物馆 avec @amis.du.musee et @Atelier_R.",
        "C# et page#3 ne sont pas des tags ; https://example.org/a#b non plus",
        "#a #a #b",
        None,
        "",
    ]
    got = pl.DataFrame({"text": texts}).select(h=hashtags_expr(), m=mentions_expr())
    assert got["h"].to_list() == [hashtags(t) for t in texts]
    assert got["m"].to_list() == [mentions(t) for t in texts]
    assert got["h"].to_list()[1] == ["Été", "博物馆"]


@pytest.mark.parametrize(
    ("text", "tags", "names"),
    [
        ("Visite #e\u0301cole", ["e\u0301cole"], []),  # decomposed "é" (combining accent)
        ("#¼ de prix", [], []),  # a vulgar fraction is no word character
        ("#a¼b @x¼y", ["a"], ["x"]),
        ("#abc² @zwj\u200dx", ["abc"], ["zwj\u200dx"]),  # joiner kept, superscript not
        ("#x\u203fy", ["x\u203fy"], []),  # a connector punctuation, as "_"
    ],
)
def test_word_characters_are_unicodes_in_the_functions_as_in_the_expressions(
    text: str, tags: list[str], names: list[str]
) -> None:
    """The Python functions and the polars expressions read the same Unicode word
    characters (Python's `re` \\w differs from polars' Rust regex: found by the property
    test above with "#¼")."""
    assert hashtags(text) == tags and mentions(text) == names
    got = pl.DataFrame({"text": [text]}).select(h=hashtags_expr(), m=mentions_expr()).row(0)
    assert list(got) == [tags, names]
