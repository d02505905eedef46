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

from .files import FileStat, file_stat
from .loader import LoadResult, Translations, load_catalog
from .model import Catalog
from .problems import Problem

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
        translations_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.path = Path(path)
        self.reload_stamp = Path(reload_stamp) if reload_stamp else None
        # Where `translations` reads services.po from: watched too, so a translator's change reaches the site.
        self.translations_dir = Path(translations_dir) if translations_dir else self.path.parent / "translations"
        self.check_interval = check_interval
        self._translations = translations
        self._catalog: Catalog | None = None
        self._signature: tuple[FileStat, ...] = ()
        # What the last load read or tried (files, and the directories include globs searched): watched.
        self._files: tuple[str, ...] = ()
        self._last_check = 0.0
        self._lock = threading.Lock()
        self._reloader: threading.Thread | None = None
        self._reloader_lock = threading.Lock()
        self._listeners: list[Listener] = []
        self.last_problems: list[Problem] = []

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            result = self.reload(only_if_changed=True)  # another thread may have loaded it meanwhile
            if self._catalog is None:
                raise CatalogError(result.problems)
        assert self._catalog is not None
        return self._catalog

    def on_change(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def reload(self, *, only_if_changed: bool = False) -> LoadResult:
        """Load the catalog again; swap only if it is valid. `only_if_changed`: unless a reload that held the lock
        before this one already loaded the files as they are."""
        with self._lock:
            # Stat before loading (the loader stats each file before reading it too): an edit saved while the
            # catalog loads leaves a newer time than the one recorded, and the next check reloads again.
            current = self._current_signature()
            if only_if_changed and self._catalog is not None and current == self._signature:
                return LoadResult(self._catalog, self.last_problems)
            before = {path: (mtime, size) for path, mtime, size in current}
            try:
                result = load_catalog(self.path, self._translations() if self._translations else None)
            except BaseException:
                self._signature = tuple((path, *stat) for path, stat in before.items())  # no retry until an edit
                raise
            self.last_problems = result.problems
            loaded = before | {path: (mtime, size) for path, mtime, size in result.read}
            if result.catalog is None:
                # Keep watching the last good catalog's files, and also the ones that failed: fixing a broken
                # new file in place (its directory's time does not change) must be noticed too.
                self._files = tuple(dict.fromkeys(self._files + tuple(path for path, _, _ in result.read)))
                self._signature = self._current_signature(loaded)
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
            self._files = tuple(path for path, _, _ in result.read)
            self._signature = self._current_signature(loaded)
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
        In the background, at most one reload runs at a time; the catalog is swapped when it is done. Returns
        whether a reload was started (background) or done."""
        now = time.monotonic()
        if now - self._last_check < self.check_interval:
            return False
        self._last_check = now
        if self._current_signature() == self._signature:
            return False
        if not background:
            self.wait_reloaded()  # one running in the background may already be loading this very edit
            if self._current_signature() == self._signature:
                return False
            self.reload(only_if_changed=True)
            return True
        with self._reloader_lock:
            if self._reloader is not None and self._reloader.is_alive():
                return False  # the edit is picked up by the next check after this reload
            if self._current_signature() == self._signature:
                return False  # a reload finished between the first look and now
            self._reloader = threading.Thread(target=self._reload_quietly, name="catalog-reload", daemon=True)
            self._reloader.start()
        return True

    def _reload_quietly(self) -> None:
        try:
            self.reload(only_if_changed=True)
        except Exception:  # logged; the last good catalog keeps serving, and the next edit is tried again
            log.exception("catalog reload failed; still serving the last good catalog")

    def wait_reloaded(self, timeout: float = 60.0) -> bool:
        """Wait for the background reload, if one is running, to finish (tests, benchmarks). False on timeout."""
        with self._reloader_lock:
            thread = self._reloader
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def _current_signature(self, known: dict[str, tuple[int, int]] | None = None) -> tuple[FileStat, ...]:
        """(path, modification time, size) of everything that makes the catalog: the top file, what the last load
        read (files, and the directories include globs search), the reload stamp and the translations' services.po
        files with their directories. `known`: times already recorded, used instead of a fresh look."""
        paths = [str(self.path), *self._files]
        if self.reload_stamp is not None:
            paths.append(str(self.reload_stamp))
        translations = self.translations_dir
        if translations.is_dir():
            paths.append(str(translations))
            paths += sorted(str(d) for d in translations.iterdir() if d.is_dir())
            paths += sorted(str(d) for d in translations.glob("*/LC_MESSAGES"))
            paths += sorted(str(f) for f in translations.glob("*/LC_MESSAGES/services.po"))
        return tuple(
            (path, *known[path]) if known is not None and path in known else file_stat(path)
            for path in dict.fromkeys(paths)
        )

    def request_reload(self) -> None:
        """Ask every worker on this host to reload (they check the stamp's modification time)."""
        if self.reload_stamp is None:
            self.reload()
            return
        self.reload_stamp.parent.mkdir(parents=True, exist_ok=True)
        self.reload_stamp.write_text(str(time.time()))
