"""Policy risk: own posts that MAY be removed or restricted under a network's nudity rules
(``engage risks``).

The words live in ``data/policy_risks.toml``; each network's rule (wording, source address,
what may happen) comes with its plugin (``NetworkSpec.nudity_rule``). A post is flagged when its caption contains one of the file's words or phrases (whole words, any case,
with or without accents: :func:`normalize`), once the file's harmless phrases ("à l'œil nu",
"pieds nus") are removed, and its kind carries an image or a video for that network. A flag
is a warning to look at the post ("may"), never a prediction. Columns: docs/analyses.md.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl

from engagecore.analysis.posts import excerpt
from engagecore.analysis.text import normalize, normalized, terms_regex
from engagecore.errors import UsageError
from engagecore.pluginapi import NetworkSpec

#: The columns of :func:`policy_risks`, in order.
RISK_COLUMNS: tuple[str, ...] = (
    "museum",
    "network",
    "posted_at",
    "kind",
    "risk",
    "matched",
    "rule",
    "rule_source",
    "rule_quoted",
    "excerpt",
    "link",
    "text",
    "post_id",
    "account_id",
)


@dataclass(frozen=True)
class NetworkRule:
    """One network's nudity rule, as the data file gives it."""

    network: str
    rule: str
    wording: str
    quoted: bool
    source: str
    consequence: str
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class PolicyRules:
    """The words that flag a caption, the phrases that do not count, the rules per network."""

    terms: tuple[str, ...]
    exclude: tuple[str, ...]
    networks: dict[str, NetworkRule]

    def table(self) -> pl.DataFrame:
        """One row per network: rule, wording, quoted, source, consequence."""
        return pl.DataFrame(
            [
                {
                    "network": r.network,
                    "rule": r.rule,
                    "wording": r.wording,
                    "quoted": r.quoted,
                    "source": r.source,
                    "consequence": r.consequence,
                }
                for r in self.networks.values()
            ],
            schema={
                "network": pl.Utf8,
                "rule": pl.Utf8,
                "wording": pl.Utf8,
                "quoted": pl.Boolean,
                "source": pl.Utf8,
                "consequence": pl.Utf8,
            },
        )


def _network_rule(name: str, r: Any) -> NetworkRule:
    return NetworkRule(
        network=name,
        rule=str(r["rule"]),
        wording=str(r["wording"]),
        quoted=bool(r["quoted"]),
        source=str(r["source"]),
        consequence=str(r["consequence"]),
        kinds=tuple(str(k) for k in r["kinds"]),
    )


def load_rules(
    path: str | Path | None = None, networks: Mapping[str, NetworkSpec] | None = None
) -> PolicyRules:
    """The words of the packaged ``data/policy_risks.toml`` and each network's
    :class:`~engagecore.pluginapi.NudityRule` (from ``networks``, default: the installed
    plugins'); a user's file ``path`` adds ``[terms] words``/``exclude`` and replaces or adds
    ``[networks.NAME]`` rules."""
    if networks is None:
        from engagecore import plugins

        networks = plugins.registry().networks
    base = tomllib.loads(
        resources.files("engagecore").joinpath("data", "policy_risks.toml").read_text("utf-8")
    )
    words = list(base["terms"]["words"])
    exclude = list(base["terms"].get("exclude", []))
    rules = {
        name: NetworkRule(name, **dataclasses.asdict(spec.nudity_rule))
        for name, spec in sorted(networks.items())
        if spec.nudity_rule is not None
    }
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text("utf-8"))
            terms = data.get("terms", {})
            words += [str(w) for w in terms.get("words", [])]
            exclude += [str(w) for w in terms.get("exclude", [])]
            for name, r in data.get("networks", {}).items():
                rules[name] = _network_rule(name, r)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise UsageError(f"{path}: cannot be read as a TOML rules file ({exc})") from exc
        except (KeyError, TypeError, AttributeError) as exc:
            raise UsageError(
                f"{path}: not a policy rules file (missing or wrong {exc}); expected "
                "[terms] words = [...], exclude = [...] and [networks.NAME] rule, wording, "
                "quoted, source, consequence, kinds"
            ) from exc
    return PolicyRules(
        terms=tuple(dict.fromkeys(normalize(t) for t in words if normalize(t))),
        exclude=tuple(normalize(t) for t in exclude if normalize(t)),
        networks=rules,
    )


def matched_terms(text: str | None, rules: PolicyRules) -> list[str]:
    """The rule words ``text`` contains as whole words (normalized, in the file's order),
    after removing the harmless phrases."""
    if not text:
        return []
    padded = f" {normalize(text)} "
    for phrase in rules.exclude:
        while f" {phrase} " in padded:
            padded = padded.replace(f" {phrase} ", " ")
    return [t for t in rules.terms if f" {t} " in padded]


def policy_risks(posts: pl.DataFrame, rules: PolicyRules | None = None) -> pl.DataFrame:
    """The posts that MAY be removed or restricted (:data:`RISK_COLUMNS`), newest first.

    :param posts: own posts with ``museum``, ``network``, ``account_id``, ``post_id``,
        ``posted_at``, ``kind``, ``text`` and ``url``.
    Posts of a network without a rule (no ``nudity_rule``, none in the user's file) are
    not flagged.
    """
    rules = rules or load_rules()
    kinds = pl.DataFrame(
        [(n, k) for n, r in rules.networks.items() for k in r.kinds],
        schema={"network": pl.Utf8, "kind": pl.Utf8},
        orient="row",
    )
    candidates = posts.join(kinds, on=["network", "kind"], how="semi").filter(
        normalized(pl.col("text")).str.contains(terms_regex(rules.terms))
    )
    matched = [matched_terms(t, rules) for t in candidates["text"].to_list()]
    info = rules.table().select(
        "network",
        pl.col("consequence").alias("risk"),
        pl.col("rule"),
        pl.col("source").alias("rule_source"),
        pl.col("quoted").alias("rule_quoted"),
    )
    return (
        candidates.with_columns(pl.Series("matched", matched, dtype=pl.List(pl.Utf8)))
        .filter(pl.col("matched").list.len() > 0)
        .join(info, on="network", how="left")
        .with_columns(
            excerpt=excerpt(pl.col("text")),
            link=pl.col("url"),
        )
        .sort(["posted_at", "network", "post_id"], descending=[True, False, False])
        .select(RISK_COLUMNS)
    )
