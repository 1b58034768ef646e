"""Every registered importer passes the conformance kit (``check_read``) on a fixture.

The expected rows were written by reading each fixture by hand (its counts, its times with
their zones, the values it lacks), not copied from what the importer reads. A new importer
fails ``test_every_registered_importer_has_a_case`` until it gets a case here.
"""

from __future__ import annotations

import importlib
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import duckdb
import pytest

from engagecore import plugins
from engagecore.testing import check_read

FIXTURES = Path(__file__).resolve().parent / "fixtures"
Rows = list[dict[str, object]]


@dataclass
class Case:
    importer: str
    sample: str  # under tests/fixtures
    expect: dict[str, Rows]
    account: str | None = None
    options: dict[str, object] = field(default_factory=dict)


def _posts(network: str, counts: tuple[str, ...], rows: list[tuple[object, ...]]) -> Rows:
    """Posts rows from (post_id, posted_at, *counts in ``counts`` order)."""
    out: Rows = []
    for post_id, posted_at, *values in rows:
        assert len(values) == len(counts), post_id
        out.append(
            {"network": network, "post_id": post_id, "posted_at": posted_at}
            | dict(zip(counts, values, strict=True))
        )
    return out


# X: likes, comments (replies), shares (reposts), quotes, saves (bookmarks), impressions
X_COUNTS = ("likes", "comments", "shares", "quotes", "saves", "impressions")
ORSAY = "1318554661"
# Instagram: likes, comments, shares, saves, views, impressions, reach
IG_COUNTS = ("likes", "comments", "shares", "saves", "views", "impressions", "reach")
# Facebook: likes (reactions), comments, shares, views, impressions, reach
FB_COUNTS = ("likes", "comments", "shares", "views", "impressions", "reach")
# YouTube: views, likes, comments, shares, impressions
YT_COUNTS = ("views", "likes", "comments", "shares", "impressions")
LOUVRE_YT = "UCfVvGxNuFTd9ktLB7jTu3Wg"
# Threads: likes, comments (replies), shares (reposts), quotes, views
TH_COUNTS = ("likes", "comments", "shares", "quotes", "views")
TH_NONE = (None,) * len(TH_COUNTS)
# TikTok: likes, comments, shares, saves ("Add to Favorites"), views
TT_COUNTS = ("likes", "comments", "shares", "saves", "views")
# Bluesky: likes, replies, reposts, quotes, bookmarks
BSKY_COUNTS = ("likes", "comments", "shares", "quotes", "saves")
MBA_BSKY = "did:plc:q6gjnaw2blty4crticxkmujt"

CASES = [
    # tweets.js + tweets-part1.js; manifest.js dates the archive (generationDate) and counts
    # the followers; the archive gives likes and reposts only; a repost's counts are the
    # original's (NULL here); one time is written +0100
    Case(
        "x-archive",
        "x/archive",
        {
            "accounts": [
                {"account_id": ORSAY, "handle": "MuseeOrsay", "display_name": "Musée d'Orsay"}
            ],
            "posts": _posts(
                "x",
                X_COUNTS,
                [
                    (
                        "1853800000000000001",
                        "2024-11-05T13:24:09Z",
                        1284,
                        None,
                        212,
                        None,
                        None,
                        None,
                    ),
                    ("1853700000000000002", "2024-11-05T06:46:00Z", 87, None, 14, None, None, None),
                    (
                        "1853600000000000003",
                        "2024-11-04T17:02:11Z",
                        None,
                        None,
                        None,
                        None,
                        None,
                        None,
                    ),
                    ("1853500000000000004", "2024-11-04T08:15:42Z", 3, None, 0, None, None, None),
                    (
                        "1853400000000000005",
                        "2024-11-03T15:00:01Z",
                        402,
                        None,
                        51,
                        None,
                        None,
                        None,
                    ),
                    (
                        "1853300000000000006",
                        "2024-11-02T11:30:00Z",
                        1205,
                        None,
                        98,
                        None,
                        None,
                        None,
                    ),
                    ("1300000000000000007", "2020-08-30T08:00:00Z", 56, None, 7, None, None, None),
                ],
            ),
            "follower_snapshots": [
                {
                    "account_id": ORSAY,
                    "observed_at": "2024-11-06T10:12:33.123Z",
                    "followers": 742318,
                }
            ],
        },
    ),
    # one API v2 page: public_metrics, but the owner-only impressions (non_public_metrics:
    # 50102, not the public 48210) where given (docs/importers.md); the repost's counts
    # NULL; the video has no impression_count
    Case(
        "x-api",
        "x/api/tweets-page.json",
        {
            "accounts": [{"account_id": ORSAY, "handle": "MuseeOrsay"}],
            "posts": _posts(
                "x",
                X_COUNTS,
                [
                    ("1853800000000000001", "2024-11-05T13:24:09Z", 1284, 18, 212, 9, 31, 50102),
                    ("1853700000000000002", "2024-11-05T06:46:00Z", 87, 2, 14, 1, 3, 5120),
                    (
                        "1853600000000000003",
                        "2024-11-04T17:02:11Z",
                        None,
                        None,
                        None,
                        None,
                        None,
                        None,
                    ),
                    ("1853500000000000004", "2024-11-04T08:15:42Z", 3, 1, 0, 0, 0, 210),
                    ("1853400000000000005", "2024-11-03T15:00:01Z", 402, 12, 51, 4, 20, 18000),
                    ("1853300000000000006", "2024-11-02T11:30:00Z", 1205, 7, 98, 3, 44, None),
                ],
            ),
            "follower_snapshots": [{"account_id": ORSAY, "followers": 742318}],
        },
    ),
    # a 2022 German "Download your information" export: media ids from the file names,
    # epoch times, German-formatted counts ("1.234"); the carousel's insights lack shares
    # and saves; usernames are case-insensitive, kept in lower case
    Case(
        "instagram-export",
        "instagram/dyi_2022_de",
        {
            "accounts": [
                {"account_id": "kunstmuseum_demo", "display_name": "Kunstmuseum Münster-Demo"}
            ],
            "posts": _posts(
                "instagram",
                IG_COUNTS,
                [
                    ("17850000000000021", "2022-03-11T12:00:00Z", 77, 6, 2, 11, None, 1234, 1001),
                    (
                        "17850000000000022",
                        "2022-04-03T15:33:20Z",
                        1020,
                        31,
                        None,
                        None,
                        None,
                        10500,
                        8250,
                    ),
                ],
            ),
        },
    ),
    # a saved /media response with insights: plays are views; an ad and a story
    Case(
        "instagram-graph",
        "instagram/graph/media_with_insights.json",
        {
            "accounts": [{"account_id": "museedemo"}],
            "posts": _posts(
                "instagram",
                IG_COUNTS,
                [
                    ("17900000000000101", "2024-05-18T19:30:00Z", 120, 8, 6, 30, 2100, None, 1500),
                    (
                        "17900000000000102",
                        "2024-05-20T08:00:00Z",
                        900,
                        40,
                        None,
                        250,
                        31000,
                        None,
                        20000,
                    ),
                    (
                        "17900000000000103",
                        "2024-05-21T12:00:00Z",
                        0,
                        0,
                        None,
                        None,
                        None,
                        None,
                        None,
                    ),
                    (
                        "17900000000000104",
                        "2024-05-22T18:00:00Z",
                        None,
                        None,
                        None,
                        None,
                        None,
                        800,
                        None,
                    ),
                    (
                        "17900000000000105",
                        "2024-05-23T18:00:00Z",
                        5,
                        1,
                        None,
                        None,
                        None,
                        None,
                        None,
                    ),
                ],
            ),
        },
    ),
    # a page object with its posts and followers_count, dated by engagecore_observed_at; a
    # post's Graph id "{page id}_{post id}" is stored as the post's own id; Meta omits `shares`
    # when it is 0: absent, it is 0 in a response that shows the counts were fetched (the
    # reaction and comment summaries here; docs/importers.md), NULL otherwise
    Case(
        "facebook-graph",
        "facebook/graph-extra/page_with_posts.json",
        {
            "accounts": [
                {"account_id": "555000111", "display_name": "Musée de la Chasse et de la Nature"}
            ],
            "posts": _posts(
                "facebook",
                FB_COUNTS,
                [("777000333", "2026-02-02T10:00:00Z", 15, 2, 0, None, None, None)],
            ),
            "follower_snapshots": [
                {
                    "account_id": "555000111",
                    "observed_at": "2026-02-10T12:00:00Z",
                    "followers": 12400,
                }
            ],
        },
    ),
    # a folder of Graph responses: two posts pages, a post's insights in a file of its own,
    # the page object, page_fans and page_follows (followers, not likes: page_follows wins
    # on the day both give, the page's followers_count on its observed day), and the
    # historical page_fans_gender_age summed over genders (10,000 fans). Shares absent
    # where the pages show the counts were fetched are 0; a shared post (parent_id) is not
    # own. Post 1's reach: the posts page's own post_impressions_unique (15230) is kept
    # over post_insights.json's post_total_media_view_unique (16002) — both mean reach
    # (docs/importers.md); its views come from post_insights.json (post_media_view)
    Case(
        "facebook-graph",
        "facebook/graph",
        {
            "accounts": [
                {
                    "account_id": "104958162837",
                    "handle": "mbalyon",
                    "display_name": "Musée des Beaux-Arts de Lyon",
                }
            ],
            "posts": [
                *_posts(
                    "facebook",
                    FB_COUNTS,
                    [
                        (
                            "1209384756120021",
                            "2026-04-06T17:50:09Z",
                            1240,
                            37,
                            42,
                            40210,
                            20450,
                            15230,
                        ),
                        ("1209112233445566", "2026-03-31T08:00:00Z", 88, 0, 0, None, None, None),
                        (
                            "1208999888777666",
                            "2026-03-29T01:30:00Z",
                            5120,
                            201,
                            310,
                            None,
                            None,
                            None,
                        ),
                        (
                            "1207555444333222",
                            "2025-11-20T16:05:00Z",
                            930,
                            25,
                            0,
                            31000,
                            None,
                            18400,
                        ),
                        ("1206000111222333", "2025-10-26T01:30:00Z", 61, 3, 7, None, None, None),
                    ],
                ),
                {
                    "post_id": "1208777666555444",
                    "posted_at": "2026-03-20T12:00:00Z",
                    "is_own": False,
                    "likes": 12,
                    "comments": 1,
                    "shares": 0,
                    "views": None,
                    "impressions": None,
                    "reach": None,
                },
            ],
            "follower_snapshots": [
                {"account_id": "104958162837", "observed_at": t, "followers": n}
                for t, n in [
                    ("2024-02-28T08:00:00Z", 90010),
                    ("2024-02-29T08:00:00Z", 90044),
                    ("2025-11-14T08:00:00Z", 97002),
                    ("2025-11-16T08:00:00Z", 97350),
                    ("2026-04-08T09:00:00Z", 98120),
                ]
            ],
            "audience_age": [
                {
                    "account_id": "104958162837",
                    "observed_at": "2024-03-01T08:00:00Z",
                    "age_band": band,
                    "age_min": lo,
                    "age_max": hi,
                    "share": share,
                    "basis": "followers",
                }
                for band, lo, hi, share in [
                    ("13-17", 13, 17, 0.02),
                    ("18-24", 18, 24, 0.25),
                    ("25-34", 25, 34, 0.5),
                    ("35-44", 35, 44, 0.2),
                    ("45-54", 45, 54, 0.01),
                    ("55-64", 55, 64, 0.01),
                    ("65+", 65, None, 0.01),
                ]
            ],
        },
    ),
    # posts fetched without their counts (fields=id,message,...): every count NULL; the
    # page is the prefix of the posts' ids
    Case(
        "facebook-graph",
        "facebook/graph-extra/posts_no_counts.json",
        {
            "accounts": [{"account_id": "555000111"}],
            "posts": _posts(
                "facebook",
                FB_COUNTS,
                [
                    ("777000111", "2026-01-01T00:00:00Z", None, None, None, None, None, None),
                    ("777000222", "2025-12-24T18:00:00Z", None, None, None, None, None, None),
                ],
            ),
        },
    ),
    # Meta Business Suite, French headers: local times (Europe/Paris), "31 000" counts;
    # likes are the reactions, views absent
    Case(
        "meta-business-csv",
        "facebook/business_suite/fb_fr_impressions.csv",
        {
            "accounts": [
                {"account_id": "104958162837", "display_name": "Musée des Beaux-Arts de Lyon"}
            ],
            "posts": _posts(
                "facebook",
                FB_COUNTS,
                [
                    ("1207555444333222", "2025-11-20T16:05:00Z", 12400, 25, 0, None, 31000, 18400),
                    ("1206000111222333", "2025-07-14T08:00:00Z", 61, 3, 7, None, 2100, 1650),
                ],
            ),
        },
    ),
    # the template: each row names its network; a local time, an offset, counts with
    # separators; X's row gives followers
    Case(
        "spreadsheet",
        "spreadsheet/posts.csv",
        {
            "accounts": [
                {"network": "instagram", "account_id": "museelouvre"},
                {"network": "x", "account_id": "MuseeLouvre"},
            ],
            "posts": [
                *_posts(
                    "instagram",
                    IG_COUNTS,
                    [
                        ("IG-1", "2024-03-05T14:30:00Z", 1200, 45, None, None, None, None, None),
                        ("IG-2", "2024-03-12T09:00:00Z", 2400, 1024, None, None, 35000, None, None),
                    ],
                ),
                *_posts(
                    "x",
                    X_COUNTS,
                    [("X-1", "2024-03-06T08:00:00Z", 30, 4, 12, None, None, None)],
                ),
            ],
            "follower_snapshots": [
                {"network": "x", "account_id": "MuseeLouvre", "followers": 1_500_000}
            ],
        },
    ),
    # videos.list: hidden likes and disabled comments are NULL, not 0
    Case(
        "youtube-data-api",
        "youtube/videos_list.json",
        {
            "accounts": [{"account_id": LOUVRE_YT, "display_name": "Musée du Louvre"}],
            "posts": _posts(
                "youtube",
                YT_COUNTS,
                [
                    ("Zk3vQ9pL2aE", "2023-08-14T03:10:32Z", 12400, 870, 53, None, None),
                    ("-aB3dE5fG7h", "2024-01-05T17:00:01Z", 98765, None, 12, None, None),
                    ("Qw3rTy7uI9o", "2024-02-10T09:30:00Z", 3021, 41, None, None, None),
                    ("L1veNow0001", "2024-03-01T19:00:00Z", 410, 25, 7, None, None),
                    ("PastLive002", "2024-03-08T18:00:00Z", 1500, 60, 0, None, None),
                ],
            ),
        },
    ),
    # Analytics ageGroup x gender in percent: the genders of a band summed, as shares
    Case(
        "youtube-analytics",
        "youtube/analytics_age_gender.json",
        {
            "accounts": [{"account_id": LOUVRE_YT}],
            "audience_age": [
                {"account_id": LOUVRE_YT, "age_band": band, "share": share, "basis": "viewers"}
                for band, share in [
                    ("13-17", 0.024),
                    ("18-24", 0.174),
                    ("25-34", 0.275),
                    ("35-44", 0.199),
                    ("45-54", 0.143),
                    ("55-64", 0.095),
                    ("65+", 0.09),
                ]
            ],
        },
    ),
    # YouTube Studio "Table data": the Total row is no video; publish days, stored at 12:00 local
    Case(
        "youtube-studio-csv",
        "youtube/table_data_engagement.csv",
        {
            "accounts": [{"account_id": LOUVRE_YT}],
            "posts": _posts(
                "youtube",
                YT_COUNTS,
                [
                    ("Zk3vQ9pL2aE", "2023-08-14T12:00:00+02:00", 12400, 870, 53, 40, 150000),
                    ("-aB3dE5fG7h", "2024-01-05T12:00:00+01:00", 7000, None, 12, None, 90000),
                    ("Qw3rTy7uI9o", "2024-02-10T12:00:00+01:00", 945, 334, None, 56, 70200),
                ],
            ),
        },
        account=LOUVRE_YT,
    ),
    # the example plugin's PeerTube videos list: views and likes, a live video with zeros
    Case(
        "peertube-videos",
        "example/videos.json",
        {
            "accounts": [
                {
                    "account_id": "mucem@peertube.example.org",
                    "handle": "mucem@peertube.example.org",
                    "display_name": "Mucem",
                }
            ],
            "posts": _posts(
                "peertube",
                ("views", "likes"),
                [
                    ("9c9de5e8-0a1b-4c7d-9e2f-1a2b3c4d5e6f", "2024-05-02T10:15:00Z", 1240, 83),
                    ("0f1e2d3c-4b5a-4978-8766-554433221100", "2024-04-20T17:00:00Z", 0, 0),
                    ("5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d", "2024-03-31T08:30:00Z", 20311, 402),
                ],
            ),
        },
    ),
    # a Mastodon account archive (folder): outbox.json with its key orderedItems twice (an
    # empty list first), actor.json without a follower count (no snapshot); no counts (NULL);
    # a boost (Announce, not own), a direct message (left out), a followers-only status kept
    Case(
        "mastodon-archive",
        "mastodon/archive",
        {
            "accounts": [
                {
                    "account_id": "centrepompidou@mastodon.social",
                    "handle": "CentrePompidou@mastodon.social",
                    "display_name": "Centre Pompidou",
                }
            ],
            "posts": [
                {
                    "post_id": "112401234567890123",
                    "posted_at": "2024-05-02T10:15:00Z",
                    "likes": None,
                    "comments": None,
                    "shares": None,
                    "is_own": True,
                    "kind": "text",
                    "language": "fr",
                    "text": "Nocturne ce soir & demain jusqu'à 23h ! 🌙 #musée #Art\n\nAvec @amisdumusee",
                    "hashtags": ["musée", "Art"],
                    "mentions": ["amisdumusee@piaille.fr"],
                    "url": "https://mastodon.social/@CentrePompidou/112401234567890123",
                },
                {
                    "post_id": "112409876543210987",
                    "posted_at": "2024-05-03T16:40:12Z",
                    "likes": None,
                    "comments": None,
                    "shares": None,
                    "kind": "carousel",
                    "text": "Accrochage en cours…\nSalle 4",
                },
                {
                    "post_id": "112412345678901234",
                    "posted_at": "2024-05-04T08:00:00Z",
                    "likes": None,
                    "comments": None,
                    "shares": None,
                    "is_own": False,
                    "url": "https://mastodon.art/users/expo/statuses/112411111111111111",
                },
                {
                    "post_id": "112420000000000001",
                    "posted_at": "2024-05-06T07:30:00Z",
                    "likes": None,
                    "comments": None,
                    "shares": None,
                    "is_own": True,
                    "kind": "video",
                    "language": "en",
                    "hashtags": ["Kandinsky"],
                },
            ],
        },
    ),
    # Mastodon API responses (folder): a statuses page (own statuses with their counts, a
    # boost whose counts are the boosted status's: NULL on the museum's row; a link card)
    # and the account lookup (followers, with engagecore_observed_at)
    Case(
        "mastodon-api",
        "mastodon/api",
        {
            "accounts": [
                {
                    "account_id": "centrepompidou@mastodon.social",
                    "handle": "CentrePompidou@mastodon.social",
                    "display_name": "Centre Pompidou",
                }
            ],
            "posts": [
                {
                    "post_id": "112420000000000001",
                    "posted_at": "2024-05-06T07:30:00.123Z",
                    "likes": 140,
                    "comments": 2,
                    "shares": 31,
                    "kind": "video",
                    "language": "en",
                    "hashtags": ["kandinsky"],
                },
                {
                    "post_id": "112412345678901234",
                    "posted_at": "2024-05-04T08:00:00.508Z",
                    "likes": None,
                    "comments": None,
                    "shares": None,
                    "is_own": False,
                    "kind": "photo",
                    "text": "Opening tonight #art",
                    "url": "https://mastodon.art/@expo/112411111111111111",
                },
                {
                    "post_id": "112409876543210987",
                    "posted_at": "2024-05-03T16:40:12Z",
                    "likes": 35,
                    "comments": 0,
                    "shares": 7,
                    "kind": "carousel",
                },
                {
                    "post_id": "112401234567890123",
                    "posted_at": "2024-05-02T10:15:00Z",
                    "likes": 21,
                    "comments": 3,
                    "shares": 7,
                    "is_own": True,
                    "kind": "link",
                    "mentions": ["amisdumusee@piaille.fr"],
                },
            ],
            "follower_snapshots": [
                {
                    "account_id": "centrepompidou@mastodon.social",
                    "observed_at": "2024-05-06T12:00:00Z",
                    "followers": 18342,
                }
            ],
        },
    ),
    # a Threads fetch: the profile, two /threads pages, media insights (values and
    # total_value forms; one named by engagecore_media_id and without views; a repost's
    # empty), the user insights (followers_count, follower_demographics by age, 13-17
    # withheld); replies are comments, reposts shares; posts without insights have NULL counts
    Case(
        "threads-api",
        "threads/fetch",
        {
            "accounts": [
                {
                    "account_id": "mba_lyon_demo",
                    "handle": "mba_lyon_demo",
                    "display_name": "Musée des Beaux-Arts de Lyon (démo)",
                }
            ],
            "posts": _posts(
                "threads",
                TH_COUNTS,
                [
                    ("18050000000000001", "2024-11-05T17:45:12+00:00", 214, 18, 12, 3, 5230),
                    ("18050000000000002", "2024-10-28T09:00:00+00:00", 402, 25, 31, 0, 8120),
                    ("18050000000000003", "2024-10-20T14:30:00+00:00", 77, 4, 2, 1, None),
                    ("18050000000000004", "2024-10-15T08:05:00+00:00", *TH_NONE),
                    ("18050000000000005", "2024-09-30T16:00:00+00:00", 530, 41, 22, 5, 12044),
                    ("18050000000000006", "2024-09-01T07:30:00+00:00", *TH_NONE),
                    ("18050000000000007", "2023-07-06T08:15:00+00:00", *TH_NONE),
                ],
            ),
            "follower_snapshots": [
                {
                    "account_id": "mba_lyon_demo",
                    "observed_at": "2024-11-10T06:00:00Z",
                    "followers": 4821,
                }
            ],
            "audience_age": [
                {"account_id": "mba_lyon_demo", "age_band": band, "share": n / 4721}
                for band, n in (
                    ("18-24", 610),
                    ("25-34", 1540),
                    ("35-44", 1205),
                    ("45-54", 702),
                    ("55-64", 398),
                    ("65+", 266),
                )
            ],
        },
    ),
    # TikTok Studio's Content table: local times without zone read in Europe/Paris (one
    # after the end of summer time, 02:30 on 2025-10-26 repeated: the first, summer time,
    # is taken), "--" and "NAN" are NULL, a mixed-case handle in one link
    Case(
        "tiktok-studio",
        "tiktok/studio/Content.csv",
        {
            "accounts": [{"account_id": "museedemo", "handle": "museedemo"}],
            "posts": _posts(
                "tiktok",
                TT_COUNTS,
                [
                    ("7567452112981069079", "2025-10-31T17:19:10Z", 1032, 41, 17, 88, 12840),
                    ("7565000000000000002", "2025-10-26T00:30:00Z", None, None, 3, 12, 5210),
                    ("7488000000000000003", "2025-03-30T01:15:00Z", 75, 2, 0, None, 980),
                    ("7400000000000000004", "2024-08-01T07:00:00Z", 0, 0, 0, 0, 0),
                ],
            ),
        },
        options={"timezone": "Europe/Paris"},
    ),
    # TikTok Studio's Download data: FollowerHistory.csv (BOM, every field quoted, no final
    # newline, days without a year, the first total `undefined`), its account from its
    # folder's name (Followers_museedemo, an unpacked zip), its year from the unpacked Overview
    # zip's name beside it: December 2025 → January 2026, each day's end in Paris
    Case(
        "tiktok-studio-download",
        "tiktok/studio_download/Followers_museedemo/FollowerHistory.csv",
        {
            "accounts": [{"account_id": "museedemo", "handle": "museedemo"}],
            "follower_snapshots": [
                {"account_id": "museedemo", "observed_at": f"{day}T22:59:59Z", "followers": n}
                for day, n in (
                    ("2025-12-29", 4810),
                    ("2025-12-30", 4812),
                    ("2025-12-31", 4811),
                    ("2026-01-01", 4830),
                    ("2026-01-02", 4845),
                    ("2026-01-03", 4845),
                )
            ],
        },
        options={"timezone": "Europe/Paris"},
    ),
    # "Download your data": times in UTC whatever --timezone says, likes only (strings)
    Case(
        "tiktok-export",
        "tiktok/export/user_data_tiktok.json",
        {
            "accounts": [{"account_id": "museedemo", "handle": "museedemo"}],
            "posts": _posts(
                "tiktok",
                TT_COUNTS,
                [
                    ("7499000000000000001", "2025-05-01T12:00:00Z", 1204, None, None, None, None),
                    ("7488000000000000003", "2025-03-30T01:30:00Z", 0, None, None, None, None),
                    ("7516000000000000004", "2025-06-15T08:05:09Z", 12500, None, None, None, None),
                ],
            ),
        },
        options={"timezone": "Europe/Paris"},
    ),
    # Display API v2: user info and two video list pages (the second past the last video);
    # create_time in Unix seconds; an absent comment_count / share_count is NULL
    Case(
        "tiktok-api",
        "tiktok/api",
        {
            "accounts": [
                {"account_id": "museedemo", "handle": "museedemo", "display_name": "Musée Démo"}
            ],
            "posts": _posts(
                "tiktok",
                TT_COUNTS,
                [
                    ("7567452112981069079", "2025-10-31T17:19:10Z", 1032, 41, 17, None, 12840),
                    ("7565000000000000002", "2025-10-26T00:30:00Z", 310, None, None, None, 5210),
                ],
            ),
            "follower_snapshots": [{"account_id": "museedemo", "followers": 4845}],
        },
    ),
    # TikTok API for Business /business/get/: the handle in lower case; each metrics day's
    # followers at the end of that UTC day, followers_count when saved (engagecore_observed_at);
    # audience_ages as followers' shares, observed when saved, 55+ open-ended
    Case(
        "tiktok-business",
        "tiktok/business/business_get.json",
        {
            "accounts": [
                {"account_id": "museedemo", "handle": "museedemo", "display_name": "Musée Démo"}
            ],
            "follower_snapshots": [
                {
                    "account_id": "museedemo",
                    "observed_at": "2025-10-30T23:59:59Z",
                    "followers": 4838,
                },
                {
                    "account_id": "museedemo",
                    "observed_at": "2025-10-31T23:59:59Z",
                    "followers": 4845,
                },
                {
                    "account_id": "museedemo",
                    "observed_at": "2025-11-02T09:00:12Z",
                    "followers": 4845,
                },
            ],
            "audience_age": [
                {
                    "account_id": "museedemo",
                    "observed_at": "2025-11-02T09:00:12Z",
                    "age_band": band,
                    "age_min": lo,
                    "age_max": hi,
                    "share": share,
                    "basis": "followers",
                }
                for band, lo, hi, share in (
                    ("18-24", 18, 24, 0.3861788617886179),
                    ("25-34", 25, 34, 0.2926829268292683),
                    ("35-44", 35, 44, 0.1463414634146341),
                    ("45-54", 45, 54, 0.0894308943089431),
                    ("55+", 55, None, 0.0853658536585366),
                )
            ],
        },
    ),
    # Bluesky getAuthorFeed, two pages: the pinned post is own; a repost by the museum is a
    # not-own row without counts, named after the reposted post and dated by its repost
    # record's key (a TID) when the reason gives it (reason.indexedAt on the older page); a
    # post imported from another network (createdAt 2015) dated by its record key (a TID:
    # when it was written on Bluesky); a +02:00 createdAt; quoteCount / bookmarkCount absent
    # in older responses are NULL
    Case(
        "bluesky-feed",
        "bluesky/feed",
        {
            "accounts": [
                {
                    "account_id": MBA_BSKY,
                    "handle": "musee-des-beaux-arts-lyon.bsky.social",
                    "display_name": "Musée des Beaux-Arts de Lyon",
                }
            ],
            "posts": [
                r | {"account_id": MBA_BSKY}
                for r in _posts(
                    "bluesky",
                    BSKY_COUNTS,
                    [
                        ("3k7dpxpl4rl2b", "2023-09-14T08:30:00Z", 120, 11, 30, 2, None),
                        ("3kqyb5ch5sk2q", "2024-04-25T20:38:53.900560Z", 3, 0, 0, 0, None),
                        (
                            "repost:did:plc:7xkqv3mzl2ylf5wq4onhbrrd/3kqvdx2yyyc2z",
                            "2024-05-10T09:15:00Z",
                            None,
                            None,
                            None,
                            None,
                            None,
                        ),
                        ("3kslxa7hohh2b", "2024-05-16T10:00:00Z", 64, 3, 12, None, None),
                        ("3lrg3gazaxu2b", "2025-06-12T14:00:00Z", 52, 0, 3, 1, 2),
                        ("3lrrwgny2bi2b", "2025-06-17T07:02:41.877Z", 6, 1, 0, 0, 0),
                        (
                            "repost:did:plc:7xkqv3mzl2ylf5wq4onhbrrd/3lbqa7e5mfs2x",
                            "2025-06-18T12:10:44.187530Z",
                            None,
                            None,
                            None,
                            None,
                            None,
                        ),
                        ("3ls2hjyl6ac2b", "2025-06-20T16:30:05.120Z", 187, 4, 21, 3, 9),
                    ],
                )
            ],
        },
    ),
    Case(
        "bluesky-profile",
        "bluesky/profile.json",
        {
            "accounts": [
                {
                    "account_id": MBA_BSKY,
                    "handle": "musee-des-beaux-arts-lyon.bsky.social",
                    "display_name": "Musée des Beaux-Arts de Lyon",
                }
            ],
            "follower_snapshots": [{"account_id": MBA_BSKY, "followers": 4812}],
        },
    ),
    # the repository (CAR): what the account wrote, so every count NULL; no handle in it;
    # the backdated record and the repost dated by their TID record keys, as the feed dates
    # them (the same ids and times as the bluesky-feed case)
    Case(
        "bluesky-repo",
        "bluesky/repo.car",
        {
            "accounts": [{"account_id": MBA_BSKY, "handle": None}],
            "posts": _posts(
                "bluesky",
                BSKY_COUNTS,
                [
                    ("3k7dpxpl4rl2b", "2023-09-14T08:30:00Z", None, None, None, None, None),
                    ("3kqyb5ch5sk2q", "2024-04-25T20:38:53.900560Z", None, None, None, None, None),
                    ("3lrrwgny2bi2b", "2025-06-17T07:02:41.877Z", None, None, None, None, None),
                    (
                        "repost:did:plc:7xkqv3mzl2ylf5wq4onhbrrd/3lbqa7e5mfs2x",
                        "2025-06-18T12:10:44.187530Z",
                        None,
                        None,
                        None,
                        None,
                        None,
                    ),
                    ("3ls2hjyl6ac2b", "2025-06-20T16:30:05.120Z", None, None, None, None, None),
                ],
            ),
        },
    ),
]


def test_every_registered_importer_has_a_case() -> None:
    assert {c.importer for c in CASES} == set(plugins.registry().importers)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.importer}:{c.sample}" for c in CASES])
def test_builtin_importer_passes_the_kit(case: Case) -> None:
    importer = plugins.registry().importers[case.importer]
    frames = check_read(
        importer,
        FIXTURES / case.sample,
        expect=case.expect,
        account=case.account,
        options=case.options,
    )
    assert frames  # the frames read come back, validated


def test_the_kit_reads_a_zipped_sample_and_cuts_a_member_in_it(tmp_path: Path) -> None:
    case = next(c for c in CASES if c.importer == "x-archive")
    archive = tmp_path / "twitter-2024-11-06.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for p in sorted((FIXTURES / "x" / "archive").rglob("*")):
            if p.is_file():
                z.write(p, p.relative_to(FIXTURES / "x" / "archive").as_posix())
    check_read(plugins.registry().importers["x-archive"], archive, expect=case.expect)
    # the member cut is named by the test when the largest one is not the one to cut
    check_read(
        plugins.registry().importers["x-archive"],
        archive,
        expect=case.expect,
        truncate="data/tweets-part1.js",
    )
    with pytest.raises(ValueError, match=r"has no member 'data/no-such.js' to cut"):
        check_read(
            plugins.registry().importers["x-archive"],
            archive,
            expect=case.expect,
            truncate="data/no-such.js",
        )


def test_a_folder_sample_keeps_its_files_untouched(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    shutil.copytree(FIXTURES / "x" / "archive", folder)
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    case = next(c for c in CASES if c.importer == "x-archive")
    check_read(plugins.registry().importers["x-archive"], folder, expect=case.expect)
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before


def test_counts_a_row_must_give_follow_the_network_of_the_row_read() -> None:
    # the spreadsheet importer reads any network: the counts a posts row of expect must give
    # are those of the network of the row read (Instagram provides views, X does not)
    case = next(c for c in CASES if c.importer == "spreadsheet")
    posts = [{k: v for k, v in row.items() if k != "network"} for row in case.expect["posts"]]
    importer = plugins.registry().importers["spreadsheet"]
    check_read(importer, FIXTURES / case.sample, expect={**case.expect, "posts": posts})
    del posts[1]["views"]
    with pytest.raises(ValueError, match=r"expect posts\[1\] gives no \['views'\]"):
        check_read(importer, FIXTURES / case.sample, expect={**case.expect, "posts": posts})


def _graph_posts_module() -> ModuleType:
    """The Facebook Graph importer's posts module (``graph_posts``, or ``graph.posts`` once
    the plugin is a package by concept)."""
    for name in ("engage_facebook.graph.posts", "engage_facebook.graph_posts"):
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError:
            continue
    raise AssertionError("no Facebook Graph posts module")


def test_graph_posts_error_while_streaming_is_a_duckdb_error() -> None:
    # found by the kit: a truncated Graph posts page was refused with a FormatError or, now
    # and then, an OSError: DuckDB's error raised once rows stream reaches Python through
    # Arrow as an OSError, which the importer's `except duckdb.Error` missed
    collect = _graph_posts_module()._collect
    con = duckdb.connect()
    rel = con.sql(
        "SELECT CASE WHEN i > 300000 THEN error('malformed') ELSE i END AS x FROM range(1000000) t(i)"
    )
    with pytest.raises(duckdb.Error, match="malformed"):
        collect(rel)
    assert collect(con.sql("SELECT 1 AS x"))["x"].to_list() == [1]


def test_the_member_cut_is_the_largest_unless_named(tmp_path: Path) -> None:
    # a file the importer never reads, larger than the tweets: cut by default, accepted,
    # and the failure says how to name the member to cut instead
    folder = tmp_path / "archive"
    shutil.copytree(FIXTURES / "x" / "archive", folder)
    (folder / "Your archive.html").write_text("<html>" + "x" * 20_000 + "</html>", encoding="utf-8")
    case = next(c for c in CASES if c.importer == "x-archive")
    importer = plugins.registry().importers["x-archive"]
    with pytest.raises(
        AssertionError,
        match=r"with Your archive\.html cut at byte .*: accepted .*name the member to cut: truncate=",
    ):
        check_read(importer, folder, expect=case.expect)
    check_read(importer, folder, expect=case.expect, truncate="data/tweets.js")
