#!/usr/bin/env python3
"""Reliability bench (not a unit test): do submissions reach the agency when everything goes wrong?

Residents send N forms through the real web flow (some press 'Send' twice) while the agency's receiver fails half
of its requests (half of those after it already stored the submission, so retries are duplicates) and `portal
worker` processes are killed with SIGKILL at random moments and restarted. At the end it prints, at the receiver,
after de-duplication by Idempotency-Key:

    delivered  distinct submissions that arrived            target N
    lost       sent by a resident, never arrived            target 0
    duplicated one form arriving as two submissions          target 0

    python bench/reliability.py                          # 1000 forms, SQLite, one worker
    python bench/reliability.py --forms 200              # quicker
    python bench/reliability.py --database-url postgresql://postgres@127.0.0.1:5432/test --workers 3

On PostgreSQL the bench creates and drops its own schema. Backoff and leases are short so it ends in minutes.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal import create_app  # noqa: E402
from portal.delivery import outbox  # noqa: E402
from portal.delivery.receiver import Receiver  # noqa: E402

SECRET_ENV = "PORTAL_BENCH_WEBHOOK_SECRET"
CATALOG = """\
agencies:
  - id: dmv
    name: Department of Motor Vehicles
    url: https://dmv.example.gov
services:
  - id: bench-permit
    agency: dmv
    title: Apply for a bench permit
    summary: A form for the reliability bench.
    delivery:
      type: form
      reference_prefix: BEN
      deliver_to:
        webhook: {{url: "{url}", secret_env: {secret_env}}}
      pages:
        - id: about-you
          title: About you
          fields:
            - {{id: full_name, type: text, label: Full name, required: true}}
            - {{id: email, type: email, label: Email address}}
        - id: request
          title: Your request
          fields:
            - {{id: plate, type: text, label: Plate number, required: true, pattern: "^[A-Z0-9]{{2,8}}$"}}
            - {{id: reason, type: radio, label: Why, required: true, options: [{{value: a, label: A}}, {{value: b, label: B}}]}}
"""


def _settings(database_url: str, data_dir: Path, services: Path) -> dict[str, str]:
    return {
        "PORTAL_ENV": "development",
        "PORTAL_SERVICES": str(services),
        "PORTAL_DATA_DIR": str(data_dir),
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_DELIVERY_BACKOFF_SECONDS": "0.05",
        "PORTAL_DELIVERY_BACKOFF_MAX_SECONDS": "1",
        "PORTAL_DELIVERY_LEASE_SECONDS": "3",
        "PORTAL_DELIVERY_TIMEOUT_SECONDS": "1",
        "PORTAL_WORKER_POLL_SECONDS": "0.05",
        "PORTAL_LOG_LEVEL": "INFO",  # the chaos thread reads 'delivery worker ... started' to know it is working
        "PORTAL_RELOAD_INTERVAL": "0",
    }


class Workers:
    """Keeps `count` worker processes running, and kills each with SIGKILL a random 'between' seconds after it
    started working (not while it is still starting: on a busy machine that alone could starve the outbox)."""

    def __init__(self, count: int, env: dict[str, str], folder: Path, kill_between: tuple[float, float]) -> None:
        self.count, self.env, self.folder, self.kill_between = count, env, folder, kill_between
        self.procs: list[tuple[subprocess.Popen[bytes], Path]] = []
        self.deadlines: dict[int, float] = {}
        self.kills = 0
        self.started = 0
        self.chaos = threading.Event()
        self._lock = threading.Lock()

    def _start_one(self) -> None:
        self.started += 1
        log = self.folder / f"worker-{self.started}.log"
        with log.open("ab") as out:
            proc = subprocess.Popen([sys.executable, "-m", "portal", "worker"], env=self.env, stdout=out, stderr=out)
        self.procs.append((proc, log))

    def keep_running(self) -> None:
        with self._lock:
            self.procs = [(p, log) for p, log in self.procs if p.poll() is None]
            while len(self.procs) < self.count:
                self._start_one()

    def chaos_loop(self) -> None:
        while not self.chaos.wait(0.05):
            now = time.monotonic()
            with self._lock:
                for proc, log in self.procs:
                    if proc.pid not in self.deadlines:
                        if b"started" in log.read_bytes()[:4000]:  # its first log line: working from now on
                            self.deadlines[proc.pid] = now + random.uniform(*self.kill_between)
                    elif now >= self.deadlines[proc.pid] and proc.poll() is None:
                        proc.send_signal(signal.SIGKILL)
                        proc.wait()
                        self.kills += 1
            self.keep_running()

    def stop(self) -> None:
        self.chaos.set()
        with self._lock:
            for p, _log in self.procs:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            for p, _log in self.procs:
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()


def _token(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', html)
    if not found:
        raise RuntimeError(f"no {name} on the page")
    return found[1]


def submit_forms(app: Any, start: int, count: int, double_send_share: float, out: list[tuple[str, str]]) -> None:
    """Residents applying through the web pages, exactly as browsers do (CSRF token, steps, check, send)."""
    base = "/en/services/bench-permit"
    for i in range(start, start + count):
        client = app.test_client()
        csrf = _token(client.get(f"{base}/apply/about-you").get_data(as_text=True), "csrf_token")
        name = f"Bench resident {i:05d}"
        for page, data in (
            ("about-you", {"full_name": name, "email": f"r{i}@example.com"}),
            ("request", {"plate": f"B{i:05d}", "reason": random.choice("ab")}),
        ):
            response = client.post(f"{base}/apply/{page}", data={"csrf_token": csrf, **data})
            if response.status_code != 302:
                raise RuntimeError(f"step {page} refused: {response.status_code}")
        token = _token(client.get(f"{base}/check-answers").get_data(as_text=True), "submit_token")
        presses = 2 if random.random() < double_send_share else 1
        locations = {
            client.post(f"{base}/check-answers", data={"csrf_token": csrf, "submit_token": token}).headers["Location"]
            for _ in range(presses)
        }
        if len(locations) != 1:
            raise RuntimeError(f"two presses of Send gave two references: {locations}")
        reference = re.search(r"BEN-[0-9A-Z]{4}-[0-9A-Z]{4}", locations.pop())
        assert reference is not None
        out.append((reference[0], name))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--forms", type=int, default=1000)
    parser.add_argument("--database-url", default="", help="default: a new SQLite file")
    parser.add_argument("--workers", type=int, default=0, help="worker processes (default: 1 on SQLite, 3 on PostgreSQL)")
    parser.add_argument("--fail-rate", type=float, default=0.5, help="share of requests the receiver fails")
    parser.add_argument("--kill-every", type=float, nargs=2, default=(1.0, 4.0), metavar=("MIN", "MAX"))
    parser.add_argument("--double-send", type=float, default=0.1, help="share of residents pressing Send twice")
    parser.add_argument("--residents", type=int, default=4, help="residents submitting at the same time")
    parser.add_argument("--give-up-after", type=float, default=900, help="seconds before the bench stops waiting")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    secret = secrets.token_urlsafe(32)
    os.environ[SECRET_ENV] = secret
    receiver = Receiver(secret=secret).start()
    receiver.behaviour.mode, receiver.behaviour.fail_rate = "flaky", args.fail_rate
    services = work / "services.yaml"
    services.write_text(CATALOG.format(url=receiver.url, secret_env=SECRET_ENV))

    schema = ""
    database_url = args.database_url or f"sqlite:///{work / 'portal.sqlite3'}"
    if args.database_url:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        schema = "bench_" + secrets.token_hex(4)
        with create_engine(args.database_url).begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        database_url = make_url(args.database_url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    workers_wanted = args.workers or (1 if database_url.startswith("sqlite") else 3)
    env = {**os.environ, **_settings(database_url, work / "var", services), SECRET_ENV: secret}
    in_bench = {k.removeprefix("PORTAL_"): v for k, v in _settings(database_url, work / "var", services).items()}
    app = create_app({**in_bench, "LOG_LEVEL": "WARNING", "RELOAD_INTERVAL": 0, "TESTING": True})
    db = app.extensions["portal.db"]

    print(f"bench: {args.forms} forms, receiver failing {args.fail_rate:.0%}, {workers_wanted} worker(s) killed every "
          f"{args.kill_every[0]:g}-{args.kill_every[1]:g} s, {'PostgreSQL' if schema else 'SQLite'}; work dir {work}", flush=True)
    began = time.monotonic()
    workers = Workers(workers_wanted, env, work, (args.kill_every[0], args.kill_every[1]))
    workers.keep_running()
    chaos = threading.Thread(target=workers.chaos_loop, daemon=True)
    chaos.start()

    sent: list[tuple[str, str]] = []
    share = args.forms // args.residents
    residents = [
        threading.Thread(
            target=submit_forms,
            args=(app, i * share, share if i < args.residents - 1 else args.forms - share * (args.residents - 1), args.double_send, sent),
        )
        for i in range(args.residents)
    ]
    for r in residents:
        r.start()
    for r in residents:
        r.join()
    submitted_in = time.monotonic() - began
    print(f"  {len(sent)} forms sent by residents in {submitted_in:.1f} s", flush=True)

    deadline = time.monotonic() + args.give_up_after
    while True:
        counts = outbox.counts(db, "agency")
        done = counts.get("delivered", 0) + counts.get("dead", 0)
        if done >= len(sent) or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    workers.stop()
    elapsed = time.monotonic() - began
    receiver.stop()

    unique = receiver.unique()
    references = {ref for ref, _ in sent}
    keys_by_resident: dict[str, set[str]] = {}
    for record in receiver.received:
        keys_by_resident.setdefault(record.body["answers"]["full_name"], set()).add(record.key)
    delivered = len(references & set(unique))
    lost = len(references - set(unique))
    duplicated = sum(len(keys) - 1 for keys in keys_by_resident.values()) + len(set(unique) - references)
    per_key = Counter(r.key for r in receiver.received)
    attempts = sum(e.attempts for e in outbox.list_entries(db, limit=10 * len(sent)) if e.channel == "agency")
    print(f"  {workers.kills} worker(s) killed with SIGKILL at work; {attempts} delivery attempts; "
          f"{len(receiver.received)} requests stored by the receiver, {sum(n - 1 for n in per_key.values())} of them "
          f"repeats dropped by de-duplication; agency outbox {outbox.counts(db, 'agency')}")
    print(f"delivered {delivered} / lost {lost} / duplicated {duplicated}   (target {len(sent)} / 0 / 0) in {elapsed:.1f} s")
    app.extensions["portal.db"].dispose()
    if schema:
        from sqlalchemy import create_engine, text

        with create_engine(args.database_url).begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    ok = delivered == len(sent) == args.forms and lost == 0 and duplicated == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
