"""The index lifecycle: built from the catalog alone, switched in atomically, rebuilt when stale, re-indexed after
a reload, built once when several workers start together, and never served half-built."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import pytest
from click.testing import CliRunner

from portal import create_app
from portal.catalog import load_catalog
from portal.cli import main
from portal.search import Request, SearchEngine, build
from portal.search import query as pipeline
from portal.search.build import builds_dir, current_manifest, ensure_index, read_pointer
from portal.search.reader import Snapshot

from .conftest import CATALOG, search_config

NEW_SERVICE = """
  - id: report-a-pothole
    agency: dmv
    title: {en: Report a pothole}
    summary: {en: Tell us where the road is damaged.}
    delivery: {type: redirect, url: https://dmv.example.gov/pothole}
"""


def add_service(services: Path) -> None:
    services.write_text(services.read_text() + NEW_SERVICE)
    later = time.time() + 5  # the modification time must move, even on coarse file systems
    os.utime(services, (later, later))


def found(app, q: str, lang: str = "en") -> list[str]:
    return [
        r["id"]
        for r in app.test_client()
        .get("/api/search", query_string={"q": q, "lang": lang})
        .get_json()["results"]
    ]


def tree_digest(path: Path) -> dict[str, str]:
    return {
        str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*"))
        if p.is_file()
    }


def test_the_app_builds_the_index_at_start_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        app = create_app(search_config(tmp_path / "var"))
    root = tmp_path / "var" / "search"
    manifest = current_manifest(root)
    assert manifest is not None
    assert manifest.digest == app.extensions["portal.catalog"].catalog.digest
    assert "search index: checking" in caplog.text and "built 10 services" in caplog.text
    again = create_app(search_config(tmp_path / "var"))  # a second worker, or a restart: nothing to do
    assert read_pointer(root) == manifest.name
    assert [p.name for p in builds_dir(root).iterdir()] == [manifest.name]
    assert found(again, "passport") == ["renew-passport"]


def test_a_stale_index_is_rebuilt_at_start(tmp_path: Path, catalog_copy: Path) -> None:
    create_app(search_config(tmp_path / "var", catalog_copy))
    before = current_manifest(tmp_path / "var" / "search")
    add_service(catalog_copy)
    app = create_app(search_config(tmp_path / "var", catalog_copy))
    after = current_manifest(tmp_path / "var" / "search")
    assert before is not None and after is not None
    assert after.name != before.name
    assert after.digest == app.extensions["portal.catalog"].catalog.digest != before.digest
    assert after.incremental and after.changed == ("report-a-pothole",)
    assert found(app, "pothole") == ["report-a-pothole"]


def test_a_new_analyzer_version_rebuilds_everything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = load_catalog(search_config(tmp_path)["SERVICES"]).catalog
    assert catalog is not None
    first = ensure_index(catalog, tmp_path / "search")
    monkeypatch.setattr(build, "ANALYZER_VERSION", first.analyzer_version + 1)
    second = ensure_index(catalog, tmp_path / "search")
    assert second.name != first.name and not second.incremental
    assert second.analyzer_version == first.analyzer_version + 1


def test_a_catalog_reload_reindexes_in_the_background(tmp_path: Path, catalog_copy: Path) -> None:
    app = create_app(search_config(tmp_path / "var", catalog_copy, RELOAD_INTERVAL=0.0001))
    engine: SearchEngine = app.extensions["portal.search"]
    assert found(app, "pothole") == []
    add_service(catalog_copy)
    time.sleep(0.01)
    app.test_client().get("/en/")  # any request notices the edit and reloads the catalog in the background
    assert app.extensions["portal.catalog"].wait_reloaded(30)
    assert engine.wait_idle(30)
    assert found(app, "pothole") == ["report-a-pothole"]
    manifest = current_manifest(tmp_path / "var" / "search")
    assert manifest is not None and manifest.incremental and manifest.changed == ("report-a-pothole",)


def test_an_update_never_touches_the_build_readers_have_open(tmp_path: Path, catalog_copy: Path) -> None:
    catalog = load_catalog(catalog_copy).catalog
    assert catalog is not None
    root = tmp_path / "search"
    old = ensure_index(catalog, root)
    before = tree_digest(builds_dir(root) / old.name)
    add_service(catalog_copy)
    changed = load_catalog(catalog_copy).catalog
    assert changed is not None
    new = ensure_index(changed, root)
    assert new.incremental and new.name != old.name
    after = tree_digest(builds_dir(root) / old.name)
    assert {
        k: v for k, v in after.items() if k != "replaced"
    } == before  # only the "replaced" marker was added
    old_engine = SearchEngine(root, cache_size=0)
    old_engine._open(old.name)  # a worker still on the old build
    assert old_engine.search(catalog, Request("pothole", "en")).total == 0
    assert old_engine.search(catalog, Request("passport", "en")).total == 1


def test_a_reader_never_sees_a_half_built_index(
    tmp_path: Path, catalog_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_catalog = load_catalog(catalog_copy).catalog
    assert old_catalog is not None
    root = tmp_path / "search"
    engine = SearchEngine(root, cache_size=0, refresh_seconds=0)
    engine.ensure(old_catalog)
    old_name = engine.serving
    add_service(catalog_copy)
    new_catalog = load_catalog(catalog_copy).catalog
    assert new_catalog is not None

    seen: set[tuple[str | None, int]] = set()
    errors: list[BaseException] = []
    done = threading.Event()

    def resident() -> None:
        while not done.is_set():
            try:
                snapshot = engine.snapshot()  # what one request gets
                results = pipeline.search(snapshot, new_catalog, Request("passport pothole", "en"))
                seen.add((snapshot.name, results.total))
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
                return

    pointers: list[str | None] = []
    real_write = build.write_locale

    def slow_write(path: Path, locale: str, docs: list) -> int:
        pointers.append(read_pointer(root))  # while locales are being written, `current` has not moved
        time.sleep(0.05)
        return real_write(path, locale, docs)

    monkeypatch.setattr(build, "write_locale", slow_write)
    reader = threading.Thread(target=resident)
    reader.start()
    try:
        new = ensure_index(new_catalog, root, force=True)  # a full build, locale by locale
        engine.refresh(wait=True)
        deadline = time.monotonic() + 10
        while (new.name, 2) not in seen and time.monotonic() < deadline and reader.is_alive():
            time.sleep(0.01)
    finally:
        done.set()
        reader.join()
    assert not errors, errors
    assert set(pointers) == {old_name}
    assert read_pointer(root) == new.name
    # Every answer came from one whole build: the old one (no pothole yet) or the new one (passport + pothole).
    assert seen <= {(old_name, 1), (new.name, 2)}
    assert (new.name, 2) in seen


def test_an_unfinished_build_cannot_be_opened_and_a_failed_one_changes_nothing(
    tmp_path: Path, catalog_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = load_catalog(catalog_copy).catalog
    assert catalog is not None
    root = tmp_path / "search"
    old = ensure_index(catalog, root)
    calls = []

    def failing_write(path: Path, locale: str, docs: list) -> int:
        calls.append(locale)
        if len(calls) == 2:
            raise OSError("disk full")
        path.mkdir(parents=True)
        return 0

    monkeypatch.setattr(build, "write_locale", failing_write)
    with pytest.raises(OSError, match="disk full"):
        ensure_index(catalog, root, force=True)
    assert read_pointer(root) == old.name
    assert [p.name for p in builds_dir(root).iterdir()] == [old.name]  # the partial build was removed
    (builds_dir(root) / "unfinished").mkdir()
    with pytest.raises(FileNotFoundError, match="no manifest"):
        Snapshot.open(root, "unfinished")


def build_in_another_process(services: str, root: str) -> str:
    catalog = load_catalog(services).catalog
    assert catalog is not None
    return ensure_index(catalog, Path(root)).name


def test_workers_starting_together_build_once(tmp_path: Path) -> None:
    services = search_config(tmp_path)["SERVICES"]
    root = str(tmp_path / "search")
    with ProcessPoolExecutor(max_workers=3, mp_context=get_context("spawn")) as pool:
        names = list(pool.map(build_in_another_process, [services] * 3, [root] * 3))
    assert len(set(names)) == 1
    assert [p.name for p in builds_dir(Path(root)).iterdir()] == names[:1]


def test_replaced_builds_are_removed_once_no_worker_needs_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = load_catalog(search_config(tmp_path)["SERVICES"]).catalog
    assert catalog is not None
    root = tmp_path / "search"
    first = ensure_index(catalog, root)
    second = ensure_index(catalog, root, force=True)
    assert {p.name for p in builds_dir(root).iterdir()} == {
        first.name,
        second.name,
    }  # the old one lingers a while
    monkeypatch.setattr(build, "KEEP_OLD_SECONDS", 0)
    third = ensure_index(catalog, root, force=True)
    assert [p.name for p in builds_dir(root).iterdir()] == [third.name]


def test_portal_index_command(tmp_path: Path) -> None:
    env = {"PORTAL_SERVICES": search_config(tmp_path)["SERVICES"], "PORTAL_DATA_DIR": str(tmp_path / "var")}
    runner = CliRunner()
    first = runner.invoke(main, ["index"], env=env)
    assert first.exit_code == 0, first.output
    assert "built 10 services" in first.output
    assert "zh-Hans" in first.output and "character bigrams" in first.output
    assert "Snowball stemming" in first.output
    again = runner.invoke(main, ["index"], env=env)
    assert "up to date" in again.output
    forced = runner.invoke(main, ["index", "--force"], env=env)
    assert "built 10 services" in forced.output


def test_threads_share_an_open_index_safely(tmp_path: Path) -> None:
    # The index is read with seek() and read() on shared files (not memory-mapped): threads of one worker
    # (`flask run`, gunicorn --threads) must take turns, typo lookups and posting lists alike.
    catalog = load_catalog(CATALOG).catalog
    assert catalog is not None
    engine = SearchEngine(tmp_path / "search", cache_size=0)
    engine.ensure(catalog)
    english = engine.snapshot().locales["en"]
    expected = {
        "within": english.words_within("pasport", 1),
        "frequency": english.word_frequency("passport"),
        "postings": list(english._score("text", "renew").docs),
    }
    errors: list[BaseException] = []
    wrong: list[str] = []

    def hammer() -> None:
        try:
            for _ in range(40):
                if english.words_within("pasport", 1) != expected["within"]:
                    wrong.append("within")
                if english.word_frequency("passport") != expected["frequency"]:
                    wrong.append("frequency")
                if list(english._score("text", "renew").docs) != expected["postings"]:
                    wrong.append("postings")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and not wrong
