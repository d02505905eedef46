"""Search: per-language analysis, the Whoosh index built from the catalog, and the query pipeline.

Public surface: `SearchEngine` (index lifecycle + queries), `Request`, `Results`, `Hit`, `FacetValue`,
`ensure_index` (the `portal index` command), and the anonymous query log in `portal.search.log`.
"""

from __future__ import annotations

from .build import IndexMissing, Manifest, current_manifest, ensure_index
from .engine import SearchEngine
from .query import FacetValue, Hit, Request, Results

__all__ = [
    "FacetValue",
    "Hit",
    "IndexMissing",
    "Manifest",
    "Request",
    "Results",
    "SearchEngine",
    "current_manifest",
    "ensure_index",
]
