"""Young-audience share: shipped priors, user override, measured data and band apportionment."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from engage_instagram import NETWORK as INSTAGRAM_NETWORK
from scoring_builders import NETS, T0, followers_frame, inputs, posts_frame

from engagecore import plugins, schema
from engagecore.errors import UsageError
from engagecore.pluginapi import NetworkSpec, YoungPrior
from engagecore.scoring import ScoringConfig, load_priors, score
from engagecore.scoring.young import prior_young

INSTAGRAM = {"instagram": INSTAGRAM_NETWORK}

GAMMA = NetworkSpec(
    "gamma",
    "Gamma",
    {"likes": 1.0},
    frozenset({"likes"}),
    young_prior=YoungPrior(
        bands={"13-17": 0.1, "18-24": 0.3, "25-64": 0.6}, sources=("a survey",), concentration=10
    ),
)


def test_the_registered_plugins_ship_priors_that_cite_sources_and_sum_to_one() -> None:
    priors = load_priors(ScoringConfig())
    registered = plugins.registry().networks
    assert {"x", "instagram", "facebook", "youtube", "mastodon"} <= set(priors)
    assert set(priors) <= set(registered)  # none for a network no plugin registers
    for name, prior in priors.items():
        assert prior.sources and sum(prior.bands.values()) == pytest.approx(1.0)
        assert prior.origin == f"{name} plugin"
    typical = (
        prior_young(priors, ScoringConfig())
        .filter(pl.col("network") == "instagram")
        .row(0, named=True)
    )
    assert typical["typical_young_share"] == pytest.approx(0.0975 + 0.1618, abs=1e-3)
    assert typical["prior_low"] < typical["typical_young_share"] < typical["prior_high"]


def test_a_network_spec_brings_its_own_prior() -> None:
    priors = load_priors(ScoringConfig(), {"gamma": GAMMA, **NETS})
    assert set(priors) == {"gamma"}  # NETS's specs give none
    posts = posts_frame([{"network": "gamma", "museum": "a", "likes": 3}] * 3)
    fol = followers_frame([("gamma", "a", T0, 100)])
    row = score(inputs(posts, fol), {"gamma": GAMMA}).row(0, named=True)
    assert row["young_basis"] == "estimated (platform prior)"
    assert row["young_share"] == pytest.approx(0.4)
    assert row["young_reach"] == 40 and row["young_index"] == pytest.approx(1.0)


def test_user_override_replaces_a_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "priors.toml"
    path.write_text(
        '[networks.alpha]\nbands = { "13-24" = 0.5, "25-64" = 0.5 }\nsources = ["me"]\n'
        '[networks.gamma]\nbands = { "13-24" = 0.2, "25-64" = 0.8 }\nsources = ["mine"]\n'
    )
    monkeypatch.setenv("ENGAGE_YOUNG_PRIORS", str(path))
    priors = load_priors(ScoringConfig())
    assert priors["alpha"].bands["13-24"] == 0.5 and "instagram" in priors
    assert priors["instagram"].origin == "instagram plugin"  # not named: the plugin's
    posts = posts_frame([{"museum": "a", "likes": 3}] * 3)
    row = score(inputs(posts, followers_frame([("alpha", "a", T0, 100)])), NETS).row(0, named=True)
    assert row["young_basis"] == "estimated (platform prior)"
    assert row["young_share"] == pytest.approx(0.5)
    assert row["young_index"] == pytest.approx(1.0) and row["young_reach"] == 50
    # the user's entry replaces the plugin's whole
    mine = load_priors(ScoringConfig(), {"gamma": GAMMA})["gamma"]
    assert mine.bands == {"13-24": 0.2, "25-64": 0.8} and mine.sources == ("mine",)
    assert mine.concentration == 20 and mine.origin == str(path)
    posts = posts_frame([{"network": "gamma", "museum": "a", "likes": 3}] * 3)
    fol = followers_frame([("gamma", "a", T0, 100)])
    row = score(inputs(posts, fol), {"gamma": GAMMA}).row(0, named=True)
    assert row["young_share"] == pytest.approx(0.2) and row["young_reach"] == 20


def test_a_broken_override_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[networks.alpha]\nbands = { "13-24" = 0.9 }\n')
    with pytest.raises(UsageError, match=r"sum to 0\.900"):
        load_priors(ScoringConfig(priors_path=path))


def _audience(rows: list[tuple[str, int, int | None, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "network": "instagram",
                "account_id": "instagram-a",
                "observed_at": T0,
                "age_band": b,
                "age_min": lo,
                "age_max": hi,
                "share": s,
                "basis": "followers",
            }
            for b, lo, hi, s in rows
        ],
        schema=schema.AUDIENCE_AGE,
    )


def test_measured_share_apportions_bands_and_bounds_withheld_segments() -> None:
    posts = posts_frame([{"network": "instagram", "museum": "a", "likes": 5}] * 3)
    fol = followers_frame([("instagram", "a", T0, 1000)])
    # 13-17 and 18-24 are young; 25-34 holds 0.4; 10 % withheld (shares sum to 0.9)
    aud = _audience([("13-17", 13, 17, 0.1), ("18-24", 18, 24, 0.35), ("25-34", 25, 34, 0.45)])
    row = score(inputs(posts, fol, aud), INSTAGRAM).row(0, named=True)
    assert row["young_basis"] == "measured"
    assert row["young_share"] == pytest.approx(0.45 / 0.9)
    assert row["young_share_low"] == pytest.approx(0.45)
    assert row["young_share_high"] == pytest.approx(0.55)
    assert row["young_reach"] == 500
    assert row["young_index"] == pytest.approx(0.5 / row["typical_young_share"])
    # a band of 18-29 counts the ages 18-29 overlapping the young band 13-29 fully, 25-34 half
    wide = score(inputs(posts, fol, aud), INSTAGRAM, ScoringConfig(young_band=(13, 29)))
    assert wide.row(0, named=True)["young_share"] == pytest.approx((0.45 + 0.45 / 2) / 0.9)
