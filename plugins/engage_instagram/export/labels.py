"""The UI-language labels of Instagram's "Download your information" insights files.

Meta writes the keys of ``string_map_data`` in the account's interface language
("Likes", "J'aime", "Gefällt mir", "Me gusta"), so an importer must map every language's
label onto our columns. Labels are compared after :func:`label_key` (accents, case, curly
apostrophes and spacing ignored), so "Comptes touchés" and "comptes touches" are one label.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from engagecore.plugin import fold


def label_key(label: str) -> str:
    """A label reduced for comparison: :func:`engagecore.plugin.fold` (no accents,
    casefolded, one kind of apostrophe), without a trailing colon."""
    return fold(label).rstrip(":").rstrip()


def _table(entries: Mapping[str, Iterable[str]]) -> dict[str, str]:
    return {label_key(label): target for target, labels in entries.items() for label in labels}


#: Per-media insight labels (posts.json, reels.json, stories.json) → count column.
#: English, French, German, Spanish; old and new names (Meta renamed plays and
#: impressions to views in 2025).
METRIC_LABELS: Final = _table(
    {
        "impressions": ("Impressions", "Impressionen", "Impresiones"),
        "reach": (
            "Accounts reached",
            "Reach",
            "Comptes touchés",
            "Comptes atteints",
            "Couverture",
            "Portée",
            "Erreichte Konten",
            "Konten erreicht",
            "Reichweite",
            "Cuentas alcanzadas",
            "Alcance",
        ),
        "likes": (
            "Likes",
            "J'aime",
            "Mentions J'aime",
            "Gefällt mir",
            "Gefällt mir-Angaben",
            "Me gusta",
            "Likes recibidos",
        ),
        "comments": ("Comments", "Commentaires", "Kommentare", "Comentarios"),
        "shares": (
            "Shares",
            "Partages",
            "Geteilte Inhalte",
            "Geteilt",
            "Teilen",
            "Compartidos",
            "Veces compartido",
            "Contenido compartido",
        ),
        "saves": (
            "Saves",
            "Enregistrements",
            "Enregistré",
            "Gespeichert",
            "Speicherungen",
            "Guardados",
            "Veces guardado",
        ),
        "views": (
            "Views",
            "Plays",
            "Video views",
            "Instagram plays",
            "Vues",
            "Lectures",
            "Nombre de lectures",
            "Vues de la vidéo",
            "Aufrufe",
            "Wiedergaben",
            "Videoaufrufe",
            "Visualizaciones",
            "Reproducciones",
            "Vistas",
        ),
    }
)

#: audience_insights.json: the total follower count. Beware French "Total des followers",
#: which is the net change of the period, not the total: it is deliberately absent.
FOLLOWERS_LABELS: Final = frozenset(
    label_key(s) for s in ("Followers", "Abonnés", "Follower", "Seguidores", "Total followers")
)

#: audience_insights.json: follower age distribution for all genders.
AGE_ALL_LABELS: Final = frozenset(
    label_key(s)
    for s in (
        "Follower percentage by age for all genders",
        "Pourcentage de followers en fonction de l'âge pour tous les genres",
        "Pourcentage d'abonnés par âge pour tous les genres",
        "Follower-Prozentsatz nach Alter für alle Geschlechter",
        "Prozentsatz der Follower nach Alter für alle Geschlechter",
        "Porcentaje de seguidores por edad para todos los géneros",
        "Porcentaje de seguidores por edad de todos los géneros",
    )
)

#: Words that mark a gender-specific age distribution, which is not the one we want when
#: the all-genders label is in a language we do not list.
GENDER_WORDS: Final = frozenset(
    label_key(s)
    for s in (
        "men",
        "women",
        "male",
        "female",
        "hommes",
        "femmes",
        "männer",
        "frauen",
        "männlich",
        "weiblich",
        "hombres",
        "mujeres",
        "homens",
        "mulheres",
        "uomini",
        "donne",
    )
)

#: personal_information.json labels.
USERNAME_LABELS: Final = frozenset(
    label_key(s)
    for s in (
        "Username",
        "Nom d'utilisateur",
        "Benutzername",
        "Nombre de usuario",
        "Nome utente",
        "Nome de usuário",
    )
)
NAME_LABELS: Final = frozenset(
    label_key(s) for s in ("Name", "Nom", "Nom complet", "Nombre", "Nome")
)
