"""Small domain operations on services that the web layer calls."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select

from portal.storage import Database
from portal.storage.models import StartClick

log = logging.getLogger(__name__)


def record_start(db: Database, service_id: str, day: dt.date) -> None:
    """Count one anonymous Start press. Counting must never stop a resident from starting."""
    # One INSERT ... ON CONFLICT DO UPDATE SET count = count + 1: no lost updates between workers, no retry.
    stmt = db.insert(StartClick).values(service_id=service_id, day=day, count=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["service_id", "day"], set_={"count": StartClick.count + stmt.excluded.count}
    )
    try:
        with db.session() as session:
            session.execute(stmt)
    except Exception:
        log.exception("could not record a Start click for %s", service_id)


def start_counts(db: Database) -> dict[str, int]:
    with db.session() as session:
        totals: dict[str, int] = {}
        for row in session.execute(select(StartClick)).scalars():
            totals[row.service_id] = totals.get(row.service_id, 0) + row.count
        return totals
