"""The agency catalog: services.yaml -> validated, frozen Catalog."""

from __future__ import annotations

from .loader import LoadResult, load_catalog
from .model import Agency, Catalog, Form, FormField, Info, Redirect, Service, Shown, Text
from .problems import Position, Problem
from .store import CatalogStore

__all__ = [
    "Agency",
    "Catalog",
    "CatalogStore",
    "Form",
    "FormField",
    "Info",
    "LoadResult",
    "Position",
    "Problem",
    "Redirect",
    "Service",
    "Shown",
    "Text",
    "load_catalog",
]
