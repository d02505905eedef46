"""The search a worker process serves: the index lifecycle around one open snapshot, and a cache of hot queries.

- `ensure(catalog)`: at start, build the index if it is missing or stale (under a file lock, so several workers
  starting together build it once), then open it.
- `reindex_in_background(catalog)`: after a catalog reload, bring the index up to date in a thread (one at a
  time; the latest catalog wins) and swap the open snapshot when done. Other workers notice the new build within
  `refresh_seconds` and swap too.
- `search()` / `suggest()`: always against one whole snapshot, never a build in progress.
- `use_popularity(source)`: rank with how much residents use each service (see `popularity`), read from
  `source` in a background thread every `popularity_seconds`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

from portal.catalog import Catalog

from . import query as pipeline
from .build import IndexMissing, Manifest, ensure_index, read_pointer
from .cache import LRUCache
from .query import NO_PRIOR, Hit, Prior, Request, Results
from .reader import Snapshot

log = logging.getLogger(__name__)


class SearchEngine:
    def __init__(
        self,
        root: str | Path,
        *,
        processes: int = 0,
        cache_size: int = 2048,
        refresh_seconds: float = 1.0,
        popularity_weight: float = 0.0,
        popularity_seconds: float = 600.0,
    ) -> None:
        self.root = Path(root)
        self.processes = processes
        self.refresh_seconds = refresh_seconds
        self.cache: LRUCache[object] = LRUCache(cache_size)
        self._snapshot: Snapshot | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self._opening: threading.Thread | None = None
        self._builder: threading.Thread | None = None
        self._pending: Catalog | None = None
        self.popularity_weight = popularity_weight
        self.popularity_seconds = popularity_seconds
        self._prior: tuple[int, Prior] = (0, NO_PRIOR)  # (version, prior): replaced whole, never edited
        self._prior_source: Callable[[], Mapping[str, float]] | None = None
        self._prior_checked = 0.0
        self._prior_thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------------------------

    def ensure(self, catalog: Catalog) -> Manifest:
        """Build if missing or stale, then serve it. Blocks until done."""
        manifest = ensure_index(catalog, self.root, processes=self.processes)
        self._open(manifest.name)
        return manifest

    def reindex_in_background(self, catalog: Catalog) -> None:
        with self._lock:
            self._pending = catalog
            if self._builder is not None:
                return  # the running builder picks the newest catalog up when it finishes
            self._builder = threading.Thread(target=self._build_pending, name="search-reindex", daemon=True)
            self._builder.start()

    def _build_pending(self) -> None:
        while True:
            with self._lock:
                catalog, self._pending = self._pending, None
                if catalog is None:
                    self._builder = None
                    return
            try:
                started = time.perf_counter()
                manifest = ensure_index(catalog, self.root, processes=self.processes)
                self._open(manifest.name)
                log.info("search index %s serving after %.2f s", manifest.name, time.perf_counter() - started)
            except Exception:
                log.exception("search re-index failed; still serving the previous index")

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Wait for a background build or swap to finish (tests, benchmarks, the CLI)."""
        deadline = time.monotonic() + timeout
        for attr in ("_builder", "_opening"):
            while True:
                with self._lock:
                    thread = getattr(self, attr)
                if thread is None or not thread.is_alive():
                    break
                thread.join(max(0.0, deadline - time.monotonic()))
                if time.monotonic() >= deadline:
                    return False
        return True

    def refresh(self, *, wait: bool = False) -> None:
        """Switch to the build `current` names if it is not the open one. Requests keep the old snapshot while
        the new one opens in a thread, unless nothing is open yet (or wait=True)."""
        name = read_pointer(self.root)
        if name is None or (self._snapshot is not None and self._snapshot.name == name):
            return
        if self._snapshot is None or wait:
            self._open(name)
            return
        with self._lock:
            if self._opening is not None and self._opening.is_alive():
                return
            self._opening = threading.Thread(
                target=self._open_quietly, args=(name,), name="search-open", daemon=True
            )
            self._opening.start()

    def _open_quietly(self, name: str) -> None:
        try:
            self._open(name)
        except Exception:
            log.exception("could not open search index %s; still serving the previous one", name)

    def _open(self, name: str) -> None:
        if self._snapshot is not None and self._snapshot.name == name:
            return
        started = time.perf_counter()
        snapshot = Snapshot.open(self.root, name)
        self._snapshot = snapshot  # one assignment: a request sees the old snapshot or the new one
        self.cache.clear()
        log.info("search index %s opened in %.2f s", name, time.perf_counter() - started)

    def snapshot(self) -> Snapshot:
        now = time.monotonic()
        if now - self._checked >= self.refresh_seconds:
            self._checked = now
            self.refresh()
        if self._snapshot is None:
            raise IndexMissing(f"no search index in {self.root}; run `portal index`")
        return self._snapshot

    @property
    def serving(self) -> str | None:
        return self._snapshot.name if self._snapshot else None

    # --- popularity ------------------------------------------------------------------------------------------

    def set_popularity(self, shares: Mapping[str, float]) -> None:
        """service id -> use between 0 and 1 (`popularity.shares`). Cached answers made without it are dropped."""
        if self.popularity_weight <= 0:
            return
        with self._lock:
            version, current = self._prior
            if dict(shares) != dict(current.shares):
                self._prior = (version + 1, Prior(dict(shares), self.popularity_weight))

    def use_popularity(self, source: Callable[[], Mapping[str, float]]) -> None:
        """Read the prior from `source` now, then again in the background every `popularity_seconds`."""
        self._prior_source = source
        self._refresh_popularity()

    def _refresh_popularity(self) -> None:
        source = self._prior_source
        if source is None:
            return
        self._prior_checked = time.monotonic()
        try:
            self.set_popularity(source())
        except Exception:
            log.exception("could not read how much services are used; ranking as before")
        finally:
            self._prior_thread = None

    def _maybe_refresh_popularity(self) -> None:
        if self._prior_source is None or self._prior_thread is not None:
            return
        if self.popularity_seconds <= 0:  # tests and tiny sites: read it on every search
            self._refresh_popularity()
            return
        if time.monotonic() - self._prior_checked < self.popularity_seconds:
            return
        with self._lock:
            if self._prior_thread is not None:
                return
            self._prior_checked = time.monotonic()
            self._prior_thread = threading.Thread(
                target=self._refresh_popularity, name="search-popularity", daemon=True
            )
            self._prior_thread.start()

    def ranking(self) -> tuple[int, Prior]:
        """(version, prior), read together: the version changes whenever the same query may rank differently on
        the same index and catalog, so caches key on it."""
        self._maybe_refresh_popularity()
        return self._prior

    # --- queries ---------------------------------------------------------------------------------------------

    def search(self, catalog: Catalog, request: Request) -> Results:
        snapshot = self.snapshot()
        request = replace(request, query=pipeline.normalize(request.query), page=max(1, request.page))
        version, prior = self.ranking()
        key = ("search", snapshot.name, catalog.digest, version, request)
        cached = self.cache.get(key)
        if isinstance(cached, Results):
            return cached
        results = pipeline.search(snapshot, catalog, request, prior)
        self.cache.put(key, results)
        return results

    def suggest(self, catalog: Catalog, query: str, locale: str, limit: int = 8) -> list[Hit]:
        snapshot = self.snapshot()
        query = pipeline.normalize(query)
        version, prior = self.ranking()
        key = ("suggest", snapshot.name, catalog.digest, version, query, locale, limit)
        cached = self.cache.get(key)
        if isinstance(cached, list):
            return cached
        hits = pipeline.suggest(snapshot, catalog, query, locale, limit, prior)
        self.cache.put(key, hits)
        return hits
