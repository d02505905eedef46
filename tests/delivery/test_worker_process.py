"""`portal worker` as a real process, killed with SIGKILL in the middle of a delivery: nothing is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from click.testing import CliRunner

from portal.cli import main
from portal.delivery import outbox
from portal.delivery.receiver import Receiver
from tests.forms_support import FORMS, SECRET, SECRET_ENV, forms_catalog, open_database, store_submissions


def _catalog_for(receiver: Receiver, folder: Path) -> Path:
    path = folder / "services.yaml"
    path.write_text(FORMS.read_text().replace("http://127.0.0.1:9/intake", receiver.url))
    return path


def _env(database_url: str, services: Path, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PORTAL_ENV": "development",
        "PORTAL_SERVICES": str(services),
        "PORTAL_DATA_DIR": str(data_dir),
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_DELIVERY_LEASE_SECONDS": "2",
        "PORTAL_DELIVERY_TIMEOUT_SECONDS": "1.5",
        "PORTAL_DELIVERY_BACKOFF_SECONDS": "0.05",
        "PORTAL_DELIVERY_BACKOFF_MAX_SECONDS": "0.2",
        "PORTAL_WORKER_POLL_SECONDS": "0.05",
        "PORTAL_LOG_LEVEL": "WARNING",
        SECRET_ENV: SECRET,
    }


def _start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    log = open(Path(env["PORTAL_DATA_DIR"]).parent / "worker.log", "ab")  # noqa: SIM115 (the child owns it)
    with log:
        return subprocess.Popen([sys.executable, "-m", "portal", "worker"], env=env, stdout=log, stderr=log)


def test_a_worker_killed_mid_delivery_loses_nothing(database_url: str, tmp_path: Path) -> None:
    arrived = threading.Event()
    receiver = Receiver(secret=SECRET, on_receive=lambda _r: arrived.set()).start()
    receiver.behaviour.mode, receiver.behaviour.delay = "slow", 10  # stored, then holds the reply
    services = _catalog_for(receiver, tmp_path)
    env = _env(database_url, services, tmp_path / "var")
    db = open_database(database_url)
    refs = store_submissions(db, forms_catalog(), tmp_path / "var", 3)
    first = _start_worker(env)
    try:
        assert arrived.wait(30), "the worker never delivered"
        first.send_signal(signal.SIGKILL)  # mid-delivery: the receiver has the document, the worker no answer
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    in_flight = receiver.received[0].key
    assert outbox.counts(db) == {"pending": 3}  # nothing recorded as delivered by the dead worker
    receiver.behaviour.mode = "ok"
    second = _start_worker(env)
    try:
        deadline = time.monotonic() + 30
        while outbox.counts(db).get("delivered") != 3:
            assert time.monotonic() < deadline, (outbox.counts(db), second.poll())
            time.sleep(0.1)
        second.send_signal(signal.SIGTERM)  # a graceful stop
        assert second.wait(10) == 0
    finally:
        if second.poll() is None:
            second.kill()
    receiver.stop()
    assert set(receiver.unique()) == set(refs)
    assert receiver.count(in_flight) >= 2  # sent again after the lease ran out; the receiver de-duplicates
    db.dispose()


def test_outbox_commands_list_show_and_retry(tmp_path: Path, monkeypatch: object) -> None:
    receiver = Receiver(secret=SECRET).start()
    receiver.behaviour.mode = "fail"
    services = _catalog_for(receiver, tmp_path)
    database_url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    env = {k: v for k, v in _env(database_url, services, tmp_path / "var").items() if k.startswith(("PORTAL_", SECRET_ENV))}
    env["PORTAL_DELIVERY_GIVE_UP_HOURS"] = "0"  # the first failure is final
    db = open_database(database_url)
    [ref] = store_submissions(db, forms_catalog(), tmp_path / "var", 1, give_up=__import__("datetime").timedelta(0))
    runner = CliRunner()
    assert runner.invoke(main, ["worker", "--once"], env=env).exit_code == 0
    listed = runner.invoke(main, ["outbox", "list", "--state", "dead"], env=env)
    assert listed.exit_code == 0 and ref in listed.output and "HTTP 500" in listed.output
    shown = runner.invoke(main, ["outbox", "show", ref.lower()], env=env)
    assert shown.exit_code == 0 and "agency: dead, 1 attempt(s)" in shown.output and "last error: HTTP 500" in shown.output
    assert "Resident 0" not in shown.output  # answers only on request
    assert "Resident 0" in runner.invoke(main, ["outbox", "show", ref, "--answers"], env=env).output
    assert runner.invoke(main, ["outbox", "show", "DMV-2222-2222"], env=env).exit_code == 1
    assert runner.invoke(main, ["outbox", "retry"], env=env).exit_code == 2
    receiver.behaviour.mode = "ok"
    env["PORTAL_DELIVERY_GIVE_UP_HOURS"] = "72"
    retried = runner.invoke(main, ["outbox", "retry", "--dead"], env=env)
    assert "1 delivery(ies) will be tried again now" in retried.output
    assert runner.invoke(main, ["worker", "--once"], env=env).exit_code == 0
    receiver.stop()
    assert list(receiver.unique()) == [ref]
    assert "1 delivered" in runner.invoke(main, ["outbox", "list"], env=env).output
    db.dispose()
