"""A broken edit never takes the site down: the last good catalog keeps serving. A reload happens in the
background: the request that notices an edit, and every other, is answered from the catalog already loaded."""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from portal.catalog import CatalogStore, loader
from portal.cli import main


def _touch_later(path: Path, seconds: float = 5) -> None:
    # Make sure the modification time moves even on coarse file systems.
    later = time.time() + seconds
    os.utime(path, (later, later))


def _notice_and_reload(client, app) -> None:
    """A resident's request notices the edit; the reload then runs in the background until done."""
    time.sleep(0.01)
    client.get("/en/")
    store: CatalogStore = app.extensions["portal.catalog"]
    assert store.wait_reloaded(30)


def test_a_broken_edit_keeps_the_old_catalog_serving(make_app, catalog_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    services = catalog_dir / "services.yaml"
    app = make_app(services, RELOAD_INTERVAL=0.0001)
    client = app.test_client()
    assert client.get("/en/services/renew-license").status_code == 200

    services.write_text(services.read_text().replace("agency: dmv", "agency: dvm").replace("renew-license", "renew-licence"))
    _touch_later(services)
    with caplog.at_level(logging.ERROR):
        _notice_and_reload(client, app)
        page = client.get("/en/services/renew-license")
    assert page.status_code == 200, "the last good catalog must keep serving"
    assert client.get("/en/services/renew-licence").status_code == 404
    assert "unknown agency 'dvm'; did you mean 'dmv'?" in caplog.text
    assert "still serving the last good catalog" in caplog.text


def test_a_good_edit_is_served_after_the_reload(make_app, catalog_dir: Path) -> None:
    services = catalog_dir / "services.yaml"
    app = make_app(services, RELOAD_INTERVAL=0.0001)
    client = app.test_client()
    assert b"Renew your driver" in client.get("/en/services/renew-license").data
    services.write_text(services.read_text().replace("Renew your driver's license", "Renew your driving licence"))
    _touch_later(services)
    _notice_and_reload(client, app)
    assert b"Renew your driving licence" in client.get("/en/services/renew-license").data


def test_requests_are_answered_from_the_old_catalog_while_a_slow_reload_runs(
    make_app, catalog_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = catalog_dir / "services.yaml"
    app = make_app(services, RELOAD_INTERVAL=0.0001)
    client = app.test_client()
    loading, release = threading.Event(), threading.Event()
    real_load = loader.load_catalog

    def slow_load(*args, **kwargs):  # a catalog of 10,000 services takes seconds to load and validate
        loading.set()
        release.wait(30)
        return real_load(*args, **kwargs)

    monkeypatch.setattr("portal.catalog.store.load_catalog", slow_load)
    services.write_text(services.read_text().replace("Renew your driver's license", "Renew your driving licence"))
    _touch_later(services)
    time.sleep(0.01)
    first = client.get("/en/services/renew-license")  # notices the edit, and is not held up by the reload
    assert loading.wait(5)
    assert b"Renew your driver" in first.data
    time.sleep(0.01)
    assert b"Renew your driver" in client.get("/en/services/renew-license").data, "no second reload, no wait"
    release.set()
    assert app.extensions["portal.catalog"].wait_reloaded(30)
    assert b"Renew your driving licence" in client.get("/en/services/renew-license").data


def test_an_edit_made_while_a_reload_runs_is_not_missed(catalog_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    services = catalog_dir / "services.yaml"
    store = CatalogStore(services, check_interval=0)
    assert "renew-license" in store.catalog.services
    real_load = loader.load_catalog

    def load_then_edit(*args, **kwargs):
        result = real_load(*args, **kwargs)
        if "renew-licence" not in services.read_text():  # the agency author saves again while the reload runs
            services.write_text(services.read_text().replace("renew-license", "renew-licence"))
            _touch_later(services, 10)
        return result

    monkeypatch.setattr("portal.catalog.store.load_catalog", load_then_edit)
    _touch_later(services)
    assert store.reload_if_changed()
    assert "renew-license" in store.catalog.services  # what was on disk when the reload started
    assert store.reload_if_changed(), "the second save must be noticed"
    assert "renew-licence" in store.catalog.services


def test_a_new_agency_file_is_picked_up(make_app, catalog_dir: Path) -> None:
    services = catalog_dir / "services.yaml"
    services.write_text("include: [services.d/*.yaml]\n" + services.read_text())
    (catalog_dir / "services.d").mkdir()
    app = make_app(services, RELOAD_INTERVAL=0.0001)
    client = app.test_client()
    assert client.get("/en/agencies/parks").status_code == 404
    (catalog_dir / "services.d" / "parks.yaml").write_text(
        "agencies:\n  - {id: parks, name: State Parks, url: 'https://parks.example.gov'}\n"
    )
    _touch_later(catalog_dir / "services.d")
    _notice_and_reload(client, app)
    assert client.get("/en/agencies/parks").status_code == 200


def test_reload_command_refuses_a_broken_catalog_and_signals_a_good_one(catalog_dir: Path, tmp_path: Path) -> None:
    services = catalog_dir / "services.yaml"
    env = {"PORTAL_SERVICES": str(services), "PORTAL_DATA_DIR": str(tmp_path / "var")}
    runner = CliRunner()
    ok = runner.invoke(main, ["reload"], env=env)
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "var" / "reload-requested").exists()
    services.write_text(services.read_text().replace("agency: dmv", "agency: nope"))
    bad = runner.invoke(main, ["reload"], env=env)
    assert bad.exit_code == 1
    assert "unknown agency 'nope'" in bad.output


def test_the_app_refuses_to_start_on_a_broken_catalog_with_a_clear_message(catalog_dir: Path, tmp_path: Path) -> None:
    services = catalog_dir / "services.yaml"
    services.write_text("services: [")
    result = CliRunner().invoke(
        main, ["serve"], env={"PORTAL_SERVICES": str(services), "PORTAL_DATA_DIR": str(tmp_path / "v"), "PORTAL_ENV": "development"}
    )
    assert result.exit_code == 1
    assert "services.yaml:1:" in result.output
    assert "run `portal validate`" in result.output


def _agency_file(catalog_dir: Path, url: str = "https://parks.example.gov", name: str = "State Parks") -> Path:
    parks = catalog_dir / "services.d" / "parks.yaml"
    parks.write_text(f"agencies:\n  - {{id: parks, name: {name}, url: '{url}'}}\n")
    return parks


@pytest.fixture
def included(catalog_dir: Path) -> Path:
    services = catalog_dir / "services.yaml"
    services.write_text("include: [services.d/*.yaml]\n" + services.read_text())
    (catalog_dir / "services.d").mkdir()
    return services


def test_an_edit_to_a_new_file_made_while_the_reload_reads_it_is_not_missed(
    included: Path, catalog_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = CatalogStore(included, check_interval=0)
    assert "parks" not in store.catalog.agencies
    parks = _agency_file(catalog_dir)
    _touch_later(catalog_dir / "services.d")
    real_load = loader.load_catalog

    def load_then_edit(*args, **kwargs):
        result = real_load(*args, **kwargs)
        if "Wildlife" not in parks.read_text():  # saved again, in place, while the reload runs
            _agency_file(catalog_dir, name="State Parks and Wildlife")
            _touch_later(parks, 10)
        return result

    monkeypatch.setattr("portal.catalog.store.load_catalog", load_then_edit)
    assert store.reload_if_changed()
    assert store.catalog.agencies["parks"].name.get("en").text == "State Parks"
    assert store.reload_if_changed(), "the second save of the new file must be noticed"
    assert store.catalog.agencies["parks"].name.get("en").text == "State Parks and Wildlife"


def test_the_fix_of_a_broken_new_file_is_noticed(included: Path, catalog_dir: Path) -> None:
    store = CatalogStore(included, check_interval=0)
    assert "parks" not in store.catalog.agencies
    parks = _agency_file(catalog_dir, url="not a url")
    _touch_later(catalog_dir / "services.d")
    assert store.reload_if_changed()
    assert "parks" not in store.catalog.agencies, "the last good catalog keeps serving"
    _agency_file(catalog_dir)  # fixed in place: the directory's time does not change
    _touch_later(parks, 10)
    assert store.reload_if_changed(), "the fix must be noticed"
    assert "parks" in store.catalog.agencies


@pytest.fixture
def slow_edit(catalog_dir: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[CatalogStore, list[str]]:
    """A loaded store whose catalog was just edited; each load from now on takes 0.3 s and records the name of
    the thread that ran it."""
    services = catalog_dir / "services.yaml"
    store = CatalogStore(services, check_interval=0)
    assert store.catalog
    loads: list[str] = []
    real_load = loader.load_catalog

    def slow_load(*args, **kwargs):
        loads.append(threading.current_thread().name)
        time.sleep(0.3)
        return real_load(*args, **kwargs)

    monkeypatch.setattr("portal.catalog.store.load_catalog", slow_load)
    _touch_later(services)
    return store, loads


def test_one_reload_at_a_time_and_a_caller_that_must_wait_does_not_load_twice(
    slow_edit: tuple[CatalogStore, list[str]],
) -> None:
    store, loads = slow_edit
    assert store.reload_if_changed(background=True)  # a resident's request
    assert not store.reload_if_changed(background=True)  # another one, while it runs
    assert not store.reload_if_changed()  # the delivery worker waits for it rather than loading again
    assert loads == ["catalog-reload"]


def test_a_failing_load_is_not_retried_until_the_next_edit(
    catalog_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    services = catalog_dir / "services.yaml"
    store = CatalogStore(services, check_interval=0)
    assert store.catalog

    def broken_load(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("portal.catalog.store.load_catalog", broken_load)
    _touch_later(services)
    with caplog.at_level(logging.ERROR):
        assert store.reload_if_changed(background=True)
        assert store.wait_reloaded(5)
    assert "still serving the last good catalog" in caplog.text
    assert not store.reload_if_changed(background=True), "no reload storm every check_interval"
    assert "renew-license" in store.catalog.services


AGENCY = "agencies:\n  - {{id: {0}, name: {0}, url: 'https://{0}.example.gov'}}\n"


def test_a_file_added_to_a_newly_included_directory_while_the_reload_runs_is_not_missed(
    catalog_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = catalog_dir / "services.yaml"
    (catalog_dir / "extra").mkdir()
    (catalog_dir / "extra" / "a.yaml").write_text(AGENCY.format("a"))
    store = CatalogStore(services, check_interval=0)
    assert store.catalog
    services.write_text("include: [extra/*.yaml]\n" + services.read_text())
    _touch_later(services)
    real_load = loader.load_catalog

    def load_then_add(*args, **kwargs):
        result = real_load(*args, **kwargs)
        if not (catalog_dir / "extra" / "b.yaml").exists():  # another agency's file lands meanwhile
            (catalog_dir / "extra" / "b.yaml").write_text(AGENCY.format("b"))
            _touch_later(catalog_dir / "extra", 20)
        return result

    monkeypatch.setattr("portal.catalog.store.load_catalog", load_then_add)
    assert store.reload_if_changed()
    assert store.reload_if_changed(), "the new file must be noticed"
    assert {"a", "b"} <= set(store.catalog.agencies)


def test_a_file_in_a_new_subdirectory_of_a_recursive_include_is_picked_up(catalog_dir: Path) -> None:
    services = catalog_dir / "services.yaml"
    services.write_text("include: [services.d/**/*.yaml]\n" + services.read_text())
    (catalog_dir / "services.d").mkdir()
    store = CatalogStore(services, check_interval=0)
    assert store.catalog
    (catalog_dir / "services.d" / "health").mkdir()
    _touch_later(catalog_dir / "services.d")
    assert store.reload_if_changed()
    (catalog_dir / "services.d" / "health" / "c.yaml").write_text(AGENCY.format("c"))
    _touch_later(catalog_dir / "services.d" / "health", 20)
    assert store.reload_if_changed()
    assert "c" in store.catalog.agencies


def test_an_unreadable_include_is_reported_once_not_reloaded_forever(
    included: Path, catalog_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = CatalogStore(included, check_interval=0)
    assert store.catalog
    (catalog_dir / "services.d" / "oops.yaml").mkdir()  # a directory the glob matches: it cannot be read
    _touch_later(catalog_dir / "services.d")
    with caplog.at_level(logging.ERROR):
        assert store.reload_if_changed()
    assert "cannot read file" in caplog.text
    assert [store.reload_if_changed() for _ in range(3)] == [False, False, False]


def test_a_translators_change_to_services_po_reaches_the_site(catalog_dir: Path) -> None:
    from portal.translations import services_translations

    services = catalog_dir / "services.yaml"
    translations = catalog_dir / "translations"
    po = translations / "es" / "LC_MESSAGES" / "services.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n', encoding="utf-8")
    store = CatalogStore(
        services,
        check_interval=0,
        translations=lambda: services_translations(translations),
        translations_dir=translations,
    )
    assert store.catalog
    with po.open("a", encoding="utf-8") as fh:
        fh.write('\nmsgctxt "service:renew-license:title"\nmsgid "x"\nmsgstr "y"\n')
    _touch_later(po)
    assert store.reload_if_changed(), "an edit to a .po file is a change to the catalog"


def test_a_request_during_the_delivery_workers_reload_does_not_load_it_again(
    slow_edit: tuple[CatalogStore, list[str]],
) -> None:
    store, loads = slow_edit
    worker = threading.Thread(target=store.reload_if_changed, name="delivery-worker")
    worker.start()
    time.sleep(0.1)
    store.reload_if_changed(background=True)  # a request, while the worker is loading the same edit
    worker.join()
    assert store.wait_reloaded(5)
    assert loads == ["delivery-worker"]


def test_an_included_file_that_was_missing_is_loaded_once_it_exists(catalog_dir: Path) -> None:
    services = catalog_dir / "services.yaml"
    services.write_text("include: [parks.yaml]\n" + services.read_text())
    store = CatalogStore(services, check_interval=0)
    assert "does not exist" in "".join(str(p) for p in store.reload().problems)
    (catalog_dir / "parks.yaml").write_text(AGENCY.format("parks"))
    assert store.reload_if_changed()
    assert "parks" in store.catalog.agencies
