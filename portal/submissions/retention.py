"""Forgetting on time: delivered submissions after their service's retention_days, abandoned answers and files.

Undelivered and dead submissions are never deleted here: an operator has to see them first (`portal outbox`).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select

from portal.storage import Database

from .models import Delivery, Progress, StatusEvent, Submission, Upload, utcnow
from .uploads import delete_upload, upload_dir

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionReport:
    submissions: int
    progress: int
    uploads: int


def apply_retention(
    db: Database, data_dir: str | Path, *, progress_days: int, now: dt.datetime | None = None, dry_run: bool = False
) -> RetentionReport:
    now = now or utcnow()
    with db.session() as s:
        expired: list[int] = []
        for days in s.scalars(select(Submission.retention_days).distinct()).all():
            expired += s.scalars(
                select(Submission.id)
                .join(Delivery, (Delivery.submission_id == Submission.id) & (Delivery.channel == "agency"))
                .where(
                    Submission.retention_days == days,
                    Delivery.state == "delivered",
                    Delivery.delivered_at < now - dt.timedelta(days=days),
                )
            ).all()
        stale_progress = s.scalars(
            select(Progress.id).where(Progress.updated_at < now - dt.timedelta(days=progress_days))
        ).all()
        upload_ids = list(s.scalars(select(Upload.id).where(Upload.submission_id.in_(expired))).all())
        upload_ids += s.scalars(
            select(Upload.id).where(Upload.submission_id.is_(None), Upload.progress_id.in_(stale_progress))
        ).all()
        # files of a page that was never saved as progress (the resident left) hang on to no progress at all
        upload_ids += s.scalars(
            select(Upload.id).where(
                Upload.submission_id.is_(None),
                Upload.created_at < now - dt.timedelta(days=progress_days),
                Upload.progress_id.not_in(select(Progress.id)),
            )
        ).all()
        if not dry_run:
            s.execute(delete(Upload).where(Upload.id.in_(upload_ids)))
            for model in (Delivery, StatusEvent):
                s.execute(delete(model).where(model.submission_id.in_(expired)))
            s.execute(delete(Submission).where(Submission.id.in_(expired)))
            s.execute(delete(Progress).where(Progress.id.in_(stale_progress)))
    if not dry_run:
        for upload_id in upload_ids:
            delete_upload(data_dir, upload_id)
        _sweep_stray_files(db, data_dir, older_than=dt.timedelta(days=1))
    report = RetentionReport(len(expired), len(stale_progress), len(upload_ids))
    if any((report.submissions, report.progress, report.uploads)):
        log.info("retention: %s%s", report, " (dry run)" if dry_run else "")
    return report


def _sweep_stray_files(db: Database, data_dir: str | Path, older_than: dt.timedelta) -> None:
    """Files written for a page whose database write then failed: no row points at them."""
    folder = upload_dir(data_dir)
    if not folder.is_dir():
        return
    cutoff = time.time() - older_than.total_seconds()
    candidates = [p for p in folder.iterdir() if p.stat().st_mtime < cutoff]
    if not candidates:
        return
    with db.session() as s:
        known = set(s.scalars(select(Upload.id).where(Upload.id.in_([p.name for p in candidates]))).all())
    for path in candidates:
        if path.name.removesuffix(".partial") not in known:
            path.unlink(missing_ok=True)
