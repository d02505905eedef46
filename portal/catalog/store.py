"""The catalog a running site serves, and its atomic reload.

Each worker process holds one immutable Catalog and swaps the reference in one assignment, so a request sees
either the old catalog or the new one, never a mix. A reload that fails validation logs every problem and keeps
the last good catalog. Workers notice changes by the files' modification times (checked at most every
`check_interval` seconds) or a reload stamp that `portal reload` touches, so all workers on a host follow.

A web worker reloads in a background thread (`reload_if_changed(background=True)`): loading and validating
10,000 services takes seconds, and the request that noticed the edit, like every other, is answered from the
catalog already loaded. The swap happens when the new catalog is valid and complete.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from .loader import LoadResult, Translations, load_catalog
from .model import Catalog
from .spec import Problem

log = logging.getLogger(__name__)

Listener = Callable[[Catalog], None]


class CatalogError(Exception):
    """The catalog cannot be loaded and there is no earlier good one to keep serving."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("the catalog has errors:\n" + "\n".join(str(p) for p in problems if p.severity == "error"))


class CatalogStore:
    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        reload_stamp: str | os.PathLike[str] | None = None,
        check_interval: float = 2.0,
        translations: Callable[[], Translations | None] | None = None,
    ) -> None:
        self.path = Path(path)
        self.reload_stamp = Path(reload_stamp) if reload_stamp else None
        self.check_interval = check_interval
        self._translations = translations
        self._catalog: Catalog | None = None
        self._signature: tuple[tuple[str, float, int], ...] = ()
        self._last_check = 0.0
        self._lock = threading.Lock()
        self._reloader: threading.Thread | None = None
        self._reloader_lock = threading.Lock()
        self._listeners: list[Listener] = []
        self.last_problems: list[Problem] = []

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            result = self.reload()
            if self._catalog is None:
                raise CatalogError(result.problems)
        assert self._catalog is not None
        return self._catalog

    def on_change(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def reload(self) -> LoadResult:
        """Load the catalog again; swap only if it is valid."""
        with self._lock:
            signature = self._current_signature()  # stat first: an edit made while loading is seen next check
            before = {path: (mtime, size) for path, mtime, size in signature}
            result = load_catalog(self.path, self._translations() if self._translations else None)
            self.last_problems = result.problems
            self._signature = signature
            if result.catalog is None:
                errors = result.errors
                log.error(
                    "catalog reload failed with %d error(s); %s",
                    len(errors),
                    "still serving the last good catalog" if self._catalog else "no catalog to serve",
                )
                for problem in errors:
                    log.error("%s", problem)
                return result
            changed = self._catalog is None or self._catalog.digest != result.catalog.digest
            self._catalog = result.catalog
            # Now also watching any newly included files; files known before keep the times they had then.
            self._signature = tuple(
                (path, *before.get(path, (mtime, size)))
                for path, mtime, size in self._current_signature()
            )
            log.info(
                "catalog loaded: %d services, %d agencies, %d locales (%s)",
                len(result.catalog.services),
                len(result.catalog.agencies),
                len(result.catalog.locales),
                result.catalog.digest[:12],
            )
        if changed:
            for listener in self._listeners:
                try:
                    listener(result.catalog)
                except Exception:
                    log.exception("catalog change listener failed")
        return result

    def reload_if_changed(self, *, background: bool = False) -> bool:
        """Cheap enough to call on every request: stats a few files at most every check_interval seconds.
        In the background, at most one reload runs at a time; the catalog is swapped when it is done."""
        now = time.monotonic()
        if now - self._last_check < self.check_interval:
            return False
        self._last_check = now
        if self._current_signature() == self._signature:
            return False
        if not background:
            self.reload()
            return True
        with self._reloader_lock:
            if self._reloader is not None and self._reloader.is_alive():
                return False  # the edit is picked up by the next check after this reload
            self._reloader = threading.Thread(target=self._reload_quietly, name="catalog-reload", daemon=True)
            self._reloader.start()
        return True

    def _reload_quietly(self) -> None:
        try:
            self.reload()
        except Exception:  # an unreadable file is logged and the last good catalog keeps serving
            log.exception("catalog reload failed; still serving the last good catalog")

    def wait_reloaded(self, timeout: float = 60.0) -> bool:
        """Wait for a background reload to finish (tests, benchmarks)."""
        with self._reloader_lock:
            thread = self._reloader
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def _current_signature(self) -> tuple[tuple[str, float, int], ...]:
        paths = [self.path]
        if self._catalog is not None:
            paths += [Path(f) for f in self._catalog.files]
            # New files matching an include glob appear as directory changes.
            paths += sorted({Path(f).parent for f in self._catalog.files} | {Path(d) for d in self._catalog.watch_dirs})
        if self.reload_stamp is not None:
            paths.append(self.reload_stamp)
        for directory in ("translations",):
            candidate = self.path.parent / directory
            if candidate.is_dir():
                paths.append(candidate)
        signature = []
        for p in paths:
            try:
                st = p.stat()
            except OSError:
                signature.append((str(p), -1.0, -1))
                continue
            signature.append((str(p), st.st_mtime, st.st_size))
        return tuple(signature)

    def request_reload(self) -> None:
        """Ask every worker on this host to reload (they check the stamp's modification time)."""
        if self.reload_stamp is None:
            self.reload()
            return
        self.reload_stamp.parent.mkdir(parents=True, exist_ok=True)
        self.reload_stamp.write_text(str(time.time()))
