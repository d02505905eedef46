"""Small domain operations on services that the web layer calls."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal.storage import Database
from portal.storage.models import StartClick

log = logging.getLogger(__name__)


def record_start(db: Database, service_id: str, day: dt.date) -> None:
    """Count one anonymous Start press. Counting must never stop a resident from starting."""
    increment = (
        update(StartClick)
        .where(StartClick.service_id == service_id, StartClick.day == day)
        .values(count=StartClick.count + 1)
    )
    try:
        for _attempt in range(3):
            try:
                with db.session() as session:
                    # An atomic UPDATE ... SET count = count + 1: no lost updates between workers.
                    if session.execute(increment).rowcount:  # type: ignore[attr-defined]
                        return
                    session.add(StartClick(service_id=service_id, day=day, count=1))
                return
            except IntegrityError:  # another worker inserted today's row first: increment it instead
                continue
    except Exception:
        log.exception("could not record a Start click for %s", service_id)


def start_counts(db: Database) -> dict[str, int]:
    with db.session() as session:
        totals: dict[str, int] = {}
        for row in session.execute(select(StartClick)).scalars():
            totals[row.service_id] = totals.get(row.service_id, 0) + row.count
        return totals
