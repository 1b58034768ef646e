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

import numpy as np
import polars as pl

from engagecore.errors import UsageError
from engagecore.pluginapi import NetworkSpec
from engagecore.scoring.config import ScoringConfig

#: The upper age assumed for an open band such as "65+" when apportioning it.
OPEN_BAND_MAX = 84

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


def measured_young(
    audience: pl.LazyFrame, accounts: pl.LazyFrame, ends: pl.DataFrame, config: ScoringConfig
) -> pl.DataFrame:
    """Per museum × network × period: the young share measured in owned audience-age data.

    For each account the distribution observed last before the period's end is used (the
    first one after it otherwise), preferring the followers basis over viewers over engaged
    at the same date. Shares are renormalized over the bands present; the withheld mass
    (segments a platform does not report) bounds the interval: all of it old, or all young.
    """
    dist = (
        audience.with_columns(
            part=young_part(pl.col("age_min"), pl.col("age_max"), config.young_band)
        )
        .group_by("network", "account_id", "observed_at", "basis")
        .agg(
            young=(pl.col("share") * pl.col("part")).sum(),
            total=pl.col("share").sum(),
        )
        .filter(pl.col("total") > 0)
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
        *(pl.coalesce(c, f"{c}_f").alias(c) for c in ("young", "total", "basis", "observed_at")),
    )
    return (
        picked.filter(pl.col("total").is_not_null())
        .with_columns(
            share=pl.col("young") / pl.col("total"),
            low=pl.col("young") / pl.max_horizontal(pl.col("total"), pl.lit(1.0)),
            high=(pl.col("young") + (1 - pl.col("total")).clip(lower_bound=0))
            / pl.max_horizontal(pl.col("total"), pl.lit(1.0)),
        )
        .group_by("museum", "network", "period_key")
        .agg(
            measured_share=pl.col("share").mean(),
            measured_low=pl.min_horizontal(pl.col("low"), pl.col("share")).mean(),
            measured_high=pl.max_horizontal(pl.col("high"), pl.col("share")).mean(),
            measured_basis=pl.col("basis").sort().unique().str.join(","),
            measured_at=pl.col("observed_at").max().dt.strftime("%Y-%m-%d"),
        )
        .select(list(out_schema))
        .cast(out_schema)  # type: ignore[arg-type]
    )
