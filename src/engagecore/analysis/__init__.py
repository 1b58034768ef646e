"""Analyses behind engage posts, themes, risks, growth, adoption and young reach (issue 13)."""
