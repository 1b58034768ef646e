"""Museum-adjusted young shares (docs/scoring.md §4.1): the empirical-Bayes fit, its pooling,
its fallbacks, and the scored columns on simulated cohorts with planted young shares."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scoring_builders import assert_no_nan

from engagecore import plugins
from engagecore.scoring import ScoringConfig, ScoringInputs, score
from engagecore.scoring.young_eb import (
    K_POOL,
    N_OWN,
    PRIOR_BASIS,
    expit,
    fit_offsets,
    logit,
    measured_variance,
    museum_adjusted,
)
from engagecore.simulate import MuseumYoung, simulate_cohort

NETWORKS = plugins.registry().networks


def _draw(
    rng: np.random.Generator, sizes: list[int], deltas: list[float], tau: float, v: float = 0.01
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    group = np.repeat(np.arange(len(sizes)), sizes)
    d = np.asarray(deltas)[group]
    y = d + rng.normal(0, tau, len(group)) + rng.normal(0, np.sqrt(v), len(group))
    return y, np.full(len(group), v), group


def test_recovers_a_planted_offset_and_spread() -> None:
    rng = np.random.default_rng(1)
    y, v, g = _draw(rng, [600, 400], [-0.5, 0.3], tau=0.35)
    fit = fit_offsets(y, v, g, 2)
    assert fit.mode == ["own", "own"]
    assert fit.delta == pytest.approx([-0.5, 0.3], abs=0.05)
    assert np.sqrt(fit.tau2) == pytest.approx([0.35, 0.35], abs=0.04)
    # the offset's uncertainty is that of a mean of n values of variance τ² + v
    assert fit.delta_var[0] == pytest.approx((0.35**2 + 0.01) / 600, rel=0.25)


def test_no_spread_is_estimated_as_none() -> None:
    rng = np.random.default_rng(2)
    y, v, g = _draw(rng, [300], [-0.2], tau=0.0, v=0.04)
    fit = fit_offsets(y, v, g, 1)
    assert fit.tau2[0] < 0.01 and fit.delta[0] == pytest.approx(-0.2, abs=0.05)


def test_few_measuring_museums_borrow_the_pooled_spread_and_shrink_toward_the_networks() -> None:
    rng = np.random.default_rng(3)
    # networks 0-2 measure well, network 3 has 3 museums far off, network 4 none
    y, v, g = _draw(rng, [200, 200, 200, 3, 0], [-0.5, -0.4, -0.6, 0.8, 0.0], tau=0.3)
    fit = fit_offsets(y, v, g, 5)
    assert fit.mode == ["own", "own", "own", "partial", "borrowed"]
    assert fit.tau2[3] == pytest.approx(fit.tau2_pool) and fit.tau2[4] == fit.tau2_pool
    assert np.sqrt(fit.tau2_pool) == pytest.approx(0.3, abs=0.05)
    own = float(np.mean(y[g == 3]))
    assert fit.delta0 < fit.delta[3] < own  # shrunk toward the common offset, not onto it
    assert fit.delta[4] == pytest.approx(fit.delta0)
    # the borrowed offset is as uncertain as networks differ: more than a measured one
    assert fit.delta_var[4] > fit.delta_var[0] and fit.delta_var[4] >= fit.sigma2


def test_with_fewer_than_k_pool_networks_nothing_is_borrowed() -> None:
    rng = np.random.default_rng(4)
    sizes = [50, 4] + [0] * (K_POOL - 1)
    y, v, g = _draw(rng, sizes, [-0.5, -0.5] + [0.0] * (K_POOL - 1), tau=0.3)
    fit = fit_offsets(y, v, g, len(sizes))
    assert fit.mode[:2] == ["own", "partial"] and set(fit.mode[2:]) == {""}
    assert np.isnan(fit.delta0)
    # a partial network keeps its own mean, with the pooled spread
    w = 1 / (v[g == 1] + fit.tau2_pool)
    assert fit.delta[1] == pytest.approx(float((w * y[g == 1]).sum() / w.sum()))


def test_too_few_measurements_leave_the_platform_prior() -> None:
    y, v, g = _draw(np.random.default_rng(5), [3, 1], [0.0, 0.0], tau=0.3)
    fit = fit_offsets(y, v, g, 2)
    assert fit.mode == ["", ""] and fit.n.tolist() == [3, 1]
    empty = fit_offsets(np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.int64), 3)
    assert empty.mode == ["", "", ""] and empty.n_total == 0


def test_withheld_mass_widens_a_measured_share_variance() -> None:
    share = np.array([0.2, 0.2])
    v = measured_variance(share, np.array([0.2, 0.18]), np.array([0.2, 0.25]))
    assert v[0] == pytest.approx(0.01) and v[1] > 0.01
    width = logit(np.array(0.25)) - logit(np.array(0.18))
    assert v[1] == pytest.approx(width**2 / 12 + 0.01)


@st.composite
def _samples(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    k = draw(st.integers(1, 5))
    n = draw(st.integers(0, 40))
    y = np.array(draw(st.lists(st.floats(-6, 6), min_size=n, max_size=n)))
    v = np.array(draw(st.lists(st.floats(1e-4, 4), min_size=n, max_size=n)))
    g = np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)), dtype=np.int64)
    return y, v, g, k


@settings(max_examples=60, deadline=None)
@given(_samples(), st.randoms(use_true_random=False), st.floats(0.01, 3))
def test_fit_is_finite_order_invariant_and_moves_with_the_measured_shares(
    sample: tuple[np.ndarray, np.ndarray, np.ndarray, int], rnd: object, shift: float
) -> None:
    y, v, g, k = sample
    fit = fit_offsets(y, v, g, k)
    fitted = [i for i, m in enumerate(fit.mode) if m]
    for i in fitted:  # no NaN or inf where a network is fitted
        assert np.isfinite([fit.delta[i], fit.delta_var[i], fit.tau2[i]]).all()
        assert fit.delta_var[i] > 0 and fit.tau2[i] >= 0
    order = np.random.default_rng(abs(hash(str(rnd))) % 2**32).permutation(len(y))
    again = fit_offsets(y[order], v[order], g[order], k)
    assert again.mode == fit.mode
    np.testing.assert_array_equal(again.delta, fit.delta)
    np.testing.assert_array_equal(again.tau2, fit.tau2)
    # every museum's share higher on the logit scale by `shift`: every offset higher by it
    up = fit_offsets(y + shift, v, g, k)
    assert up.mode == fit.mode
    for i in fitted:
        assert up.delta[i] == pytest.approx(fit.delta[i] + shift, abs=1e-6)
        assert up.tau2[i] == pytest.approx(fit.tau2[i], abs=1e-6)


def _priors(shares: dict[str, float]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "network": list(shares),
            "typical_young_share": list(shares.values()),
            "prior_low": [s / 2 for s in shares.values()],
            "prior_high": [min(0.99, s * 1.5) for s in shares.values()],
            "prior_source": ["test"] * len(shares),
        }
    )


def _measured(network: str, shares: list[float], width: float = 0.0) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "museum": [f"m{i}" for i in range(len(shares))],
            "network": [network] * len(shares),
            "period_key": [0] * len(shares),
            "measured_share": shares,
            "measured_low": [s - width for s in shares],
            "measured_high": [s + width for s in shares],
        }
    )


def test_museum_adjusted_centres_on_the_measured_museums() -> None:
    rng = np.random.default_rng(6)
    truth = expit(logit(np.array(0.25)) - 0.6 + rng.normal(0, 0.3, 40))
    out = museum_adjusted(_measured("a", truth.tolist()), _priors({"a": 0.25, "b": 0.3}), 0.95)
    (row,) = out.rows(named=True)  # b: nobody measures, fewer than K_POOL networks
    assert row["network"] == "a" and row["young_n_measured"] == 40
    assert row["museum_basis"] == "estimated (museum-adjusted, n = 40)"
    assert row["young_offset"] == pytest.approx(-0.6, abs=0.15)
    assert row["museum_young_low"] < row["typical_young_share_museums"] < row["museum_young_high"]
    # a 95 % prediction interval for one museum holds about 95 % of the museums
    inside = (row["museum_young_low"] <= truth) & (truth <= row["museum_young_high"])
    assert 0.85 <= inside.mean() <= 1.0
    assert museum_adjusted(_measured("a", [])[:0], _priors({"a": 0.25}), 0.95).is_empty()


def _run(measuring: float, seed: int = 11, **kw: object) -> tuple[pl.DataFrame, pl.DataFrame]:
    cohort = simulate_cohort(
        120,
        seed,
        NETWORKS,
        museum_young=MuseumYoung(measuring=measuring, **kw),  # type: ignore[arg-type]
    )
    inputs = ScoringInputs.from_frames(
        cohort.posts,
        accounts=cohort.accounts.select("network", "account_id", "museum"),
        followers=cohort.followers,
        audience_age=cohort.audience_age,
    )
    assert cohort.young_truth is not None
    truth = cohort.young_truth.group_by("museum", "network").agg(
        planted=pl.col("young_share").mean(), planted_offset=pl.col("planted_offset").first()
    )
    return score(inputs, NETWORKS, ScoringConfig(bootstrap=50)), truth


@pytest.fixture(scope="module")
def measured_run() -> tuple[pl.DataFrame, pl.DataFrame]:
    return _run(0.3, withheld_below=0)


def test_scored_estimated_accounts_are_museum_adjusted_and_closer_to_the_truth(
    measured_run: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    scores, truth = measured_run
    assert_no_nan(scores)
    rows = scores.filter(pl.col("network") != "all").join(truth, on=["museum", "network"])
    est = rows.filter(pl.col("young_basis").str.starts_with("estimated"))
    assert est.height and est["young_basis"].str.contains("museum-adjusted").all()
    err = (est["young_share"] - est["planted"]).abs().mean()
    err_prior = (est["typical_young_share"] - est["planted"]).abs().mean()
    assert err < 0.75 * err_prior  # type: ignore[operator]
    # δ recovered on the networks measured by many (no withheld bands here: unbiased shares)
    own = est.filter(pl.col("young_n_measured") >= N_OWN).unique("network")
    assert own.height >= 2
    for r in own.iter_rows(named=True):
        assert r["young_offset"] == pytest.approx(
            r["planted_offset"], abs=3 * r["young_offset_se"] + 0.1
        )
    # the two indexes: an estimated account is its museums' typical share (index 1 against
    # the museums), not the platform's (index < 1: planted offsets are negative)
    assert est["young_index_museums"].to_numpy() == pytest.approx(1.0)
    assert (est["young_index"] < 1).all()
    measured = rows.filter(pl.col("young_basis") == "measured")
    assert measured["young_index_museums"].is_not_null().all()
    ratio = measured["young_share"] / measured["typical_young_share_museums"]
    assert measured["young_index_museums"].to_numpy() == pytest.approx(ratio.to_numpy())


def test_the_scored_young_shares_do_not_depend_on_row_order() -> None:
    cohort = simulate_cohort(60, 12, NETWORKS, museum_young=MuseumYoung(measuring=0.5))
    cols = ["museum", "network", "young_share", "young_share_low", "young_share_high",
            "young_basis", "young_index_museums"]  # fmt: skip

    def run(shuffle: bool) -> pl.DataFrame:
        age = (
            cohort.audience_age.sample(fraction=1.0, shuffle=True, seed=1)
            if shuffle
            else cohort.audience_age
        )
        posts = cohort.posts.sample(fraction=1.0, shuffle=True, seed=2) if shuffle else cohort.posts
        inputs = ScoringInputs.from_frames(
            posts,
            accounts=cohort.accounts.select("network", "account_id", "museum"),
            followers=cohort.followers,
            audience_age=age,
        )
        return score(inputs, NETWORKS, ScoringConfig(bootstrap=20)).select(cols)

    a, b = run(False), run(True)
    assert a["young_basis"].str.contains("museum-adjusted").any()
    assert a.select("museum", "network", "young_basis").equals(
        b.select("museum", "network", "young_basis")
    )
    for col in ("young_share", "young_share_low", "young_share_high", "young_index_museums"):
        # equal up to the float sums of the measured bands (the fit itself sorts its inputs)
        assert (a[col] - b[col]).abs().max() < 1e-12  # type: ignore[operator]


def test_the_estimate_rises_with_the_planted_offset() -> None:
    means = []
    for offset in (-0.8, -0.2, 0.4):
        scores, _ = _run(0.3, seed=13, offset=offset, network_spread=0.0)
        est = scores.filter(
            (pl.col("network") == "instagram") & pl.col("young_basis").str.contains("adjusted")
        )
        means.append(float(est["young_share"].mean()))  # type: ignore[arg-type]
    assert means[0] < means[1] < means[2]


def test_no_measurement_falls_back_to_the_platform_prior() -> None:
    scores, _ = _run(0.0)
    rows = scores.filter(pl.col("network") != "all")
    assert (rows["young_basis"] == PRIOR_BASIS).all()
    assert rows["young_share"].to_numpy() == pytest.approx(rows["typical_young_share"].to_numpy())
    assert rows["young_index_museums"].is_null().all()
    assert rows["young_offset"].is_null().all()
