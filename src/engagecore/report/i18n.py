"""The page's words in English and French.

Every title, label and sentence of the page comes from here (a section never writes English
inline), so that the French page has no English section title. ``{name}`` fields are filled by
:meth:`Texts.__call__`; values from the data are escaped by the template, not here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from engagecore.durations import to_french

LANGS = ("en", "fr")

EN: dict[str, str] = {
    "page_title": "Social media engagement report",
    "page_title_one": "Social media engagement report: {museum}",
    "subtitle": "Store {store}, generated {when} by engagecore {version}.",
    "subtitle_cohort": "{n} museums. Store {store}, generated {when} by engagecore {version}.",
    "subtitle_cohort_of": (
        "{n} museums with posts (of {total} in the store). Store {store}, generated {when} by "
        "engagecore {version}."
    ),
    "contents": "Contents",
    # section titles
    "s_headline": "At a glance",
    "s_leaderboard": "Leaderboard",
    "s_history": "Score over time",
    "s_followers": "Followers over time",
    "s_size": "Why the score is fair: engagement and audience size",
    "s_young": "Young audience by network",
    "s_young_cohort": "Young people reached, across the museums",
    "s_posts": "Posts that did best",
    "s_howto": "How to read this page",
    # headline
    "all_networks": "All networks together",
    "better_than": "Better than about {k} in 10 {comparable} on {network}.",
    "better_than_all": "Better than about {k} in 10 {comparable}, all networks together.",
    "better_almost_none": "Behind almost every comparable museum on {network}.",
    "better_almost_all": "Ahead of almost every comparable museum on {network}.",
    "better_almost_none_all": "Behind almost every comparable museum, all networks together.",
    "better_almost_all_all": "Ahead of almost every comparable museum, all networks together.",
    "interval_words": (
        "Score {score} out of 100; given the posts we have, it is likely between {low} and "
        "{high} (somewhere between {klow} and {khigh} in 10)."
    ),
    "interval_words_exact": (
        "Score {score} out of 100; the uncertainty of its own posts does not move it from this "
        "rank (that of the other museums' is not counted)."
    ),
    "cohort_words": (
        "Compared with the {n} museums on {network} in this store, after adjusting for audience "
        "size; engagement measured by {basis}."
    ),
    "cohort_words_all": "Weighted by each network's audience.",
    "small_sample": "Few posts: read this score with care.",
    "no_score": "No score on {network}: {reason}.",
    "no_score_all": "No overall score: {reason}.",
    "no_score_reason": "not enough data",
    "headline_rate": "Engagement rate {rate} per post ({basis}), {posts} posts, {followers} followers.",
    "headline_young": "Young audience (13–24): {share} of the audience, about {reach} people ({young_basis}).",
    "young_band_words": "Young audience ({lo}–{hi}): {share} of the audience, about {reach} people ({young_basis}).",
    # bases
    "basis_followers": "followers",
    "basis_reach": "reach",
    "basis_views": "views",
    "basis_mixed": "mixed bases",
    "measured": "measured",
    "estimated": "estimated",
    "estimated_adjusted": "estimated, adjusted to the museums that measure",
    "mixed": "partly measured",
    "basis_label": "Basis",
    # leaderboard
    "col_rank": "Rank",
    "col_museum": "Museum",
    "col_interval": "Likely range",
    "col_rate": "Engagement rate",
    "col_followers": "Followers",
    "col_young_share": "Young share",
    "col_young_reach": "Young reach",
    "col_posts": "Posts",
    "col_network": "Network",
    "col_date": "Date",
    "col_kind": "Kind",
    "col_text": "Text",
    "col_over": "Overperformance",
    "col_basis": "Basis",
    "col_link": "Link",
    "col_young_basis": "Young basis",
    "col_museums": "Museums",
    "col_accounts": "Accounts",
    "col_measured": "Measured",
    "open_post": "open",
    "breakout": "breakout",
    "leaderboard_intro": (
        "Every museum of the store ranked on its score across all networks (weighted by "
        "audience). The likely range is the 95% interval: two museums whose ranges overlap "
        "may not really differ. The growth score ranks follower growth the same way, after "
        "allowing for size; the performance score puts engagement and growth together."
    ),
    "leaderboard_caption": (
        "Museums ranked by engagement score, with their growth and performance scores, all "
        "networks, whole period."
    ),
    "star_small": "* few posts: read with care.",
    # history
    "history_intro": (
        "The score per {period} on each network, with its likely range (shaded). A score is a "
        "rank among the museums of the same network in the same {period}."
    ),
    "history_alt": "Line chart of the engagement score per {period} for {who}, one panel per network, with the likely range shaded.",
    "history_caption": "Engagement score (0–100) per {period}, with the 95% likely range. Basis: {bases}.",
    "period_month": "month",
    "period_quarter": "quarter",
    "period_year": "year",
    "period_all": "whole period",
    "axis_period": "Period",
    "axis_score": "Score (0–100)",
    "axis_network": "Network",
    "axis_museum": "Museum",
    "axis_followers": "Followers",
    "axis_date": "Date",
    "axis_size": "Audience size ({basis}, log scale)",
    "axis_rate": "Engagement rate per post (log scale)",
    "axis_young_share": "Young share of the audience",
    "axis_young_reach": "Young people reached",
    "axis_basis": "Basis",
    "legend_cohort": "other museums",
    "legend_curve": "fitted size curve",
    # followers
    "followers_intro": "Followers of each account at each snapshot the store holds.",
    "followers_cohort_intro": (
        "Total followers per network at the end of each month (each account's latest "
        "snapshot), all museums of the report together."
    ),
    "followers_alt": "Line chart of followers over time for {who}, one line per account, coloured by network.",
    "followers_cohort_alt": "Line chart of total followers per month, one line per network.",
    "followers_caption": "Followers at each snapshot. Basis: follower counts as recorded (source: the exports and API responses imported).",
    "followers_none": "No follower snapshot in the store for these accounts.",
    # size
    "size_intro": (
        "Large accounts get fewer interactions per follower: comparing raw rates would favour "
        "small museums. The score compares each museum with the curve fitted on all museums of "
        "the same network (the line): above the line means better than expected for its size."
    ),
    "size_alt": (
        "Scatter plots of engagement rate against audience size, one per network, each museum a "
        "point, with the fitted size curve; {who} marked."
    ),
    "size_caption": (
        "Each point: a museum's robust engagement rate per post against its audience size (both "
        "log scales); line: the size curve fitted on the cohort (slope {slopes}). Basis: {bases}."
    ),
    "size_unnamed": "Marked without their name, for want of room: {names}.",
    "size_none": "Too few museums to fit a size curve.",
    # young
    "young_intro": (
        "The share of each network's audience aged {lo}–{hi}, and the number of young people "
        "it means. Measured figures come from the network's own age statistics; estimated "
        "ones from the network's typical age make-up, adjusted to the museums of the store "
        "that measure theirs where there are some — not from this museum's data."
    ),
    "young_alt": "Bar chart of the young share of the audience per network for {who}, measured and estimated shown apart, with the likely range.",
    "young_caption": "Young share of the audience (bars: measured dark, estimated light) with its likely range (line). Basis: the audience's age statistics (measured) or the network's typical age make-up (estimated).",
    "young_table_caption": "Young share, its likely range and the young people it means, per network.",
    "young_cohort_intro": (
        "Young people reached per network, adding up the museums of the report; the part "
        "measured from the networks' age statistics is shown apart from the estimated part."
    ),
    "young_cohort_alt": "Stacked bar chart of young people reached per network, measured and estimated parts apart.",
    "young_cohort_caption": "Young people reached per network, measured and estimated apart. Basis: each museum's audience × its young share (measured from age statistics, or estimated from the network's typical age make-up).",
    "young_cohort_table_caption": "The chart's figures: per network and basis, how many museums and the young people they reach.",
    "young_none": "No young-audience figure in the store.",
    # posts
    "posts_intro": (
        "Posts ranked by overperformance: the post's engagement rate divided by what the same "
        "account usually gets for the same kind of post (×2 = twice as usual). A breakout is "
        "a post above twice the account's usual top 10%."
    ),
    "posts_caption": "Top posts by overperformance (actual ÷ expected rate).",
    "posts_none": "No post has enough history yet (10 earlier posts of the same kind are needed).",
    # how to read
    "howto": (
        "<p><strong>The score (0–100)</strong> ranks a museum among the museums of the same "
        "network in this store: 70 means it engages its audience better than about 7 in 10 of "
        "them. Engagement is interactions per post (likes, comments, shares… as each network "
        "counts them) divided by the audience: followers at the time of the post, or reach, or "
        "views; the basis is named beside each figure.</p>"
        "<p><strong>Fair across sizes.</strong> Big accounts always get fewer interactions per "
        "follower. The score compares each museum with what is usual for its size (the curve of "
        "the size chart), so a small museum does not win only because it is small.</p>"
        "<p><strong>The likely range</strong> is a 95% interval: with few posts it is wide. "
        "Two museums whose ranges overlap may not really differ.</p>"
        "<p><strong>What the score does not say</strong>: whether the posts were good for the "
        "museum's mission, how many visitors came, or how the museum compares with museums "
        "that are not in this store. It changes when museums are added.</p>"
        "<p><strong>Young audience</strong>: <em>measured</em> when the network gave the "
        "account's own age statistics; <em>estimated</em> otherwise, from the network's typical "
        "age make-up (published surveys), which says nothing about this museum in particular.</p>"
        "<p><strong>What works</strong>: a lift of ×1.3 means posts of that theme, format "
        "or hour get 30% more engagement than the same account's other posts; when its "
        "interval crosses ×1 the difference may be chance. Themes guessed by the text model "
        "are shown apart from those found by the hashtags and keywords.</p>"
        "<p><strong>Risks</strong> are warnings: a post whose caption names nudity <em>may</em> "
        "be removed or restricted by the network; it is a reason to look at it, not a "
        "prediction.</p>"
        "<p><strong>Growth</strong> compares the last follower snapshot of each period with "
        "the previous one. The <strong>growth score</strong> (0–100) ranks how fast a "
        "museum's followers grew over the whole period among the museums of the same network, "
        "for its size: 70 means faster than about 7 in 10 of them. It needs two follower "
        "snapshots, near the start and the end; without them there is no growth score (—), "
        "never a 0. The <strong>performance score</strong> puts engagement and growth "
        "together: a museum must do well on both. Follower counts move with campaigns and "
        "contests, so the engagement score stays the headline.</p>"
        "<p>The <strong>adoption</strong> curves count a museum on a network from its "
        "first post or its account's creation.</p>"
        "<p>A longer guide: docs/reading-the-report.md in engagecore.</p>"
    ),
    # new sections (issue 13 analyses)
    "s_themes": "What works: themes, formats and timing",
    "s_risks": "Posts that may be removed or restricted",
    "s_breakouts": "Breakouts",
    "s_young_time": "Young people reached over time",
    "s_growth": "Follower growth",
    "s_adoption": "Who is on which network, and since when",
    "themes_intro": (
        "How much more (or less) engagement posts of each theme, format, weekday and hour get "
        "than the same account's other posts: ×1.5 means half as much again, ×1 no difference. "
        "The line is the 95% interval: when it crosses 1, the difference may be chance."
    ),
    "themes_none": "Too few posts to measure what works.",
    "pooled": "the {n} museums pooled",
    "themes_basis": (
        "size-adjusted engagement rate (each post's rate ÷ its account's mean rate on the same "
        "basis), against the same account's other posts; posts of {who}"
    ),
    "themes_alt": "Dot chart of the lift of each theme with its 95% interval and a line at 1 (no lift), rule labels and text-model labels apart, for {who}.",
    "themes_caption": "Lift of each theme with its 95% interval; themes found by the rules and by the text model shown apart. Basis: {basis}.",
    "themes_table_caption": "Lift of each theme, its 95% interval, the posts and museums behind it, and the text model's held-out precision. Basis: {basis}.",
    "timing_alt": "Dot charts of the lift of each format, weekday and hour of posting with its 95% interval, for {who}.",
    "timing_caption": "Lift of each format, weekday and hour of posting (Paris time) with its 95% interval. Basis: {basis}.",
    "model_words": (
        "Rule labels come from the hashtags and keywords of the themes file; the text model "
        "(TF-IDF + logistic regression) labels only posts the rules miss, is trained on at most "
        "{n} captions drawn from the rule-labelled posts and is right {precision} of the time on "
        "held-out posts."
    ),
    "model_none": "Text model: not enough rule-labelled posts to train and test it; rule labels only.",
    "source_rules": "rules",
    "source_model": "text model",
    "axis_source": "Label from",
    "axis_lift": "Lift (× the account's other posts, log scale)",
    "col_theme": "Theme",
    "col_source": "Label from",
    "col_lift": "Lift",
    "col_precision": "Model precision",
    "factor_format": "Format",
    "factor_weekday": "Day of the week",
    "factor_hour": "Hour of posting",
    "day_monday": "Monday",
    "day_tuesday": "Tuesday",
    "day_wednesday": "Wednesday",
    "day_thursday": "Thursday",
    "day_friday": "Friday",
    "day_saturday": "Saturday",
    "day_sunday": "Sunday",
    "risks_intro": (
        "Posts whose caption names nudity or a famous nude and that carry an image or a video. "
        "Under the network's nudity rule they MAY be removed or restricted: this is a warning "
        "to look at the post, never a prediction. The matched words and the rule are listed."
    ),
    "risks_none": "No post matches a nudity rule's words.",
    "risks_caption": "Posts that may be removed or restricted, newest first, with the matched words and the network's rule (link to its source).",
    "risks_more": "The {shown} newest of {total} flagged posts are shown; `engage risks` lists them all.",
    "risk_may": "may be removed or restricted",
    "col_matched": "Matched words",
    "col_risk": "What may happen",
    "col_rule": "Rule",
    "breakouts_intro": (
        "{total} posts did more than twice as well as the account's usual top 10% (a "
        "breakout); the newest are listed."
    ),
    "breakouts_intro_one": (
        "1 post did more than twice as well as the account's usual top 10% (a breakout)."
    ),
    "breakouts_caption": "Newest breakouts: overperformance and the account's breakout threshold (actual ÷ expected rate).",
    "col_threshold": "Breakout threshold",
    "young_time_intro": (
        "Young people ({lo}–{hi}) reached per period and network. Measured figures (the "
        "network's age statistics) and estimated ones (the network's typical age make-up) are "
        "shown apart."
    ),
    "young_time_alt": "Stacked bar charts of young people reached per {period}, one panel per network, measured and estimated parts apart, for {who}.",
    "young_time_caption": "Young people reached per {period} ({who}). Basis: audience × young share, measured from age statistics or estimated from the network's typical age make-up.",
    "growth_intro": "Followers at the last snapshot of each {period} and the change since the previous one, per network (every account of the report together).",
    "growth_alt": "Bar chart of follower growth per {period} in percent, one bar per network.",
    "growth_caption": "Follower change per {period} as a share of the followers before. Basis: follower snapshots (the last in each period), accounts with a snapshot in both periods.",
    "growth_table_caption": "Followers per network and {period}: the sum over the accounts with a snapshot in the period (Accounts); the change since the previous period, over the accounts with a snapshot in both (absolute and %).",
    "axis_growth": "Change in followers",
    "growth_score_intro": (
        "The growth score ranks a museum's follower growth over the whole period among the "
        "museums of the same network in this store, after allowing for size (small accounts "
        "grow faster in percent): 70 means its followers grew faster than about 7 in 10 of "
        "them. It is read from the follower snapshots, so an account needs two of them, near "
        "the start and the end of the period. The performance score puts engagement and "
        "growth together (the geometric mean of the two scores: a museum must do well on "
        "both). Follower counts move with campaigns, contests and bought followers: the "
        "engagement score stays the headline."
    ),
    "growth_scores_caption": (
        "Engagement, growth and performance scores (0–100) per network with their 95% likely "
        "ranges, and the change in followers, whole period. Basis: posts (engagement) and "
        "follower snapshots (growth)."
    ),
    "growth_scores_focus": (
        "Scores per network for the {n} museums drawn one by one; the leaderboard gives every "
        "museum's growth score across its networks."
    ),
    "growth_better": (
        "Its followers grew faster than about {k} in 10 {comparable} on {network}, for its size."
    ),
    "growth_better_all": (
        "Its followers grew faster than about {k} in 10 {comparable}, all networks "
        "together, for its size."
    ),
    "growth_almost_none": (
        "Its followers grew more slowly than almost every comparable museum on {network}, for "
        "its size."
    ),
    "growth_almost_all": (
        "Its followers grew faster than almost every comparable museum on {network}, for its size."
    ),
    "growth_almost_none_all": (
        "Its followers grew more slowly than almost every comparable museum, all networks "
        "together, for its size."
    ),
    "growth_almost_all_all": (
        "Its followers grew faster than almost every comparable museum, all networks "
        "together, for its size."
    ),
    "growth_interval_words": "Growth score {score} out of 100 (likely between {low} and {high}). {sentence}",
    "growth_followers_words": (
        "Followers {change} over the whole period (from {start} to {end}: the accounts with "
        "enough snapshots)."
    ),
    "performance_words": (
        "Engagement and growth together (performance score): {score} out of 100, likely "
        "between {low} and {high}."
    ),
    "no_growth": "No growth score on {network}: {reason}.",
    "no_growth_all": "No overall growth score: {reason}.",
    "growth_why_few": "fewer than 2 follower snapshots in the period",
    "growth_why_far": "no follower snapshot near the start and the end of the period",
    "growth_why_none": "no follower snapshot",
    "growth_why_alone": (
        "the only museum of this network with a follower growth figure, none to compare it with"
    ),
    "growth_why_few_peers": (
        "{n} museums of this network with a follower growth figure, fewer than {min} for a "
        "percentile"
    ),
    "growth_why_all": "no network with a growth score",
    "perf_why_engagement": "no engagement score",
    "missing_marks": "Where a figure is missing: {marks}.",
    "list_sep": "; ",
    "col_engagement_score": "Engagement score",
    "col_growth_score": "Growth score",
    "col_growth_interval": "Growth likely range",
    "col_perf_score": "Performance score",
    "col_perf_interval": "Performance likely range",
    "col_follower_growth": "Follower growth",
    "col_growth_with_range": "Growth score (likely range)",
    "col_perf_with_range": "Performance score (likely range)",
    "col_period": "Period",
    "col_change": "Change",
    "col_change_rate": "Change (%)",
    "adoption_intro": (
        "Per network and year, how many museums of the registry were present (first post or "
        "account creation) and their share of the registry."
    ),
    "adoption_none": "No museum of the registry has a post or an account date in the store.",
    "adoption_alt": "Line chart of the share of the registry's museums present on each network by year.",
    "adoption_caption": "Share of the registry present by the end of each year. Basis: {registry} ({n} museums); a museum counts from its first post or its account's creation date.",
    "adoption_table_caption": "Museums present in the last year, of the registry ({registry}).",
    "registry_museofile": "museums of the store with a Muséofile id",
    "registry_store": "every museum of the store",
    "any_network": "Any network",
    "axis_year": "Year",
    "axis_share_registry": "Share of the registry present",
    "col_year": "Year",
    "col_present": "Present",
    "col_registry": "Registry",
    "col_share": "Share",
    "cohort_card_museums": "{n} museums",
    "cohort_card_rate": "Median engagement rate {rate} per post ({basis}).",
    "cohort_card_followers": "{followers} followers in all.",
    "cohort_card_young": "About {reach} young people reached; {measured} of {n} museums measured, the others estimated.",
    "no_fit": "flat, no size adjustment ({why})",
    "truncated": "Charts draw the first {shown} of the {total} museums named.",
    "compared_note": "Charts compare: {names}.",
    "compared_top": "Charts draw the {n} museums with the highest score one by one; the leaderboard lists every museum.",
    "unknown": "unknown",
    "none": "—",
}

FR: dict[str, str] = {
    "page_title": "Rapport d'engagement sur les réseaux sociaux",
    "page_title_one": "Rapport d'engagement sur les réseaux sociaux : {museum}",
    "subtitle": "Base {store}, produit le {when} par engagecore {version}.",
    "subtitle_cohort": "{n} musées. Base {store}, produit le {when} par engagecore {version}.",
    "subtitle_cohort_of": (
        "{n} musées avec des publications (sur {total} dans la base). Base {store}, produit le "
        "{when} par engagecore {version}."
    ),
    "contents": "Sommaire",
    "s_headline": "En bref",
    "s_leaderboard": "Classement",
    "s_history": "Le score dans le temps",
    "s_followers": "Les abonnés dans le temps",
    "s_size": "Pourquoi le score est équitable : engagement et taille de l'audience",
    "s_young": "Le jeune public par réseau",
    "s_young_cohort": "Jeunes atteints, tous musées confondus",
    "s_posts": "Les publications qui ont le mieux marché",
    "s_howto": "Comment lire cette page",
    "all_networks": "Tous réseaux confondus",
    "better_than": "Mieux qu'environ {k} {comparable} sur 10 sur {network}.",
    "better_than_all": "Mieux qu'environ {k} {comparable} sur 10, tous réseaux confondus.",
    "better_almost_none": "Derrière presque tous les musées comparables sur {network}.",
    "better_almost_all": "Devant presque tous les musées comparables sur {network}.",
    "better_almost_none_all": "Derrière presque tous les musées comparables, tous réseaux confondus.",
    "better_almost_all_all": "Devant presque tous les musées comparables, tous réseaux confondus.",
    "interval_words": (
        "Score {score} sur 100 ; vu les publications disponibles, il se situe probablement "
        "entre {low} et {high} (entre {klow} et {khigh} sur 10)."
    ),
    "interval_words_exact": (
        "Score {score} sur 100 ; l'incertitude de ses propres publications ne le fait pas changer "
        "de rang (celle des autres musées n'est pas comptée)."
    ),
    "cohort_words": (
        "Comparé aux {n} musées présents sur {network} dans cette base, à taille d'audience "
        "égale ; engagement mesuré par {basis}."
    ),
    "cohort_words_all": "Pondéré par l'audience de chaque réseau.",
    "small_sample": "Peu de publications : score à lire avec prudence.",
    "no_score": "Pas de score sur {network} : {reason}.",
    "no_score_all": "Pas de score global : {reason}.",
    "no_score_reason": "données insuffisantes",
    "headline_rate": "Taux d'engagement {rate} par publication ({basis}), {posts} publications, {followers} abonnés.",
    "headline_young": "Jeune public (13–24 ans) : {share} de l'audience, environ {reach} personnes ({young_basis}).",
    "young_band_words": "Jeune public ({lo}–{hi} ans) : {share} de l'audience, environ {reach} personnes ({young_basis}).",
    "basis_followers": "abonnés",
    "basis_reach": "portée",
    "basis_views": "vues",
    "basis_mixed": "bases mêlées",
    "measured": "mesuré",
    "estimated": "estimé",
    "estimated_adjusted": "estimé, ajusté sur les musées qui mesurent",
    "mixed": "en partie mesuré",
    "basis_label": "Base",
    "col_rank": "Rang",
    "col_museum": "Musée",
    "col_interval": "Fourchette probable",
    "col_rate": "Taux d'engagement",
    "col_followers": "Abonnés",
    "col_young_share": "Part de jeunes",
    "col_young_reach": "Jeunes atteints",
    "col_posts": "Publications",
    "col_network": "Réseau",
    "col_date": "Date",
    "col_kind": "Type",
    "col_text": "Texte",
    "col_over": "Surperformance",
    "col_basis": "Base",
    "col_link": "Lien",
    "col_young_basis": "Base (jeunes)",
    "col_museums": "Musées",
    "col_accounts": "Comptes",
    "col_measured": "Mesuré",
    "open_post": "ouvrir",
    "breakout": "percée",
    "leaderboard_intro": (
        "Tous les musées de la base classés selon leur score tous réseaux confondus (pondéré "
        "par l'audience). La fourchette probable est l'intervalle à 95 % : deux musées dont "
        "les fourchettes se recouvrent ne diffèrent peut-être pas vraiment. Le score de "
        "croissance classe de même la croissance des abonnés, à taille égale ; le score de "
        "performance réunit engagement et croissance."
    ),
    "leaderboard_caption": (
        "Musées classés par score d'engagement, avec leurs scores de croissance et de "
        "performance, tous réseaux, toute la période."
    ),
    "star_small": "* peu de publications : à lire avec prudence.",
    "history_intro": (
        "Le score par {period} sur chaque réseau, avec sa fourchette probable (zone grisée). "
        "Un score est un rang parmi les musées du même réseau sur le même {period}."
    ),
    "history_alt": "Courbes du score d'engagement par {period} pour {who}, un panneau par réseau, fourchette probable en grisé.",
    "history_caption": "Score d'engagement (0–100) par {period}, avec la fourchette probable à 95 %. Base : {bases}.",
    "period_month": "mois",
    "period_quarter": "trimestre",
    "period_year": "année",
    "period_all": "toute la période",
    "axis_period": "Période",
    "axis_score": "Score (0–100)",
    "axis_network": "Réseau",
    "axis_museum": "Musée",
    "axis_followers": "Abonnés",
    "axis_date": "Date",
    "axis_size": "Taille de l'audience ({basis}, échelle log)",
    "axis_rate": "Taux d'engagement par publication (échelle log)",
    "axis_young_share": "Part de jeunes dans l'audience",
    "axis_young_reach": "Jeunes atteints",
    "axis_basis": "Base",
    "legend_cohort": "autres musées",
    "legend_curve": "courbe de taille ajustée",
    "followers_intro": "Les abonnés de chaque compte à chaque relevé conservé dans la base.",
    "followers_cohort_intro": (
        "Total des abonnés par réseau à la fin de chaque mois (dernier relevé de chaque "
        "compte), tous les musées du rapport ensemble."
    ),
    "followers_alt": "Courbes des abonnés dans le temps pour {who}, une courbe par compte, colorée par réseau.",
    "followers_cohort_alt": "Courbes du total des abonnés par mois, une courbe par réseau.",
    "followers_caption": "Abonnés à chaque relevé. Base : nombres d'abonnés tels qu'enregistrés (source : exports et réponses d'API importés).",
    "followers_none": "Aucun relevé d'abonnés dans la base pour ces comptes.",
    "size_intro": (
        "Les grands comptes obtiennent moins d'interactions par abonné : comparer les taux "
        "bruts avantagerait les petits musées. Le score compare chaque musée à la courbe "
        "ajustée sur tous les musées du même réseau (la ligne) : au-dessus de la ligne, c'est "
        "mieux qu'attendu pour sa taille."
    ),
    "size_alt": (
        "Nuages de points du taux d'engagement selon la taille de l'audience, un par réseau, "
        "chaque musée un point, avec la courbe de taille ajustée ; {who} mis en évidence."
    ),
    "size_caption": (
        "Chaque point : le taux d'engagement robuste d'un musée selon la taille de son audience "
        "(échelles log) ; ligne : la courbe de taille ajustée sur la cohorte (pente {slopes}). "
        "Base : {bases}."
    ),
    "size_unnamed": "Marqués sans leur nom, faute de place : {names}.",
    "size_none": "Trop peu de musées pour ajuster une courbe de taille.",
    "young_intro": (
        "La part de l'audience de chaque réseau âgée de {lo} à {hi} ans, et le nombre de jeunes "
        "que cela représente. Les chiffres mesurés viennent des statistiques d'âge du réseau ; "
        "les chiffres estimés de la composition par âge typique du réseau, ajustée sur les "
        "musées de la base qui mesurent la leur s'il y en a — pas des données de ce musée."
    ),
    "young_alt": "Barres de la part de jeunes dans l'audience par réseau pour {who}, mesuré et estimé séparés, avec la fourchette probable.",
    "young_caption": "Part de jeunes dans l'audience (barres : mesuré en foncé, estimé en clair) avec sa fourchette probable (trait). Base : statistiques d'âge de l'audience (mesuré) ou composition par âge typique du réseau (estimé).",
    "young_table_caption": "Part de jeunes, sa fourchette probable et le nombre de jeunes correspondant, par réseau.",
    "young_cohort_intro": (
        "Jeunes atteints par réseau, en additionnant les musées du rapport ; la part mesurée "
        "par les statistiques d'âge des réseaux est séparée de la part estimée."
    ),
    "young_cohort_alt": "Barres empilées des jeunes atteints par réseau, parts mesurée et estimée séparées.",
    "young_cohort_caption": "Jeunes atteints par réseau, mesuré et estimé séparés. Base : audience de chaque musée × sa part de jeunes (mesurée par les statistiques d'âge, ou estimée d'après la composition par âge typique du réseau).",
    "young_cohort_table_caption": "Les chiffres du graphique : par réseau et par base, le nombre de musées et les jeunes qu'ils atteignent.",
    "young_none": "Aucun chiffre de jeune public dans la base.",
    "posts_intro": (
        "Publications classées par surperformance : le taux d'engagement de la publication "
        "divisé par ce que le même compte obtient d'habitude pour ce type de publication (×2 = "
        "deux fois l'habitude). Une percée dépasse deux fois les 10 % meilleurs habituels du "
        "compte."
    ),
    "posts_caption": "Meilleures publications par surperformance (taux obtenu ÷ taux attendu).",
    "posts_none": "Aucune publication n'a encore assez d'historique (10 publications antérieures du même type sont nécessaires).",
    "howto": (
        "<p><strong>Le score (0–100)</strong> classe un musée parmi les musées du même réseau "
        "dans cette base : 70 signifie qu'il engage son audience mieux qu'environ 7 sur 10 "
        "d'entre eux. L'engagement, ce sont les interactions par publication (mentions "
        "j'aime, commentaires, partages… comme chaque réseau les compte) rapportées à "
        "l'audience : les abonnés au moment de la publication, ou la portée, ou les vues ; la "
        "base est indiquée à côté de chaque chiffre.</p>"
        "<p><strong>Équitable quelle que soit la taille.</strong> Les grands comptes obtiennent "
        "toujours moins d'interactions par abonné. Le score compare chaque musée à ce qui est "
        "habituel pour sa taille (la courbe du graphique des tailles) : un petit musée ne gagne "
        "pas seulement parce qu'il est petit.</p>"
        "<p><strong>La fourchette probable</strong> est un intervalle à 95 % : avec peu de "
        "publications elle est large. Deux musées dont les fourchettes se recouvrent ne "
        "diffèrent peut-être pas vraiment.</p>"
        "<p><strong>Ce que le score ne dit pas</strong> : si les publications ont servi la "
        "mission du musée, combien de visiteurs sont venus, ni comment le musée se situe face "
        "aux musées absents de cette base. Il change quand des musées sont ajoutés.</p>"
        "<p><strong>Jeune public</strong> : <em>mesuré</em> quand le réseau a fourni les "
        "statistiques d'âge du compte lui-même ; <em>estimé</em> sinon, d'après la "
        "composition par âge typique du réseau (enquêtes publiées), qui ne dit rien de ce "
        "musée en particulier.</p>"
        "<p><strong>Ce qui marche</strong> : un effet de ×1,3 signifie que les publications "
        "de ce thème, format ou horaire obtiennent 30 % d'engagement de plus que les autres "
        "publications du même compte ; si son intervalle croise ×1, l'écart peut être dû au "
        "hasard. Les thèmes devinés par le modèle de texte sont séparés de ceux trouvés par "
        "les hashtags et mots-clés.</p>"
        "<p>Les <strong>risques</strong> sont des alertes : une publication dont la légende "
        "évoque la nudité <em>peut</em> être retirée ou restreinte par le réseau ; c'est une "
        "raison de la regarder, pas une prédiction.</p>"
        "<p>La <strong>croissance</strong> compare le dernier relevé d'abonnés de chaque "
        "période au précédent. Le <strong>score de croissance</strong> (0–100) classe la "
        "vitesse à laquelle les abonnés d'un musée ont augmenté sur toute la période parmi "
        "les musées du même réseau, à taille égale : 70 signifie plus vite qu'environ 7 sur "
        "10. Il faut deux relevés d'abonnés, près du début et de la fin ; sans eux, pas de "
        "score de croissance (—), jamais un 0. Le <strong>score de performance</strong> "
        "réunit engagement et croissance : un musée doit réussir sur les deux. Le nombre "
        "d'abonnés bouge avec les campagnes et les jeux-concours : le score d'engagement "
        "reste le chiffre principal.</p>"
        "<p>L'<strong>adoption</strong> compte un musée sur un réseau dès "
        "sa première publication ou la création de son compte.</p>"
        "<p>Un guide plus complet : docs/reading-the-report.md dans engagecore.</p>"
    ),
    "s_themes": "Ce qui marche : thèmes, formats et horaires",
    "s_risks": "Publications susceptibles d'être retirées ou restreintes",
    "s_breakouts": "Percées",
    "s_young_time": "Jeunes atteints dans le temps",
    "s_growth": "Croissance des abonnés",
    "s_adoption": "Qui est sur quel réseau, et depuis quand",
    "themes_intro": (
        "Combien d'engagement en plus (ou en moins) obtiennent les publications de chaque "
        "thème, format, jour et heure par rapport aux autres publications du même compte : ×1,5 "
        "signifie moitié plus, ×1 aucune différence. Le trait est l'intervalle à 95 % : s'il "
        "croise 1, l'écart peut être dû au hasard."
    ),
    "themes_none": "Trop peu de publications pour mesurer ce qui marche.",
    "pooled": "les {n} musées réunis",
    "themes_basis": (
        "taux d'engagement ajusté à la taille (taux de chaque publication ÷ taux moyen de son "
        "compte sur la même base), face aux autres publications du même compte ; publications "
        "de {who}"
    ),
    "themes_alt": "Points de l'effet de chaque thème avec son intervalle à 95 % et une ligne à 1 (aucun effet), étiquettes des règles et du modèle de texte séparées, pour {who}.",
    "themes_caption": "Effet de chaque thème avec son intervalle à 95 % ; thèmes trouvés par les règles et par le modèle de texte séparés. Base : {basis}.",
    "themes_table_caption": "Effet de chaque thème, son intervalle à 95 %, les publications et musées concernés, et la précision du modèle de texte sur des publications mises de côté. Base : {basis}.",
    "timing_alt": "Points de l'effet de chaque format, jour et heure de publication avec son intervalle à 95 %, pour {who}.",
    "timing_caption": "Effet de chaque format, jour et heure de publication (heure de Paris) avec son intervalle à 95 %. Base : {basis}.",
    "model_words": (
        "Les étiquettes des règles viennent des hashtags et mots-clés du fichier de thèmes ; le "
        "modèle de texte (TF-IDF + régression logistique) n'étiquette que les publications que "
        "les règles manquent, est entraîné sur au plus {n} légendes tirées des publications "
        "étiquetées par les règles et a raison {precision} du temps sur des publications mises "
        "de côté."
    ),
    "model_none": "Modèle de texte : trop peu de publications étiquetées par les règles pour l'entraîner et le tester ; étiquettes des règles seules.",
    "source_rules": "règles",
    "source_model": "modèle de texte",
    "axis_source": "Étiquette par",
    "axis_lift": "Effet (× les autres publications du compte, échelle log)",
    "col_theme": "Thème",
    "col_source": "Étiquette par",
    "col_lift": "Effet",
    "col_precision": "Précision du modèle",
    "factor_format": "Format",
    "factor_weekday": "Jour de la semaine",
    "factor_hour": "Heure de publication",
    "day_monday": "lundi",
    "day_tuesday": "mardi",
    "day_wednesday": "mercredi",
    "day_thursday": "jeudi",
    "day_friday": "vendredi",
    "day_saturday": "samedi",
    "day_sunday": "dimanche",
    "risks_intro": (
        "Publications dont la légende évoque la nudité ou un nu célèbre et qui portent une "
        "image ou une vidéo. Selon la règle de nudité du réseau, elles PEUVENT être retirées ou "
        "restreintes : c'est une alerte pour regarder la publication, jamais une prédiction. "
        "Les mots trouvés et la règle sont indiqués."
    ),
    "risks_none": "Aucune publication ne contient les mots d'une règle de nudité.",
    "risks_caption": "Publications susceptibles d'être retirées ou restreintes, les plus récentes d'abord, avec les mots trouvés et la règle du réseau (lien vers sa source).",
    "risks_more": "Les {shown} plus récentes des {total} publications signalées sont affichées ; `engage risks` les liste toutes.",
    "risk_may": "peut être retirée ou restreinte",
    "col_matched": "Mots trouvés",
    "col_risk": "Ce qui peut arriver",
    "col_rule": "Règle",
    "breakouts_intro": (
        "{total} publications ont fait plus de deux fois mieux que les 10 % meilleures "
        "habituelles du compte (une percée) ; les plus récentes sont listées."
    ),
    "breakouts_intro_one": (
        "1 publication a fait plus de deux fois mieux que les 10 % meilleures habituelles du "
        "compte (une percée)."
    ),
    "breakouts_caption": "Percées les plus récentes : surperformance et seuil de percée du compte (taux obtenu ÷ taux attendu).",
    "col_threshold": "Seuil de percée",
    "young_time_intro": (
        "Jeunes ({lo}–{hi} ans) atteints par période et par réseau. Les chiffres mesurés "
        "(statistiques d'âge du réseau) et estimés (composition par âge typique du réseau) sont "
        "séparés."
    ),
    "young_time_alt": "Barres empilées des jeunes atteints par {period}, un panneau par réseau, parts mesurée et estimée séparées, pour {who}.",
    "young_time_caption": "Jeunes atteints par {period} ({who}). Base : audience × part de jeunes, mesurée par les statistiques d'âge ou estimée d'après la composition par âge typique du réseau.",
    "growth_intro": "Les abonnés au dernier relevé de chaque {period} et l'évolution depuis le précédent, par réseau (tous les comptes du rapport ensemble).",
    "growth_alt": "Barres de la croissance des abonnés par {period} en pourcentage, une barre par réseau.",
    "growth_caption": "Évolution des abonnés par {period} en part des abonnés d'avant. Base : relevés d'abonnés (le dernier de chaque période), comptes relevés sur les deux périodes.",
    "growth_table_caption": "Abonnés par réseau et par {period} : la somme des comptes relevés dans la période (Comptes) ; l'évolution depuis la période précédente, sur les comptes relevés dans les deux (en nombre et en %).",
    "axis_growth": "Évolution des abonnés",
    "growth_score_intro": (
        "Le score de croissance classe la croissance des abonnés d'un musée sur toute la "
        "période parmi les musées du même réseau dans cette base, à taille égale (les petits "
        "comptes croissent plus vite en pourcentage) : 70 signifie que ses abonnés ont "
        "augmenté plus vite que ceux d'environ 7 musées sur 10. Il se lit sur les relevés "
        "d'abonnés : un compte en demande deux, près du début et de la fin de la période. Le "
        "score de performance réunit engagement et croissance (moyenne géométrique des deux "
        "scores : un musée doit réussir sur les deux). Le nombre d'abonnés bouge avec les "
        "campagnes, les jeux-concours et les abonnés achetés : le score d'engagement reste le "
        "chiffre principal."
    ),
    "growth_scores_caption": (
        "Scores d'engagement, de croissance et de performance (0–100) par réseau avec leurs "
        "fourchettes probables à 95 %, et l'évolution des abonnés, toute la période. Base : "
        "publications (engagement) et relevés d'abonnés (croissance)."
    ),
    "growth_scores_focus": (
        "Scores par réseau des {n} musées détaillés ; le classement donne le score de "
        "croissance de chaque musée, tous réseaux confondus."
    ),
    "growth_better": (
        "Ses abonnés ont augmenté plus vite que ceux d'environ {k} {comparable} sur 10 "
        "sur {network}, à taille égale."
    ),
    "growth_better_all": (
        "Ses abonnés ont augmenté plus vite que ceux d'environ {k} {comparable} sur 10, "
        "tous réseaux confondus, à taille égale."
    ),
    "growth_almost_none": (
        "Ses abonnés ont augmenté moins vite que ceux de presque tous les musées comparables "
        "sur {network}, à taille égale."
    ),
    "growth_almost_all": (
        "Ses abonnés ont augmenté plus vite que ceux de presque tous les musées comparables "
        "sur {network}, à taille égale."
    ),
    "growth_almost_none_all": (
        "Ses abonnés ont augmenté moins vite que ceux de presque tous les musées comparables, "
        "tous réseaux confondus, à taille égale."
    ),
    "growth_almost_all_all": (
        "Ses abonnés ont augmenté plus vite que ceux de presque tous les musées comparables, "
        "tous réseaux confondus, à taille égale."
    ),
    "growth_interval_words": "Score de croissance {score} sur 100 (probablement entre {low} et {high}). {sentence}",
    "growth_followers_words": (
        "Abonnés {change} sur toute la période (de {start} à {end} : les comptes assez relevés)."
    ),
    "performance_words": (
        "Engagement et croissance ensemble (score de performance) : {score} sur 100, "
        "probablement entre {low} et {high}."
    ),
    "no_growth": "Pas de score de croissance sur {network} : {reason}.",
    "no_growth_all": "Pas de score de croissance global : {reason}.",
    "growth_why_few": "moins de 2 relevés d'abonnés dans la période",
    "growth_why_far": "aucun relevé d'abonnés près du début et de la fin de la période",
    "growth_why_none": "aucun relevé d'abonnés",
    "growth_why_alone": (
        "seul musée de ce réseau dont la croissance est mesurée, aucun autre à qui le comparer"
    ),
    "growth_why_few_peers": (
        "{n} musées de ce réseau dont la croissance est mesurée, moins de {min} pour un rang "
        "en centiles"
    ),
    "growth_why_all": "aucun réseau n'a de score de croissance",
    "perf_why_engagement": "pas de score d'engagement",
    "missing_marks": "Quand un chiffre manque : {marks}.",
    "list_sep": " ; ",
    "col_engagement_score": "Score d'engagement",
    "col_growth_score": "Score de croissance",
    "col_growth_interval": "Fourchette probable (croissance)",
    "col_perf_score": "Score de performance",
    "col_perf_interval": "Fourchette probable (performance)",
    "col_follower_growth": "Croissance des abonnés",
    "col_growth_with_range": "Score de croissance (fourchette probable)",
    "col_perf_with_range": "Score de performance (fourchette probable)",
    "col_period": "Période",
    "col_change": "Évolution",
    "col_change_rate": "Évolution (%)",
    "adoption_intro": (
        "Par réseau et par année, combien de musées du registre étaient présents (première "
        "publication ou création du compte) et leur part du registre."
    ),
    "adoption_none": "Aucun musée du registre n'a de publication ni de date de compte dans la base.",
    "adoption_alt": "Courbes de la part des musées du registre présents sur chaque réseau par année.",
    "adoption_caption": "Part du registre présente à la fin de chaque année. Base : {registry} ({n} musées) ; un musée compte dès sa première publication ou la création de son compte.",
    "adoption_table_caption": "Musées présents la dernière année, sur le registre ({registry}).",
    "registry_museofile": "musées de la base ayant un identifiant Muséofile",
    "registry_store": "tous les musées de la base",
    "any_network": "Au moins un réseau",
    "axis_year": "Année",
    "axis_share_registry": "Part du registre présente",
    "col_year": "Année",
    "col_present": "Présents",
    "col_registry": "Registre",
    "col_share": "Part",
    "cohort_card_museums": "{n} musées",
    "cohort_card_rate": "Taux d'engagement médian {rate} par publication ({basis}).",
    "cohort_card_followers": "{followers} abonnés au total.",
    "cohort_card_young": "Environ {reach} jeunes atteints ; {measured} musées sur {n} mesurés, les autres estimés.",
    "no_fit": "plate, pas d'ajustement de taille ({why})",
    "truncated": "Les graphiques détaillent les {shown} premiers des {total} musées demandés.",
    "compared_note": "Les graphiques comparent : {names}.",
    "compared_top": "Les graphiques détaillent les {n} musées au meilleur score ; le classement les liste tous.",
    "unknown": "inconnu",
    "none": "—",
}

# French typography: a thin no-break space before % and ;, a no-break space before : ? !
FR = {
    k: v.replace(" %", "\u202f%")
    .replace(" ;", "\u202f;")
    .replace(" :", "\u00a0:")
    .replace(" ?", "\u202f?")
    .replace(" !", "\u202f!")
    for k, v in FR.items()
}
# Kinds of post as the store writes them (docs/model.md), in French; others shown as stored.
KINDS_FR = {
    "text": "texte",
    "photo": "photo",
    "video": "vidéo",
    "reel": "reel",
    "story": "story",
    "live": "direct",
    "link": "lien",
    "carousel": "carrousel",
    "short": "short",
    "album": "album",
}

# The packaged themes (data/themes.toml) in French, by theme name, while the file's label is
# the packaged one; a user's own themes are shown with the label of their file.
THEMES_FR = {
    "closing_day": ("#jourdefermeture series", "série #jourdefermeture"),
    "behind_the_scenes": ("behind the scenes", "coulisses"),
    "collection": ("collection pieces", "œuvres des collections"),
    "exhibitions": ("exhibitions", "expositions"),
    "events": ("events", "événements"),
    "education": ("education and families", "éducation et familles"),
    "question": ("questions to the audience", "questions au public"),
    "contest": ("contests", "jeux-concours"),
    "history": ("history and anniversaries", "histoire et anniversaires"),
    "practical": ("practical information", "informations pratiques"),
}

TEXTS: Mapping[str, Mapping[str, str]] = {"en": EN, "fr": FR}
# HTML written by us (never data): the only texts the template inserts unescaped.
TRUSTED_HTML = frozenset({"howto"})


def lang_from_env(environ: Mapping[str, str] | None = None) -> str:
    """``fr`` when the locale (``LC_ALL``, else ``LC_MESSAGES``, else ``LANG``) is French."""
    env = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        if value:
            return "fr" if value.lower().startswith("fr") else "en"
    return "en"


#: The scoring's reasons (scoring/engagement.py, scoring/composite.py) in French: an English
#: clause → its French words ({0}, {1}… its groups, numbers with a decimal comma).
_REASONS_FR: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"no posts in the period"), "aucune publication dans la période"),
    (
        re.compile(
            r"too young: all (\d+) post\(s\) were read before the maturity age "
            r"\(([\d.]+ (?:h|days)), (.*?)\)(?=;|$)"
        ),
        "trop récentes : les {0} publications ont été relevées avant l'âge de maturité ({1}, {2})",
    ),
    (
        re.compile(r"the source gives no interaction counts for these posts"),
        "la source ne donne aucun nombre d'interactions pour ces publications",
    ),
    (
        re.compile(r"zero followers and no reach or views: no rate can be computed"),
        "zéro abonné et ni portée ni vues : aucun taux ne peut être calculé",
    ),
    (
        re.compile(r"no follower snapshot, reach or views to divide interactions by"),
        "ni relevé d'abonnés, ni portée, ni vues par quoi diviser les interactions",
    ),
    (
        re.compile(
            r"(\d+) post\(s\) too young left out: read before the maturity age "
            r"\(([\d.]+ (?:h|days)), (.*?)\)(?=;|$)"
        ),
        "{0} publication(s) trop récente(s) écartée(s) : relevée(s) avant l'âge de maturité "
        "({1}, {2})",
    ),
    (
        re.compile(
            r"cohort of (\d+) < (\d+) museums with a rate \(network × period × basis\): too few "
            r"for a percentile"
        ),
        "cohorte de {0} < {1} musées avec un taux (réseau × période × base) : trop peu pour un "
        "rang en centiles",
    ),
    (
        re.compile(
            r"only museum with a rate in its cohort \(network × period × basis\): no percentile"
        ),
        "seul musée avec un taux dans sa cohorte (réseau × période × base) : pas de rang",
    ),
    (
        re.compile(
            r"small sample: (\d+) rated post\(s\) < (\d+); estimate shrunk toward the cohort"
        ),
        "petit échantillon : {0} publication(s) avec un taux < {1} ; estimation rapprochée de "
        "la cohorte",
    ),
    (re.compile(r"no follower snapshot for this account"), "aucun relevé d'abonnés pour ce compte"),
    (
        re.compile(r"no audience age data and no young prior for this network"),
        "ni données d'âge de l'audience ni part de jeunes typique pour ce réseau",
    ),
    (
        re.compile(r"no network with a score for this museum in the period"),
        "aucun réseau de ce musée n'a de score dans la période",
    ),
    (
        re.compile(r"networks without a score left out: (.*?)(?=;|$)"),
        "réseaux sans score écartés : {0}",
    ),
]


class Texts:
    """The words of one language: ``t("key", name=value)``."""

    def __init__(self, lang: str) -> None:
        if lang not in TEXTS:
            from engagecore.errors import UsageError

            raise UsageError(f"--lang {lang!r}: expected one of {', '.join(LANGS)}")
        self.lang = lang
        self.words = TEXTS[lang]

    def __call__(self, key: str, **fields: object) -> str:
        text = self.words[key]
        return text.format(**fields) if fields else text

    def kind(self, kind: str | None) -> str:
        """A post's kind in the page's language."""
        if not kind:
            return self.words["none"]
        return KINDS_FR.get(kind, kind) if self.lang == "fr" else kind

    def theme(self, name: str, label: str) -> str:
        """A theme's label in the page's language (the packaged themes have a French one)."""
        packaged = THEMES_FR.get(name)
        if self.lang == "fr" and packaged is not None and packaged[0] == label:
            return packaged[1]
        return label

    def number(self, value: float | int | None, digits: int = 0) -> str:
        """A number with the language's separators: 12,345.6 / 12 345,6."""
        if value is None:
            return self.words["none"]
        text = f"{value:,.{digits}f}"
        if self.lang == "fr":
            text = text.replace(",", "\u202f").replace(".", ",")
        return text

    def signed_number(self, value: float | int | None, digits: int = 0) -> str:
        """A change with its sign, as :meth:`signed_percent`: +1,392 / −6 407 (a true minus)."""
        if value is None:
            return self.words["none"]
        return ("+" if value >= 0 else "\u2212") + self.number(abs(value), digits)

    def signed_percent(self, fraction: float | None, digits: int = 1) -> str:
        """A change in percent with its sign: +3.2% / −3,2 % (a true minus sign)."""
        if fraction is None:
            return self.words["none"]
        text = self.percent(abs(fraction), digits)
        return ("+" if fraction >= 0 else "\u2212") + text

    def comparable(self, k: int) -> str:
        """ "comparable museums" after the number k (one museum, several: French agrees)."""
        if self.lang == "fr":
            return "musée comparable" if k <= 1 else "musées comparables"
        return "comparable museums"  # "k in 10 comparable museums", k = 1 too

    def reason(self, text: str) -> str:
        """The scoring's reason a figure is missing (English, one clause or several joined
        by "; "), in the page's language; a clause not known is kept as written."""
        if self.lang != "fr":
            return text
        for pattern, words in _REASONS_FR:
            text = pattern.sub(lambda m, w=words: w.format(*self._fr_groups(m)), text)  # type: ignore[misc]
        return re.sub(r"(?<=\S);", " ;", text)  # French puts a space before the semicolon

    def _fr_groups(self, match: re.Match[str]) -> list[str]:
        out = []
        for group in match.groups():
            if re.fullmatch(r"\d+\.\d+", group):
                group = group.replace(".", ",")
            group = to_french(group)  # a duration: 4.4 days → 4,4 jours
            group = re.sub(r"^default \(", "par défaut (", group)
            group = re.sub(r"^estimated from (\d+) posts$", r"estimé sur \1 publications", group)
            out.append(group)
        return out

    def percent(self, fraction: float | None, digits: int = 1) -> str:
        if fraction is None:
            return self.words["none"]
        text = self.number(100 * fraction, digits)
        return f"{text}\u202f%" if self.lang == "fr" else f"{text}%"
