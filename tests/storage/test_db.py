"""The same code on SQLite (default) and PostgreSQL (at scale)."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from sqlalchemy import inspect

from portal.services import record_start, start_counts
from portal.storage import Database
from tests.tools import postgres_url


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    else:
        database = Database(postgres_url())
        from portal.storage import Base

        database.create_all()
        Base.metadata.drop_all(database.engine)
    yield database
    database.dispose()


def test_schema_creation_is_safe_when_workers_start_together(db: Database) -> None:
    errors: list[BaseException] = []

    def start() -> None:
        other = Database(db.url.render_as_string(hide_password=False))
        try:
            other.create_all()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            other.dispose()

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert "start_clicks" in inspect(db.engine).get_table_names()


def test_start_clicks_are_counted_without_losing_any(db: Database) -> None:
    db.create_all()
    day = dt.date(2026, 11, 22)

    def click() -> None:
        for _ in range(10):
            record_start(db, "renew-license", day)

    threads = [threading.Thread(target=click) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert start_counts(db) == {"renew-license": 40}


def test_search_counts_from_several_workers_add_up(db: Database) -> None:
    # Each worker writes its counts in one upsert per table; two workers counting the same queries the same day
    # (and a query counted again the next flush) add up, on either database.
    from sqlalchemy import select

    from portal.search.log import SearchLog
    from portal.search.models import SearchClickCount, SearchQueryCount

    db.create_all()
    day = dt.date(2026, 12, 1)
    workers = [SearchLog(db, flush_seconds=3600) for _ in range(2)]
    for log in workers:
        for _ in range(3):
            log.searched("en", "passport", 4, today=day)
        log.searched("en", "zzqx", 0, today=day)
        log.clicked("en", "passport", "renew-passport", today=day)
    threads = [threading.Thread(target=log.flush) for log in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    workers[0].searched("en", "passport", 4, today=day)
    workers[0].flush()
    with db.session() as session:
        rows = {r.query: r for r in session.execute(select(SearchQueryCount)).scalars()}
        chosen = [(c.service_id, c.clicks) for c in session.execute(select(SearchClickCount)).scalars()]
    assert (rows["passport"].searches, rows["passport"].clicks) == (7, 2)
    assert (rows["zzqx"].searches, rows["zzqx"].zero_results) == (2, 2)
    assert chosen == [("renew-passport", 2)]
