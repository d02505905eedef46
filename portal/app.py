"""The app factory, as a flat list of configure_* steps."""

from __future__ import annotations

import gc
import logging
from pathlib import Path
from typing import Any

from flask import Flask

from portal import config as settings
from portal.catalog import CatalogStore
from portal.i18n import configure_babel
from portal.storage import Database

log = logging.getLogger("portal")


def make_app(overrides: dict[str, Any] | None = None) -> Flask:
    app = Flask("portal", template_folder="web/templates", static_folder="web/static")
    configure_settings(app, overrides)
    configure_logging(app)
    configure_database(app)
    configure_catalog(app)
    configure_garbage_collection(app)  # before search: after a reload, freeze the new catalog, then re-index
    configure_search(app)
    configure_babel(app)
    configure_csrf(app)
    configure_accounts(app)
    from portal.web import configure_web

    configure_web(app)
    configure_worker(app)
    return app


def configure_garbage_collection(app: Flask) -> None:
    """The catalog is most of a worker's objects (hundreds of thousands for 10,000 services) and lives until the
    next reload: move it out of the collector's way, or every full collection walks it again (tens of ms, on a
    resident's request). Unreferenced objects are still freed as usual. Not in tests, which make hundreds of apps.
    Its reload listener runs before search's, which starts re-indexing: what that build has made by then must
    not be frozen with the catalog."""
    if app.testing:
        return
    _collect_and_freeze()
    store: CatalogStore = app.extensions["portal.catalog"]
    store.on_change(lambda _catalog: _collect_and_freeze())


def _collect_and_freeze() -> None:
    gc.unfreeze()  # the catalog replaced by a reload, and any cycle in it, must become collectable again
    gc.collect()  # what start-up (or the reload) left as garbage must not be frozen with the rest
    gc.freeze()


def configure_settings(app: Flask, overrides: dict[str, Any] | None) -> None:
    values = settings.load(overrides)
    app.config.update(values)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=values["COOKIE_SECURE"],
        SESSION_COOKIE_NAME="portal_session",
        MAX_CONTENT_LENGTH=values["UPLOAD_MAX_MB"] * 1024 * 1024,
        JSON_SORT_KEYS=False,
        TEMPLATES_AUTO_RELOAD=values["ENV"] == "development",
    )
    Path(values["DATA_DIR"]).mkdir(parents=True, exist_ok=True)


def configure_logging(app: Flask) -> None:
    level = getattr(logging, str(app.config["LOG_LEVEL"]).upper(), logging.INFO)
    logging.getLogger("portal").setLevel(level)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def configure_database(app: Flask) -> None:
    db = Database(app.config["DATABASE_URL"])
    db.create_all()
    app.extensions["portal.db"] = db


def configure_catalog(app: Flask) -> None:
    from portal.translations import services_translations

    translations_dir = Path(app.config["TRANSLATIONS_DIR"])
    store = CatalogStore(
        app.config["SERVICES"],
        reload_stamp=Path(app.config["DATA_DIR"]) / "reload-requested",
        check_interval=float(app.config["RELOAD_INTERVAL"]),
        translations=lambda: services_translations(translations_dir),
        translations_dir=translations_dir,
    )
    app.extensions["portal.catalog"] = store
    store.catalog  # noqa: B018  (fail fast at start: a site with no valid catalog has nothing to serve)


def configure_search(app: Flask) -> None:
    """The search index: built (or brought up to date) here if missing or stale, re-indexed after each reload."""
    from portal.search import SearchEngine, popularity
    from portal.search.log import SearchLog

    engine = SearchEngine(
        Path(app.config["DATA_DIR"]) / "search",
        processes=int(app.config["SEARCH_BUILD_PROCESSES"]),
        cache_size=int(app.config["SEARCH_CACHE_SIZE"]),
        refresh_seconds=float(app.config["SEARCH_REFRESH_SECONDS"]),
        popularity_weight=float(app.config["SEARCH_POPULARITY_WEIGHT"]),
        popularity_seconds=float(app.config["SEARCH_POPULARITY_SECONDS"]),
    )
    store: CatalogStore = app.extensions["portal.catalog"]
    if app.config["SEARCH_BUILD_AT_START"]:
        log.info("search index: checking %s", engine.root)
        manifest = engine.ensure(store.catalog)
        log.info("search index: serving %s (%d services)", manifest.name, len(manifest.services))
    else:
        engine.refresh(wait=True)
    store.on_change(engine.reindex_in_background)
    if engine.popularity_weight > 0:
        db = app.extensions["portal.db"]
        days = int(app.config["SEARCH_POPULARITY_DAYS"])
        engine.use_popularity(lambda: popularity.shares(popularity.usage_counts(db, days=days)))
    app.extensions["portal.search"] = engine
    app.extensions["portal.search_log"] = SearchLog(
        app.extensions["portal.db"],
        enabled=bool(app.config["SEARCH_LOG"]),
        flush_seconds=float(app.config["SEARCH_LOG_FLUSH_SECONDS"]),
    )


def configure_csrf(app: Flask) -> None:
    from flask_wtf.csrf import CSRFProtect

    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # tied to the session instead; long forms must not expire
    CSRFProtect(app)


def configure_accounts(app: Flask) -> None:
    from portal.accounts import Accounts
    from portal.accounts.redact import install_redaction

    install_redaction()
    accounts = Accounts.from_config(app.config)
    app.extensions["portal.accounts"] = accounts
    if accounts.enabled:
        log.info("sign-in with: %s", ", ".join(p.label for p in accounts.providers))
    else:
        log.info("sign-in is off (no PORTAL_OIDC_ISSUER or PORTAL_OIDC_PROVIDERS)")


def configure_worker(app: Flask) -> None:
    """Development only: deliver submissions from a thread of the web process (production runs `portal worker`)."""
    if app.config["WORKER_IN_APP"]:
        from portal.delivery.worker import start_in_app

        app.extensions["portal.worker_stop"] = start_in_app(app)
