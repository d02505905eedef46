"""`portal worker`, `portal outbox list|show|retry`, `portal retention`, `portal receiver`: thin wrappers."""

from __future__ import annotations

import datetime as dt
import json
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click


@contextmanager
def _portal() -> Iterator[Any]:
    """The app for one command; its database connections are closed when the command ends."""
    from portal.cli import _app as make

    app = make()
    try:
        yield app
    finally:
        app.extensions["portal.db"].dispose()


def _give_up(app: Any) -> dt.timedelta:
    return dt.timedelta(hours=float(app.config["DELIVERY_GIVE_UP_HOURS"]))


def _when(moment: dt.datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


@click.command()
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
def worker(once: bool) -> None:
    """Deliver submissions from the outbox until stopped (SIGTERM/Ctrl+C finish the current delivery first).

    Run several on PostgreSQL (they share the outbox with SELECT ... FOR UPDATE SKIP LOCKED); one on SQLite.
    """
    from portal.delivery.worker import worker_for

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with _portal() as app, app.app_context():
        worker_for(app).run(stop, once=once)


@click.group()
def outbox() -> None:
    """See and act on deliveries: list, show, retry."""


@outbox.command("list")
@click.option("--state", type=click.Choice(["pending", "delivered", "dead"]), help="Only entries in this state.")
@click.option("--limit", default=200, show_default=True, type=int)
def outbox_list(state: str | None, limit: int) -> None:
    """Entries oldest first: reference, channel, state, attempts, next attempt, last error."""
    from portal.delivery import outbox as box

    with _portal() as app:
        db = app.extensions["portal.db"]
        entries = box.list_entries(db, state, limit)
        totals = box.counts(db)
    for e in entries:
        upcoming = "leased" if e.leased else (_when(e.next_attempt_at) if e.state == "pending" else _when(e.delivered_at))
        click.echo(f"{e.reference:16} {e.channel:8} {e.state:9} {e.attempts:3}  {upcoming:19}  {e.last_error[:80]}")
    click.echo(", ".join(f"{n} {s}" for s, n in sorted(totals.items())) or "the outbox is empty", err=True)


@outbox.command("show")
@click.argument("reference")
@click.option("--answers", is_flag=True, help="Also print the resident's answers (personal data: take care).")
def outbox_show(reference: str, answers: bool) -> None:
    """One submission: where it goes, each delivery's state and history."""
    from portal.delivery import outbox as box
    from portal.submissions.references import normalize_reference
    from portal.submissions.store import get_submission

    reference = normalize_reference(reference)
    with _portal() as app:
        sub = get_submission(app.extensions["portal.db"], reference)
        entries = box.entries_for(app.extensions["portal.db"], reference)
    if sub is None:
        raise click.ClickException(f"no submission with reference {reference}")
    click.echo(f"reference:   {sub.reference}\nservice:     {sub.service_id} ({sub.agency_id})\nsubmitted:   {_when(sub.created_at)} UTC")
    click.echo(f"status:      {sub.status}{' - ' + sub.status_note if sub.status_note else ''}")
    for e in entries:
        click.echo(
            f"{e.channel}: {e.state}, {e.attempts} attempt(s); next {_when(e.next_attempt_at)}; "
            f"gives up {_when(e.deadline_at)}; delivered {_when(e.delivered_at)}"
        )
        if e.last_error:
            click.echo(f"  last error: {e.last_error}")
    if answers:
        click.echo(json.dumps(sub.answers, ensure_ascii=False, indent=2))


@outbox.command("retry")
@click.argument("reference", required=False)
@click.option("--dead", "all_dead", is_flag=True, help="Retry every dead entry.")
def outbox_retry(reference: str | None, all_dead: bool) -> None:
    """Try again now (with a fresh deadline): one submission's undelivered entries, or every dead one."""
    from portal.delivery import outbox as box
    from portal.submissions.references import normalize_reference

    if not reference and not all_dead:
        raise click.UsageError("give a REFERENCE or --dead")
    with _portal() as app:
        count = box.retry(
            app.extensions["portal.db"],
            reference=normalize_reference(reference) if reference else None,
            all_dead=all_dead,
            give_up=_give_up(app),
        )
    click.echo(f"{count} delivery(ies) will be tried again now")


@click.command()
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
def retention(dry_run: bool) -> None:
    """Delete delivered submissions past their service's retention_days, and abandoned answers and uploads."""
    from portal.submissions.retention import apply_retention

    with _portal() as app:
        report = apply_retention(
            app.extensions["portal.db"],
            app.config["DATA_DIR"],
            progress_days=int(app.config["FORM_PROGRESS_DAYS"]),
            dry_run=dry_run,
        )
    verb = "would delete" if dry_run else "deleted"
    click.echo(f"{verb}: {report.submissions} submission(s), {report.progress} unfinished form(s), {report.uploads} file(s)")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8025, show_default=True, type=int)
@click.option("--secret-env", default="", help="Verify signatures with the secret in this environment variable.")
def receiver(host: str, port: int, secret_env: str) -> None:
    """A local webhook receiver that prints what arrives (for trying deliveries: PORTAL_DELIVERY_OVERRIDE=<its URL>)."""
    from portal.delivery.receiver import Receiver
    from portal.delivery.signatures import MissingSecret, secret_from_env

    try:
        secret = secret_from_env(secret_env) if secret_env else None
    except MissingSecret as exc:
        raise click.ClickException(str(exc)) from exc

    def show(record: Any) -> None:
        duplicate = " (again: a receiver keeps only the first)" if box.count(record.key) > 1 else ""
        click.echo(f"{record.key}{duplicate}: {json.dumps(record.body.get('answers'), ensure_ascii=False)[:300]}")

    box = Receiver(secret=secret, host=host, port=port, on_receive=show).start()
    click.echo(f"receiving on {box.url} ({'verifying signatures' if secret else 'not verifying signatures'}); Ctrl+C stops")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        box.stop()


COMMANDS = (worker, outbox, retention, receiver)
