"""compare() and explain(): side by side, a winner only when significant, drivers, inputs."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from scoring_builders import NETS, T0, cohort, followers_frame, inputs, posts_frame

from engagecore.errors import UsageError
from engagecore.scoring import compare, explain, mann_whitney, post_metrics, score
from engagecore.scoring.compare import holm


@pytest.fixture(scope="module")
def frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    posts, fol, _ = cohort(30, 40, seed=11)
    rng = np.random.default_rng(0)
    # "star" posts far above its size; "twin" is a copy of m001 (no real difference)
    star = posts_frame(
        [
            {
                "museum": "star",
                "post_id": f"s{k}",
                "likes": int(rng.integers(900, 1100)),
                "kind": "video" if k % 2 else "photo",
                "hashtags": ["jourdefermeture"] if k % 4 == 0 else [],
            }
            for k in range(40)
        ]
    )
    twin = posts.filter(pl.col("museum") == "m001").with_columns(
        museum=pl.lit("twin"),
        account_id=pl.lit("alpha-twin"),
        post_id=pl.col("post_id") + "-t",
    )
    m001 = fol.filter(pl.col("account_id") == "alpha-m001").get_column("followers")[0]
    fol = pl.concat(
        [fol, followers_frame([("alpha", "star", T0, 5000), ("alpha", "twin", T0, int(m001))])]
    )
    inp = inputs(pl.concat([posts, star, twin]), fol)
    return score(inp, NETS), post_metrics(inp, NETS)


def test_a_clear_gap_names_a_winner(frames: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    scores, posts = frames
    res = compare(scores, posts, ["m002", "star"])
    row = res.table.filter(pl.col("network") == "alpha").row(0, named=True)
    assert row["winner"] == "star" and row["p_value"] < 1e-6
    assert row["star score"] > row["m002 score"]
    assert "Mann-Whitney" in row["test"]
    assert res.table.get_column("network").to_list() == ["alpha", "all"]
    assert {"star followers", "m002 rate", "star basis", "star young_index"} <= set(
        res.table.columns
    )


def test_no_winner_without_a_significant_difference(
    frames: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    scores, posts = frames
    row = compare(scores, posts, ["m001", "twin"]).table.filter(pl.col("network") == "alpha")
    assert row.get_column("winner").to_list() == [None]
    assert row.get_column("p_value")[0] > 0.5


def test_drivers_show_posts_kinds_and_hashtags(frames: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    scores, posts = frames
    drivers = compare(scores, posts, ["m002", "star"]).drivers
    star = drivers.filter(pl.col("museum") == "star")
    assert set(star.get_column("driver")) == {"top post", "bottom post", "kind", "hashtag"}
    assert "#jourdefermeture" in star.filter(pl.col("driver") == "hashtag").get_column("label")
    tops = star.filter(pl.col("driver") == "top post").get_column("overperformance")
    bottoms = star.filter(pl.col("driver") == "bottom post").get_column("overperformance")
    assert tops.min() >= bottoms.max()


def test_compare_needs_two_known_museums(frames: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    scores, posts = frames
    with pytest.raises(UsageError, match="at least two"):
        compare(scores, posts, ["star", "star"])
    with pytest.raises(UsageError, match="nowhere"):
        compare(scores, posts, ["star", "nowhere"])


def test_explain_lists_every_input(frames: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    scores, posts = frames
    ex = explain(scores, posts, "star")
    alpha = ex.filter(pl.col("network") == "alpha")
    inputs_ = set(alpha.get_column("input"))
    for name in (
        "followers at period end",
        "engagement rate (winsorized mean)",
        "size slope b",
        "shrinkage weight w",
        "engagement score",
        "young basis",
        "breakout posts",
    ):
        assert name in inputs_
    slope = alpha.filter(pl.col("input") == "size slope b").get_column("value")[0]
    assert float(slope) == pytest.approx(
        scores.filter((pl.col("museum") == "star") & (pl.col("network") == "alpha"))["size_slope"][
            0
        ],
        rel=1e-5,
    )
    with pytest.raises(UsageError):
        explain(scores, posts, "nowhere")


def test_mann_whitney_matches_known_values() -> None:
    a, b = np.arange(10.0), np.arange(10.0) + 100
    p, effect = mann_whitney(b, a)
    assert effect == 1.0 and p < 0.001
    p_same, effect_same = mann_whitney(a, a.copy())
    assert effect_same == 0.5 and p_same == pytest.approx(1.0)


def test_no_winner_on_small_samples() -> None:
    posts = posts_frame(
        [{"museum": "a", "likes": 100 + k} for k in range(5)]
        + [{"museum": "b", "likes": 1 + k} for k in range(5)]
        + [{"museum": f"c{j}", "likes": 10 * (j + 1) + k} for j in range(4) for k in range(12)]
    )
    fol = followers_frame([("alpha", m, T0, 1000) for m in ("a", "b", "c0", "c1", "c2", "c3")])
    inp = inputs(posts, fol)
    row = compare(score(inp, NETS), post_metrics(inp, NETS), ["a", "b"]).table.row(0, named=True)
    assert row["p_value"] < 0.05 and row["winner"] is None
    assert "small sample" in row["test"]
    assert row["verdict"] == "no winner: fewer than 10 rated posts for a, b"


def test_holm_step_down() -> None:
    rejected, thresholds = holm([0.01, 0.04, 0.03, 0.2], 0.05)
    assert thresholds == pytest.approx([0.0125, 0.025, 0.05 / 3, 0.05])
    # 0.01 ≤ 0.0125 passes; 0.03 > 0.0167 stops: 0.04 is kept although below 0.05
    assert rejected == [True, False, False, False]
    assert holm([0.001, 0.02], 0.05) == ([True, True], pytest.approx([0.025, 0.05]))


def test_verdict_names_the_test_and_holm_over_the_networks_compared() -> None:
    """Two networks compared: each p-value is held to its Holm threshold (the smaller one
    to 0.05 / 2), and the headline gives the p-value, the threshold and the method."""
    posts, fol, _ = cohort(20, 30, seed=5, networks=("alpha", "beta"))
    # on alpha "star" is far above m001; on beta it is a copy of m001 (no difference)
    star_alpha = posts_frame(
        [
            {"museum": "star", "network": "alpha", "post_id": f"sa{k}", "likes": 2000 + k}
            for k in range(30)
        ]
    )
    star_beta = posts.filter((pl.col("museum") == "m001") & (pl.col("network") == "beta"))
    star_beta = star_beta.with_columns(
        museum=pl.lit("star"), account_id=pl.lit("beta-star"), post_id=pl.col("post_id") + "s"
    )
    m001 = fol.filter(pl.col("account_id") == "beta-m001").get_column("followers")[0]
    snaps = followers_frame([("alpha", "star", T0, 5000), ("beta", "star", T0, int(m001))])
    inp = inputs(pl.concat([posts, star_alpha, star_beta]), pl.concat([fol, snaps]))
    table = compare(score(inp, NETS), post_metrics(inp, NETS), ["m001", "star"]).table
    alpha = table.filter(pl.col("network") == "alpha").row(0, named=True)
    beta = table.filter(pl.col("network") == "beta").row(0, named=True)
    assert alpha["winner"] == "star" and alpha["alpha_holm"] == pytest.approx(0.025)
    assert alpha["verdict"].startswith("star ahead (p < 0.001 < 0.025, Holm over 2 networks)")
    assert "Holm–Bonferroni over 2 networks" in alpha["test"] and alpha["holm_m"] == 2
    assert beta["winner"] is None and beta["alpha_holm"] == pytest.approx(0.05)
    p = beta["p_value"]
    assert (
        beta["verdict"] == f"no significant difference (p = {p:.2g} ≥ 0.05, Holm over 2 networks)"
    )
    everything = table.filter(pl.col("network") == "all").row(0, named=True)
    assert "interval separation" in everything["verdict"]


def test_why_gives_the_size_adjusted_ratio_and_the_leading_hashtag(
    frames: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    scores, posts = frames
    table = compare(scores, posts, ["m002", "star"]).table
    alpha = table.filter(pl.col("network") == "alpha").row(0, named=True)
    assert alpha["why"].startswith("star's posts are rated ")
    ratio = float(alpha["why"].split("rated ")[1].split("×")[0])
    assert ratio > 2
    assert "after the size adjustment; its #jourdefermeture posts lead" in alpha["why"]
    everything = table.filter(pl.col("network") == "all").row(0, named=True)
    assert everything["why"].startswith("star scores higher on alpha")


def test_a_network_where_one_museum_has_no_account_says_so() -> None:
    posts, fol, _ = cohort(12, 20, seed=2)
    beta = posts_frame(
        [{"museum": "m000", "network": "beta", "post_id": f"b{k}", "likes": 5} for k in range(12)]
    )
    snaps = followers_frame([("beta", "m000", T0, 100)])
    inp = inputs(pl.concat([posts, beta]), pl.concat([fol, snaps]))
    table = compare(score(inp, NETS), post_metrics(inp, NETS), ["m000", "m001"]).table
    row = table.filter(pl.col("network") == "beta").row(0, named=True)
    # m000 is alone on beta (no percentile), m001 has no account there
    assert row["winner"] is None and row["verdict"] == "no winner: no score for m000, m001"
    assert row["why"].startswith("m000: alone in its cohort")
    assert row["why"].endswith("m001: no account on beta")


def test_why_names_the_museum_whose_posts_are_rated_higher_when_the_score_leader_is_not() -> None:
    # "spiky" leads on the score (its 10 % winsorized mean is lifted by a few big posts)
    # while most of its posts do worse than "steady"'s: the sentence read "spiky's posts
    # are rated 0.4× steady's" and named spiky's hashtag as the one that leads
    posts, fol, _ = cohort(12, 20, seed=4)
    spiky = [
        {"museum": "spiky", "post_id": f"k{k}", "likes": 1000 if k % 5 < 2 else 100}
        | {"hashtags": ["coup"] if k % 5 < 2 else []}
        for k in range(40)
    ]
    steady = [
        {"museum": "steady", "post_id": f"d{k}", "likes": 240 + k % 3 * 10}
        | {"hashtags": ["coulisses"] if k % 2 else []}
        for k in range(40)
    ]
    snaps = followers_frame([("alpha", "spiky", T0, 5000), ("alpha", "steady", T0, 5000)])
    inp = inputs(pl.concat([posts, posts_frame(spiky + steady)]), pl.concat([fol, snaps]))
    table = compare(score(inp, NETS), post_metrics(inp, NETS), ["spiky", "steady"]).table
    row = table.filter(pl.col("network") == "alpha").row(0, named=True)
    assert row["spiky score"] > row["steady score"]  # spiky is the score leader
    # medians 100 and 250 likes on the same 5,000 followers: steady's are 2.5× spiky's
    assert row["why"] == (
        "steady's posts are rated 2.5× spiky's after the size adjustment; "
        "its #coulisses posts lead"
    )
