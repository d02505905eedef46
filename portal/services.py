"""Small domain operations on services that the web layer calls."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.storage import Database
from portal.storage.models import StartClick


def record_start(db: Database, service_id: str, day: dt.date) -> None:
    """Count one anonymous Start press. Counting must never stop a resident from starting."""
    try:
        with db.session() as session:
            row = session.execute(
                select(StartClick).where(StartClick.service_id == service_id, StartClick.day == day).with_for_update()
            ).scalar_one_or_none()
            if row is None:
                session.add(StartClick(service_id=service_id, day=day, count=1))
            else:
                row.count += 1
    except IntegrityError:  # two first clicks of the day raced; one more try sees the row
        with db.session() as session:
            row = session.get(StartClick, (service_id, day))
            if row is not None:
                row.count += 1
    except Exception:  # noqa: BLE001
        import logging

        logging.getLogger(__name__).exception("could not record a Start click for %s", service_id)


def start_counts(db: Database) -> dict[str, int]:
    with db.session() as session:
        totals: dict[str, int] = {}
        for row in session.execute(select(StartClick)).scalars():
            totals[row.service_id] = totals.get(row.service_id, 0) + row.count
        return totals
