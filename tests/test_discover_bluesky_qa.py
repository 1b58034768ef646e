"""``engage museums discover`` with the Bluesky plugin installed: Wikidata's Bluesky handle
(P12361) is proposed for linking, not listed as 'no plugin for Bluesky handle' with the
advice to install a plugin that is installed (QA as a network's digital team, h4)."""

from __future__ import annotations

from engagecore import discover, plugins


def test_the_bluesky_plugin_claims_wikidatas_bluesky_handle() -> None:
    assert plugins.registry().networks["bluesky"].wikidata_property == "P12361"
    assert discover.account_properties()["P12361"] == ("Bluesky handle", "bluesky")
