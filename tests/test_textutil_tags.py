"""The vectorized hashtag and mention expressions: cutting the mark by position gives what
the regular-expression replace they used before gave, on any text."""

from __future__ import annotations

import polars as pl
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


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.none(), _TEXTS), min_size=1, max_size=8))
def test_tags_cut_by_position_equal_the_regex_replace(texts: list[str | None]) -> None:
    df = pl.DataFrame({"text": texts}, schema={"text": pl.Utf8})
    got = df.select(h=hashtags_expr("text"), m=mentions_expr("text"))
    want = df.select(h=_by_replace(HASHTAG_PATTERN, "#"), m=_by_replace(MENTION_PATTERN, "@"))
    assert got.equals(want), (texts, got.to_dicts(), want.to_dicts())


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
