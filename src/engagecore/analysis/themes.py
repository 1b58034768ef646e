"""What works: the lift of themes, formats and posting times (``engage themes``).

Each post gets the themes of ``data/themes.toml`` whose hashtags or keywords its caption holds
(source ``rules``); a TF-IDF + logistic-regression model trained on those rule labels labels
the posts the rules leave without any theme (source ``model``), its precision measured on
held-out posts. A lift compares a group of posts with the same account's other posts on the
size-adjusted rate, pooled over the selected museums, with a 95 % log-ratio interval.
Formulas and columns: docs/analyses.md, "What works: themes and formats".
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from engagecore.analysis.text import normalized, terms_regex
from engagecore.blas import one_blas_thread
from engagecore.errors import UsageError

#: The columns of :attr:`ThemeReport.lifts`, in order.
LIFT_COLUMNS: tuple[str, ...] = (
    "factor",
    "level",
    "label",
    "source",
    "lift",
    "lift_low",
    "lift_high",
    "posts",
    "museums",
    "share",
    "precision",
)
#: The factors, in the order they are reported.
FACTORS: tuple[str, ...] = ("theme", "format", "weekday", "hour", "length", "question")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: Caption length bands, in characters: (upper bound exclusive, level).
LENGTH_BANDS: tuple[tuple[int, str], ...] = (
    (80, "< 80 characters"),
    (200, "80-199 characters"),
    (500, "200-499 characters"),
    (1 << 62, ">= 500 characters"),
)
DEFAULT_TIMEZONE = "Europe/Paris"
#: A post counts at most this many times its account's mean rate in a lift.
Y_CAP = 10.0
#: From this many strata (account × basis) on, a lift's standard error is the larger of the
#: delta method's and the delete-one-stratum jackknife's.
MIN_JACKKNIFE_STRATA = 10
#: 95 % normal quantile of the log-ratio interval.
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Theme:
    name: str
    label: str
    hashtags: tuple[str, ...]
    keywords: tuple[str, ...]

    def pattern(self) -> str:
        """A case- and accent-insensitive regex (polars) matching any of its terms."""
        return terms_regex((*self.hashtags, *self.keywords))


def load_themes(path: str | Path | None = None) -> list[Theme]:
    """The themes of the packaged ``data/themes.toml``, with a user's file ``path`` merged over
    them: its words are added to a theme of the same name, its new themes appended."""
    text = resources.files("engagecore").joinpath("data", "themes.toml").read_text("utf-8")
    merged: dict[str, dict[str, Any]] = {}
    sources: list[tuple[str, str]] = [("data/themes.toml", text)]
    if path is not None:
        try:
            sources.append((str(path), Path(path).read_text("utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"{path}: cannot be read ({exc})") from exc
    for where, body in sources:
        try:
            themes = tomllib.loads(body)["themes"]
            for name, spec in themes.items():
                entry = merged.setdefault(name, {"label": name, "hashtags": [], "keywords": []})
                entry["label"] = str(spec.get("label", entry["label"]))
                for key in ("hashtags", "keywords"):
                    values = spec.get(key, [])
                    if not isinstance(values, list):
                        raise TypeError(f"{key} of {name} is not a list")
                    entry[key] += [str(v) for v in values]
        except (tomllib.TOMLDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise UsageError(
                f"{where}: not a themes file ({exc}); expected [themes.NAME] with label, "
                "hashtags = [...] and keywords = [...]"
            ) from exc
    return [
        Theme(name, e["label"], tuple(e["hashtags"]), tuple(e["keywords"]))
        for name, e in merged.items()
    ]


def rule_labels(posts: pl.DataFrame, themes: Sequence[Theme]) -> pl.DataFrame:
    """A boolean column per theme (its name) beside ``network`` and ``post_id``: the caption
    or the hashtags hold one of the theme's terms."""
    text = normalized(
        pl.col("text").fill_null("") + pl.lit(" ") + pl.col("hashtags").fill_null([]).list.join(" ")
    )
    return (
        posts.select("network", "post_id", text.alias("_text"))
        .with_columns(pl.col("_text").str.contains(t.pattern()).alias(t.name) for t in themes)
        .drop("_text")
    )


# ---------------------------------------------------------------------------------------------
# the text model


@dataclass
class TextModel:
    """TF-IDF + one logistic regression per theme, trained on rule-labelled captions with the
    rule terms masked out (so that it learns the words around them)."""

    themes: list[str]
    precision: dict[str, float | None]
    predicted: dict[str, int]
    overall_precision: float | None
    _vectorizer: Any = None
    _models: dict[str, Any] | None = None
    threshold: float = 0.5

    def predict(self, texts: Sequence[str]) -> pl.DataFrame:
        """One boolean column per theme, a row per text of ``texts``: every theme false
        when the model learnt nothing (too few captions to train on)."""
        if not self._models or not texts:
            none = [False] * len(texts)
            return pl.DataFrame({t: pl.Series(none, dtype=pl.Boolean) for t in self.themes})
        x = self._vectorizer.transform(list(texts))
        return pl.DataFrame(
            {
                t: (m.predict_proba(x)[:, 1] >= self.threshold)
                if m is not None
                else np.zeros(len(texts), dtype=bool)
                for t, m in self._models.items()
            }
        )


MODEL_TRAIN_MAX = 20_000
MODEL_MIN_POSITIVES = 20


def mask_terms(texts: pl.Series, themes: Sequence[Theme]) -> pl.Series:
    """``texts`` with every rule term of ``themes`` removed (what the model learns from)."""
    pattern = terms_regex([w for t in themes for w in (*t.hashtags, *t.keywords)])
    # twice: two terms side by side share the space between them
    text = normalized(pl.col("t")).str.replace_all(pattern, "  ").str.replace_all(pattern, "  ")
    return pl.DataFrame({"t": texts}).select(text).to_series()


def train_model(
    texts: pl.Series, labels: pl.DataFrame, themes: Sequence[Theme], seed: int = 0
) -> TextModel:
    """Train on the unique captions (``labels``: one boolean column per theme), 80 % for
    training and 20 % held out; precision per theme = share of the held-out captions the model
    labels with the theme that the rules label with it too."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    names = [t.name for t in themes]
    frame = pl.concat([pl.DataFrame({"text": texts}), labels.select(names)], how="horizontal")
    frame = frame.unique("text", keep="first", maintain_order=True)
    if frame.height > MODEL_TRAIN_MAX:
        frame = frame.sample(MODEL_TRAIN_MAX, seed=seed)
    rng = np.random.default_rng(seed)
    held = rng.random(frame.height) < 0.2
    masked = mask_terms(frame["text"], themes).to_list()
    train_idx = np.flatnonzero(~held)
    test_idx = np.flatnonzero(held)
    empty = TextModel(names, dict.fromkeys(names), dict.fromkeys(names, 0), None)
    if len(train_idx) < 20 or len(test_idx) < 5:
        return empty
    vectorizer = TfidfVectorizer(
        strip_accents="unicode", lowercase=True, ngram_range=(1, 2), min_df=2, sublinear_tf=True
    )
    try:
        x_train = vectorizer.fit_transform([masked[i] for i in train_idx])
    except ValueError:  # no word left (every caption empty once masked)
        return empty
    x_test = vectorizer.transform([masked[i] for i in test_idx])
    models: dict[str, Any] = {}
    precision: dict[str, float | None] = {}
    predicted: dict[str, int] = {}
    tp_all = fp_all = 0
    # one BLAS thread: the fits are too small for more (engagecore.blas)
    with one_blas_thread():
        for name in names:
            y = frame[name].to_numpy()
            y_train = y[train_idx]
            if y_train.sum() < MODEL_MIN_POSITIVES or y_train.all():
                models[name], precision[name], predicted[name] = None, None, 0
                continue
            model = LogisticRegression(max_iter=1000, C=4.0, random_state=seed)
            model.fit(x_train, y_train)
            hits = model.predict_proba(x_test)[:, 1] >= 0.5
            tp = int((hits & y[test_idx]).sum())
            fp = int((hits & ~y[test_idx]).sum())
            models[name] = model
            predicted[name] = tp + fp
            precision[name] = tp / (tp + fp) if tp + fp else None
            tp_all, fp_all = tp_all + tp, fp_all + fp
    overall = tp_all / (tp_all + fp_all) if tp_all + fp_all else None
    return TextModel(names, precision, predicted, overall, vectorizer, models)


# ---------------------------------------------------------------------------------------------
# lifts


def _relative_rate(frame: pl.DataFrame) -> pl.DataFrame:
    """``y`` = the post's rate ÷ the mean rate of its account on the same basis (the size
    adjustment: an account's size sets its level, not the comparison), at most :data:`Y_CAP`
    (a single viral post cannot make a theme), in strata ``stratum``."""
    key = ["museum", "network", "account_id", "rate_basis"]
    return (
        frame.filter(pl.col("rate").is_not_null() & pl.col("rate").is_finite())
        .with_columns(base=pl.col("rate").mean().over(key), stratum=pl.struct(key).hash())
        .filter(pl.col("base") > 0)
        .with_columns(y=(pl.col("rate") / pl.col("base")).clip(upper_bound=Y_CAP))
    )


def t975(df: pl.Expr) -> pl.Expr:
    """Student's t 97.5 % quantile for ``df`` degrees of freedom (≥ 9 here), by the
    Cornish–Fisher expansion around the normal quantile (Abramowitz & Stegun 26.7.5, three
    terms: within 3·10⁻⁴ of the exact value from 9 degrees of freedom on)."""
    z = Z95
    nu = df.cast(pl.Float64)
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    return z + g1 / nu + g2 / nu**2 + g3 / nu**3


def ratio_lift(
    groups: pl.DataFrame, totals: pl.DataFrame, excluded: pl.DataFrame | None = None
) -> pl.DataFrame:
    """The lift of each group (``key`` column) over the other posts of the same strata.

    ``groups``: per ``key`` × ``stratum``: ``n``, ``s`` (Σy), ``q`` (Σy²), ``museum``;
    ``totals``: per ``stratum``: ``n``, ``s``, ``q``; ``excluded`` (optional), per ``key`` ×
    ``stratum``: posts left out of the comparison group (``n``, ``s``, ``q``) as well.

    Lift R = Σ_groups Σy ÷ Σ_strata n_G · ȳ_O (the group's posts against what they would get
    at the rate of their account's other posts). Delta-method variance of log R with the
    residuals y − R·ȳ_O and the variance of each ȳ_O; from :data:`MIN_JACKKNIFE_STRATA`
    strata on, the larger of it and the delete-one-stratum jackknife's, with Student's
    quantile (docs/analyses.md). Strata need ≥ 2 other posts.
    """
    g = groups.join(totals, on="stratum", suffix="_t")
    if excluded is None:  # the others: every other post of the stratum
        g = g.with_columns(
            n_o=pl.col("n_t") - pl.col("n"),
            s_o=pl.col("s_t") - pl.col("s"),
            q_o=pl.col("q_t") - pl.col("q"),
        )
    else:  # the others: the stratum's posts outside ``excluded`` (which holds the group)
        g = g.join(excluded, on=["key", "stratum"], how="left", suffix="_x").with_columns(
            n_o=pl.col("n_t") - pl.col("n_x").fill_null(0),
            s_o=pl.col("s_t") - pl.col("s_x").fill_null(0.0),
            q_o=pl.col("q_t") - pl.col("q_x").fill_null(0.0),
        )
    g = g.filter(pl.col("n_o") >= 2)
    g = g.with_columns(m_o=pl.col("s_o") / pl.col("n_o")).with_columns(
        v_o=((pl.col("q_o") - pl.col("n_o") * pl.col("m_o") ** 2) / (pl.col("n_o") - 1)).clip(0.0)
    )
    # the delete-one-stratum jackknife of log R: each stratum's contribution to A and B left
    # out in turn (Quenouille–Tukey; Efron & Stein 1981 for its bias upward)
    a_all = pl.col("s").sum().over("key")
    b_all = (pl.col("n") * pl.col("m_o")).sum().over("key")
    g = g.with_columns(
        loo=pl.when((a_all - pl.col("s") > 0) & (b_all - pl.col("n") * pl.col("m_o") > 0)).then(
            ((a_all - pl.col("s")) / (b_all - pl.col("n") * pl.col("m_o"))).log()
        )
    )
    agg = g.group_by("key").agg(
        strata=pl.len(),
        jk=(pl.len() - 1) / pl.len() * ((pl.col("loo") - pl.col("loo").mean()) ** 2).sum(),
        jk_ok=pl.col("loo").is_not_null().all(),
        posts=pl.col("n").sum(),
        museums=pl.col("museum").n_unique(),
        a=pl.col("s").sum(),
        b=(pl.col("n") * pl.col("m_o")).sum(),
        # for the residuals: Σ q − 2R Σ m s + R² Σ n m²  (R known once a and b are)
        ms=(pl.col("m_o") * pl.col("s")).sum(),
        nm2=(pl.col("n") * pl.col("m_o") ** 2).sum(),
        q=pl.col("q").sum(),
        vb=(pl.col("n") ** 2 * pl.col("v_o") / pl.col("n_o")).sum(),
    )
    r = pl.col("a") / pl.col("b")
    resid = (pl.col("q") - 2 * r * pl.col("ms") + r**2 * pl.col("nm2")).clip(0.0)
    se_delta = ((resid + r**2 * pl.col("vb")).sqrt() / pl.col("b")) / r
    # with enough strata, the larger of the delta method and the jackknife, whose variance
    # has S − 1 degrees of freedom: Student's quantile instead of the normal one
    jackknife = (pl.col("strata") >= MIN_JACKKNIFE_STRATA) & pl.col("jk_ok")
    se_log = (
        pl.when(jackknife)
        .then(pl.max_horizontal(se_delta, pl.col("jk").sqrt()))
        .otherwise(se_delta)
    )
    z = pl.when(jackknife).then(t975(pl.col("strata") - 1)).otherwise(pl.lit(Z95))
    return (
        agg.filter(pl.col("b") > 0)
        .with_columns(lift=r)
        .with_columns(
            lift_low=pl.when(pl.col("lift") > 0).then(pl.col("lift") * (-z * se_log).exp()),
            lift_high=pl.when(pl.col("lift") > 0).then(pl.col("lift") * (z * se_log).exp()),
        )
        .select("key", "lift", "lift_low", "lift_high", "posts", "museums")
    )


def _sums(frame: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    return frame.group_by(by).agg(
        n=pl.len().cast(pl.Int64),
        s=pl.col("y").sum(),
        q=(pl.col("y") ** 2).sum(),
        museum=pl.col("museum").first(),
    )


@dataclass
class ThemeReport:
    """``lifts``: one row per factor × level × source (:data:`LIFT_COLUMNS`); ``labels``: one
    row per post and theme (network, post_id, theme, source); ``model``: the text model."""

    lifts: pl.DataFrame
    labels: pl.DataFrame
    model: TextModel | None


def what_works(
    metrics: pl.DataFrame,
    themes: Sequence[Theme] | None = None,
    *,
    timezone: str = DEFAULT_TIMEZONE,
    min_posts: int = 10,
    with_model: bool = True,
    seed: int = 0,
) -> ThemeReport:
    """Lifts of themes (rules and model), formats, weekdays, hours, caption lengths and
    questions, from :func:`~engagecore.scoring.post_metrics` rows (already filtered to the
    museums and period wanted). Levels with fewer than ``min_posts`` compared posts are left
    out."""
    themes = list(themes) if themes is not None else load_themes()
    posts = _relative_rate(metrics)
    names = [t.name for t in themes]
    rules = rule_labels(posts, themes)
    labels = (
        rules.unpivot(index=["network", "post_id"], on=names, variable_name="theme")
        .filter(pl.col("value"))
        .select("network", "post_id", "theme", source=pl.lit("rules"))
    )
    model = None
    if with_model and posts.height:
        text = posts["text"].fill_null("")
        model = train_model(text, rules, themes, seed)
        none = rules.select(~pl.any_horizontal(names)).to_series()
        missed = posts.filter(none)
        unique = missed["text"].fill_null("").unique(maintain_order=True)
        guessed = model.predict(unique.to_list())
        if guessed.width:
            by_text = pl.concat([pl.DataFrame({"text": unique}), guessed], how="horizontal")
            mlab = (
                missed.select("network", "post_id", pl.col("text").fill_null(""))
                .join(by_text, on="text")
                .unpivot(index=["network", "post_id"], on=guessed.columns, variable_name="theme")
                .filter(pl.col("value"))
                .select("network", "post_id", "theme", source=pl.lit("model"))
            )
            labels = pl.concat([labels, mlab])
    # each post's factors
    local = pl.col("posted_at").dt.convert_time_zone(timezone)
    length = pl.col("text").fill_null("").str.len_chars()
    band = pl.lit(LENGTH_BANDS[-1][1])
    for bound, name in reversed(LENGTH_BANDS[:-1]):
        band = pl.when(length < bound).then(pl.lit(name)).otherwise(band)
    posts = posts.with_columns(
        format=pl.col("kind"),
        weekday=pl.lit(pl.Series(WEEKDAYS)).gather(local.dt.weekday().cast(pl.Int64) - 1)
        if posts.height
        else pl.lit(None, dtype=pl.Utf8),
        hour=local.dt.hour().cast(pl.Utf8).str.zfill(2) + pl.lit("h"),
        length=band,
        question=pl.when(pl.col("text").fill_null("").str.contains(r"\?|¿"))
        .then(pl.lit("with a question mark"))
        .otherwise(pl.lit("without")),
    )
    totals = _sums(posts, ["stratum"]).drop("museum")
    rows = []
    labelled = labels.join(posts, on=["network", "post_id"])
    any_theme = _sums(
        labelled.unique(["network", "post_id", "theme"]).rename({"theme": "key"}),
        ["key", "stratum"],
    ).drop("museum")
    for source in ("rules", "model"):
        part = labelled.filter(pl.col("source") == source).rename({"theme": "key"})
        if part.is_empty():
            continue
        lifts = ratio_lift(_sums(part, ["key", "stratum"]), totals, any_theme)
        rows.append(lifts.with_columns(factor=pl.lit("theme"), source=pl.lit(source)))
    for factor in FACTORS[1:]:
        lifts = ratio_lift(
            _sums(posts.with_columns(key=pl.col(factor)), ["key", "stratum"]), totals
        )
        if factor == "question":
            lifts = lifts.filter(pl.col("key") == "with a question mark")
        rows.append(lifts.with_columns(factor=pl.lit(factor), source=pl.lit("rules")))
    labels_of = {t.name: t.label for t in themes}
    order = {f: i for i, f in enumerate(FACTORS)}
    level_order = {
        **{d: i for i, d in enumerate(WEEKDAYS)},
        **{b: i for i, (_, b) in enumerate(LENGTH_BANDS)},
    }
    schema = {
        "key": pl.Utf8,
        "lift": pl.Float64,
        "lift_low": pl.Float64,
        "lift_high": pl.Float64,
        "posts": pl.Int64,
        "museums": pl.Int64,
        "factor": pl.Utf8,
        "source": pl.Utf8,
    }
    out = (
        pl.concat([r.select([pl.col(c).cast(t) for c, t in schema.items()]) for r in rows])
        if rows
        else pl.DataFrame(schema=schema)
    )
    precision = model.precision if model is not None else {}
    out = out.filter(pl.col("posts") >= min_posts).with_columns(
        level=pl.col("key"),
        label=pl.col("key").replace_strict(labels_of, default=pl.col("key")),
        share=pl.col("posts") / max(posts.height, 1),
        precision=pl.when(pl.col("source") == "model").then(
            pl.col("key").replace_strict(precision, default=None, return_dtype=pl.Float64)
        ),
        _f=pl.col("factor").replace_strict(order, return_dtype=pl.Int64),
        _l=pl.col("key").replace_strict(level_order, default=None, return_dtype=pl.Int64),
    )
    out = out.sort(
        ["_f", "source", "_l", "lift", "level"],
        descending=[False, True, False, True, False],
        nulls_last=True,
    )
    # hours in clock order
    out = (
        pl.concat(
            [
                f.sort("level") if f["factor"][0] == "hour" else f
                for f in out.partition_by("factor", maintain_order=True)
            ]
        )
        if out.height
        else out
    )
    return ThemeReport(out.select(LIFT_COLUMNS), labels, model)


def summarize_precision(model: TextModel | None) -> str:
    """One line: the model's held-out precision (overall and per theme)."""
    if model is None or model.overall_precision is None:
        return "text model: not enough rule-labelled posts to train and test it"
    parts = [
        f"{name} {p:.0%}"
        for name, p in model.precision.items()
        if p is not None and not math.isnan(p)
    ]
    return (
        f"text model (TF-IDF + logistic regression, rule terms masked): held-out precision "
        f"{model.overall_precision:.0%} ({', '.join(parts)})"
    )
