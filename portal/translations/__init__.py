"""Translators' tools: the `services` gettext domain, extraction, compilation, status and checks."""

from __future__ import annotations

from .domain import compile_catalogs, services_translations

__all__ = ["compile_catalogs", "services_translations"]
