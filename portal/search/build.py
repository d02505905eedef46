"""Building the index from the catalog alone, into a fresh directory, switched in atomically.

Layout under the search directory (DATA_DIR/search):

    current             the name of the build being served; replaced with os.replace, never edited in place
    build.lock          held (flock) by whoever builds, so workers starting together build once
    builds/<name>/      one build: manifest.json + one Whoosh index per locale (<locale>/)

A build is invisible until `current` names it, and `current` only ever names a build whose manifest was written
last, after every locale's index was committed: a reader opens a whole old build or a whole new one. A catalog
change re-indexes only the services whose documents changed: the new build starts as hard links to the files of
the current one (Whoosh never rewrites a committed file; it adds segments and a new table of contents), so the
old build stays intact for readers that still have it open.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import secrets
import shutil
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec

from portal.catalog import Catalog
from portal.collector import paused_garbage_collection

from .analysis import ANALYZER_VERSION
from .documents import Document, all_documents, documents_for, fingerprint
from .schema import SCHEMA_VERSION, average_lengths, schema_for

log = logging.getLogger(__name__)

POINTER = "current"
LOCK = "build.lock"
BUILDS = "builds"
MANIFEST = "manifest.json"
REPLACED = "replaced"  # touched in a build when another replaces it
PARALLEL_MIN_DOCUMENTS = 4000  # below this, starting processes costs more than it saves
INCREMENTAL_MAX_SHARE = 0.2  # re-index in place up to this share of changed services; above, build afresh
KEEP_OLD_SECONDS = 600  # replaced builds linger this long for workers that have not switched yet


class IndexMissing(Exception):
    """There is no built index yet."""


@dataclass(frozen=True)
class Manifest:
    name: str
    digest: str
    analyzer_version: int
    schema_version: int
    locales: tuple[str, ...]
    services: dict[str, str]  # service id -> fingerprint of its documents
    documents: dict[str, int]  # locale -> number of documents
    built_at: str
    seconds: float
    incremental: bool = False
    changed: tuple[str, ...] = field(default=())

    def fresh_for(self, catalog: Catalog) -> bool:
        return (
            self.digest == catalog.digest
            and self.analyzer_version == ANALYZER_VERSION
            and self.schema_version == SCHEMA_VERSION
            and self.locales == tuple(catalog.locales)
        )

    def to_json(self) -> str:
        data = self.__dict__ | {"locales": list(self.locales), "changed": list(self.changed)}
        return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        data["locales"] = tuple(data["locales"])
        data["changed"] = tuple(data.get("changed", ()))
        return cls(**data)


def builds_dir(root: Path) -> Path:
    return root / BUILDS


def read_pointer(root: Path) -> str | None:
    try:
        name = (root / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name or None


def read_manifest(build: Path) -> Manifest | None:
    try:
        return Manifest.from_json((build / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError, TypeError, KeyError):
        return None


def current_manifest(root: Path) -> Manifest | None:
    name = read_pointer(root)
    return read_manifest(builds_dir(root) / name) if name else None


@contextlib.contextmanager
def build_lock(root: Path) -> Iterator[None]:
    """One builder per search directory, across processes. Blocks until the lock is free."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK, "a+b") as fh:
        _lock_file(fh.fileno())
        try:
            yield
        finally:
            _unlock_file(fh.fileno())


def _lock_file(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined]
                return
            except OSError:
                time.sleep(0.1)
    fcntl.flock(fd, fcntl.LOCK_EX)


def _unlock_file(fd: int) -> None:
    try:
        import fcntl
    except ImportError:
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
        return
    fcntl.flock(fd, fcntl.LOCK_UN)


def ensure_index(catalog: Catalog, root: Path, *, processes: int = 0, force: bool = False) -> Manifest:
    """Make `current` name an index of exactly this catalog; build (or update) it if needed. Safe to call from
    several processes at once: one builds, the others wait and find it done."""
    manifest = current_manifest(root)
    if manifest is not None and manifest.fresh_for(catalog) and not force:
        return manifest
    with build_lock(root):
        manifest = current_manifest(root)  # someone may have built it while we waited
        if manifest is not None and manifest.fresh_for(catalog) and not force:
            return manifest
        new = build(catalog, root, previous=None if force else manifest, processes=processes)
        switch(root, new.name)
        if manifest is not None:
            _touch(builds_dir(root) / manifest.name / REPLACED)
        remove_old_builds(root, keep=(new.name,))
        return new


def build(catalog: Catalog, root: Path, *, previous: Manifest | None = None, processes: int = 0) -> Manifest:
    """Write a new build directory (not yet served). Incremental from `previous` when few services changed."""
    with paused_garbage_collection():
        return _build(catalog, root, previous, processes)


def _build(catalog: Catalog, root: Path, previous: Manifest | None, processes: int) -> Manifest:
    started = time.perf_counter()
    by_locale = all_documents(catalog)
    by_service: dict[str, list[Document]] = {}
    for docs in by_locale.values():
        for doc in docs:
            by_service.setdefault(doc.service_id, []).append(doc)
    prints = {sid: fingerprint(by_service.get(sid, [])) for sid in catalog.services}
    name = _new_name(catalog)
    target = builds_dir(root) / name
    target.mkdir(parents=True)
    try:
        changed = _changed(previous, prints) if _can_update(previous, catalog) else None
        if (
            previous is not None
            and changed is not None
            and len(changed) <= INCREMENTAL_MAX_SHARE * max(1, len(prints))
        ):
            _link_tree(builds_dir(root) / previous.name, target)
            for locale in catalog.locales:
                docs = [d for sid in changed for d in by_service.get(sid, []) if d.locale == locale]
                update_locale(target / locale, changed, docs)
            incremental = True
        else:
            changed = sorted(prints)
            write_locales(target, by_locale, processes=processes)
            incremental = False
        manifest = Manifest(
            name=name,
            digest=catalog.digest,
            analyzer_version=ANALYZER_VERSION,
            schema_version=SCHEMA_VERSION,
            locales=tuple(catalog.locales),
            services=prints,
            documents={locale: len(docs) for locale, docs in by_locale.items()},
            built_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            seconds=round(time.perf_counter() - started, 3),
            incremental=incremental,
            changed=tuple(changed) if incremental else (),
        )
        _write_atomically(target / MANIFEST, manifest.to_json())
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    log.info(
        "search index %s: %s %d services in %d locales (%d documents) in %.1f s",
        name,
        f"updated {len(changed)} of" if incremental else "built",
        len(prints),
        len(catalog.locales),
        sum(manifest.documents.values()),
        manifest.seconds,
    )
    return manifest


def switch(root: Path, name: str) -> None:
    """Point `current` at a finished build, atomically."""
    tmp = root / f"{POINTER}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    _write_atomically(tmp, name + "\n", replace=False)
    os.replace(tmp, root / POINTER)
    _fsync_dir(root)


def remove_old_builds(root: Path, keep: Sequence[str], older_than: float | None = None) -> list[str]:
    """Delete builds nobody should still be reading: replaced (or abandoned) at least `older_than` seconds ago.
    Workers that have not switched yet keep reading a replaced build until then."""
    older_than = KEEP_OLD_SECONDS if older_than is None else older_than
    now = time.time()
    removed = []
    for path in sorted(builds_dir(root).iterdir()) if builds_dir(root).is_dir() else ():
        if path.name in keep or path.name == read_pointer(root):
            continue
        marker = path / REPLACED if (path / REPLACED).exists() else path
        try:
            age = now - marker.stat().st_mtime
        except FileNotFoundError:
            continue
        if age >= older_than:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    return removed


def write_locales(target: Path, by_locale: dict[str, list[Document]], *, processes: int = 0) -> None:
    total = sum(len(docs) for docs in by_locale.values())
    workers = min(len(by_locale), processes or os.cpu_count() or 1)
    if workers <= 1 or total < PARALLEL_MIN_DOCUMENTS:
        for locale, docs in by_locale.items():
            write_locale(target / locale, locale, docs)
        return
    # Largest first, so the last process to finish is not the one that started the biggest locale last.
    order = sorted(by_locale, key=lambda loc: -sum(len(text) for d in by_locale[loc] for _, text in d.parts))
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(write_locale, target / loc, loc, by_locale[loc]) for loc in order]
        for future in futures:
            future.result()


def write_locale(path: Path, locale: str, docs: list[Document]) -> int:
    """One locale's index from scratch: a single segment (in a process of its own, or in this one)."""
    with paused_garbage_collection():
        return _write_locale(path, locale, docs)


def _write_locale(path: Path, locale: str, docs: list[Document]) -> int:
    path.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(path), schema_for(locale, average_lengths(d.parts for d in docs)))
    # Postings are sorted in memory up to limitmb, then spilled to disk and merged: 256 MB spilled on 10,000
    # Vietnamese services (with their marked terms) and tripled the time; the peak stays the same with 512.
    writer = ix.writer(limitmb=512, codec=_codec())
    try:
        for doc in docs:
            writer.add_document(**doc.fields())
    except BaseException:
        writer.cancel()
        raise
    writer.commit(optimize=True)
    return len(docs)


def update_locale(path: Path, service_ids: Sequence[str], docs: list[Document]) -> None:
    """Replace these services' documents in a (hard-linked copy of a) locale index."""
    ix = whoosh_index.open_dir(str(path))
    writer = ix.writer(codec=_codec())
    try:
        for sid in service_ids:
            writer.delete_by_term("id", sid)
        for doc in docs:
            writer.add_document(**doc.fields())
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


def _codec() -> W3Codec:
    # Block-level length statistics only serve Whoosh's own top-k pruning, which our ranking does not use;
    # computing them costs a file stat per posting and about half of the build time.
    # (Not `inlinelimit` > 1 to keep short posting lists in the term dictionary: Whoosh 2.7.5 crashes on it,
    # calling `set_inline` where it means `set_inlined`.)
    codec = W3Codec()
    codec.length_stats = False
    return codec


def _can_update(previous: Manifest | None, catalog: Catalog) -> bool:
    return (
        previous is not None
        and previous.analyzer_version == ANALYZER_VERSION
        and previous.schema_version == SCHEMA_VERSION
        and previous.locales == tuple(catalog.locales)
    )


def _changed(previous: Manifest | None, prints: dict[str, str]) -> list[str] | None:
    if previous is None:
        return None
    old = previous.services
    return sorted({sid for sid in prints if old.get(sid) != prints[sid]} | (old.keys() - prints.keys()))


def _link_tree(source: Path, target: Path) -> None:
    """Copy a build by hard links (a copy where links are not possible); never the manifest or lock files."""
    for src in source.rglob("*"):
        rel = src.relative_to(source)
        dest = target / rel
        if src.is_dir():
            dest.mkdir(parents=True, exist_ok=True)
            continue
        if src.name in (MANIFEST, REPLACED) or src.name.endswith("LOCK"):
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(src, dest)
        except OSError:
            shutil.copy2(src, dest)


def _new_name(catalog: Catalog) -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    return f"{stamp}-{catalog.digest[:12]}-{os.getpid()}-{secrets.token_hex(3)}"


def _write_atomically(path: Path, text: str, *, replace: bool = True) -> None:
    tmp = path.with_name(path.name + ".tmp") if replace else path
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    if replace:
        os.replace(tmp, path)


def _touch(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.touch()


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # Windows cannot open directories
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def describe_documents(catalog: Catalog) -> dict[str, int]:
    """locale -> number of services written in it (what a build will hold)."""
    counts = dict.fromkeys(catalog.locales, 0)
    for service in catalog.services.values():
        for doc in documents_for(catalog, service):
            counts[doc.locale] += 1
    return counts
