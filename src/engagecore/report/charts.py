"""Charts as inline SVG: altair builds a Vega-Lite spec, vl-convert renders it offline.

vl-convert runs Vega in an embedded engine (no browser, no network) and writes text as SVG
``<text>`` with XML escaping, so a caption or a museum name from the data is text in the SVG,
never markup. :func:`to_svg` makes the SVG fit a page holding several charts: element ids
prefixed by the chart's own id (two inline SVGs must not share an id), the fixed width and
height replaced by CSS scaling through the viewBox (up to :data:`MAX_SCALE` × the drawn
width), and ``role="img"`` with the alt text as
``aria-label`` and ``<title>``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from typing import Any, Literal

# The system font stack of the page; no font is embedded or fetched.
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
VEGA_LITE = "6.4"
WIDTH = 560
PALETTE = [
    "#1f5fa8",
    "#c2410c",
    "#15803d",
    "#7e22ce",
    "#b91c1c",
    "#0e7490",
    "#a16207",
    "#475569",
    "#be185d",
    "#4d7c0f",
]

#: Axis labels' font size (Vega's default) and the least gap between two of them, in the
#: chart's units. Vega measures labels with Arial-like metrics while a browser may draw them
#: in a wider font (DejaVu Sans, Linux's system-ui, is about 14 % wider): Vega's own thinning
#: of overlapping labels keeps this gap, which absorbs the difference.
LABEL_SIZE = 10
LABEL_GAP = 8
#: A label character's width in the widest font the page may be drawn in (DejaVu Sans' digit,
#: 0.636 em), and that of the narrow ones (".", ",", a thin space).
_CHAR_EM, _NARROW_EM = 0.64, 0.32

_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(url\(#|href="#)([^)"]+)')
_SIZE = re.compile(r'\s(width|height)="[^"]*"')
_VIEW_WIDTH = re.compile(r'\sviewBox="\S+ \S+ ([0-9.]+) ')
#: How far CSS may enlarge a chart past the width it was drawn at.
MAX_SCALE = 1.5
_SCRIPT = re.compile(r"<\s*/?\s*(script|foreignObject)\b", re.IGNORECASE)


def config(chart: Any) -> Any:
    """The page's look: system fonts, no chart border, muted axes."""
    import altair as alt

    # one configure call: each configure_* rebuilds a layered chart, copying its layers
    return chart.configure(
        font=FONT,
        background="white",
        view=alt.ViewConfig(stroke=None),
        axis=alt.AxisConfig(
            labelColor="#333",
            titleColor="#333",
            gridColor="#e5e7eb",
            labelFontSize=LABEL_SIZE,
            labelSeparation=LABEL_GAP,
        ),
        legend=alt.LegendConfig(orient="bottom", labelLimit=260),
        range=alt.RangeConfig(category=PALETTE),
    )


def label_width(text: str) -> float:
    """How wide an axis label may be drawn, in the chart's units (the widest font's)."""
    narrow = sum(c in ".,\u202f\u00a0 " for c in text)
    return LABEL_SIZE * (_CHAR_EM * (len(text) - narrow) + _NARROW_EM * narrow)


#: Axis titles' font size (Vega's default, bold) and a bold character's width in the widest
#: font the page may be drawn in, in em.
TITLE_SIZE = 11
_BOLD_EM = 0.72


def wrapped(text: str, width: float) -> str | list[str]:
    """An axis title in lines no wider than ``width`` (the chart's units) when it is wider,
    broken at spaces: Vega would otherwise cut it short with "…"."""
    per_line = max(1, int(width / (TITLE_SIZE * _BOLD_EM)))
    if len(text) <= per_line:
        return text
    lines: list[str] = []
    for word in text.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= per_line:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def spaced_ticks(
    candidates: Sequence[tuple[float, str]], at: Callable[[float], float]
) -> list[float]:
    """The ticks of ``candidates`` ((value, label) in order of preference) whose labels do
    not come within :data:`LABEL_GAP` of each other's at ``at(value)`` (a position in the
    chart's units), in ascending order: the preferred ones are always kept, the others only
    where they fit."""
    kept: list[tuple[float, float, float]] = []  # (value, centre, half width)
    for value, text in candidates:
        centre, half = at(value), label_width(text) / 2
        if all(abs(centre - c) >= half + h + LABEL_GAP for _, c, h in kept):
            kept.append((value, centre, half))
    return sorted(v for v, _, _ in kept)


#: The d3 locale of each page language: axis numbers (12 345,6) and month names (mars).
LOCALES: dict[str, Literal["en-US", "fr-FR"]] = {"en": "en-US", "fr": "fr-FR"}


def render(chart: Any, lang: str = "en") -> str:
    """The raw SVG vl-convert draws for an altair chart (static: no tooltips, no events),
    its numbers and dates in the page's language."""
    import vl_convert as vlc

    spec = config(chart).to_dict()
    locale = LOCALES[lang]
    svg: str = vlc.vegalite_to_svg(
        spec, vl_version=VEGA_LITE, format_locale=locale, time_format_locale=locale
    )
    return svg


def to_svg(chart: Any, uid: str, alt_text: str, lang: str = "en") -> str:
    """The chart as an SVG element ready to inline in the page (see the module's text)."""
    return finish_svg(render(chart, lang), uid, alt_text)


def finish_svg(svg: str, uid: str, alt_text: str) -> str:
    """Prefix ids, scale with the page, label for screen readers; refuse active content."""
    if _SCRIPT.search(svg):  # vl-convert never writes them; a renderer change must not pass
        raise ValueError("the chart renderer produced active SVG content")
    svg = svg[svg.index("<svg") :]
    svg = _ID.sub(lambda m: f'id="{uid}-{m.group(1)}"', svg)
    svg = _REF.sub(lambda m: f"{m.group(1)}{uid}-{m.group(2)}", svg)
    label = html.escape(alt_text, quote=True)
    head_end = svg.index(">")
    width = _VIEW_WIDTH.search(svg[:head_end])
    head = _SIZE.sub("", svg[:head_end])  # the viewBox stays: CSS scales the chart
    head += f' id="{uid}" role="img" aria-label="{label}" preserveAspectRatio="xMidYMid meet"'
    if width is not None:  # a small chart alone is not blown up to the page's width
        head += f' style="max-width:{int(MAX_SCALE * float(width.group(1)))}px"'
    return f"{head}><title>{label}</title>{svg[head_end + 1 :]}"


#: The font size of the names drawn beside a chart's points, a point marker's half width
#: and the gap kept between a name and its point, another name or a chart's edge (chart units).
NAME_SIZE = 11
_MARK_HALF = 6.0
_NAME_GAP = 2.0
#: half the height of a name's box: a browser's line box is about 1.2 em
_NAME_HALF_HEIGHT = 0.65 * NAME_SIZE
#: a museum name's generic head, left out of a name too long for its room
_HEAD = re.compile(
    r"^(mus[ée]e|mus[ée]um|museum|museo)\s+(nationale?\s+)?(de\s+la\s+|de\s+l['’]\s*|des\s+|du\s+"
    r"|de\s+|d['’]\s*|of\s+(the\s+)?)?",
    re.IGNORECASE,
)
#: a name cut shorter than this (with its "…") is not drawn: it would say nothing
_NAME_MIN_CHARS = 8


def name_width(text: str) -> float:
    """How wide a point's name may be drawn, in the chart's units (the widest font's)."""
    return label_width(text) * NAME_SIZE / LABEL_SIZE


def fit_name(text: str, width: float) -> str:
    """``text`` cut at a word, with "…", to be drawn no wider than ``width``."""
    if name_width(text) <= width:
        return text
    words = text.split(" ")
    while len(words) > 1 and name_width(" ".join(words) + "…") > width:
        words.pop()
    short = " ".join(words)
    while len(short) > 1 and name_width(short + "…") > width:
        short = short[:-1]
    return short.rstrip(" ,;:–-") + "…"


def place_names(
    points: Sequence[tuple[float, float, str]], width: float, height: float
) -> list[tuple[float, float, str, Literal["left", "right"]] | None]:
    """Where to draw each point's name (x, y of its anchor, its text and its alignment), in
    the chart's units, so that no two names overlap, none covers a point's marker or crosses
    the chart's edges: beside its point, above, below or level with it, on the side with more
    room first, cut with "…" to the room it has (never to less than a few words); ``None``
    for a point left without its name for want of room. ``points`` are (x, y, name) in order
    of preference (the first named first)."""
    marks = [(x - _MARK_HALF, y - _MARK_HALF, x + _MARK_HALF, y + _MARK_HALF) for x, y, _ in points]
    kept: list[tuple[float, float, float, float]] = []
    out: list[tuple[float, float, str, Literal["left", "right"]] | None] = []
    off = _MARK_HALF + _NAME_GAP
    for x, y, name in points:
        spot = None
        # the side with more room first; a name cut to the room it has, never to a stub
        sides: list[Literal["left", "right"]] = (
            ["right", "left"] if x > width / 2 else ["left", "right"]
        )
        for dy in (-off - 3, off + 3, 0.0, -off - 17, off + 17):
            for align in sides:
                ax = x - off if align == "right" else x + off
                room = min(ax if align == "right" else width - ax, 0.75 * width)
                text = fit_name(name, room)
                if text != name:  # "Musée des Arts décoratifs" → "Arts décoratifs"
                    short = _HEAD.sub("", name, count=1) or name
                    text = fit_name(short[:1].upper() + short[1:], room)
                if text != name and len(text) < min(len(name), _NAME_MIN_CHARS):
                    continue
                w = name_width(text)
                left = ax - w if align == "right" else ax
                top = y + dy - _NAME_HALF_HEIGHT
                box = (left, top, left + w, top + 2 * _NAME_HALF_HEIGHT)
                inside = box[0] >= 0 and box[2] <= width and box[1] >= 0 and box[3] <= height
                if inside and not any(_meet(box, o) for o in kept + marks):
                    spot = (ax, y + dy, text, align, box)
                    break
            if spot is not None:
                break
        if spot is None:
            out.append(None)
            continue
        kept.append(spot[4])
        out.append((spot[0], spot[1], spot[2], spot[3]))
    return out


def _meet(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Two boxes come within :data:`_NAME_GAP` of each other."""
    return (
        a[0] < b[2] + _NAME_GAP
        and b[0] < a[2] + _NAME_GAP
        and a[1] < b[3] + _NAME_GAP
        and b[1] < a[3] + _NAME_GAP
    )
