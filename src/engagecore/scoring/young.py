"""Young-audience share: measured from owned audience-age data, else from per-network priors.

Each network's plugin ships its prior (``NetworkSpec.young_prior``, with its sources; the
shared derivation is written out in ``engagecore/data/young_priors.toml``); a user file of
that file's shape (``[networks.NAME]`` tables) overrides them. The core knows no network by
name: a network without a prior simply has no estimate.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from statistics import NormalDist

import numpy as np
import polars as pl

from engagecore.errors import UsageError
from engagecore.pluginapi import NetworkSpec
from engagecore.scoring.config import ScoringConfig

#: The upper age assumed for an open band such as "65+" when apportioning it.
OPEN_BAND_MAX = 84

#: Standard deviation, on the logit scale, of the platforms' own error in an account's measured
#: young share (self-declared birth dates, age-inference models), beyond the withheld mass.
#: No platform publishes it; reasoned in docs/scoring.md §4 ("Measurement error"): about
#: ±2.4 points (one s.d.) at a 20 % share, uncertain by a factor of two either way.
MEASUREMENT_SD = 0.15

#: Shares are clipped into [LOGIT_EPS, 1 − LOGIT_EPS] before a logit.
LOGIT_EPS = 0.005

#: Audience-age bases in order of preference: followers are the audience engagement divides by.
AGE_BASIS_ORDER = {"followers": 0, "viewers": 1, "engaged": 2}


@dataclass(frozen=True)
class Prior:
    """One network's prior age make-up."""

    network: str
    bands: dict[str, float]
    concentration: float
    sources: tuple[str, ...]
    note: str
    origin: str


def load_priors(
    config: ScoringConfig, networks: Mapping[str, NetworkSpec] | None = None
) -> dict[str, Prior]:
    """Each network's own prior (``NetworkSpec.young_prior``, shipped by its plugin), with the
    user's override file (if any) replacing whole networks or adding some.

    ``networks``: the specs scored (default: every registered network).
    """
    if networks is None:
        from engagecore import plugins

        networks = plugins.registry().networks
    priors: dict[str, Prior] = {}
    for name, spec in networks.items():
        if spec.young_prior is None:
            continue
        given = spec.young_prior
        entry = {
            "bands": dict(given.bands),
            "concentration": given.concentration,
            "sources": given.sources,
            "note": given.note,
        }
        priors.update(_parse({"networks": {name: entry}}, f"{name} plugin"))
    override = config.priors_file()
    if override is not None:
        path = Path(override)
        try:
            data = tomllib.loads(path.read_text("utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise UsageError(f"young priors {path}: cannot be read as TOML ({exc})") from exc
        priors.update(_parse(data, str(path)))
    return priors


def _parse(data: Mapping[str, object], origin: str) -> dict[str, Prior]:
    nets = data.get("networks")
    if not isinstance(nets, dict):
        raise UsageError(f"young priors {origin}: expected a [networks.NAME] table per network")
    out = {}
    for name, entry in nets.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("bands"), dict):
            raise UsageError(f"young priors {origin}: networks.{name} needs a 'bands' table")
        bands = {str(k): float(v) for k, v in entry["bands"].items()}
        for band in bands:
            parse_band(band, origin)
        total = sum(bands.values())
        if not 0.98 <= total <= 1.02:
            raise UsageError(
                f"young priors {origin}: networks.{name} band shares sum to {total:.3f}, expected 1"
            )
        conc = float(entry.get("concentration", 20))
        if conc <= 0:
            raise UsageError(f"young priors {origin}: networks.{name} concentration must be > 0")
        out[str(name)] = Prior(
            network=str(name),
            bands={k: v / total for k, v in bands.items()},
            concentration=conc,
            sources=tuple(str(s) for s in entry.get("sources", ())),
            note=str(entry.get("note", "")),
            origin=origin,
        )
    return out


def parse_band(band: str, origin: str = "band") -> tuple[int, int | None]:
    """``"18-24"`` → (18, 24); ``"65+"`` → (65, None)."""
    text = band.strip()
    try:
        if text.endswith("+"):
            return int(text[:-1]), None
        lo, hi = text.split("-")
        return int(lo), int(hi)
    except ValueError as exc:
        raise UsageError(f"{origin}: age band {band!r} is not like '18-24' or '65+'") from exc


def young_part(age_min: pl.Expr, age_max: pl.Expr, band: tuple[int, int]) -> pl.Expr:
    """The fraction of an age band inside the young band, ages spread evenly in the band."""
    lo, hi = band
    top = age_max.fill_null(OPEN_BAND_MAX)
    width = (top - age_min + 1).cast(pl.Float64)
    inside = pl.min_horizontal(top, pl.lit(hi)) - pl.max_horizontal(age_min, pl.lit(lo)) + 1
    return (inside.clip(lower_bound=0).cast(pl.Float64) / width).clip(0.0, 1.0)


def prior_young(priors: dict[str, Prior], config: ScoringConfig) -> pl.DataFrame:
    """Per network: the prior young share (the network's typical share) and its interval."""
    rows = []
    level = config.interval_level
    for name, prior in sorted(priors.items()):
        share = 0.0
        for band, value in prior.bands.items():
            lo, hi = parse_band(band)
            top = OPEN_BAND_MAX if hi is None else hi
            inside = max(0, min(top, config.young_band[1]) - max(lo, config.young_band[0]) + 1)
            share += value * min(1.0, inside / (top - lo + 1))
        low, high = _beta_interval(share, prior.concentration, level, config.seed)
        rows.append(
            {
                "network": name,
                "typical_young_share": share,
                "prior_low": low,
                "prior_high": high,
                "prior_source": f"{prior.origin}: " + "; ".join(prior.sources),
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "network": pl.Utf8,
            "typical_young_share": pl.Float64,
            "prior_low": pl.Float64,
            "prior_high": pl.Float64,
            "prior_source": pl.Utf8,
        },
    )


@lru_cache(maxsize=256)
def _beta_interval(
    share: float, concentration: float, level: float, seed: int
) -> tuple[float, float]:
    """Central interval of Beta(κs, κ(1−s)), by a fixed-seed draw (no extra dependency)."""
    if share <= 0 or share >= 1:
        return share, share
    rng = np.random.default_rng(seed)
    draws = rng.beta(concentration * share, concentration * (1 - share), 20_000)
    alpha = (1 - level) / 2
    low, high = np.quantile(draws, [alpha, 1 - alpha])
    return float(low), float(high)


def _logit_expr(p: pl.Expr) -> pl.Expr:
    q = p.clip(LOGIT_EPS, 1 - LOGIT_EPS)
    return (q / (1 - q)).log()


def _expit_expr(x: pl.Expr) -> pl.Expr:
    return 1.0 / (1.0 + (-x).exp())


def prior_bands(priors: Mapping[str, Prior], config: ScoringConfig) -> pl.DataFrame:
    """Per network × prior band: its age range (``p_lo``, ``p_hi``, an open band to
    :data:`OPEN_BAND_MAX`), its prior share ``p_w`` and the part of it inside the young band
    ``p_young`` (= ``p_w`` × the band's fraction of ages inside the young band)."""
    rows = []
    lo_y, hi_y = config.young_band
    for name, prior in sorted(priors.items()):
        for band, value in prior.bands.items():
            lo, hi = parse_band(band, prior.origin)
            top = OPEN_BAND_MAX if hi is None else hi
            inside = max(0, min(top, hi_y) - max(lo, lo_y) + 1) / (top - lo + 1)
            rows.append((name, lo, top, value, value * min(1.0, inside)))
    return pl.DataFrame(
        rows,
        schema={
            "network": pl.Utf8,
            "p_lo": pl.Int64,
            "p_hi": pl.Int64,
            "p_w": pl.Float64,
            "p_young": pl.Float64,
        },
        orient="row",
    )


def _withheld_young_fraction(
    audience: pl.LazyFrame, bands: pl.DataFrame, keys: list[str]
) -> pl.LazyFrame:
    """Per reported distribution (``keys``): the young fraction of the bands the platform's
    list has but the report lacks (``fill``), in the prior's proportions — the prior bands
    no reported band overlaps. No row where every prior band is covered."""
    return (
        audience.select(*keys, "age_min", "age_max")
        .join(bands.lazy(), on="network", how="inner")
        .with_columns(
            covered=(pl.col("age_min") <= pl.col("p_hi"))
            & (pl.col("age_max").fill_null(OPEN_BAND_MAX) >= pl.col("p_lo"))
        )
        .group_by(*keys, "p_lo")
        .agg(pl.col("covered").any(), pl.col("p_w").first(), pl.col("p_young").first())
        .filter(~pl.col("covered"))
        .group_by(*keys)
        .agg(miss_w=pl.col("p_w").sum(), miss_young=pl.col("p_young").sum())
        .filter(pl.col("miss_w") > 0)
        .select(*keys, fill=pl.col("miss_young") / pl.col("miss_w"))
    )


def measured_young(
    audience: pl.LazyFrame,
    accounts: pl.LazyFrame,
    ends: pl.DataFrame,
    config: ScoringConfig,
    priors: Mapping[str, Prior] | None = None,
) -> pl.DataFrame:
    """Per museum × network × period: the young share measured in owned audience-age data.

    For each account the distribution observed last before the period's end is used (the
    first one after it otherwise), preferring the followers basis over viewers over engaged
    at the same date. The withheld mass 1 − T (segments a platform does not report) goes to
    the bands of the network's prior that the report lacks, in the prior's proportions (the
    reported shares renormalized where no prior band is missing); it bounds the interval
    (all of it old, or all young), widened by the platforms' own measurement error
    (:data:`MEASUREMENT_SD` on the logit scale). docs/scoring.md §4.

    ``priors``: the networks' priors (default: :func:`load_priors` with ``config``).
    ``measured_withheld_low/high`` give the withheld-mass bounds alone (for the fit of
    :mod:`young_eb`, which adds the measurement error itself).
    """
    if priors is None:
        priors = load_priors(config)
    keys = ["network", "account_id", "observed_at", "basis"]
    # read once: the store's scan runs on one DuckDB cursor, which two concurrent scans of
    # the same LazyFrame would share (audience-age rows are few: bands × accounts × dates)
    reported = audience.filter(pl.col("share").is_not_null()).collect().lazy()
    dist = (
        reported.with_columns(
            part=young_part(pl.col("age_min"), pl.col("age_max"), config.young_band)
        )
        .group_by(*keys)
        .agg(young=(pl.col("share") * pl.col("part")).sum(), total=pl.col("share").sum())
        .filter(pl.col("total") > 0)
        .join(
            _withheld_young_fraction(reported, prior_bands(priors, config), keys),
            on=keys,
            how="left",
        )
        .with_columns(rank=pl.col("basis").replace_strict(AGE_BASIS_ORDER, default=9))
        .sort("rank")
        .group_by("network", "account_id", "observed_at")
        .first()
        .join(accounts, on=["network", "account_id"], how="inner")
        .sort("observed_at")
        .collect()
    )
    out_schema = {
        "museum": pl.Utf8,
        "network": pl.Utf8,
        "period_key": pl.Int64,
        "measured_share": pl.Float64,
        "measured_low": pl.Float64,
        "measured_high": pl.Float64,
        "measured_basis": pl.Utf8,
        "measured_at": pl.Utf8,
        "measured_withheld_low": pl.Float64,
        "measured_withheld_high": pl.Float64,
    }
    if dist.is_empty():
        return pl.DataFrame(schema=out_schema)
    left = ends.join(
        dist.select("museum", "network", "account_id").unique(), on=["museum", "network"]
    ).sort("end")
    cols = ["network", "account_id"]
    back = left.join_asof(
        dist,
        left_on="end",
        right_on="observed_at",
        by=cols,
        strategy="backward",
        check_sortedness=False,
        allow_exact_matches=False,
    )
    fwd = left.join_asof(
        dist,
        left_on="end",
        right_on="observed_at",
        by=cols,
        strategy="forward",
        check_sortedness=False,
    )
    keys = ["museum", "network", "period_key", "account_id"]
    picked = back.join(fwd, on=keys, how="left", suffix="_f").select(
        *keys,
        *(
            pl.coalesce(c, f"{c}_f").alias(c)
            for c in ("young", "total", "basis", "observed_at", "fill")
        ),
    )
    z = NormalDist().inv_cdf(0.5 + config.interval_level / 2)
    spread = z * MEASUREMENT_SD
    scale = pl.max_horizontal(pl.col("total"), pl.lit(1.0))
    withheld = (1 - pl.col("total")).clip(lower_bound=0)
    # the withheld mass's young fraction: the missing prior bands', else the reported bands'
    fill = pl.coalesce("fill", pl.col("young") / pl.col("total"))
    return (
        picked.filter(pl.col("total").is_not_null())
        .with_columns(
            share=(pl.col("young") + withheld * fill) / scale,
            low=pl.col("young") / scale,
            high=(pl.col("young") + withheld) / scale,
        )
        .with_columns(
            low=pl.min_horizontal("low", "share"), high=pl.max_horizontal("high", "share")
        )
        .with_columns(  # never narrower than the withheld-mass bounds (0 and 1 stay)
            low_m=pl.min_horizontal(_expit_expr(_logit_expr(pl.col("low")) - spread), "low"),
            high_m=pl.max_horizontal(_expit_expr(_logit_expr(pl.col("high")) + spread), "high"),
        )
        .group_by("museum", "network", "period_key")
        .agg(
            measured_share=pl.col("share").mean(),
            measured_low=pl.min_horizontal("low_m", "share").mean(),
            measured_high=pl.max_horizontal("high_m", "share").mean(),
            measured_withheld_low=pl.col("low").mean(),
            measured_withheld_high=pl.col("high").mean(),
            measured_basis=pl.col("basis").sort().unique().str.join(","),
            measured_at=pl.col("observed_at").max().dt.strftime("%Y-%m-%d"),
        )
        .select(list(out_schema))
        .cast(out_schema)  # type: ignore[arg-type]
    )
