"""The page's words in English and French.

Every title, label and sentence of the page comes from here (a section never writes English
inline), so that the French page has no English section title. ``{name}`` fields are filled by
:meth:`Texts.__call__`; values from the data are escaped by the template, not here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

LANGS = ("en", "fr")

EN: dict[str, str] = {
    "page_title": "Social media engagement report",
    "page_title_one": "Social media engagement report: {museum}",
    "subtitle": "Store {store}, generated {when} by engagecore {version}.",
    "subtitle_cohort": "{n} museums. Store {store}, generated {when} by engagecore {version}.",
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
    "better_than": "Better than about {k} in 10 comparable museums on {network}.",
    "better_than_all": "Better than about {k} in 10 comparable museums, all networks together.",
    "better_almost_none": "Behind almost every comparable museum on {network}.",
    "better_almost_all": "Ahead of almost every comparable museum on {network}.",
    "better_almost_none_all": "Behind almost every comparable museum, all networks together.",
    "better_almost_all_all": "Ahead of almost every comparable museum, all networks together.",
    "interval_words": (
        "Score {score} out of 100; given the posts we have, it is likely between {low} and "
        "{high} (somewhere between {klow} and {khigh} in 10)."
    ),
    "cohort_words": (
        "Compared with the {n} museums on {network} in this store, after adjusting for audience "
        "size; engagement measured by {basis}."
    ),
    "cohort_words_all": "Weighted by each network's audience.",
    "small_sample": "Few posts: read this score with care.",
    "no_score": "No score on {network}: {reason}.",
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
    "mixed": "partly measured",
    "basis_label": "Basis",
    # leaderboard
    "col_rank": "Rank",
    "col_museum": "Museum",
    "col_score": "Score",
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
    "col_measured": "Measured",
    "open_post": "open",
    "breakout": "breakout",
    "leaderboard_intro": (
        "Every museum of the store ranked on its score across all networks (weighted by "
        "audience). The likely range is the 95% interval: two museums whose ranges overlap "
        "may not really differ."
    ),
    "leaderboard_caption": "Museums ranked by engagement score, all networks, whole period.",
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
    "size_none": "Too few museums to fit a size curve.",
    # young
    "young_intro": (
        "The share of each network's audience aged {lo}–{hi}, and the number of young people "
        "it means. Measured figures come from the network's own age statistics; estimated "
        "ones from the network's typical age make-up, not from this museum's data."
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
        "<p>A longer guide: docs/reading-the-report.md in engagecore.</p>"
    ),
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
    "better_than": "Mieux qu'environ {k} musées comparables sur 10 sur {network}.",
    "better_than_all": "Mieux qu'environ {k} musées comparables sur 10, tous réseaux confondus.",
    "better_almost_none": "Derrière presque tous les musées comparables sur {network}.",
    "better_almost_all": "Devant presque tous les musées comparables sur {network}.",
    "better_almost_none_all": "Derrière presque tous les musées comparables, tous réseaux confondus.",
    "better_almost_all_all": "Devant presque tous les musées comparables, tous réseaux confondus.",
    "interval_words": (
        "Score {score} sur 100 ; vu les publications disponibles, il se situe probablement "
        "entre {low} et {high} (entre {klow} et {khigh} sur 10)."
    ),
    "cohort_words": (
        "Comparé aux {n} musées présents sur {network} dans cette base, à taille d'audience "
        "égale ; engagement mesuré par {basis}."
    ),
    "cohort_words_all": "Pondéré par l'audience de chaque réseau.",
    "small_sample": "Peu de publications : score à lire avec prudence.",
    "no_score": "Pas de score sur {network} : {reason}.",
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
    "mixed": "en partie mesuré",
    "basis_label": "Base",
    "col_rank": "Rang",
    "col_museum": "Musée",
    "col_score": "Score",
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
    "col_measured": "Mesuré",
    "open_post": "ouvrir",
    "breakout": "percée",
    "leaderboard_intro": (
        "Tous les musées de la base classés selon leur score tous réseaux confondus (pondéré "
        "par l'audience). La fourchette probable est l'intervalle à 95 % : deux musées dont "
        "les fourchettes se recouvrent ne diffèrent peut-être pas vraiment."
    ),
    "leaderboard_caption": "Musées classés par score d'engagement, tous réseaux, toute la période.",
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
    "size_none": "Trop peu de musées pour ajuster une courbe de taille.",
    "young_intro": (
        "La part de l'audience de chaque réseau âgée de {lo} à {hi} ans, et le nombre de jeunes "
        "que cela représente. Les chiffres mesurés viennent des statistiques d'âge du réseau ; "
        "les chiffres estimés de la composition par âge typique du réseau, pas des données de "
        "ce musée."
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
        "<p>Un guide plus complet : docs/reading-the-report.md dans engagecore.</p>"
    ),
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

    def number(self, value: float | int | None, digits: int = 0) -> str:
        """A number with the language's separators: 12,345.6 / 12 345,6."""
        if value is None:
            return self.words["none"]
        text = f"{value:,.{digits}f}"
        if self.lang == "fr":
            text = text.replace(",", "\u202f").replace(".", ",")
        return text

    def percent(self, fraction: float | None, digits: int = 1) -> str:
        if fraction is None:
            return self.words["none"]
        text = self.number(100 * fraction, digits)
        return f"{text}\u202f%" if self.lang == "fr" else f"{text}%"
