"""What views and templates need from the app: the catalog being served, the database, chosen text."""

from __future__ import annotations

from typing import Any, cast

from flask import current_app, g

from portal.catalog import Catalog, CatalogStore
from portal.catalog.model import Shown, Text, TextList
from portal.storage import Database


def catalog_store() -> CatalogStore:
    return cast(CatalogStore, current_app.extensions["portal.catalog"])


def catalog() -> Catalog:
    cached = g.get("_catalog")
    if cached is None:
        # One request sees one catalog even if a reload swaps it meanwhile; the first look checks for edits,
        # which are loaded in the background while this request and others are answered from this catalog.
        store = catalog_store()
        if current_app.config["RELOAD_INTERVAL"] > 0:
            store.reload_if_changed(background=True)
        cached = g._catalog = store.catalog
    return cast(Catalog, cached)


def database() -> Database:
    return cast(Database, current_app.extensions["portal.db"])


def pick(value: Text | TextList | Any) -> Any:
    """Text in the resident's language (or the fallback, marked as such)."""
    locale = g.get("locale") or "en"
    if isinstance(value, Text):
        return value.get(locale)
    if isinstance(value, TextList):
        items, lang, fallback = value.get(locale)
        return ListShown(items, lang, fallback)
    return value


class ListShown(tuple[str, ...]):
    lang: str
    fallback: bool

    def __new__(cls, items: tuple[str, ...], lang: str, fallback: bool) -> ListShown:
        obj = super().__new__(cls, items)
        obj.lang = lang
        obj.fallback = fallback
        return obj


__all__ = ["ListShown", "Shown", "catalog", "catalog_store", "database", "pick"]
