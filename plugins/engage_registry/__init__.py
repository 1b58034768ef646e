"""Readers of official museum registries (Musées de France)."""
